package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"go.yaml.in/yaml/v3"

	"github.com/cairn-os/cairn/pkg/machinery/config"
)

// Parse parses patch text: a list is an RFC 6902 JSON patch, one or more mapping documents a
// strategic-merge patch. name says where the text came from, for errors.
func Parse(name string, data []byte) (Patch, error) {
	if err := config.CheckSize("patch "+name, int64(len(data))); err != nil {
		return nil, err
	}
	nodes, err := splitNodes(data)
	if err != nil {
		return nil, fmt.Errorf("patch %s: %w", name, err)
	}
	if len(nodes) == 0 {
		return nil, fmt.Errorf("patch %s is empty", name)
	}
	if root := nodes[0].Content[0]; root.Kind == yaml.SequenceNode {
		if len(nodes) > 1 {
			return nil, fmt.Errorf("patch %s: a JSON patch is a single list of operations", name)
		}
		return parseJSONPatch(name, root)
	}
	return parseMerge(name, nodes)
}

// splitNodes parses every non-empty YAML document of data.
func splitNodes(data []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var nodes []*yaml.Node
	for {
		n := &yaml.Node{}
		err := dec.Decode(n)
		if errors.Is(err, io.EOF) {
			return nodes, nil
		}
		if err != nil {
			return nil, err
		}
		if len(n.Content) == 1 && n.Content[0].Tag == "!!null" {
			continue
		}
		nodes = append(nodes, n)
	}
}

// Bounds of one JSON patch. Each operation walks the document and a copy may double it, so
// their numbers, not only the patch's size, bound the work.
const (
	MaxOperations = 1000
	MaxCopies     = 32
)

// countCopies counts the copy operations of a JSON patch's list.
func countCopies(list *yaml.Node) int {
	n := 0
	for _, op := range list.Content {
		for i := 0; op.Kind == yaml.MappingNode && i+1 < len(op.Content); i += 2 {
			if op.Content[i].Value == "op" && op.Content[i+1].Value == "copy" {
				n++
			}
		}
	}
	return n
}

// jsonPatch is an RFC 6902 patch of the MachineConfig document.
type jsonPatch struct {
	name string
	ops  jsonpatch.Patch
}

func (p *jsonPatch) String() string { return "JSON patch " + p.name }

func parseJSONPatch(name string, root *yaml.Node) (Patch, error) {
	if len(root.Content) > MaxOperations {
		return nil, fmt.Errorf("JSON patch %s has %d operations, more than the limit of %d", name, len(root.Content), MaxOperations)
	}
	if n := countCopies(root); n > MaxCopies {
		return nil, fmt.Errorf("JSON patch %s has %d copy operations, more than the limit of %d", name, n, MaxCopies)
	}
	var ops []map[string]any
	if err := root.Decode(&ops); err != nil {
		return nil, fmt.Errorf("JSON patch %s: want a list of operations: %w", name, err)
	}
	for i, op := range ops {
		if _, ok := op["op"].(string); !ok {
			return nil, fmt.Errorf("JSON patch %s: operation %d has no op", name, i+1)
		}
		if _, ok := op["path"].(string); !ok {
			return nil, fmt.Errorf("JSON patch %s: operation %d has no path", name, i+1)
		}
	}
	raw, err := json.Marshal(ops)
	if err != nil {
		return nil, fmt.Errorf("JSON patch %s: %w", name, err)
	}
	decoded, err := jsonpatch.DecodePatch(raw)
	if err != nil {
		return nil, fmt.Errorf("JSON patch %s: %w", name, err)
	}
	return &jsonPatch{name: name, ops: decoded}, nil
}

func (p *jsonPatch) apply(docs *[]any) error {
	raw, err := json.Marshal((*docs)[0])
	if err != nil {
		return fmt.Errorf("convert MachineConfig to JSON: %w", err)
	}
	out, err := p.applyOps(raw)
	if err != nil {
		return err
	}
	// JSON is YAML: decoding it as YAML keeps integers integers.
	var doc any
	if err := yaml.Unmarshal(out, &doc); err != nil {
		return fmt.Errorf("convert patched JSON: %w", err)
	}
	(*docs)[0] = doc
	return nil
}

// applyOps applies the operations, each copy on its own so that the document's size is checked
// after it: a copy can double the document, and the library's copy-size accounting misses what
// earlier copies added, so a few dozen copies would otherwise fill memory. The runs of other
// operations between copies are applied at once (each application parses the whole document).
func (p *jsonPatch) applyOps(doc []byte) ([]byte, error) {
	opts := jsonpatch.NewApplyOptions()
	opts.AccumulatedCopySizeLimit = config.MaxSize
	for start := 0; start < len(p.ops); {
		end := start + 1
		for p.ops[start].Kind() != "copy" && end < len(p.ops) && p.ops[end].Kind() != "copy" {
			end++
		}
		out, err := p.ops[start:end].ApplyWithOptions(doc, opts)
		if err != nil {
			return nil, err
		}
		if err := config.CheckSize(fmt.Sprintf("the MachineConfig after operation %d", end), int64(len(out))); err != nil {
			return nil, err
		}
		doc, start = out, end
	}
	return doc, nil
}

// mergePatch is a strategic-merge patch: partial documents.
type mergePatch struct {
	name string
	docs []any
}

func (p *mergePatch) String() string { return "strategic-merge patch " + p.name }

func parseMerge(name string, nodes []*yaml.Node) (Patch, error) {
	p := &mergePatch{name: name}
	var errs []error
	for i, n := range nodes {
		where := fmt.Sprintf("patch %s document %d", name, i+1)
		if n.Content[0].Kind != yaml.MappingNode {
			errs = append(errs, fmt.Errorf("%s: want a mapping (a partial config document)", where))
			continue
		}
		stripped, err := withoutDirectives(n)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
			continue
		}
		if problems := config.CheckPartial(where, stripped); len(problems) > 0 {
			errs = append(errs, problems...)
			continue
		}
		var doc any
		if err := n.Decode(&doc); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
			continue
		}
		p.docs = append(p.docs, doc)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p, nil
}
