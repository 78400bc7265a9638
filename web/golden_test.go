package web

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestChartGolden renders the charts of fixed figures in English and
// Arabic and compares them with testdata/golden: the same bars (the
// stylesheet mirrors them for Arabic), labels whole however long.
// Run with -update to rewrite the files after a deliberate change.
func TestChartGolden(t *testing.T) {
	data := []kv{{"CN", 8}, {"US", 7}, {"FR", 6}, {"KE", 2}, {"AQ", 1}}
	for _, code := range []string{"en", "ar"} {
		l := locales[code]
		bars := barChart(l, data, l.CountryName, "/search?country=")
		stack := stackChart(l, []stackGroup{
			{Label: "EU AI Act", Link: "/search?framework=eu-ai-act", Parts: []stackPart{
				{Label: "High-risk", N: 4, Class: "lv-high"}, {Label: "Limited", N: 2, Class: "lv-limited"}}},
			{Label: "A framework with a very long name that does not fit", Parts: []stackPart{{Label: "Minimal", N: 7, Class: "lv-minimal"}}},
		})
		for name, c := range map[string]*chart{"bars": bars, "stack": stack} {
			var buf bytes.Buffer
			err := pages["home"].ExecuteTemplate(&buf, "chart", map[string]any{"c": c, "l": l, "id": name, "title": "Title", "th": "Name"})
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "golden", "chart-"+name+"-"+code+".html")
			if *update {
				os.MkdirAll(filepath.Dir(path), 0o755)
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s differs from the golden file; run go test ./web -run TestChartGolden -update and review the diff", path)
			}
		}
	}
}

func TestBarWidths(t *testing.T) {
	en := locales["en"]
	c := barChart(en, []kv{{"CN", 300}, {"US", 150}, {"AQ", 1}}, en.CountryName, "/search?country=")
	if got := []int{c.Rows[0].W, c.Rows[1].W, c.Rows[2].W}; got[0] != barSpan || got[1] != barSpan/2 || got[2] != 4 {
		t.Errorf("bar widths %v: want the longest to fill the span, half for half, and a visible sliver for 1", got)
	}
	s := stackChart(en, []stackGroup{{Label: "A", Parts: []stackPart{{N: 3}, {N: 1}}}, {Label: "B", Parts: []stackPart{{N: 2}}}})
	a := s.Rows[0].Parts
	if a[0].X != 0 || a[1].X != a[0].W || a[0].W+a[1].W != barSpan || s.Rows[0].Value != "4" || s.Rows[1].Parts[0].W != barSpan/2 {
		t.Errorf("stacked parts %+v, %+v", s.Rows[0], s.Rows[1])
	}
	if long := stackChart(en, []stackGroup{{Label: "A framework with a very long name that does not fit in a column"}}); long.Rows[0].Label != "A framework with a very long name that does not fit in a column" {
		t.Errorf("label shortened to %q", long.Rows[0].Label)
	}
}
