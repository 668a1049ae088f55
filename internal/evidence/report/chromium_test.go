package report

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// chromium is Debian's headless-capable browser; RequireChromium makes its absence a failure
// instead of a skip (CI sets it).
const (
	chromium        = "/usr/bin/chromium"
	requireChromium = "CAIRN_REQUIRE_CHROMIUM"
)

// TestRenderInChromium opens a rendered report in headless Chromium, offline (every host name
// resolves to nothing and the proxy is a closed port), and checks the page the browser built:
// a row for every check with its verdict, the counts, the hostile text from the evidence shown
// as text (no element made of it, no script), the posture and inventory summaries; and that
// the screenshot of the page is not blank (CAIRN_REPORT_SHOT=FILE keeps it, to look at).
func TestRenderInChromium(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv(requireChromium) == "1" {
			t.Fatalf("%s is missing and %s=1: install Debian's chromium", chromium, requireChromium)
		}
		t.Skipf("%s is not installed (Debian's chromium); set %s=1 to fail instead", chromium, requireChromium)
	}
	d := fixtureData(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var buf bytes.Buffer
	if err := Render(&buf, d); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	dom := runChromium(t, dir, "--dump-dom", "file://"+page)
	doc, err := html.Parse(bytes.NewReader(dom))
	if err != nil {
		t.Fatal(err)
	}
	walk(doc, func(n *html.Node) {
		if n.Data == "script" || n.Data == "img" || n.Data == "iframe" {
			t.Errorf("Chromium built a <%s> element", n.Data)
		}
	})
	checkRows := rows(doc, "checks")
	if len(checkRows) != len(d.Results) {
		t.Fatalf("Chromium shows %d check rows, want %d", len(checkRows), len(d.Results))
	}
	counts := map[string]int{}
	for i, r := range d.Results {
		counts[string(r.Verdict)]++
		if attr(checkRows[i], "data-id") != r.ID || attr(checkRows[i], "class") != verdictClass(r.Verdict) {
			t.Errorf("row %d: %s %q, want %s %s", i, attr(checkRows[i], "data-id"), attr(checkRows[i], "class"), r.ID, r.Verdict)
		}
	}
	if !strings.Contains(text(checkRows[0]), hostile) {
		t.Errorf("the hostile actual value is not shown as text: %q", text(checkRows[0]))
	}
	walk(doc, func(n *html.Node) {
		if v := attr(n, "data-verdict"); v != "" && !strings.HasPrefix(strings.TrimSpace(text(n)), strconv.Itoa(counts[v])) {
			t.Errorf("count of %s shows %q, want %d", v, text(n), counts[v])
		}
	})
	if len(rows(doc, "posture")) < 8 || len(rows(doc, "go")) != 3 {
		t.Errorf("Chromium shows %d posture rows and %d Go rows", len(rows(doc, "posture")), len(rows(doc, "go")))
	}

	shot := filepath.Join(dir, "report.png")
	if p := os.Getenv("CAIRN_REPORT_SHOT"); p != "" {
		shot = p
	}
	runChromium(t, dir, "--screenshot="+shot, "--window-size=1280,2000", "file://"+page)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer func() { _ = f.Close() }()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	r0, g0, b0, _ := img.At(b.Min.X, b.Min.Y).RGBA()
	differ := 0
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			if r, g, bl, _ := img.At(x, y).RGBA(); r != r0 || g != g0 || bl != b0 {
				differ++
			}
		}
	}
	if b.Dx() != 1280 || differ < 1000 {
		t.Errorf("screenshot %v with %d sampled pixels unlike the corner: a blank page?", b, differ)
	}
}

// runChromium runs headless Chromium with a profile in dir, offline, and returns its stdout.
func runChromium(t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
		"--disable-background-networking", "--disable-sync", "--user-data-dir=" + filepath.Join(dir, "profile"),
		"--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=socks5://127.0.0.1:9"}
	cmd := exec.CommandContext(ctx, chromium, append(base, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Env = append(os.Environ(), "HOME="+dir)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return out
}
