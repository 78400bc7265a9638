package api_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/consent"
)

func consentNotice() accord.NewConsentNotice {
	return accord.NewConsentNotice{
		Jurisdictions: []string{"EU"},
		Text:          accord.Text{"en": "We train our ranking model on applications.", "fr": "Nous entraînons notre modèle sur les candidatures."},
		Purposes: []accord.ConsentPurpose{
			{ID: "training", DPV: "accord:TrainingOfAISystem", LegalBasis: accord.BasisConsent, DataCategories: []string{"pd:EmploymentHistory"},
				Title: accord.Text{"en": "Training of CV Screener", "fr": "Entraînement de CV Screener"}, Retention: "P2Y"},
			{ID: "improvement", DPV: "dpv:ServiceOptimisation", LegalBasis: accord.BasisLegitimateInterest, DataCategories: []string{"pd:UsageData"},
				Title: accord.Text{"en": "Improving the service"}},
		},
	}
}

// TestConsentAPI: a person grants and withdraws over the API, the
// provider's check follows at once with the token, every response is held
// to the OpenAPI document, bad input is refused naming the field.
func TestConsentAPI(t *testing.T) {
	e := newEnv(t)
	public := &client.Client{Server: e.node.URL, HTTP: e.http}
	v, err := e.provider.FileSystem(ctx, "", sampleFiling(), "")
	if err != nil {
		t.Fatal(err)
	}
	sys := v.ID
	_, err = public.PublishConsentNotice(ctx, sys, consentNotice())
	wantStatus(t, "public publishes", err, 401, "")
	bad := consentNotice()
	bad.Purposes[0].DPV = "dpv:NoSuchPurpose"
	_, err = e.provider.PublishConsentNotice(ctx, sys, bad)
	wantStatus(t, "unknown DPV purpose", err, 422, "purposes[0].dpv")
	nc, err := e.provider.PublishConsentNotice(ctx, sys, consentNotice())
	if err != nil || nc.Notice.Version != 1 {
		t.Fatalf("publish: %+v, %v", nc, err)
	}
	if ns, err := public.ConsentNotices(ctx); err != nil || len(ns) != 1 {
		t.Fatalf("notices: %v, %v", ns, err)
	}
	if n, err := public.ConsentNotice(ctx, sys, 1); err != nil || n.Purposes[0].ID != "training" {
		t.Fatalf("notice: %+v, %v", n, err)
	}

	me := "key:alice-0123456789abcdefghijklmnop"
	grant := accord.ConsentRequest{Subject: me, Action: accord.ActionGrant, ConsentScope: accord.ConsentScope{System: sys}, Purpose: "training", NoticeVersion: 1, Language: "fr"}
	for _, c := range []struct {
		name   string
		mod    func(*accord.ConsentRequest)
		status int
		field  string
	}{
		{"unknown purpose", func(r *accord.ConsentRequest) { r.Purpose = "nosuch" }, 422, "purpose"},
		{"no notice version", func(r *accord.ConsentRequest) { r.NoticeVersion = 0 }, 422, "notice_version"},
		{"language the notice lacks", func(r *accord.ConsentRequest) { r.Language = "zh" }, 422, "language"},
		{"minor without guardian", func(r *accord.ConsentRequest) { r.Age, r.Country = 12, "FR" }, 422, "role"},
		{"guardian for an adult", func(r *accord.ConsentRequest) { r.Age, r.Country, r.Role = 30, "FR", accord.RoleGuardian }, 422, "role"},
		{"e-mail without a provider", func(r *accord.ConsentRequest) { r.Subject = "email:alice@example.org" }, 401, ""},
		{"bad action", func(r *accord.ConsentRequest) { r.Action = "maybe" }, 422, "action"},
		{"old notice", func(r *accord.ConsentRequest) { r.NoticeVersion = 7 }, 409, ""},
	} {
		r := grant
		c.mod(&r)
		_, err := public.RecordConsent(ctx, r, false)
		wantStatus(t, c.name, err, c.status, c.field)
	}
	// Strict decoding.
	resp, err := e.http.Do(mustRequest(t, "POST", e.node.URL+"/v1/consent/events", "", `{"subject":"`+me+`","action":"grant","Action":"withdraw"}`))
	if err != nil || resp.StatusCode/100 != 4 {
		t.Fatalf("case-variant key: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()

	chk := accord.ConsentCheck{System: sys, Purpose: "training", Subject: me}
	_, err = public.CheckConsent(ctx, chk, "")
	wantStatus(t, "public check", err, 401, "")
	if d, err := e.provider.CheckConsent(ctx, chk, ""); err != nil || d.Allow || d.Reason != accord.ReasonNoGrant {
		t.Fatalf("before any grant: %+v, %v", d, err)
	}
	g, err := public.RecordConsent(ctx, grant, false)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(g.Receipt.Entry, "alice") || strings.Contains(g.Receipt.Entry, g.Event.Subject) {
		t.Errorf("the log entry names the subject: %s", g.Receipt.Entry)
	}
	keys, err := public.ConsentKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := consent.VerifyReceipt(g.ConsentReceipt, keys.ConsentKey, keys.LogKey); err != nil {
		t.Errorf("receipt: %v", err)
	}
	if d, err := e.provider.CheckConsent(ctx, chk, g.Token); err != nil || !d.Allow || d.Events[0].ID != g.Event.ID {
		t.Fatalf("after the grant: %+v, %v", d, err)
	}

	// The provider follows the change stream from the grant's token.
	stream := openStream(t, e, g.Token)
	w, err := public.RecordConsent(ctx, accord.ConsentRequest{Subject: me, Action: accord.ActionWithdraw, ConsentScope: accord.ConsentScope{System: sys}, Purpose: "training"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := e.provider.CheckConsent(ctx, chk, w.Token); err != nil || d.Allow || d.Reason != accord.ReasonWithdrawn {
		t.Fatalf("with the withdrawal's token: %+v, %v", d, err)
	}
	if d, err := e.provider.CheckConsent(ctx, chk, ""); err != nil || d.Allow {
		t.Fatalf("without a token, right after: %+v, %v", d, err)
	}
	id, ch := stream.next(t)
	if id != w.Token || ch.Action != accord.ActionWithdraw || ch.Subject != w.Event.Subject || ch.System != sys {
		t.Errorf("stream event %s %+v, want the withdrawal %s", id, ch, w.Token)
	}
	stream.close()

	// Objection by signal (GDPR Art. 21(5)).
	req, _ := http.NewRequest("POST", e.node.URL+"/v1/consent/objections", strings.NewReader(`{"subject":"`+me+`","provider":"`+e.orgID+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-GPC", "1")
	resp, err = e.http.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("objection: %v %v", resp.StatusCode, err)
	}
	var ow accord.ConsentWrite
	json.NewDecoder(resp.Body).Decode(&ow)
	resp.Body.Close()
	if ow.Event.Method != accord.MethodSignal || ow.Event.Purpose != "*" {
		t.Errorf("objection event %+v", ow.Event)
	}
	// The stream resumes from Last-Event-ID.
	stream = openStream(t, e, w.Token)
	if id, ch := stream.next(t); id != ow.Token || ch.Action != accord.ActionObject {
		t.Errorf("resumed stream: %s %+v, want the objection %s", id, ch, ow.Token)
	}
	stream.close()

	ds, err := e.provider.CheckConsentBatch(ctx, accord.ConsentBatch{Token: ow.Token, Checks: []accord.ConsentCheck{chk, {System: sys, Purpose: "improvement", Subject: me}}})
	if err != nil || len(ds) != 2 || ds[0].Allow || ds[1].Allow || ds[1].Reason != accord.ReasonObjected {
		t.Fatalf("batch: %+v, %v", ds, err)
	}
	_, err = e.provider.CheckConsentBatch(ctx, accord.ConsentBatch{Checks: []accord.ConsentCheck{{System: sys, Purpose: "nosuch", Subject: me}}})
	wantStatus(t, "batch with an unknown purpose", err, 422, "checks[0].purpose")
	_, err = e.provider.CheckConsent(ctx, accord.ConsentCheck{System: sys, Purpose: "training", Subject: me}, "ct1.999999")
	wantStatus(t, "a token from the future", err, 422, "token")

	h, err := public.ConsentHistory(ctx, me)
	if err != nil || len(h.Events) != 3 || h.Subject != g.Event.Subject {
		t.Fatalf("history: %+v, %v", h, err)
	}
	rs, err := public.ConsentReceipts(ctx, me)
	if err != nil || len(rs) != 3 {
		t.Fatalf("receipts: %d, %v", len(rs), err)
	}
	for _, rc := range rs {
		if err := consent.VerifyReceipt(rc, keys.ConsentKey, keys.LogKey); err != nil {
			t.Errorf("exported receipt %s: %v", rc.ConsentReceiptID, err)
		}
	}
	recs, err := e.provider.ProcessingRecords(ctx, e.orgID)
	if err != nil || len(recs) != 2 || recs[0].Retention != "P2Y" || recs[0].Contact.Email != "dpo@acme.example" {
		t.Fatalf("records: %+v, %v", recs, err)
	}
	_, err = public.ProcessingRecords(ctx, e.orgID)
	wantStatus(t, "public records", err, 403, "")
	st, err := e.provider.ConsentStats(ctx, sys)
	if err != nil || st.Subjects != 1 || st.Events["withdraw"] != 1 || st.Purposes["training"]["deny"] != 1 {
		t.Fatalf("stats: %+v, %v", st, err)
	}
	er, err := public.EraseConsent(ctx, me)
	if err != nil || er.Events != 3 {
		t.Fatalf("erase: %+v, %v", er, err)
	}
	if d, err := e.provider.CheckConsent(ctx, accord.ConsentCheck{System: sys, Purpose: "improvement", Subject: me}, er.Token); err != nil || d.Allow || d.Reason != accord.ReasonErased {
		t.Fatalf("after erasure: %+v, %v", d, err)
	}
	_, err = public.EraseConsent(ctx, me)
	wantStatus(t, "erase twice", err, 409, "")
}

type sseStream struct {
	resp *http.Response
	rd   *bufio.Reader
}

func openStream(t *testing.T, e *env, after string) *sseStream {
	t.Helper()
	req, _ := http.NewRequest("GET", e.node.URL+"/v1/consent/stream", nil)
	req.Header.Set("Authorization", "Bearer "+e.secret)
	req.Header.Set("Last-Event-ID", after)
	resp, err := http.DefaultClient.Do(req) // not the contract transport: it reads whole bodies
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %v %v", resp, err)
	}
	return &sseStream{resp: resp, rd: bufio.NewReader(resp.Body)}
}

// next reads the next event (skipping comments and id-only checkpoints).
func (s *sseStream) next(t *testing.T) (string, accord.ConsentChange) {
	t.Helper()
	done := make(chan struct{})
	timer := time.AfterFunc(5*time.Second, func() { s.resp.Body.Close(); close(done) })
	defer timer.Stop()
	var id, data string
	for {
		line, err := s.rd.ReadString('\n')
		if err != nil {
			t.Fatalf("stream read: %v", err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case strings.HasPrefix(line, "id: "):
			id = line[4:]
		case strings.HasPrefix(line, "data: "):
			data = line[6:]
		case line == "" && data != "":
			var ch accord.ConsentChange
			if err := json.Unmarshal([]byte(data), &ch); err != nil {
				t.Fatal(err)
			}
			return id, ch
		}
	}
}

func (s *sseStream) close() { s.resp.Body.Close() }
