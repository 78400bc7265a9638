package accord

import (
	"encoding/base64"
	"strconv"
	"time"
	"unicode/utf8"
)

// RFC 8785 canonical JSON of consent's events and receipts, written
// directly: every event is canonicalised twice and its receipt once on the
// write path, and a generic canonicaliser (encoding/json then a JCS parser)
// cost a quarter of an event's time. The keys below are in RFC 8785 order
// (UTF-16 code units: for these ASCII keys, byte order). TestConsentJCS
// checks the output equals Canonical's, byte for byte.

type jcsWriter struct {
	b     []byte
	first bool
}

func (w *jcsWriter) open()  { w.b = append(w.b, '{'); w.first = true }
func (w *jcsWriter) close() { w.b = append(w.b, '}'); w.first = false }

func (w *jcsWriter) key(k string) {
	if !w.first {
		w.b = append(w.b, ',')
	}
	w.first = false
	w.b = appendJCSString(w.b, k)
	w.b = append(w.b, ':')
}

func (w *jcsWriter) str(k, v string)       { w.key(k); w.b = appendJCSString(w.b, v) }
func (w *jcsWriter) int(k string, v int64) { w.key(k); w.b = strconv.AppendInt(w.b, v, 10) }
func (w *jcsWriter) bool(k string, v bool) { w.key(k); w.b = strconv.AppendBool(w.b, v) }
func (w *jcsWriter) time(k string, t time.Time) {
	w.key(k)
	w.b = append(w.b, '"')
	w.b = t.AppendFormat(w.b, time.RFC3339Nano)
	w.b = append(w.b, '"')
}

func (w *jcsWriter) strs(k string, vs []string) {
	w.key(k)
	w.b = append(w.b, '[')
	for i, v := range vs {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = appendJCSString(w.b, v)
	}
	w.b = append(w.b, ']')
}

// appendEvent writes an event's canonical JSON (as Canonical would write it).
func (w *jcsWriter) appendEvent(e *ConsentEvent) {
	w.open()
	w.str("action", e.Action)
	if e.ActorOrg != "" {
		w.str("actor_org", e.ActorOrg)
	}
	if e.Age != 0 {
		w.int("age", int64(e.Age))
	}
	if e.ConsentType != "" {
		w.str("consent_type", e.ConsentType)
	}
	if e.Country != "" {
		w.str("country", e.Country)
	}
	if len(e.DataCategories) > 0 {
		w.strs("data_categories", e.DataCategories)
	}
	if e.Domain != "" {
		w.str("domain", e.Domain)
	}
	if e.Expires != nil {
		w.time("expires", *e.Expires)
	}
	w.str("id", e.ID)
	if e.Language != "" {
		w.str("language", e.Language)
	}
	w.str("method", e.Method)
	if e.NoticeVersion != 0 {
		w.int("notice_version", int64(e.NoticeVersion))
	}
	if e.Provider != "" {
		w.str("provider", e.Provider)
	}
	w.str("purpose", e.Purpose)
	if e.PurposeHash != "" {
		w.str("purpose_hash", e.PurposeHash)
	}
	w.str("role", e.Role)
	if e.Separate {
		w.bool("separate", true)
	}
	w.int("seq", e.Seq)
	if e.Signal != "" {
		w.str("signal", e.Signal)
	}
	w.str("subject", e.Subject)
	if e.System != "" {
		w.str("system", e.System)
	}
	w.time("time", e.Time)
	w.close()
}

// canonicalReady reports whether the direct writer gives Canonical's
// output for this event: its strings valid UTF-8 (Canonical would replace
// invalid bytes) and its times within the years RFC 3339 writes.
func (e *ConsentEvent) canonicalReady() bool {
	ok := func(t time.Time) bool { return t.Year() >= 0 && t.Year() <= 9999 }
	return ok(e.Time) && (e.Expires == nil || ok(*e.Expires)) && validUTF8(e.ID, e.Subject, e.Action, e.System, e.Provider, e.Domain,
		e.Purpose, e.PurposeHash, e.Language, e.Method, e.Role, e.ActorOrg, e.ConsentType, e.Country, e.Signal) && validUTF8(e.DataCategories...)
}

// CanonicalReceiptBody is the RFC 8785 JSON a consent receipt's signature
// covers: the receipt without its signature and without its log receipt.
func CanonicalReceiptBody(rc *ConsentReceipt) ([]byte, error) {
	if !rc.Accord.Event.canonicalReady() || !validUTF8(rc.Version, rc.Jurisdiction, rc.CollectionMethod, rc.ConsentReceiptID, rc.PublicKey,
		rc.Language, rc.PiiPrincipalID, rc.PolicyURL, rc.Accord.Action, rc.Accord.Commitment, rc.Accord.Token) || !receiptPartsUTF8(rc) {
		c := *rc
		c.Signature, c.Accord.LogReceipt = "", nil
		return Canonical(c)
	}
	w := &jcsWriter{b: make([]byte, 0, 1536)}
	w.open()
	w.key("accord")
	w.open()
	p := &rc.Accord
	w.str("action", p.Action)
	w.str("commitment", p.Commitment)
	w.key("event")
	w.appendEvent(&p.Event)
	w.int("log_index", p.LogIndex)
	if p.Salt == nil {
		w.key("salt")
		w.b = append(w.b, "null"...)
	} else {
		w.str("salt", base64.StdEncoding.EncodeToString(p.Salt))
	}
	w.str("token", p.Token)
	w.close()
	w.str("collectionMethod", rc.CollectionMethod)
	w.str("consentReceiptID", rc.ConsentReceiptID)
	w.int("consentTimestamp", rc.ConsentTimestamp)
	w.str("jurisdiction", rc.Jurisdiction)
	w.str("language", rc.Language)
	w.key("piiControllers")
	w.b = append(w.b, '[')
	for i, c := range rc.PiiControllers {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.open()
		w.str("contact", c.Contact)
		w.bool("onBehalf", c.OnBehalf)
		w.str("piiController", c.PiiController)
		w.close()
	}
	w.b = append(w.b, ']')
	w.str("piiPrincipalId", rc.PiiPrincipalID)
	w.str("policyUrl", rc.PolicyURL)
	w.str("publicKey", rc.PublicKey)
	w.bool("sensitive", rc.Sensitive)
	w.key("services")
	w.b = append(w.b, '[')
	for i, s := range rc.Services {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.open()
		w.key("purposes")
		w.b = append(w.b, '[')
		for j, p := range s.Purposes {
			if j > 0 {
				w.b = append(w.b, ',')
			}
			w.open()
			w.str("consentType", p.ConsentType)
			w.strsOrNull("piiCategory", p.PiiCategory)
			w.bool("primaryPurpose", p.PrimaryPurpose)
			w.str("purpose", p.Purpose)
			w.strsOrNull("purposeCategory", p.PurposeCategory)
			w.str("termination", p.Termination)
			w.bool("thirdPartyDisclosure", p.ThirdPartyDisclosure)
			if p.ThirdPartyName != "" {
				w.str("thirdPartyName", p.ThirdPartyName)
			}
			w.close()
		}
		w.b = append(w.b, ']')
		w.str("service", s.Service)
		w.close()
	}
	w.b = append(w.b, ']')
	w.strsOrNull("spiCat", rc.SpiCat)
	w.str("version", rc.Version)
	w.close()
	return w.b, nil
}

// strsOrNull writes a slice as encoding/json does: nil is null.
func (w *jcsWriter) strsOrNull(k string, vs []string) {
	if vs == nil {
		w.key(k)
		w.b = append(w.b, "null"...)
		return
	}
	w.strs(k, vs)
}

func validUTF8(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

func receiptPartsUTF8(rc *ConsentReceipt) bool {
	for _, c := range rc.PiiControllers {
		if !validUTF8(c.Contact, c.PiiController) {
			return false
		}
	}
	for _, s := range rc.Services {
		if !validUTF8(s.Service) {
			return false
		}
		for _, p := range s.Purposes {
			if !validUTF8(p.ConsentType, p.Purpose, p.Termination, p.ThirdPartyName) || !validUTF8(p.PiiCategory...) || !validUTF8(p.PurposeCategory...) {
				return false
			}
		}
	}
	return validUTF8(rc.SpiCat...)
}
