package inventory

import (
	"encoding/json"
	"fmt"
)

// maxSBOM bounds the SBOM read for origins.
const maxSBOM = 64 << 20

// cdxComponent is the part of a CycloneDX component Origins reads.
type cdxComponent struct {
	Type       string         `json:"type"`
	Name       string         `json:"name"`
	Properties []cdxProperty  `json:"properties"`
	Components []cdxComponent `json:"components"`
}

type cdxProperty struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Origins reads the origin of every file from the image's CycloneDX SBOM: the cairn:origin
// property of each file component, wherever it is nested.
func Origins(cdx []byte) (map[string]string, error) {
	if len(cdx) > maxSBOM {
		return nil, fmt.Errorf("SBOM of %d bytes, more than %d", len(cdx), maxSBOM)
	}
	var doc struct {
		Metadata struct {
			Component *cdxComponent `json:"component"`
		} `json:"metadata"`
		Components []cdxComponent `json:"components"`
	}
	if err := json.Unmarshal(cdx, &doc); err != nil {
		return nil, fmt.Errorf("decode CycloneDX SBOM: %w", err)
	}
	out := map[string]string{}
	list := doc.Components
	if doc.Metadata.Component != nil {
		list = append(list, *doc.Metadata.Component)
	}
	// Iterative, not recursive: the nesting depth is the document's to choose.
	for len(list) > 0 {
		c := list[len(list)-1]
		list = append(list[:len(list)-1], c.Components...)
		if c.Type != "file" {
			continue
		}
		for _, p := range c.Properties {
			if p.Name == "cairn:origin" {
				out[c.Name] = p.Value
			}
		}
	}
	return out, nil
}
