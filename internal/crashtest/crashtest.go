// Package crashtest is what the crash tests share: clients that file over
// HTTP while the node or its database is killed, each retrying a filing
// with the same Idempotency-Key until it is acknowledged, and the check
// that afterwards every acknowledged write is present, its receipt
// verifies, and every checkpoint handed out is consistent with the log.
package crashtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	acctlog "github.com/accord-gov/accord/tlog"
)

// Ack is an acknowledged write: what the node promised.
type Ack struct {
	System  string
	Version int
	Receipt accord.Receipt
}

// Options configure Writers.
type Options struct {
	Server  string // the node's base URL
	Token   string // a provider's API token
	Writers int    // concurrent clients; default 6
	// MaxPerWriter bounds each client's filings; default 2000.
	MaxPerWriter int
	// Timeout bounds one request; default 10 s.
	Timeout time.Duration
	// NodeStaysUp says that the node process is never killed (its
	// database is): every failed request must then be a 503 problem
	// answered within Timeout, never a refused connection or a hang.
	NodeStaysUp bool
}

// Writers are clients filing until stopped.
type Writers struct {
	t        testing.TB
	opt      Options
	stop     chan struct{}
	wg       sync.WaitGroup
	mu       sync.Mutex
	acks     []Ack
	outcomes map[string]int
}

// Start starts the clients.
func Start(t testing.TB, opt Options) *Writers {
	if opt.Writers <= 0 {
		opt.Writers = 6
	}
	if opt.MaxPerWriter <= 0 {
		opt.MaxPerWriter = 2000
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 10 * time.Second
	}
	w := &Writers{t: t, opt: opt, stop: make(chan struct{}), outcomes: map[string]int{}}
	for i := range opt.Writers {
		w.wg.Add(1)
		go w.run(i)
	}
	return w
}

func (w *Writers) run(n int) {
	defer w.wg.Done()
	c := client.New(w.opt.Server, w.opt.Token)
	c.HTTP.Timeout = w.opt.Timeout
	ctx := context.Background()
	for i := range w.opt.MaxPerWriter {
		f := Filing(n, i)
		key := fmt.Sprintf("w%d-%d", n, i)
		// Retry with the same key until acknowledged: the write may have
		// committed before the crash.
		for {
			select {
			case <-w.stop:
				return
			default:
			}
			v, err := c.FileSystem(ctx, "", f, key)
			if err == nil {
				w.mu.Lock()
				w.acks = append(w.acks, Ack{v.ID, v.Version, *v.Receipt})
				w.outcomes["acknowledged"]++
				w.mu.Unlock()
				break
			}
			var ce *client.Error
			switch {
			case errors.As(err, &ce) && ce.Status < 500:
				w.t.Errorf("write refused: %v", err)
				return
			case errors.As(err, &ce):
				w.count(strconv.Itoa(ce.Status) + " " + ce.Code)
				if w.opt.NodeStaysUp && (ce.Status != http.StatusServiceUnavailable || ce.Code != accord.EUnavailable) {
					w.t.Errorf("during the database's outage a write got %d %q (%s), want 503 unavailable", ce.Status, ce.Code, ce.Detail)
				}
			default:
				w.count("no answer")
				if w.opt.NodeStaysUp {
					w.t.Errorf("the node, which stayed up, did not answer a write: %v", err)
				}
			}
			select {
			case <-w.stop:
				return
			case <-time.After(30 * time.Millisecond):
			}
		}
	}
}

func (w *Writers) count(outcome string) {
	w.mu.Lock()
	w.outcomes[outcome]++
	w.mu.Unlock()
}

// Acked is how many writes were acknowledged so far.
func (w *Writers) Acked() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.acks)
}

// Outcome is how many requests ended so: "acknowledged", "no answer", or
// a status and problem code such as "503 unavailable".
func (w *Writers) Outcome(name string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.outcomes[name]
}

// WaitAcked waits until n more writes than now are acknowledged, or fails
// the test after d.
func (w *Writers) WaitAcked(n int, d time.Duration) {
	w.t.Helper()
	want := w.Acked() + n
	deadline := time.Now().Add(d)
	for w.Acked() < want {
		if time.Now().After(deadline) {
			w.t.Fatalf("only %d of %d writes acknowledged within %s", w.Acked(), want, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop stops the clients and returns what was acknowledged and what
// each request ended with.
func (w *Writers) Stop() ([]Ack, map[string]int) {
	close(w.stop)
	w.wg.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.acks, w.outcomes
}

// Filing is the w-th client's i-th filing.
func Filing(w, i int) accord.Filing {
	yes := true
	return accord.Filing{
		TradeName:     accord.Text{"en": fmt.Sprintf("Crash system %d-%d", w, i), "zh-Hans": "崩溃测试"},
		SystemVersion: "1", Status: "active",
		IntendedPurpose:     accord.Text{"en": "Exists to be written while the node is killed."},
		Domains:             []string{"general.translation"},
		DeploymentCountries: []string{"FR"},
		Facts:               accord.Facts{InteractsWithNaturalPersons: &yes},
	}
}

// Verify downloads the node's whole log over HTTP, audits it (signatures,
// every hash, every entry) and checks that every acknowledged write is
// present with a receipt that verifies against vkey, that its index still
// holds exactly its entry, and that every checkpoint handed out (in the
// receipts, and the extra ones a test saw served) is consistent with the
// final tree. It returns the final log's size.
func Verify(t testing.TB, server, vkey string, acks []Ack, seen [][]byte) int64 {
	t.Helper()
	ctx := context.Background()
	c := client.New(server, "")
	fetch := func(ctx context.Context, path string) ([]byte, error) { return c.Get(ctx, "/log/"+path) }
	rep, err := acctlog.Audit(ctx, fetch, vkey, nil, 4)
	if err != nil {
		t.Fatalf("final log does not audit: %v", err)
	}
	entries := make([][]byte, 0, rep.Size)
	for n := int64(0); n*256 < rep.Size; n++ {
		b, err := fetch(ctx, acctlog.TilePath(-1, n, int(min(256, rep.Size-n*256))))
		if err != nil {
			t.Fatal(err)
		}
		es, err := acctlog.ParseBundle(b)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, es...)
	}
	var hashes []tlog.Hash
	hr := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = hashes[x]
		}
		return out, nil
	})
	for i, e := range entries {
		hs, err := tlog.StoredHashes(int64(i), e, hr)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, hs...)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	checkpoints := map[string]bool{}
	for _, raw := range seen {
		checkpoints[string(raw)] = true
	}
	for _, a := range acks {
		cp, err := acctlog.VerifyReceipt(a.Receipt, vkey, nil)
		if err != nil {
			t.Errorf("receipt of %s: %v", a.System, err)
			continue
		}
		if a.Receipt.Index >= int64(len(entries)) || string(entries[a.Receipt.Index]) != a.Receipt.Entry {
			t.Errorf("index %d no longer holds the acknowledged entry of %s", a.Receipt.Index, a.System)
		}
		got, err := c.System(ctx, a.System)
		if err != nil || got.Version < a.Version {
			t.Errorf("acknowledged %s v%d is missing after the crashes: %v", a.System, a.Version, err)
		}
		if cp.Size > int64(len(entries)) {
			t.Errorf("a checkpoint of size %d was handed out, but the log has %d entries", cp.Size, len(entries))
		}
		p, _ := acctlog.ParseProof(a.Receipt.Proof)
		checkpoints[string(p.Checkpoint)] = true
	}
	for raw := range checkpoints {
		cp, err := acctlog.OpenCheckpoint([]byte(raw), v, v.Name())
		if err != nil {
			t.Fatal(err)
		}
		if cp.Size > int64(len(entries)) {
			t.Errorf("a checkpoint of size %d was handed out, but the log has %d entries", cp.Size, len(entries))
			continue
		}
		root, err := tlog.TreeHash(cp.Size, hr)
		if err != nil || root != cp.Hash {
			t.Errorf("checkpoint at size %d is not consistent with the final log", cp.Size)
		}
	}
	t.Logf("%d acknowledged writes, %d checkpoints handed out, final log %d entries", len(acks), len(checkpoints), rep.Size)
	return rep.Size
}
