package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/federation"
	"github.com/accord-gov/accord/tlog"
)

// The federation's pages: the members page (this node, its peers, how
// their logs are mirrored and cosigned, the alarms), the banner every page
// shows while an alarm stands, and the marks of foreign records in search
// and on system pages.

type membersData struct {
	Self       accord.NodeIdentity
	Size       int64    // entries in this node's log
	Cosigners  []string // witnesses whose cosignature its latest checkpoint carries
	Members    []memberRow
	Alarms     []alarmRow
	MirrorsAPI string
}

type memberRow struct {
	accord.MirrorStatus
	URL     string
	Witness bool // it has a witness key
}

type alarmRow struct {
	ID, Origin, Kind string
	Member           string // the peer whose log it is; "" for this node's own
	Key              string // the log's key, to check the evidence with
	Detected         time.Time
	Sizes            [2]int64
	Sources          [2]string
	Evidence         string // the evidence, as JSON to check offline
}

func (h *Handler) members(w http.ResponseWriter, r *http.Request) {
	if bad := checkParams(r.URL.Query(), nil); len(bad) > 0 {
		h.badRequest(w, r, bad)
		return
	}
	if h.cfg.Federation == nil || h.cfg.Mirror == nil {
		h.notFound(w, r)
		return
	}
	ctx := r.Context()
	p := h.newPage(r, "members", "members.title", nil)
	d, err := h.membersData(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Data = d
	h.render(w, r, http.StatusOK, "members", p)
}

func (h *Handler) membersData(ctx context.Context) (*membersData, error) {
	fed := h.cfg.Federation
	d := &membersData{Self: fed.Identity()}
	peers, err := fed.Peers(ctx)
	if err != nil {
		return nil, err
	}
	statuses, err := h.cfg.Mirror.Status(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string]accord.Peer{}
	for _, p := range peers {
		byName[p.Name] = p
	}
	for _, s := range statuses {
		p := byName[s.Peer]
		d.Members = append(d.Members, memberRow{MirrorStatus: s, URL: p.URL, Witness: p.WitnessKey != ""})
	}
	var cp []byte
	var alarms []accord.Alarm
	err = h.reg.Store().View(ctx, func(tx accord.ReadTx) error {
		var err error
		if cp, err = fed.LatestCheckpoint(ctx, tx); err != nil {
			return err
		}
		alarms, err = tx.Alarms(ctx, "")
		return err
	})
	if err != nil {
		return nil, err
	}
	if cp != nil {
		body, _, _ := strings.Cut(string(cp), "\n\n")
		if c, err := tlog.ParseCheckpoint(body + "\n"); err == nil {
			d.Size = c.Size
		}
		d.Cosigners = cosigners(cp, peers)
	}
	byOrigin := map[string]accord.Peer{}
	for _, p := range peers {
		byOrigin[p.Origin] = p
	}
	for _, a := range alarms {
		p, ok := byOrigin[a.Origin]
		row := alarmRow{ID: a.ID, Origin: a.Origin, Kind: a.Kind, Member: p.Name, Key: p.LogKey, Detected: a.Detected}
		if !ok {
			row.Key = d.Self.LogKey
		}
		var ev accord.SplitViewEvidence
		if json.Unmarshal(a.Evidence, &ev) == nil {
			row.Sources = ev.Source
			for i, c := range ev.Checkpoints {
				body, _, _ := strings.Cut(c, "\n\n")
				if cp, err := tlog.ParseCheckpoint(body + "\n"); err == nil {
					row.Sizes[i] = cp.Size
				}
			}
		}
		b, _ := json.MarshalIndent(a, "", "  ")
		row.Evidence = string(b)
		d.Alarms = append(d.Alarms, row)
	}
	return d, nil
}

// cosigners names the peers' witnesses whose valid cosignature a
// checkpoint of this node carries.
func cosigners(cp []byte, peers []accord.Peer) []string {
	var vs []note.Verifier
	for _, p := range peers {
		if v, err := federation.NewCosignatureVerifier(p.WitnessKey); err == nil {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return nil
	}
	n, err := note.Open(cp, note.VerifierList(vs...))
	if err != nil {
		return nil
	}
	var out []string
	for _, s := range n.Sigs {
		out = append(out, s.Name)
	}
	return out
}

// alarmCount is how many alarms the node holds, read at most every few
// seconds: every page shows a banner while there is one.
type alarmCount struct {
	mu   sync.Mutex
	n    int
	read time.Time
}

const alarmCountTTL = 2 * time.Second

func (h *Handler) alarms(ctx context.Context) int {
	if h.cfg.Federation == nil || h.reg == nil {
		return 0
	}
	c := &h.alarmCount
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.read) < alarmCountTTL {
		return c.n
	}
	err := h.reg.Store().View(ctx, func(tx accord.ReadTx) error {
		as, err := tx.Alarms(ctx, "")
		c.n = len(as)
		return err
	})
	if err == nil {
		c.read = time.Now()
	}
	return c.n
}

// homeOf is how the UI names the member holding a record: "" for this
// node's own.
func (h *Handler) homeOf(home string) string {
	if home == "" || h.reg == nil || home == h.reg.Member() {
		return ""
	}
	return home
}
