package consent_test

import (
	"fmt"
	"testing"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/consent"
	"github.com/accord-gov/accord/registry"
)

// TestChanges: a provider's change stream carries the withdrawals,
// objections and erasures that concern its systems, never grants or other
// providers' events; when a page holds only others' events it ends in a
// checkpoint, so a client resumes past them.
func TestChanges(t *testing.T) {
	e := newBenchEnv(t)
	r, err := e.reg.RegisterOrganization(ctx, registry.Operator(), accord.NewOrganization{Name: accord.Text{"en": "Other"}, Kind: "provider", Country: "DE"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.reg.Authenticate(ctx, r.Token.Secret)
	if err != nil {
		t.Fatal(err)
	}
	rec := func(id string, req accord.ConsentRequest) *accord.ConsentWrite {
		t.Helper()
		req.Subject = fmt.Sprintf("key:changes-subject-%s-xxxxxxxxxxxxxx", id)
		w, err := e.cs.Record(ctx, nil, req, consent.Channel{Method: accord.MethodAPI})
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	grant := accord.ConsentRequest{Action: accord.ActionGrant, ConsentScope: accord.ConsentScope{System: e.system}, Purpose: "training", NoticeVersion: 1, Language: "en"}
	rec("a", grant)
	w1 := rec("a", accord.ConsentRequest{Action: accord.ActionWithdraw, ConsentScope: accord.ConsentScope{System: e.system}, Purpose: "training"})
	// Thirty objections to the other provider: not this provider's business.
	for i := range 30 {
		rec(fmt.Sprint("o", i), accord.ConsentRequest{Action: accord.ActionObject, ConsentScope: accord.ConsentScope{Provider: other.Org()}, Purpose: "*"})
	}
	w2 := rec("b", accord.ConsentRequest{Action: accord.ActionObject, ConsentScope: accord.ConsentScope{Provider: e.provider.Org()}, Purpose: "*"})

	got, _, err := e.cs.Changes(ctx, e.provider, -1, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Seq != w1.Event.Seq || got[0].Action != accord.ActionWithdraw || got[1].Seq != w2.Event.Seq || got[1].Action != accord.ActionObject {
		t.Fatalf("changes = %+v; want the withdrawal and the provider-wide objection", got)
	}
	// Pages of 2 (reading 20 events a page): the page after the withdrawal
	// holds only the other provider's objections, and ends in a checkpoint.
	got, _, err = e.cs.Changes(ctx, e.provider, w1.Event.Seq, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Action != "checkpoint" || got[0].Seq <= w1.Event.Seq || got[0].Seq >= w2.Event.Seq {
		t.Fatalf("a page of others' events = %+v; want one checkpoint between %d and %d", got, w1.Event.Seq, w2.Event.Seq)
	}
	next, _, err := e.cs.Changes(ctx, e.provider, got[0].Seq, 2)
	if err != nil || len(next) != 1 || next[0].Seq != w2.Event.Seq {
		t.Fatalf("resumed after the checkpoint: %+v, %v", next, err)
	}
	// The other provider sees its thirty objections, and not this provider's events.
	theirs, _, err := e.cs.Changes(ctx, other, -1, 100)
	if err != nil || len(theirs) != 30 {
		t.Fatalf("the other provider's changes: %d, %v", len(theirs), err)
	}
	if _, _, err := e.cs.Changes(ctx, nil, -1, 10); accord.ErrorCode(err) != accord.EUnauthorized {
		t.Errorf("the public: %v", err)
	}
}
