// Package surface parses the output of the Debian peer's surface.sh: offline attack-surface
// figures of a root filesystem ("key: value" lines, then "--- title" detail sections).
package surface

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Figures are the numbers surface.sh prints for one root filesystem.
type Figures struct {
	Rootfs           string
	RegularFiles     int
	ELFExecutables   int
	ELFStatic        int
	ELFTotal         int
	PathCommandNames int
	PathInodes       int // distinct program files reachable by a PATH name
	Setuid           int
	Setgid           int
	Shells           []string // names, e.g. "sh", "bash"
	Interpreters     []string
	Packages         int
	PackageDB        string // "dpkg, state ii", "no package database", ...
	SizeBytes        int64
	KernelPartBytes  int64
	SquashfsBytes    int64 // -1 when mksquashfs failed
	SetuidFiles      []string
	SetgidFiles      []string
}

// required are the keys every surface.sh output has.
var required = []string{
	"rootfs", "regular_files", "elf_executables", "elf_files_total", "path_command_names",
	"path_unique_inodes_following_symlinks", "setuid_files", "setgid_files", "shells",
	"interpreters", "packages", "size_du_sb", "squashfs_zstd",
}

// Parse reads surface.sh output.
func Parse(r io.Reader) (*Figures, error) {
	kv, sections, err := split(r)
	if err != nil {
		return nil, err
	}
	for _, k := range required {
		if _, ok := kv[k]; !ok {
			return nil, fmt.Errorf("surface output: key %q missing", k)
		}
	}
	f := &Figures{Rootfs: kv["rootfs"], SetuidFiles: sections["setuid files"], SetgidFiles: sections["setgid files"]}
	p := parser{kv: kv}
	f.RegularFiles = p.int("regular_files")
	f.ELFExecutables = p.int("elf_executables")
	f.ELFStatic = p.intAfter("elf_executables", "; ", " of them static")
	f.ELFTotal = p.int("elf_files_total")
	f.PathCommandNames = p.int("path_command_names")
	f.PathInodes = p.int("path_unique_inodes_following_symlinks")
	f.Setuid = p.int("setuid_files")
	f.Setgid = p.int("setgid_files")
	f.Shells = names(kv["shells"])
	f.Interpreters = names(kv["interpreters"])
	f.Packages = p.int("packages")
	f.PackageDB = parenthesised(kv["packages"])
	f.SizeBytes = int64(p.int("size_du_sb"))
	f.KernelPartBytes = int64(p.intAfter("size_du_sb", "kernel/modules/firmware/boot: ", " bytes"))
	f.SquashfsBytes = -1
	if !strings.HasPrefix(kv["squashfs_zstd"], "FAILED") {
		f.SquashfsBytes = int64(p.int("squashfs_zstd"))
	}
	if p.err != nil {
		return nil, p.err
	}
	return f, nil
}

// split separates the "key: value" header from the "--- title" sections of indented lines.
func split(r io.Reader) (map[string]string, map[string][]string, error) {
	kv := map[string]string{}
	sections := map[string][]string{}
	section := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "--- "):
			section = strings.TrimPrefix(line, "--- ")
			sections[section] = []string{}
		case section != "":
			if s := strings.TrimSpace(line); s != "" && s != "(none)" {
				sections[section] = append(sections[section], s)
			}
		case strings.TrimSpace(line) == "":
		default:
			k, v, ok := strings.Cut(line, ": ")
			if !ok {
				k, v, ok = strings.Cut(line, ":")
			}
			if !ok || k == "" || strings.ContainsAny(k, " \t") {
				return nil, nil, fmt.Errorf("surface output line %d: %q is not \"key: value\"", n, line)
			}
			kv[k] = strings.TrimSpace(v)
		}
	}
	return kv, sections, sc.Err()
}

type parser struct {
	kv  map[string]string
	err error
}

// int parses the leading number of a value ("600   (distinct inodes ...)").
func (p *parser) int(key string) int {
	return p.num(key, p.kv[key])
}

// intAfter parses the number that follows marker inside the value of key and ends at end.
func (p *parser) intAfter(key, marker, end string) int {
	v := p.kv[key]
	_, rest, ok := strings.Cut(v, marker)
	if !ok {
		return 0 // older surface.sh versions lack the detail
	}
	s, _, _ := strings.Cut(rest, end)
	return p.num(key, s)
}

func (p *parser) num(key, v string) int {
	f := strings.Fields(v)
	if len(f) == 0 {
		p.fail(key, v)
		return 0
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 0 {
		p.fail(key, v)
		return 0
	}
	return n
}

func (p *parser) fail(key, v string) {
	if p.err == nil {
		p.err = fmt.Errorf("surface output: %s: %q does not start with a non-negative number", key, v)
	}
}

// names turns "sh(->/usr/bin/dash) bash(->/usr/bin/bash)" into [sh bash]; "none" into nil.
func names(v string) []string {
	if v == "none" || v == "" {
		return nil
	}
	var out []string
	for _, f := range strings.Fields(v) {
		name, _, _ := strings.Cut(f, "(")
		out = append(out, name)
	}
	return out
}

func parenthesised(v string) string {
	_, rest, ok := strings.Cut(v, "(")
	if !ok {
		return ""
	}
	s, _, _ := strings.Cut(rest, ")")
	return s
}
