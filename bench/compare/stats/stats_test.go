package stats

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSummarize(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []float64
		want Summary
	}{
		{"empty", nil, Summary{}},
		{"one", []float64{7.5}, Summary{N: 1, Median: 7.5, Min: 7.5, Max: 7.5}},
		{"odd unsorted", []float64{32.1, 30.0, 35.2}, Summary{N: 3, Median: 32.1, Min: 30.0, Max: 35.2}},
		{"even", []float64{4, 1, 3, 2}, Summary{N: 4, Median: 2.5, Min: 1, Max: 4}},
		{"NaN ignored", []float64{math.NaN(), 9, 11}, Summary{N: 2, Median: 10, Min: 9, Max: 11}},
		{"all NaN", []float64{math.NaN()}, Summary{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Summarize(tc.in); !cmp.Equal(got, tc.want) {
				t.Errorf("Summarize(%v) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestSummarizeDoesNotReorderInput(t *testing.T) {
	in := []float64{3, 1, 2}
	Summarize(in)
	if !cmp.Equal(in, []float64{3, 1, 2}) {
		t.Errorf("Summarize reordered its input: %v", in)
	}
}

func TestSpreadAndString(t *testing.T) {
	s := Summarize([]float64{8.25, 7.5, 9})
	if got := s.Spread(); got != 1.5 {
		t.Errorf("Spread() = %v, want 1.5", got)
	}
	if got, want := s.String(), "8.25 (7.50–9.00, n=3)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := (Summary{}).String(); got != "n/a" {
		t.Errorf("empty String() = %q, want n/a", got)
	}
}
