package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/registry"
	acctlog "github.com/accord-gov/accord/tlog"
)

// Row is one dumped row: its table, its position or key, and its value.
type Row struct {
	Table string
	Seq   int64 // organization or system seq, log index, checkpoint size
	Value any
}

// Recorder is a DumpWriter that keeps every row, for comparing dumps.
type Recorder struct{ Rows []Row }

type tokenRow struct {
	Token accord.Token
	Hash  []byte
}

type systemRow struct {
	System  accord.System
	Summary accord.SystemSummary
	Doc     accord.SearchDoc
}

func (r *Recorder) add(table string, seq int64, v any) error {
	r.Rows = append(r.Rows, Row{table, seq, v})
	return nil
}

func (r *Recorder) Meta(_ context.Context, key string, value []byte) error {
	return r.add("meta", 0, [2]string{key, string(value)})
}
func (r *Recorder) Organization(_ context.Context, seq int64, o accord.Organization) error {
	return r.add("organizations", seq, o)
}
func (r *Recorder) Token(_ context.Context, t accord.Token, hash []byte) error {
	return r.add("tokens", 0, tokenRow{t, slices.Clone(hash)})
}
func (r *Recorder) System(_ context.Context, seq int64, s accord.System, sum accord.SystemSummary, doc accord.SearchDoc) error {
	return r.add("systems", seq, systemRow{s, sum, doc})
}
func (r *Recorder) SystemVersion(_ context.Context, v accord.SystemVersion) error {
	return r.add("system_versions", 0, v)
}
func (r *Recorder) Idempotency(_ context.Context, i accord.Idempotency) error {
	return r.add("idempotency", 0, i)
}
func (r *Recorder) LogEntries(_ context.Context, start int64, es [][]byte) error {
	for i, e := range es {
		r.add("log_entries", start+int64(i), string(e))
	}
	return nil
}
func (r *Recorder) LogHashes(_ context.Context, start int64, hs []tlog.Hash) error {
	for i, h := range hs {
		r.add("log_hashes", start+int64(i), h)
	}
	return nil
}
func (r *Recorder) Checkpoint(_ context.Context, size int64, note []byte) error {
	return r.add("checkpoints", size, string(note))
}

func (r *Recorder) Federation(_ context.Context, f accord.FederationRow) error {
	return r.add("federation", 0, f)
}

func (r *Recorder) Consent(_ context.Context, c accord.ConsentRow) error {
	return r.add("consent", 0, c)
}

// Replay writes the recorded rows to w.
func (r *Recorder) Replay(ctx context.Context, w accord.DumpWriter) error {
	for _, row := range r.Rows {
		var err error
		switch v := row.Value.(type) {
		case [2]string:
			err = w.Meta(ctx, v[0], []byte(v[1]))
		case accord.Organization:
			err = w.Organization(ctx, row.Seq, v)
		case tokenRow:
			err = w.Token(ctx, v.Token, v.Hash)
		case systemRow:
			err = w.System(ctx, row.Seq, v.System, v.Summary, v.Doc)
		case accord.SystemVersion:
			err = w.SystemVersion(ctx, v)
		case accord.Idempotency:
			err = w.Idempotency(ctx, v)
		case string:
			switch row.Table {
			case "log_entries":
				err = w.LogEntries(ctx, row.Seq, [][]byte{[]byte(v)})
			case "checkpoints":
				err = w.Checkpoint(ctx, row.Seq, []byte(v))
			}
		case tlog.Hash:
			err = w.LogHashes(ctx, row.Seq, []tlog.Hash{v})
		case accord.FederationRow:
			err = w.Federation(ctx, v)
		case accord.IncidentRow:
			err = w.Incident(ctx, v)
		case accord.ConsentRow:
			err = w.Consent(ctx, v)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// DumpRows dumps a store (which must implement accord.Dumper) into rows.
func DumpRows(t testing.TB, s accord.Store) []Row {
	t.Helper()
	d, ok := s.(accord.Dumper)
	if !ok {
		t.Fatalf("%T does not implement accord.Dumper", s)
	}
	var r Recorder
	if err := d.Dump(context.Background(), &r); err != nil {
		t.Fatalf("Dump: %v", err)
	}
	return r.Rows
}

// DiffRows reports the first difference between two dumps, or "".
func DiffRows(a, b []Row) string {
	for i := range min(len(a), len(b)) {
		if !reflect.DeepEqual(a[i], b[i]) {
			return fmt.Sprintf("row %d differs:\n%+v\n%+v", i, a[i], b[i])
		}
	}
	if len(a) != len(b) {
		return fmt.Sprintf("%d rows, then %d rows", len(a), len(b))
	}
	return ""
}

// testDumpLoad: a store dumped and loaded into an empty store of the same
// kind gives the same rows back, serves the same reads, and its log goes on.
func testDumpLoad(t *testing.T, newStore NewStore) {
	skey, vkey, err := acctlog.GenerateKey("storetest.example/dump")
	if err != nil {
		t.Fatal(err)
	}
	src := newStore(t)
	l, err := acctlog.New(acctlog.Config{Store: src, SignerKey: skey})
	if err != nil {
		t.Fatal(err)
	}
	// Under the node's packs, so that summaries carry levels and tiers and
	// systems have classification facets (stores may keep them only once).
	packs, err := frameworks.Packs()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{svc: registry.New(registry.Config{Store: src, Log: l, Packs: packs}), store: src, vkey: vkey}
	admin := registry.Operator()
	r, err := e.svc.RegisterOrganization(ctx, admin, accord.NewOrganization{Name: accord.Text{"en": "Dump One", "ar": "واحد"}, Kind: "provider", Country: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	prov, err := e.svc.Authenticate(ctx, r.Token.Secret)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 30 {
		f := filing(fmt.Sprintf("Dump system %d", i))
		f.IntendedPurpose = accord.Text{"zh-Hans": "个性化推荐", "ar": "نِظامُ التَّوْصِيَة", "en": "Recommendation number " + fmt.Sprint(i)}
		if i%3 == 0 {
			f.DataSources = accord.Text{"en": "Confidential sources"}
			f.Confidential = []string{"data_sources"}
		}
		v, err := e.svc.FileSystem(ctx, prov, registry.FileRequest{Filing: f, IdempotencyKey: fmt.Sprintf("dump-%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, v.ID)
		if i%5 == 0 {
			f.DeploymentCountries = []string{"DE", "FR"}
			if _, err := e.svc.UpdateSystem(ctx, prov, v.ID, v.ETag(), f); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := e.svc.WithdrawSystem(ctx, prov, ids[7], "", "Gone"); err != nil {
		t.Fatal(err)
	}
	update(t, src, func(tx accord.WriteTx) error {
		if err := tx.CreateToken(ctx, accord.Token{ID: "tok_revoked", Org: prov.Org(), Created: t0}, []byte("revoked-hash")); err != nil {
			return err
		}
		if err := tx.RevokeToken(ctx, "tok_revoked", t0.Add(time.Hour)); err != nil {
			return err
		}
		// The federation's tables move too: the witness must not forget
		// what it cosigned.
		if err := tx.CreatePeer(ctx, peer("dump-peer", accord.PeerActive)); err != nil {
			return err
		}
		if err := tx.PutExternalWitness(ctx, accord.ExternalWitness{Name: "w.example/witness", URL: "http://w.example", Key: "w.example/witness+00000000+BAAA", Added: t0}); err != nil {
			return err
		}
		for _, step := range [][2]int64{{0, 4}, {4, 9}} {
			if err := tx.AdvanceWitness(ctx, step[0], witnessAt("dump-peer.example/log", step[1])); err != nil {
				return err
			}
		}
		if err := tx.PutCosignature(ctx, accord.Cosignature{Size: 3, Witness: "w.example/witness", Line: "— w.example/witness abc\n", Time: t0}); err != nil {
			return err
		}
		if _, err := tx.AddAlarm(ctx, accord.Alarm{ID: "alm_dump", Origin: "dump-peer.example/log", Kind: accord.AlarmFork, Evidence: []byte(`{"origin":"dump-peer.example/log"}`), Detected: t0}); err != nil {
			return err
		}
		return tx.SetMeta(ctx, "log_vkey", []byte(vkey))
	})
	l.Close()

	rows := DumpRows(t, src)
	tables := map[string]int{}
	for _, r := range rows {
		tables[r.Table]++
	}
	for _, want := range []string{"meta", "organizations", "tokens", "systems", "system_versions", "idempotency", "log_entries", "log_hashes", "checkpoints", "federation"} {
		if tables[want] == 0 {
			t.Errorf("the dump has no %s", want)
		}
	}

	dst := newStore(t)
	loader, ok := dst.(accord.Loader)
	if !ok {
		t.Fatalf("%T does not implement accord.Loader", dst)
	}
	rec := &Recorder{Rows: rows}
	if err := loader.Load(ctx, func(w accord.DumpWriter) error { return rec.Replay(ctx, w) }); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if d := DiffRows(rows, DumpRows(t, dst)); d != "" {
		t.Fatalf("the loaded store dumps differently: %s", d)
	}
	if tables["federation"] != 7 { // a peer, a witness, a state, two cosigned, a cosignature, an alarm
		t.Errorf("the dump has %d federation rows, want 7", tables["federation"])
	}
	view(t, dst, func(tx accord.ReadTx) error {
		st, err := tx.WitnessState(ctx, "dump-peer.example/log")
		if err != nil || st.Size != 9 {
			t.Errorf("the loaded witness state: %+v, %v; want size 9", st, err)
		}
		return nil
	})
	// A store that is not empty refuses a load, and keeps its rows.
	err = loader.Load(ctx, func(w accord.DumpWriter) error { return rec.Replay(ctx, w) })
	wantCode(t, err, accord.EConflict)

	// Reads agree, including search order and cursors.
	if p := searchPage(t, dst, accord.SystemQuery{}); len(p.Systems) == 0 || p.Systems[0].Level == "" {
		t.Fatalf("loaded summaries without a level: %+v", p.Systems)
	}
	for _, q := range []accord.SystemQuery{{Limit: 7}, {Q: "推荐", Limit: 4}, {Q: "توصيه", Country: "DE"}, {Status: "withdrawn"}, {Q: "recommendation"}, {Framework: "eu-ai-act", Limit: 9}} {
		for page := 0; page < 10; page++ {
			a, b := searchPage(t, src, q), searchPage(t, dst, q)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("search %+v differs after the load:\n%+v\n%+v", q, a, b)
			}
			if a.Next == "" {
				break
			}
			q.Cursor = a.Next
		}
	}
	// Counts agree, without a filter and with one.
	for _, q := range []accord.SystemQuery{{}, {Q: "recommendation"}, {Country: "DE"}} {
		counts := func(st accord.Store) map[string]int {
			var m map[string]int
			view(t, st, func(tx accord.ReadTx) error {
				var err error
				m, err = tx.FacetCounts(ctx, q, []string{"country", "status", "provider", "level", "tier"})
				return err
			})
			return m
		}
		if a, b := counts(src), counts(dst); len(a) == 0 || !reflect.DeepEqual(a, b) {
			t.Fatalf("counts %+v differ after the load:\n%v\n%v", q, a, b)
		}
	}
	// The loaded log continues where the dumped one stopped.
	l2, err := acctlog.New(acctlog.Config{Store: dst, SignerKey: skey})
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	var before int64
	var oldCp []byte
	view(t, dst, func(tx accord.ReadTx) error {
		before, _ = tx.LogSize(ctx)
		oldCp, err = tx.Checkpoint(ctx)
		return err
	})
	svc2 := registry.New(registry.Config{Store: dst, Log: l2})
	prov2, err := svc2.Authenticate(ctx, r.Token.Secret)
	if err != nil {
		t.Fatalf("the token does not authenticate after the load: %v", err)
	}
	v, err := svc2.FileSystem(ctx, prov2, registry.FileRequest{Filing: filing("After the load")})
	if err != nil {
		t.Fatal(err)
	}
	if v.Receipt.Index != before {
		t.Errorf("first entry after the load has index %d, want %d", v.Receipt.Index, before)
	}
	if _, err := acctlog.VerifyReceipt(*v.Receipt, vkey, nil); err != nil {
		t.Errorf("receipt after the load: %v", err)
	}
	old, err := acctlog.ParseCheckpoint(noteText(t, oldCp, vkey))
	if err != nil {
		t.Fatal(err)
	}
	view(t, dst, func(tx accord.ReadTx) error {
		hr := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) { return tx.ReadHashes(ctx, idx) })
		p, _ := acctlog.ParseProof(v.Receipt.Proof)
		cur, err := acctlog.ParseCheckpoint(noteText(t, p.Checkpoint, vkey))
		if err != nil {
			return err
		}
		proof, err := tlog.ProveTree(cur.Size, old.Size, hr)
		if err != nil {
			return err
		}
		if err := tlog.CheckTree(proof, cur.Size, cur.Hash, old.Size, old.Hash); err != nil {
			t.Errorf("the log after the load is not an extension of the loaded one: %v", err)
		}
		return nil
	})
}

func searchPage(t *testing.T, s accord.Store, q accord.SystemQuery) *accord.SystemPage {
	t.Helper()
	var p *accord.SystemPage
	view(t, s, func(tx accord.ReadTx) error {
		var err error
		p, err = tx.SearchSystems(ctx, q)
		return err
	})
	return p
}
