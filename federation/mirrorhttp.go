package federation

import (
	"encoding/binary"
	"net/http"
	"strings"

	"github.com/accord-gov/accord"
	acctlog "github.com/accord-gov/accord/tlog"
)

// MirrorHandler serves what this node mirrors, C2SP tlog-mirror style,
// relative to where it is mounted (the node mounts it at /mirror):
//
//	GET /<hex sha256(origin)>/checkpoint   the latest checkpoint mirrored in full
//	GET /<hex sha256(origin)>/tile/…       its tiles and entry bundles (C2SP tlog-tiles)
//
// so that other nodes can compare their views with this node's and catch
// up from it (verifying everything with the log's own key, as from its
// home). Only what the served checkpoint covers is served.
func (m *Mirror) MirrorHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{hash}/checkpoint", m.serveMirrorCheckpoint)
	mux.HandleFunc("GET /{hash}/tile/", m.serveMirrorTile)
	return mux
}

// mirrored finds the state of the mirrored log whose origin hashes to hash.
func (m *Mirror) mirrored(r *http.Request) (*accord.MirrorState, int64, error) {
	hash := r.PathValue("hash")
	var st *accord.MirrorState
	err := m.store.View(r.Context(), func(tx accord.ReadTx) error {
		states, err := tx.MirrorStates(r.Context())
		if err != nil {
			return err
		}
		for i := range states {
			if OriginHash(states[i].Origin) == hash && states[i].Checkpoint != nil {
				st = &states[i]
				return nil
			}
		}
		return accord.Errorf(accord.ENotFound, "this node mirrors no log with that origin hash")
	})
	if err != nil {
		return nil, 0, err
	}
	size, err := checkpointSize(st.Checkpoint)
	return st, size, err
}

func mirrorError(w http.ResponseWriter, err error) {
	w.Header().Set("Cache-Control", "no-store")
	if accord.ErrorCode(err) == accord.ENotFound {
		http.Error(w, accord.ErrorMessage(err), http.StatusNotFound)
		return
	}
	http.Error(w, "the database is unavailable", http.StatusServiceUnavailable)
}

func (m *Mirror) serveMirrorCheckpoint(w http.ResponseWriter, r *http.Request) {
	st, _, err := m.mirrored(r)
	if err != nil {
		mirrorError(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(st.Checkpoint)
}

func (m *Mirror) serveMirrorTile(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/"+r.PathValue("hash")+"/")
	level, n, width, err := acctlog.ParseTilePath(path)
	if err != nil {
		mirrorError(w, accord.Errorf(accord.ENotFound, "%v", err))
		return
	}
	st, size, err := m.mirrored(r)
	if err != nil {
		mirrorError(w, err)
		return
	}
	// The tile must lie within the served checkpoint's tree.
	span := int64(1) << (tileHeight * max(level, 0))
	if n<<tileHeight+int64(width) > size/span {
		mirrorError(w, accord.Errorf(accord.ENotFound, "%s is beyond the mirrored checkpoint (size %d)", path, size))
		return
	}
	var ts []accord.MirrorTile
	err = m.store.View(r.Context(), func(tx accord.ReadTx) error {
		var err error
		ts, err = tx.MirrorTiles(r.Context(), st.Origin, level, n, n+1)
		return err
	})
	if err == nil && (len(ts) == 0 || ts[0].Width < width) {
		err = accord.Errorf(accord.ENotFound, "%s is not stored", path)
	}
	if err != nil {
		mirrorError(w, err)
		return
	}
	data := ts[0].Data
	if level >= 0 {
		data = data[:width*32]
	} else {
		data = bundlePrefix(data, width)
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	if width == 256 {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=60")
	}
	w.Write(data)
}

// bundlePrefix is the first k entries of an entry bundle.
func bundlePrefix(b []byte, k int) []byte {
	off := 0
	for range k {
		off += 2 + int(binary.BigEndian.Uint16(b[off:]))
	}
	return b[:off]
}
