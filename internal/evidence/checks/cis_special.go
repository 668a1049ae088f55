package checks

import (
	"fmt"
	"slices"
	"strings"
)

// anonymousAuthCheck (1.2.1): --anonymous-auth=false passes. Cairn instead gives the API
// server an AuthenticationConfiguration that admits anonymous requests only on the health
// endpoints; that needs a person's judgement (a manual item: WARN) and says so.
var anonymousAuthCheck = def{id: "1.2.1", text: "The API server turns anonymous requests away", scored: false,
	audit: "kube-apiserver --anonymous-auth, --authentication-config anonymous", expected: "--anonymous-auth=false, or anonymous access limited to health endpoints",
	remediation: "Keep anonymous access limited to /livez, /readyz and /healthz (machined's authentication configuration); nothing else should be reachable without credentials.",
	eval: func(e *env) outcome {
		flags, early := e.component(api)
		if early != nil {
			return *early
		}
		if v, set := flags["anonymous-auth"]; set {
			return result(strings.EqualFold(v, "false"), shown("anonymous-auth", v, set))
		}
		a := e.s.Kubernetes.Authentication
		switch {
		case !a.Known():
			return unknownOf("authentication configuration: " + a.Unknown)
		case a.Value == nil || a.Value.Anonymous == nil:
			return fail("--anonymous-auth is not set and no authentication configuration limits anonymous access (the default admits it)")
		case !a.Value.Anonymous.Enabled:
			return pass(a.Value.Path + ": anonymous disabled")
		}
		var paths []string
		for _, c := range a.Value.Anonymous.Conditions {
			paths = append(paths, c.Path)
		}
		if len(paths) == 0 {
			return fail(a.Value.Path + ": anonymous enabled on every path")
		}
		return outcome{warn: true, actual: a.Value.Path + ": anonymous allowed only on " + strings.Join(paths, ", ")}
	}}

// requestTimeoutCheck (1.2.20) is manual in the benchmark: the value is reported for review.
var requestTimeoutCheck = def{id: "1.2.20", text: "The API server's request timeout suits the cluster", scored: false,
	audit: "kube-apiserver --request-timeout", expected: "a value chosen for the cluster (default 60s)",
	remediation: "Set --request-timeout in cluster.apiServer.extraArgs if 60s does not suit the cluster.",
	eval: func(e *env) outcome {
		flags, early := e.component(api)
		if early != nil {
			return *early
		}
		v, set := flags["request-timeout"]
		if !set {
			return outcome{warn: true, actual: "--request-timeout is not set (60s)"}
		}
		return outcome{warn: true, actual: shown("request-timeout", v, set)}
	}}

// encryptionProvidersCheck (1.2.28): the provider that writes Secrets (the first of the
// entry naming them) encrypts.
var encryptionProvidersCheck = def{id: "1.2.28", text: "Secrets are written encrypted (aescbc, kms or secretbox)", scored: false,
	audit: "kube-apiserver --encryption-provider-config: providers of secrets", expected: "the first provider for secrets is aescbc, kms or secretbox",
	remediation: "machined writes the encryption configuration with aescbc from cluster.aescbcEncryptionSecret; restore it.",
	eval: func(e *env) outcome {
		if _, early := e.component(api); early != nil {
			return *early
		}
		c := e.s.Kubernetes.Encryption
		switch {
		case !c.Known():
			return unknownOf("encryption configuration: " + c.Unknown)
		case c.Value == nil:
			return fail("no encryption configuration: Secrets are stored in plain text")
		}
		for _, r := range c.Value.Resources {
			if slices.Contains(r.Resources, "secrets") || slices.Contains(r.Resources, "*.*") || slices.Contains(r.Resources, "*.") {
				if len(r.Providers) == 0 {
					break
				}
				first := r.Providers[0]
				ok := first == "aescbc" || first == "kms" || first == "secretbox"
				return result(ok, fmt.Sprintf("%s: secrets written by %s (providers %s)", c.Value.Path, first, strings.Join(r.Providers, ", ")))
			}
		}
		return fail(c.Value.Path + ": no provider covers secrets")
	}}

// etcdCACheck (2.7): etcd trusts a CA of its own, not the cluster's CA (a certificate from
// the cluster CA must not open etcd). The CA files are compared by certificate.
var etcdCACheck = def{id: "2.7", text: "etcd uses a certificate authority of its own", scored: false,
	audit: "etcd --trusted-ca-file against kube-apiserver --client-ca-file", expected: "--trusted-ca-file set to a CA other than the cluster's",
	remediation: "machined gives etcd its own CA (/etc/kubernetes/pki/etcd/ca.crt); restore --trusted-ca-file.",
	eval: func(e *env) outcome {
		flags, early := e.component("etcd")
		if early != nil {
			return *early
		}
		ca, set := flags["trusted-ca-file"]
		if !isSet(ca, set) {
			return fail("--trusted-ca-file is not set")
		}
		cluster := e.flags[api]["client-ca-file"]
		if cluster == "" {
			return pass(shown("trusted-ca-file", ca, set))
		}
		a, b := e.certPrint(ca), e.certPrint(cluster)
		if a == "" || b == "" {
			return outcome{warn: true, actual: shown("trusted-ca-file", ca, set) + "; its certificate could not be compared with " + cluster}
		}
		return result(a != b, fmt.Sprintf("%s (sha256 %.16s) against the cluster CA %s (sha256 %.16s)", ca, a, cluster, b))
	}}

// certPrint is the fingerprint of the first certificate of a file, "" when unknown.
func (e *env) certPrint(path string) string {
	for _, c := range e.s.Certificates.Value {
		if c.Path == path && c.Index == 0 {
			return c.SHA256
		}
	}
	return ""
}

// manual is an item the benchmark leaves to a person: reported, never passed.
func manual(id, text, note string) def {
	return def{id: id, text: text, audit: "review", expected: "reviewed by a person", remediation: note,
		eval: func(*env) outcome { return outcome{warn: true, actual: "needs a person's review: " + note} }}
}

var policyChecks = []def{
	manual("3.1.1", "People do not authenticate with client certificates",
		"admin.conf and Cairn's generated kubeconfigs use client certificates, which cannot be revoked; give people OIDC identities (cluster.apiServer.extraArgs) and keep certificates for break-glass use"),
	manual("3.1.2", "People do not authenticate with service account tokens", "check that no person uses a service account token"),
	manual("3.1.3", "People do not authenticate with bootstrap tokens", "bootstrap tokens are for joining nodes only; check that no person uses one"),
	flagCheck("3.2.1", "The API server has an audit policy", false, api, "audit-policy-file", "--audit-policy-file set", isSet),
	auditPolicyCheck,
}
