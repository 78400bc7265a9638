// Package frameworks embeds the rule packs: one directory per framework,
// each with its pack.yaml and the golden cases.yaml that test it, and the
// baseline pack every other pack maps onto. The format is described in
// FORMAT.md.
package frameworks

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"sync"

	"github.com/accord-gov/accord/rules"
)

// FS holds every */pack.yaml and */cases.yaml, and FORMAT.md.
//
//go:embed */pack.yaml */cases.yaml FORMAT.md
var FS embed.FS

// Files returns the pack files of fsys (every */pack.yaml), by path.
func Files(fsys fs.FS) ([]rules.File, error) {
	names, err := fs.Glob(fsys, "*/pack.yaml")
	if err != nil {
		return nil, fmt.Errorf("frameworks: %w", err)
	}
	sort.Strings(names)
	files := make([]rules.File, 0, len(names))
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("frameworks: %w", err)
		}
		files = append(files, rules.File{Name: path.Join("frameworks", name), Data: b})
	}
	return files, nil
}

var packs = sync.OnceValues(func() ([]*rules.Pack, error) {
	files, err := Files(FS)
	if err != nil {
		return nil, err
	}
	return rules.LoadAll(files)
})

// Packs returns the embedded packs, loaded once: the baseline first, then
// the others by id. Packs are immutable and shared; do not modify them.
func Packs() ([]*rules.Pack, error) {
	return packs()
}

// Pack returns the embedded pack with the given id.
func Pack(id string) (*rules.Pack, error) {
	ps, err := Packs()
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if p.ID == id {
			return p, nil
		}
	}
	return nil, fmt.Errorf("frameworks: no pack %q", id)
}
