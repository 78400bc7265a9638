// Package compress answers HTTP requests with bodies gzip-compressed when
// the client accepts it: one implementation for the web UI's pages and the
// API's JSON.
package compress

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// MinSize is the smallest body worth compressing: below it the gzip header
// and the CPU cost more than the bytes saved.
const MinSize = 1024

// writers reuses compressors: a gzip.Writer holds about 800 KB of state.
var writers = sync.Pool{New: func() any {
	// BestSpeed: pages and JSON shrink 4–8× at level 1 already; higher
	// levels cost several times the CPU for a few percent more.
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// buffers reuses the compressed bodies' buffers.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Write writes the status and body, gzip-compressed when the client accepts
// it and the body is at least MinSize bytes, with Content-Length set (one
// write, no chunked encoding). Other headers must be set before; Write sets
// the encoding ones and adds Accept-Encoding to Vary.
func Write(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	h := w.Header()
	h.Add("Vary", "Accept-Encoding")
	if len(body) < MinSize || !Accepts(r) || h.Get("Content-Encoding") != "" {
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			w.Write(body)
		}
		return
	}
	buf := buffers.Get().(*bytes.Buffer)
	buf.Reset()
	zw := writers.Get().(*gzip.Writer)
	zw.Reset(buf)
	zw.Write(body)
	zw.Close()
	writers.Put(zw)
	h.Set("Content-Encoding", "gzip")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
	if buf.Cap() <= 1<<20 { // keep no huge buffer alive
		buffers.Put(buf)
	}
}

// Accepts reports whether the request's Accept-Encoding allows gzip (listed
// without a zero quality).
func Accepts(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		if !ok {
			return true
		}
		v, err := strconv.ParseFloat(q, 64)
		return err == nil && v > 0
	}
	return false
}
