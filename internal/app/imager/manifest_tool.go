package imager

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// ToolImage is an OCI image built beside the node image, never into its root, and only on
// request (BuildToolImages): the tools a Job brings with it and a node must not carry (a
// shell, ps, find), for an operator to import with `cairnctl image import`. Its root is
// usr-merged as a Debian 12 installation is: /bin, /sbin, /lib and /lib64 link into /usr.
type ToolImage struct {
	// Name names the outputs, NAME.tar and NAME.json.
	Name       string   `yaml:"name" json:"name"`
	Ref        string   `yaml:"ref" json:"ref"`
	Entrypoint []string `yaml:"entrypoint" json:"entrypoint,omitempty"`
	// Cmd are the default arguments (the program itself when there is no entrypoint, as in
	// busybox's image: sh).
	Cmd []string `yaml:"cmd" json:"cmd,omitempty"`
	// WorkingDir holds nothing but the module directories copied into it (checked at build).
	WorkingDir string   `yaml:"workingDir" json:"workingDir,omitempty"`
	Env        []string `yaml:"env" json:"env,omitempty"`
	// User is the image's default "uid:gid" (root when empty).
	User     string       `yaml:"user" json:"user,omitempty"`
	Binaries []ToolBinary `yaml:"binaries" json:"binaries"`
	// ModuleDirs are directories of an external component's pinned Go module, as the module
	// zip its build module's go.sum pins holds them (kube-bench's cfg/).
	ModuleDirs []ModuleDir `yaml:"moduleDirs" json:"moduleDirs,omitempty"`
	// Debian are the listed files of pinned packages with, for each ELF file, its loader and
	// the closure of its DT_NEEDED libraries, as for the root's Debian programs.
	Debian ToolDebian `yaml:"debian" json:"debian"`
	// Links are symbolic links the builder makes, path: target (what a package's maintainer
	// script would have made, such as /usr/bin/awk -> mawk).
	Links map[string]string `yaml:"links" json:"links,omitempty"`
	// Generated are small files the builder writes, path: content.
	Generated map[string]string `yaml:"generated" json:"generated,omitempty"`
	// Absent are paths that neither exist in the image nor have anything under them: the
	// build fails otherwise.
	Absent []string `yaml:"absent" json:"absent,omitempty"`
}

// ToolBinary places an external binary in a tool image.
type ToolBinary struct {
	Binary string `yaml:"binary" json:"binary"` // name of an external binary
	Path   string `yaml:"path" json:"path"`
}

// ModuleDir copies Dir of an external component's module to Path in a tool image.
type ModuleDir struct {
	External string `yaml:"external" json:"external"`
	Dir      string `yaml:"dir" json:"dir"` // relative to the module's root
	Path     string `yaml:"path" json:"path"`
}

// ToolDebian pins the Debian packages of a tool image and the files taken from them.
type ToolDebian struct {
	Packages []Deb    `yaml:"packages" json:"packages"`
	Files    []string `yaml:"files" json:"files"`
}

// mergedDirs are the top directories a usr-merged root links into /usr.
var mergedDirs = []string{"bin", "sbin", "lib", "lib64"}

// mergedPath is where p (absolute, clean) is in a usr-merged root: /bin/sh is /usr/bin/sh.
func mergedPath(p string) string {
	top, _, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	if slices.Contains(mergedDirs, top) {
		return "/usr" + p
	}
	return p
}

// under tells whether p is dir or inside it.
func under(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

var reEnv = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=[^\x00]*$`)

// validateTools checks the tool images and that every external component is used: placed in
// the root, packed as an image of the root or carried by a tool image.
func (m *Manifest) validateTools() []string {
	var p problems
	binaries, used := map[string]string{}, map[string]bool{}
	for _, e := range m.External {
		used[e.Name] = false // every component is a key: moduleDirs names one
		for _, b := range e.Binaries {
			binaries[b.Name] = e.Name
			used[e.Name] = used[e.Name] || b.Path != ""
		}
	}
	for _, im := range m.Images {
		used[binaries[im.Binary]] = true
	}
	names := map[string]string{}
	for i, t := range m.ToolImages {
		f := fmt.Sprintf("toolImages[%d]", i)
		if prev, ok := names[t.Name]; ok {
			p.add(f+".name", t.Name, "is already used by "+prev)
		}
		names[t.Name] = f + ".name"
		p.toolImage(f, t, binaries, used)
	}
	for i, e := range m.External {
		if !used[e.Name] {
			p.add(fmt.Sprintf("external[%d].name", i), e.Name, "is used by nothing: no binary has a path, no image or tool image carries one")
		}
	}
	return p
}

// toolImage checks one tool image; binaries maps each external binary to its component, and
// used records the components it carries.
func (p *problems) toolImage(f string, t ToolImage, binaries map[string]string, used map[string]bool) {
	if !reName.MatchString(t.Name) || t.Name == "manifest" {
		p.add(f+".name", t.Name, "is not a name (nor manifest: NAME.json is written beside the image's manifest.json)")
	}
	if _, err := name.NewTag(t.Ref, name.StrictValidation); err != nil {
		p.add(f+".ref", t.Ref, "is not a full image reference with a tag")
	}
	p.toolConfig(f, t)
	paths := map[string]string{}
	place := func(field, v string) {
		if !path.IsAbs(v) || path.Clean(v) != v || v == "/" || strings.ContainsAny(v, "\x00\n") {
			p.add(field, v, "is not a clean absolute path")
			return
		}
		if prev, ok := paths[mergedPath(v)]; ok {
			p.add(field, v, "is already used by "+prev+" (/bin, /sbin, /lib and /lib64 are in /usr)")
		}
		paths[mergedPath(v)] = field
	}
	for i, b := range t.Binaries {
		bf := fmt.Sprintf("%s.binaries[%d]", f, i)
		if c, ok := binaries[b.Binary]; ok {
			used[c] = true
		} else {
			p.add(bf+".binary", b.Binary, "names no external binary")
		}
		place(bf+".path", b.Path)
	}
	p.moduleDirs(f, t, used, place)
	if len(t.Debian.Packages) > 0 || len(t.Debian.Files) > 0 {
		p.debian(f+".debian", Debian{Name: t.Name, Packages: t.Debian.Packages, Files: t.Debian.Files})
	}
	for i, file := range t.Debian.Files {
		place(fmt.Sprintf("%s.debian.files[%d]", f, i), file)
	}
	for _, l := range slices.Sorted(maps.Keys(t.Links)) {
		place(f+".links", l)
		if target := t.Links[l]; target == "" || path.Clean(target) != target || strings.ContainsAny(target, "\x00\n") {
			p.add(f+".links."+l, target, "is not a clean link target")
		}
	}
	for _, g := range slices.Sorted(maps.Keys(t.Generated)) {
		place(f+".generated", g)
	}
	p.absent(f, t.Absent, paths)
}

// toolConfig checks the image configuration: entrypoint and command, working directory,
// environment, user.
func (p *problems) toolConfig(f string, t ToolImage) {
	if len(t.Entrypoint) == 0 && len(t.Cmd) == 0 {
		p.add(f+".entrypoint", "", "is empty and so is cmd: a tool image runs a program")
	}
	for _, c := range []struct {
		field string
		args  []string
	}{{"entrypoint", t.Entrypoint}, {"cmd", t.Cmd}} {
		for i, a := range c.args {
			if a == "" || strings.Contains(a, "\x00") {
				p.add(fmt.Sprintf("%s.%s[%d]", f, c.field, i), a, "is empty or holds a NUL")
			}
		}
	}
	if t.WorkingDir != "" && (!path.IsAbs(t.WorkingDir) || path.Clean(t.WorkingDir) != t.WorkingDir) {
		p.add(f+".workingDir", t.WorkingDir, "is not a clean absolute path")
	}
	seen := map[string]bool{}
	for i, kv := range t.Env {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case !reEnv.MatchString(kv):
			p.add(fmt.Sprintf("%s.env[%d]", f, i), kv, "is not NAME=value")
		case seen[k]:
			p.add(fmt.Sprintf("%s.env[%d]", f, i), kv, "sets "+k+" again")
		}
		seen[k] = true
	}
	if t.User != "" && !reUser.MatchString(t.User) {
		p.add(f+".user", t.User, "is not a numeric uid:gid")
	}
}

func (p *problems) moduleDirs(f string, t ToolImage, used map[string]bool, place func(field, v string)) {
	for i, d := range t.ModuleDirs {
		df := fmt.Sprintf("%s.moduleDirs[%d]", f, i)
		if _, ok := used[d.External]; ok {
			used[d.External] = true
		} else {
			p.add(df+".external", d.External, "names no external component")
		}
		if d.Dir == "" || path.IsAbs(d.Dir) || path.Clean(d.Dir) != d.Dir || d.Dir == "." || strings.HasPrefix(d.Dir, "..") {
			p.add(df+".dir", d.Dir, "is not a clean directory path inside the module")
		}
		place(df+".path", d.Path)
	}
}

// absent checks the absent paths, and that nothing the image places is one of them or under
// one.
func (p *problems) absent(f string, absent []string, placed map[string]string) {
	for i, a := range absent {
		af := fmt.Sprintf("%s.absent[%d]", f, i)
		if !path.IsAbs(a) || path.Clean(a) != a || a == "/" {
			p.add(af, a, "is not a clean absolute path other than /")
			continue
		}
		for _, q := range slices.Sorted(maps.Keys(placed)) {
			if under(q, mergedPath(a)) {
				p.add(af, a, "holds "+placed[q])
			}
		}
	}
}
