package web

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestChartGolden renders the charts of fixed figures in English and
// Arabic and compares them with testdata/golden: the Arabic chart is the
// English one mirrored (labels on the right, bars growing leftwards).
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

func TestMirror(t *testing.T) {
	en, ar := locales["en"], locales["ar"]
	if got := mirror(en, 10, 100); got != 10 {
		t.Errorf("ltr: %d", got)
	}
	if got := mirror(ar, 10, 100); got != chartW-110 {
		t.Errorf("rtl: %d", got)
	}
	if got := fitLabel("short"); got != "short" {
		t.Errorf("fitLabel(short) = %q", got)
	}
	if got := fitLabel("中国算法推荐、深度合成与生成式人工智能管理规定"); got != "中国算法推荐、深度合成与生成式…" {
		t.Errorf("fitLabel(CJK) = %q", got)
	}
}
