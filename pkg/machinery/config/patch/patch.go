// Package patch applies patches to a machine configuration.
//
// `cairnctl gen config --config-patch` and `cairnctl machineconfig patch` take patches inline
// or as @FILE, and apply them in the order given. A patch is one of:
//
//   - An RFC 6902 JSON patch: a YAML or JSON list of operations, applied to the MachineConfig
//     document, e.g. `[{"op": "add", "path": "/machine/network/hostname", "value": "cp-1"}]`.
//   - A strategic-merge patch: one or more partial configuration documents merged into the
//     configuration. A document without apiVersion and kind, or with kind MachineConfig, is
//     merged into the MachineConfig; another document is merged into the document of the same
//     kind and name, or appended when there is none.
//
// Strategic merge works on the YAML tree:
//
//   - Maps (sections, sysctls, extraArgs, nodeLabels, ...) merge key by key, recursively.
//   - Lists of named things merge element by element on their key: machine.network.interfaces
//     on name (or hardwareAddress when the element has no name), their vlans on id,
//     machine.kernel.modules on name and machine.logging.destinations on endpoint. An element
//     whose key is new is appended.
//   - Every other list, and every scalar, is replaced by the patch's value.
//   - A map or list element carrying `$patch: delete` (and its key, for a list element) is
//     removed, e.g. `interfaces: [{name: eth1, $patch: delete}]`.
//
// The patch documents are checked strictly before anything is merged: an unknown field is an
// error naming the patch, its path and its line. Apply returns the patched configuration,
// decoded strictly; it does not validate it, so callers run Validate before writing anything.
package patch

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cairn-os/cairn/pkg/machinery/config"
)

// Patch is one parsed patch.
type Patch interface {
	// apply changes docs, the configuration's documents as generic YAML values, in place.
	apply(docs *[]any) error
	// String describes the patch in errors: "patch 1 (@cp.yaml)".
	String() string
}

// Load parses a patch given on the command line: "@FILE" reads FILE, anything else is the
// patch text itself.
func Load(spec string) (Patch, error) {
	name, data := "inline patch", []byte(spec)
	if file, ok := strings.CutPrefix(spec, "@"); ok {
		b, err := config.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read patch: %w", err)
		}
		name, data = "@"+file, b
	}
	return Parse(name, data)
}

// LoadAll parses every spec with Load, reporting every bad one.
func LoadAll(specs []string) ([]Patch, error) {
	var patches []Patch
	var errs []error
	for _, s := range specs {
		p, err := Load(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		patches = append(patches, p)
	}
	return patches, errors.Join(errs...)
}

// Apply returns c with the patches applied in order. c is not modified.
func Apply(c *config.Config, patches []Patch) (*config.Config, error) {
	data, err := c.Encode()
	if err != nil {
		return nil, err
	}
	docs, err := genericDocuments(data)
	if err != nil {
		return nil, err
	}
	for _, p := range patches {
		if err := p.apply(&docs); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	out, err := encodeGeneric(docs)
	if err != nil {
		return nil, err
	}
	patched, err := config.Decode(out)
	if err != nil {
		return nil, fmt.Errorf("patched config: %w", err)
	}
	return patched, nil
}
