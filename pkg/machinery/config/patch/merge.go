package patch

import (
	"bytes"
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/cairn-os/cairn/pkg/machinery/config"
)

// directive is the key that marks a map or list element for deletion: `$patch: delete`.
const directive = "$patch"

// listKeys names the lists of named things and the keys their elements are matched on, in
// order of preference.
var listKeys = map[string][]string{
	"machine.network.interfaces":         {"name", "hardwareAddress"},
	"machine.network.interfaces[].vlans": {"id"},
	"machine.kernel.modules":             {"name"},
	"machine.logging.destinations":       {"endpoint"},
}

func (p *mergePatch) apply(docs *[]any) error {
	for _, pd := range p.docs {
		m, _ := pd.(map[string]any)
		apiVersion, kind := m["apiVersion"], m["kind"]
		if (apiVersion == nil && kind == nil) || kind == config.KindMachineConfig {
			(*docs)[0] = merge((*docs)[0], m, "")
			continue
		}
		i := slices.IndexFunc(*docs, func(d any) bool {
			dm, _ := d.(map[string]any)
			return dm["apiVersion"] == apiVersion && dm["kind"] == kind && dm["name"] == m["name"]
		})
		switch {
		case i > 0 && isDelete(m):
			*docs = slices.Delete(*docs, i, i+1)
		case i > 0:
			(*docs)[i] = merge((*docs)[i], m, "")
		case !isDelete(m):
			*docs = append(*docs, clean(m))
		}
	}
	return nil
}

// merge merges src into dst (see the package documentation) and returns the result.
func merge(dst, src any, path string) any {
	s, sok := src.(map[string]any)
	d, dok := dst.(map[string]any)
	if sok && dok {
		for k, v := range s {
			switch {
			case k == directive:
			case isDelete(v):
				delete(d, k)
			default:
				d[k] = merge(d[k], v, join(path, k))
			}
		}
		return d
	}
	sl, sok := src.([]any)
	dl, dok := dst.([]any)
	if keys := listKeys[path]; sok && dok && keys != nil {
		return mergeList(dl, sl, path, keys)
	}
	return clean(src)
}

// mergeList merges the elements of src into dst by their key.
func mergeList(dst, src []any, path string, keys []string) []any {
	for _, item := range src {
		i := indexByKey(dst, item, keys)
		switch {
		case i < 0 && isDelete(item):
		case i < 0:
			dst = append(dst, clean(item))
		case isDelete(item):
			dst = slices.Delete(dst, i, i+1)
		default:
			dst[i] = merge(dst[i], item, path+"[]")
		}
	}
	return dst
}

// indexByKey returns the index of the element of list whose key equals item's, or -1. The
// key is the first of keys that item sets.
func indexByKey(list []any, item any, keys []string) int {
	im, _ := item.(map[string]any)
	for _, k := range keys {
		v, ok := im[k]
		if !ok || v == nil || v == "" {
			continue
		}
		return slices.IndexFunc(list, func(e any) bool {
			em, _ := e.(map[string]any)
			return em[k] != nil && fmt.Sprint(em[k]) == fmt.Sprint(v)
		})
	}
	return -1
}

// isDelete reports whether v is a map carrying `$patch: delete`.
func isDelete(v any) bool {
	m, ok := v.(map[string]any)
	return ok && m[directive] == "delete"
}

// clean returns v without `$patch` keys, for content that is added rather than merged.
func clean(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			if k != directive {
				out[k] = clean(e)
			}
		}
		return out
	case []any:
		out := make([]any, 0, len(t))
		for _, e := range t {
			if !isDelete(e) {
				out = append(out, clean(e))
			}
		}
		return out
	}
	return v
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// withoutDirectives returns a copy of n without `$patch` keys, so that the strict decoder
// can check the rest; a `$patch` whose value is not "delete" is an error.
func withoutDirectives(n *yaml.Node) (*yaml.Node, error) {
	c := *n
	c.Content = nil
	step := 1
	if n.Kind == yaml.MappingNode {
		step = 2
	}
	for i := 0; i+step <= len(n.Content); i += step {
		if step == 2 && n.Content[i].Value == directive {
			if v := n.Content[i+1]; v.Value != "delete" {
				return nil, fmt.Errorf("line %d: %s: %q: the only directive is delete", v.Line, directive, v.Value)
			}
			continue
		}
		for _, e := range n.Content[i : i+step] {
			ec, err := withoutDirectives(e)
			if err != nil {
				return nil, err
			}
			c.Content = append(c.Content, ec)
		}
	}
	return &c, nil
}

// genericDocuments decodes every document of a configuration into generic YAML values.
func genericDocuments(data []byte) ([]any, error) {
	nodes, err := splitNodes(data)
	if err != nil {
		return nil, err
	}
	docs := make([]any, len(nodes))
	for i, n := range nodes {
		if err := n.Decode(&docs[i]); err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
	}
	return docs, nil
}

// encodeGeneric encodes generic documents as a YAML stream.
func encodeGeneric(docs []any) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	for i, d := range docs {
		if err := enc.Encode(d); err != nil {
			return nil, fmt.Errorf("encode patched document %d: %w", i+1, err)
		}
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode patched config: %w", err)
	}
	return buf.Bytes(), nil
}
