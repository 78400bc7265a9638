package accord

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// Federation: member nodes witness and cosign each other's logs, so that no
// single operator holds the record. This file holds the types every layer
// shares and the store methods of the capability (FederationReadTx,
// FederationWriteTx, embedded in ReadTx and WriteTx).
//
// Keys have one role each: a node's log key signs its checkpoints, its
// witness key (a C2SP tlog-cosignature cosignature/v1 Ed25519 key) cosigns
// its peers' checkpoints, and neither ever does the other's job.

// NodeIdentity is who a node is, as GET /v1/node and `accord node` show it.
type NodeIdentity struct {
	Member      string `json:"member"`       // the member's name in the federation
	Origin      string `json:"origin"`       // the log's origin (first line of its checkpoints)
	LogKey      string `json:"log_key"`      // note verifier key of the log
	WitnessName string `json:"witness_name"` // the witness key's name, on its cosignature lines
	WitnessKey  string `json:"witness_key"`  // cosignature/v1 verifier key (vkey type 0x04)
	URL         string `json:"url"`          // the node's public base URL
	Software    string `json:"software"`     // accord and its version
}

// PeerState is where a peer is in its lifecycle, after Certificate
// Transparency's log states.
type PeerState string

const (
	// PeerPending: added, not yet trusted for mirroring or counted in the
	// federation's policy; our witness already cosigns its checkpoints so
	// that it can start collecting cosignatures.
	PeerPending PeerState = "pending"
	// PeerActive: a member in good standing: witnessed, mirrored, counted.
	PeerActive PeerState = "active"
	// PeerReadOnly: frozen (by its admin, or after a split view was
	// detected): what was verified stays, nothing new is cosigned.
	PeerReadOnly PeerState = "read-only"
	// PeerRetired is final: a retired origin is never added again, so that
	// our witness can never be led to cosign a second history of it.
	PeerRetired PeerState = "retired"
)

// PeerStates lists the states in lifecycle order.
var PeerStates = []PeerState{PeerPending, PeerActive, PeerReadOnly, PeerRetired}

// Valid reports a known state.
func (s PeerState) Valid() bool {
	for _, v := range PeerStates {
		if s == v {
			return true
		}
	}
	return false
}

// CanMove reports whether a peer may go from state s to state to: a peer
// starts pending, active and read-only move both ways, anything may retire,
// and nothing leaves retired.
func (s PeerState) CanMove(to PeerState) bool {
	return s != PeerRetired && s != to && to.Valid() && to != PeerPending
}

// Witnessed reports whether our witness cosigns checkpoints of a peer in
// this state.
func (s PeerState) Witnessed() bool { return s == PeerPending || s == PeerActive }

// Peer is another member's node: its log (origin and key, pinned by our
// admin) and its witness.
type Peer struct {
	Name       string    `json:"name"`        // the member's name
	URL        string    `json:"url"`         // its public base URL: tiles at URL/log/, witness at URL/witness/
	Origin     string    `json:"origin"`      // its log's origin
	LogKey     string    `json:"log_key"`     // its log's note verifier key (Ed25519)
	WitnessKey string    `json:"witness_key"` // its witness's cosignature/v1 verifier key; "" for a log without a witness
	State      PeerState `json:"state"`
	Version    int       `json:"version"` // 1 when added, +1 at every change (the log event's version)
	Added      time.Time `json:"added"`
	Updated    time.Time `json:"updated"`
}

// ExternalWitness is a witness the operator configured beside the peers'
// (e.g. a stock C2SP witness run by a third party): our checkpoints are
// submitted to it too.
type ExternalWitness struct {
	Name  string    `json:"name"` // the witness key's name
	URL   string    `json:"url"`  // its submission prefix: URL/add-checkpoint
	Key   string    `json:"key"`  // cosignature/v1 verifier key
	Added time.Time `json:"added"`
}

// Log event types of the federation. Their content carries "v": 1.
const (
	LogPeerAdded        = "peer.added"
	LogPeerStateChanged = "peer.state_changed"
	LogPeerRetired      = "peer.retired"
	LogWitnessAdded     = "witness.added"
	LogWitnessRemoved   = "witness.removed"
)

// PeerEvent is the content of a peer.* log entry. peer.added carries every
// field with State pending; peer.state_changed and peer.retired carry Name,
// Origin, From and the new State.
type PeerEvent struct {
	V          int       `json:"v"` // 1
	Name       string    `json:"name"`
	URL        string    `json:"url,omitempty"`
	Origin     string    `json:"origin"`
	LogKey     string    `json:"log_key,omitempty"`
	WitnessKey string    `json:"witness_key,omitempty"`
	State      PeerState `json:"state"`
	From       PeerState `json:"from,omitempty"`
	Reason     string    `json:"reason,omitempty"`
}

// NewPeer is the request to add a peer (POST /v1/peers). Origin defaults to
// the log key's name, as Accord logs are named.
type NewPeer struct {
	Name       string `json:"name"`
	URL        string `json:"url"`
	Origin     string `json:"origin,omitempty"`
	LogKey     string `json:"log_key"`
	WitnessKey string `json:"witness_key,omitempty"`
}

// PeerStateChange is the request to move a peer (POST /v1/peers/{name}/state).
type PeerStateChange struct {
	State  PeerState `json:"state"`
	Reason string    `json:"reason,omitempty"`
}

// PeerChange is the answer to a peer change: the peer as it now is and the
// receipt of the change's log entry.
type PeerChange struct {
	Peer    Peer    `json:"peer"`
	Receipt Receipt `json:"receipt"`
}

// WitnessChange is the answer to adding or removing an external witness.
type WitnessChange struct {
	Witness ExternalWitness `json:"witness"`
	Receipt Receipt         `json:"receipt"`
}

// NewExternalWitness is the request to add an external witness (POST /v1/witnesses).
type NewExternalWitness struct {
	URL string `json:"url"`
	Key string `json:"key"` // its name is the witness's name
}

// WitnessEvent is the content of a witness.added or witness.removed entry
// (removed carries Name only).
type WitnessEvent struct {
	V    int    `json:"v"` // 1
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
	Key  string `json:"key,omitempty"`
}

// WitnessState is what our witness holds for one log: the latest checkpoint
// it cosigned (size and root), as the full signed note with the log's
// signature and our cosignature. Rows of the cosigned history have the same
// shape.
type WitnessState struct {
	Origin     string
	Size       int64
	Root       tlog.Hash
	Checkpoint []byte // signed note: body, the log's signature(s), our cosignature
	Cosigned   time.Time
}

// WitnessConflict is the error AdvanceWitness returns when the stored size
// is not the one the caller expected: C2SP tlog-witness answers 409 with it.
type WitnessConflict struct {
	Origin string
	Size   int64 // the size last cosigned (0 if never)
}

func (e *WitnessConflict) Error() string {
	return fmt.Sprintf("witness: log %s was last cosigned at size %d", e.Origin, e.Size)
}

// Cosignature is one witness's cosignature of one of our checkpoints.
type Cosignature struct {
	Size    int64     // the checkpoint's tree size
	Witness string    // the witness key's name
	Line    string    // the note signature line, "— <name> <base64>\n"
	Time    time.Time // the cosignature's timestamp
}

// Alarm kinds.
const (
	// AlarmFork: two validly signed checkpoints of one log with the same
	// size and different roots.
	AlarmFork = "fork"
	// AlarmInconsistent: two validly signed checkpoints of one log that no
	// consistency proof joins (the smaller is not a prefix of the larger).
	AlarmInconsistent = "inconsistent"
)

// Alarm is evidence that a log showed two views. Evidence is JSON of a
// SplitViewEvidence: self-contained, checkable offline with the log's key.
type Alarm struct {
	ID       string          `json:"id"` // derived from the evidence: the same evidence is one alarm
	Origin   string          `json:"origin"`
	Kind     string          `json:"kind"`
	Evidence json.RawMessage `json:"evidence"`
	Detected time.Time       `json:"detected"`
}

// SplitViewEvidence is what an alarm proves: two checkpoints of one log,
// each signed by its key, that cannot both be true.
type SplitViewEvidence struct {
	Origin string `json:"origin"`
	LogKey string `json:"log_key"` // the key both checkpoints are signed with
	// Checkpoints are the two signed notes, verbatim, smaller size first.
	Checkpoints [2]string `json:"checkpoints"`
	// When the sizes differ, Proof is a consistency proof (base64 hashes)
	// that the larger tree holds, as the root of its first entries (as many
	// as the smaller checkpoint's size), ImpliedRoot, which differs from
	// the smaller checkpoint's root.
	Proof       []string `json:"proof,omitempty"`
	ImpliedRoot string   `json:"implied_root,omitempty"`
	// Source says where each checkpoint was seen (a peer's witness, our own
	// witness, a mirror…), for people; it proves nothing.
	Source [2]string `json:"source,omitempty"`
}

// FederationReadTx reads the federation's state.
type FederationReadTx interface {
	// Peer returns a peer by name; ENotFound if none.
	Peer(ctx context.Context, name string) (*Peer, error)
	// PeerByOrigin returns the peer whose log has this origin; ENotFound if none.
	PeerByOrigin(ctx context.Context, origin string) (*Peer, error)
	// Peers lists every peer, retired ones included, by name.
	Peers(ctx context.Context) ([]Peer, error)
	// ExternalWitnesses lists the operator's external witnesses, by name.
	ExternalWitnesses(ctx context.Context) ([]ExternalWitness, error)

	// WitnessState is the latest checkpoint our witness cosigned for a log;
	// ENotFound if it never cosigned one.
	WitnessState(ctx context.Context, origin string) (*WitnessState, error)
	// WitnessCosigned returns the checkpoints our witness cosigned for a
	// log with size in [from, to), smallest first.
	WitnessCosigned(ctx context.Context, origin string, from, to int64) ([]WitnessState, error)

	// Cosignatures returns the cosignatures collected for our checkpoint of
	// this size, by witness name.
	Cosignatures(ctx context.Context, size int64) ([]Cosignature, error)
	// QuorumSize returns the largest size of our checkpoints cosigned by at
	// least k of the named witnesses, or -1 if none is.
	QuorumSize(ctx context.Context, witnesses []string, k int) (int64, error)

	// Alarms lists alarms, newest first; origin "" lists every log's.
	Alarms(ctx context.Context, origin string) ([]Alarm, error)
}

// FederationWriteTx changes the federation's state.
type FederationWriteTx interface {
	// CreatePeer adds a peer; a taken name or origin (retired ones
	// included) is EConflict.
	CreatePeer(ctx context.Context, p Peer) error
	// UpdatePeer replaces a peer's row (same name and origin); ENotFound if none.
	UpdatePeer(ctx context.Context, p Peer) error
	// PutExternalWitness adds or replaces an external witness.
	PutExternalWitness(ctx context.Context, w ExternalWitness) error
	// DeleteExternalWitness removes one; ENotFound if none.
	DeleteExternalWitness(ctx context.Context, name string) error

	// AdvanceWitness atomically replaces a log's witness state with next if
	// the stored size is still old (no row counts as size 0), and keeps next
	// in the cosigned history. Otherwise nothing changes and the error is a
	// *WitnessConflict with the stored size.
	AdvanceWitness(ctx context.Context, old int64, next WitnessState) error

	// PutCosignature records a witness's cosignature of one of our
	// checkpoints (a newer one from the same witness replaces it).
	PutCosignature(ctx context.Context, c Cosignature) error

	// AddAlarm stores an alarm; an alarm with the same ID is kept once and
	// AddAlarm then reports false.
	AddAlarm(ctx context.Context, a Alarm) (bool, error)
}
