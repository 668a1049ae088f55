package harness

import (
	"fmt"
	"os"
	"strings"

	"github.com/cairn-os/cairn/bench/compare/report"
	"github.com/cairn-os/cairn/bench/compare/stats"
)

// bootSummary summarises the successful boots of one system.
func bootSummary(runs []bootRun, name string) (stats.Summary, int) {
	var xs []float64
	failed := 0
	for _, r := range runs {
		switch {
		case r.OS != name:
		case r.Err != "":
			failed++
		default:
			xs = append(xs, r.Seconds)
		}
	}
	return stats.Summarize(xs), failed
}

func bootValue(s stats.Summary, failed int) report.Value {
	if s.N == 0 {
		return report.Missing(fmt.Sprintf("%d boots failed", failed))
	}
	v := report.Value{N: s.Median, Text: fmt.Sprintf("%.2f (%.2f–%.2f)", s.Median, s.Min, s.Max)}
	if failed > 0 {
		v.Text += fmt.Sprintf(", %d failed", failed)
	}
	return v
}

// rows builds the table from the results.
func rows(res *results, booted bool) []report.Row {
	c, d := &res.cairn, &res.debian
	var out []report.Row
	if booted {
		cs, cf := bootSummary(res.runs, osCairn)
		ds, df := bootSummary(res.runs, osDebian)
		out = append(out,
			report.Row{Metric: "boot: QEMU start → endpoint answers (s, median (min–max))", Cairn: bootValue(cs, cf), Debian: bootValue(ds, df)},
			report.Row{Metric: "boot: spread max−min (s)", Cairn: spread(cs), Debian: spread(ds)},
			rt("memory in use after idle, MemTotal−MemAvailable (MiB)", c.runtime, d.runtime, func(f runtimeFigures) report.Value { return report.MiB(f.UsedBytes) }),
			rt("RSS of the OS's own processes (MiB, summed)", c.runtime, d.runtime, func(f runtimeFigures) report.Value { return report.MiB(f.RSSBytes) }),
			rt("user-space processes", c.runtime, d.runtime, func(f runtimeFigures) report.Value { return report.Int(int64(f.Processes)) }),
			rt("listening sockets (TCP listen + UDP unconnected)", c.runtime, d.runtime, func(f runtimeFigures) report.Value { return report.Int(int64(len(f.Sockets))) }),
		)
	}
	if c.surface == nil || d.surface == nil {
		return out
	}
	cs, ds := c.surface, d.surface
	n := func(metric string, a, b int) report.Row {
		return report.Row{Metric: metric, Cairn: report.Int(int64(a)), Debian: report.Int(int64(b))}
	}
	mib := func(metric string, a, b int64) report.Row {
		return report.Row{Metric: metric, Cairn: sizeValue(a), Debian: sizeValue(b)}
	}
	out = append(out,
		n("ELF executables in the root", cs.ELFExecutables, ds.ELFExecutables),
		n("ELF files in the root (all kinds)", cs.ELFTotal, ds.ELFTotal),
		n("command names in PATH", cs.PathCommandNames, ds.PathCommandNames),
		n("distinct programs reachable by PATH", cs.PathInodes, ds.PathInodes),
		n("setuid files", cs.Setuid, ds.Setuid),
		n("setgid files", cs.Setgid, ds.Setgid),
		report.Row{Metric: "shells", Cairn: list(cs.Shells), Debian: list(ds.Shells)},
		report.Row{Metric: "interpreters", Cairn: list(cs.Interpreters), Debian: list(ds.Interpreters)},
		n("packages (Debian: dpkg) / pinned components (Cairn: manifest)", c.components, d.components),
		n("regular files in the root", cs.RegularFiles, ds.RegularFiles),
		mib("root filesystem size, du (MiB)", cs.SizeBytes, ds.SizeBytes),
		mib("root as zstd squashfs (MiB)", cs.SquashfsBytes, ds.SquashfsBytes),
		mib("kernel (MiB)", fileSize(c.img.Kernel), fileSize(d.img.Kernel)),
		mib("initramfs (MiB; Cairn's holds its whole root)", fileSize(c.img.Initrd), fileSize(d.img.Initrd)),
	)
	return out
}

func spread(s stats.Summary) report.Value {
	if s.N == 0 {
		return report.Missing("no boot")
	}
	return report.Float(s.Spread(), 2)
}

func rt(metric string, c, d runtimeFigures, v func(runtimeFigures) report.Value) report.Row {
	get := func(f runtimeFigures) report.Value {
		if f.Err != "" {
			return report.Missing("see notes")
		}
		return v(f)
	}
	return report.Row{Metric: metric, Cairn: get(c), Debian: get(d)}
}

// list is a count with the names: "4: sh bash rbash dash".
func list(names []string) report.Value {
	if len(names) == 0 {
		return report.Int(0)
	}
	return report.Value{N: float64(len(names)), Text: fmt.Sprintf("%d: %s", len(names), strings.Join(names, " "))}
}

// fileSize is the size of a file, -1 when it cannot be read.
func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return -1
	}
	return st.Size()
}

func sizeValue(b int64) report.Value {
	if b < 0 {
		return report.Missing("not measured")
	}
	return report.MiB(b)
}
