package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/config"
)

const root = "../.."

// TestDocsUpToDate fails when docs/config.md differs from what the sources generate.
func TestDocsUpToDate(t *testing.T) {
	got, err := generate(root)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(root, "docs", "config.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/config.md is stale: run make docs and commit it")
	}
}

// TestEveryFieldDocumented checks that the reference lists every field the decoder knows.
func TestEveryFieldDocumented(t *testing.T) {
	src, err := parseDir(filepath.Join(root, "pkg", "machinery", "config"))
	if err != nil {
		t.Fatal(err)
	}
	fields, err := src.fields("Config", "")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, f := range fields {
		documented[f.Path] = true
	}
	var walk func(typ reflect.Type, path string)
	n := 0
	walk = func(typ reflect.Type, path string) {
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if typ.Kind() == reflect.Slice && typ.Elem().Kind() == reflect.Struct {
			walk(typ.Elem(), path+"[]")
			return
		}
		if typ.Kind() != reflect.Struct || typ.PkgPath() != reflect.TypeFor[config.Config]().PkgPath() {
			return
		}
		for i := range typ.NumField() {
			name := config.YAMLName(typ.Field(i))
			if name == "" {
				continue
			}
			p := joinPath(path, name)
			n++
			if !documented[p] {
				t.Errorf("field %s is not in the reference", p)
			}
			walk(typ.Field(i).Type, p)
		}
	}
	walk(reflect.TypeFor[config.Config](), "")
	if n != len(fields) || n < 70 {
		t.Errorf("walked %d fields, the reference has %d", n, len(fields))
	}
}

// TestDocumentedDefaultsMatchCode checks every "Default:" line against what WithDefaults
// actually fills into an empty configuration.
func TestDocumentedDefaultsMatchCode(t *testing.T) {
	src, err := parseDir(filepath.Join(root, "pkg", "machinery", "config"))
	if err != nil {
		t.Fatal(err)
	}
	fields, err := src.fields("Config", "")
	if err != nil {
		t.Fatal(err)
	}
	probe := config.New()
	probe.Machine.Network.Interfaces = []config.InterfaceConfig{{Routes: []config.RouteConfig{{}}, VLANs: []config.VLANConfig{{Routes: []config.RouteConfig{{}}}}}}
	probe.Machine.Logging.Destinations = []config.LoggingDestination{{}}
	probe.Machine.Kernel.Modules = []config.KernelModuleConfig{{}}
	defaulted := reflect.ValueOf(probe.WithDefaults()).Elem()
	checked := 0
	for _, f := range fields {
		if f.Section != "" || f.Default == "" || (f.Type == "list of objects" && strings.HasPrefix(f.Default, "none")) {
			continue
		}
		got := format(valueAt(defaulted, f.Path))
		want := documentedValue(f.Default)
		if want != got {
			t.Errorf("%s: documented default %q, WithDefaults gives %q", f.Path, f.Default, got)
		}
		checked++
	}
	if checked < 20 {
		t.Errorf("checked only %d defaults", checked)
	}
}

var parenthetical = regexp.MustCompile(` \(.*\)$`)

// documentedValue turns "1024 (0 means the default)." into "1024" and "none (...)" into "".
func documentedValue(s string) string {
	s = parenthetical.ReplaceAllString(strings.TrimSuffix(s, "."), "")
	if s == "none" {
		return ""
	}
	return s
}

// valueAt follows a documented path (with [] meaning the first element) from v.
func valueAt(v reflect.Value, path string) reflect.Value {
	for _, part := range strings.Split(path, ".") {
		name, list := strings.CutSuffix(part, "[]")
		for i := range v.NumField() {
			if config.YAMLName(v.Type().Field(i)) == name {
				v = v.Field(i)
				break
			}
		}
		if list {
			v = v.Index(0)
		}
	}
	return v
}

// format renders a value the way the doc comments write it.
func format(v reflect.Value) string {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	switch {
	case v.IsZero() && v.Kind() != reflect.Bool && v.Kind() != reflect.Int:
		return ""
	case v.Kind() == reflect.Slice:
		parts := make([]string, v.Len())
		for i := range v.Len() {
			parts[i] = fmt.Sprint(v.Index(i).Interface())
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v.Interface())
}
