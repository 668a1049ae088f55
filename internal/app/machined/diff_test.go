package machined

import (
	"strings"
	"testing"
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

func FuzzUnifiedDiff(f *testing.F) {
	f.Add("a\nb\n", "a\nc\n")
	f.Fuzz(func(t *testing.T, a, b string) {
		if len(a) > 4096 || len(b) > 4096 {
			return
		}
		d := unifiedDiff("o", "n", a, b)
		if (d == "") != (a == b) {
			t.Errorf("unifiedDiff(%q, %q) = %q", a, b, d)
		}
	})
}
