package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/accord-gov/accord"
)

func (r *Recorder) Incident(_ context.Context, row accord.IncidentRow) error {
	return r.add("incidents", 0, row)
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// incidentFixture writes three incidents: two about sys_a (one in FR and DE
// with a met deadline, one in FR overdue), one about sys_b in CN.
func incidentFixture(t *testing.T, s accord.Store) {
	t.Helper()
	ctx := context.Background()
	due1, due2, due3 := ts("2026-11-16T23:59:59Z"), ts("2026-11-20T23:59:59Z"), ts("2026-11-10T04:00:00Z")
	in := []struct {
		inc  accord.Incident
		doc  accord.IncidentDoc
		rows []accord.DeadlineRow
		rep  accord.IncidentReport
	}{
		{
			accord.Incident{ID: "inc_1", Kind: "serious-incident", System: accord.SystemRef{ID: "sys_a"}, Provider: "org_p", Countries: []string{"DE", "FR"},
				Severity: "serious", Title: accord.Text{"en": "Misdiagnosis"}, Links: []string{"https://news.example/a"}, Occurred: ts("2026-11-01T10:00:00Z"), Due: &due1},
			accord.IncidentDoc{Text: accord.SearchText("Misdiagnosis of patients"), Facets: []string{"system:sys_a", "country:DE", "country:FR", "severity:serious", "harm:eu-3-49:a"}},
			[]accord.DeadlineRow{{Country: "DE", Due: due1, Filed: ts("2026-11-03T10:00:00Z"), Met: true, LogIndex: 4}, {Country: "FR", Due: due1, Filed: ts("2026-11-03T10:00:00Z"), Met: true, LogIndex: 4}},
			accord.IncidentReport{ID: "rep_1", Version: 1, Incident: "inc_1", Role: "provider", Filed: ts("2026-11-03T10:00:00Z"), LogIndex: 4, Salt: []byte("salt"),
				NewIncidentReport: accord.NewIncidentReport{Kind: "serious-incident", Confidential: accord.IncidentConfidential{Contact: "secret@example.org"}}},
		},
		{
			accord.Incident{ID: "inc_2", Kind: "incident", System: accord.SystemRef{ID: "sys_a"}, Provider: "org_p", Countries: []string{"FR"},
				Severity: "minor", Title: accord.Text{"fr": "Diagnostic erroné"}, Occurred: ts("2026-11-05T10:00:00Z"), Due: &due2},
			accord.IncidentDoc{Text: accord.SearchText("Diagnostic erroné patients"), Facets: []string{"system:sys_a", "country:FR", "severity:minor"}},
			[]accord.DeadlineRow{{Country: "FR", Due: due2}},
			accord.IncidentReport{ID: "rep_2", Version: 1, Incident: "inc_2", Role: "deployer", Filed: ts("2026-11-06T10:00:00Z"), LogIndex: 6},
		},
		{
			accord.Incident{ID: "inc_3", Kind: "incident", System: accord.SystemRef{ID: "sys_b"}, Provider: "org_q", Countries: []string{"CN"},
				Severity: "critical", Title: accord.Text{"zh-Hans": "数据泄露"}, Occurred: ts("2026-11-10T00:00:00Z"), Due: &due3},
			accord.IncidentDoc{Text: accord.SearchText("数据泄露"), Facets: []string{"system:sys_b", "country:CN", "severity:critical"}},
			[]accord.DeadlineRow{{Country: "CN", Due: due3, Filed: ts("2026-11-10T05:00:00Z"), LogIndex: 8}},
			accord.IncidentReport{ID: "rep_3", Version: 1, Incident: "inc_3", Role: "provider", Filed: ts("2026-11-10T05:00:00Z"), LogIndex: 8},
		},
	}
	update(t, s, func(tx accord.WriteTx) error {
		for _, x := range in {
			for i := range x.rows {
				x.rows[i].Incident = x.inc.ID
			}
			if err := tx.PutIncident(ctx, x.inc, x.doc, x.rows); err != nil {
				return err
			}
			if err := tx.AddIncidentReport(ctx, x.rep); err != nil {
				return err
			}
		}
		return nil
	})
}

func testIncidents(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	incidentFixture(t, s)
	// A second version of a report; the same version again is a conflict.
	update(t, s, func(tx accord.WriteTx) error {
		return tx.AddIncidentReport(ctx, accord.IncidentReport{ID: "rep_1", Version: 2, Incident: "inc_1", Role: "provider", Filed: ts("2026-11-12T10:00:00Z"),
			NewIncidentReport: accord.NewIncidentReport{Stage: "final"}})
	})
	err := s.Update(ctx, func(tx accord.WriteTx) error {
		return tx.AddIncidentReport(ctx, accord.IncidentReport{ID: "rep_1", Version: 2, Incident: "inc_1"})
	})
	wantCode(t, err, accord.EConflict)

	view(t, s, func(tx accord.ReadTx) error {
		in, err := tx.Incident(ctx, "inc_1")
		if err != nil || in.Title["en"] != "Misdiagnosis" || in.Due == nil || !in.Due.Equal(ts("2026-11-16T23:59:59Z")) {
			t.Errorf("Incident(inc_1) = %+v, %v", in, err)
		}
		_, err = tx.Incident(ctx, "inc_9")
		wantCode(t, err, accord.ENotFound)
		rs, err := tx.IncidentReports(ctx, "inc_1")
		if err != nil || len(rs) != 1 || rs[0].Version != 2 || rs[0].Stage != "final" {
			t.Errorf("IncidentReports(inc_1) = %+v, %v; want the latest version only", rs, err)
		}
		r, err := tx.IncidentReport(ctx, "rep_1", 1)
		if err != nil || r.Confidential.Contact != "secret@example.org" || string(r.Salt) != "salt" {
			t.Errorf("IncidentReport(rep_1, 1) = %+v, %v", r, err)
		}
		_, err = tx.IncidentReport(ctx, "rep_1", 3)
		wantCode(t, err, accord.ENotFound)
		vs, err := tx.IncidentReportVersions(ctx, "rep_1")
		if err != nil || len(vs) != 2 || vs[0].Version != 1 {
			t.Errorf("IncidentReportVersions = %+v, %v", vs, err)
		}
		// Search: facets, text in any language, time window.
		for _, c := range []struct {
			q    accord.IncidentQuery
			want []string
		}{
			{accord.IncidentQuery{}, []string{"inc_3", "inc_2", "inc_1"}},
			{accord.IncidentQuery{System: "sys_a"}, []string{"inc_2", "inc_1"}},
			{accord.IncidentQuery{Country: "FR", Severity: "minor"}, []string{"inc_2"}},
			{accord.IncidentQuery{Q: "patient"}, []string{"inc_2", "inc_1"}},
			{accord.IncidentQuery{Q: "diagnostic errone"}, []string{"inc_2"}},
			{accord.IncidentQuery{Q: "泄露"}, []string{"inc_3"}},
			{accord.IncidentQuery{From: ts("2026-11-02T00:00:00Z"), To: ts("2026-11-10T00:00:00Z")}, []string{"inc_2"}},
			{accord.IncidentQuery{Harm: "eu-3-49:a"}, []string{"inc_1"}},
		} {
			p, err := tx.SearchIncidents(ctx, c.q)
			if err != nil {
				t.Errorf("SearchIncidents(%+v): %v", c.q, err)
				continue
			}
			var got []string
			for _, in := range p.Incidents {
				got = append(got, in.ID)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("SearchIncidents(%+v) = %v, want %v", c.q, got, c.want)
			}
		}
		p, err := tx.SearchIncidents(ctx, accord.IncidentQuery{Limit: 2})
		if err != nil || len(p.Incidents) != 2 || p.Next == "" {
			t.Fatalf("page 1: %+v, %v", p, err)
		}
		p, err = tx.SearchIncidents(ctx, accord.IncidentQuery{Limit: 2, Cursor: p.Next})
		if err != nil || len(p.Incidents) != 1 || p.Incidents[0].ID != "inc_1" || p.Next != "" {
			t.Errorf("page 2: %+v, %v", p, err)
		}
		counts, err := tx.IncidentFacetCounts(ctx, accord.IncidentQuery{}, []string{"country", "severity"})
		if err != nil || counts["country:FR"] != 2 || counts["country:CN"] != 1 || counts["severity:serious"] != 1 || len(counts) != 6 {
			t.Errorf("IncidentFacetCounts = %v, %v", counts, err)
		}
		// Candidates: same system in the window, or a shared link.
		cs, err := tx.IncidentCandidates(ctx, "sys_a", ts("2026-10-20T00:00:00Z"), ts("2026-11-02T00:00:00Z"), nil, 10)
		if err != nil || len(cs) != 1 || cs[0].ID != "inc_1" || cs[0].Text == "" {
			t.Errorf("IncidentCandidates(sys_a, window) = %+v, %v", cs, err)
		}
		cs, err = tx.IncidentCandidates(ctx, "sys_z", ts("2026-10-20T00:00:00Z"), ts("2026-11-02T00:00:00Z"), []string{"https://news.example/a"}, 10)
		if err != nil || len(cs) != 1 || cs[0].ID != "inc_1" {
			t.Errorf("IncidentCandidates(by link) = %+v, %v", cs, err)
		}
		// The dashboard.
		now := ts("2026-11-25T00:00:00Z")
		for _, c := range []struct {
			q    accord.DeadlineQuery
			want []string
		}{
			{accord.DeadlineQuery{Country: "FR", Now: now}, []string{"inc_1", "inc_2"}},
			{accord.DeadlineQuery{Country: "FR", Now: now, Status: "overdue"}, []string{"inc_2"}},
			{accord.DeadlineQuery{Country: "FR", Now: ts("2026-11-18T00:00:00Z"), Status: "overdue"}, nil},
			{accord.DeadlineQuery{Country: "FR", Now: ts("2026-11-18T00:00:00Z"), Status: "open"}, []string{"inc_2"}},
			{accord.DeadlineQuery{Country: "DE", Now: now, Status: "met"}, []string{"inc_1"}},
			{accord.DeadlineQuery{Country: "CN", Now: now, Status: "missed"}, []string{"inc_3"}},
		} {
			p, err := tx.IncidentDeadlines(ctx, c.q)
			if err != nil {
				t.Errorf("IncidentDeadlines(%+v): %v", c.q, err)
				continue
			}
			var got []string
			for _, d := range p.Deadlines {
				got = append(got, d.Incident)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("IncidentDeadlines(%+v) = %v, want %v", c.q, got, c.want)
			}
		}
		dp, err := tx.IncidentDeadlines(ctx, accord.DeadlineQuery{Country: "FR", Now: now, Limit: 1})
		if err != nil || len(dp.Deadlines) != 1 || dp.Next == "" {
			t.Fatalf("dashboard page 1: %+v, %v", dp, err)
		}
		dp, err = tx.IncidentDeadlines(ctx, accord.DeadlineQuery{Country: "FR", Now: now, Limit: 1, Cursor: dp.Next})
		if err != nil || len(dp.Deadlines) != 1 || dp.Deadlines[0].Incident != "inc_2" {
			t.Errorf("dashboard page 2: %+v, %v", dp, err)
		}
		_, err = tx.IncidentDeadlines(ctx, accord.DeadlineQuery{Country: "FR", Status: "late"})
		wantCode(t, err, accord.EInvalid)
		return nil
	})

	// Merge inc_2 into inc_1: its report is listed with inc_1, it leaves
	// search and the dashboard, and it still reads, redirecting.
	update(t, s, func(tx accord.WriteTx) error {
		in2, err := tx.Incident(ctx, "inc_2")
		if err != nil {
			return err
		}
		in2.MergedInto = "inc_1"
		if err := tx.PutIncident(ctx, *in2, accord.IncidentDoc{}, nil); err != nil {
			return err
		}
		return tx.MergeIncident(ctx, "inc_2", "inc_1", ts("2026-11-20T00:00:00Z"))
	})
	view(t, s, func(tx accord.ReadTx) error {
		in, err := tx.Incident(ctx, "inc_2")
		if err != nil || in.MergedInto != "inc_1" {
			t.Errorf("merged Incident(inc_2) = %+v, %v", in, err)
		}
		rs, err := tx.IncidentReports(ctx, "inc_1")
		if err != nil || len(rs) != 2 || !slices.ContainsFunc(rs, func(r accord.IncidentReport) bool { return r.ID == "rep_2" && r.Incident == "inc_2" }) {
			t.Errorf("IncidentReports(inc_1) after the merge = %+v, %v", rs, err)
		}
		p, _ := tx.SearchIncidents(ctx, accord.IncidentQuery{System: "sys_a"})
		if len(p.Incidents) != 1 || p.Incidents[0].ID != "inc_1" {
			t.Errorf("search after the merge = %+v", p.Incidents)
		}
		dp, _ := tx.IncidentDeadlines(ctx, accord.DeadlineQuery{Country: "FR", Now: ts("2026-11-25T00:00:00Z"), Status: "overdue"})
		if len(dp.Deadlines) != 0 {
			t.Errorf("a merged incident stays on the dashboard: %+v", dp.Deadlines)
		}
		return nil
	})
}

// testIncidentsDumpLoad: accord migrate-store carries the incident tables.
func testIncidentsDumpLoad(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	src := newStore(t)
	incidentFixture(t, src)
	update(t, src, func(tx accord.WriteTx) error {
		if err := tx.SetIncidentCursor(ctx, "peer.example/log", 0, 42); err != nil {
			return err
		}
		return tx.MergeIncident(ctx, "inc_2", "inc_1", time.Now())
	})
	rows := DumpRows(t, src)
	n := 0
	for _, r := range rows {
		if r.Table == "incidents" {
			n++
		}
	}
	if n != 7 {
		t.Fatalf("the dump has %d incident rows, want 7 (3 incidents, 3 reports, a cursor)", n)
	}
	dst := newStore(t)
	rec := &Recorder{Rows: rows}
	if err := dst.(accord.Loader).Load(ctx, func(w accord.DumpWriter) error { return rec.Replay(ctx, w) }); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if d := DiffRows(rows, DumpRows(t, dst)); d != "" {
		t.Fatalf("the loaded store dumps differently: %s", d)
	}
	view(t, dst, func(tx accord.ReadTx) error {
		r, err := tx.IncidentReport(ctx, "rep_1", 1)
		if err != nil || string(r.Salt) != "salt" {
			t.Errorf("loaded report: %+v, %v (the salt must move)", r, err)
		}
		rs, err := tx.IncidentReports(ctx, "inc_1")
		if err != nil || len(rs) != 2 {
			t.Errorf("loaded merge: %+v, %v", rs, err)
		}
		if n, err := tx.IncidentCursor(ctx, "peer.example/log"); err != nil || n != 42 {
			t.Errorf("loaded cursor: %d, %v", n, err)
		}
		return nil
	})
}

// testIncidentCursor: the cursor over a mirrored log moves by compare-and-set.
func testIncidentCursor(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	view(t, s, func(tx accord.ReadTx) error {
		if n, err := tx.IncidentCursor(ctx, "p/log"); err != nil || n != 0 {
			t.Errorf("a new cursor: %d, %v", n, err)
		}
		return nil
	})
	update(t, s, func(tx accord.WriteTx) error { return tx.SetIncidentCursor(ctx, "p/log", 0, 10) })
	wantCode(t, s.Update(ctx, func(tx accord.WriteTx) error { return tx.SetIncidentCursor(ctx, "p/log", 0, 20) }), accord.EConflict)
	wantCode(t, s.Update(ctx, func(tx accord.WriteTx) error { return tx.SetIncidentCursor(ctx, "p/log", 5, 20) }), accord.EConflict)
	update(t, s, func(tx accord.WriteTx) error { return tx.SetIncidentCursor(ctx, "p/log", 10, 20) })
	view(t, s, func(tx accord.ReadTx) error {
		if n, err := tx.IncidentCursor(ctx, "p/log"); err != nil || n != 20 {
			t.Errorf("the cursor: %d, %v", n, err)
		}
		return nil
	})
}
