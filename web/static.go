package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/accord-gov/accord/internal/compress"
)

// Static files are served under names that carry their content hash
// (app.3f2a1b9c.css), so they can be cached for a year: a new build
// changes the name, never the content behind a name.

//go:embed static
var staticFS embed.FS

type asset struct {
	name   string // hashed name, e.g. app.3f2a1b9c.css
	ctype  string
	body   []byte
	etag   string
	sha256 string // hex, for tests and subresource checks
}

var (
	assets   = map[string]*asset{} // by hashed name
	assetURL = map[string]string{} // plain name → /static/hashed name
)

func loadAssets() error {
	return fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		h := hex.EncodeToString(sum[:])
		base := path.Base(p)
		ext := path.Ext(base)
		hashed := strings.TrimSuffix(base, ext) + "." + h[:12] + ext
		a := &asset{name: hashed, body: b, etag: `"` + h[:32] + `"`, sha256: h, ctype: contentTypes[ext]}
		assets[hashed] = a
		assetURL[base] = "/static/" + hashed
		return nil
	})
}

var contentTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
	".svg": "image/svg+xml",
	".ico": "image/x-icon",
}

// assetPath returns the URL of a static file by its plain name.
func assetPath(name string) string {
	if u, ok := assetURL[name]; ok {
		return u
	}
	return "/static/missing-" + name
}

func (h *Handler) serveStatic(w http.ResponseWriter, r *http.Request) {
	a, ok := assets[r.PathValue("name")]
	if !ok {
		h.notFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("ETag", a.etag)
	if r.Header.Get("If-None-Match") == a.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	compress.Write(w, r, http.StatusOK, a.body)
}
