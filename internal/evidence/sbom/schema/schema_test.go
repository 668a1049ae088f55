package schema

import (
	"strings"
	"testing"
)

// TestRejects checks that the schemas are in force: documents missing what each format
// requires are refused, with the schema naming the problem.
func TestRejects(t *testing.T) {
	tests := []struct {
		name     string
		validate func([]byte) error
		doc      string
		want     string
	}{
		{"spdx without creationInfo", SPDX, `{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"x"}`, "creationInfo"},
		{"spdx bad purpose", SPDX, `{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"x",
			"creationInfo":{"created":"2026-01-01T00:00:00Z","creators":["Tool: t"]},
			"packages":[{"SPDXID":"SPDXRef-p","name":"p","downloadLocation":"NOASSERTION","primaryPackagePurpose":"KERNEL"}]}`, "primaryPackagePurpose"},
		{"cyclonedx without bomFormat", CycloneDX, `{"specVersion":"1.6"}`, "bomFormat"},
		{"cyclonedx bad component type", CycloneDX, `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"kernel","name":"k"}]}`, "/components/0/type"},
		{"not json", CycloneDX, `{`, "decode"},
	}
	for _, tt := range tests {
		err := tt.validate([]byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: validate = %v, want an error naming %q", tt.name, err, tt.want)
		}
	}
	if err := CycloneDX([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1}`)); err != nil {
		t.Errorf("CycloneDX(minimal) = %v, want nil", err)
	}
}
