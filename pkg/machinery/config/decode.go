package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Decode parses a machine configuration strictly: an unknown field, an unknown document kind
// or a value of the wrong type is an error naming the document, the field's path and its line.
// All such problems are reported together. Decode does not validate; see [Config.Validate].
func Decode(data []byte) (*Config, error) {
	if err := CheckSize("the configuration", int64(len(data))); err != nil {
		return nil, err
	}
	nodes, err := splitDocuments(data)
	if err != nil {
		return nil, err
	}
	if len(nodes) == 0 {
		return nil, errors.New("no documents: want a MachineConfig document")
	}
	cfg := &Config{}
	var problems []error
	for i, n := range nodes {
		doc, errs := decodeDocument(i, n)
		problems = append(problems, errs...)
		switch d := doc.(type) {
		case *Config:
			*cfg = *d
		case Document:
			cfg.Documents = append(cfg.Documents, d)
		}
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return cfg, nil
}

// Load reads and decodes the machine configuration at path.
func Load(path string) (*Config, error) {
	data, err := ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	cfg, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	return cfg, nil
}

// splitDocuments parses the YAML stream into one node per non-empty document.
func splitDocuments(data []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var nodes []*yaml.Node
	for i := 1; ; i++ {
		n := &yaml.Node{}
		err := dec.Decode(n)
		if errors.Is(err, io.EOF) {
			return nodes, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, cleanYAMLError(err))
		}
		if len(n.Content) == 1 && n.Content[0].Tag == "!!null" {
			continue // an empty document, as after a trailing "---"
		}
		nodes = append(nodes, n)
	}
}

// decodeDocument decodes document i (0-based) into a *Config (the first) or a Document.
func decodeDocument(i int, n *yaml.Node) (any, []error) {
	where := fmt.Sprintf("document %d", i+1)
	apiVersion, kind := header(n)
	if i == 0 && (kind != KindMachineConfig || apiVersion != APIVersion) {
		return nil, []error{fmt.Errorf("%s: apiVersion %q kind %q: the first document must be apiVersion %s kind %s",
			where, apiVersion, kind, APIVersion, KindMachineConfig)}
	}
	if i > 0 && kind == KindMachineConfig {
		return nil, []error{fmt.Errorf("%s: only the first document may be a %s", where, KindMachineConfig)}
	}
	target, err := newDocument(apiVersion, kind)
	if err != nil {
		return nil, []error{fmt.Errorf("%s: %w", where, err)}
	}
	return target, decodeInto(where, n, target)
}

// newDocument returns an empty document of the given header.
func newDocument(apiVersion, kind string) (any, error) {
	if apiVersion == APIVersion && kind == KindMachineConfig {
		return &Config{}, nil
	}
	if newDoc := documentKinds[apiVersion+"/"+kind]; newDoc != nil {
		return newDoc(), nil
	}
	return nil, fmt.Errorf("unknown kind %q (apiVersion %q)", kind, apiVersion)
}

// decodeInto decodes n into target, reporting unknown fields and type errors.
func decodeInto(where string, n *yaml.Node, target any) []error {
	var errs []error
	for _, p := range unknownFields(n, target) {
		errs = append(errs, fmt.Errorf("%s: %s", where, p))
	}
	// The walker names the path of each problem; the yaml package's own errors (line only)
	// are the backstop for whatever it does not check.
	if err := n.Decode(target); err != nil && len(errs) == 0 {
		errs = append(errs, fmt.Errorf("%s: %w", where, cleanYAMLError(err)))
	}
	return errs
}

// CheckPartial checks one document of a strategic-merge patch: it decodes it strictly as the
// kind its header names, or as a MachineConfig when it has no header, and returns every
// unknown field (with path and line) and every value of the wrong type, each prefixed by where.
func CheckPartial(where string, n *yaml.Node) []error {
	apiVersion, kind := header(n)
	if apiVersion == "" && kind == "" {
		apiVersion, kind = APIVersion, KindMachineConfig
	}
	target, err := newDocument(apiVersion, kind)
	if err != nil {
		return []error{fmt.Errorf("%s: %w", where, err)}
	}
	return decodeInto(where, n, target)
}

// header returns the apiVersion and kind of a document node, empty when absent.
func header(n *yaml.Node) (apiVersion, kind string) {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return "", ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch k, v := n.Content[i], n.Content[i+1]; {
		case k.Value == "apiVersion" && v.Kind == yaml.ScalarNode:
			apiVersion = v.Value
		case k.Value == "kind" && v.Kind == yaml.ScalarNode:
			kind = v.Value
		}
	}
	return apiVersion, kind
}

// cleanYAMLError turns the yaml package's "yaml: unmarshal errors:\n  line 3: ..." into
// "line 3: ...; line 4: ...".
func cleanYAMLError(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return errors.New(strings.Join(te.Errors, "; "))
	}
	return errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
}
