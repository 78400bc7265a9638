package registry_test

import (
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/rules"
)

// profilingFiling is an Annex III recruitment system whose profiling fact,
// marked confidential, decides its EU tier.
func profilingFiling(profiling bool) accord.Filing {
	f := filing(0)
	f.Domains = []string{"employment.recruitment"}
	f.DeployerKinds, f.AffectedPersons = []string{"employer"}, []string{"job_applicants"}
	f.Facts.PreparatoryTask = ptr(true)
	f.Facts.Profiling = ptr(profiling)
	f.Confidential = []string{"facts.profiling"}
	return f
}

// classifiedEntry decodes the system.classified entry a write returned.
func classifiedEntry(t *testing.T, v *registry.SystemView) accord.LogEvent {
	t.Helper()
	if len(v.MoreReceipts) != 1 {
		t.Fatalf("%d more receipts, want the classification's", len(v.MoreReceipts))
	}
	var ev accord.LogEvent
	if err := json.Unmarshal([]byte(v.MoreReceipts[0].Entry), &ev); err != nil || ev.Type != accord.LogSystemClassified {
		t.Fatalf("classification entry %s: %v", v.MoreReceipts[0].Entry, err)
	}
	return ev
}

// TestClassificationCommitment: the log holds the public classification
// and a salted commitment to the full one, which an authority (and the
// provider and the admin) can open and check: the salt stored with the
// version and the full classification's content reproduce the commitment.
func TestClassificationCommitment(t *testing.T) {
	packs, err := frameworks.Packs()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, packs)
	admin := registry.Operator()
	var authority, other *registry.Caller
	for kind, c := range map[string]**registry.Caller{"authority": &authority, "provider": &other} {
		r, err := e.svc.RegisterOrganization(ctx, admin, accord.NewOrganization{Name: accord.Text{"en": kind}, Kind: kind, Country: "FR"})
		if err != nil {
			t.Fatal(err)
		}
		if *c, err = e.svc.Authenticate(ctx, r.Token.Secret); err != nil {
			t.Fatal(err)
		}
	}
	f := profilingFiling(true)
	v, err := e.svc.FileSystem(ctx, e.provider, registry.FileRequest{Filing: f})
	if err != nil {
		t.Fatal(err)
	}
	ev := classifiedEntry(t, v)
	logged := ev.Commitments[registry.ClassificationCommitment]
	if len(ev.Commitments) != 1 || len(logged) != 64 {
		t.Fatalf("classification entry commitments %v, want one to the full classification", ev.Commitments)
	}
	if strings.Contains(string(ev.Content), "art6-3-profiling") || !strings.Contains(string(ev.Content), `"withheld":["facts.profiling"]`) {
		t.Errorf("the log holds more than the public classification: %s", ev.Content)
	}

	// The public reads the public classification: the log's content.
	pub, err := e.svc.Classification(ctx, nil, v.ID, 0, v.Created)
	if err != nil {
		t.Fatal(err)
	}
	if pub.FiledFull != nil || !slices.Equal(pub.Withheld, []string{"facts.profiling"}) {
		t.Errorf("public view: opening %v, withheld %v", pub.FiledFull, pub.Withheld)
	}
	if c, err := registry.ClassificationContent(pub.Result); err != nil || string(c) != string(ev.Content) {
		t.Errorf("the public classification's content is not the log's:\n%s\n%s", c, ev.Content)
	}

	var salt []byte
	view(t, e.store, func(tx accord.ReadTx) error {
		sv, err := tx.SystemVersion(ctx, v.ID, 1)
		salt = sv.Salts[registry.ClassificationCommitment]
		return err
	})
	for name, c := range map[string]*registry.Caller{"authority": authority, "provider": e.provider, "admin": admin} {
		full, err := e.svc.Classification(ctx, c, v.ID, 0, v.Created)
		if err != nil {
			t.Fatal(err)
		}
		o := full.FiledFull
		if o == nil {
			t.Fatalf("%s: no opening of the commitment", name)
		}
		if o.Salt != hex.EncodeToString(salt) || len(salt) != 32 {
			t.Errorf("%s: salt %s, stored %x", name, o.Salt, salt)
		}
		s, _ := hex.DecodeString(o.Salt)
		if cm, err := registry.Commitment(s, o.Content); err != nil || cm != logged || o.Commitment != logged {
			t.Errorf("%s: commitment from the opening %s (%v), the opening says %s, the log %s", name, cm, err, o.Commitment, logged)
		}
		// The opening is the full classification's content.
		if c, err := registry.ClassificationContent(full.Result); err != nil || string(c) != string(o.Content) {
			t.Errorf("%s: the full classification's content is not the committed one:\n%s\n%s", name, c, o.Content)
		}
		if eu := euOf(t, full.Result); eu.Tier != "high" || len(full.Withheld) != 0 {
			t.Errorf("%s sees EU tier %s (withheld %v), want high", name, eu.Tier, full.Withheld)
		}
	}
	// Another provider sees what the public sees.
	if o, err := e.svc.Classification(ctx, other, v.ID, 0, v.Created); err != nil || o.FiledFull != nil || len(o.Withheld) == 0 {
		t.Errorf("another provider: %+v, %v", o.FiledFull, err)
	}
}

// TestNothingWithheldLogsAsBefore: a filing with no confidential input of
// the rules (none at all, or only texts) logs its classification as it
// always did: the full content, no commitment, no salt.
func TestNothingWithheldLogsAsBefore(t *testing.T) {
	packs, err := frameworks.Packs()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, packs)
	admin := registry.Operator()
	texts := profilingFiling(true)
	texts.DataSources = accord.Text{"en": "Secret"}
	texts.Confidential = []string{"data_sources"}
	open := profilingFiling(true)
	open.Confidential = nil
	for name, f := range map[string]accord.Filing{"nothing confidential": open, "a confidential text": texts} {
		v, err := e.svc.FileSystem(ctx, e.provider, registry.FileRequest{Filing: f})
		if err != nil {
			t.Fatal(err)
		}
		ev := classifiedEntry(t, v)
		want, err := registry.ClassificationContent(rules.Classify(f, packs, v.Created))
		if err != nil {
			t.Fatal(err)
		}
		if ev.Commitments != nil || string(ev.Content) != string(want) {
			t.Errorf("%s: logged %s with commitments %v; want %s and none", name, ev.Content, ev.Commitments, want)
		}
		view(t, e.store, func(tx accord.ReadTx) error {
			sv, err := tx.SystemVersion(ctx, v.ID, 1)
			if err == nil && (sv.Salts[registry.ClassificationCommitment] != nil || sv.ClassificationFull != nil) {
				t.Errorf("%s: a classification salt or full content is stored", name)
			}
			return err
		})
		if c, err := e.svc.Classification(ctx, admin, v.ID, 0, v.Created); err != nil || c.FiledFull != nil {
			t.Errorf("%s: an opening %+v (%v)", name, c.FiledFull, err)
		}
	}
}

// view runs fn in a read transaction, failing the test on error.
func view(t *testing.T, s accord.Store, fn func(accord.ReadTx) error) {
	t.Helper()
	if err := s.View(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

func euOf(t *testing.T, r rules.Result) rules.Framework {
	t.Helper()
	for _, fw := range r.Frameworks {
		if fw.Pack == "eu-ai-act" {
			return fw
		}
	}
	t.Fatal("no EU AI Act outcome")
	return rules.Framework{}
}
