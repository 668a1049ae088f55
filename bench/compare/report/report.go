// Package report renders the side-by-side comparison: a Markdown document with the table of
// figures (Cairn, Debian, ratio) and a PNG bar chart of the ratios.
package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Value is one measured figure: N for arithmetic (NaN when not measured), Text for display.
type Value struct {
	N    float64
	Text string
}

// Int is a count.
func Int(n int64) Value { return Value{N: float64(n), Text: strconv.FormatInt(n, 10)} }

// Float is a number shown with the given decimals.
func Float(n float64, decimals int) Value {
	return Value{N: n, Text: strconv.FormatFloat(n, 'f', decimals, 64)}
}

// MiB shows bytes in MiB with one decimal.
func MiB(bytes int64) Value {
	return Value{N: float64(bytes), Text: strconv.FormatFloat(float64(bytes)/(1<<20), 'f', 1, 64)}
}

// Missing is a figure that could not be measured; why says so in the table.
func Missing(why string) Value { return Value{N: math.NaN(), Text: "n/a (" + why + ")"} }

// Row is one line of the table.
type Row struct {
	Metric string
	Cairn  Value
	Debian Value
}

// Ratio is Debian / Cairn: above 1 Debian has more (or takes longer). ok is false when either
// side was not measured; inf is true when Cairn is 0 and Debian is not.
func (r Row) Ratio() (ratio float64, ok, inf bool) {
	c, d := r.Cairn.N, r.Debian.N
	switch {
	case math.IsNaN(c) || math.IsNaN(d):
		return 0, false, false
	case c == 0 && d == 0:
		return 1, true, false
	case c == 0:
		return math.Inf(1), true, true
	}
	return d / c, true, false
}

// RatioText renders the ratio column.
func (r Row) RatioText() string {
	v, ok, inf := r.Ratio()
	switch {
	case !ok:
		return "n/a"
	case inf:
		return "∞ (Cairn: 0)"
	case v >= 10:
		return fmt.Sprintf("%.0f×", v)
	}
	return fmt.Sprintf("%.2f×", v)
}

// Section is a titled block of Markdown after the table.
type Section struct {
	Title string
	Body  string
}

// Document is the whole report.
type Document struct {
	Title    string
	Meta     [][2]string // "what", "value" lines above the table
	Rows     []Row
	Sections []Section
}

// Markdown renders the document.
func (d *Document) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", d.Title)
	for _, m := range d.Meta {
		fmt.Fprintf(&b, "- **%s**: %s\n", m[0], m[1])
	}
	b.WriteString("\n")
	rows := make([][]string, 0, len(d.Rows))
	for _, r := range d.Rows {
		rows = append(rows, []string{r.Metric, r.Cairn.Text, r.Debian.Text, r.RatioText()})
	}
	b.WriteString(Table([]string{"metric", "Cairn", "Debian 12 node", "ratio (Debian ÷ Cairn)"}, "lrrr", rows))
	for _, s := range d.Sections {
		fmt.Fprintf(&b, "\n## %s\n\n%s\n", s.Title, strings.TrimRight(s.Body, "\n"))
	}
	return b.String()
}

// Table renders a Markdown table; align holds one of 'l', 'r' per column. Pipes and newlines in
// cells are escaped so a cell can never break the table.
func Table(header []string, align string, rows [][]string) string {
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for i := range header {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			c = strings.ReplaceAll(strings.ReplaceAll(c, "|", `\|`), "\n", " ")
			b.WriteString(" " + c + " |")
		}
		b.WriteString("\n")
	}
	line(header)
	b.WriteString("|")
	for i := range header {
		if i < len(align) && align[i] == 'r' {
			b.WriteString(" --: |")
		} else {
			b.WriteString(" --- |")
		}
	}
	b.WriteString("\n")
	for _, r := range rows {
		line(r)
	}
	return b.String()
}
