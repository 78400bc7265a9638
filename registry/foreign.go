package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/rules"
)

// Foreign records: organizations and systems another member's node holds,
// decoded from its verified log entries by the mirror (package federation).
// They are stored like this node's records, with their home, so that one
// search finds both, and are never written here otherwise: a foreign record
// changes only when its home's log says so.

// SkipError is a foreign record the mirror cannot store, although its
// entry is verified: its id is taken by another record, or it refers to a
// record its home never logged. The entry stays in the mirror.
type SkipError struct{ Msg string }

func (e *SkipError) Error() string { return e.Msg }

func skip(format string, args ...any) error { return &SkipError{fmt.Sprintf(format, args...)} }

// PutForeignOrganization stores an organization that home's log registered.
func (s *Service) PutForeignOrganization(ctx context.Context, tx accord.WriteTx, home string, o accord.Organization) error {
	o.Home = home
	cur, err := tx.Organization(ctx, o.ID)
	switch {
	case err == nil && cur.Home == home:
		return nil // stored already (decoded again after a restart)
	case err == nil:
		return skip("organization %s: the id is taken by a record of %s", o.ID, holder(cur.Home))
	case accord.ErrorCode(err) != accord.ENotFound:
		return err
	}
	return tx.CreateOrganization(ctx, o)
}

func holder(home string) string {
	if home == "" {
		return "this node"
	}
	return "member " + home
}

// ForeignVersion is one version of a system, as home's log entries hold it.
type ForeignVersion struct {
	Home     string
	Type     string // system.filed, system.updated or system.withdrawn
	ID       string
	Version  int
	Content  accord.SystemContent
	Time     time.Time
	By       string // the acting organization, or "admin"
	LogIndex int64  // the entry's index in home's log
	// Classification is home's system.classified entry for the version, as
	// logged (nil if it logged none), at ClassificationIndex.
	Classification      json.RawMessage
	ClassificationIndex int64
}

// ForeignWrite is a foreign version ready to store: classified by this
// node's packs (the public filing, confidential inputs withheld, as the
// public sees every filing) outside any transaction.
type ForeignWrite struct {
	s  *Service
	v  ForeignVersion
	f  accord.Filing
	cl *classification
}

// PrepareForeignVersion classifies a foreign version under this node's
// packs, so that a regulator here sees it under its own rules.
func (s *Service) PrepareForeignVersion(v ForeignVersion) (*ForeignWrite, error) {
	f, err := PublicFiling(v.Content.Filing) // a home that logged confidential values in clear does not make them public here
	if err != nil {
		return nil, err
	}
	w := &ForeignWrite{s: s, v: v, f: f}
	if len(s.Packs()) > 0 {
		// As of the version's date, as its home classified it.
		w.cl = &classification{result: rules.ClassifyWithheld(f, f.Confidential, s.Packs(), v.Time)}
	}
	return w, nil
}

// Write stores the version, its system's head and search document, in tx.
func (w *ForeignWrite) Write(ctx context.Context, tx accord.WriteTx) error {
	v := w.v
	org, err := tx.Organization(ctx, v.Content.Provider)
	switch {
	case accord.ErrorCode(err) == accord.ENotFound:
		return skip("system %s: its provider %s was never registered in %s's log", v.ID, v.Content.Provider, v.Home)
	case err != nil:
		return err
	case org.Home != v.Home:
		return skip("system %s: its provider %s is a record of %s", v.ID, org.ID, holder(org.Home))
	}
	cur, err := tx.System(ctx, v.ID)
	switch {
	case accord.ErrorCode(err) == accord.ENotFound:
		if v.Version != 1 {
			return skip("system %s version %d: its home's log holds no earlier version", v.ID, v.Version)
		}
		cur = nil
	case err != nil:
		return err
	case cur.Home != v.Home:
		return skip("system %s: the id is taken by a record of %s", v.ID, holder(cur.Home))
	case cur.Version >= v.Version:
		return nil // stored already
	case cur.Version != v.Version-1:
		return skip("system %s version %d: its home's log skipped version %d", v.ID, v.Version, cur.Version+1)
	case cur.Provider != v.Content.Provider:
		return skip("system %s version %d: the provider changed from %s to %s", v.ID, v.Version, cur.Provider, v.Content.Provider)
	case cur.Status == "withdrawn":
		return skip("system %s version %d: it was withdrawn before", v.ID, v.Version)
	}
	event := map[string]string{accord.LogSystemFiled: accord.EventFiled, accord.LogSystemUpdated: accord.EventUpdated, accord.LogSystemWithdrawn: accord.EventWithdrawn}[v.Type]
	sys := accord.System{ID: v.ID, Provider: v.Content.Provider, Version: v.Version, Status: w.f.Status, Created: v.Time, Updated: v.Time, Home: v.Home}
	if cur != nil {
		sys.Created = cur.Created
	}
	sv := accord.SystemVersion{
		SystemID: v.ID, Version: v.Version, Event: event, Filing: w.f, Reason: v.Content.Reason, Time: v.Time, By: v.By,
		LogIndex: v.LogIndex, Classification: v.Classification, ClassificationIndex: v.ClassificationIndex,
	}
	if err := tx.AddSystemVersion(ctx, sv); err != nil {
		return err
	}
	doc := completeDoc(searchDoc(sys.Provider, w.f, w.cl), sys, org)
	sum := summary(sys, org, w.f, w.cl)
	sum.Home = v.Home
	return tx.PutSystem(ctx, sys, sum, doc)
}

// foreignError is the refusal of a write to a foreign record.
func foreignError(kind, id, home string) error {
	return accord.Errorf(accord.EForbidden, "%s %s is held by member %s: it is mirrored here read-only from that member's log; file changes at its home node", kind, id, home)
}
