// Package report renders a node's verified evidence as one self-contained HTML page an
// auditor can open anywhere: the checks with their verdicts (counted, and filterable by
// verdict with CSS alone), the posture summary and the inventory summary (binaries, Go
// programs with their GOFIPS140 setting, origins). It has no script and loads nothing from
// outside; html/template escapes everything the node sent.
package report

import (
	_ "embed"
	"html/template"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/cairn-os/cairn/internal/evidence/attest"
	"github.com/cairn-os/cairn/internal/evidence/checks"
	"github.com/cairn-os/cairn/internal/evidence/facts"
	"github.com/cairn-os/cairn/internal/evidence/inventory"
)

// Data is what a report shows; each piece has been verified against the OS CA by the caller.
type Data struct {
	Node   string
	BootID string
	Image  attest.Image
	Nonce  string
	// Source says where the evidence came from ("bundle node-a.tar.gz", "node 10.5.0.2").
	Source    string
	Generated time.Time
	Results   []checks.Result
	Posture   *facts.Snapshot
	Inventory *inventory.Inventory
}

// Verdicts in the order the report shows them.
var verdicts = []checks.Verdict{checks.Fail, checks.Warn, checks.Pass, checks.Info, checks.NA}

// Count is how many results have a verdict; Class is the verdict as a CSS class.
type Count struct {
	Verdict checks.Verdict
	Class   string
	N       int
}

// Tally is a count of binaries by a value (an origin, a GOFIPS140 setting).
type Tally struct {
	Value string
	N     int
}

// GoBinary is one Go program of the inventory.
type GoBinary struct {
	Path, Main, Version, FIPS140, DefaultGODEBUG, Origin string
}

// view is what the template reads.
type view struct {
	Data
	Counts    []Count
	Posture   []Row
	Binaries  int
	Origins   []Tally
	GoFIPS    []Tally
	Go        []GoBinary
	Truncated string
}

//go:embed report.html.tmpl
var pageText string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"class": verdictClass,
	"time":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
}).Parse(pageText))

// verdictClass is a verdict as a CSS class name ("N/A" is not one).
func verdictClass(v checks.Verdict) string {
	if v == checks.NA {
		return "NA"
	}
	return string(v)
}

// Render writes the report page.
func Render(w io.Writer, d Data) error {
	v := view{Data: d}
	counts := map[checks.Verdict]int{}
	for _, r := range d.Results {
		counts[r.Verdict]++
	}
	for _, vd := range verdicts {
		v.Counts = append(v.Counts, Count{Verdict: vd, Class: verdictClass(vd), N: counts[vd]})
	}
	if d.Posture != nil {
		v.Posture = PostureSummary(d.Posture, d.Generated)
	}
	if d.Inventory != nil {
		v.summarizeInventory(d.Inventory)
	}
	return page.Execute(w, v)
}

func (v *view) summarizeInventory(inv *inventory.Inventory) {
	origins, fips := map[string]int{}, map[string]int{}
	v.Binaries, v.Truncated = len(inv.Binaries), inv.Truncated
	for _, b := range inv.Binaries {
		origins[orDash(b.Origin)]++
		if b.ELF == nil || b.ELF.Go == nil {
			continue
		}
		g := b.ELF.Go
		f := orDash(g.Setting("GOFIPS140"))
		fips[f]++
		v.Go = append(v.Go, GoBinary{Path: b.Path, Main: g.Main.Path, Version: g.Main.Version, FIPS140: f,
			DefaultGODEBUG: orDash(g.Setting("DefaultGODEBUG")), Origin: orDash(b.Origin)})
	}
	v.Origins, v.GoFIPS = tallies(origins), tallies(fips)
}

// tallies sorts counts by value.
func tallies(m map[string]int) []Tally {
	var out []Tally
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, Tally{Value: k, N: m[k]})
	}
	return out
}
