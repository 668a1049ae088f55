// Package stats summarises repeated measurements: median and spread.
package stats

import (
	"fmt"
	"math"
	"slices"
)

// Summary describes a sample of repeated measurements.
type Summary struct {
	N      int
	Median float64
	Min    float64
	Max    float64
}

// Spread is max - min, the full range of the sample.
func (s Summary) Spread() float64 { return s.Max - s.Min }

// String renders "median (min–max, n=N)" with the given number of decimals.
func (s Summary) String() string {
	if s.N == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f (%.2f–%.2f, n=%d)", s.Median, s.Min, s.Max, s.N)
}

// Summarize returns the median, minimum and maximum of xs; NaN values are ignored. An empty
// sample gives the zero Summary.
func Summarize(xs []float64) Summary {
	v := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return Summary{}
	}
	slices.Sort(v)
	return Summary{N: len(v), Median: Median(v), Min: v[0], Max: v[len(v)-1]}
}

// Median of an already sorted, non-empty slice: the middle value, or the mean of the two
// middle values for an even count.
func Median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}
