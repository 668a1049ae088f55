package main

import (
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
)

// source is a parsed package: its documentation and struct types by name.
type source struct {
	pkg     *doc.Package
	structs map[string]*ast.StructType
	docs    map[string]string // type name -> doc comment
}

// parseDir parses the non-test Go files of a package directory.
func parseDir(dir string) (*source, error) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", dir, err)
	}
	if len(pkgs) != 1 {
		return nil, fmt.Errorf("parse %s: %d packages, want 1", dir, len(pkgs))
	}
	var files []*ast.File
	for _, p := range pkgs {
		for _, f := range p.Files {
			files = append(files, f)
		}
	}
	importPath := "github.com/cairn-os/cairn/" + filepath.ToSlash(dir)
	pkg, err := doc.NewFromFiles(fset, files, importPath, doc.PreserveAST)
	if err != nil {
		return nil, fmt.Errorf("read docs of %s: %w", dir, err)
	}
	s := &source{pkg: pkg, structs: map[string]*ast.StructType{}, docs: map[string]string{}}
	for _, t := range pkg.Types {
		for _, spec := range t.Decl.Specs {
			ts, ok := spec.(*ast.TypeSpec)
			if st, isStruct := ts.Type.(*ast.StructType); ok && isStruct {
				s.structs[ts.Name.Name] = st
				s.docs[ts.Name.Name] = t.Doc
			}
		}
	}
	return s, nil
}

// field is one documented configuration field.
type field struct {
	Path        string
	Type        string
	Description string
	Default     string
	Validation  string
	Example     string
	Secret      bool
	Section     string // for a struct field: the struct type's name
}

// fields lists the fields of struct name under path prefix, depth first.
func (s *source) fields(name, prefix string) ([]field, error) {
	st, ok := s.structs[name]
	if !ok {
		return nil, fmt.Errorf("type %s is not a struct of the package", name)
	}
	var out []field
	for _, f := range st.Fields.List {
		if len(f.Names) != 1 || !f.Names[0].IsExported() {
			continue
		}
		tag := reflect.StructTag("")
		if f.Tag != nil {
			tag = reflect.StructTag(strings.Trim(f.Tag.Value, "`"))
		}
		key, _, _ := strings.Cut(tag.Get("yaml"), ",")
		if key == "-" || key == "" {
			continue
		}
		path := joinPath(prefix, key)
		fd, err := s.describe(f, path, tag.Get("cairn") == "secret")
		if err != nil {
			return nil, err
		}
		out = append(out, fd)
		if fd.Section != "" {
			sub := path
			if strings.HasPrefix(fd.Type, "list of") {
				sub += "[]"
			}
			nested, err := s.fields(fd.Section, sub)
			if err != nil {
				return nil, err
			}
			out = append(out, nested...)
		}
	}
	return out, nil
}

// describe builds the documentation of one field and checks that it is complete.
func (s *source) describe(f *ast.Field, path string, secret bool) (field, error) {
	fd := field{Path: path, Secret: secret}
	fd.Type, fd.Section = s.typeName(f.Type)
	text := f.Doc.Text()
	if text == "" {
		return fd, fmt.Errorf("%s has no doc comment", path)
	}
	fd.Description, fd.Default, fd.Validation, fd.Example = splitDoc(text)
	leaf := fd.Section == ""
	if leaf && (fd.Validation == "" || fd.Example == "") {
		return fd, fmt.Errorf("%s: a leaf field's doc comment needs Validation: and Example: lines", path)
	}
	return fd, nil
}

// typeName describes a field type in YAML terms; for a struct of the package (or a list of
// them) it also returns the struct's name.
func (s *source) typeName(e ast.Expr) (string, string) {
	switch t := e.(type) {
	case *ast.Ident:
		if _, ok := s.structs[t.Name]; ok {
			return "object", t.Name
		}
		switch t.Name {
		case "int", "uint32":
			return "integer", ""
		}
		return t.Name, ""
	case *ast.StarExpr:
		return s.typeName(t.X)
	case *ast.ArrayType:
		elem, section := s.typeName(t.Elt)
		if section != "" {
			return "list of objects", section
		}
		return "list of " + elem + "s", ""
	case *ast.MapType:
		key, _ := s.typeName(t.Key)
		value, _ := s.typeName(t.Value)
		return "map of " + key + " to " + value, ""
	case *ast.SelectorExpr:
		switch t.Sel.Name {
		case "PEMPair":
			return "PEM pair {crt, key}: base64 of PEM text", ""
		case "PEMBytes":
			return "base64 of PEM text", ""
		}
	}
	return fmt.Sprintf("%T", e), ""
}

// splitDoc splits a doc comment into its description and its Default:, Validation: and
// Example: parts (each may continue on the following lines).
func splitDoc(text string) (desc, def, validation, example string) {
	parts := map[string]*strings.Builder{}
	var cur *strings.Builder
	var descLines []string
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if marker, rest, ok := strings.Cut(line, ": "); ok && (marker == "Default" || marker == "Validation" || marker == "Example") {
			cur = &strings.Builder{}
			parts[marker] = cur
			cur.WriteString(rest)
			continue
		}
		if cur != nil {
			cur.WriteString(" " + strings.TrimSpace(line))
			continue
		}
		descLines = append(descLines, line)
	}
	get := func(k string) string {
		if b := parts[k]; b != nil {
			return strings.TrimSpace(b.String())
		}
		return ""
	}
	return strings.TrimSpace(strings.Join(descLines, "\n")), get("Default"), get("Validation"), get("Example")
}

func joinPath(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}
