package machined

import (
	"fmt"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"
	"github.com/aymanbagabas/go-udiff/lcs"
)

// unifiedDiff returns a unified diff of two texts with three lines of context, or "" when they
// are equal. The edit script comes from go-udiff's lcs package (the gopls diff: Myers' algorithm
// with bounded effort), run over whole lines, so a large config diffs in about linear time and
// is never degraded to a whole replacement.
func unifiedDiff(oldName, newName, a, b string) string {
	if a == b {
		return ""
	}
	d, err := udiff.ToUnified(oldName, newName, a, lineEdits(a, b), udiff.DefaultContextLines)
	if err != nil {
		// The edits come from the same two texts, so they always apply; say so if not.
		return fmt.Sprintf("(no diff: %v)\n", err)
	}
	return d
}

// lineEdits diffs a and b line by line: each distinct line becomes one symbol, the symbols are
// diffed, and each symbol range maps back to the byte range of its lines.
func lineEdits(a, b string) []udiff.Edit {
	x, y := strings.SplitAfter(a, "\n"), strings.SplitAfter(b, "\n")
	ids := map[string]rune{}
	symbols := func(lines []string) []rune {
		out := make([]rune, len(lines))
		for i, l := range lines {
			id, ok := ids[l]
			if !ok {
				id = rune(len(ids))
				ids[l] = id
			}
			out[i] = id
		}
		return out
	}
	offsets := make([]int, len(x)+1)
	for i, l := range x {
		offsets[i+1] = offsets[i] + len(l)
	}
	diffs := lcs.DiffRunes(symbols(x), symbols(y))
	edits := make([]udiff.Edit, len(diffs))
	for i, d := range diffs {
		edits[i] = udiff.Edit{Start: offsets[d.Start], End: offsets[d.End], New: strings.Join(y[d.ReplStart:d.ReplEnd], "")}
	}
	return edits
}
