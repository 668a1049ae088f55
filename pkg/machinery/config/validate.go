package config

import (
	"fmt"
	"strings"
)

// FieldError is one problem of a configuration: the path of the field, its value and what is
// wrong with it. Secret values are shown as [Redacted].
type FieldError struct {
	Path    string
	Value   string
	Message string
}

// Error formats the problem as `path: "value" message`.
func (e *FieldError) Error() string {
	return fmt.Sprintf("%s: %q %s", e.Path, e.Value, e.Message)
}

// ValidationError lists every problem Validate found.
type ValidationError struct {
	Errors []*FieldError
}

// Error returns the problems one per line.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		lines[i] = fe.Error()
	}
	return strings.Join(lines, "\n")
}

// maxValueLen bounds how much of a value an error shows.
const maxValueLen = 64

// validator collects the problems of one Validate call.
type validator struct {
	mode Mode
	errs []*FieldError
}

// add records that the field at path with the given value is wrong.
func (v *validator) add(path, value, message string) {
	if len(value) > maxValueLen {
		value = value[:maxValueLen] + "..."
	}
	v.errs = append(v.errs, &FieldError{Path: path, Value: value, Message: message})
}

// addSecret records a problem of a secret field without showing its value.
func (v *validator) addSecret(path, value, message string) {
	if value != "" {
		value = Redacted
	}
	v.add(path, value, message)
}

// Validate checks the configuration for the given mode and returns a *ValidationError listing
// every problem, or nil. Validate does not apply defaults; empty optional fields are valid.
func (c *Config) Validate(mode Mode) error {
	v := &validator{mode: mode}
	if c.APIVersion != APIVersion {
		v.add("apiVersion", c.APIVersion, "must be "+APIVersion)
	}
	if c.Kind != KindMachineConfig {
		v.add("kind", c.Kind, "must be "+KindMachineConfig)
	}
	validateMachine(v, &c.Machine)
	validateCluster(v, &c.Cluster, c.Machine.Type)
	validateDocuments(v, c.Documents)
	if len(v.errs) == 0 {
		return nil
	}
	return &ValidationError{Errors: v.errs}
}

// validateDocuments checks the further documents and that names are unique per kind.
func validateDocuments(v *validator, docs []Document) {
	seen := map[string]string{}
	for i, d := range docs {
		_, kind := d.Header()
		prefix := fmt.Sprintf("documents[%d](%s)", i, kind)
		d.validate(v, prefix, v.mode)
		key := kind + "/" + d.DocumentName()
		if first, ok := seen[key]; ok && d.DocumentName() != "" {
			v.add(prefix+".name", d.DocumentName(), "duplicates "+first+".name")
			continue
		}
		seen[key] = prefix
	}
}
