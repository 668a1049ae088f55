// Package config is the machine configuration of a Cairn node, format v1alpha1.
//
// A machine configuration is a multi-document YAML file. The first document is always
// `apiVersion: v1alpha1` / `kind: MachineConfig` with a `machine:` and a `cluster:` section;
// further documents are identified by their apiVersion and kind (see [Document]). Decoding is
// strict: an unknown field or document kind is an error naming it and its line.
//
// There is deliberately no field that writes an arbitrary file or runs a command on the node:
// everything the node does is derived from typed fields that [Config.Validate] checks.
//
// Fields are documented with three kinds of trailing lines that hack/docgen turns into
// docs/config.md:
//
//	Default: the value [Config.WithDefaults] fills in when the field is empty.
//	Validation: what [Config.Validate] requires of the field.
//	Example: a value for the reference.
//
// Fields tagged `cairn:"secret"` hold secrets; [Config.Redact] replaces them.
package config
