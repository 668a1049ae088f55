package config

import (
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// unknownFields walks a YAML node alongside the Go type it decodes into and returns one
// problem per mapping key that names no field, as `path: unknown field "key" (line N)`.
// Types with their own UnmarshalYAML (pki.PEMPair) are walked too: their Go fields carry the YAML
// keys of their wire form.
func unknownFields(n *yaml.Node, target any) []string {
	var out []string
	walkKnown(n, reflect.TypeOf(target), "", &out)
	return out
}

func walkKnown(n *yaml.Node, t reflect.Type, path string, out *[]string) {
	for n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		walkStruct(n, t, path, out)
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, e := range n.Content {
			walkKnown(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i), out)
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			walkKnown(n.Content[i+1], t.Elem(), fmt.Sprintf("%s[%q]", path, n.Content[i].Value), out)
		}
	}
}

func walkStruct(n *yaml.Node, t reflect.Type, path string, out *[]string) {
	fields := yamlFields(t)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == "<<" && k.Tag == "!!merge" {
			walkKnown(v, t, path, out)
			continue
		}
		f, ok := fields[k.Value]
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: unknown field %q (line %d)", joinPath(path, ""), k.Value, k.Line))
			continue
		}
		walkKnown(v, f.Type, joinPath(path, k.Value), out)
	}
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
