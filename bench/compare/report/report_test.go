package report

import (
	"bytes"
	"flag"
	"image/png"
	"math"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func sampleRows() []Row {
	return []Row{
		{"boot to management endpoint (s, median)", Value{N: 8.4, Text: "8.40 (8.1–9.0)"}, Value{N: 33.6, Text: "33.60 (32.0–35.1)"}},
		{"ELF executables", Int(1), Int(578)},
		{"setuid files", Int(0), Int(11)},
		{"kernel (MiB)", MiB(14186432), MiB(14186432)},
		{"memory in use (MiB)", MiB(60 << 20), Missing("probe timed out")},
		{"shells", Int(0), Int(0)},
	}
}

func TestRatio(t *testing.T) {
	var got []string
	for _, r := range sampleRows() {
		got = append(got, r.RatioText())
	}
	want := []string{"4.00×", "578×", "∞ (Cairn: 0)", "1.00×", "n/a", "1.00×"}
	if !cmp.Equal(got, want) {
		t.Errorf("RatioText() = %q, want %q", got, want)
	}
	if v, ok, inf := (Row{Cairn: Int(0), Debian: Int(3)}).Ratio(); !ok || !inf || !math.IsInf(v, 1) {
		t.Errorf("Ratio(0, 3) = %v, %v, %v; want +Inf, true, true", v, ok, inf)
	}
}

func TestMarkdownGolden(t *testing.T) {
	d := &Document{
		Title: "Cairn vs Debian",
		Meta:  [][2]string{{"date", "2026-11-22T22:00:00Z"}, {"QEMU", "QEMU emulator version 7.2.19"}},
		Rows:  sampleRows(),
		Sections: []Section{
			{"Runs", Table([]string{"run", "OS", "s"}, "llr", [][]string{{"1", "Cairn", "8.4"}, {"2", "De|bian", "33.6"}})},
		},
	}
	got := d.Markdown()
	const golden = "testdata/report.md.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("Markdown() mismatch (-want +got):\n%s", diff)
	}
}

func TestChart(t *testing.T) {
	data, err := Chart("test chart", sampleRows(), 1000, 600)
	if err != nil {
		t.Fatalf("Chart: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Chart output is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1000 || b.Dy() != 600 {
		t.Errorf("Chart size = %dx%d, want 1000x600", b.Dx(), b.Dy())
	}
	// Something was drawn: the image is not a single colour.
	first := img.At(0, 0)
	same := true
	for y := 0; y < 600 && same; y += 7 {
		for x := 0; x < 1000 && same; x += 7 {
			same = img.At(x, y) == first
		}
	}
	if same {
		t.Error("Chart drew a blank image")
	}
}

func TestChartNothingToDraw(t *testing.T) {
	if _, err := Chart("x", []Row{{"setuid", Int(0), Int(4)}}, 100, 100); err == nil {
		t.Error("Chart with only infinite ratios = nil error, want one")
	}
}
