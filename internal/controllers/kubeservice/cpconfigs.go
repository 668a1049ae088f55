package kubeservice

import "github.com/cairn-os/cairn/pkg/machinery/config"

// auditPolicyYAML is the configuration's kube-apiserver audit policy, or Cairn's default
// (config.DefaultAPIServerAuditPolicy: who did what, CIS 3.2.1/3.2.2, no secret bodies).
func (p *params) auditPolicyYAML() []byte {
	policy := p.cfg.Machine.Logging.APIServerAuditPolicy
	if policy == "" {
		policy = config.DefaultAPIServerAuditPolicy
	}
	return []byte("# Written by machined; changes are overwritten.\n" + policy)
}

// encryptionYAML encrypts Secrets at rest with aescbc and the configuration's key (CIS
// 1.2.27/1.2.28); identity reads what was written before.
func (p *params) encryptionYAML() []byte {
	return []byte(`apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - aescbc:
      keys:
      - name: key1
        secret: ` + p.encryptionKey + `
  - identity: {}
`)
}

// authnYAML turns anonymous requests away except on the health endpoints, which load
// balancers and kubelets probe without credentials.
func authnYAML() []byte {
	return []byte(`apiVersion: apiserver.config.k8s.io/v1
kind: AuthenticationConfiguration
anonymous:
  enabled: true
  conditions:
  - path: /livez
  - path: /readyz
  - path: /healthz
`)
}
