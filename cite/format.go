package cite

import (
	"strconv"
	"strings"
)

// How each language cites. The forms follow the packs' own texts in each
// language, which follow these conventions:
//
//   - French and Spanish: the short forms of the Official Journal of the
//     European Union, every level spelled out, ranges with "à"/"a":
//     "art. 5, paragraphe 1, point f)", "annexe III, point 4 a)",
//     "art. 50, paragraphe 4, deuxième alinéa"; "art. 5, apdo. 1, letra f)",
//     "anexo III, punto 4, letra a)", "art. 50, apdo. 4, párrafo segundo".
//   - Chinese: the 条/款/项/目 hierarchy of Chinese legislation, with the
//     source's own point letters: "第5条第1款(f)项", "附件III第4(a)点",
//     "第50条第4款第二段", "第34条第1款第1项".
//   - Russian and Arabic: the compact pinpoint that legal writing in both
//     languages uses for foreign instruments, with the levels named in words:
//     "ст. 5(1)(f)", "приложение III, пункт 4(a)", "ст. 50(4), второй абзац";
//     "المادة 5(1)(f)", "الملحق III، النقطة 4(a)", "المادة 50(4)، الفقرة
//     الفرعية الثانية". Arabic pinpoints are wrapped in left-to-right
//     isolates (U+2066…U+2069) so that their digits, letters and
//     parentheses keep their order inside right-to-left text.
//
// Every language keeps the instrument's own designators (Arabic digits,
// Roman annex numbers, Latin point letters, US section numbers), so that a
// reader finds the provision in the instrument as published.

// Format writes citation s as lang cites law. pack is the id of the rule
// pack the citation belongs to, which names the instrument of references
// that name none ("" when unknown). English, the language the packs write
// in, gets s unchanged. ok is false when s cannot be parsed or lang is not
// a UI language: the caller then shows s as English.
func Format(s, lang, pack string) (string, bool) {
	if lang == "en" {
		return s, true
	}
	st, ok := styles[lang]
	if !ok {
		return s, false
	}
	c, err := Parse(s)
	if err != nil {
		return s, false
	}
	c.numberDefinitions(packInstruments[pack])
	return st.citation(c), true
}

// packInstruments names the instrument of each rule pack whose structure
// the formatting depends on.
var packInstruments = map[string]string{"eu-ai-act": "EU AI Act", "kr": "Korea AI Basic Act"}

// definitions gives, per instrument, the article of definitions: its
// numbered subdivisions are points ("Article 3, point (36)"; Korean 호),
// not paragraphs, though the packs write them alike ("Art. 3(36)").
var definitions = map[string]string{"EU AI Act": "3", "Korea AI Basic Act": "2"}

// numberDefinitions turns the paragraphs of definitions articles into
// numbered points. within is the instrument of groups that name none.
func (c Citation) numberDefinitions(within string) {
	for _, g := range c {
		inst := g.Instrument
		if inst == "" {
			inst = within
		}
		art, ok := definitions[inst]
		for _, it := range g.Items {
			if it.Ref == nil {
				continue
			}
			if ok {
				lv := it.Ref.Levels
				if lv[0].Kind == Article && lv[0].From == art && lv[0].To == "" && len(lv) > 1 && lv[1].Kind == Paragraph {
					lv[1].Kind = NumberedPoint
				}
			}
			if it.Paren != nil {
				it.Paren.numberDefinitions("")
			}
		}
	}
}

// Languages are the languages Format writes (besides English).
var Languages = []string{"ar", "zh-Hans", "fr", "ru", "es"}

type style struct {
	lang              string
	groupSep, itemSep string
	instrSep          string // between an instrument and its references
	termSep           string // between an instrument and a named part
	open, close       string // a parenthetical
	ref               func(*Ref) string
}

var styles = map[string]*style{
	"fr":      {lang: "fr", groupSep: "\u202f; ", itemSep: ", ", instrSep: ", ", termSep: ", ", open: " (", close: ")", ref: refFrench},
	"es":      {lang: "es", groupSep: "; ", itemSep: ", ", instrSep: ", ", termSep: ", ", open: " (", close: ")", ref: refSpanish},
	"ru":      {lang: "ru", groupSep: "; ", itemSep: ", ", instrSep: ", ", termSep: ", ", open: " (", close: ")", ref: refRussian},
	"ar":      {lang: "ar", groupSep: "؛ ", itemSep: "، ", instrSep: "، ", termSep: "، ", open: " (", close: ")", ref: refArabic},
	"zh-Hans": {lang: "zh-Hans", groupSep: "；", itemSep: "、", instrSep: "", termSep: "，", open: "（", close: "）", ref: refChinese},
}

func (st *style) citation(c Citation) string {
	groups := make([]string, len(c))
	for i, g := range c {
		groups[i] = st.group(g)
	}
	return strings.Join(groups, st.groupSep)
}

func (st *style) group(g Group) string {
	items := make([]string, len(g.Items))
	for i, it := range g.Items {
		if it.Ref != nil {
			items[i] = st.ref(it.Ref)
		} else {
			items[i] = glossary[it.Term][st.lang]
		}
		if it.Paren != nil {
			items[i] += st.open + st.citation(it.Paren) + st.close
		}
	}
	// References that have commas of their own are separated as groups
	// are: "art. 16, point i) ; art. 49, paragraphe 1".
	sep := st.itemSep
	for _, it := range items {
		if len(items) > 1 && strings.Contains(it, strings.TrimSpace(st.itemSep)) {
			sep = st.groupSep
		}
	}
	s := strings.Join(items, sep)
	if g.Instrument == "" {
		return s
	}
	name := instruments[g.Instrument][st.lang]
	switch {
	case s == "":
		return name
	case g.Items[0].Ref == nil:
		return name + st.termSep + s
	case st.instrSep == "" && !strings.HasSuffix(name, "》") && strings.HasPrefix(s, "§"):
		return name + " " + s // "6 RCNY § 5-300"
	}
	return name + st.instrSep + s
}

// span writes a level's designator or range: "1", "1 à 3", or "1 et 2"
// for two in a row. wrap decorates each designator ("f" → "f)").
func span(l Level, wrap func(string) string, to, and string) string {
	if l.To == "" {
		return wrap(l.From)
	}
	if next(l.From) == l.To {
		return wrap(l.From) + and + wrap(l.To)
	}
	return wrap(l.From) + to + wrap(l.To)
}

// next returns the designator after d: 2 after 1, b after a, ii after i.
func next(d string) string {
	if n, err := strconv.Atoi(d); err == nil {
		return strconv.Itoa(n + 1)
	}
	if i := romanIndex(d); i >= 0 && i+1 < len(romans) {
		return romans[i+1]
	}
	if len(d) == 1 && d[0] >= 'a' && d[0] < 'z' {
		return string(d[0] + 1)
	}
	return ""
}

var romans = []string{"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"}

func romanIndex(d string) int {
	for i, r := range romans {
		if r == d {
			return i
		}
	}
	return -1
}

func plain(s string) string { return s }
func paren(s string) string { return "(" + s + ")" }

// compact writes a level in the packs' English pinpoint notation:
// "(1)", "(1)–(3)", "(f)".
func compact(l Level) string {
	if l.To == "" {
		return paren(l.From)
	}
	return paren(l.From) + "–" + paren(l.To)
}

// ordinals writes a list of ordinals with a language's words, joined by
// and: "second and third".
func ordinals(os []int, word func(int) string, and string) string {
	parts := make([]string, len(os))
	for i, o := range os {
		parts[i] = word(o)
	}
	return strings.Join(parts, and)
}

// pick returns the word for an ordinal from a list (1-based) and the word
// for the last one.
func pick(words []string, last string) func(int) string {
	return func(o int) string {
		if o == Last {
			return last
		}
		if o >= 1 && o <= len(words) {
			return words[o-1]
		}
		return strconv.Itoa(o)
	}
}

var (
	frMasc = pick([]string{"premier", "deuxième", "troisième", "quatrième", "cinquième"}, "dernier")
	frFem  = pick([]string{"première", "deuxième", "troisième", "quatrième", "cinquième"}, "dernière")
	esMasc = pick([]string{"primero", "segundo", "tercero", "cuarto", "quinto"}, "último")
	esFem  = pick([]string{"primera", "segunda", "tercera", "cuarta", "quinta"}, "última")
	ruMasc = pick([]string{"первый", "второй", "третий", "четвёртый", "пятый"}, "последний")
	ruNeut = pick([]string{"первое", "второе", "третье", "четвёртое", "пятое"}, "последнее")
	arFem  = pick([]string{"الأولى", "الثانية", "الثالثة", "الرابعة", "الخامسة"}, "الأخيرة")
	zhNum  = pick([]string{"一", "二", "三", "四", "五"}, "最后一")
)

func refFrench(r *Ref) string {
	var b strings.Builder
	inTitle := r.Levels[0].Kind == Title
	letter := func(s string) string { return s + ")" }
	for i, l := range r.Levels {
		prev := Kind(-1)
		if i > 0 {
			prev = r.Levels[i-1].Kind
		}
		switch l.Kind {
		case Article:
			if inTitle {
				b.WriteString(", article " + l.From)
			} else {
				b.WriteString("art. " + span(l, plain, " à ", " et "))
			}
		case Annex:
			b.WriteString("annexe " + l.From)
		case Section:
			b.WriteString("§ " + l.From)
		case Title:
			b.WriteString("titre " + l.From)
		case Part:
			b.WriteString(", partie " + l.From)
		case Paragraph:
			b.WriteString(plural(l, ", paragraphe ", ", paragraphes ") + span(l, plain, " à ", " et "))
		case AnnexPoint:
			b.WriteString(plural(l, ", point ", ", points ") + span(l, plain, " à ", " et "))
		case NumberedPoint:
			b.WriteString(plural(l, ", point ", ", points ") + span(l, letter, " à ", " et "))
		case Point:
			if prev == AnnexPoint {
				b.WriteString(" " + span(l, letter, " à ", " et "))
			} else {
				b.WriteString(plural(l, ", point ", ", points ") + span(l, letter, " à ", " et "))
			}
		case Subpoint:
			b.WriteString(" " + span(l, letter, " à ", " et "))
		case ItemNo:
			b.WriteString(", point " + l.From + ")")
		case Subpara:
			b.WriteString(", " + ordinals(l.Ordinals, frMasc, " et ") + pluralWord(l, " alinéa", " alinéas"))
		case Sentence:
			b.WriteString(", " + ordinals(l.Ordinals, frFem, " et ") + pluralWord(l, " phrase", " phrases"))
		case Exception:
			b.WriteString(", exception")
		}
	}
	return b.String()
}

func refSpanish(r *Ref) string {
	var b strings.Builder
	inTitle := r.Levels[0].Kind == Title
	letter := func(s string) string { return s + ")" }
	for _, l := range r.Levels {
		switch l.Kind {
		case Article:
			if inTitle {
				b.WriteString(", artículo " + l.From)
			} else {
				b.WriteString(plural(l, "art. ", "arts. ") + span(l, plain, " a ", " y "))
			}
		case Annex:
			b.WriteString("anexo " + l.From)
		case Section:
			b.WriteString("§ " + l.From)
		case Title:
			b.WriteString("título " + l.From)
		case Part:
			b.WriteString(", parte " + l.From)
		case Paragraph:
			b.WriteString(plural(l, ", apdo. ", ", apdos. ") + span(l, plain, " a ", " y "))
		case AnnexPoint, NumberedPoint:
			b.WriteString(plural(l, ", punto ", ", puntos ") + span(l, plain, " a ", " y "))
		case Point:
			b.WriteString(plural(l, ", letra ", ", letras ") + span(l, letter, " a ", " y "))
		case Subpoint:
			b.WriteString(plural(l, ", inciso ", ", incisos ") + span(l, letter, " a ", " y "))
		case ItemNo:
			b.WriteString(", punto " + l.From)
		case Subpara:
			// The ordinal follows "párrafo" ("párrafo segundo"), except "último".
			if len(l.Ordinals) == 1 && l.Ordinals[0] == Last {
				b.WriteString(", último párrafo")
			} else {
				b.WriteString(pluralWord(l, ", párrafo ", ", párrafos ") + ordinals(l.Ordinals, esMasc, " y "))
			}
		case Sentence:
			b.WriteString(", " + ordinals(l.Ordinals, esFem, " y ") + pluralWord(l, " frase", " frases"))
		case Exception:
			b.WriteString(", excepción")
		}
	}
	return b.String()
}

func refRussian(r *Ref) string {
	return refCompact(r, compactWords{
		article: "ст. ", articleInTitle: ", статья ", annex: "приложение ", title: "раздел ", part: ", часть ",
		annexPoint: ", пункт ", item: ", пункт ", sep: ", ", exception: ", исключение",
		subpara: func(l Level) string {
			return ordinals(l.Ordinals, ruMasc, " и ") + pluralWord(l, " абзац", " абзацы")
		},
		sentence: func(l Level) string {
			return ordinals(l.Ordinals, ruNeut, " и ") + pluralWord(l, " предложение", " предложения")
		},
		iso: plain,
	})
}

// Left-to-right isolate: keeps a pinpoint's order inside Arabic text.
func isolate(s string) string { return "\u2066" + s + "\u2069" }

func refArabic(r *Ref) string {
	return refCompact(r, compactWords{
		article: "المادة ", articles: "المواد ", articleInTitle: "، المادة ", annex: "الملحق ", title: "الباب ", part: "، الجزء ",
		annexPoint: "، النقطة ", annexLetter: "، البند ", item: "، البند ", sep: "، ", exception: "، الاستثناء",
		subpara: func(l Level) string {
			return arabicCount(len(l.Ordinals), "الفقرة الفرعية ", "الفقرتان الفرعيتان ", "الفقرات الفرعية ") + ordinals(l.Ordinals, arFem, " و")
		},
		sentence: func(l Level) string {
			return arabicCount(len(l.Ordinals), "الجملة ", "الجملتان ", "الجمل ") + ordinals(l.Ordinals, arFem, " و")
		},
		iso: isolate,
	})
}

// arabicCount picks the singular, dual or plural noun.
func arabicCount(n int, one, two, many string) string {
	switch n {
	case 1:
		return one
	case 2:
		return two
	}
	return many
}

// compactWords are a language's words for the compact pinpoint style.
type compactWords struct {
	article, articles, articleInTitle, annex, title, part string
	annexPoint, annexLetter, item, sep, exception         string
	subpara, sentence                                     func(Level) string
	iso                                                   func(string) string // wraps a pinpoint
}

func refCompact(r *Ref, w compactWords) string {
	var b strings.Builder
	pin := "" // the pinpoint being built: "5(1)(f)"
	flush := func() {
		if pin != "" {
			b.WriteString(w.iso(pin))
			pin = ""
		}
	}
	inTitle := r.Levels[0].Kind == Title
	for i, l := range r.Levels {
		switch l.Kind {
		case Article:
			if inTitle {
				flush()
				b.WriteString(w.articleInTitle)
				pin = l.From
				break
			}
			if l.To != "" && w.articles != "" {
				b.WriteString(w.articles)
			} else {
				b.WriteString(w.article)
			}
			pin = span(l, plain, "–", "–")
		case Annex:
			b.WriteString(w.annex)
			pin = l.From
		case Section:
			pin = "§ " + l.From
		case Title:
			b.WriteString(w.title)
			pin = l.From
		case Part:
			flush()
			b.WriteString(w.part)
			pin = l.From
		case Paragraph, NumberedPoint, Subpoint:
			pin += compact(l)
		case Point:
			if i > 0 && r.Levels[i-1].Kind == Annex {
				flush()
				if w.annexLetter != "" {
					b.WriteString(w.annexLetter)
				} else {
					b.WriteString(w.annexPoint)
				}
			}
			pin += compact(l)
		case AnnexPoint:
			flush()
			b.WriteString(w.annexPoint)
			pin = span(l, plain, "–", "–")
		case ItemNo:
			flush()
			b.WriteString(w.item)
			pin = l.From
		case Subpara:
			flush()
			b.WriteString(w.sep + w.subpara(l))
		case Sentence:
			flush()
			b.WriteString(w.sep + w.sentence(l))
		case Exception:
			flush()
			b.WriteString(w.exception)
		}
	}
	flush()
	return b.String()
}

func refChinese(r *Ref) string {
	var b strings.Builder
	inAnnex := r.Levels[0].Kind == Annex
	point := "" // an annex point being built: "4(a)"
	flush := func() {
		if point != "" {
			b.WriteString("第" + point + "点")
			point = ""
		}
	}
	zhSpan := func(l Level, wrap func(string) string, unit string) string {
		if l.To == "" {
			return wrap(l.From) + unit
		}
		if next(l.From) == l.To {
			return wrap(l.From) + unit + "和" + wrap(l.To) + unit
		}
		return wrap(l.From) + "至" + wrap(l.To) + unit
	}
	for _, l := range r.Levels {
		if inAnnex && (l.Kind == AnnexPoint || l.Kind == Point || l.Kind == Subpoint) {
			if l.Kind == AnnexPoint {
				point += span(l, plain, "至", "、")
			} else {
				point += compact(l)
			}
			continue
		}
		flush()
		switch l.Kind {
		case Article:
			if l.To != "" && next(l.From) != l.To {
				b.WriteString("第" + l.From + "至" + l.To + "条")
			} else {
				b.WriteString(zhSpan(l, func(s string) string { return "第" + s }, "条"))
			}
		case Annex:
			b.WriteString("附件" + l.From)
		case Section:
			b.WriteString("§ " + l.From)
		case Title:
			b.WriteString("第" + l.From + "编")
		case Part:
			b.WriteString("第" + l.From + "部分")
		case Paragraph:
			if l.To != "" && next(l.From) != l.To {
				b.WriteString("第" + l.From + "至" + l.To + "款")
			} else {
				b.WriteString(zhSpan(l, func(s string) string { return "第" + s }, "款"))
			}
		case Point:
			b.WriteString(zhSpan(l, paren, "项"))
		case Subpoint:
			b.WriteString(zhSpan(l, paren, "目"))
		case ItemNo, NumberedPoint:
			b.WriteString(zhSpan(l, func(s string) string { return "第" + s }, "项"))
		case Subpara:
			b.WriteString(zhOrdinals(l.Ordinals, "段"))
		case Sentence:
			b.WriteString(zhOrdinals(l.Ordinals, "句"))
		case Exception:
			b.WriteString("（例外）")
		}
	}
	flush()
	return b.String()
}

// zhOrdinals writes "第二段", "第二段和第三段", "最后一段".
func zhOrdinals(os []int, unit string) string {
	parts := make([]string, len(os))
	for i, o := range os {
		if o == Last {
			parts[i] = "最后一" + unit
		} else {
			parts[i] = "第" + zhNum(o) + unit
		}
	}
	return strings.Join(parts, "和")
}

// plural picks the singular or plural label of a level by whether it is a range.
func plural(l Level, one, many string) string {
	if l.To != "" {
		return many
	}
	return one
}

// pluralWord picks the singular or plural noun of a list of ordinals.
func pluralWord(l Level, one, many string) string {
	if len(l.Ordinals) > 1 {
		return many
	}
	return one
}
