package accord

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestConsentJCS: the direct writer gives Canonical's bytes for events and
// receipts of every shape.
func TestConsentJCS(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	pick := func(vs ...string) string { return vs[r.IntN(len(vs))] }
	str := func() string {
		return pick("", "a", "sys_X1", "dpv:Marketing", "é\u2028<>&\"\\\t\x01", "中文", "ps1_abc", "*", "😀 x")
	}
	for i := range 3000 {
		e := ConsentEvent{ID: str(), Subject: str(), Action: pick(ActionGrant, ActionWithdraw, ActionObject, ActionErase),
			ConsentScope: ConsentScope{System: str(), Provider: str(), Domain: str()}, Purpose: str(),
			NoticeVersion: r.IntN(3), PurposeHash: str(), Language: str(), Method: str(), Role: str(), ActorOrg: str(),
			ConsentType: str(), Separate: r.IntN(2) == 0, Age: r.IntN(20), Country: str(), Signal: str(),
			Time: time.Unix(r.Int64N(4e9), r.Int64N(1e9)).UTC(), Seq: r.Int64N(1e12)}
		if r.IntN(2) == 0 {
			x := time.Unix(r.Int64N(4e9), 0).In(time.FixedZone("x", 3600))
			e.Expires = &x
		}
		for range r.IntN(3) {
			e.DataCategories = append(e.DataCategories, str())
		}
		got, _ := e.Details()
		c := e
		c.Seq = 0
		want, err := Canonical(c)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("event %d:\n got %s\nwant %s", i, got, want)
		}
		rc := ConsentReceipt{Version: ConsentReceiptVersion, Jurisdiction: str(), ConsentTimestamp: r.Int64N(1e10), CollectionMethod: str(),
			ConsentReceiptID: str(), PublicKey: str(), Language: str(), PiiPrincipalID: str(), PolicyURL: str(), Sensitive: r.IntN(2) == 0,
			PiiControllers: []ReceiptController{}, Services: []ReceiptService{}, SpiCat: []string{},
			Accord:    ReceiptProof{Action: str(), Event: e, Commitment: str(), LogIndex: r.Int64N(1e9), Token: str(), LogReceipt: &Receipt{Index: 1}},
			Signature: "— sig\n"}
		if r.IntN(3) > 0 {
			rc.Accord.Salt = []byte(fmt.Sprint(i))
		}
		for range r.IntN(3) {
			rc.PiiControllers = append(rc.PiiControllers, ReceiptController{PiiController: str(), Contact: str(), OnBehalf: r.IntN(2) == 0})
		}
		for range r.IntN(3) {
			s := ReceiptService{Service: str(), Purposes: []ReceiptPurpose{}}
			for range r.IntN(3) {
				p := ReceiptPurpose{Purpose: str(), PurposeCategory: []string{str()}, ConsentType: str(), PrimaryPurpose: true, Termination: str(),
					ThirdPartyDisclosure: r.IntN(2) == 0, ThirdPartyName: str()}
				if r.IntN(2) == 0 {
					p.PiiCategory = []string{str(), str()}
				}
				s.Purposes = append(s.Purposes, p)
			}
			rc.Services = append(rc.Services, s)
			rc.SpiCat = append(rc.SpiCat, str())
		}
		got, _ = CanonicalReceiptBody(&rc)
		c2 := rc
		c2.Signature, c2.Accord.LogReceipt = "", nil
		want, _ = Canonical(c2)
		if !bytes.Equal(got, want) {
			t.Fatalf("receipt %d:\n got %s\nwant %s", i, got, want)
		}
	}
}
