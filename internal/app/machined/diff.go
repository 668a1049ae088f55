package machined

import (
	"fmt"
	"strings"
)

// maxDiffCells bounds the LCS table; larger inputs are shown as a whole replacement.
const maxDiffCells = 4 << 20

// unifiedDiff returns a unified diff of two texts with three lines of context, or "" when they
// are equal.
func unifiedDiff(oldName, newName, a, b string) string {
	if a == b {
		return ""
	}
	x, y := splitLines(a), splitLines(b)
	ops := diffOps(x, y)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", oldName, newName)
	for _, h := range hunks(ops, 3) {
		writeHunk(&out, h)
	}
	return out.String()
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if last := len(lines) - 1; lines[last] == "" {
		lines = lines[:last]
	} else {
		lines[last] += "\n"
	}
	return lines
}

// op is one line of the edit script: ' ' kept, '-' removed, '+' added; i and j are the
// 0-based line numbers in the old and new text before this line.
type op struct {
	kind byte
	line string
	i, j int
}

func diffOps(x, y []string) []op {
	if len(x)*len(y) > maxDiffCells {
		var ops []op
		for i, l := range x {
			ops = append(ops, op{'-', l, i, 0})
		}
		for j, l := range y {
			ops = append(ops, op{'+', l, len(x), j})
		}
		return ops
	}
	// lcs[i][j] is the length of the LCS of x[i:] and y[j:].
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []op
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			ops = append(ops, op{' ', x[i], i, j})
			i, j = i+1, j+1
		case i < len(x) && (j == len(y) || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, op{'-', x[i], i, j})
			i++
		default:
			ops = append(ops, op{'+', y[j], i, j})
			j++
		}
	}
	return ops
}

// hunks groups changed lines with ctx lines of context around them.
func hunks(ops []op, ctx int) [][]op {
	var out [][]op
	for k := 0; k < len(ops); {
		if ops[k].kind == ' ' {
			k++
			continue
		}
		start := max(0, k-ctx)
		end := k
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run-end > 2*ctx || run == len(ops) {
				end = min(end+ctx, len(ops))
				break
			}
			end = run
		}
		out = append(out, ops[start:end])
		k = end
	}
	return out
}

func writeHunk(out *strings.Builder, h []op) {
	var oldN, newN int
	for _, o := range h {
		if o.kind != '+' {
			oldN++
		}
		if o.kind != '-' {
			newN++
		}
	}
	fmt.Fprintf(out, "@@ -%d,%d +%d,%d @@\n", h[0].i+1, oldN, h[0].j+1, newN)
	for _, o := range h {
		out.WriteByte(o.kind)
		out.WriteString(o.line)
	}
}
