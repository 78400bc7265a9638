package incident_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/incident"
	"github.com/accord-gov/accord/postgres"
	"github.com/accord-gov/accord/postgres/pgtest"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/sqlite"
	"github.com/accord-gov/accord/tlog"
)

var ctx = context.Background()

func ptr[T any](v T) *T { return &v }

func stated() accord.Facts {
	var f accord.Facts
	v := reflect.ValueOf(&f).Elem()
	for i := range v.NumField() {
		if v.Field(i).Type() == reflect.TypeFor[*bool]() {
			v.Field(i).Set(reflect.ValueOf(ptr(false)))
		}
	}
	return f.Keep(accord.KindSystem)
}

// highRisk is a recruitment system deployed in France: high-risk under
// EU AI Act Annex III point 4(a).
func highRisk(name string) accord.Filing {
	f := accord.Filing{
		TradeName: accord.Text{"en": name}, SystemVersion: "1", Status: "active",
		IntendedPurpose: accord.Text{"en": "Ranks job applicants"}, Domains: []string{"employment.recruitment"},
		DeploymentCountries: []string{"FR", "DE"}, Facts: stated(),
	}
	f.Facts.Profiling = ptr(true)
	return f
}

type env struct {
	store     accord.Store
	log       *tlog.Log
	vkey      string
	reg       *registry.Service
	svc       *incident.Service
	now       time.Time
	provider  *registry.Caller
	deployer  *registry.Caller
	authority *registry.Caller
	other     *registry.Caller // an authority of another country
}

func (e *env) caller(t testing.TB, kind, country string) *registry.Caller {
	r, err := e.reg.RegisterOrganization(ctx, registry.Operator(), accord.NewOrganization{Name: accord.Text{"en": kind + " " + country}, Kind: kind, Country: country})
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.reg.Authenticate(ctx, r.Token.Secret)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// stores open a fresh store of each kind: the service's tests run on both.
var stores = []struct {
	name string
	open func(t testing.TB) accord.Store
}{
	{"sqlite", func(t testing.TB) accord.Store {
		db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "i.db"))
		if err != nil {
			t.Fatal(err)
		}
		return db
	}},
	{"postgres", func(t testing.TB) accord.Store {
		db, err := postgres.Open(ctx, pgtest.DSN(t), postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}},
}

func newEnv(t testing.TB) *env { return newEnvOn(t, stores[0].open(t)) }

func newEnvOn(t testing.TB, db accord.Store) *env {
	skey, vkey, _ := tlog.GenerateKey("incident.test/log")
	l, err := tlog.New(tlog.Config{Store: db, SignerKey: skey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close(); db.Close() })
	packs, err := frameworks.Packs()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{store: db, log: l, vkey: vkey, reg: registry.New(registry.Config{Store: db, Log: l, Packs: packs})}
	// A Wednesday, after the high-risk rules apply.
	e.now = time.Date(2028, 3, 15, 12, 0, 0, 0, time.UTC)
	e.svc, err = incident.New(incident.Config{Store: db, Log: l, Packs: packs, Now: func() time.Time { return e.now }, Member: "incident.test"})
	if err != nil {
		t.Fatal(err)
	}
	e.provider = e.caller(t, "provider", "FR")
	e.deployer = e.caller(t, "deployer", "FR")
	e.authority = e.caller(t, "authority", "FR")
	e.other = e.caller(t, "authority", "DE")
	return e
}

func (e *env) file(t testing.TB, c *registry.Caller, f accord.Filing) string {
	t.Helper()
	v, err := e.reg.FileSystem(ctx, c, registry.FileRequest{Filing: f})
	if err != nil {
		t.Fatal(err)
	}
	return v.ID
}

func (e *env) report(sys string, aware time.Time) accord.NewIncidentReport {
	return accord.NewIncidentReport{
		Kind: accord.IncidentSerious, System: accord.SystemRef{ID: sys},
		Occurred: aware.Add(-2 * time.Hour), Aware: aware, Countries: []string{"FR"}, Affected: 40,
		Harms: []string{"eu-3-49:c"}, Severity: "serious",
		Title:   accord.Text{"en": "Recruitment screener rejected every applicant over 50 at Lyon depot"},
		Summary: accord.Text{"en": "The Talentis screener rejected 40 applicants over 50 for warehouse roles in Lyon between 1 and 3 March."},
		Confidential: accord.IncidentConfidential{
			Description:  accord.Text{"en": "Age feature leaked through graduation year."},
			PersonalData: accord.Text{"en": "Applicant list: J. Martin, 54"},
			Contact:      "incident-desk@talentis.example",
		},
	}
}

func logSize(t testing.TB, s accord.Store) int64 {
	var n int64
	s.View(ctx, func(tx accord.ReadTx) error { n, _ = tx.LogSize(ctx); return nil })
	return n
}

func logText(t testing.TB, s accord.Store) string {
	var out []string
	s.View(ctx, func(tx accord.ReadTx) error {
		n, _ := tx.LogSize(ctx)
		es, err := tx.ReadEntries(ctx, 0, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			out = append(out, string(e))
		}
		return nil
	})
	return strings.Join(out, "\n")
}

// TestDoneWhen is the "done when": a provider files an initial and
// a final report on a high-risk system in one language, an authority sees
// the deadlines met with proof, a second report about the same event in
// another language is suggested as a duplicate and merged, and the public
// sees the public summary only.
func TestDoneWhen(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) { testDoneWhen(t, newEnvOn(t, st.open(t))) })
	}
}

func testDoneWhen(t *testing.T, e *env) {
	sys := e.file(t, e.provider, highRisk("Talentis Screener"))
	aware := time.Date(2028, 3, 13, 9, 0, 0, 0, time.FixedZone("CET", 3600)) // a Monday

	initial := e.report(sys, aware)
	initial.Stage = accord.StageInitial
	v, err := e.svc.File(ctx, e.provider, initial, "")
	if err != nil {
		t.Fatal(err)
	}
	if v.Report.Role != accord.RoleProvider || v.Report.Version != 1 || v.Receipt == nil {
		t.Fatalf("filed report = %+v", v.Report)
	}
	// The receipt proves the entry, and the entry its filing time.
	if _, err := tlog.VerifyReceipt(*v.Receipt, e.vkey, nil); err != nil {
		t.Fatalf("receipt: %v", err)
	}
	ev, err := accord.DecodeLogEntry([]byte(v.Receipt.Entry), true)
	if err != nil || ev.Type != accord.LogIncidentReported || ev.Time != accord.LogTime(e.now) || ev.Commitments["confidential"] != v.Report.Commitment {
		t.Fatalf("logged entry: %+v, %v", ev, err)
	}
	var dl *accord.Deadline
	for i := range v.Report.Deadlines {
		if v.Report.Deadlines[i].Duty == "art-73-2" {
			dl = &v.Report.Deadlines[i]
		}
	}
	if dl == nil || dl.Status != accord.DeadlineMet || dl.Due.Format(time.RFC3339) != "2028-03-28T23:59:59+01:00" || *dl.LogIndex != v.Receipt.Index {
		t.Fatalf("Art. 73(2) deadline = %+v (all: %+v)", dl, v.Report.Deadlines)
	}
	incID := v.Report.Incident

	// The final report: a second version of the same report.
	final := e.report(sys, aware)
	final.Stage = accord.StageFinal
	final.Confidential.RootCause = accord.Text{"en": "Graduation year used as a feature."}
	fv, err := e.svc.AddVersion(ctx, e.provider, v.Report.ID, final)
	if err != nil {
		t.Fatal(err)
	}
	if fv.Report.Version != 2 || fv.Report.Incident != incID || fv.Incident.Reports != 1 {
		t.Fatalf("final version = %+v, incident %+v", fv.Report, fv.Incident)
	}

	// An authority sees the deadlines met, with the log index of the proof.
	iv, err := e.svc.Incident(ctx, e.authority, incID)
	if err != nil {
		t.Fatal(err)
	}
	if iv.Earliest < 0 || iv.Deadlines[iv.Earliest].Status != accord.DeadlineMet || *iv.Deadlines[iv.Earliest].LogIndex != v.Receipt.Index {
		t.Fatalf("authority's view of the deadlines: %+v", iv.Deadlines)
	}
	if iv.Reports[0].Confidential.Contact == "" {
		t.Error("the authority does not see the confidential part")
	}
	dash, err := e.svc.Dashboard(ctx, e.authority, "FR", "", "met", "", 10)
	if err != nil || len(dash.Deadlines) != 1 || dash.Deadlines[0].Incident != incID || dash.Deadlines[0].LogIndex != v.Receipt.Index {
		t.Fatalf("dashboard (met) = %+v, %v", dash, err)
	}

	// A deployer reports the same event in French: suggested as a duplicate.
	fr := e.report(sys, aware.Add(20*time.Hour))
	fr.Title = accord.Text{"fr": "Talentis : le logiciel de recrutement a écarté les candidats de plus de 50 ans à Lyon"}
	fr.Summary = accord.Text{"fr": "Le logiciel Talentis a rejeté 40 candidats de plus de 50 ans pour des postes d'entrepôt à Lyon, du 1er au 3 mars."}
	fr.Confidential = accord.IncidentConfidential{Contact: "rh@entrepot.example"}
	dv, err := e.svc.File(ctx, e.deployer, fr, "")
	if err != nil {
		t.Fatal(err)
	}
	if dv.Report.Role != accord.RoleDeployer || dv.Report.Incident == incID {
		t.Fatalf("deployer's report = %+v", dv.Report)
	}
	if len(dv.Duplicates) != 1 || dv.Duplicates[0].Incident != incID || !strings.Contains(strings.Join(dv.Duplicates[0].Reasons, " "), "same-system-window") {
		t.Fatalf("duplicates suggested = %+v", dv.Duplicates)
	}
	if !strings.Contains(strings.Join(dv.Duplicates[0].Reasons, " "), "similar-text") {
		t.Errorf("the English and French reports share names and figures, yet no similar-text: %+v", dv.Duplicates[0])
	}

	// Only an authority merges.
	before := logSize(t, e.store)
	_, err = e.svc.Merge(ctx, e.deployer, dv.Report.Incident, accord.IncidentMerge{Into: incID})
	if accord.ErrorCode(err) != accord.EForbidden || logSize(t, e.store) != before {
		t.Fatalf("merge by a deployer: %v", err)
	}
	mv, err := e.svc.Merge(ctx, e.authority, dv.Report.Incident, accord.IncidentMerge{Into: incID, Note: "Same event, reported in French by the deployer."})
	if err != nil {
		t.Fatal(err)
	}
	if mv.Into.Reports != 2 || func() error { _, err := tlog.VerifyReceipt(*mv.Receipt, e.vkey, nil); return err }() != nil {
		t.Fatalf("merge = %+v", mv)
	}
	_, err = e.svc.Incident(ctx, nil, dv.Report.Incident)
	var red *incident.Redirect
	if !errors.As(err, &red) || red.To != incID {
		t.Fatalf("the merged id: %v, want a redirect to %s", err, incID)
	}

	// The public sees the public summary only: API views, search, log.
	pv, err := e.svc.Incident(ctx, nil, incID)
	if err != nil {
		t.Fatal(err)
	}
	if len(pv.Reports) != 2 {
		t.Fatalf("public view has %d reports", len(pv.Reports))
	}
	for _, r := range pv.Reports {
		if !r.Confidential.IsZero() || r.Salt != nil {
			t.Errorf("the public sees report %s's confidential part: %+v", r.ID, r.Confidential)
		}
		if len(r.Summary) == 0 {
			t.Errorf("the public does not see report %s's summary", r.ID)
		}
	}
	rv, _ := e.svc.Report(ctx, nil, v.Report.ID, 1)
	if !rv.Report.Confidential.IsZero() {
		t.Error("the public reads a report version's confidential part")
	}
	if rv, _ := e.svc.Report(ctx, e.other, v.Report.ID, 0); rv.Report.Confidential.IsZero() {
		t.Error("an authority does not see the confidential part")
	}
	if rv, _ := e.svc.Report(ctx, e.deployer, v.Report.ID, 0); !rv.Report.Confidential.IsZero() {
		t.Error("another organization (the deployer) reads the provider's confidential part")
	}
	// Every entry decodes as the audit decodes it (canonical form checked).
	for _, entry := range strings.Split(logText(t, e.store), "\n") {
		if _, err := accord.DecodeLogEntry([]byte(entry), true); err != nil {
			t.Errorf("the audit would refuse an entry: %v\n%s", err, entry)
		}
	}
	logged := logText(t, e.store)
	for _, secret := range []string{"J. Martin", "incident-desk@talentis.example", "Graduation year", "rh@entrepot.example", "Age feature"} {
		if strings.Contains(logged, secret) {
			t.Errorf("the log holds %q in clear", secret)
		}
	}
	p, err := e.svc.Search(ctx, accord.IncidentQuery{Q: "Martin"})
	if err != nil || len(p.Incidents) != 0 {
		t.Errorf("search finds confidential text: %+v, %v", p, err)
	}
	p, err = e.svc.Search(ctx, accord.IncidentQuery{Q: "entrepot", Country: "FR"})
	if err != nil || len(p.Incidents) != 1 || p.Incidents[0].ID != incID {
		t.Errorf("search in French after the merge = %+v, %v", p, err)
	}
}

func TestBadInput(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) { testBadInput(t, newEnvOn(t, st.open(t))) })
	}
}

func testBadInput(t *testing.T, e *env) {
	sys := e.file(t, e.provider, highRisk("Screener"))
	gone := e.file(t, e.provider, highRisk("Old screener"))
	if _, err := e.reg.WithdrawSystem(ctx, e.provider, gone, `"`+gone+`.v1"`, "discontinued"); err != nil {
		t.Fatal(err)
	}
	aware := e.now.Add(-24 * time.Hour)
	good := e.report(sys, aware)
	v, err := e.svc.File(ctx, e.provider, good, "")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		do    func() error
		code  string
		field string
	}{
		{"an unknown system", func() error {
			r := good
			r.System.ID = "sys_nothere"
			_, err := e.svc.File(ctx, e.provider, r, "")
			return err
		}, accord.EInvalid, "system.id"},
		{"a withdrawn system", func() error { r := good; r.System.ID = gone; _, err := e.svc.File(ctx, e.provider, r, ""); return err }, accord.EInvalid, "system.id"},
		{"an unknown version", func() error {
			r := good
			r.System.Version = 9
			_, err := e.svc.File(ctx, e.provider, r, "")
			return err
		}, accord.EInvalid, "system.version"},
		{"awareness before occurrence", func() error {
			r := good
			r.Aware = r.Occurred.Add(-time.Hour)
			_, err := e.svc.File(ctx, e.provider, r, "")
			return err
		}, accord.EInvalid, "aware"},
		{"a date in the future", func() error {
			r := good
			r.Occurred = e.now.Add(48 * time.Hour)
			r.Aware = r.Occurred
			_, err := e.svc.File(ctx, e.provider, r, "")
			return err
		}, accord.EInvalid, "occurred"},
		{"an unknown harm", func() error {
			r := good
			r.Harms = []string{"eu-3-49:z"}
			_, err := e.svc.File(ctx, e.provider, r, "")
			return err
		}, accord.EInvalid, "harms[0]"},
		{"a follow-up to another reporter's report", func() error {
			r := good
			r.Stage = accord.StageFollowUp
			_, err := e.svc.AddVersion(ctx, e.deployer, v.Report.ID, r)
			return err
		}, accord.EForbidden, ""},
		{"a follow-up about another system", func() error {
			r := good
			r.System.ID = gone
			_, err := e.svc.AddVersion(ctx, e.provider, v.Report.ID, r)
			return err
		}, accord.EInvalid, "system.id"},
		{"a complaint without a contact", func() error {
			r := good
			r.Confidential = accord.IncidentConfidential{}
			_, err := e.svc.File(ctx, nil, r, "")
			return err
		}, accord.EInvalid, "confidential.contact"},
		{"a merge by a non-authority", func() error {
			_, err := e.svc.Merge(ctx, e.provider, v.Report.Incident, accord.IncidentMerge{Into: v.Report.Incident})
			return err
		}, accord.EForbidden, ""},
		{"a merge into itself", func() error {
			_, err := e.svc.Merge(ctx, e.authority, v.Report.Incident, accord.IncidentMerge{Into: v.Report.Incident})
			return err
		}, accord.EInvalid, "into"},
		{"a report on an unknown incident", func() error {
			r := good
			r.Incident = "inc_nothere"
			_, err := e.svc.File(ctx, e.provider, r, "")
			return err
		}, accord.EInvalid, "incident"},
		{"the dashboard of another country", func() error { _, err := e.svc.Dashboard(ctx, e.other, "DE", "FR", "", "", 10); return err }, accord.EForbidden, ""},
		{"the dashboard for a provider", func() error { _, err := e.svc.Dashboard(ctx, e.provider, "FR", "FR", "", "", 10); return err }, accord.EForbidden, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := logSize(t, e.store)
			err := c.do()
			if accord.ErrorCode(err) != c.code {
				t.Fatalf("error %v, want code %s", err, c.code)
			}
			if c.field != "" {
				var ae *accord.Error
				if !errors.As(err, &ae) || len(ae.Fields) == 0 || ae.Fields[0].Field != c.field {
					t.Errorf("error %v does not name field %s", err, c.field)
				}
			}
			if logSize(t, e.store) != before {
				t.Error("a refused request appended to the log")
			}
		})
	}
}

// TestOverdue: a complaint from the public about a high-risk system opens
// an incident whose provider's deadline runs; past it, the authority of
// the country sees it overdue.
func TestOverdue(t *testing.T) {
	e := newEnv(t)
	sys := e.file(t, e.provider, highRisk("Screener"))
	r := e.report(sys, e.now.Add(-20*24*time.Hour))
	r.Confidential = accord.IncidentConfidential{Contact: "citizen@example.org"}
	v, err := e.svc.File(ctx, nil, r, "")
	if err != nil {
		t.Fatal(err)
	}
	if v.Report.Role != accord.RolePublic {
		t.Fatalf("role %s", v.Report.Role)
	}
	d, err := e.svc.Dashboard(ctx, e.authority, "FR", "", "overdue", "", 10)
	if err != nil || len(d.Deadlines) != 1 || d.Deadlines[0].Status != accord.DeadlineOverdue || d.Deadlines[0].Incident != v.Report.Incident {
		t.Fatalf("overdue list = %+v, %v", d, err)
	}
	// The provider reports late: the deadline is missed, with the proof of when.
	pr := e.report(sys, e.now.Add(-20*24*time.Hour))
	pr.Incident = v.Report.Incident
	pv, err := e.svc.File(ctx, e.provider, pr, "")
	if err != nil {
		t.Fatal(err)
	}
	d, err = e.svc.Dashboard(ctx, e.authority, "FR", "", "missed", "", 10)
	if err != nil || len(d.Deadlines) != 1 || d.Deadlines[0].LogIndex != pv.Receipt.Index {
		t.Fatalf("missed list = %+v, %v", d, err)
	}
}
