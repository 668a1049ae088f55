package kubeservice

// auditPolicyYAML records who did what (CIS 3.2.1/3.2.2): Secrets, ConfigMaps and token
// reviews at Metadata only (their bodies carry secrets), reads of health and version
// endpoints and kube-proxy/system watches not at all, changes with their request bodies,
// everything else at Metadata.
func auditPolicyYAML() []byte {
	return []byte(`# Written by machined; changes are overwritten.
apiVersion: audit.k8s.io/v1
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
`)
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
