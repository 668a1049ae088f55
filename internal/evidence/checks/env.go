package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cairn-os/cairn/internal/evidence/facts"
)

// env is what the checks read: the snapshot with its components looked up once.
type env struct {
	s     facts.Snapshot
	opts  Options
	role  string
	procs map[string]facts.Process // by component
	flags map[string]map[string]string
}

func newEnv(s facts.Snapshot, opts Options) *env {
	e := &env{s: s, opts: opts, procs: map[string]facts.Process{}, flags: map[string]map[string]string{}}
	for _, p := range s.Processes.Value {
		if c := p.Component(); c != "" {
			if _, dup := e.procs[c]; !dup {
				e.procs[c], e.flags[c] = p, p.Flags()
			}
		}
	}
	e.role = s.Role
	if e.role == "" {
		e.role = inferRole(e.procs)
	}
	return e
}

// inferRole is the role what runs shows: a control plane runs etcd or the API server, any
// node with Kubernetes runs the kubelet.
func inferRole(procs map[string]facts.Process) string {
	if _, ok := procs["kube-apiserver"]; ok {
		return RoleControlPlane
	}
	if _, ok := procs["etcd"]; ok {
		return RoleControlPlane
	}
	if _, ok := procs["kubelet"]; ok {
		return RoleWorker
	}
	return ""
}

// component returns a component's flags, or why its checks cannot be carried out or do not
// apply (an outcome to return as is).
func (e *env) component(name string) (map[string]string, *outcome) {
	if f, ok := e.flags[name]; ok {
		return f, nil
	}
	if !e.s.Processes.Known() {
		o := unknownOf("the processes could not be read: " + e.s.Processes.Unknown)
		return nil, &o
	}
	if e.role == "" {
		o := na("Kubernetes does not run on this node: no " + name + " process and no configured role")
		return nil, &o
	}
	o := unknownOf(name + " is not running, so its settings cannot be read")
	return nil, &o
}

// file returns the snapshot's record of a node path.
func (e *env) file(path string) (facts.File, bool) {
	f, ok := e.s.Files[path]
	return f, ok
}

// filesUnder returns the recorded entries below dir (not dir itself) that keep, sorted.
func (e *env) filesUnder(dir string, keep func(facts.File) bool) []facts.File {
	var out []facts.File
	for p, f := range e.s.Files {
		if strings.HasPrefix(p, dir+"/") && f.Exists && keep(f) {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b facts.File) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// modeWithin reports whether mode grants nothing limit does not (kube-bench's bitmask test).
func modeWithin(mode, limit uint32) bool { return mode&^limit == 0 }

func perm(f facts.File) string { return fmt.Sprintf("%s %o", f.Path, f.Mode) }

func owner(f facts.File) string { return f.Path + " " + f.Owner() }

// listOr joins items, or says none.
func listOr(items []string, none string) string {
	if len(items) == 0 {
		return none
	}
	return strings.Join(items, ", ")
}
