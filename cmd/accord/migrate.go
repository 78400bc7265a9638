package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/node"
)

func runMigrateStore(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("migrate-store", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the node's current store: sqlite:PATH or postgres://… (required)")
	to := fs.String("to", "", "the new, empty store: sqlite:PATH or postgres://… (required)")
	verify := fs.Bool("verify", true, "afterwards, read both stores again and compare every row")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: accord migrate-store --from STORE --to STORE\n\nCopies a node's whole state (registry, tokens, idempotency keys, and its log's\nentries, hashes and checkpoints, byte for byte) into an empty store. Stop the\nnode first; then start it with --db set to the new store and the same --data.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *from == "" || *to == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	if *from == *to {
		fmt.Fprintln(stderr, "accord migrate-store: --from and --to name the same store")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := migrateStore(ctx, *from, *to, *verify, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "accord migrate-store: %v\n", err)
		return 1
	}
	return 0
}

func migrateStore(ctx context.Context, from, to string, verify bool, stdout, stderr io.Writer) error {
	if path, ok := strings.CutPrefix(from, "sqlite:"); ok {
		// Opening a SQLite path creates it: a typo must not copy an empty store.
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("--from: %w", err)
		}
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	src, err := node.OpenStore(ctx, from, "", logger)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	defer src.Close()
	dst, err := node.OpenStore(ctx, to, "", logger)
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	defer dst.Close()
	dumper, ok := src.(accord.Dumper)
	if !ok {
		return fmt.Errorf("--from: %T cannot be dumped", src)
	}
	loader, ok := dst.(accord.Loader)
	if !ok {
		return fmt.Errorf("--to: %T cannot be loaded", dst)
	}
	start := time.Now()
	srcSum := newDigest()
	counts := &counter{DumpWriter: srcSum, progress: stderr, last: time.Now()}
	err = loader.Load(ctx, func(w accord.DumpWriter) error {
		counts.DumpWriter = teeWriter{w, srcSum}
		return dumper.Dump(ctx, counts)
	})
	if err != nil {
		if accord.ErrorCode(err) == accord.EConflict {
			return fmt.Errorf("--to: %w (migrate-store only fills an empty store)", err)
		}
		return err
	}
	fmt.Fprintf(stdout, "copied in %s: %s\n", time.Since(start).Round(time.Millisecond), counts)
	if verify {
		dstSum := newDigest()
		if err := dst.(accord.Dumper).Dump(ctx, dstSum); err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		if a, b := srcSum.sum(), dstSum.sum(); a != b {
			return errors.New("verify: the new store does not read back the same rows; do not use it")
		}
		fmt.Fprintf(stdout, "verified: both stores hold the same %d rows (SHA-256 %x)\n", counts.total, srcSum.sum())
	}
	var size int64
	var cp []byte
	err = dst.View(ctx, func(tx accord.ReadTx) error {
		if size, err = tx.LogSize(ctx); err != nil {
			return err
		}
		cp, err = tx.Checkpoint(ctx)
		return err
	})
	if err != nil {
		return err
	}
	first, _, _ := strings.Cut(string(cp), "\n")
	fmt.Fprintf(stdout, "log: %d entries, latest checkpoint of %s\nStart the node with --db set to the new store and the same --data directory (it holds the log key).\n", size, first)
	return nil
}

// teeWriter sends every row to two writers.
type teeWriter struct{ a, b accord.DumpWriter }

func (t teeWriter) Meta(ctx context.Context, k string, v []byte) error {
	return errors.Join(t.a.Meta(ctx, k, v), t.b.Meta(ctx, k, v))
}
func (t teeWriter) Organization(ctx context.Context, seq int64, o accord.Organization) error {
	return errors.Join(t.a.Organization(ctx, seq, o), t.b.Organization(ctx, seq, o))
}
func (t teeWriter) Token(ctx context.Context, tok accord.Token, h []byte) error {
	return errors.Join(t.a.Token(ctx, tok, h), t.b.Token(ctx, tok, h))
}
func (t teeWriter) System(ctx context.Context, seq int64, s accord.System, sum accord.SystemSummary, d accord.SearchDoc) error {
	return errors.Join(t.a.System(ctx, seq, s, sum, d), t.b.System(ctx, seq, s, sum, d))
}
func (t teeWriter) SystemVersion(ctx context.Context, v accord.SystemVersion) error {
	return errors.Join(t.a.SystemVersion(ctx, v), t.b.SystemVersion(ctx, v))
}
func (t teeWriter) Idempotency(ctx context.Context, i accord.Idempotency) error {
	return errors.Join(t.a.Idempotency(ctx, i), t.b.Idempotency(ctx, i))
}
func (t teeWriter) LogEntries(ctx context.Context, start int64, es [][]byte) error {
	return errors.Join(t.a.LogEntries(ctx, start, es), t.b.LogEntries(ctx, start, es))
}
func (t teeWriter) LogHashes(ctx context.Context, start int64, hs []tlog.Hash) error {
	return errors.Join(t.a.LogHashes(ctx, start, hs), t.b.LogHashes(ctx, start, hs))
}
func (t teeWriter) Checkpoint(ctx context.Context, size int64, note []byte) error {
	return errors.Join(t.a.Checkpoint(ctx, size, note), t.b.Checkpoint(ctx, size, note))
}

func (t teeWriter) Federation(ctx context.Context, r accord.FederationRow) error {
	return errors.Join(t.a.Federation(ctx, r), t.b.Federation(ctx, r))
}

func (t teeWriter) Consent(ctx context.Context, r accord.ConsentRow) error {
	return errors.Join(t.a.Consent(ctx, r), t.b.Consent(ctx, r))
}

// digest hashes a dump row by row, so that two dumps compare without being kept.
type digest struct{ h hash.Hash }

func newDigest() *digest { return &digest{h: sha256.New()} }

func (d *digest) sum() [32]byte { return [32]byte(d.h.Sum(nil)) }

func (d *digest) row(table string, seq int64, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.h, "%s\x00%d\x00%d\x00", table, seq, len(b))
	d.h.Write(b)
	return nil
}

func (d *digest) Meta(_ context.Context, k string, v []byte) error {
	return d.row("meta", 0, [2]any{k, v})
}
func (d *digest) Organization(_ context.Context, seq int64, o accord.Organization) error {
	return d.row("organization", seq, o)
}
func (d *digest) Token(_ context.Context, t accord.Token, h []byte) error {
	return d.row("token", 0, [2]any{t, h})
}
func (d *digest) System(_ context.Context, seq int64, s accord.System, sum accord.SystemSummary, doc accord.SearchDoc) error {
	return d.row("system", seq, [3]any{s, sum, doc})
}
func (d *digest) SystemVersion(_ context.Context, v accord.SystemVersion) error {
	return d.row("version", 0, [2]any{v, v.Salts})
}
func (d *digest) Idempotency(_ context.Context, i accord.Idempotency) error {
	return d.row("idempotency", 0, i)
}
func (d *digest) LogEntries(_ context.Context, start int64, es [][]byte) error {
	for i, e := range es {
		fmt.Fprintf(d.h, "entry\x00%d\x00%d\x00", start+int64(i), len(e))
		d.h.Write(e)
	}
	return nil
}
func (d *digest) LogHashes(_ context.Context, start int64, hs []tlog.Hash) error {
	for i, h := range hs {
		fmt.Fprintf(d.h, "hash\x00%d\x00", start+int64(i))
		d.h.Write(h[:])
	}
	return nil
}
func (d *digest) Checkpoint(_ context.Context, size int64, note []byte) error {
	fmt.Fprintf(d.h, "checkpoint\x00%d\x00%d\x00", size, len(note))
	d.h.Write(note)
	return nil
}

func (d *digest) Federation(_ context.Context, r accord.FederationRow) error {
	return d.row("federation", 0, r)
}

func (d *digest) Consent(_ context.Context, r accord.ConsentRow) error {
	return d.row("consent", 0, r)
}

// counter counts rows per table and reports progress.
type counter struct {
	accord.DumpWriter
	progress                                                          io.Writer
	last                                                              time.Time
	total                                                             int64
	meta, orgs, tokens, systems, versions, idem, entries, hashes, cps int64
	fed                                                               int64
	consent                                                           int64
}

func (c *counter) tick(n int64) {
	c.total += n
	if time.Since(c.last) > 10*time.Second {
		c.last = time.Now()
		fmt.Fprintf(c.progress, "  … %s\n", c)
	}
}

func (c *counter) String() string {
	return fmt.Sprintf("%d meta, %d organizations, %d tokens, %d systems, %d versions, %d idempotency keys, %d log entries, %d hashes, %d checkpoints, %d federation rows, %d consent rows",
		c.meta, c.orgs, c.tokens, c.systems, c.versions, c.idem, c.entries, c.hashes, c.cps, c.fed, c.consent)
}

func (c *counter) Meta(ctx context.Context, k string, v []byte) error {
	c.meta++
	c.tick(1)
	return c.DumpWriter.Meta(ctx, k, v)
}
func (c *counter) Organization(ctx context.Context, seq int64, o accord.Organization) error {
	c.orgs++
	c.tick(1)
	return c.DumpWriter.Organization(ctx, seq, o)
}
func (c *counter) Token(ctx context.Context, t accord.Token, h []byte) error {
	c.tokens++
	c.tick(1)
	return c.DumpWriter.Token(ctx, t, h)
}
func (c *counter) System(ctx context.Context, seq int64, s accord.System, sum accord.SystemSummary, d accord.SearchDoc) error {
	c.systems++
	c.tick(1)
	return c.DumpWriter.System(ctx, seq, s, sum, d)
}
func (c *counter) SystemVersion(ctx context.Context, v accord.SystemVersion) error {
	c.versions++
	c.tick(1)
	return c.DumpWriter.SystemVersion(ctx, v)
}
func (c *counter) Idempotency(ctx context.Context, i accord.Idempotency) error {
	c.idem++
	c.tick(1)
	return c.DumpWriter.Idempotency(ctx, i)
}
func (c *counter) LogEntries(ctx context.Context, start int64, es [][]byte) error {
	c.entries += int64(len(es))
	c.tick(int64(len(es)))
	return c.DumpWriter.LogEntries(ctx, start, es)
}
func (c *counter) LogHashes(ctx context.Context, start int64, hs []tlog.Hash) error {
	c.hashes += int64(len(hs))
	c.tick(int64(len(hs)))
	return c.DumpWriter.LogHashes(ctx, start, hs)
}
func (c *counter) Checkpoint(ctx context.Context, size int64, note []byte) error {
	c.cps++
	c.tick(1)
	return c.DumpWriter.Checkpoint(ctx, size, note)
}

func (c *counter) Federation(ctx context.Context, r accord.FederationRow) error {
	c.fed++
	c.tick(1)
	return c.DumpWriter.Federation(ctx, r)
}

func (c *counter) Consent(ctx context.Context, r accord.ConsentRow) error {
	c.consent++
	c.tick(1)
	return c.DumpWriter.Consent(ctx, r)
}
