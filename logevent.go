package accord

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/gowebpki/jcs"
)

// Decoding log entries. Every entry type has one decoder, which the audit
// (package tlog) and the mirror (package federation) share: what one node
// logs, another decodes the same way. Entries of a type this node does not
// know are well-formed events all the same; their content is not decoded.

// SystemContent is the content of a system.filed, system.updated or
// system.withdrawn entry: the provider and the public filing (confidential
// fields left out; their commitments are in the entry's Commitments).
type SystemContent struct {
	Provider string `json:"provider"`
	Filing   Filing `json:"filing"`
	Reason   string `json:"reason,omitempty"` // why it was withdrawn
}

// ClassifiedContent is the part of a system.classified entry's content that
// is checked when decoding: the packs by id, version and hash, and the
// summary level. The whole content is kept as the home node logged it.
type ClassifiedContent struct {
	AsOf  string `json:"as_of"`
	Level string `json:"level"`
	Packs []struct {
		ID      string `json:"id"`
		Version string `json:"version"`
		Hash    string `json:"hash"`
	} `json:"packs"`
	Frameworks []struct {
		Pack       string `json:"pack"`
		Applicable string `json:"applicable"`
		Tier       string `json:"tier"`
	} `json:"frameworks"`
}

// DecodedEvent is a log entry decoded: the event and, for a known type, its
// content as one of *Organization, *Token, *SystemContent,
// *ClassifiedContent, *PeerEvent or *WitnessEvent (nil for a type this
// node does not know).
type DecodedEvent struct {
	LogEvent
	Value any
}

// MaxLogEntry is the largest entry a C2SP entry bundle can carry.
const MaxLogEntry = 1<<16 - 1

// DecodeLogEvent decodes a log entry's envelope: a JSON object with exactly
// the fields of a LogEvent, a type, a record and a time. It does not decode
// the content (DecodeLogEntry does).
func DecodeLogEvent(entry []byte) (LogEvent, error) {
	var ev LogEvent
	if len(entry) > MaxLogEntry {
		return ev, fmt.Errorf("entry of %d bytes is over the limit of %d", len(entry), MaxLogEntry)
	}
	if len(entry) == 0 || entry[0] != '{' {
		return ev, errors.New("not an Accord log event: not a JSON object")
	}
	// JSON v2: one pass, exact member names, no duplicates, valid UTF-8,
	// nothing after the object. It is what lets a mirror check every
	// entry of a peer's log at the speed it can store them.
	if err := jsonv2.Unmarshal(entry, &ev, jsonv2.RejectUnknownMembers(true)); err != nil {
		return ev, fmt.Errorf("not an Accord log event: %v", err)
	}
	switch {
	case ev.Type == "" || ev.Record == "" || ev.Time == "":
		return ev, errors.New("event lacks type, record or time")
	case len(ev.Content) == 0 || string(ev.Content) == "null":
		return ev, errors.New("event lacks content")
	case !validToken(ev.Type, 64) || !validToken(ev.Record, 128):
		return ev, fmt.Errorf("event type %q or record %q is not a short name", ev.Type, ev.Record)
	}
	if _, err := parseLogTime(ev.Time); err != nil {
		return ev, err
	}
	return ev, nil
}

// DecodeLogEntry decodes an entry and, for a known type, its content, and
// checks both: the envelope (DecodeLogEvent), the content's fields, and the
// record it describes as this node would validate it. canonical also
// checks that the entry is in RFC 8785 canonical form, as Accord writes
// it (the audit does; a mirror, which proves every byte by its hash, need
// not pay for it).
func DecodeLogEntry(entry []byte, canonical bool) (*DecodedEvent, error) {
	ev, err := DecodeLogEvent(entry)
	if err != nil {
		return nil, err
	}
	if canonical {
		c, err := jcs.Transform(entry)
		if err != nil || !bytes.Equal(c, entry) {
			return nil, errors.New("not in RFC 8785 canonical form")
		}
	}
	d := &DecodedEvent{LogEvent: ev}
	decode, ok := logDecoders[ev.Type]
	if !ok {
		return d, nil
	}
	if d.Value, err = decode(&ev); err != nil {
		return nil, fmt.Errorf("%s %s: %w", ev.Type, ev.Record, err)
	}
	return d, nil
}

// logDecoders decode the content of each known entry type.
var logDecoders = map[string]func(*LogEvent) (any, error){
	LogOrganizationRegistered: decodeOrganization,
	LogTokenIssued:            decodeToken,
	LogTokenRevoked:           decodeToken,
	LogSystemFiled:            decodeSystem,
	LogSystemUpdated:          decodeSystem,
	LogSystemWithdrawn:        decodeSystem,
	LogSystemClassified:       decodeClassified,
	LogPeerAdded:              decodePeer,
	LogPeerStateChanged:       decodePeer,
	LogPeerRetired:            decodePeer,
	LogWitnessAdded:           decodeWitness,
	LogWitnessRemoved:         decodeWitness,
}

// registerLogDecoder adds the decoder of a capability's entry type; each
// capability's root file (governance.go, consent.go, …) registers its own
// types in an init function, so the table above stays the registry's.
// Registering a type twice is a programming error caught at start.
func registerLogDecoder(typ string, decode func(*LogEvent) (any, error)) {
	if _, dup := logDecoders[typ]; dup || !validToken(typ, 64) {
		panic("log entry type registered twice or not a short name: " + typ)
	}
	logDecoders[typ] = decode
}

// KnownLogType reports whether entries of this type have a decoder.
func KnownLogType(typ string) bool { _, ok := logDecoders[typ]; return ok }

func content[T any](ev *LogEvent) (*T, error) {
	var v T
	if err := json.Unmarshal(ev.Content, &v); err != nil {
		return nil, fmt.Errorf("content: %v", err)
	}
	return &v, nil
}

func decodeOrganization(ev *LogEvent) (any, error) {
	o, err := content[Organization](ev)
	if err != nil {
		return nil, err
	}
	if o.ID != ev.Record || ev.Version != 1 {
		return nil, fmt.Errorf("content is organization %q version %d, not the entry's record", o.ID, ev.Version)
	}
	if o.Home != "" {
		return nil, errors.New("content names a home: an organization is logged by its own node")
	}
	n, err := NewOrganization{Name: o.Name, Kind: o.Kind, Country: o.Country, Contact: o.Contact}.Normalize()
	if err != nil {
		return nil, err
	}
	o.Name, o.Contact = n.Name, n.Contact
	return o, nil
}

func decodeToken(ev *LogEvent) (any, error) {
	t, err := content[Token](ev)
	if err != nil {
		return nil, err
	}
	if t.ID != ev.Record {
		return nil, fmt.Errorf("content is token %q, not the entry's record", t.ID)
	}
	return t, nil
}

func decodeSystem(ev *LogEvent) (any, error) {
	s, err := content[SystemContent](ev)
	if err != nil {
		return nil, err
	}
	var p Problems
	switch {
	case !validToken(s.Provider, 128):
		p.Add("provider", "%q is not an organization id", s.Provider)
	case ev.Version < 1 || (ev.Type == LogSystemFiled) != (ev.Version == 1):
		p.Add("version", "%d does not fit a %s entry", ev.Version, ev.Type)
	case (ev.Type == LogSystemWithdrawn) != (s.Filing.Status == "withdrawn"):
		p.Add("filing.status", "%q does not fit a %s entry", s.Filing.Status, ev.Type)
	case ev.Type == LogSystemWithdrawn && strings.TrimSpace(s.Reason) == "":
		p.Add("reason", "is required in a withdrawal")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	// A withdrawal keeps the last filing with the status withdrawn, which
	// no filing may set itself: check the rest as a filing.
	f := s.Filing
	if ev.Type == LogSystemWithdrawn {
		f.Status = "discontinued"
	}
	n, err := f.Normalize()
	if err != nil {
		return nil, fmt.Errorf("filing: %w", err)
	}
	n.Status = s.Filing.Status
	s.Filing = n
	return s, nil
}

func decodeClassified(ev *LogEvent) (any, error) {
	c, err := content[ClassifiedContent](ev)
	if err != nil {
		return nil, err
	}
	if ev.Version < 1 || c.Level == "" || len(c.Packs) != len(c.Frameworks) {
		return nil, errors.New("content is not a classification (level, and one framework per pack)")
	}
	for i, p := range c.Packs {
		if p.ID == "" || p.Hash == "" || c.Frameworks[i].Pack != p.ID {
			return nil, fmt.Errorf("pack %d lacks an id or hash, or differs from its framework", i)
		}
	}
	return c, nil
}

func decodePeer(ev *LogEvent) (any, error) {
	p, err := content[PeerEvent](ev)
	if err != nil {
		return nil, err
	}
	if p.V != 1 || p.Name != ev.Record || p.Origin == "" || !p.State.Valid() {
		return nil, fmt.Errorf("content is not a version 1 event of peer %q with an origin and a state", ev.Record)
	}
	return p, nil
}

func decodeWitness(ev *LogEvent) (any, error) {
	w, err := content[WitnessEvent](ev)
	if err != nil {
		return nil, err
	}
	if w.V != 1 || w.Name != ev.Record {
		return nil, fmt.Errorf("content is not a version 1 event of witness %q", ev.Record)
	}
	return w, nil
}

// validToken checks an identifier carried in an event: printable, without
// spaces, at most max bytes.
func validToken(s string, max int) bool {
	if s == "" || len(s) > max || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return false
		}
	}
	return true
}

// ParseLogTime reads a time as log events carry it (LogTime).
func ParseLogTime(s string) (time.Time, error) { return parseLogTime(s) }

func parseLogTime(s string) (time.Time, error) {
	t, err := time.Parse(logTimeLayout, s)
	if err != nil || LogTime(t) != s {
		return time.Time{}, fmt.Errorf("event time %q is not UTC with milliseconds (e.g. 2026-01-02T15:04:05.000Z)", s)
	}
	return t, nil
}
