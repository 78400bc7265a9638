// Package pgtest gives tests their own PostgreSQL schema on the server named
// by ACCORD_TEST_POSTGRES (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable).
//
// Without the variable a test is skipped with a message, except in CI
// (CI=true), where a missing or unreachable PostgreSQL fails the test: a
// store that is never tested must not pass for green.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env is the variable that names the test server.
const Env = "ACCORD_TEST_POSTGRES"

// ServerDSN returns the test server's DSN, skipping (or, in CI, failing) t without one.
func ServerDSN(t testing.TB) string {
	t.Helper()
	dsn := strings.TrimSpace(os.Getenv(Env))
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must test the PostgreSQL store (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", Env)
		}
		t.Skipf("PostgreSQL tests skipped: set %s, e.g. %s=postgres://postgres@127.0.0.1:5432/test?sslmode=disable", Env, Env)
	}
	return dsn
}

// DSN creates a fresh schema for the test and returns a DSN whose
// search_path selects it (and whose application_name is the schema's name).
// The schema is dropped when the test ends.
func DSN(t testing.TB) string {
	t.Helper()
	dsn, drop, err := NewSchema(ServerDSN(t))
	if err != nil {
		t.Fatalf("PostgreSQL from %s: %v", Env, err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("drop test schema: %v", err)
		}
	})
	return dsn
}

// NewSchema creates a schema with a random name on server and returns a DSN
// that selects it, and a function that drops it.
func NewSchema(server string) (dsn string, drop func() error, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "accord_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", nil, fmt.Errorf("%s must be a postgres:// URL", Env)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("application_name", schema)
	u.RawQuery = q.Encode()
	drop = func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
		return err
	}
	return u.String(), drop, nil
}

// Terminate ends every server connection opened with dsn's application_name,
// from another connection, as an operator or a failover would.
func Terminate(t testing.TB, dsn string) int {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	app := u.Query().Get("application_name")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, ServerDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	err = conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()`, app).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
