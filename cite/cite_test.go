package cite

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/frameworks"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func TestFormat(t *testing.T) {
	tests := []struct {
		in, pack           string
		fr, es, ru, ar, zh string
	}{
		{"Art. 5(1)(f)", "",
			"art. 5, paragraphe 1, point f)", "art. 5, apdo. 1, letra f)", "ст. 5(1)(f)", "المادة \u20665(1)(f)\u2069", "第5条第1款(f)项"},
		{"Annex III, point 4(a)", "",
			"annexe III, point 4 a)", "anexo III, punto 4, letra a)", "приложение III, пункт 4(a)", "الملحق \u2066III\u2069، النقطة \u20664(a)\u2069", "附件III第4(a)点"},
		{"Art. 50(4), second subparagraph", "",
			"art. 50, paragraphe 4, deuxième alinéa", "art. 50, apdo. 4, párrafo segundo", "ст. 50(4), второй абзац",
			"المادة \u206650(4)\u2069، الفقرة الفرعية الثانية", "第50条第4款第二段"},
		{"Art. 2(3), second and third subparagraphs", "",
			"art. 2, paragraphe 3, deuxième et troisième alinéas", "art. 2, apdo. 3, párrafos segundo y tercero", "ст. 2(3), второй и третий абзацы",
			"المادة \u20662(3)\u2069، الفقرتان الفرعيتان الثانية والثالثة", "第2条第3款第二段和第三段"},
		{"Art. 5(1)(h)(i)-(iii), Art. 5(2)-(4)", "",
			"art. 5, paragraphe 1, point h) i) à iii)\u202f; art. 5, paragraphes 2 à 4", "art. 5, apdo. 1, letra h), incisos i) a iii); art. 5, apdos. 2 a 4",
			"ст. 5(1)(h)(i)–(iii), ст. 5(2)–(4)", "المادة \u20665(1)(h)(i)–(iii)\u2069، المادة \u20665(2)–(4)\u2069", "第5条第1款(h)项(i)至(iii)目、第5条第2至4款"},
		{"Art. 53(1)(a)-(b)", "",
			"art. 53, paragraphe 1, points a) et b)", "art. 53, apdo. 1, letras a) y b)", "ст. 53(1)(a)–(b)", "المادة \u206653(1)(a)–(b)\u2069", "第53条第1款(a)项和(b)项"},
		{"Art. 16(c), Art. 17", "",
			"art. 16, point c)\u202f; art. 17", "art. 16, letra c); art. 17", "ст. 16(c), ст. 17", "المادة \u206616(c)\u2069، المادة \u206617\u2069", "第16条(c)项、第17条"},
		{"Art. 5(1)(f), exception", "",
			"art. 5, paragraphe 1, point f), exception", "art. 5, apdo. 1, letra f), excepción", "ст. 5(1)(f), исключение",
			"المادة \u20665(1)(f)\u2069، الاستثناء", "第5条第1款(f)项（例外）"},
		{"Annex III, point 1(a), second sentence; Art. 3(36)", "",
			"annexe III, point 1 a), deuxième phrase\u202f; art. 3, paragraphe 36", "anexo III, punto 1, letra a), segunda frase; art. 3, apdo. 36",
			"приложение III, пункт 1(a), второе предложение; ст. 3(36)", "الملحق \u2066III\u2069، النقطة \u20661(a)\u2069، الجملة الثانية؛ المادة \u20663(36)\u2069",
			"附件III第1(a)点第二句；第3条第36款"},
		{"Art. 34(1), item 2", "",
			"art. 34, paragraphe 1, point 2)", "art. 34, apdo. 1, punto 2", "ст. 34(1), пункт 2", "المادة \u206634(1)\u2069، البند \u20662\u2069", "第34条第1款第2项"},
		{"PIPL, Art. 24(1)-(2)", "",
			"Loi sur la protection des informations personnelles, art. 24, paragraphes 1 et 2", "Ley de Protección de la Información Personal, art. 24, apdos. 1 y 2",
			"Закон КНР о защите персональной информации, ст. 24(1)–(2)", "قانون حماية المعلومات الشخصية، المادة \u206624(1)–(2)\u2069", "《个人信息保护法》第24条第1款和第2款"},
		{"Art. 27(1)-(3)", "",
			"art. 27, paragraphes 1 à 3", "art. 27, apdos. 1 a 3", "ст. 27(1)–(3)", "المادة \u206627(1)–(3)\u2069", "第27条第1至3款"},
		{"NYC Admin. Code § 20-870, § 20-871; 6 RCNY § 5-300", "",
			"Code administratif de New York, § 20-870, § 20-871\u202f; 6 RCNY, § 5-300", "Código Administrativo de Nueva York, § 20-870, § 20-871; 6 RCNY, § 5-300",
			"Административный кодекс Нью-Йорка, § 20-870, § 20-871; 6 RCNY, § 5-300",
			"القانون الإداري لمدينة نيويورك، \u2066§ 20-870\u2069، \u2066§ 20-871\u2069؛ 6 RCNY، \u2066§ 5-300\u2069",
			"《纽约市行政法典》§ 20-870、§ 20-871；6 RCNY § 5-300"},
		{"SB 26-189, developer duties (C.R.S. title 6, art. 1, part 17)", "",
			"loi SB 26-189, obligations des développeurs (C.R.S., titre 6, article 1, partie 17)",
			"ley SB 26-189, obligaciones de los desarrolladores (C.R.S., título 6, artículo 1, parte 17)",
			"закон SB 26-189, обязанности разработчиков (C.R.S., раздел 6, статья 1, часть 17)",
			"القانون SB 26-189، التزامات المطوِّرين (C.R.S.، الباب \u20666\u2069، المادة \u20661\u2069، الجزء \u206617\u2069)",
			"SB 26-189法案，开发者义务（C.R.S.第6编第1条第17部分）"},
		{"C.R.S. 6-1-1701(3)", "",
			"C.R.S., § 6-1-1701(3)", "C.R.S., § 6-1-1701(3)", "C.R.S., § 6-1-1701(3)", "C.R.S.، \u2066§ 6-1-1701(3)\u2069", "C.R.S. § 6-1-1701(3)"},
		{"EU AI Act Art. 51(2), Annex XI 1.2(d); Korea AI Basic Act high-performance AI", "",
			"Règlement sur l’IA, art. 51, paragraphe 2\u202f; annexe XI, point 1.2 d)\u202f; Loi-cadre coréenne sur l’IA, IA à haute performance",
			"Reglamento de IA, art. 51, apdo. 2; anexo XI, punto 1.2, letra d); Ley Marco de IA de Corea, IA de alto rendimiento",
			"Регламент ЕС об ИИ, ст. 51(2); приложение XI, пункт 1.2(d); Рамочный закон Кореи об ИИ, высокопроизводительный ИИ",
			"قانون الاتحاد الأوروبي للذكاء الاصطناعي، المادة \u206651(2)\u2069؛ الملحق \u2066XI\u2069، النقطة \u20661.2(d)\u2069؛ القانون الإطاري الكوري للذكاء الاصطناعي، الذكاء الاصطناعي عالي الأداء",
			"《欧盟人工智能法》第51条第2款、附件XI第1.2(d)点；《韩国人工智能基本法》，高性能人工智能"},
		{"EU AI Act Art. 3(63), Art. 51–55", "",
			"Règlement sur l’IA, art. 3, point 63)\u202f; art. 51 à 55", "Reglamento de IA, art. 3, punto 63; arts. 51 a 55",
			"Регламент ЕС об ИИ, ст. 3(63), ст. 51–55", "قانون الاتحاد الأوروبي للذكاء الاصطناعي، المادة \u20663(63)\u2069، المواد \u206651–55\u2069",
			"《欧盟人工智能法》第3条第63项、第51至55条"},
		{"EU AI Act Annex XI 1.1(d), Annex XIII(a)", "",
			"Règlement sur l’IA, annexe XI, point 1.1 d)\u202f; annexe XIII, point a)", "Reglamento de IA, anexo XI, punto 1.1, letra d); anexo XIII, letra a)",
			"Регламент ЕС об ИИ, приложение XI, пункт 1.1(d); приложение XIII, пункт (a)",
			"قانون الاتحاد الأوروبي للذكاء الاصطناعي، الملحق \u2066XI\u2069، النقطة \u20661.1(d)\u2069؛ الملحق \u2066XIII\u2069، البند \u2066(a)\u2069",
			"《欧盟人工智能法》附件XI第1.1(d)点、附件XIII第(a)点"},
		{"EU AI Act Art. 6(3) last subparagraph", "",
			"Règlement sur l’IA, art. 6, paragraphe 3, dernier alinéa", "Reglamento de IA, art. 6, apdo. 3, último párrafo",
			"Регламент ЕС об ИИ, ст. 6(3), последний абзац", "قانون الاتحاد الأوروبي للذكاء الاصطناعي، المادة \u20666(3)\u2069، الفقرة الفرعية الأخيرة",
			"《欧盟人工智能法》第6条第3款最后一段"},
		{"Annex III, point 1(a), second sentence; Art. 3(36)", "eu-ai-act",
			"annexe III, point 1 a), deuxième phrase\u202f; art. 3, point 36)", "anexo III, punto 1, letra a), segunda frase; art. 3, punto 36",
			"приложение III, пункт 1(a), второе предложение; ст. 3(36)", "الملحق \u2066III\u2069، النقطة \u20661(a)\u2069، الجملة الثانية؛ المادة \u20663(36)\u2069",
			"附件III第1(a)点第二句；第3条第36项"},
		{"Art. 2(4), Art. 34(1)", "kr",
			"art. 2, point 4)\u202f; art. 34, paragraphe 1", "art. 2, punto 4; art. 34, apdo. 1", "ст. 2(4), ст. 34(1)",
			"المادة \u20662(4)\u2069، المادة \u206634(1)\u2069", "第2条第4项、第34条第1款"},
		{"GDPR Art. 4(4); EU AI Act Art. 3(60), Art. 50(4)", "",
			"RGPD, art. 4, paragraphe 4\u202f; Règlement sur l’IA, art. 3, point 60)\u202f; art. 50, paragraphe 4",
			"RGPD, art. 4, apdo. 4; Reglamento de IA, art. 3, punto 60; art. 50, apdo. 4",
			"Общий регламент ЕС по защите данных, ст. 4(4); Регламент ЕС об ИИ, ст. 3(60), ст. 50(4)",
			"اللائحة العامة لحماية البيانات، المادة \u20664(4)\u2069؛ قانون الاتحاد الأوروبي للذكاء الاصطناعي، المادة \u20663(60)\u2069، المادة \u206650(4)\u2069",
			"《通用数据保护条例》第4条第4款；《欧盟人工智能法》第3条第60项、第50条第4款"},
	}
	for _, tt := range tests {
		for lang, want := range map[string]string{"fr": tt.fr, "es": tt.es, "ru": tt.ru, "ar": tt.ar, "zh-Hans": tt.zh} {
			got, ok := Format(tt.in, lang, tt.pack)
			if !ok || got != want {
				t.Errorf("Format(%q, %s) = %q, %v; want %q", tt.in, lang, got, ok, want)
			}
		}
		if got, ok := Format(tt.in, "en", tt.pack); !ok || got != tt.in {
			t.Errorf("Format(%q, en) = %q, %v; want it unchanged", tt.in, got, ok)
		}
	}
}

// TestUnreadable checks that what the parser does not understand is
// refused, so that callers show the original rather than a guess.
func TestUnreadable(t *testing.T) {
	for _, s := range []string{
		"", "Art.", "Art. ", "Art. 5(1", "Art. five", "Annex", "Annex 3", "Recital 47", "point 4(a)",
		"Art. 5(1)(f)(g)", "Art. 5(1)(a)(1)", "Art. 5, second subparagraphs", "Art. 5, first and second subparagraph",
		"Art. 5, item x", "part 17", "Art. 5, part 17", "§ twenty", "Art. 5(1)-(b)", "Art. 5,, Art. 6", "Art. 5;",
		"SB 26-189, something nobody wrote", "Unknown Act, Art. 5", "Art. 5 (Unknown Act, Art. 6)",
	} {
		if c, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) = %+v, want an error", s, c)
		}
		for _, lang := range Languages {
			if got, ok := Format(s, lang, "eu-ai-act"); ok || got != s {
				t.Errorf("Format(%q, %s) = %q, %v; want the original and false", s, lang, got, ok)
			}
		}
	}
	if _, ok := Format("Art. 5", "de", ""); ok {
		t.Error("Format accepts a language it does not write")
	}
}

// citation is a citation and the pack it belongs to ("" for the fact
// documentation, which names its instruments).
type citation struct{ pack, text string }

// allCitations lists every citation the embedded packs and the fact
// documentation write, sorted and without repeats.
func allCitations(t testing.TB) []citation {
	packs, err := frameworks.Packs()
	if err != nil {
		t.Fatal(err)
	}
	var out []citation
	for _, p := range packs {
		for _, x := range p.Exclusions {
			out = append(out, citation{p.ID, x.Citation})
		}
		for _, r := range p.Rules {
			out = append(out, citation{p.ID, r.Citation})
			for _, o := range r.Obligations {
				out = append(out, citation{p.ID, o.Citation})
			}
		}
	}
	for _, d := range accord.FactDocs {
		out = append(out, citation{"", d.Source})
	}
	slices.SortFunc(out, func(a, b citation) int { return strings.Compare(a.pack+"\x00"+a.text, b.pack+"\x00"+b.text) })
	return slices.Compact(out)
}

// TestGolden formats every citation of the embedded packs and of the fact
// documentation in each language and compares with testdata/<lang>.golden
// (one "citation → formatted" line each). Every one must parse: a pack
// that cites in a new way needs the parser (or the glossary) to learn it.
// Run with -update after a deliberate change and review the diff.
func TestGolden(t *testing.T) {
	cites := allCitations(t)
	if len(cites) < 150 {
		t.Fatalf("only %d citations found", len(cites))
	}
	for _, lang := range Languages {
		var b strings.Builder
		for _, c := range cites {
			got, ok := Format(c.text, lang, c.pack)
			if !ok {
				_, err := Parse(c.text)
				t.Errorf("%s: cannot format %q: %v", lang, c.text, err)
			}
			b.WriteString(c.pack + ": " + c.text + "\n\t" + got + "\n")
		}
		path := filepath.Join("testdata", lang+".golden")
		if *update {
			if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if string(want) != b.String() {
			t.Errorf("%s differs from the formatted citations; run go test ./cite -run TestGolden -update and review the diff", path)
		}
	}
}

// TestNoEnglishLeft checks that no English designator word survives in a
// formatted citation: every level and instrument got its translation.
func TestNoEnglishLeft(t *testing.T) {
	words := []string{"Art.", "Annex", "point", "subparagraph", "sentence", "item", "title", "part", "exception", "Act", "Provisions", "Measures", "duties", " and "}
	for _, lang := range Languages {
		for _, c := range allCitations(t) {
			got, _ := Format(c.text, lang, c.pack)
			for _, w := range words {
				if lang == "fr" && (w == "point" || w == "exception") {
					continue // the same words in French
				}
				if hasWord(got, w) {
					t.Errorf("%s: %q → %q still says %q", lang, c.text, got, w)
				}
			}
		}
	}
}

// hasWord reports whether s contains w with no letter directly around it.
func hasWord(s, w string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(w)
		before, _ := utf8.DecodeLastRuneInString(s[:start])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if !unicode.IsLetter(before) && !unicode.IsLetter(after) {
			return true
		}
		i = start + 1
	}
}

func FuzzFormat(f *testing.F) {
	for _, s := range []string{"Art. 5(1)(f)", "Annex III, point 4(a)", "SB 26-189, developer duties (C.R.S. title 6, art. 1, part 17)", "Art. 5(1)(h)(i)-(iii)", "((", "Art. 5, ,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, lang := range Languages {
			got, ok := Format(s, lang, "")
			if !ok && got != s {
				t.Fatalf("Format(%q, %s) failed but changed the text to %q", s, lang, got)
			}
		}
	})
}

// BenchmarkFormat formats every citation of the packs and the fact
// documentation once per language per iteration.
func BenchmarkFormat(b *testing.B) {
	cites := allCitations(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, lang := range Languages {
			for _, c := range cites {
				Format(c.text, lang, c.pack)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(cites)*len(Languages)), "ns/citation")
}
