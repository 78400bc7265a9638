package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/postgres"
	"github.com/accord-gov/accord/postgres/pgtest"
	"github.com/accord-gov/accord/storetest"
	acctlog "github.com/accord-gov/accord/tlog"
)

var ctx = context.Background()

func open(t *testing.T, dsn string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(ctx, dsn, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newStore(t *testing.T) accord.Store { return open(t, pgtest.DSN(t)) }

func TestConformance(t *testing.T) {
	pgtest.ServerDSN(t) // skip (or, in CI, fail) once, not in every subtest
	storetest.Run(t, newStore)
}

// TestTwoNodesOneDatabase: two stores (two nodes) on one schema append
// through their own sequencers at once; the advisory lock in LockLog keeps
// the log gap-free with one entry per index, and every checkpoint either
// node signed is a prefix of the final tree.
func TestTwoNodesOneDatabase(t *testing.T) {
	dsn := pgtest.DSN(t)
	skey, vkey, err := acctlog.GenerateKey("two.nodes.test/log")
	if err != nil {
		t.Fatal(err)
	}
	var logs []*acctlog.Log
	for range 2 {
		l, err := acctlog.New(acctlog.Config{Store: open(t, dsn), SignerKey: skey})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(l.Close)
		logs = append(logs, l)
	}
	const writers, each = 16, 40
	var mu sync.Mutex
	seen := map[int64]string{}
	var receipts []accord.Receipt
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := logs[w%2]
			for i := range each {
				e := fmt.Sprintf(`{"node":%d,"w":%d,"i":%d}`, w%2, w, i)
				rs, err := l.Append(ctx, func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error) {
					return [][]byte{[]byte(e)}, nil
				})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if prev, dup := seen[rs[0].Index]; dup {
					t.Errorf("index %d given to %s and %s", rs[0].Index, prev, e)
				}
				seen[rs[0].Index] = e
				receipts = append(receipts, rs[0])
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	s := open(t, dsn)
	err = s.View(ctx, func(tx accord.ReadTx) error {
		n, err := tx.LogSize(ctx)
		if err != nil {
			return err
		}
		if n != writers*each {
			t.Errorf("log size %d, want %d", n, writers*each)
		}
		es, err := tx.ReadEntries(ctx, 0, n)
		if err != nil {
			return err
		}
		for i, e := range es {
			if seen[int64(i)] != string(e) {
				t.Errorf("entry %d = %s, its receipt said %s", i, e, seen[int64(i)])
			}
		}
		hr := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) { return tx.ReadHashes(ctx, idx) })
		root, err := tlog.TreeHash(n, hr)
		if err != nil {
			return err
		}
		for _, r := range receipts {
			cp, err := acctlog.VerifyReceipt(r, vkey, nil)
			if err != nil {
				t.Fatalf("receipt %d: %v", r.Index, err)
			}
			p, err := tlog.ProveTree(n, cp.Size, hr)
			if err != nil {
				return err
			}
			if err := tlog.CheckTree(p, n, root, cp.Size, cp.Hash); err != nil {
				t.Fatalf("checkpoint of size %d is not a prefix of the final log: %v", cp.Size, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMigrateConcurrently: nodes starting together on an empty schema
// migrate it once, under the advisory lock.
func TestMigrateConcurrently(t *testing.T) {
	dsn := pgtest.DSN(t)
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := postgres.Open(ctx, dsn, postgres.Options{})
			if err == nil {
				db.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	db := open(t, dsn)
	var v, rows int
	if err := db.Pool().QueryRow(ctx, `SELECT max(version), count(*) FROM accord_schema`).Scan(&v, &rows); err != nil || v != postgres.SchemaVersion || rows != 1 {
		t.Errorf("schema version %d in %d rows, %v; want %d in 1", v, rows, err, postgres.SchemaVersion)
	}
}

// TestNewerSchemaRefused: a binary older than the database does not start.
func TestNewerSchemaRefused(t *testing.T) {
	dsn := pgtest.DSN(t)
	db := open(t, dsn)
	if _, err := db.Pool().Exec(ctx, `UPDATE accord_schema SET version = version + 1`); err != nil {
		t.Fatal(err)
	}
	_, err := postgres.Open(ctx, dsn, postgres.Options{})
	if err == nil || !strings.Contains(err.Error(), "newer than this binary") || !strings.Contains(err.Error(), "run a newer accord") {
		t.Fatalf("Open on a newer schema: %v", err)
	}
}

// TestUnreachable: a server that does not answer gives one clear error
// naming its host and database, never the password, after the wait.
func TestUnreachable(t *testing.T) {
	pgtest.ServerDSN(t)
	dsn := "postgres://accord:s3cret-pw@127.0.0.1:1/registry?sslmode=disable"
	start := time.Now()
	_, err := postgres.Open(ctx, dsn, postgres.Options{ConnectWait: 700 * time.Millisecond})
	if err == nil {
		t.Fatal("Open succeeded on a closed port")
	}
	msg := err.Error()
	if !strings.Contains(msg, "127.0.0.1:1/registry") || strings.Contains(msg, "s3cret") {
		t.Errorf("error %q should name 127.0.0.1:1/registry and hide the password", msg)
	}
	if d := time.Since(start); d < 500*time.Millisecond || d > 10*time.Second {
		t.Errorf("gave up after %s; want about the 700ms wait", d)
	}
	// A DSN that does not parse does not echo its password either.
	_, err = postgres.Open(ctx, "postgres://accord:s3cret-pw@127.0.0.1:notaport/x", postgres.Options{})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("bad DSN: %v", err)
	}
}

// TestConnectionLost: connections terminated in the middle of a write
// transaction make it fail as unavailable (a 503), leave nothing behind,
// and the store serves again on the next request.
func TestConnectionLost(t *testing.T) {
	dsn := pgtest.DSN(t)
	db := open(t, dsn)
	org := accord.Organization{ID: "org_lost", Name: accord.Text{"en": "Lost"}, Kind: "provider", Country: "FR"}
	err := db.Update(ctx, func(tx accord.WriteTx) error {
		if err := tx.CreateOrganization(ctx, org); err != nil {
			return err
		}
		if n := pgtest.Terminate(t, dsn); n == 0 {
			t.Error("no connection to terminate")
		}
		return tx.SetMeta(ctx, "after", []byte("x"))
	})
	if accord.ErrorCode(err) != accord.EUnavailable {
		t.Fatalf("write on a lost connection: code %q (%v), want %q", accord.ErrorCode(err), err, accord.EUnavailable)
	}
	// Reads recover at once: the pool drops dead connections.
	var got error
	for range 3 {
		got = db.View(ctx, func(tx accord.ReadTx) error {
			_, err := tx.Organization(ctx, "org_lost")
			return err
		})
		if accord.ErrorCode(got) != accord.EUnavailable {
			break
		}
	}
	if accord.ErrorCode(got) != accord.ENotFound {
		t.Fatalf("after the loss: %v; want the organization absent (nothing half-written)", got)
	}
	if err := db.Update(ctx, func(tx accord.WriteTx) error { return tx.CreateOrganization(ctx, org) }); err != nil {
		t.Fatalf("write after recovery: %v", err)
	}
}

// TestBadTextKeepsTransaction: text PostgreSQL cannot store (invalid UTF-8,
// NUL) is refused in Go, so it never aborts a sequencer batch.
func TestBadTextKeepsTransaction(t *testing.T) {
	db := open(t, pgtest.DSN(t))
	err := db.Update(ctx, func(tx accord.WriteTx) error {
		if _, err := tx.System(ctx, "sys_\xff"); accord.ErrorCode(err) != accord.ENotFound {
			t.Errorf("System(invalid UTF-8) = %v", err)
		}
		if _, err := tx.Idempotency(ctx, "org", "k\x00"); accord.ErrorCode(err) != accord.ENotFound {
			t.Errorf("Idempotency(NUL) = %v", err)
		}
		if err := tx.CreateOrganization(ctx, accord.Organization{ID: "org_\xff"}); accord.ErrorCode(err) != accord.EInvalid {
			t.Errorf("CreateOrganization(invalid UTF-8) = %v", err)
		}
		return tx.SetMeta(ctx, "still", []byte("usable"))
	})
	if err != nil {
		t.Fatalf("the transaction did not survive bad text: %v", err)
	}
}

// TestConformanceSmallWindow runs the suite with search windows of two and
// five documents, so that searches take every path: the newest documents one
// by one, then the GIN index for the rest.
func TestConformanceSmallWindow(t *testing.T) {
	pgtest.ServerDSN(t)
	defer postgres.SetSearchWindows(2, 5)()
	storetest.Run(t, newStore)
}

// TestCommitsStayDurable: a server, database or role with
// synchronous_commit=off (here: the connection's startup parameter) would
// acknowledge commits a crash can lose; the store's connections turn it
// back on, and keep a stronger setting as it is.
func TestCommitsStayDurable(t *testing.T) {
	dsn := pgtest.DSN(t)
	for setting, want := range map[string]string{"off": "on", "remote_apply": "remote_apply", "local": "local"} {
		db := open(t, dsn+"&synchronous_commit="+setting)
		var got string
		if err := db.Pool().QueryRow(ctx, `SHOW synchronous_commit`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("connections opened with synchronous_commit=%s have %s, want %s", setting, got, want)
		}
	}
}
