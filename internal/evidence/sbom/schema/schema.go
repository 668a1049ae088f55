// Package schema validates SBOM documents against the official JSON schemas of their formats:
// SPDX 2.3 (the spdx-schema.json of the SPDX specification's v2.3 tag) and CycloneDX 1.6
// (bom-1.6.schema.json with the spdx and jsf schemas it refers to, as the CycloneDX project
// publishes them). The schema files are vendored unmodified under testdata/; tests of the
// generator and of the evidence API use this package, the node never does.
package schema

import (
	"bytes"
	"embed"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed testdata/*.json
var files embed.FS

// The schemas' own identifiers ($id), under which they refer to each other.
const (
	spdxID      = "http://spdx.org/rdf/terms/2.3"
	cycloneDXID = "http://cyclonedx.org/schema/bom-1.6.schema.json"
)

var resources = map[string]string{
	spdxID:      "testdata/spdx-2.3.schema.json",
	cycloneDXID: "testdata/bom-1.6.schema.json",
	"http://cyclonedx.org/schema/spdx.schema.json":     "testdata/spdx.schema.json",
	"http://cyclonedx.org/schema/jsf-0.82.schema.json": "testdata/jsf-0.82.schema.json",
}

var compiled = sync.OnceValues(compile)

type schemas struct{ spdx, cyclonedx *jsonschema.Schema }

func compile() (schemas, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for id, name := range resources {
		data, err := files.ReadFile(name)
		if err != nil {
			return schemas{}, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return schemas{}, fmt.Errorf("%s: %w", name, err)
		}
		if err := c.AddResource(id, doc); err != nil {
			return schemas{}, fmt.Errorf("%s: %w", name, err)
		}
	}
	var s schemas
	var err error
	if s.spdx, err = c.Compile(spdxID); err != nil {
		return schemas{}, fmt.Errorf("compile the SPDX 2.3 schema: %w", err)
	}
	if s.cyclonedx, err = c.Compile(cycloneDXID); err != nil {
		return schemas{}, fmt.Errorf("compile the CycloneDX 1.6 schema: %w", err)
	}
	return s, nil
}

// SPDX validates an SPDX 2.3 JSON document.
func SPDX(doc []byte) error {
	return validate(doc, func(s schemas) *jsonschema.Schema { return s.spdx })
}

// CycloneDX validates a CycloneDX 1.6 JSON document.
func CycloneDX(doc []byte) error {
	return validate(doc, func(s schemas) *jsonschema.Schema { return s.cyclonedx })
}

func validate(doc []byte, pick func(schemas) *jsonschema.Schema) error {
	s, err := compiled()
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return pick(s).Validate(inst)
}
