package facts

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/cairn-os/cairn/pkg/machinery/constants"
)

// KubeComponents are the programs whose flags and files the CIS checks read.
var KubeComponents = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy"}

// ServiceCgroupRoot is the cgroup under which machined gives each service its own cgroup
// (/cairn/NAME on a node, /cairn/INSTANCE/NAME on a development host).
const ServiceCgroupRoot = "/cairn"

// proc is a process seen by the scan, before Collect decides whether to record it.
type proc struct {
	Process
	dir string
}

// scanProcs lists the processes of procDir (at most maxProcs; truncated says there were
// more), reading each one's command, command line, owner and cgroup. A process that exits
// while it is read is left out.
func scanProcs(ctx context.Context, procDir string) (out []proc, truncated bool, err error) {
	d, err := os.Open(procDir)
	if err != nil {
		return nil, false, err
	}
	defer func() { _ = d.Close() }()
	ents, err := d.ReadDir(-1)
	if err != nil {
		return nil, false, err
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 {
			continue
		}
		if len(out) >= maxProcs {
			return out, true, nil
		}
		if ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		if p, ok := readProc(filepath.Join(procDir, e.Name()), pid); ok {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b proc) int { return a.PID - b.PID })
	return out, false, nil
}

func readProc(dir string, pid int) (proc, bool) {
	fi, err := os.Stat(dir)
	if err != nil {
		return proc{}, false
	}
	p := proc{dir: dir, Process: Process{PID: pid}}
	if uid, _, ok := ownerOf(fi); ok {
		p.UID = uid
	}
	comm := readValue(filepath.Join(dir, "comm"))
	p.Comm = comm.Value
	if args, _, err := readCapped(filepath.Join(dir, "cmdline"), maxArgsBytes); err == nil {
		p.Args = ParseCmdline(args)
	}
	if cg, _, err := readCapped(filepath.Join(dir, "cgroup"), maxSmallFile); err == nil {
		p.Cgroup = ParseCgroup(cg)
		p.Service = ServiceOf(p.Cgroup)
	}
	// Only machined hands copies, and only to its services: a pod's process naming a memfd
	// like one is not taken at its word.
	if p.Service != "" {
		p.Handed = readHanded(dir, p.Args)
	}
	return p, comm.Known()
}

// ParseCmdline splits a /proc/PID/cmdline (NUL-separated arguments) into argv.
func ParseCmdline(data []byte) []string {
	data = bytes.TrimRight(data, "\x00")
	if len(data) == 0 {
		return []string{}
	}
	return strings.Split(string(data), "\x00")
}

// ParseCgroup returns the cgroup v2 path of a /proc/PID/cgroup file (its "0::PATH" line),
// or "" when the process has none.
func ParseCgroup(data []byte) string {
	for line := range strings.Lines(string(data)) {
		if p, ok := strings.CutPrefix(strings.TrimRight(line, "\n"), "0::"); ok {
			return p
		}
	}
	return ""
}

// ServiceOf names the machined service whose cgroup path is: the last element of a path
// under ServiceCgroupRoot, "" for any other cgroup.
func ServiceOf(cgroup string) string {
	rest, ok := strings.CutPrefix(cgroup, ServiceCgroupRoot+"/")
	if !ok || rest == "" {
		return ""
	}
	return rest[strings.LastIndexByte(rest, '/')+1:]
}

// Component returns which Kubernetes component p is ("" for none): its service name when
// machined runs it, else the name it was started as.
func (p Process) Component() string {
	if slices.Contains(KubeComponents, p.Service) {
		return p.Service
	}
	if len(p.Args) > 0 {
		if n := filepath.Base(p.Args[0]); slices.Contains(KubeComponents, n) {
			return n
		}
	}
	return ""
}

// Flags returns the process's command-line flags (see Flags), a descriptor machined handed
// it standing for the file it is a copy of: the file the component really reads from.
func (p Process) Flags() map[string]string {
	f := Flags(p.Args)
	for k, v := range f {
		if src, ok := p.Handed[v]; ok {
			f[k] = src
		}
	}
	return f
}

// fdPathRE finds /proc/self/fd/N in an argument.
var fdPathRE = regexp.MustCompile(`/proc/self/fd/([0-9]{1,6})\b`)

// readHanded reads where the descriptors the arguments name point: machined's handed copies
// are memfds named HandedFilePrefix and the file's path.
func readHanded(dir string, args []string) map[string]string {
	var out map[string]string
	for _, a := range args {
		for _, m := range fdPathRE.FindAllStringSubmatch(a, -1) {
			target, err := os.Readlink(filepath.Join(dir, "fd", m[1]))
			if err != nil {
				continue
			}
			if src, ok := ParseHandedLink(target); ok {
				if out == nil {
					out = map[string]string{}
				}
				out[m[0]] = src
			}
		}
	}
	return out
}

// ParseHandedLink returns the file a handed memfd is a copy of from its /proc/PID/fd link,
// "/memfd:cairn-handed:/etc/kubernetes/scheduler.conf (deleted)".
func ParseHandedLink(target string) (string, bool) {
	rest, ok := strings.CutPrefix(target, "/memfd:"+constants.HandedFilePrefix)
	if !ok {
		return "", false
	}
	rest = strings.TrimSuffix(rest, " (deleted)")
	if !path.IsAbs(rest) || path.Clean(rest) != rest {
		return "", false
	}
	return rest, true
}

// exited tells whether the process of dir has ended: its stat is gone, or says it is a zombie
// (Z) or dead (X). A short-lived process in a service's cgroup (a runc or shim that
// containerd starts) often ends between the scan and the reading of its program.
func exited(dir string) bool {
	b, _, err := readCapped(filepath.Join(dir, "stat"), maxSmallFile)
	if err != nil {
		return true
	}
	return procState(b) == 'Z' || procState(b) == 'X'
}

// procState returns the state letter of a /proc/PID/stat line ("123 (comm) S 1 ..."), read
// after the last ')' since the command may hold one; 0 when there is none.
func procState(stat []byte) byte {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) || stat[i+1] != ' ' {
		return 0
	}
	return stat[i+2]
}

// readFIPS tells a Go program's FIPS 140-3 mode: GODEBUG's fips140 setting in its
// environment wins over the binary's DefaultGODEBUG, as in the Go runtime.
func readFIPS(dir string) FIPS {
	bi, err := buildinfo.ReadFile(filepath.Join(dir, "exe"))
	if err != nil {
		return FIPS{Unknown: "build info: " + why(err)}
	}
	f := FIPS{Mode: "off", Source: "default"}
	for _, s := range bi.Settings {
		switch s.Key {
		case "GOFIPS140":
			f.Module = s.Value
		case "DefaultGODEBUG":
			if m := GodebugFIPS(s.Value); m != "" {
				f.Mode, f.Source = m, "DefaultGODEBUG"
			}
		}
	}
	env, _, err := readCapped(filepath.Join(dir, "environ"), maxEnvBytes)
	if err != nil {
		return FIPS{Module: f.Module, Unknown: "environment: " + why(err)}
	}
	for _, kv := range ParseCmdline(env) {
		if v, ok := strings.CutPrefix(kv, "GODEBUG="); ok {
			if m := GodebugFIPS(v); m != "" {
				f.Mode, f.Source = m, "GODEBUG"
			}
		}
	}
	return f
}

// GodebugFIPS returns the fips140 value of a GODEBUG list ("" when it sets none); the last
// setting wins.
func GodebugFIPS(godebug string) string {
	mode := ""
	for _, kv := range strings.Split(godebug, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(kv), "fips140="); ok {
			mode = v
		}
	}
	return mode
}
