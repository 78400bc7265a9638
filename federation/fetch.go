package federation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/accord-gov/accord/tlog"
)

// Limits on what a peer may send the mirror: anything larger is refused
// before it is read whole.
const (
	// MaxBundleBytes bounds an entry bundle: 256 entries of at most 64 KiB.
	MaxBundleBytes = 256 * (2 + 1<<16)
	// maxTileBytes bounds a hash tile: 256 hashes.
	maxTileBytes = 256 * 32
	// fetchTimeout bounds one request to a peer.
	fetchTimeout = 15 * time.Second
)

// errNotFound is a 404 from a peer: a tile or checkpoint it does not serve.
var errNotFound = errors.New("not found")

// FetchError is a failed request to a peer: it did not answer, or answered
// with an error, or sent more than the limit. The mirror retries it later.
type FetchError struct {
	URL string
	Err error
}

func (e *FetchError) Error() string { return fmt.Sprintf("fetch %s: %v", e.URL, e.Err) }
func (e *FetchError) Unwrap() error { return e.Err }

// tiles reads a C2SP tlog-tiles log under a URL prefix (a peer's /log, or
// another mirror's /mirror/<hash>).
type tiles struct {
	hc     *http.Client
	prefix string
	mirror bool // another node's mirror, not the log's home
}

// get fetches prefix/path, refusing an answer over limit bytes: by its
// Content-Length before reading it, or as soon as it reads past the limit.
func (t *tiles) get(ctx context.Context, path string, limit int64) ([]byte, error) {
	url := t.prefix + "/" + path
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, &FetchError{url, err}
	}
	resp, err := t.hc.Do(req)
	if err != nil {
		return nil, &FetchError{url, err}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, &FetchError{url, errNotFound}
	case resp.StatusCode != http.StatusOK:
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, &FetchError{url, fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))}
	case resp.ContentLength > limit:
		return nil, &FetchError{url, fmt.Errorf("the answer is %d bytes, over the limit of %d", resp.ContentLength, limit)}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, &FetchError{url, err}
	}
	if int64(len(b)) > limit {
		return nil, &FetchError{url, fmt.Errorf("the answer is over the limit of %d bytes", limit)}
	}
	return b, nil
}

// checkpoint fetches the log's latest signed checkpoint.
func (t *tiles) checkpoint(ctx context.Context) ([]byte, error) {
	return t.get(ctx, "checkpoint", MaxCheckpointLen)
}

// bundle fetches entry bundle n of width w and parses it: it must hold
// exactly w entries. A log that no longer serves the partial bundle may
// serve the full one, whose first w entries are the same.
func (t *tiles) bundle(ctx context.Context, n int64, w int) ([][]byte, error) {
	data, err := t.get(ctx, tlog.TilePath(-1, n, w), MaxBundleBytes)
	if errors.Is(err, errNotFound) && w < 256 {
		data, err = t.get(ctx, tlog.TilePath(-1, n, 256), MaxBundleBytes)
	}
	if err != nil {
		return nil, err
	}
	es, err := tlog.ParseBundle(data)
	if err != nil {
		return nil, &BadDataError{fmt.Sprintf("entry bundle %d: %v", n, err)}
	}
	if len(es) < w || (len(es) > w && len(es) != 256) {
		return nil, &BadDataError{fmt.Sprintf("entry bundle %d holds %d entries, want %d", n, len(es), w)}
	}
	return es[:w], nil
}

// tile fetches hash tile n at level of width w.
func (t *tiles) tile(ctx context.Context, level int, n int64, w int) ([]byte, error) {
	data, err := t.get(ctx, tlog.TilePath(level, n, w), maxTileBytes)
	if errors.Is(err, errNotFound) && w < 256 {
		data, err = t.get(ctx, tlog.TilePath(level, n, 256), maxTileBytes)
	}
	if err != nil {
		return nil, err
	}
	if len(data) < w*32 || (len(data) != w*32 && len(data) != 256*32) {
		return nil, &BadDataError{fmt.Sprintf("hash tile %d/%d is %d bytes, want %d", level, n, len(data), w*32)}
	}
	return data[:w*32], nil
}

// BadDataError is data from a peer that is not what a log serves: a
// malformed bundle or tile, entries that do not hash to its signed tree, a
// checkpoint not signed by its key. Nothing of it is stored.
type BadDataError struct{ Msg string }

func (e *BadDataError) Error() string { return e.Msg }
