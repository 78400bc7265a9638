package web

import (
	"strconv"
	"strings"
	"unicode"
)

// Charts are plain SVG drawn on the server: no script, no inline style
// (colours come from classes in the stylesheet), and a table of the same
// figures beside each chart for screen readers and for copying.
//
// In right-to-left pages the geometry is mirrored: labels on the right,
// bars growing leftwards. Text inherits the page's direction, so the same
// logical text-anchor values ("end" for labels, "start" for values) put
// each label against its bar in both directions.

const (
	chartW    = 720
	labelW    = 270
	rowH      = 26
	barH      = 18
	valueGap  = 6
	valueRoom = 48 // space kept for the value after the longest bar
)

type chart struct {
	W, H int
	Rows []chartRow
	Max  int
	// Stacked charts have a legend of baseline levels.
	Stacked bool
	Legend  []legendItem
}

type chartRow struct {
	Label, Value, Link string
	Short              string // the label shortened to fit beside its bar
	Y, TextY           int
	LabelX             int
	BarX, BarW         int // plain bars
	ValueX             int
	Parts              []chartPart // stacked bars
	N                  int
}

type chartPart struct {
	Label, Link, Class, Value string
	N                         int
	X, W, Y, TextY            int
	TextX                     int
	ShowValue                 bool
}

type legendItem struct{ Class, Label string }

// mirror maps an x coordinate of a left-to-right layout to the page's direction.
func mirror(l *Locale, x, w int) int {
	if l.Dir == "rtl" {
		return chartW - x - w
	}
	return x
}

// barChart draws one bar per count.
func barChart(l *Locale, data []kv, label func(string) string, link string) *chart {
	if len(data) == 0 {
		return nil
	}
	c := &chart{W: chartW, H: len(data)*rowH + 4}
	for _, d := range data {
		c.Max = max(c.Max, d.N)
	}
	span := chartW - labelW - valueRoom
	for i, d := range data {
		y := i*rowH + 4
		w := max(2, d.N*span/c.Max)
		c.Rows = append(c.Rows, chartRow{
			Label: label(d.Key), Short: fitLabel(label(d.Key)), Value: l.Int(int64(d.N)), N: d.N, Link: link + d.Key,
			Y: y, TextY: y + barH - 4,
			LabelX: mirror(l, labelW-8, 0),
			BarX:   mirror(l, labelW, w), BarW: w,
			ValueX: mirror(l, labelW+w+valueGap, 0),
		})
	}
	return c
}

type stackGroup struct {
	Label, Link string
	Parts       []stackPart
}

type stackPart struct {
	Label, Link, Class string
	N                  int
}

// stackChart draws one stacked bar per group (a framework), with a part
// per tier coloured by its baseline level.
func stackChart(l *Locale, groups []stackGroup) *chart {
	c := &chart{W: chartW, H: len(groups)*rowH + 4, Stacked: true}
	for _, g := range groups {
		total := 0
		for _, p := range g.Parts {
			total += p.N
		}
		c.Max = max(c.Max, total)
	}
	span := chartW - labelW - valueRoom
	for i, g := range groups {
		y := i*rowH + 4
		row := chartRow{Label: g.Label, Short: fitLabel(g.Label), Link: g.Link, Y: y, TextY: y + barH - 4, LabelX: mirror(l, labelW-8, 0)}
		x := labelW
		total := 0
		for _, p := range g.Parts {
			w := max(2, p.N*span/c.Max)
			row.Parts = append(row.Parts, chartPart{
				Label: p.Label, Link: p.Link, Class: p.Class, N: p.N, Value: l.Int(int64(p.N)),
				X: mirror(l, x, w), W: w, Y: y, TextY: y + barH - 4, TextX: mirror(l, x+w/2, 0), ShowValue: w >= 22,
			})
			x += w
			total += p.N
		}
		row.N = total
		row.Value = l.Int(int64(total))
		row.ValueX = mirror(l, x+valueGap, 0)
		c.Rows = append(c.Rows, row)
	}
	return c
}

// viewBox formats an SVG viewBox for the chart.
func (c *chart) ViewBox() string {
	return "0 0 " + strconv.Itoa(c.W) + " " + strconv.Itoa(c.H)
}

// labelRoom is how many narrow characters fit in the label column; wide
// (CJK) characters count twice.
const labelRoom = 30

// fitLabel shortens a label to the label column, ending it with "…".
func fitLabel(s string) string {
	width := 0
	for i, r := range s {
		w := 1
		if r >= 0x1100 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hangul, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || r >= 0xFF00 && r <= 0xFFEF) {
			w = 2
		}
		if width+w > labelRoom-1 {
			return strings.TrimSpace(s[:i]) + "…"
		}
		width += w
	}
	return s
}
