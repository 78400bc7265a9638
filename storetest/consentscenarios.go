package storetest

import (
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/consent"
	"github.com/accord-gov/accord/registry"
)

// The consent scenarios, through the service, the log's sequencer and the
// store: each is named after the provision it exercises.

type cenv struct {
	*env
	cs     *consent.Service
	key    string
	secret []byte
	sys    string // a system of e.provider with the standard notice
	mu     sync.Mutex
	clock  time.Time
}

func (c *cenv) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.clock }
func (c *cenv) advance(d time.Duration) {
	c.mu.Lock()
	c.clock = c.clock.Add(d)
	c.mu.Unlock()
}

// scenarioNotice declares one purpose per legal situation the scenarios need.
func scenarioNotice(jur ...string) accord.NewConsentNotice {
	title := accord.Text{"en": "Purpose"}
	return accord.NewConsentNotice{
		Jurisdictions: jur,
		Text:          accord.Text{"en": "How we use your data", "fr": "Comment nous utilisons vos données", "zh-Hans": "我们如何使用您的数据"},
		Purposes: []accord.ConsentPurpose{
			{ID: "training", DPV: "accord:TrainingOfAISystem", LegalBasis: accord.BasisConsent, DataCategories: []string{"pd:Preference", "pd:BrowsingBehaviour"}, Title: title},
			{ID: "improvement", DPV: "dpv:ServiceOptimisation", LegalBasis: accord.BasisLegitimateInterest, DataCategories: []string{"pd:UsageData"}, Title: title},
			{ID: "marketing", DPV: "dpv:DirectMarketing", LegalBasis: accord.BasisConsent, DataCategories: []string{"pd:EmailAddress"}, Title: title},
			{ID: "health", DPV: "accord:InferenceByAISystem", LegalBasis: accord.BasisExplicitConsent, DataCategories: []string{"pd:HealthRecord"}, Sensitive: true, Title: title},
			{ID: "abroad", DPV: "dpv:ServiceProvision", LegalBasis: accord.BasisConsent, DataCategories: []string{"pd:Name"}, Title: title,
				Transfers: []accord.Transfer{{Country: "US", Recipient: "Example Cloud Inc.", Contact: "privacy@cloud.example"}}},
			{ID: "sharing", DPV: "dpv:ServicePersonalisation", LegalBasis: accord.BasisConsent, DataCategories: []string{"pd:Name"}, Recipients: []string{"Partner Ltd."}, Title: title},
			{ID: "billing", DPV: "dpv:ServiceProvision", LegalBasis: accord.BasisContract, DataCategories: []string{"pd:Name"}, Title: title},
		},
	}
}

func newConsentEnv(t *testing.T, newStore NewStore, jur ...string) *cenv {
	t.Helper()
	e := newEnv(t, newStore)
	skey, _, err := note.GenerateKey(rand.Reader, "storetest.example/consent")
	if err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	c := &cenv{env: e, key: skey, secret: secret, clock: time.Now().UTC()}
	c.cs = c.service(t, 0)
	v, err := e.svc.FileSystem(ctx, e.provider, registry.FileRequest{Filing: filing("Consent system")})
	if err != nil {
		t.Fatal(err)
	}
	c.sys = v.ID
	if len(jur) == 0 {
		jur = []string{"EU"}
	}
	if _, err := c.cs.PublishNotice(ctx, e.provider, c.sys, scenarioNotice(jur...)); err != nil {
		t.Fatal(err)
	}
	return c
}

// service opens a consent service on the env's store (another one plays
// another node on the same database; poll < 0: it never polls).
func (c *cenv) service(t *testing.T, poll time.Duration) *consent.Service {
	t.Helper()
	cs, err := consent.New(ctx, consent.Config{Store: c.store, Log: c.svc.Log(), Registry: c.svc, Key: c.key, Secret: c.secret,
		Now: c.now, Poll: poll, PublicURL: "http://127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cs.Close)
	return cs
}

func subjectKey(name string) string { return "key:" + name + "-0123456789abcdefghijkl" }

func grantReq(subject, system, purpose string) accord.ConsentRequest {
	return accord.ConsentRequest{Subject: subject, Action: accord.ActionGrant, ConsentScope: accord.ConsentScope{System: system},
		Purpose: purpose, NoticeVersion: 1, Language: "en"}
}

func refuseReq(action, subject string, scope accord.ConsentScope, purpose string) accord.ConsentRequest {
	return accord.ConsentRequest{Subject: subject, Action: action, ConsentScope: scope, Purpose: purpose}
}

func (c *cenv) record(t *testing.T, req accord.ConsentRequest) *accord.ConsentWrite {
	t.Helper()
	w, err := c.cs.Record(ctx, nil, req, consent.Channel{Method: accord.MethodAPI})
	if err != nil {
		t.Fatalf("record %s %s: %v", req.Action, req.Purpose, err)
	}
	return w
}

func (c *cenv) refused(t *testing.T, req accord.ConsentRequest, code, reason string) {
	t.Helper()
	size := logSize(t, c.store)
	_, err := c.cs.Record(ctx, nil, req, consent.Channel{Method: accord.MethodAPI})
	wantCode(t, err, code)
	if reason != "" && !strings.Contains(err.Error(), reason) {
		t.Errorf("refusal %v does not give the reason %q", err, reason)
	}
	if got := logSize(t, c.store); got != size {
		t.Errorf("a refused event changed the log: %d → %d entries", size, got)
	}
}

func logSize(t *testing.T, s accord.Store) int64 {
	var n int64
	view(t, s, func(tx accord.ReadTx) error {
		var err error
		n, err = tx.LogSize(ctx)
		return err
	})
	return n
}

func (c *cenv) decide(t *testing.T, cs *consent.Service, subject, purpose, token string) *accord.ConsentDecision {
	t.Helper()
	d, err := cs.Check(ctx, c.provider, accord.ConsentCheck{System: c.sys, Purpose: purpose, Subject: subject}, token)
	if err != nil {
		t.Fatalf("check %s: %v", purpose, err)
	}
	return d
}

func (c *cenv) want(t *testing.T, subject, purpose string, allow bool, reason string) {
	t.Helper()
	d := c.decide(t, c.cs, subject, purpose, "")
	if d.Allow != allow || d.Reason != reason {
		t.Errorf("check %s = allow %v (%s), want allow %v (%s)", purpose, d.Allow, d.Reason, allow, reason)
	}
}

func testConsentScenarios(t *testing.T, newStore NewStore) {
	scenarios := []struct {
		name string
		fn   func(t *testing.T, c *cenv)
	}{
		{"GDPR Art. 7(3), PIPL Art. 15: grant then withdraw", func(t *testing.T, c *cenv) {
			a := subjectKey("a")
			c.want(t, a, "training", false, accord.ReasonNoGrant)
			g := c.record(t, grantReq(a, c.sys, "training"))
			if d := c.decide(t, c.cs, a, "training", g.Token); !d.Allow || d.Reason != accord.ReasonGranted || len(d.Events) != 1 || d.Events[0].ID != g.Event.ID {
				t.Errorf("after the grant: %+v", d)
			}
			w := c.record(t, refuseReq(accord.ActionWithdraw, a, accord.ConsentScope{System: c.sys}, "training"))
			c.want(t, a, "training", false, accord.ReasonWithdrawn)
			if d := c.decide(t, c.cs, a, "training", w.Token); d.Allow || d.Events[0].ID != w.Event.ID {
				t.Errorf("with the withdrawal's token: %+v", d)
			}
			// Re-granting after a withdrawal is a grant like any other.
			c.record(t, grantReq(a, c.sys, "training"))
			c.want(t, a, "training", true, accord.ReasonGranted)
		}},
		{"GDPR Art. 7(3): a withdrawal racing grants wins by log order", func(t *testing.T, c *cenv) {
			a := subjectKey("racer")
			var wg sync.WaitGroup
			var mu sync.Mutex
			last := map[int64]string{}
			for i := range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					req := grantReq(a, c.sys, "training")
					if i%2 == 1 {
						req = refuseReq(accord.ActionWithdraw, a, accord.ConsentScope{System: c.sys}, "training")
					}
					w, err := c.cs.Record(ctx, nil, req, consent.Channel{Method: accord.MethodAPI})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					last[w.Event.Seq] = w.Event.Action
					mu.Unlock()
				}()
			}
			wg.Wait()
			var top int64 = -1
			for s := range last {
				top = max(top, s)
			}
			d := c.decide(t, c.cs, a, "training", accord.ConsentToken(top))
			if d.Allow != (last[top] == accord.ActionGrant) || d.Events[0].Seq != top {
				t.Errorf("after the race the last event (%d, %s) decides; got %+v", top, last[top], d)
			}
		}},
		{"GDPR Art. 21(2): a broad objection after a narrow grant", func(t *testing.T, c *cenv) {
			a := subjectKey("b")
			c.record(t, grantReq(a, c.sys, "marketing"))
			c.want(t, a, "marketing", true, accord.ReasonGranted)
			c.record(t, refuseReq(accord.ActionObject, a, accord.ConsentScope{Provider: c.orgID}, "*"))
			c.want(t, a, "marketing", false, accord.ReasonObjected)
			c.want(t, a, "improvement", false, accord.ReasonObjected)
			// Contract is not consent: an objection does not reach it.
			c.want(t, a, "billing", true, accord.ReasonOtherBasis)
			// A later grant of the one purpose, informed by the notice, stands.
			c.record(t, grantReq(a, c.sys, "marketing"))
			c.want(t, a, "marketing", true, accord.ReasonGranted)
			c.want(t, a, "improvement", false, accord.ReasonObjected)
		}},
		{"GDPR Art. 21(1): legitimate interest is allowed until objected, domain-wide too", func(t *testing.T, c *cenv) {
			a := subjectKey("c")
			c.want(t, a, "improvement", true, accord.ReasonNotObjected)
			c.record(t, refuseReq(accord.ActionObject, a, accord.ConsentScope{Domain: "general.conversational_assistant"}, "dpv:ServiceOptimisation"))
			c.want(t, a, "improvement", false, accord.ReasonObjected)
			c.want(t, a, "training", false, accord.ReasonNoGrant)
		}},
		{"GDPR Art. 21(5): an objection by automated means (Sec-GPC)", func(t *testing.T, c *cenv) {
			a := subjectKey("gpc")
			w, err := c.cs.Record(ctx, nil, refuseReq(accord.ActionObject, a, accord.ConsentScope{Provider: c.orgID}, "*"), consent.Channel{Method: accord.MethodSignal, Signal: "Sec-GPC"})
			if err != nil {
				t.Fatal(err)
			}
			if w.Event.Method != accord.MethodSignal || w.Event.Signal != "Sec-GPC" {
				t.Errorf("the signal is not recorded: %+v", w.Event)
			}
			c.want(t, a, "improvement", false, accord.ReasonObjected)
		}},
		{"expiry lapses a grant", func(t *testing.T, c *cenv) {
			a := subjectKey("d")
			req := grantReq(a, c.sys, "training")
			exp := c.now().Add(time.Hour)
			req.Expires = &exp
			c.record(t, req)
			c.want(t, a, "training", true, accord.ReasonGranted)
			c.advance(2 * time.Hour)
			c.want(t, a, "training", false, accord.ReasonExpired)
		}},
		{"GDPR Art. 8(1): a minor's grant needs a guardian, by country", func(t *testing.T, c *cenv) {
			for _, tc := range []struct {
				country string
				age     int
				minor   bool
			}{{"FR", 14, true}, {"FR", 15, false}, {"DE", 15, true}, {"ES", 14, false}, {"ES", 13, true}, {"BE", 13, false}, {"IE", 15, true}} {
				a := subjectKey(fmt.Sprintf("minor-%s-%d", tc.country, tc.age))
				req := grantReq(a, c.sys, "training")
				req.Age, req.Country = tc.age, tc.country
				if tc.minor {
					c.refused(t, req, accord.EInvalid, accord.ReasonMinorNoGuardian)
					req.Role = accord.RoleGuardian
					c.record(t, req)
				} else {
					c.record(t, req)
					req.Role = accord.RoleGuardian
					c.refused(t, req, accord.EInvalid, accord.ReasonGuardianForAdult)
				}
				c.want(t, a, "training", true, accord.ReasonGranted)
			}
		}},
		{"GDPR Art. 9(2)(a): special-category data needs explicit consent", func(t *testing.T, c *cenv) {
			a := subjectKey("e")
			req := grantReq(a, c.sys, "health")
			c.refused(t, req, accord.EInvalid, accord.ReasonNotExplicit)
			req.ConsentType = accord.ConsentExplicit
			c.record(t, req)
			c.want(t, a, "health", true, accord.ReasonGranted)
		}},
		{"GDPR Art. 49(1)(a): a transfer on consent needs explicit consent", func(t *testing.T, c *cenv) {
			a := subjectKey("f")
			req := grantReq(a, c.sys, "abroad")
			c.refused(t, req, accord.EInvalid, accord.ReasonNotExplicit)
			req.ConsentType = accord.ConsentExplicit
			c.record(t, req)
		}},
		{"GDPR Art. 17(1)(b): erasure leaves the log verifiable and the check denying", func(t *testing.T, c *cenv) {
			a := subjectKey("g")
			g := c.record(t, grantReq(a, c.sys, "training"))
			c.record(t, refuseReq(accord.ActionWithdraw, a, accord.ConsentScope{System: c.sys}, "training"))
			// Only the person erases: it deletes their events about every provider.
			if _, err := c.cs.Erase(ctx, c.provider, a); accord.ErrorCode(err) != accord.EForbidden {
				t.Errorf("a provider's erasure: %v, want forbidden", err)
			}
			er, err := c.cs.Erase(ctx, nil, a)
			if err != nil || er.Events != 2 {
				t.Fatalf("erase = %+v, %v", er, err)
			}
			c.want(t, a, "training", false, accord.ReasonErased)
			c.want(t, a, "improvement", false, accord.ReasonErased)
			if _, es, err := c.cs.History(ctx, nil, a); err != nil || len(es) != 1 || es[0].Action != accord.ActionErase {
				t.Errorf("history after erasure = %+v, %v; want the erasure alone", es, err)
			}
			// The log still proves the grant's entry and every entry decodes…
			if err := consent.VerifyReceipt(g.ConsentReceipt, c.cs.VerifierKey(), c.vkey); err != nil {
				t.Errorf("the grant's receipt no longer verifies: %v", err)
			}
			view(t, c.store, func(tx accord.ReadTx) error {
				n, _ := tx.LogSize(ctx)
				es, err := tx.ReadEntries(ctx, 0, n)
				if err != nil {
					return err
				}
				for i, e := range es {
					if _, err := accord.DecodeLogEntry(e, true); err != nil {
						t.Errorf("entry %d: %v", i, err)
					}
					if strings.Contains(string(e), "0123456789abcdefghijkl") || strings.Contains(string(e), "ps1_") {
						t.Errorf("entry %d holds an identifier or a pseudonym: %s", i, e)
					}
				}
				return nil
			})
			// … but the node can no longer open its commitment, and a
			// second erasure has nothing to erase.
			if _, err := c.cs.Erase(ctx, nil, a); accord.ErrorCode(err) != accord.EConflict {
				t.Errorf("second erasure: %v, want conflict", err)
			}
			// The person may come back: a new grant counts.
			c.record(t, grantReq(a, c.sys, "training"))
			c.want(t, a, "training", true, accord.ReasonGranted)
		}},
		{"PIPL Art. 14: a changed purpose needs a new consent", func(t *testing.T, c *cenv) {
			a := subjectKey("h")
			c.record(t, grantReq(a, c.sys, "training"))
			n := scenarioNotice("EU")
			n.Purposes[0].DataCategories = append(n.Purposes[0].DataCategories, "pd:Location")
			if _, err := c.cs.PublishNotice(ctx, c.provider, c.sys, n); err != nil {
				t.Fatal(err)
			}
			c.want(t, a, "training", false, accord.ReasonNoticeChanged)
			c.refused(t, grantReq(a, c.sys, "training"), accord.EConflict, "not the current notice")
			req := grantReq(a, c.sys, "training")
			req.NoticeVersion = 2
			c.record(t, req)
			c.want(t, a, "training", true, accord.ReasonGranted)
		}},
		{"an expired notice takes no grants", func(t *testing.T, c *cenv) {
			n := scenarioNotice("EU")
			exp := c.now().Add(time.Hour)
			n.Expires = &exp
			if _, err := c.cs.PublishNotice(ctx, c.provider, c.sys, n); err != nil {
				t.Fatal(err)
			}
			a := subjectKey("exp")
			req := grantReq(a, c.sys, "training")
			req.NoticeVersion = 2
			c.record(t, req)
			c.advance(2 * time.Hour)
			c.refused(t, req, accord.EInvalid, accord.ReasonNoticeExpired)
			// A withdrawal is never refused.
			c.record(t, refuseReq(accord.ActionWithdraw, a, accord.ConsentScope{System: c.sys}, "training"))
		}},
		{"narrowing keeps within the grant", func(t *testing.T, c *cenv) {
			a := subjectKey("n")
			c.record(t, grantReq(a, c.sys, "training"))
			req := grantReq(a, c.sys, "training")
			req.Action, req.DataCategories = accord.ActionNarrow, []string{"pd:Preference"}
			c.record(t, req)
			d, err := c.cs.Check(ctx, c.provider, accord.ConsentCheck{System: c.sys, Purpose: "training", Subject: a, Data: "pd:BrowsingBehaviour"}, "")
			if err != nil || d.Allow || d.Reason != accord.ReasonOutsideGrant {
				t.Errorf("a category the narrowing left out: %+v, %v", d, err)
			}
			req.DataCategories = []string{"pd:Preference", "pd:BrowsingBehaviour"}
			c.refused(t, req, accord.EInvalid, accord.ReasonNarrowWiderThan)
		}},
		{"a check with and without the token right after a withdrawal on another node", func(t *testing.T, c *cenv) {
			other := c.service(t, -1) // shares the database, never polls
			a := subjectKey("i")
			g := c.record(t, grantReq(a, c.sys, "training"))
			if d := c.decide(t, other, a, "training", g.Token); !d.Allow {
				t.Fatalf("the other node with the grant's token: %+v", d)
			}
			w := c.record(t, refuseReq(accord.ActionWithdraw, a, accord.ConsentScope{System: c.sys}, "training"))
			if d := c.decide(t, other, a, "training", ""); !d.Allow {
				t.Logf("the other node happened to have read the withdrawal already")
			}
			if d := c.decide(t, other, a, "training", w.Token); d.Allow || d.Reason != accord.ReasonWithdrawn {
				t.Errorf("with the withdrawal's token the other node still allows: %+v", d)
			}
			// A polling node catches up within its poll interval without a token.
			polling := c.service(t, 20*time.Millisecond)
			w2 := c.record(t, grantReq(a, c.sys, "training"))
			deadline := time.Now().Add(consent.MaxStaleness)
			for {
				if d := c.decide(t, polling, a, "training", ""); d.Allow && d.Events[0].ID == w2.Event.ID {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("a token-less check was stale for more than %v", consent.MaxStaleness)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}},
		{"receipts verify offline, and a changed receipt does not", func(t *testing.T, c *cenv) {
			a := subjectKey("j")
			g := c.record(t, grantReq(a, c.sys, "training"))
			if err := consent.VerifyReceipt(g.ConsentReceipt, c.cs.VerifierKey(), c.vkey); err != nil {
				t.Fatalf("receipt: %v", err)
			}
			bad := g.ConsentReceipt
			bad.Accord.Event.Purpose = "marketing"
			if err := consent.VerifyReceipt(bad, c.cs.VerifierKey(), c.vkey); err == nil {
				t.Error("a receipt with a changed purpose verifies")
			}
			rs, err := c.cs.Export(ctx, nil, a)
			if err != nil || len(rs) != 1 {
				t.Fatalf("export = %d receipts, %v", len(rs), err)
			}
			if err := consent.VerifyReceipt(rs[0], c.cs.VerifierKey(), c.vkey); err != nil {
				t.Errorf("exported receipt: %v", err)
			}
		}},
		{"bad input: nothing stored on error", func(t *testing.T, c *cenv) {
			a := subjectKey("k")
			c.refused(t, grantReq(a, c.sys, "nosuch"), accord.EInvalid, "not a purpose")
			c.refused(t, grantReq(a, "sys_nosuch", "training"), accord.ENotFound, "")
			c.refused(t, accord.ConsentRequest{Subject: a, Action: accord.ActionGrant, ConsentScope: accord.ConsentScope{Provider: c.orgID}, Purpose: "dpv:Marketing", NoticeVersion: 1, Language: "en"}, accord.EInvalid, accord.ReasonBroadGrant)
			c.refused(t, refuseReq(accord.ActionObject, a, accord.ConsentScope{Provider: "org_nosuch"}, "*"), accord.EInvalid, "not an organization")
			c.refused(t, refuseReq(accord.ActionObject, a, accord.ConsentScope{Domain: "nosuch.domain"}, "*"), accord.EInvalid, "not an application domain")
			c.refused(t, accord.ConsentRequest{Subject: "email:someone@example.org", Action: accord.ActionWithdraw, ConsentScope: accord.ConsentScope{System: c.sys}, Purpose: "training"}, accord.EUnauthorized, "")
			req := grantReq(a, c.sys, "training")
			req.ID = "ce_client_1"
			c.record(t, req)
			c.refused(t, req, accord.EConflict, "already recorded")
			old := c.record(t, grantReq(a, c.sys, "marketing"))
			c.record(t, refuseReq(accord.ActionWithdraw, a, accord.ConsentScope{System: c.sys}, "marketing"))
			late := grantReq(a, c.sys, "marketing")
			late.After = old.Token
			c.refused(t, late, accord.EConflict, "out of order")
			// A withdrawn system is denied.
			if _, err := c.svc.WithdrawSystem(ctx, c.provider, c.sys, "", "Gone"); err != nil {
				t.Fatal(err)
			}
			time.Sleep(600 * time.Millisecond)
			c.want(t, a, "training", false, accord.ReasonSystemWithdrawn)
			c.refused(t, grantReq(a, c.sys, "training"), accord.EConflict, "withdrawn")
		}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) { sc.fn(t, newConsentEnv(t, newStore)) })
	}
	t.Run("PIPL Art. 23, 29, 31, 39: separate consent and minors in China", func(t *testing.T) {
		c := newConsentEnv(t, newStore, "CN")
		a := subjectKey("cn")
		for _, purpose := range []string{"abroad", "sharing"} {
			req := grantReq(a, c.sys, purpose)
			req.ConsentType = accord.ConsentExplicit
			c.refused(t, req, accord.EInvalid, accord.ReasonSeparateMissing)
			req.Separate = true
			c.record(t, req)
			c.want(t, a, purpose, true, accord.ReasonGranted)
		}
		req := grantReq(subjectKey("cn-child"), c.sys, "training")
		req.Age, req.Country = 13, "CN"
		c.refused(t, req, accord.EInvalid, accord.ReasonMinorNoGuardian)
		req.Role = accord.RoleGuardian
		c.record(t, req)
	})
}
