package imager

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cairn-os/cairn/internal/pkg/kmod"
)

// moduleIndex knows every module of the kernel package: name to path relative to the modules
// directory, and each module's direct dependencies read from its .modinfo.
type moduleIndex struct {
	dir   string
	paths map[string]string
	deps  map[string][]string
}

func indexModules(dir string) (*moduleIndex, error) {
	ix := &moduleIndex{dir: dir, paths: map[string]string{}, deps: map[string][]string{}}
	err := filepath.WalkDir(filepath.Join(dir, "kernel"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".ko") {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		ix.paths[kmod.Name(rel)] = filepath.ToSlash(rel)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("index modules: %w", err)
	}
	return ix, nil
}

func (ix *moduleIndex) direct(name string) ([]string, error) {
	if d, ok := ix.deps[name]; ok {
		return d, nil
	}
	p, ok := ix.paths[name]
	if !ok {
		return nil, fmt.Errorf("module %q is not in the kernel package", name)
	}
	data, err := os.ReadFile(filepath.Join(ix.dir, p))
	if err != nil {
		return nil, err
	}
	d, err := kmod.Depends(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("module %s: %w", name, err)
	}
	ix.deps[name] = d
	return d, nil
}

// closure returns the modules.dep table of the named modules and everything they need.
// Each entry lists the module's transitive dependencies, in the order modprobe expects
// (the last one loads first).
func (ix *moduleIndex) closure(names []string) (kmod.Dep, error) {
	table := kmod.Dep{}
	var order []string // load order of the whole set
	seen := map[string]bool{}
	var visit func(n string, stack []string) error
	visit = func(n string, stack []string) error {
		n = strings.ReplaceAll(n, "-", "_")
		for _, s := range stack {
			if s == n {
				return fmt.Errorf("module dependency cycle: %s", strings.Join(append(stack, n), " -> "))
			}
		}
		if seen[n] {
			return nil
		}
		deps, err := ix.direct(n)
		if err != nil {
			return err
		}
		for _, d := range deps {
			if err := visit(d, append(stack, n)); err != nil {
				return err
			}
		}
		seen[n] = true
		order = append(order, n)
		return nil
	}
	for _, n := range names {
		if err := visit(n, nil); err != nil {
			return nil, err
		}
	}
	pos := map[string]int{}
	for i, n := range order {
		pos[n] = i
	}
	for _, n := range order {
		all := ix.transitive(n)
		sort.Slice(all, func(i, j int) bool { return pos[all[i]] > pos[all[j]] })
		paths := make([]string, len(all))
		for i, d := range all {
			paths[i] = ix.paths[d]
		}
		table[ix.paths[n]] = paths
	}
	return table, nil
}

// transitive returns every module n needs, directly or not (already read by closure).
func (ix *moduleIndex) transitive(n string) []string {
	set := map[string]bool{}
	var walk func(string)
	walk = func(m string) {
		for _, d := range ix.deps[m] {
			if !set[d] {
				set[d] = true
				walk(d)
			}
		}
	}
	walk(n)
	out := make([]string, 0, len(set))
	for d := range set {
		out = append(out, d)
	}
	return out
}
