package config

import (
	"encoding/base64"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

var pemBytesType = reflect.TypeFor[pki.PEMBytes]()

// unknownFields walks a YAML node alongside the Go type it decodes into and returns one
// problem per mapping key that names no field, as `path: unknown field "key" (line N)`, and
// per value of the wrong shape, as `path: "value" must be an integer (line N)`. Types with
// their own UnmarshalYAML (pki.PEMPair) are walked too: their Go fields carry the YAML keys of
// their wire form. Each aliased node is walked once per type, so aliases cannot blow up.
func unknownFields(n *yaml.Node, target any) []string {
	w := &walker{seen: map[walkKey]bool{}}
	w.walk(n, reflect.TypeOf(target), "")
	return w.out
}

type walkKey struct {
	n *yaml.Node
	t reflect.Type
}

type walker struct {
	seen map[walkKey]bool
	out  []string
}

func (w *walker) add(path string, n *yaml.Node, format string, args ...any) {
	w.out = append(w.out, fmt.Sprintf("%s: %s (line %d)", joinPath(path, ""), fmt.Sprintf(format, args...), n.Line))
}

func (w *walker) walk(n *yaml.Node, t reflect.Type, path string) {
	for n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		if w.seen[walkKey{n.Alias, t}] {
			return
		}
		w.seen[walkKey{n.Alias, t}] = true
		n = n.Alias
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	switch {
	case t == pemBytesType:
		w.checkPEM(n, path)
	case t.Kind() == reflect.Struct || t.Kind() == reflect.Map:
		if n.Kind != yaml.MappingNode {
			w.add(path, n, "must be a mapping, not %s", describe(n))
		} else if t.Kind() == reflect.Struct {
			w.walkStruct(n, t, path)
		} else {
			for i := 0; i+1 < len(n.Content); i += 2 {
				w.walk(n.Content[i+1], t.Elem(), fmt.Sprintf("%s[%q]", path, n.Content[i].Value))
			}
		}
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			w.add(path, n, "must be a list, not %s", describe(n))
			return
		}
		for i, e := range n.Content {
			w.walk(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	default:
		w.checkScalar(n, t, path)
	}
}

func (w *walker) walkStruct(n *yaml.Node, t reflect.Type, path string) {
	fields := yamlFields(t)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == "<<" && k.Tag == "!!merge" {
			w.walk(v, t, path)
			continue
		}
		f, ok := fields[k.Value]
		if !ok {
			w.add(path, k, "unknown field %q", k.Value)
			continue
		}
		w.walk(v, f.Type, joinPath(path, k.Value))
	}
}

// checkScalar checks that n can decode into the scalar type t.
func (w *walker) checkScalar(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.ScalarNode {
		w.add(path, n, "must be a %s, not %s", scalarName(t), describe(n))
		return
	}
	switch t.Kind() {
	case reflect.Bool:
		if n.Tag != "!!bool" {
			w.add(path, n, "%q must be true or false", n.Value)
		}
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint32, reflect.Uint64, reflect.Uint16:
		v := strings.ReplaceAll(n.Value, "_", "")
		var err error
		if t.Kind() == reflect.Int || t.Kind() == reflect.Int64 || t.Kind() == reflect.Int32 {
			_, err = strconv.ParseInt(v, 0, t.Bits())
		} else {
			_, err = strconv.ParseUint(v, 0, t.Bits())
		}
		if n.Tag != "!!int" || err != nil {
			w.add(path, n, "%q must be an integer%s", n.Value, intRange(t))
		}
	}
}

// checkPEM checks a base64 string of PEM text without showing it: it may be a private key.
func (w *walker) checkPEM(n *yaml.Node, path string) {
	if n.Kind != yaml.ScalarNode {
		w.add(path, n, "must be a base64 string of PEM text, not %s", describe(n))
		return
	}
	if _, err := base64.StdEncoding.DecodeString(n.Value); err != nil {
		w.add(path, n, "must be a base64 string of PEM text")
	}
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return fmt.Sprintf("%q", n.Value)
	}
}

func scalarName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		return "string"
	default:
		return "number"
	}
}

// intRange describes the range of an unsigned type; int is wide enough not to mention.
func intRange(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Uint32:
		return " from 0 to 4294967295"
	case reflect.Uint16:
		return " from 0 to 65535"
	case reflect.Uint64:
		return " from 0 to 18446744073709551615"
	}
	return ""
}

// yamlFields maps the YAML names of a struct's fields to the fields.
func yamlFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		name := YAMLName(f)
		if name == "" {
			continue
		}
		out[name] = f
	}
	return out
}

// YAMLName returns the YAML key of a struct field, or "" when the field is not encoded.
func YAMLName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	tag := f.Tag.Get("yaml")
	name, _, _ := strings.Cut(tag, ",")
	switch name {
	case "-":
		return ""
	case "":
		return strings.ToLower(f.Name)
	}
	return name
}

// joinPath appends a field name to a dotted path; an empty path stays the root, shown as
// "(root)" when nothing is appended.
func joinPath(path, name string) string {
	switch {
	case path == "" && name == "":
		return "(root)"
	case path == "":
		return name
	case name == "":
		return path
	}
	return path + "." + name
}
