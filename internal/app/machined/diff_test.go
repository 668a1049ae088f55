package machined

import (
	"fmt"
	"strings"
	"testing"

	udiff "github.com/aymanbagabas/go-udiff"
)

func TestUnifiedDiff(t *testing.T) {
	a := "a\nb\nc\nd\ne\nf\ng\nh\ni\n"
	b := "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\n"
	got := unifiedDiff("old", "new", a, b)
	want := "--- old\n+++ new\n@@ -1,9 +1,10 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n h\n i\n+j\n"
	if got != want {
		t.Errorf("unifiedDiff =\n%s\nwant\n%s", got, want)
	}
	if got := unifiedDiff("o", "n", a, a); got != "" {
		t.Errorf("unifiedDiff(equal) = %q, want empty", got)
	}
	if got := unifiedDiff("o", "n", "", "x\n"); !strings.Contains(got, "+x\n") {
		t.Errorf("unifiedDiff(empty, x) = %q", got)
	}
}

// TestUnifiedDiffLarge: two 20,000-line configs that differ in one line diff to one hunk with
// one removed and one added line. The old LCS table gave up above 4M cells (here 400M) and
// showed the whole text as replaced.
func TestUnifiedDiffLarge(t *testing.T) {
	a, b := configTexts(20000, 12345)
	got := unifiedDiff("active", "new", a, b)
	want := "--- active\n+++ new\n@@ -12343,7 +12343,7 @@\n key12342: value12342\n key12343: value12343\n key12344: value12344\n" +
		"-key12345: value12345\n+key12345: changed\n key12346: value12346\n key12347: value12347\n key12348: value12348\n"
	if got != want {
		t.Errorf("unifiedDiff(20000 lines, one changed) =\n%.2000s\nwant\n%s", got, want)
	}
}

// BenchmarkUnifiedDiff measures configs of growing size with one changed line: the time per
// line stays about flat (go test -run '^$' -bench UnifiedDiff ./internal/app/machined/).
func BenchmarkUnifiedDiff(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		x, y := configTexts(n, n/2)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				unifiedDiff("active", "new", x, y)
			}
		})
	}
}

// configTexts returns two texts of n "keyI: valueI" lines that differ in line changed.
func configTexts(n, changed int) (string, string) {
	var a, b strings.Builder
	for i := range n {
		fmt.Fprintf(&a, "key%d: value%d\n", i, i)
		if i == changed {
			fmt.Fprintf(&b, "key%d: changed\n", i)
			continue
		}
		fmt.Fprintf(&b, "key%d: value%d\n", i, i)
	}
	return a.String(), b.String()
}

// FuzzUnifiedDiff checks that the diff is empty exactly when the texts are equal and that its
// edits turn the old text into the new one.
func FuzzUnifiedDiff(f *testing.F) {
	f.Add("a\nb\n", "a\nc\n")
	f.Add("a", "a\n")
	f.Fuzz(func(t *testing.T, a, b string) {
		if len(a) > 4096 || len(b) > 4096 {
			return
		}
		d := unifiedDiff("o", "n", a, b)
		if (d == "") != (a == b) {
			t.Errorf("unifiedDiff(%q, %q) = %q", a, b, d)
		}
		got, err := udiff.Apply(a, lineEdits(a, b))
		if err != nil || got != b {
			t.Errorf("Apply(%q, lineEdits(%q, %q)) = %q, %v; want %q", a, a, b, got, err, b)
		}
	})
}
