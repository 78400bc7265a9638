package accord

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// Store is a node's database: the registry's records and, in the same
// database, its verifiable log (entries, Merkle hashes, signed checkpoints).
// Every write goes through Update, so a record and its log entry commit
// together or not at all. Implementations: package sqlite (the default) and
// package postgres; package storetest checks that both behave the same.
type Store interface {
	// View runs fn in a read-only transaction that sees one consistent snapshot.
	View(ctx context.Context, fn func(ReadTx) error) error
	// Update runs fn in a read-write transaction and commits if fn returns nil.
	// The commit is durable when Update returns nil.
	Update(ctx context.Context, fn func(WriteTx) error) error
	Close() error
}

// SyncedStore is a store that can commit without waiting for durability and
// make every commit so far durable later. The log's sequencer uses it to
// overlap one batch's flush to disk with the next batch's work (pipelined
// group commit); it still answers no write before Sync has covered it.
// Update on such a store is UpdateDeferred followed by Sync. Its read
// transactions may see commits not yet durable, but their Checkpoint and
// Checkpoints show only checkpoints a Sync made durable: the log never
// shows the public a checkpoint that a power cut could take back.
type SyncedStore interface {
	Store
	// UpdateDeferred is Update, except that the commit may not be durable
	// when it returns: a crash of the machine (not only of the process) may
	// lose it until a later Sync returns.
	UpdateDeferred(ctx context.Context, fn func(WriteTx) error) error
	// Sync makes every commit that returned before it was called durable.
	Sync(ctx context.Context) error
}

// ReadTx reads a consistent snapshot. Missing records give an *Error with ENotFound.
type ReadTx interface {
	FederationReadTx
	MirrorReadTx
	// governance reads
	GovernanceReadTx

	// consent reads
	ConsentReadTx

	// incidents reads
	IncidentReadTx

	// resources reads
	ResourceReadTx

	Meta(ctx context.Context, key string) ([]byte, error)

	Organization(ctx context.Context, id string) (*Organization, error)
	Organizations(ctx context.Context, q OrganizationQuery) (*OrganizationPage, error)
	TokenByHash(ctx context.Context, hash []byte) (*Token, error)
	// Token reads a token by its id: every write re-reads its caller's
	// token inside the log's transaction, so one revoked an instant earlier
	// authorises nothing more.
	Token(ctx context.Context, id string) (*Token, error)
	Tokens(ctx context.Context, org string) ([]Token, error)
	SessionReader

	System(ctx context.Context, id string) (*System, error)
	SystemVersion(ctx context.Context, id string, version int) (*SystemVersion, error)
	SystemVersions(ctx context.Context, id string) ([]SystemVersion, error)
	SearchSystems(ctx context.Context, q SystemQuery) (*SystemPage, error)
	// FacetCounts counts, among the systems matching q (its cursor and limit
	// ignored), how many have each value of the named facets: for names
	// ["country"] it may return {"country:FR": 12, "country:CN": 7}.
	FacetCounts(ctx context.Context, q SystemQuery, names []string) (map[string]int, error)
	Idempotency(ctx context.Context, org, key string) (*Idempotency, error)
	// Heads returns up to limit systems, newest first after the cursor,
	// each as stored: its summary and its current (latest) version. Readers
	// that go through the whole registry, like re-classification after a
	// rule change, use it to read in one query what SearchSystems and
	// SystemVersion read in many, and to decode only what they need.
	Heads(ctx context.Context, cursor string, limit int) (*HeadPage, error)

	// LogSize is the number of entries in the log (0 for an empty log).
	LogSize(ctx context.Context) (int64, error)
	// Checkpoint returns the latest signed checkpoint, or nil if none was signed yet.
	Checkpoint(ctx context.Context) ([]byte, error)
	// Checkpoints returns the signed checkpoints with size in [from, to), oldest first.
	Checkpoints(ctx context.Context, from, to int64) ([][]byte, error)
	// ReadHashes returns the stored Merkle hashes at the given stored-hash indexes
	// (see tlog.StoredHashIndex), in the same order.
	ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
	// ReadEntries returns the entries with index in [start, end).
	ReadEntries(ctx context.Context, start, end int64) ([][]byte, error)
}

// WriteTx is a read-write transaction.
type WriteTx interface {
	ReadTx
	FederationWriteTx
	MirrorWriteTx
	// governance writes
	GovernanceWriteTx

	// consent writes
	ConsentWriteTx

	// incidents writes
	IncidentWriteTx

	// resources writes
	ResourceWriteTx

	// Savepoint runs fn; if fn fails, everything fn wrote is undone and the
	// transaction goes on. The log sequencer runs each batched write in one.
	Savepoint(ctx context.Context, fn func() error) error
	// LockLog makes this transaction the log's only writer until it ends. Stores
	// shared by several nodes take a lock; an embedded store is single-writer anyway.
	LockLog(ctx context.Context) error

	SetMeta(ctx context.Context, key string, value []byte) error

	CreateOrganization(ctx context.Context, o Organization) error
	CreateToken(ctx context.Context, t Token, hash []byte) error
	// RevokeToken marks a token revoked and deletes the sessions opened with it.
	RevokeToken(ctx context.Context, id string, at time.Time) error
	SessionWriter

	// PutSystem inserts or replaces a system's head row, its public summary
	// and its search document. The summary's Level and Tiers are those of
	// the document's classification facets (ClassFacets): a store may keep
	// them only once.
	PutSystem(ctx context.Context, s System, summary SystemSummary, doc SearchDoc) error
	// SetClassification records a system's new classification outcome: its
	// classification facets change, and so its summary's Level and Tiers
	// (ClassOutcome of the facets). Its search text and other facets stay.
	// It applies only while r.Version is the system's current version (a
	// new version was classified when it was filed) and reports whether it
	// did. Re-classification after a rule change calls it for every system
	// whose outcome changed.
	SetClassification(ctx context.Context, r Reclassification) (bool, error)
	// AddSystemVersion stores a new version; an existing (id, version) is EConflict.
	AddSystemVersion(ctx context.Context, v SystemVersion) error
	PutIdempotency(ctx context.Context, i Idempotency) error

	// AppendLog stores entries at indexes start, start+1, … and the Merkle
	// hashes at stored-hash indexes hashStart, hashStart+1, …
	AppendLog(ctx context.Context, start int64, entries [][]byte, hashStart int64, hashes []tlog.Hash) error
	// PutCheckpoint records a signed checkpoint of the given tree size as the latest.
	PutCheckpoint(ctx context.Context, size int64, note []byte) error
}

// OrganizationQuery selects organizations.
type OrganizationQuery struct {
	Kind    string
	Country string
	Cursor  string
	Limit   int
}

// OrganizationPage is one page of organizations.
type OrganizationPage struct {
	Organizations []Organization `json:"organizations"`
	Next          string         `json:"next,omitempty"`
}

// SearchDoc is what a store indexes for one system: the normalised text of
// every public text field in every language (see SearchText) and facet
// values such as "country:FR" that filters match exactly.
type SearchDoc struct {
	Text   string
	Facets []string
}

// Reclassification is a system's new classification outcome.
type Reclassification struct {
	ID string
	// Version is the version classified: the outcome applies only while it
	// is the system's current version (a later one was classified when it
	// was filed).
	Version int
	// Remove and Add are the classification facets that go and come.
	Remove, Add []string
}

// Check refuses a facet to remove or add that is not a classification
// facet: a re-classification changes no other.
func (r Reclassification) Check() error {
	for _, f := range append(slices.Clip(r.Remove), r.Add...) {
		if !IsClassificationFacet(f) {
			return fmt.Errorf("set classification of %s: %q is not a classification facet", r.ID, f)
		}
	}
	return nil
}

// StoredHead is a system as stored, for a reader that classifies it again.
type StoredHead struct {
	ID      string
	Version int      // its current (latest) version, the one in Current
	Class   []string // its classification facets (see ClassFacets), sorted
	Current []byte   // JSON of its current SystemVersion (confidential fields included; salts are not)
}

// HeadPage is one page of Heads.
type HeadPage struct {
	Heads []StoredHead
	Next  string // cursor of the next page; empty on the last
}

// Facet formats a facet value.
func Facet(name, value string) string { return name + ":" + value }

// ClassFacets are the search facets of a classification outcome: its level
// on the baseline scale, and each applicable framework and its tier, sorted.
// A system never classified has none.
func ClassFacets(level string, tiers map[string]string) []string {
	if level == "" {
		return nil
	}
	out := []string{Facet("level", level)}
	for p, t := range tiers {
		out = append(out, Facet("framework", p), Facet("tier", p+"/"+t))
	}
	slices.Sort(out)
	return out
}

// ClassFacetsAmong picks the classification facets out of a system's
// facets, sorted.
func ClassFacetsAmong(facets []string) []string {
	var out []string
	for _, f := range facets {
		if IsClassificationFacet(f) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

// ClassOutcome reads a classification outcome back from a system's facets
// (others are ignored): the inverse of ClassFacets.
func ClassOutcome(facets []string) (level string, tiers map[string]string) {
	for _, f := range facets {
		if v, ok := strings.CutPrefix(f, "level:"); ok {
			level = v
		} else if v, ok := strings.CutPrefix(f, "tier:"); ok {
			if p, t, ok := strings.Cut(v, "/"); ok {
				if tiers == nil {
					tiers = map[string]string{}
				}
				tiers[p] = t
			}
		}
	}
	return level, tiers
}

// IsClassificationFacet reports facets that come from a system's
// classification (level, tier, framework) rather than from its filing. A
// rule change rewrites them for many systems at once, so stores keep them
// apart from the full-text document where they can.
func IsClassificationFacet(f string) bool {
	return strings.HasPrefix(f, "level:") || strings.HasPrefix(f, "tier:") || strings.HasPrefix(f, "framework:")
}
