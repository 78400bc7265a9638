package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/tlog"
)

// The transparency page explains the node's log to people: its current
// checkpoint, its key, how to verify it, and where its files are. The log
// itself (C2SP tlog-tiles, for programs) is served under /log/ by the
// node, not by the UI; /log/checkpoint and /log/tile/… are its paths, so
// this page lives beside it at /transparency.

type logData struct {
	Empty    bool
	Origin   string
	Size     int64
	Root     string // base64, as in the checkpoint
	Signed   string // the checkpoint as served
	Sigs     []logSig
	Verified bool // the log's own signature checked out against Key
	Key      string
	KeyName  string
	KeyID    string // hex, as note key hashes are written
	Base     string // the node's URL, for the commands
	Prefix   string // the log's URL prefix
	Files    []logFile
}

type logSig struct {
	Name, KeyID string
	Log         bool // made by the log's own key (else a cosigner's)
}

type logFile struct {
	Label, Path string
}

func (h *Handler) transparency(w http.ResponseWriter, r *http.Request) {
	if bad := checkParams(r.URL.Query(), nil); len(bad) > 0 {
		h.badRequest(w, r, bad)
		return
	}
	p := h.newPage(r, "log", "log.title", nil)
	d, err := h.logData(r.Context(), p.L)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Base = h.baseURL(r)
	d.Prefix = d.Base + "/log/"
	p.Data = d
	h.render(w, r, http.StatusOK, "transparency", p)
}

func (h *Handler) logData(ctx context.Context, l *Locale) (logData, error) {
	d := logData{Key: h.cfg.VerifierKey}
	var signed []byte
	err := h.reg.Store().View(ctx, func(tx accord.ReadTx) error {
		var err error
		signed, err = tx.Checkpoint(ctx)
		return err
	})
	if err != nil {
		return d, accord.Errorf(accord.EUnavailable, "read the checkpoint: %v", err)
	}
	var v note.Verifier
	if d.Key != "" {
		if v, err = note.NewVerifier(d.Key); err == nil {
			d.KeyName, d.KeyID = v.Name(), fmt.Sprintf("%08x", v.KeyHash())
		}
	}
	if signed == nil {
		d.Empty = true
		return d, nil
	}
	d.Signed = string(signed)
	body, _, _ := strings.Cut(d.Signed, "\n\n")
	cp, err := tlog.ParseCheckpoint(body + "\n")
	if err != nil {
		return d, fmt.Errorf("stored checkpoint: %w", err)
	}
	d.Origin, d.Size = cp.Origin, cp.Size
	d.Root = strings.SplitN(body, "\n", 3)[2]
	var verifiers note.Verifiers = note.VerifierList()
	if v != nil {
		verifiers = note.VerifierList(v)
	}
	if n, err := note.Open(signed, verifiers); err == nil {
		for _, s := range n.Sigs {
			d.Sigs = append(d.Sigs, logSig{Name: s.Name, KeyID: fmt.Sprintf("%08x", s.Hash), Log: true})
		}
		for _, s := range n.UnverifiedSigs {
			d.Sigs = append(d.Sigs, logSig{Name: s.Name, KeyID: fmt.Sprintf("%08x", s.Hash)})
		}
		d.Verified = len(n.Sigs) > 0 && cp.Origin == v.Name()
	} else if un, ok := err.(*note.UnverifiedNoteError); ok {
		for _, s := range un.Note.UnverifiedSigs {
			d.Sigs = append(d.Sigs, logSig{Name: s.Name, KeyID: fmt.Sprintf("%08x", s.Hash)})
		}
	}
	d.Files = logFiles(l, cp.Size)
	return d, nil
}

// logFiles links the checkpoint and the first and latest tiles of the
// tree: level-0 hash tiles and entry bundles, partial when the tree does
// not fill them.
func logFiles(l *Locale, size int64) []logFile {
	const full = 1 << tlog.TileHeight
	files := []logFile{{l.T("log.file.checkpoint"), "/log/checkpoint"}}
	if size == 0 {
		return files
	}
	width := func(n int64) int { return int(min(full, size-n*full)) }
	last := (size - 1) / full
	files = append(files,
		logFile{l.T("log.file.first_tile"), "/log/" + tlog.TilePath(0, 0, width(0))},
		logFile{l.T("log.file.first_bundle"), "/log/" + tlog.TilePath(-1, 0, width(0))})
	if last > 0 {
		files = append(files,
			logFile{l.T("log.file.last_tile"), "/log/" + tlog.TilePath(0, last, width(last))},
			logFile{l.T("log.file.last_bundle"), "/log/" + tlog.TilePath(-1, last, width(last))})
	}
	return files
}
