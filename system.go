package accord

import (
	"encoding/json"
	"fmt"
	"time"
)

// System is a registry entry: an AI system and the current version of its filing.
type System struct {
	ID       string    `json:"id"`
	Provider string    `json:"provider"` // organization id
	Version  int       `json:"version"`  // current version number, from 1
	Status   string    `json:"status"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
	// Home is the member whose node holds the system, for a foreign one
	// (mirrored from that member's log, read-only here); empty for this
	// node's own.
	Home string `json:"home,omitempty"`
}

// ETag is the entity tag of the system's current version, for If-Match.
func (s System) ETag() string { return SystemETag(s.ID, s.Version) }

// SystemETag formats the entity tag of one version of a system.
func SystemETag(id string, version int) string { return fmt.Sprintf(`"%s.v%d"`, id, version) }

// Version events.
const (
	EventFiled     = "filed"
	EventUpdated   = "updated"
	EventWithdrawn = "withdrawn"
)

// SystemVersion is one version of a filing. Versions are never changed or
// deleted; an update or a withdrawal adds a version.
type SystemVersion struct {
	SystemID string    `json:"system_id"`
	Version  int       `json:"version"`
	Event    string    `json:"event"` // filed, updated or withdrawn
	Filing   Filing    `json:"filing"`
	Reason   string    `json:"reason,omitempty"` // why it was withdrawn
	Time     time.Time `json:"time"`
	By       string    `json:"by"` // organization id (or "admin") that made the change
	// LogIndex is the index of this version's entry in the node's log.
	LogIndex int64 `json:"log_index"`
	// Salts holds the private salt of each confidential field's commitment,
	// and under "classification" that of the classification entry's
	// commitment to ClassificationFull. It is never served to the public;
	// deleting a salt makes the public commitment meaningless.
	Salts map[string][]byte `json:"-"`
	// Classification is what the log holds of the classification made when
	// the version was filed: the packs by id, version and hash, and each
	// one's outcome (tier, fired rules, missing facts, obligations). The full
	// result is recomputed on demand: it is a pure function of the filing,
	// the packs and the date.
	Classification json.RawMessage `json:"classification,omitempty"`
	// ClassificationIndex is the log index of the classification's entry.
	ClassificationIndex int64 `json:"classification_index,omitempty"`
	// ClassificationFull is, when the filing withholds inputs the rules
	// read (confidential facts or lists), the same content for the
	// classification of the whole filing: Classification is then computed
	// without them, and the log entry commits to this. Private like the
	// confidential fields (see registry and docs/CONFIDENTIALITY.md).
	ClassificationFull json.RawMessage `json:"classification_full,omitempty"`
}

// SystemSummary is a search hit: enough to list a system.
type SystemSummary struct {
	ID                  string   `json:"id"`
	Provider            string   `json:"provider"`
	ProviderName        Text     `json:"provider_name"`
	Version             int      `json:"version"`
	Status              string   `json:"status"`
	TradeName           Text     `json:"trade_name"`
	IntendedPurpose     Text     `json:"intended_purpose"`
	Domains             []string `json:"domains"`
	DeploymentCountries []string `json:"deployment_countries"`
	// Kind is "system" or "model" (empty in summaries stored before kinds).
	Kind string `json:"kind,omitempty"`
	// Level is the system's place on the common baseline scale (unacceptable,
	// high, limited, minimal, undetermined or not_applicable); Tiers gives
	// each applicable framework's tier by pack id.
	Level   string            `json:"level,omitempty"`
	Tiers   map[string]string `json:"tiers,omitempty"`
	Updated time.Time         `json:"updated"`
	// Home is the member whose node holds the system: a peer's name for a
	// foreign system (stored with it); this node's member name for its own
	// (filled in by the registry when read).
	Home string `json:"home,omitempty"`
}

// SystemQuery selects systems: full text plus filters, newest first, with a cursor.
type SystemQuery struct {
	Q        string // full text in any language
	Country  string
	Domain   string // a domain code or an area ("employment")
	Provider string
	Status   string
	// Framework selects systems a rule pack applies to (its id, e.g. eu-ai-act);
	// Tier selects by risk tier: with Framework, that pack's tier id; alone, a
	// level of the common baseline scale (unacceptable, high, limited, minimal).
	Framework string
	Tier      string
	// Kind selects systems or models ("system", "model"); BuiltOn the
	// systems built on a model, by its registry id.
	Kind    string
	BuiltOn string
	// Node selects the systems a member holds, by its name: a peer's
	// (foreign systems) or, with Local, this node's own.
	Node   string
	Local  bool
	Cursor string // opaque, from a previous page
	Limit  int
}

// Facets returns the facet values a system must have to match the query's
// filters. Stores index SearchDoc.Facets and match these exactly.
func (q SystemQuery) Facets() []string {
	var out []string
	for _, f := range [][2]string{{"country", q.Country}, {"domain", q.Domain}, {"provider", q.Provider}, {"status", q.Status}, {"kind", q.Kind}, {"built_on", q.BuiltOn}} {
		if f[1] != "" {
			out = append(out, Facet(f[0], f[1]))
		}
	}
	switch {
	case q.Local:
		out = append(out, NodeFacet(""))
	case q.Node != "":
		out = append(out, NodeFacet(q.Node))
	}
	switch {
	case q.Framework != "" && q.Tier != "":
		out = append(out, Facet("tier", q.Framework+"/"+q.Tier))
	case q.Framework != "":
		out = append(out, Facet("framework", q.Framework))
	case q.Tier != "":
		out = append(out, Facet("level", q.Tier))
	}
	return out
}

// SystemPage is one page of search results.
type SystemPage struct {
	Systems []SystemSummary `json:"systems"`
	Next    string          `json:"next,omitempty"` // cursor of the next page, empty at the end
}

// Token is an API credential. Only its hash is stored; the secret is shown once.
type Token struct {
	ID      string     `json:"id"`
	Org     string     `json:"org"` // organization id; empty for the node's admin token
	Label   string     `json:"label,omitempty"`
	Admin   bool       `json:"admin,omitempty"`
	Created time.Time  `json:"created"`
	Revoked *time.Time `json:"revoked,omitempty"`
}

// Idempotency remembers the outcome of a create request by its Idempotency-Key,
// so that a retried request returns the first result and never files twice.
type Idempotency struct {
	Org         string
	Key         string
	RequestHash []byte
	Resource    string // e.g. the system id created
	Version     int
	Created     time.Time
}

// LogEvent is the content of one log entry. The entry's bytes are the RFC 8785
// canonical JSON of the event, so any client can recompute its hash.
type LogEvent struct {
	Type    string          `json:"type"`    // e.g. system.filed
	Record  string          `json:"record"`  // id of the record (system, organization…)
	Version int             `json:"version"` // record version the event produced
	Time    string          `json:"time"`    // RFC 3339, UTC, millisecond precision
	Org     string          `json:"org"`     // acting organization, or "admin"
	Content json.RawMessage `json:"content"` // the public content of the record
	// Commitments maps each confidential field to hex(SHA-256(salt || canonical JSON of its value)).
	Commitments map[string]string `json:"commitments,omitempty"`
	// Token is the id of the API token that authorised the write, so that
	// anyone can check that no write of a token follows its token.revoked
	// entry. Entries written before it was added, and the node's own
	// writes (its admin token's creation, a demo load), have none.
	Token string `json:"token,omitempty"`
}

// Log event types.
const (
	LogOrganizationRegistered = "organization.registered"
	LogTokenIssued            = "token.issued"
	LogTokenRevoked           = "token.revoked"
	LogSystemFiled            = "system.filed"
	LogSystemUpdated          = "system.updated"
	LogSystemWithdrawn        = "system.withdrawn"
	LogSystemClassified       = "system.classified"
)

// LogTime formats a time as log events carry it.
func LogTime(t time.Time) string { return t.UTC().Format(logTimeLayout) }

const logTimeLayout = "2006-01-02T15:04:05.000Z"

// Stores keep a version as two values: its JSON (Salts, being private, are
// not in it) and the JSON of its salts, empty when it has none.

// EncodeStoredVersion gives the two stored values of a version.
func EncodeStoredVersion(v SystemVersion) (data, salts []byte, err error) {
	if data, err = json.Marshal(v); err != nil {
		return nil, nil, err
	}
	if len(v.Salts) > 0 {
		if salts, err = json.Marshal(v.Salts); err != nil {
			return nil, nil, err
		}
	}
	return data, salts, nil
}

// DecodeStoredVersion reads a version back from its two stored values.
func DecodeStoredVersion(data, salts []byte) (*SystemVersion, error) {
	var v SystemVersion
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("decode stored system version: %w", err)
	}
	if len(salts) > 0 {
		if err := json.Unmarshal(salts, &v.Salts); err != nil {
			return nil, fmt.Errorf("decode stored salts: %w", err)
		}
	}
	return &v, nil
}
