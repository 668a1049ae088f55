package main

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"io/fs"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// elfInfo is what an ELF file says about itself.
type elfInfo struct {
	typ    elf.Type
	goMain string // the main module of a Go binary, "" for others
}

// scanRoot lists the regular files under root with their estimated squashfs sizes, the ELF
// ones described.
func scanRoot(root string) ([]file, error) {
	enc, err := newSquashEncoder()
	if err != nil {
		return nil, err
	}
	defer func() { _ = enc.Close() }()
	var out []file
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		squashed, err := squashedSize(enc, p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, file{path: "/" + filepath.ToSlash(rel), size: info.Size(), squashed: squashed, elf: readELF(p)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan the root: %w", err)
	}
	return out, nil
}

// readELF describes an ELF file, or returns nil for any other file.
func readELF(path string) *elfInfo {
	f, err := elf.Open(path)
	if err != nil {
		return nil
	}
	defer func() { _ = f.Close() }()
	info := &elfInfo{typ: f.Type}
	if bi, err := buildinfo.ReadFile(path); err == nil {
		info.goMain = bi.Main.Path
		if info.goMain == "" {
			info.goMain = bi.Path
		}
	}
	return info
}

// printELF lists every ELF file of the root with its origin, grouped by origin.
func printELF(w *report, files []file, o *origins, all bool) {
	byOrigin := map[string][]string{}
	n := 0
	for _, f := range files {
		if f.elf == nil {
			continue
		}
		n++
		origin := o.of(f)
		byOrigin[origin] = append(byOrigin[origin], fmt.Sprintf("%s (%s, %.1f MiB)", f.path, elfKind(f.elf), mib(f.size)))
	}
	w.printf("\nELF files in the root: %d\n", n)
	keys := make([]string, 0, len(byOrigin))
	for k := range byOrigin {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w.printf("  %s: %d\n", k, len(byOrigin[k]))
		for i, line := range byOrigin[k] {
			if i == maxListed && !all {
				w.printf("    ... %d more (-all-elf lists them)\n", len(byOrigin[k])-maxListed)
				break
			}
			w.printf("    %s\n", line)
		}
	}
}

// maxListed is how many files of one origin are listed without -all-elf.
const maxListed = 8

func elfKind(e *elfInfo) string {
	kind := map[elf.Type]string{elf.ET_EXEC: "executable", elf.ET_DYN: "shared object or PIE", elf.ET_REL: "relocatable"}[e.typ]
	if kind == "" {
		kind = e.typ.String()
	}
	if e.goMain != "" {
		kind = "Go " + kind
	}
	return kind
}

// runTool runs a host program and includes its output in the error.
func runTool(name string, args ...string) error {
	var out bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return nil
}
