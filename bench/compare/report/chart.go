package report

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// chartDPI is the resolution the chart is drawn at; sizes are given in pixels.
const chartDPI = 96

// Chart draws a horizontal bar per row with a finite ratio, on a log10 axis (1× in the
// middle), as a PNG of exactly widthPx × heightPx.
func Chart(title string, rows []Row, widthPx, heightPx int) ([]byte, error) {
	var names []string
	var logs plotter.Values
	var labels plotter.XYLabels
	var skipped int
	for _, r := range rows {
		v, ok, inf := r.Ratio()
		if !ok || inf || v <= 0 {
			skipped++
			continue
		}
		// Bars are drawn bottom-up; list the rows top-down like the table.
		names = append([]string{r.Metric}, names...)
		logs = append(plotter.Values{math.Log10(v)}, logs...)
		labels.XYs = append(plotter.XYs{{X: math.Log10(v), Y: 0}}, labels.XYs...)
		labels.Labels = append([]string{" " + r.RatioText()}, labels.Labels...)
	}
	if len(logs) == 0 {
		return nil, errors.New("chart: no row has a finite ratio")
	}
	for i := range labels.XYs {
		labels.XYs[i].Y = float64(i)
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "Debian ÷ Cairn (log scale; right of 1× Debian has more or is slower)"
	if skipped > 0 {
		p.X.Label.Text += fmt.Sprintf("\n%d rows with Cairn = 0 or not measured are in the table only", skipped)
	}
	bars, err := plotter.NewBarChart(logs, vg.Points(14))
	if err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	bars.Horizontal = true
	bars.Color = color.RGBA{R: 70, G: 110, B: 170, A: 255}
	bars.LineStyle.Width = 0
	lbl, err := plotter.NewLabels(labels)
	if err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	p.Add(bars, lbl, plotter.NewGrid())
	p.NominalY(names...)
	p.X.Tick.Marker = logTicks{}
	lo, hi := span(logs)
	p.X.Min, p.X.Max = math.Min(lo, 0)-0.2, hi+0.6
	return render(p, widthPx, heightPx)
}

func span(v plotter.Values) (lo, hi float64) {
	lo, hi = v[0], v[0]
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

func render(p *plot.Plot, widthPx, heightPx int) ([]byte, error) {
	w := vg.Length(widthPx) * vg.Inch / chartDPI
	h := vg.Length(heightPx) * vg.Inch / chartDPI
	c := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(chartDPI))}
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("chart: encode PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// logTicks labels whole powers of ten of a log10 axis as 0.1×, 1×, 10×, ...
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var t []plot.Tick
	for e := math.Ceil(lo); e <= hi; e++ {
		t = append(t, plot.Tick{Value: e, Label: fmt.Sprintf("%g×", math.Pow(10, e))})
	}
	return t
}
