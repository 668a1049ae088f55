package imager

import (
	"slices"
	"strings"
	"testing"
)

// TestToolManifestErrors names each bad field of a tool image with its value.
func TestToolManifestErrors(t *testing.T) {
	in := `kernel: {package: linux-image-x, version: "1", sha256: ` + strings.Repeat("a", 64) + `, release: x}
binaries: [{name: cairn, package: ./cmd/cairn, path: /sbin/cairn}]
external:
  - {name: tool, module: example.com/tool, version: v1.0.0, dir: external/tool, binaries: [{name: tool, package: .}]}
  - {name: idle, module: example.com/idle, version: v1.0.0, dir: external/idle, binaries: [{name: idle, package: .}]}
  - {name: tool, module: example.com/tool2, version: v1.0.0, dir: external/tool2, binaries: [{name: tool2, package: .}]}
toolImages:
  - name: "Bad Name"
    ref: "tool"
    entrypoint: []
    workingDir: opt/tool
    env: [PATH=/bin, "1X=y", PATH=/usr/bin]
    user: root
    binaries: [{binary: nosuch, path: usr/bin/x}, {binary: tool, path: /usr/bin/tool}]
    moduleDirs: [{external: nosuch, dir: ../up, path: /opt/tool/cfg}]
    debian:
      packages: [{package: bash, version: "5", sha256: abc}]
      files: [/bin/bash, /usr/bin/tool]
    links: {/usr/bin/bash: sh, /bin/sh: "../bin//bash"}
    generated: {/etc/kubernetes/x.conf: "x"}
    absent: [/etc/kubernetes, /]
  - {name: manifest, ref: "cairn.local/x:v1", entrypoint: [x]}
  - {name: manifest, ref: "cairn.local/y:v1", entrypoint: [""], cmd: [sh, ""]}
  - {name: shell, ref: "cairn.local/sh:v1", cmd: [sh]}
`
	_, err := ParseManifest([]byte(in))
	if err == nil {
		t.Fatal("ParseManifest(bad tool image) = nil error")
	}
	for _, want := range []string{
		`external[1].name: "idle" is used by nothing`,
		`external[2].name: "tool" is already used by external[0].name`,
		`toolImages[0].name: "Bad Name" is not a name`,
		`toolImages[0].ref: "tool" is not a full image reference with a tag`,
		`toolImages[0].entrypoint: "" is empty and so is cmd`,
		`toolImages[0].workingDir: "opt/tool" is not a clean absolute path`,
		`toolImages[0].env[1]: "1X=y" is not NAME=value`,
		`toolImages[0].env[2]: "PATH=/usr/bin" sets PATH again`,
		`toolImages[0].user: "root" is not a numeric uid:gid`,
		`toolImages[0].binaries[0].binary: "nosuch" names no external binary`,
		`toolImages[0].binaries[0].path: "usr/bin/x" is not a clean absolute path`,
		`toolImages[0].moduleDirs[0].external: "nosuch" names no external component`,
		`toolImages[0].moduleDirs[0].dir: "../up" is not a clean directory path inside the module`,
		`toolImages[0].debian.packages[0].sha256: "abc"`,
		`toolImages[0].debian.files[1]: "/usr/bin/tool" is already used by toolImages[0].binaries[1].path`,
		`toolImages[0].links: "/usr/bin/bash" is already used by toolImages[0].debian.files[0] (/bin, /sbin, /lib and /lib64 are in /usr)`,
		`toolImages[0].links./bin/sh: "../bin//bash" is not a clean link target`,
		`toolImages[0].absent[0]: "/etc/kubernetes" holds toolImages[0].generated`,
		`toolImages[0].absent[1]: "/" is not a clean absolute path other than /`,
		`toolImages[1].name: "manifest" is not a name`,
		`toolImages[2].name: "manifest" is already used by toolImages[1].name`,
		`toolImages[2].entrypoint[0]: "" is empty or holds a NUL`,
		`toolImages[2].cmd[1]: "" is empty or holds a NUL`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "toolImages[3]") { // a command and no entrypoint is an image's program too
		t.Errorf("error names toolImages[3], which has a cmd and no entrypoint:\n%v", err)
	}
}

// TestKubeBenchManifest pins what the kube-bench Job relies on in the manifest's entry, and
// that the node image's build leaves the components only tool images carry alone.
func TestKubeBenchManifest(t *testing.T) {
	m, err := DefaultManifest()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(m.ToolImages, func(t ToolImage) bool { return t.Name == "kube-bench" })
	if i < 0 {
		t.Fatal("the manifest has no kube-bench tool image")
	}
	kb := m.ToolImages[i]
	if kb.Ref != "cairn.local/kube-bench:v0.15.1" || !slices.Equal(kb.Entrypoint, []string{"kube-bench"}) || kb.WorkingDir != "/opt/kube-bench" ||
		!slices.Contains(kb.Env, "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin") || kb.User != "0:0" {
		t.Errorf("kube-bench image: ref %s, entrypoint %q, workingDir %s, env %q, user %q", kb.Ref, kb.Entrypoint, kb.WorkingDir, kb.Env, kb.User)
	}
	for _, f := range []string{"/bin/bash", "/bin/ps", "/bin/cat", "/bin/grep", "/usr/bin/stat", "/usr/bin/find", "/usr/bin/xargs", "/bin/sed", "/usr/bin/mawk", "/usr/bin/jq"} {
		if !slices.Contains(kb.Debian.Files, f) {
			t.Errorf("kube-bench image: debian.files lacks %s", f)
		}
	}
	if kb.Links["/bin/sh"] != "bash" || kb.Links["/usr/bin/awk"] != "mawk" {
		t.Errorf("kube-bench image links = %v, want /bin/sh -> bash and /usr/bin/awk -> mawk", kb.Links)
	}
	for _, e := range m.RootExternals() {
		if e.Name == "kube-bench" || e.Name == "kubectl" {
			t.Errorf("the node image's build builds %s, which only a tool image carries", e.Name)
		}
	}
	k8s, _ := m.LDFlags("kubernetes")
	kubectl, _ := m.LDFlags("kubectl")
	if k8s == "" || kubectl != k8s {
		t.Errorf("kubectl is linked with %q, the node's Kubernetes with %q; want the same stamps", kubectl, k8s)
	}
}

func TestMergedPath(t *testing.T) {
	for in, want := range map[string]string{
		"/bin/sh": "/usr/bin/sh", "/lib64/ld-linux-x86-64.so.2": "/usr/lib64/ld-linux-x86-64.so.2", "/sbin": "/usr/sbin",
		"/usr/bin/awk": "/usr/bin/awk", "/binary": "/binary", "/etc/passwd": "/etc/passwd", "/opt/bin/x": "/opt/bin/x",
	} {
		if got := mergedPath(in); got != want {
			t.Errorf("mergedPath(%q) = %q, want %q", in, got, want)
		}
	}
}
