package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

var (
	testCAOnce sync.Once
	testCA     *pki.KeyPair
	testClient *pki.KeyPair
)

// testContext returns a context with a real CA and client certificate.
func testContext(t testing.TB, endpoints ...string) *Context {
	t.Helper()
	testCAOnce.Do(func() {
		var err error
		if testCA, err = pki.NewCA(pki.Request{CommonName: "cairn-os"}); err != nil {
			panic(err)
		}
		if testClient, err = testCA.Issue(pki.Request{CommonName: "admin", Organization: []string{"os:admin"}, Usage: pki.ClientAuth}); err != nil {
			panic(err)
		}
	})
	return &Context{Endpoints: endpoints, CA: testCA.CertPEM, Crt: testClient.CertPEM, Key: testClient.KeyPEM}
}

func TestPath(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the default path is checked on Linux, where the environment decides it")
	}
	tests := []struct {
		name string
		flag string
		env  map[string]string
		want string
	}{
		{"flag wins", "/f/config", map[string]string{"CAIRNCONFIG": "/e/config", "HOME": "/h"}, "/f/config"},
		{"env next", "", map[string]string{"CAIRNCONFIG": "/e/config", "HOME": "/h"}, "/e/config"},
		{"empty env ignored", "", map[string]string{"CAIRNCONFIG": "", "HOME": "/h"}, "/h/.config/cairn/config"},
		{"XDG", "", map[string]string{"XDG_CONFIG_HOME": "/x", "HOME": "/h"}, "/x/cairn/config"},
		{"relative XDG ignored", "", map[string]string{"XDG_CONFIG_HOME": "x", "HOME": "/h"}, "/h/.config/cairn/config"},
		{"home", "", map[string]string{"HOME": "/h"}, "/h/.config/cairn/config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			got, err := Path(tt.flag, lookup)
			if err != nil || got != tt.want {
				t.Errorf("Path(%q, %v) = %q, %v, want %q", tt.flag, tt.env, got, err, tt.want)
			}
		})
	}
}

func TestSaveLoad(t *testing.T) {
	c := New()
	if err := c.Add("prod", testContext(t, "10.0.0.1", "10.0.0.2:50000"), false); err != nil {
		t.Fatal(err)
	}
	c.Contexts["prod"].Nodes = []string{"10.0.0.3"}
	if err := c.Use("prod"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sub", "config")
	if err := c.Save(path, false); err != nil {
		t.Fatalf("Save() = %v", err)
	}
	if runtime.GOOS != "windows" {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != FileMode {
			t.Errorf("mode = %v, want %v", st.Mode().Perm(), FileMode)
		}
	}
	if err := c.Save(path, false); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Save(existing, no overwrite) = %v, want fs.ErrExist", err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatalf("Load() = %v", err)
	}
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("Load(Save(c)) differs (-want +got):\n%s", diff)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want fs.ErrNotExist", err)
	}
	if empty, err := LoadOrNew(filepath.Join(t.TempDir(), "missing")); err != nil || len(empty.Contexts) != 0 {
		t.Errorf("LoadOrNew(missing) = %v, %v, want an empty config", empty, err)
	}
}

func TestGetUse(t *testing.T) {
	c := New()
	if _, _, err := c.Get(""); !errors.Is(err, ErrNoContext) {
		t.Errorf("Get(\"\") on empty config = %v, want ErrNoContext", err)
	}
	_ = c.Add("a", testContext(t, "1.1.1.1"), false)
	_ = c.Add("b", testContext(t, "2.2.2.2"), false)
	if err := c.Use("c"); !errors.Is(err, ErrNoContext) {
		t.Errorf("Use(unknown) = %v, want ErrNoContext", err)
	}
	if err := c.Use("b"); err != nil {
		t.Fatal(err)
	}
	ctx, name, err := c.Get("")
	if err != nil || name != "b" || ctx.Endpoints[0] != "2.2.2.2" {
		t.Errorf("Get(\"\") = %v, %q, %v, want context b", ctx, name, err)
	}
	if err := c.Add("a", testContext(t), false); err == nil {
		t.Errorf("Add(existing) = nil error")
	}
	if err := c.Add("has space", testContext(t), false); err == nil {
		t.Errorf("Add(\"has space\") = nil error")
	}
}

func TestMerge(t *testing.T) {
	base := New()
	_ = base.Add("prod", testContext(t, "10.0.0.1"), false)
	_ = base.Add("prod-1", testContext(t, "10.0.0.9"), false)
	base.Context = "prod"

	other := New()
	_ = other.Add("prod", testContext(t, "10.0.1.1"), false)
	_ = other.Add("dev", testContext(t, "10.0.2.1"), false)
	_ = other.Add("prod-1", testContext(t, "10.0.0.9"), false) // identical: not duplicated
	other.Context = "prod"

	renames := base.Merge(other)
	want := []Rename{{From: "prod", To: "prod-2"}}
	if !slices.Equal(renames, want) {
		t.Errorf("Merge() renames = %v, want %v", renames, want)
	}
	if got := base.Names(); !slices.Equal(got, []string{"dev", "prod", "prod-1", "prod-2"}) {
		t.Errorf("contexts after merge = %v", got)
	}
	if base.Context != "prod-2" {
		t.Errorf("current context = %q, want the merged file's current, renamed: prod-2", base.Context)
	}
	if base.Contexts["prod"].Endpoints[0] != "10.0.0.1" {
		t.Errorf("merge changed an existing context")
	}
	// Merging the same file again adds nothing.
	if again := base.Merge(other); len(again) != 1 || len(base.Contexts) != 4 {
		t.Errorf("second Merge() = %v with %d contexts, want the same rename and 4 contexts", again, len(base.Contexts))
	}
}

func TestDecodeRejects(t *testing.T) {
	ctx := testContext(t)
	other, err := testCA.Issue(pki.Request{CommonName: "x", Usage: pki.ClientAuth})
	if err != nil {
		t.Fatal(err)
	}
	enc := func(c *Config) string {
		data, err := c.Encode()
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	mismatched := &Config{Contexts: map[string]*Context{"a": {CA: ctx.CA, Crt: ctx.Crt, Key: other.KeyPEM}}}
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "empty"},
		{"unknown field", "context: a\ncontexts: {a: {endpoints: [x], talos: 1}}\n", "field talos not found"},
		{"unknown current", "context: b\ncontexts: {a: {endpoints: [x]}}\n", `context: "b" is not one of the contexts`},
		{"space in endpoint", "contexts: {a: {endpoints: [\"a b\"]}}\n", `contexts["a"].endpoints[0]`},
		{"empty node", "contexts: {a: {nodes: [\"\"]}}\n", `contexts["a"].nodes[0]`},
		{"null context", "contexts: {a: null}\n", `contexts["a"]: is empty`},
		{"bad ca", "contexts: {a: {ca: eHl6}}\n", `contexts["a"].ca: holds no PEM certificate`},
		{"ca not base64", "contexts: {a: {ca: \"%%\"}}\n", "not a base64 string"},
		{"crt without key", "contexts: {a: {crt: eHl6}}\n", `contexts["a"].key: is required with crt`},
		{"mismatched key", enc(mismatched), `contexts["a"].crt: private key does not match`},
		{"two documents", "contexts: {}\n---\ncontexts: {}\n", "more than one YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Decode(%q) = %v, want an error containing %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestTLSConfig(t *testing.T) {
	conf, err := testContext(t, "x").TLSConfig()
	if err != nil {
		t.Fatalf("TLSConfig() = %v", err)
	}
	if len(conf.Certificates) != 1 || conf.RootCAs == nil || conf.MinVersion == 0 {
		t.Errorf("TLSConfig() = %+v, want a client certificate, roots and TLS 1.3", conf)
	}
	if _, err := (&Context{}).TLSConfig(); err == nil {
		t.Errorf("TLSConfig() without a CA = nil error")
	}
}

// FuzzDecode checks that Decode never panics and that what it accepts survives a round trip.
func FuzzDecode(f *testing.F) {
	c := New()
	_ = c.Add("a", testContext(f, "10.0.0.1"), false)
	c.Context = "a"
	if data, err := c.Encode(); err == nil {
		f.Add(data)
	}
	f.Add([]byte("context: a\ncontexts: {a: {endpoints: [x], nodes: [y]}}\n"))
	f.Add([]byte("contexts: {}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Decode(data)
		if err != nil {
			return
		}
		out, err := c.Encode()
		if err != nil {
			t.Fatalf("Encode(Decode(data)) = %v", err)
		}
		again, err := Decode(out)
		if err != nil {
			t.Fatalf("Decode(Encode(Decode(data))) = %v\n%s", err, out)
		}
		if diff := cmp.Diff(c, again); diff != "" {
			t.Fatalf("round trip changed the config (-want +got):\n%s", diff)
		}
	})
}
