package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/procfs"

	"github.com/cairn-os/cairn/bench/compare/probe"
	"github.com/cairn-os/cairn/bench/compare/report"
	"github.com/cairn-os/cairn/pkg/machinery/atomicfile"
)

// Chart size in pixels.
const chartW, chartH = 1200, 800

// write renders compare.md and compare.png into the output directory and prints the table.
func (r *runner) write() error {
	out := r.abs(r.o.Out)
	if err := os.MkdirAll(out, 0o750); err != nil {
		return err
	}
	doc := r.document()
	md := doc.Markdown()
	if err := atomicfile.Write(filepath.Join(out, "compare.md"), []byte(md), 0o644, true); err != nil {
		return err
	}
	png, err := report.Chart("Debian 12 node ÷ Cairn, same kernel, same QEMU settings", chartRows(doc.Rows), chartW, chartH)
	if err != nil {
		r.log.Warn("no chart drawn", "error", err)
	} else if err := atomicfile.Write(filepath.Join(out, "compare.png"), png, 0o644, true); err != nil {
		return err
	}
	_, _ = fmt.Fprint(r.stdout, md)
	r.log.Info("report written", "markdown", filepath.Join(out, "compare.md"), "chart", filepath.Join(out, "compare.png"))
	return nil
}

func (r *runner) document() *report.Document {
	res := &r.res
	doc := &report.Document{
		Title: "Cairn side by side with a Debian 12 node",
		Meta: [][2]string{
			{"date", res.started.Format(time.RFC3339)},
			{"machine", machine()},
			{"QEMU", firstLine("qemu-system-x86_64", "--version")},
			{"Go", runtime.Version()},
			{"Cairn source", firstLine("git", "-C", r.root, "describe", "--tags", "--always", "--dirty")},
			{"VM settings (both)", fmt.Sprintf("TCG, %d vCPUs, %d MiB, virtio-blk (-snapshot), virtio-net user-mode restrict=on with loopback-only forwards, virtio-rng, serial console; -runs %d: boots alternate Debian, Cairn, Debian, ...", r.o.CPUs, r.o.MemMiB, r.o.Runs)},
			{"endpoints", "Cairn: a mutual-TLS Version call through the API succeeds; Debian: the SSH banner (SSH-2.0) is read"},
		},
		Rows: rows(res, !r.o.SkipBoot),
	}
	if !r.o.SkipBoot {
		doc.Sections = append(doc.Sections, report.Section{Title: "Boots (other_cores: cores the rest of the host used meanwhile)", Body: runsTable(res.runs)},
			report.Section{Title: "Runtime notes", Body: runtimeNotes(res)})
	}
	doc.Sections = append(doc.Sections, report.Section{Title: "Commands", Body: r.commandsBody()})
	if r.o.BenchCount > 0 {
		doc.Sections = append(doc.Sections, report.Section{Title: fmt.Sprintf("API micro-benchmarks (bench/api, -count %d, benchstat)", r.o.BenchCount), Body: res.apiBench})
	}
	return doc
}

// chartRows leaves out the spread row: a ratio of two ranges says little.
func chartRows(rows []report.Row) []report.Row {
	var out []report.Row
	for _, r := range rows {
		if !strings.HasPrefix(r.Metric, "boot: spread") {
			out = append(out, r)
		}
	}
	return out
}

func runsTable(runs []bootRun) string {
	var rows [][]string
	for _, run := range runs {
		s := fmt.Sprintf("%.2f", run.Seconds)
		if run.Err != "" {
			s = "FAIL: " + run.Err
		}
		rows = append(rows, []string{strconv.Itoa(run.N), run.OS, s, fmt.Sprintf("%.2f", run.OtherCores), fmt.Sprintf("%.2f", run.IdleCheck), run.Load1})
	}
	return report.Table([]string{"run", "system", "seconds to endpoint", "other_cores", "idle check", "load1"}, "llrrrr", rows)
}

func runtimeNotes(res *results) string {
	var b strings.Builder
	for _, s := range []struct {
		name string
		f    runtimeFigures
	}{{osCairn, res.cairn.runtime}, {osDebian, res.debian.runtime}} {
		fmt.Fprintf(&b, "- **%s**: memory read %s.", s.name, s.f.IdleFrom)
		if s.f.Err != "" {
			fmt.Fprintf(&b, " Not measured: %s.", s.f.Err)
		}
		fmt.Fprintf(&b, " Listening sockets: %s. Processes by RSS: %s\n", codeList(s.f.Sockets), procList(s.f.Procs))
	}
	return b.String()
}

// procList names the user-space processes, largest RSS first: "machined 30.1 MiB, ...".
func procList(procs []probe.Proc) string {
	var user []probe.Proc
	for _, p := range procs {
		if p.PID != 2 && p.PPID != 2 {
			user = append(user, p)
		}
	}
	if len(user) == 0 {
		return "none"
	}
	sort.SliceStable(user, func(i, j int) bool { return user[i].RSSBytes > user[j].RSSBytes })
	parts := make([]string, len(user))
	for i, p := range user {
		parts[i] = fmt.Sprintf("%s %.1f MiB", p.Command, float64(p.RSSBytes)/(1<<20))
	}
	return strings.Join(parts, ", ")
}

func codeList(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = "`" + strings.Join(strings.Fields(s), " ") + "`"
	}
	return strings.Join(q, ", ")
}

func (r *runner) commandsBody() string {
	var b strings.Builder
	b.WriteString("```\n")
	fmt.Fprintf(&b, "# this report\ngo run ./bench/compare %s\n", strings.Join(r.args, " "))
	b.WriteString("# host commands, in order\n")
	for _, c := range r.res.commands {
		b.WriteString(c + "\n")
	}
	for _, name := range []string{osDebian, osCairn} {
		if q := r.res.qemu[name]; len(q) > 0 {
			fmt.Fprintf(&b, "# QEMU, %s\n%s\n", name, shellJoin(q))
		}
	}
	b.WriteString("```")
	return b.String()
}

// shellJoin quotes arguments that need it for a copy-pasteable command line.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t'\"$;&|<>()*?") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

// machine describes the host: cores, memory and CPU model.
func machine() string {
	model, mem := "unknown CPU", "?"
	if fs, err := procfs.NewFS(procRoot); err == nil {
		if cpus, err := fs.CPUInfo(); err == nil && len(cpus) > 0 {
			model = cpus[0].ModelName
		}
		if m, err := fs.Meminfo(); err == nil && m.MemTotal != nil {
			mem = fmt.Sprintf("%.1f GiB", float64(*m.MemTotal)/(1<<20))
		}
	}
	return fmt.Sprintf("%d cores (nproc), %s memory, %s", runtime.NumCPU(), mem, model)
}

func firstLine(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}
