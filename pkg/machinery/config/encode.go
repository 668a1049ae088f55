package config

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// Encode returns the configuration as multi-document YAML, the MachineConfig first. Decode
// of the result gives back an equal Config.
func (c *Config) Encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("encode MachineConfig: %w", err)
	}
	for i, d := range c.Documents {
		if err := enc.Encode(d); err != nil {
			_, kind := d.Header()
			return nil, fmt.Errorf("encode document %d (%s): %w", i+2, kind, err)
		}
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode config: %w", err)
	}
	return buf.Bytes(), nil
}
