package config

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// DefaultAPIServerAuditPolicy is kube-apiserver's audit policy when
// machine.logging.apiServerAuditPolicy is empty. It records who did what (CIS 3.2.1/3.2.2):
// Secrets, ConfigMaps, token reviews and certificate requests at Metadata only (their bodies
// carry secrets), reads of health and version endpoints, kube-proxy's watches and lease reads
// not at all, changes with their request bodies, everything else at Metadata.
const DefaultAPIServerAuditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: None
  nonResourceURLs: [/healthz*, /livez*, /readyz*, /version]
- level: None
  users: [system:kube-proxy]
  verbs: [watch]
- level: None
  verbs: [get, list, watch]
  resources:
  - group: coordination.k8s.io
    resources: [leases]
- level: Metadata
  resources:
  - group: ""
    resources: [secrets, configmaps, serviceaccounts/token]
  - group: authentication.k8s.io
    resources: [tokenreviews]
  - group: certificates.k8s.io
    resources: [certificatesigningrequests]
- level: Request
  verbs: [create, update, patch, delete, deletecollection]
- level: Metadata
`

// maxAuditPolicyLen bounds machine.logging.apiServerAuditPolicy.
const maxAuditPolicyLen = 64 << 10

// auditPolicy is the part of audit.k8s.io/v1 Policy that Cairn checks; decoding it strictly
// refuses a field kube-apiserver does not know, which would otherwise stop it at start.
type auditPolicy struct {
	APIVersion        string            `yaml:"apiVersion"`
	Kind              string            `yaml:"kind"`
	Metadata          map[string]any    `yaml:"metadata"`
	Rules             []auditPolicyRule `yaml:"rules"`
	OmitStages        []string          `yaml:"omitStages"`
	OmitManagedFields bool              `yaml:"omitManagedFields"`
}

type auditPolicyRule struct {
	Level             string               `yaml:"level"`
	Users             []string             `yaml:"users"`
	UserGroups        []string             `yaml:"userGroups"`
	Verbs             []string             `yaml:"verbs"`
	Resources         []auditGroupResource `yaml:"resources"`
	Namespaces        []string             `yaml:"namespaces"`
	NonResourceURLs   []string             `yaml:"nonResourceURLs"`
	OmitStages        []string             `yaml:"omitStages"`
	OmitManagedFields *bool                `yaml:"omitManagedFields"`
}

type auditGroupResource struct {
	Group         string   `yaml:"group"`
	Resources     []string `yaml:"resources"`
	ResourceNames []string `yaml:"resourceNames"`
}

var (
	auditLevels = []string{"None", "Metadata", "Request", "RequestResponse"}
	auditStages = []string{"RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"}
)

// CheckAPIServerAuditPolicy checks that text is an audit.k8s.io/v1 Policy kube-apiserver
// accepts: known fields only, at least one rule, valid levels and stages.
func CheckAPIServerAuditPolicy(text string) error {
	if len(text) > maxAuditPolicyLen {
		return fmt.Errorf("is %d bytes, more than %d", len(text), maxAuditPolicyLen)
	}
	var p auditPolicy
	dec := yaml.NewDecoder(bytes.NewReader([]byte(text)))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return fmt.Errorf("is not an audit policy: %s", yamlProblem(err))
	}
	var extra any
	if err := dec.Decode(&extra); err == nil {
		return errors.New("must be one YAML document")
	}
	if p.APIVersion != "audit.k8s.io/v1" || p.Kind != "Policy" {
		return fmt.Errorf("must be apiVersion audit.k8s.io/v1 kind Policy, not %q %q", p.APIVersion, p.Kind)
	}
	if len(p.Rules) == 0 {
		return errors.New("must have at least one rule")
	}
	if err := checkStages("omitStages", p.OmitStages); err != nil {
		return err
	}
	for i, r := range p.Rules {
		if !slices.Contains(auditLevels, r.Level) {
			return fmt.Errorf("rules[%d].level: %q must be None, Metadata, Request or RequestResponse", i, r.Level)
		}
		if err := checkStages(fmt.Sprintf("rules[%d].omitStages", i), r.OmitStages); err != nil {
			return err
		}
	}
	return nil
}

func checkStages(path string, stages []string) error {
	for j, s := range stages {
		if !slices.Contains(auditStages, s) {
			return fmt.Errorf("%s[%d]: %q must be RequestReceived, ResponseStarted, ResponseComplete or Panic", path, j, s)
		}
	}
	return nil
}

// yamlProblem is a YAML decoding error on one line, without the Go type names the decoder
// puts in it.
func yamlProblem(err error) string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return strings.ReplaceAll(err.Error(), "\n", " ")
	}
	msgs := make([]string, len(te.Errors))
	for i, m := range te.Errors {
		msgs[i], _, _ = strings.Cut(m, " in type ")
	}
	return strings.Join(msgs, "; ")
}
