// Package kmod reads kernel module metadata (the .modinfo section and modules.dep) and loads
// modules in dependency order with finit_module(2).
package kmod

import (
	"bufio"
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
)

// Name returns the module name of a .ko path: the base name without ".ko", with dashes as
// underscores ("kernel/drivers/md/dm-mod.ko" -> "dm_mod").
func Name(p string) string {
	return strings.ReplaceAll(strings.TrimSuffix(path.Base(p), ".ko"), "-", "_")
}

// Depends returns the module names listed in the "depends=" field of a module's .modinfo
// section.
func Depends(r io.ReaderAt) ([]string, error) {
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("parse module ELF: %w", err)
	}
	sec := f.Section(".modinfo")
	if sec == nil {
		return nil, fmt.Errorf("module has no .modinfo section")
	}
	data, err := sec.Data()
	if err != nil {
		return nil, fmt.Errorf("read .modinfo: %w", err)
	}
	var deps []string
	for _, kv := range bytes.Split(data, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte("depends=")); ok && len(v) > 0 {
			for _, d := range strings.Split(string(v), ",") {
				deps = append(deps, strings.ReplaceAll(d, "-", "_"))
			}
		}
	}
	return deps, nil
}

// Dep is the dependency table of modules.dep: module path (relative to the modules directory)
// to the paths of the modules it needs, in the file's order.
type Dep map[string][]string

// ParseDep parses the modules.dep format ("path: dep1 dep2").
func ParseDep(r io.Reader) (Dep, error) {
	d := Dep{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		mod, deps, ok := strings.Cut(line, ":")
		mod = strings.TrimSpace(mod)
		if !ok || mod == "" || strings.ContainsAny(mod, " \t") {
			return nil, fmt.Errorf("modules.dep line %d: %q is not \"path: deps\"", n, line)
		}
		if _, dup := d[mod]; dup {
			return nil, fmt.Errorf("modules.dep line %d: %q listed twice", n, mod)
		}
		d[mod] = strings.Fields(deps)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read modules.dep: %w", err)
	}
	return d, nil
}

// Format writes d in the modules.dep format, sorted by path. Each module's dependencies are
// written as given.
func (d Dep) Format(w io.Writer) error {
	mods := make([]string, 0, len(d))
	for m := range d {
		mods = append(mods, m)
	}
	sort.Strings(mods)
	for _, m := range mods {
		line := m + ":"
		if deps := d[m]; len(deps) > 0 {
			line += " " + strings.Join(deps, " ")
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}

// Path returns the path of the module called name.
func (d Dep) Path(name string) (string, bool) {
	name = strings.ReplaceAll(name, "-", "_")
	for p := range d {
		if Name(p) == name {
			return p, true
		}
	}
	return "", false
}

// Order returns the paths to load, dependencies first, so that every named module loads; each
// path appears once.
func (d Dep) Order(names ...string) ([]string, error) {
	var out []string
	state := map[string]int{} // 1: visiting, 2: done
	var visit func(p string) error
	visit = func(p string) error {
		switch state[p] {
		case 1:
			return fmt.Errorf("dependency cycle through %s", p)
		case 2:
			return nil
		}
		deps, ok := d[p]
		if !ok {
			return fmt.Errorf("module %s is not in modules.dep", p)
		}
		state[p] = 1
		for _, dep := range deps {
			if err := visit(dep); err != nil {
				return err
			}
		}
		state[p] = 2
		out = append(out, p)
		return nil
	}
	for _, n := range names {
		p, ok := d.Path(n)
		if !ok {
			return nil, fmt.Errorf("module %q not found", n)
		}
		if err := visit(p); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ReadLoadList reads a modules-load.d file: one module name a line, # comments.
func ReadLoadList(file string) ([]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			names = append(names, l)
		}
	}
	return names, sc.Err()
}
