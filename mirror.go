package accord

import (
	"context"
	"time"
)

// Mirroring: a node follows each active peer's log (C2SP tlog-tiles),
// verifies every entry against the peer's signed checkpoints before it
// stores anything, keeps the log as tiles (so that it can serve it again,
// C2SP tlog-mirror style) and decodes its records into read-only foreign
// records, searchable with the node's own. This file holds the types and
// the store methods of mirroring (MirrorReadTx, MirrorWriteTx, embedded in
// ReadTx and WriteTx).

// MirrorState is what a node holds of one peer's log. Entries [0, Size)
// are stored, as entry bundles and hash tiles, and every one of them was
// verified to be in a tree the peer signed: the first Size entries of
// Pending's tree (or Checkpoint's, when nothing is pending).
type MirrorState struct {
	Origin string
	// Size is the number of entries stored.
	Size int64
	// Checkpoint is the latest checkpoint of the peer mirrored in full
	// (its size ≤ Size), the signed note verbatim; nil before the first.
	Checkpoint []byte
	// Pending is the checkpoint a catch-up in bounded chunks is verifying
	// against, while Size is still below its size; nil otherwise.
	Pending []byte
	// Indexed is how many of the entries were decoded into foreign records.
	Indexed int64
	Updated time.Time
}

// MirrorTile is a stored tile of a mirrored log: a hash tile (Level ≥ 0,
// C2SP tlog-tiles height 8) or an entry bundle (Level -1), Width hashes or
// entries wide (256 when full), Data as tlog-tiles serves it.
type MirrorTile struct {
	Level int
	N     int64
	Width int
	Data  []byte
}

// MirrorReadTx reads what a node mirrors.
type MirrorReadTx interface {
	// MirrorState returns the state of one mirrored log; ENotFound if none.
	MirrorState(ctx context.Context, origin string) (*MirrorState, error)
	// MirrorStates lists every mirrored log's state, by origin.
	MirrorStates(ctx context.Context) ([]MirrorState, error)
	// MirrorTiles returns a log's stored tiles at one level (-1: entry
	// bundles) with N in [from, to), in order; missing ones are left out.
	MirrorTiles(ctx context.Context, origin string, level int, from, to int64) ([]MirrorTile, error)
}

// MirrorWriteTx changes what a node mirrors.
type MirrorWriteTx interface {
	// AdvanceMirror stores tiles (replacing stored ones at the same level
	// and N) and replaces the log's state with next (but its Indexed, which
	// only SetMirrorIndexed moves; a new log starts at 0), if the stored
	// size is still old (no state counts as size 0). Otherwise nothing
	// changes and the error is EConflict: another pass advanced the log.
	AdvanceMirror(ctx context.Context, old int64, next MirrorState, tiles []MirrorTile) error
	// SetMirrorIndexed records that a log's entries [0, indexed) were
	// decoded into records, if the stored count is still old; EConflict
	// otherwise, and ENotFound for a log not mirrored.
	SetMirrorIndexed(ctx context.Context, origin string, old, indexed int64) error
}

// HomeNode is the member node that holds a foreign record: the mirror shows
// where it was filed, and the key that proves it.
type HomeNode struct {
	Member string `json:"member"`
	URL    string `json:"url"`
	Origin string `json:"origin"`
	LogKey string `json:"log_key"`
}

// Foreign reports a record held by another member: its home is that
// member's name; records of this node have none.
func Foreign(home string) bool { return home != "" }

// NodeFacet is the search facet of a system's home: "node:" and the
// member's name for a foreign system, "node:" alone for this node's own
// (member names are never empty, and this node's may change).
func NodeFacet(home string) string { return Facet("node", home) }

// MirrorStatus is how mirroring one peer goes (GET /v1/mirrors, the
// members page): what is stored and verified, and the last problem met.
type MirrorStatus struct {
	Peer   string    `json:"peer"`
	Origin string    `json:"origin"`
	State  PeerState `json:"state"` // the peer's; only active peers are followed
	// Size is the number of the peer's entries stored, every one verified;
	// Indexed how many were decoded into records.
	Size    int64 `json:"size"`
	Indexed int64 `json:"indexed"`
	// Checkpoint is the peer's latest checkpoint mirrored in full (signed
	// note), of CheckpointSize entries; Target the size of the checkpoint a
	// catch-up is working towards, when one is.
	Checkpoint     string `json:"checkpoint,omitempty"`
	CheckpointSize int64  `json:"checkpoint_size"`
	Target         int64  `json:"target,omitempty"`
	// Cosignatures counts the members' witnesses (ours among them) whose
	// valid cosignature the mirrored checkpoint carries.
	Cosignatures int        `json:"cosignatures"`
	Updated      *time.Time `json:"updated,omitempty"`      // when the mirror last advanced
	LastAttempt  *time.Time `json:"last_attempt,omitempty"` // when it last asked the peer
	// Source is where the last pass read the log: its home's /log, or
	// another member's mirror of it while the home was unreachable.
	Source string `json:"source,omitempty"`
	// Error is the last pass's failure (cleared by a success), Failures the
	// failures in a row and NextAttempt when the next try is due.
	Error       string     `json:"error,omitempty"`
	Failures    int        `json:"failures,omitempty"`
	NextAttempt *time.Time `json:"next_attempt,omitempty"`
	// Skipped lists recent entries whose records could not be decoded
	// (verified and kept all the same), with why.
	Skipped []string `json:"skipped,omitempty"`
}
