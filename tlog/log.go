package tlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
)

// MaxEntrySize is the largest entry a C2SP entry bundle can hold.
const MaxEntrySize = 1<<16 - 1

// Op is one write: it runs inside the batch's transaction (in its own
// savepoint) and returns the entries to append to the log for it; next is
// the log index its first entry will get. If it returns an error, nothing it
// wrote is kept and its caller gets the error.
type Op func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error)

// Log sequences writes into the store's log and signs checkpoints.
type Log struct {
	store    accord.Store
	signer   note.Signer
	verifier note.Verifier
	origin   string
	maxBatch int
	// lastCommit is when the sequencer last finished a batch, and
	// lastBatch how many writes it held (the sequencer's own).
	lastCommit time.Time
	lastBatch  int
	logger     *slog.Logger
	metrics    Metrics
	signed     func(size int64, checkpoint []byte)

	cache *hashCache
	queue chan *request
	// synced is the store when it can defer durability (pipelined group
	// commit); syncq carries committed batches to the syncer.
	synced   accord.SyncedStore
	syncq    chan *syncedBatch
	syncDone chan struct{}
	stop     chan struct{}
	done     chan struct{}
	once     sync.Once

	laterMu sync.Mutex
	later   []*request  // Later writes waiting for a batch
	busy    atomic.Bool // a batch is being committed
}

// Metrics receives the sequencer's observations; any field may be nil.
type Metrics struct {
	BatchSize   func(n int)
	CommitTime  func(d time.Duration)
	Appended    func(n int)
	FailedBatch func()
}

// Config configures a Log.
type Config struct {
	Store      accord.Store
	SignerKey  string // note signer key; its name is the log's origin
	MaxBatch   int    // most writes in one transaction; default 4096
	Logger     *slog.Logger
	Metrics    Metrics
	QueueDepth int // writes waiting for a batch before Append blocks; default 16384
	// Signed, if set, is called with every checkpoint the sequencer signs,
	// once it is durable and its writers have been answered (the federation's
	// cosigner submits it to witnesses). It must not block.
	Signed func(size int64, checkpoint []byte)
}

type request struct {
	ctx  context.Context
	op   Op
	bare func(ctx context.Context, tx accord.WriteTx) error // for Update, instead of op
	resp chan response
	// claimed is set by whoever runs a Later write: a batch, or its caller
	// once it waited long enough.
	claimed atomic.Bool
}

type response struct {
	receipts []accord.Receipt
	err      error
}

// New starts a log's sequencer. Close stops it.
func New(cfg Config) (*Log, error) {
	signer, err := note.NewSigner(cfg.SignerKey)
	if err != nil {
		return nil, fmt.Errorf("log signer key: %w", err)
	}
	vkey, err := VerifierKey(cfg.SignerKey)
	if err != nil {
		return nil, err
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("log verifier key: %w", err)
	}
	l := &Log{
		store:    cfg.Store,
		signer:   signer,
		verifier: verifier,
		origin:   signer.Name(),
		maxBatch: cfg.MaxBatch,
		logger:   cfg.Logger,
		metrics:  cfg.Metrics,
		signed:   cfg.Signed,
		cache:    newHashCache(),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	if l.maxBatch <= 0 {
		l.maxBatch = 4096
	}
	if cfg.QueueDepth <= 0 {
		cfg.QueueDepth = 16384
	}
	if l.logger == nil {
		l.logger = slog.New(slog.DiscardHandler)
	}
	l.queue = make(chan *request, cfg.QueueDepth)
	if ss, ok := cfg.Store.(accord.SyncedStore); ok {
		l.synced = ss
		l.syncq = make(chan *syncedBatch, 64)
		l.syncDone = make(chan struct{})
		go l.syncer()
	}
	go l.sequence()
	return l, nil
}

// Origin is the log's name, the first line of its checkpoints.
func (l *Log) Origin() string { return l.origin }

// Verifier checks the log's checkpoint signatures.
func (l *Log) Verifier() note.Verifier { return l.verifier }

// Close stops the sequencer after the batch in flight; queued writes fail.
func (l *Log) Close() {
	l.once.Do(func() { close(l.stop) })
	<-l.done
}

// ErrClosed is returned for writes submitted after Close.
var ErrClosed = accord.Errorf(accord.EUnavailable, "the node is shutting down")

// Append runs op in the next batch and returns, once the batch has committed
// durably, one receipt for each entry op produced, proved against the
// checkpoint signed for that batch.
func (l *Log) Append(ctx context.Context, op Op) ([]accord.Receipt, error) {
	return l.run(&request{ctx: ctx, op: op, resp: make(chan response, 1)})
}

// Update runs fn in the next batch's transaction, for a write that appends
// nothing and needs no savepoint of its own (one compare-and-set, say):
// cheaper than Append, as it sets no savepoint. fn must not fail half-way
// through: an error from it fails the whole batch (nothing of the batch is
// stored and every write in it fails, as when the commit fails), so fn
// returns an error only for a failing database, and reports a refusal (a
// write it decided not to make, having written nothing) by its own means.
// fn runs with a context of the batch's (ctx ending does not end it once it
// started); Update returns once the batch is durable.
func (l *Log) Update(ctx context.Context, fn func(ctx context.Context, tx accord.WriteTx) error) error {
	_, err := l.run(&request{ctx: ctx, bare: fn, resp: make(chan response, 1)})
	return err
}

// Later is Update for a write that can wait, up to within, for a batch
// that commits anyway, so that it costs no commit and no fsync of its own:
// while the sequencer is busy (writes queued or a batch committing) it
// joins the next batch, or runs as an Update once within passed without
// one; when the sequencer is idle it runs at once.
func (l *Log) Later(ctx context.Context, within time.Duration, fn func(ctx context.Context, tx accord.WriteTx) error) error {
	if len(l.queue) == 0 && !l.busy.Load() {
		return l.Update(ctx, fn)
	}
	req := &request{ctx: ctx, bare: fn, resp: make(chan response, 1)}
	l.laterMu.Lock()
	l.later = append(l.later, req)
	l.laterMu.Unlock()
	t := time.NewTimer(within)
	defer t.Stop()
	select {
	case r := <-req.resp:
		return r.err
	case <-t.C:
	case <-l.done:
		return ErrClosed
	}
	if req.claimed.CompareAndSwap(false, true) {
		return l.Update(ctx, fn) // no batch came
	}
	select { // a batch took it meanwhile
	case r := <-req.resp:
		return r.err
	case <-l.done:
		return ErrClosed
	}
}

// takeLater returns the Later writes no one claimed yet, claimed.
func (l *Log) takeLater() []*request {
	l.laterMu.Lock()
	waiting := l.later
	l.later = nil
	l.laterMu.Unlock()
	var out []*request
	for _, r := range waiting {
		if r.claimed.CompareAndSwap(false, true) {
			out = append(out, r)
		}
	}
	return out
}

func (l *Log) run(req *request) ([]accord.Receipt, error) {
	ctx := req.ctx
	select {
	case l.queue <- req:
	case <-l.stop:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// Once queued, wait for the outcome even if ctx ends: the write may commit,
	// and the caller's retry (with its Idempotency-Key) will find it.
	select {
	case r := <-req.resp:
		return r.receipts, r.err
	case <-l.done:
		return nil, ErrClosed
	}
}

func (l *Log) sequence() {
	defer close(l.done)
	if l.syncq != nil {
		// Answer every committed batch before Close returns.
		defer func() { close(l.syncq); <-l.syncDone }()
	}
	for {
		var first *request
		select {
		case first = <-l.queue:
		case <-l.stop:
			l.drain()
			return
		}
		batch := []*request{first}
		// Group commit: take everything that queued up while the last batch
		// was committing, without waiting for more.
	fill:
		for len(batch) < l.maxBatch {
			select {
			case r := <-l.queue:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		// Under concurrent load (the last batch, a moment ago, held several
		// writes) a small batch waits a little for writers still on their
		// way: each commit costs a write of its own, what the log spends
		// most on. A lone writer (batches of one) never waits.
		if len(batch) < lingerBelow && l.lastBatch > 1 && time.Since(l.lastCommit) < lingerWindow {
			t := time.NewTimer(linger)
		wait:
			for len(batch) < l.maxBatch {
				select {
				case r := <-l.queue:
					batch = append(batch, r)
				case <-t.C:
					break wait
				}
			}
			t.Stop()
		}
		l.busy.Store(true)
		l.commit(append(batch, l.takeLater()...))
		l.busy.Store(false)
		l.lastCommit, l.lastBatch = time.Now(), len(batch)
	}
}

// The linger of a small batch under concurrent load: a batch of fewer
// than lingerBelow writes, when the previous batch held several and ended
// less than lingerWindow ago, waits up to linger for more. Measured with
// BenchmarkReceiptsHTTP (filings over HTTP at 16 clients: 3.3–3.6 writes
// per batch without it, 4.5–5.5 with it) and BenchmarkAppendBatch/batch=1
// (a lone writer: unchanged).
const (
	lingerBelow  = 4
	lingerWindow = 2 * time.Millisecond
	linger       = 500 * time.Microsecond
)

func (l *Log) drain() {
	for {
		select {
		case r := <-l.queue:
			r.resp <- response{err: ErrClosed}
		default:
			return
		}
	}
}

// commit runs one batch in one transaction and answers every request.
func (l *Log) commit(batch []*request) {
	start := time.Now()
	results := make([]response, len(batch))
	entries := make([][][]byte, len(batch))
	var first int64 // log index of the batch's first entry
	var proofs [][]accord.Receipt
	var signedSize int64
	var signed []byte // the batch's checkpoint, if it appended entries

	ctx := context.Background()
	update := l.store.Update
	if l.synced != nil {
		update = l.synced.UpdateDeferred // made durable by the syncer, below
	}
	err := update(ctx, func(tx accord.WriteTx) error {
		if err := tx.LockLog(ctx); err != nil {
			return err
		}
		size, err := tx.LogSize(ctx)
		if err != nil {
			return err
		}
		if l.cache.size != size {
			l.cache.reset(size)
		}
		first = size
		next := size
		for i, r := range batch {
			if r.bare != nil {
				if results[i].err = r.ctx.Err(); results[i].err != nil {
					continue // never started: nothing written
				}
				if err := runBare(ctx, r, tx); err != nil {
					return err
				}
				continue
			}
			results[i].err = tx.Savepoint(ctx, func() error {
				es, err := runOp(r, tx, next)
				if err != nil {
					return err
				}
				for _, e := range es {
					if len(e) > MaxEntrySize {
						return accord.Errorf(accord.ETooLarge, "the record's log entry is %d bytes; the log's limit is %d bytes: shorten its texts", len(e), MaxEntrySize)
					}
				}
				entries[i] = es
				return nil
			})
			next += int64(len(entries[i]))
			if results[i].err != nil {
				entries[i] = nil
			}
		}
		var all [][]byte
		for _, es := range entries {
			all = append(all, es...)
		}
		if len(all) == 0 {
			return nil
		}
		newSize, err := l.appendEntries(ctx, tx, size, all)
		if err != nil {
			return err
		}
		cp, err := l.sign(ctx, tx, newSize)
		if err != nil {
			return err
		}
		if err := tx.PutCheckpoint(ctx, newSize, cp); err != nil {
			return err
		}
		signedSize, signed = newSize, cp
		proofs, err = l.receipts(ctx, tx, first, newSize, cp, entries)
		return err
	})
	if err != nil {
		// Nothing of the batch committed: everyone gets the error, and the
		// cache may hold hashes that were never stored.
		l.cache.reset(-1)
		if l.metrics.FailedBatch != nil {
			l.metrics.FailedBatch()
		}
		l.logger.Error("log batch failed", "writes", len(batch), "err", err)
		if accord.ErrorCode(err) == accord.EInternal {
			err = accord.Errorf(accord.EUnavailable, "the database could not commit the write; nothing was stored, retry later")
		}
		for _, r := range batch {
			r.resp <- response{err: err}
		}
		return
	}
	n := 0
	for i := range batch {
		if results[i].err == nil && proofs != nil {
			results[i].receipts = proofs[i]
			n += len(proofs[i])
		}
	}
	done := &syncedBatch{batch: batch, results: results, appended: n, start: start, size: signedSize, checkpoint: signed}
	if l.synced == nil {
		l.answer(done) // Update returned: the batch is durable
		return
	}
	// The batch is committed but maybe not yet on disk: the syncer answers
	// it after its fsync, while the sequencer goes on with the next batch.
	l.syncq <- done
}

// syncedBatch is a committed batch waiting for its answers.
type syncedBatch struct {
	batch    []*request
	results  []response
	appended int
	start    time.Time
	// size and checkpoint are the checkpoint the batch signed (nil if none).
	size       int64
	checkpoint []byte
}

// syncer makes committed batches durable, several per fsync when they
// queue up, and only then answers their callers.
func (l *Log) syncer() {
	defer close(l.syncDone)
	for b := range l.syncq {
		pending := []*syncedBatch{b}
	more:
		for {
			select {
			case b, ok := <-l.syncq:
				if !ok {
					break more
				}
				pending = append(pending, b)
			default:
				break more
			}
		}
		err := l.synced.Sync(context.Background())
		for _, p := range pending {
			if err != nil {
				l.logger.Error("log batch not made durable", "writes", len(p.batch), "err", err)
				for i := range p.results {
					if p.results[i].err == nil {
						p.results[i] = response{err: accord.Errorf(accord.EUnavailable, "the database could not confirm the write on disk; retry with the same Idempotency-Key")}
					}
				}
				p.checkpoint = nil // not known to be durable: nobody may cosign it
			}
			l.answer(p)
		}
	}
}

// answer replies to every caller of a durable batch.
func (l *Log) answer(b *syncedBatch) {
	for i, r := range b.batch {
		r.resp <- b.results[i]
	}
	if l.metrics.BatchSize != nil {
		l.metrics.BatchSize(len(b.batch))
	}
	if l.metrics.CommitTime != nil {
		l.metrics.CommitTime(time.Since(b.start))
	}
	if l.metrics.Appended != nil {
		l.metrics.Appended(b.appended)
	}
	if l.signed != nil && b.checkpoint != nil {
		l.signed(b.size, b.checkpoint)
	}
}

// runOp runs one write, turning a panic into an error so one bad write
// cannot take the batch down.
func runOp(r *request, tx accord.WriteTx, next int64) (es [][]byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("write panicked: %v", p)
		}
	}()
	if err := r.ctx.Err(); err != nil {
		return nil, err
	}
	return r.op(r.ctx, tx, next)
}

// runBare runs an Update's function with the batch's context.
func runBare(ctx context.Context, r *request, tx accord.WriteTx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("write panicked: %v", p)
		}
	}()
	return r.bare(ctx, tx)
}

// appendEntries hashes entries into the tree and stores entries and hashes.
func (l *Log) appendEntries(ctx context.Context, tx accord.WriteTx, size int64, entries [][]byte) (int64, error) {
	reader := l.hashReader(ctx, tx)
	hashStart := tlog.StoredHashCount(size)
	var hashes []tlog.Hash
	for i, e := range entries {
		n := size + int64(i)
		hs, err := tlog.StoredHashesForRecordHash(n, tlog.RecordHash(e), reader)
		if err != nil {
			return 0, fmt.Errorf("hash log entry %d: %w", n, err)
		}
		// Later entries of the batch read these hashes through the cache.
		l.cache.extend(hashStart+int64(len(hashes)), hs)
		hashes = append(hashes, hs...)
	}
	if err := tx.AppendLog(ctx, size, entries, hashStart, hashes); err != nil {
		return 0, fmt.Errorf("append %d log entries: %w", len(entries), err)
	}
	newSize := size + int64(len(entries))
	l.cache.size = newSize
	return newSize, nil
}

func (l *Log) sign(ctx context.Context, tx accord.ReadTx, size int64) ([]byte, error) {
	root, err := tlog.TreeHash(size, l.hashReader(ctx, tx))
	if err != nil {
		return nil, fmt.Errorf("tree hash at size %d: %w", size, err)
	}
	c := Checkpoint{Origin: l.origin, Size: size, Hash: root}
	signed, err := note.Sign(&note.Note{Text: c.String()}, l.signer)
	if err != nil {
		return nil, fmt.Errorf("sign checkpoint: %w", err)
	}
	return signed, nil
}

// receipts proves every entry of the batch against the new checkpoint.
func (l *Log) receipts(ctx context.Context, tx accord.ReadTx, first, size int64, cp []byte, entries [][][]byte) ([][]accord.Receipt, error) {
	reader := l.hashReader(ctx, tx)
	out := make([][]accord.Receipt, len(entries))
	idx := first
	for i, es := range entries {
		for _, e := range es {
			p, err := tlog.ProveRecord(size, idx, reader)
			if err != nil {
				return nil, fmt.Errorf("prove entry %d: %w", idx, err)
			}
			out[i] = append(out[i], accord.Receipt{
				Index: idx,
				Entry: string(e),
				Proof: FormatProof(Proof{Index: idx, Hashes: p, Checkpoint: cp}),
			})
			idx++
		}
	}
	return out, nil
}

// hashReader reads stored hashes from the cache, then the store.
func (l *Log) hashReader(ctx context.Context, tx accord.ReadTx) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		missing := l.cache.lookup(indexes, out)
		if len(missing) == 0 {
			return out, nil
		}
		want := make([]int64, len(missing))
		for i, m := range missing {
			want[i] = indexes[m]
		}
		hs, err := tx.ReadHashes(ctx, want)
		if err != nil {
			return nil, err
		}
		if len(hs) != len(want) {
			return nil, fmt.Errorf("store returned %d of %d hashes", len(hs), len(want))
		}
		for i, m := range missing {
			out[m] = hs[i]
		}
		l.cache.remember(want, hs)
		return out, nil
	})
}

// Prove returns a fresh receipt for the entry at index, against the latest checkpoint.
func (l *Log) Prove(ctx context.Context, index int64) (accord.Receipt, error) {
	var r accord.Receipt
	err := l.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		r, err = ProveIn(ctx, tx, index)
		return err
	})
	return r, err
}

// ProveIn builds a receipt for the entry at index against the latest
// checkpoint, inside a caller's read transaction.
func ProveIn(ctx context.Context, tx accord.ReadTx, index int64) (accord.Receipt, error) {
	cp, err := tx.Checkpoint(ctx)
	if err != nil {
		return accord.Receipt{}, err
	}
	if cp == nil {
		return accord.Receipt{}, accord.Errorf(accord.ENotFound, "the log is empty")
	}
	c, err := parseSigned(cp)
	if err != nil {
		return accord.Receipt{}, err
	}
	if index < 0 || index >= c.Size {
		return accord.Receipt{}, accord.Errorf(accord.ENotFound, "no log entry %d: the log has %d entries", index, c.Size)
	}
	es, err := tx.ReadEntries(ctx, index, index+1)
	if err != nil {
		return accord.Receipt{}, err
	}
	if len(es) != 1 {
		return accord.Receipt{}, fmt.Errorf("log entry %d missing from the store", index)
	}
	p, err := tlog.ProveRecord(c.Size, index, storeReader(ctx, tx))
	if err != nil {
		return accord.Receipt{}, fmt.Errorf("prove entry %d: %w", index, err)
	}
	return accord.Receipt{Index: index, Entry: string(es[0]), Proof: FormatProof(Proof{Index: index, Hashes: p, Checkpoint: cp})}, nil
}

// ProveAt builds a receipt for the entry at index against a given signed
// checkpoint of this log (e.g. one that witnesses cosigned; its signature
// lines are kept as they are), inside a caller's read transaction.
func ProveAt(ctx context.Context, tx accord.ReadTx, index int64, checkpoint []byte) (accord.Receipt, error) {
	c, err := parseSigned(checkpoint)
	if err != nil {
		return accord.Receipt{}, err
	}
	if index < 0 || index >= c.Size {
		return accord.Receipt{}, accord.Errorf(accord.ENotFound, "no log entry %d in the checkpoint of size %d", index, c.Size)
	}
	es, err := tx.ReadEntries(ctx, index, index+1)
	if err != nil {
		return accord.Receipt{}, err
	}
	if len(es) != 1 {
		return accord.Receipt{}, fmt.Errorf("log entry %d missing from the store", index)
	}
	p, err := tlog.ProveRecord(c.Size, index, storeReader(ctx, tx))
	if err != nil {
		return accord.Receipt{}, fmt.Errorf("prove entry %d: %w", index, err)
	}
	return accord.Receipt{Index: index, Entry: string(es[0]), Proof: FormatProof(Proof{Index: index, Hashes: p, Checkpoint: checkpoint})}, nil
}

// StoreReader reads the log's stored hashes in a transaction.
func StoreReader(ctx context.Context, tx accord.ReadTx) tlog.HashReader { return storeReader(ctx, tx) }

func storeReader(ctx context.Context, tx accord.ReadTx) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		return tx.ReadHashes(ctx, indexes)
	})
}

// parseSigned reads the body of a checkpoint the node signed itself.
func parseSigned(signed []byte) (Checkpoint, error) {
	text, _, ok := bytes.Cut(signed, []byte("\n\n"))
	if !ok {
		return Checkpoint{}, errors.New("stored checkpoint is not a signed note")
	}
	return ParseCheckpoint(string(text) + "\n") // Cut dropped the body's last newline
}
