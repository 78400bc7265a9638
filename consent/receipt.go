package consent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/tlog"
)

// receipt builds and signs the consent receipt of an event.
func (s *Service) receipt(e accord.ConsentEvent, n *accord.ConsentNotice, salt []byte, lr *accord.Receipt) (*accord.ConsentReceipt, error) {
	details, err := e.Details()
	if err != nil {
		return nil, err
	}
	rc := accord.ConsentReceipt{
		Version: accord.ConsentReceiptVersion, ConsentTimestamp: e.Time.Unix(), CollectionMethod: e.Method,
		ConsentReceiptID: e.ID, PublicKey: s.verifier, Language: e.Language, PiiPrincipalID: e.Subject,
		PiiControllers: []accord.ReceiptController{}, Services: []accord.ReceiptService{}, SpiCat: []string{},
		Accord: accord.ReceiptProof{Action: e.Action, Event: e, Salt: salt, Commitment: accord.ConsentCommitment(salt, details),
			LogIndex: e.Seq, Token: accord.ConsentToken(e.Seq), LogReceipt: lr},
	}
	if n != nil {
		rc.Jurisdiction = strings.Join(n.Jurisdictions, " ")
		rc.PolicyURL = fmt.Sprintf("%s/v1/systems/%s/consent-notice?version=%d", s.publicURL, n.System, n.Version)
		rc.PiiControllers = append(rc.PiiControllers, accord.ReceiptController{PiiController: n.Provider, Contact: s.publicURL + "/v1/organizations/" + n.Provider})
		svc := accord.ReceiptService{Service: n.System, Purposes: []accord.ReceiptPurpose{}}
		for _, p := range n.Purposes {
			if e.Purpose != p.ID && e.Purpose != "*" {
				continue
			}
			term := "withdrawal"
			if e.Expires != nil {
				term = "expires " + accord.LogTime(*e.Expires) + ", or withdrawal"
			}
			cats := p.DataCategories
			if len(e.DataCategories) > 0 {
				cats = e.DataCategories
			}
			rp := accord.ReceiptPurpose{Purpose: p.ID, PurposeCategory: []string{p.DPV}, ConsentType: e.ConsentType, PiiCategory: cats,
				PrimaryPurpose: true, Termination: term, ThirdPartyDisclosure: len(p.Recipients) > 0 || len(p.Transfers) > 0}
			if len(p.Recipients) > 0 {
				rp.ThirdPartyName = strings.Join(p.Recipients, ", ")
			}
			svc.Purposes = append(svc.Purposes, rp)
			if p.Sensitive {
				rc.Sensitive = true
				rc.SpiCat = append(rc.SpiCat, cats...)
			}
		}
		rc.Services = append(rc.Services, svc)
	}
	body, err := signedBody(rc)
	if err != nil {
		return nil, err
	}
	signed, err := note.Sign(&note.Note{Text: string(body) + "\n"}, s.signer)
	if err != nil {
		return nil, fmt.Errorf("sign receipt: %w", err)
	}
	_, sig, _ := bytes.Cut(signed, []byte("\n\n"))
	rc.Signature = string(sig)
	return &rc, nil
}

// signedBody is what the consent key signs: the RFC 8785 canonical JSON of
// the receipt without its signature and without the log receipt (which the
// log's own key proves, and which binds to the signed commitment).
func signedBody(rc accord.ConsentReceipt) ([]byte, error) {
	return accord.CanonicalReceiptBody(&rc)
}

// VerifyReceipt checks a consent receipt offline: its signature by the
// consent key (vkey), that its commitment is the salted hash of its event,
// and, when logKey is given, that its log receipt proves an entry that
// holds that commitment, under a checkpoint signed by the log's key.
func VerifyReceipt(rc accord.ConsentReceipt, vkey, logKey string) error {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return fmt.Errorf("consent key: %w", err)
	}
	body, err := signedBody(rc)
	if err != nil {
		return err
	}
	if _, err := note.Open([]byte(string(body)+"\n\n"+rc.Signature), note.VerifierList(v)); err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	p := rc.Accord
	details, err := p.Event.Details()
	if err != nil {
		return err
	}
	if accord.ConsentCommitment(p.Salt, details) != p.Commitment {
		return errors.New("commitment: the salted hash of the event is not the receipt's commitment")
	}
	if p.Event.Seq != p.LogIndex || p.Event.ID != rc.ConsentReceiptID {
		return errors.New("the event's log index or id is not the receipt's")
	}
	if logKey == "" {
		return nil
	}
	if p.LogReceipt == nil {
		return errors.New("log: the receipt carries no log receipt")
	}
	if p.LogReceipt.Index != p.LogIndex {
		return fmt.Errorf("log: the log receipt is of entry %d, not %d", p.LogReceipt.Index, p.LogIndex)
	}
	if _, err := tlog.VerifyReceipt(*p.LogReceipt, logKey, nil); err != nil {
		return fmt.Errorf("log: %w", err)
	}
	ev, err := accord.DecodeLogEntry([]byte(p.LogReceipt.Entry), false)
	if err != nil {
		return fmt.Errorf("log entry: %w", err)
	}
	c, ok := ev.Value.(*accord.ConsentEventContent)
	if !ok || ev.Type != accord.LogConsentEvent || ev.Record != p.Event.ID {
		return errors.New("log entry: not the consent.event entry of this event")
	}
	if c.Commitment != p.Commitment {
		return errors.New("log entry: its commitment is not the receipt's")
	}
	return nil
}

// ParseReceipts reads one receipt or a JSON array of receipts (an export).
func ParseReceipts(b []byte) ([]accord.ConsentReceipt, error) {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var out []accord.ConsentReceipt
		return out, json.Unmarshal(b, &out)
	}
	var rc accord.ConsentReceipt
	if err := json.Unmarshal(b, &rc); err != nil {
		return nil, err
	}
	return []accord.ConsentReceipt{rc}, nil
}
