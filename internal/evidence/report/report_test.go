package report

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/cairn-os/cairn/internal/evidence/attest"
	"github.com/cairn-os/cairn/internal/evidence/checks"
	"github.com/cairn-os/cairn/internal/evidence/elfinfo"
	"github.com/cairn-os/cairn/internal/evidence/inventory"
	"github.com/cairn-os/cairn/internal/evidence/nodefixture"
)

// hostile is text a node (or whoever forged its files) could put into evidence.
const hostile = `<script>alert(1)</script><img src="https://example.com/x">`

func fixtureData(t *testing.T) Data {
	t.Helper()
	snap := nodefixture.Snapshot(t, true)
	rs := checks.Run(snap, checks.Options{})
	rs[0].Actual = hostile
	goBin := func(path, fips, origin string) inventory.Binary {
		return inventory.Binary{Path: path, Origin: origin, ELF: &elfinfo.Info{Go: &elfinfo.Go{Main: elfinfo.Module{Path: "github.com/cairn-os/cairn", Version: "v0.1.0"},
			Settings: []elfinfo.Setting{{Key: "GOFIPS140", Value: fips}, {Key: "DefaultGODEBUG", Value: "fips140=on"}}}}}
	}
	inv := &inventory.Inventory{Binaries: []inventory.Binary{
		goBin("/sbin/cairn", "v1.0.0-c2097c7c", "cairn"), goBin("/usr/bin/kube", "v1.0.0-c2097c7c", "kubernetes"),
		goBin("/usr/bin/old", "", "kubernetes"), {Path: "/usr/sbin/nft", Origin: "debian:nftables"},
	}}
	return Data{Node: "cp-1" + hostile, BootID: "b00t", Image: attest.Image{Version: "v0.1.0"}, Nonce: "n0nce", Source: "bundle x.tar.gz",
		Generated: nodefixture.Now, Results: rs, Posture: &snap, Inventory: inv}
}

// walk calls fn on every element of the tree.
func walk(n *html.Node, fn func(*html.Node)) {
	if n.Type == html.ElementNode {
		fn(n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(n)
	return b.String()
}

// rows returns the body rows of the table with the class.
func rows(doc *html.Node, class string) []*html.Node {
	var out []*html.Node
	walk(doc, func(n *html.Node) {
		if n.Data == "table" && attr(n, "class") == class {
			walk(n, func(r *html.Node) {
				if r.Data == "tr" && r.Parent.Data == "tbody" {
					out = append(out, r)
				}
			})
		}
	})
	return out
}

// TestRender: the page parses as HTML, shows every check with its verdict and the counts,
// the posture summary and the inventory summary, loads nothing from outside and runs no
// script, whatever the evidence says.
func TestRender(t *testing.T) {
	d := fixtureData(t)
	var buf bytes.Buffer
	if err := Render(&buf, d); err != nil {
		t.Fatalf("Render = %v", err)
	}
	doc, err := html.Parse(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	walk(doc, func(n *html.Node) {
		switch {
		case n.Data == "script" || n.Data == "img" || n.Data == "link" || n.Data == "iframe":
			t.Errorf("the page has a <%s> element", n.Data)
		case attr(n, "src") != "" || attr(n, "href") != "":
			t.Errorf("<%s> refers to %q%q", n.Data, attr(n, "src"), attr(n, "href"))
		}
	})
	checkRows := rows(doc, "checks")
	if len(checkRows) != len(d.Results) {
		t.Fatalf("%d check rows, want %d", len(checkRows), len(d.Results))
	}
	want := map[string]int{}
	for i, r := range d.Results {
		want[string(r.Verdict)]++
		row := checkRows[i]
		if attr(row, "data-id") != r.ID || attr(row, "class") != verdictClass(r.Verdict) || !strings.Contains(text(row), r.Text) {
			t.Errorf("row %d = %q (class %q), want %s %s", i, text(row), attr(row, "class"), r.ID, r.Verdict)
		}
	}
	if !strings.Contains(text(checkRows[0]), hostile) {
		t.Errorf("the hostile actual value is not shown as text: %q", text(checkRows[0]))
	}
	walk(doc, func(n *html.Node) {
		if v := attr(n, "data-verdict"); v != "" && strings.Fields(text(n))[0] != strconv.Itoa(want[v]) {
			t.Errorf("count of %s = %q, want %d", v, text(n), want[v])
		}
	})
	if got, wantN := len(rows(doc, "posture")), len(PostureSummary(d.Posture, d.Generated)); got != wantN || got < 8 {
		t.Errorf("%d posture rows, want %d", got, wantN)
	}
	fips := map[string]string{}
	for _, r := range rows(doc, "gofips") {
		cells := strings.Split(strings.TrimSpace(text(r)), "\n")
		fips[text(r.FirstChild)] = strings.Join(cells, "")
	}
	if len(rows(doc, "go")) != 3 || len(fips) != 2 || fips["v1.0.0-c2097c7c"] == "" || len(rows(doc, "origins")) != 3 {
		t.Errorf("inventory: %d Go rows, GOFIPS140 %v, %d origins", len(rows(doc, "go")), fips, len(rows(doc, "origins")))
	}
	var binaries string
	walk(doc, func(n *html.Node) {
		if attr(n, "id") == "binaries" {
			binaries = text(n)
		}
	})
	if binaries != "4" {
		t.Errorf("binaries = %q, want 4", binaries)
	}
}

// TestRenderEmpty: a report of a bundle without checks, posture or inventory says so.
func TestRenderEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := Render(&buf, Data{Node: "n"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"No check results.", "No posture.", "No inventory."} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("the empty report lacks %q", want)
		}
	}
}
