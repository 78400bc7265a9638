package accord

import (
	"testing"
	"time"
)

// Golden cases of the pure decision, named after the provision or rule
// they exercise.
func TestDecide(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	n := &ConsentNotice{System: "sys_s", Provider: "org_p", Version: 1, Domains: []string{"health.triage"}, Jurisdictions: []string{"EU"},
		Purposes: []ConsentPurpose{
			{ID: "training", DPV: "accord:TrainingOfAISystem", LegalBasis: BasisConsent, DataCategories: []string{"pd:A", "pd:B"}},
			{ID: "improve", DPV: "dpv:ServiceOptimisation", LegalBasis: BasisLegitimateInterest, DataCategories: []string{"pd:A"}},
			{ID: "law", DPV: "dpv:LegalCompliance", LegalBasis: BasisLegalObligation, DataCategories: []string{"pd:A"}},
		}}
	train, improve, law := &n.Purposes[0], &n.Purposes[1], &n.Purposes[2]
	seq := int64(0)
	ev := func(action string, scope ConsentScope, purpose string, at time.Duration) ConsentEvent {
		seq++
		e := ConsentEvent{ID: "ce_" + action, Action: action, ConsentScope: scope, Purpose: purpose, Time: t0.Add(at), Seq: seq}
		if action == ActionGrant || action == ActionNarrow {
			p, _ := n.Purpose(purpose)
			e.PurposeHash = p.Hash()
		}
		return e
	}
	sys := ConsentScope{System: "sys_s"}
	exp := t0.Add(time.Hour)
	expiring := ev(ActionGrant, sys, "training", 0)
	expiring.Expires = &exp
	stale := ev(ActionGrant, sys, "training", 0)
	stale.PurposeHash = "0000"
	narrow := ev(ActionNarrow, sys, "training", time.Minute)
	narrow.DataCategories = []string{"pd:A"}
	erased := t0.Add(time.Minute)
	cases := []struct {
		name      string
		p         *ConsentPurpose
		events    []ConsentEvent
		erased    *time.Time
		withdrawn bool
		at        time.Duration
		data      string
		allow     bool
		reason    string
	}{
		{"GDPR Art. 6(1)(a): no grant, no use", train, nil, nil, false, 0, "", false, ReasonNoGrant},
		{"GDPR Art. 6(1)(a): a grant allows", train, []ConsentEvent{ev(ActionGrant, sys, "training", 0)}, nil, false, time.Second, "", true, ReasonGranted},
		{"GDPR Art. 7(3): a withdrawal wins over an older grant", train, []ConsentEvent{ev(ActionGrant, sys, "training", 0), ev(ActionWithdraw, sys, "training", time.Second)}, nil, false, time.Minute, "", false, ReasonWithdrawn},
		{"GDPR Art. 7(3): processing before the withdrawal stays lawful", train, []ConsentEvent{ev(ActionGrant, sys, "training", 0), ev(ActionWithdraw, sys, "training", time.Hour)}, nil, false, time.Minute, "", true, ReasonGranted},
		{"GDPR Art. 7(3): a broader withdrawal beats a narrower older grant", train, []ConsentEvent{ev(ActionGrant, sys, "training", 0), ev(ActionWithdraw, ConsentScope{Provider: "org_p"}, "*", time.Second)}, nil, false, time.Minute, "", false, ReasonWithdrawn},
		{"a withdrawal for another provider does not apply", train, []ConsentEvent{ev(ActionGrant, sys, "training", 0), ev(ActionWithdraw, ConsentScope{Provider: "org_q"}, "*", time.Second)}, nil, false, time.Minute, "", true, ReasonGranted},
		{"GDPR Art. 21(2): an objection by DPV parent term at domain scope", train, []ConsentEvent{ev(ActionGrant, sys, "training", 0), ev(ActionObject, ConsentScope{Domain: "health.triage"}, "dpv:ResearchAndDevelopment", time.Second)}, nil, false, time.Minute, "", false, ReasonObjected},
		{"a later specific grant after a broad withdrawal stands", train, []ConsentEvent{ev(ActionWithdraw, ConsentScope{Provider: "org_p"}, "*", 0), ev(ActionGrant, sys, "training", time.Second)}, nil, false, time.Minute, "", true, ReasonGranted},
		{"expiry lapses a grant", train, []ConsentEvent{expiring}, nil, false, 2 * time.Hour, "", false, ReasonExpired},
		{"PIPL Art. 14: a grant for a changed purpose does not count", train, []ConsentEvent{stale}, nil, false, time.Minute, "", false, ReasonNoticeChanged},
		{"a narrowed grant covers only its categories", train, []ConsentEvent{ev(ActionGrant, sys, "training", 0), narrow}, nil, false, time.Hour, "pd:B", false, ReasonOutsideGrant},
		{"a narrowed grant still covers the category it keeps", train, []ConsentEvent{ev(ActionGrant, sys, "training", 0), narrow}, nil, false, time.Hour, "pd:A", true, ReasonGranted},
		{"GDPR Art. 21(1): legitimate interest allowed unless objected", improve, nil, nil, false, 0, "", true, ReasonNotObjected},
		{"GDPR Art. 21(1): an objection stops legitimate interest", improve, []ConsentEvent{ev(ActionObject, ConsentScope{Provider: "org_p"}, "*", 0)}, nil, false, time.Minute, "", false, ReasonObjected},
		{"GDPR Art. 21(1): lifting the objection", improve, []ConsentEvent{ev(ActionObject, sys, "improve", 0), ev(ActionGrant, sys, "improve", time.Second)}, nil, false, time.Minute, "", true, ReasonGranted},
		{"GDPR Art. 6(1)(c): a legal obligation does not rest on consent", law, []ConsentEvent{ev(ActionObject, ConsentScope{Provider: "org_p"}, "*", 0)}, nil, false, time.Minute, "", true, ReasonOtherBasis},
		{"GDPR Art. 17(1)(b): an erased subject is denied", improve, []ConsentEvent{ev(ActionErase, ConsentScope{}, "", time.Minute)}, &erased, false, time.Hour, "", false, ReasonErased},
		{"a grant after erasure counts", train, []ConsentEvent{ev(ActionErase, ConsentScope{}, "", 0), ev(ActionGrant, sys, "training", time.Second)}, &erased, false, time.Hour, "", true, ReasonGranted},
		{"a withdrawn system is denied", train, []ConsentEvent{ev(ActionGrant, sys, "training", 0)}, nil, true, time.Minute, "", false, ReasonSystemWithdrawn},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var des []DecisionEvent
			for i := range tc.events {
				des = append(des, tc.events[i].Decision())
			}
			ok, reason, _ := Decide(DecideInput{Notice: n, Purpose: tc.p, Events: des, Erased: tc.erased, SystemWithdrawn: tc.withdrawn, At: t0.Add(tc.at), Data: tc.data})
			if ok != tc.allow || reason != tc.reason {
				t.Errorf("Decide = %v (%s), want %v (%s)", ok, reason, tc.allow, tc.reason)
			}
		})
	}
}

// Ages of digital consent come from data: GDPR Art. 8(1) allows 13 to 16.
func TestConsentAges(t *testing.T) {
	for _, c := range EUMemberStates {
		a, ok := AgeOfConsent(c)
		if !ok || a < 13 || a > 16 {
			t.Errorf("%s: age %d, %v; GDPR Art. 8(1) allows 13 to 16", c, a, ok)
		}
	}
	for _, tc := range []struct {
		country string
		age     int
		minor   bool
	}{{"FR", 14, true}, {"FR", 15, false}, {"DE", 15, true}, {"BE", 12, true}, {"BE", 13, false}, {"CN", 13, true}, {"CN", 14, false}, {"US", 12, true}, {"US", 13, false}, {"JP", 10, false}, {"FR", 0, false}} {
		if got := Minor(tc.age, tc.country); got != tc.minor {
			t.Errorf("Minor(%d, %s) = %v, want %v", tc.age, tc.country, got, tc.minor)
		}
	}
}
