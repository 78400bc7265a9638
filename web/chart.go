package web

import (
	"strconv"
)

// Charts are lists drawn on the server: one row per figure with its label
// as text (which wraps, so a long framework name is never cut short), a
// bar drawn in a small SVG that stretches to the row, and the value. No
// script and no inline style: colours come from classes in the stylesheet,
// widths from the SVG's own coordinates. A table of the same figures sits
// beside each chart for screen readers and for copying.
//
// Bars are drawn left to right; the stylesheet mirrors them for
// right-to-left pages, so that they grow from the start of the line.

// barSpan is the width of a bar's drawing in SVG units: the longest bar
// fills it.
const barSpan = 1000

type chart struct {
	Rows []chartRow
	Max  int
	// Stacked charts have a legend of baseline levels.
	Stacked bool
	Legend  []legendItem
}

type chartRow struct {
	Label, Value, Link string
	W                  int         // plain bars: the bar's width in SVG units
	Parts              []chartPart // stacked bars
	N                  int
}

type chartPart struct {
	Label, Link, Class, Value string
	N                         int
	X, W                      int
}

type legendItem struct{ Class, Label string }

// width scales a count to SVG units; a non-zero count is never invisible.
func width(n, most int) int {
	if n <= 0 || most <= 0 {
		return 0
	}
	return max(4, n*barSpan/most)
}

// barChart draws one bar per count.
func barChart(l *Locale, data []kv, label func(string) string, link string) *chart {
	if len(data) == 0 {
		return nil
	}
	c := &chart{}
	for _, d := range data {
		c.Max = max(c.Max, d.N)
	}
	for _, d := range data {
		c.Rows = append(c.Rows, chartRow{Label: label(d.Key), Value: l.Int(int64(d.N)), N: d.N, Link: link + d.Key, W: width(d.N, c.Max)})
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
	c := &chart{Stacked: true}
	for _, g := range groups {
		total := 0
		for _, p := range g.Parts {
			total += p.N
		}
		c.Max = max(c.Max, total)
	}
	for _, g := range groups {
		row := chartRow{Label: g.Label, Link: g.Link}
		x := 0
		for _, p := range g.Parts {
			w := width(p.N, c.Max)
			row.Parts = append(row.Parts, chartPart{Label: p.Label, Link: p.Link, Class: p.Class, N: p.N, Value: l.Int(int64(p.N)), X: x, W: w})
			x += w
			row.N += p.N
		}
		row.Value = l.Int(int64(row.N))
		c.Rows = append(c.Rows, row)
	}
	return c
}

// ViewBox is the SVG viewBox of a bar.
func (c *chart) ViewBox() string { return "0 0 " + strconv.Itoa(barSpan) + " 10" }
