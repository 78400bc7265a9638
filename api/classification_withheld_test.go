package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/internal/testnode"
	"github.com/accord-gov/accord/node"
	"github.com/accord-gov/accord/postgres/pgtest"
	"github.com/accord-gov/accord/tlog"
	"github.com/accord-gov/accord/web"
)

// A confidential pair is two filings that differ only in one input the
// provider marks confidential. Its public classification must not tell
// them apart; the provider, authorities and the admin must.
type confidentialPair struct {
	name string
	base func() accord.Filing
	// a and b set the confidential input each way.
	a, b func(*accord.Filing)
	// eu is the EU AI Act tier of the full classification of a and of b
	// ("": not checked); fired a rule of it that fires for that one only.
	eu, fired [2]string
}

// employmentFiling is an Annex III recruitment system whose Art. 6(3)
// derogation holds (a preparatory task without material influence), so
// that profiling alone decides whether it is high-risk.
func employmentFiling() accord.Filing {
	f := sampleFiling()
	f.Facts = stated()
	f.Facts.PreparatoryTask = ptr(true)
	f.Facts.MaterialInfluenceOnDecision = ptr(false)
	f.Confidential = []string{"facts.profiling"}
	return f
}

func confidentialPairs() []confidentialPair {
	return []confidentialPair{
		{
			name: "a boolean that flips the EU tier (profiling)",
			base: employmentFiling,
			a:    func(f *accord.Filing) { f.Facts.Profiling = ptr(true) },
			b:    func(f *accord.Filing) { f.Facts.Profiling = ptr(false) },
			eu:   [2]string{"high", "minimal"}, fired: [2]string{"art6-3-profiling", "art6-3"},
		},
		{
			name: "a number across a threshold (training compute)",
			base: func() accord.Filing {
				f := sampleFiling()
				f.TradeName = accord.Text{"en": "Foundation model"}
				f.Kind, f.Domains, f.AlgorithmTypes = accord.KindModel, nil, []string{"generation_synthesis"}
				f.DeployerKinds, f.AffectedPersons = nil, nil
				f.Facts = stated().Keep(accord.KindModel)
				f.Facts.GeneralPurposeModel = ptr(true)
				f.Confidential = []string{"facts.training_compute_flop"}
				return f
			},
			a:     func(f *accord.Filing) { f.Facts.TrainingComputeFLOP = ptr(1e26) },
			b:     func(f *accord.Filing) { f.Facts.TrainingComputeFLOP = ptr(1e24) },
			fired: [2]string{"art51", ""},
		},
		{
			name: "a confidential fact filled in or not (profiling)",
			base: employmentFiling,
			a:    func(f *accord.Filing) { f.Facts.Profiling = ptr(true) },
			b:    func(f *accord.Filing) { f.Facts.Profiling = nil },
			eu:   [2]string{"high", "undetermined"}, fired: [2]string{"art6-3-profiling", ""},
		},
		{
			name: "a list the rules read (affected persons)",
			base: func() accord.Filing {
				f := sampleFiling()
				f.TradeName = accord.Text{"en": "Mood meter"}
				f.Domains, f.AlgorithmTypes = []string{"media.recommendation"}, []string{"personalised_push"}
				f.DeployerKinds = []string{"private_company"}
				f.Facts = stated()
				f.Facts.EmotionRecognition = ptr(true)
				f.Confidential = []string{"affected_persons"}
				return f
			},
			a:  func(f *accord.Filing) { f.AffectedPersons = []string{"workers"} },
			b:  func(f *accord.Filing) { f.AffectedPersons = []string{"consumers"} },
			eu: [2]string{"prohibited", "high"}, fired: [2]string{"art5-1-f", ""},
		},
		{
			name: "a list the rules read (deployer kinds)",
			base: func() accord.Filing {
				f := employmentFiling()
				f.Facts.Profiling = ptr(true)
				f.Confidential = []string{"deployer_kinds"}
				return f
			},
			a:  func(f *accord.Filing) { f.DeployerKinds = []string{"employer", "public_authority"} },
			b:  func(f *accord.Filing) { f.DeployerKinds = []string{"employer"} },
			eu: [2]string{"high", "high"}, fired: [2]string{"art27", ""}, // a fundamental-rights impact assessment
		},
	}
}

// TestConfidentialInputsDoNotLeak files every pair's two filings on two
// real nodes (a on one, b on the other, in the same order, by providers of
// the same names) over HTTP, updates them, re-classifies, and requires
// everything the public can read on the two nodes to be byte-identical once
// what must differ (ids, times, commitments, proofs, the nodes' keys) is
// normalised: system JSON, versions, classifications (as filed and as of
// another date), receipts, search results and facet counts, the home,
// search, system and diff pages, and every log entry read from the tiles.
// The provider, an authority and the admin see each side's own outcome.
// Both stores: SQLite and PostgreSQL.
func TestConfidentialInputsDoNotLeak(t *testing.T) {
	for _, st := range []struct {
		name string
		db   func(*testing.T) string
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return pgtest.DSN(t) }},
	} {
		t.Run(st.name, func(t *testing.T) {
			pairs := confidentialPairs()
			var twins [2]*twin
			for side := range twins {
				twins[side] = startTwin(t, st.db(t))
				for _, p := range pairs {
					f := p.base()
					if side == 0 {
						p.a(&f)
					} else {
						p.b(&f)
					}
					twins[side].file(t, f)
				}
			}
			// Same packs, a later date: the public facets stay public.
			later := time.Date(2027, 9, 1, 0, 0, 0, 0, time.UTC)
			for _, tw := range twins {
				if _, err := tw.n.Registry.Reclassify(ctx, later); err != nil {
					t.Fatal(err)
				}
			}
			a, b := twins[0].public(t), twins[1].public(t)
			if len(a) != len(b) {
				t.Fatalf("the nodes serve %d and %d public documents", len(a), len(b))
			}
			for name, doc := range a {
				if other, ok := b[name]; !ok {
					t.Errorf("%s: only on the first node", name)
				} else if doc != other {
					t.Errorf("%s differs between the pair:\n%s", name, firstDifference(doc, other))
				}
			}

			// Those who may see the confidential input see its effect.
			for i, p := range pairs {
				for _, who := range []string{"provider", "authority", "admin"} {
					var got [2]map[string]any
					var raw [2][]byte
					for side, tw := range twins {
						cl, err := tw.as(who, i).Classification(ctx, tw.systems[i], 1, "")
						if err != nil {
							t.Fatal(err)
						}
						raw[side], _ = json.Marshal(cl.Result)
						got[side] = frameworkOf(t, cl.Frameworks, "eu-ai-act")
						if strings.Contains(string(raw[side]), `"withheld"`) {
							t.Errorf("%s, %s: the full classification withholds something: %.300s", p.name, who, raw[side])
						}
					}
					if twins[0].normalize(string(raw[0])) == twins[1].normalize(string(raw[1])) {
						t.Errorf("%s: the %s sees the same classification for both", p.name, who)
					}
					for side := range got {
						if want := p.eu[side]; want != "" && got[side]["tier"] != want {
							t.Errorf("%s, side %d: the %s sees EU tier %v, want %s", p.name, side, who, got[side]["tier"], want)
						}
						if r := p.fired[side]; r != "" && (!firedIn(got[side], r) || firedIn(got[1-side], r)) {
							t.Errorf("%s: the %s sees %s fire on side %d: %v, on the other: %v", p.name, who, r, side, firedIn(got[side], r), firedIn(got[1-side], r))
						}
					}
				}
				// The provider's own system page shows the full classification.
				var pages [2]string
				for side, tw := range twins {
					pages[side] = tw.normalize(tw.signedInPage(t, i, "/systems/"+tw.systems[i]))
				}
				if pages[0] == pages[1] {
					t.Errorf("%s: the provider's pages are the same for both", p.name)
				}
			}
		})
	}
}

// firedIn reports whether a rule fired in a framework outcome (as JSON).
func firedIn(fw map[string]any, rule string) bool {
	hits, _ := fw["fired"].([]any)
	for _, h := range hits {
		if m, _ := h.(map[string]any); m["rule"] == rule {
			return true
		}
	}
	return false
}

// twin is one node of the pair of nodes.
type twin struct {
	n         *testnode.Node
	hc        *http.Client // checks /v1 responses against the OpenAPI document
	admin     *client.Client
	authority *client.Client
	providers []*client.Client
	secrets   []string
	systems   []string
	ids       *strings.Replacer // see normalize
}

func startTwin(t *testing.T, db string) *twin {
	t.Helper()
	var ui http.Handler
	n := testnode.Start(t, testnode.Options{
		HTTP: node.HTTPOptions{Web: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ui.ServeHTTP(w, r) })},
		Cfg:  func(c *node.Config) { c.DB = db },
	})
	ui = web.New(web.Config{Registry: n.Registry, VerifierKey: n.VerifierKey})
	tw := &twin{n: n, hc: &http.Client{Transport: transport{t, sharedContract(t)}}}
	tw.admin = &client.Client{Server: n.URL, Token: n.AdminToken, HTTP: tw.hc}
	r, err := tw.admin.RegisterOrganization(ctx, accord.NewOrganization{Name: accord.Text{"en": "Market Surveillance Authority"}, Kind: "authority", Country: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	tw.authority = &client.Client{Server: n.URL, Token: r.Token.Secret, HTTP: tw.hc}
	return tw
}

// file registers a provider of its own for f and files f, then updates it.
func (tw *twin) file(t *testing.T, f accord.Filing) {
	t.Helper()
	i := len(tw.providers)
	r, err := tw.admin.RegisterOrganization(ctx, accord.NewOrganization{
		Name: accord.Text{"en": fmt.Sprintf("Twin Provider %d", i)}, Kind: "provider", Country: "FR",
		Contact: accord.Contact{Email: "dpo@twin.example"},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := &client.Client{Server: tw.n.URL, Token: r.Token.Secret, HTTP: tw.hc}
	tw.providers, tw.secrets = append(tw.providers, p), append(tw.secrets, r.Token.Secret)
	v, err := p.FileSystem(ctx, "", f, "")
	if err != nil {
		t.Fatal(err)
	}
	f.SystemVersion = "2"
	if _, err := p.UpdateSystem(ctx, v.ID, v.ETag(), f); err != nil {
		t.Fatal(err)
	}
	tw.systems = append(tw.systems, v.ID)
}

// as is the client of who, for pair i.
func (tw *twin) as(who string, i int) *client.Client {
	switch who {
	case "provider":
		return tw.providers[i]
	case "authority":
		return tw.authority
	}
	return tw.admin
}

// public collects, normalised, everything the public can read of the node
// about its systems, by a name that is the same on both nodes.
func (tw *twin) public(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	get := func(path string) {
		b := tw.get(t, path, "")
		out[tw.normalize(path)] = tw.normalize(string(b))
	}
	for _, id := range tw.systems {
		s := "/v1/systems/" + id
		for _, p := range []string{s, s + "/versions", s + "/versions/1", s + "/versions/2", s + "/classification", s + "/classification?as_of=2027-09-01",
			s + "/versions/1/classification", s + "/versions/1/classification?as_of=2024-09-01", s + "/versions/1/receipt", s + "/versions/2/receipt"} {
			get(p)
		}
		for _, lang := range []string{"en", "ar"} {
			for _, p := range []string{"/systems/" + id, "/systems/" + id + "?v=1", "/systems/" + id + "/diff?from=1&to=2"} {
				out[lang+" "+tw.normalize(p)] = tw.normalize(string(tw.get(t, p, lang)))
			}
		}
	}
	// Search and facets, under every filter the classification feeds.
	filters := []string{""}
	for _, lv := range []string{"unacceptable", "high", "limited", "minimal", "undetermined", "not_applicable"} {
		filters = append(filters, "tier="+lv)
	}
	for _, p := range tw.n.Registry.Packs() {
		if p.IsBaseline() {
			continue
		}
		filters = append(filters, "framework="+p.ID, "framework="+p.ID+"&tier=undetermined")
		for _, tier := range p.Tiers {
			filters = append(filters, "framework="+p.ID+"&tier="+tier.ID)
		}
	}
	for _, q := range filters {
		get("/v1/systems?limit=100&" + q)
		out["en /search?"+q] = tw.normalize(string(tw.get(t, "/search?"+q, "en")))
	}
	counts, err := tw.n.Registry.FacetCounts(ctx, accord.SystemQuery{}, "level", "framework", "tier")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(counts)
	out["facet counts"] = string(b)
	for _, lang := range []string{"en", "fr"} {
		out[lang+" home"] = tw.normalize(string(tw.get(t, "/", lang)))
	}
	for i, e := range tw.entries(t) {
		out["log entry "+strconv.Itoa(i)] = tw.normalize(string(e))
	}
	return out
}

// get fetches a path as the public: no token, no session.
func (tw *twin) get(t *testing.T, path, lang string) []byte {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", tw.n.URL+path, nil)
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := tw.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v\n%.300s", path, resp.StatusCode, err, b)
	}
	return b
}

// entries reads the whole log from its tiles.
func (tw *twin) entries(t *testing.T) [][]byte {
	t.Helper()
	cp := string(tw.get(t, "/log/checkpoint", ""))
	lines := strings.Split(cp, "\n")
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		t.Fatalf("checkpoint %q: %v", cp, err)
	}
	var out [][]byte
	for n := int64(0); n*256 < size; n++ {
		es, err := tlog.ParseBundle(tw.get(t, "/log/"+tlog.TilePath(-1, n, int(min(256, size-n*256))), ""))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, es...)
	}
	if int64(len(out)) != size {
		t.Fatalf("%d entries in the tiles, checkpoint says %d", len(out), size)
	}
	return out
}

// signedInPage fetches a page as pair i's provider, signed in to the portal.
func (tw *twin) signedInPage(t *testing.T, i int, path string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequestWithContext(ctx, "POST", tw.n.URL+"/portal/signin", strings.NewReader(url.Values{"token": {tw.secrets[i]}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", tw.n.URL)
	resp, err := c.Do(req)
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = c.Get(tw.n.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

var (
	isoTime     = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})`)
	timeElement = regexp.MustCompile(`<time datetime="TIME">[^<]*</time>`)
	hex64       = regexp.MustCompile(`\b[0-9a-f]{64}\b`)
	proofText   = regexp.MustCompile(`c2sp.org/tlog-proof@v1[^<"]*`)
	saltHex     = regexp.MustCompile(`"salt":"[0-9a-f]+"`)
)

// normalize replaces what must differ between the two nodes: the ids of
// records (in the order the log names them, which is the same on both),
// times, hashes other than the packs', proofs and the node's key.
func (tw *twin) normalize(s string) string {
	if tw.ids == nil {
		tw.ids = tw.idReplacer()
	}
	s = tw.ids.Replace(s)
	s = isoTime.ReplaceAllString(s, "TIME")
	s = timeElement.ReplaceAllString(s, "<time>")
	packs := map[string]bool{}
	for _, p := range tw.n.Registry.Packs() {
		packs[p.Hash] = true
	}
	s = hex64.ReplaceAllStringFunc(s, func(h string) string {
		if packs[h] {
			return h
		}
		return "HASH"
	})
	s = saltHex.ReplaceAllString(s, `"salt":"SALT"`)
	return proofText.ReplaceAllString(s, "PROOF")
}

// idReplacer maps the ids the log names, in order, to ID000, ID001…, and
// the node's key to KEY. Called once every write is done.
func (tw *twin) idReplacer() *strings.Replacer {
	var ids []string
	for _, e := range tw.logEntries() {
		var ev accord.LogEvent
		if json.Unmarshal(e, &ev) == nil {
			for _, id := range []string{ev.Record, ev.Org, ev.Token} {
				if id != "" && id != "admin" && !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
			}
		}
	}
	var pairs []string
	for i, id := range ids {
		pairs = append(pairs, id, fmt.Sprintf("ID%03d", i))
	}
	// Pages link their language versions by absolute URL (hreflang).
	pairs = append(pairs, tw.n.URL, "NODEURL")
	key := tw.n.VerifierKey // as is, and as pages escape it
	pairs = append(pairs, key, "KEY", strings.ReplaceAll(key, "+", "&#43;"), "KEY", strings.ReplaceAll(key, "+", `\u002b`), "KEY")
	return strings.NewReplacer(pairs...)
}

// logEntries reads the log directly from the store (for the id map).
func (tw *twin) logEntries() [][]byte {
	var out [][]byte
	tw.n.Store.View(ctx, func(tx accord.ReadTx) error {
		size, err := tx.LogSize(ctx)
		if err != nil {
			return err
		}
		out, err = tx.ReadEntries(ctx, 0, size)
		return err
	})
	return out
}

// firstDifference shows where two documents first differ.
func firstDifference(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-300)
	return fmt.Sprintf("first node: …%s…\nsecond:     …%s…", a[from:min(len(a), i+300)], b[from:min(len(b), i+300)])
}
