package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cairn-os/cairn/internal/evidence/facts"
)

// auditRequest is a request an audit policy is asked about.
type auditRequest struct {
	user, verb, group, resource, sub string
}

// concerns are the requests the benchmark's 3.2.2 asks a policy to record, with the levels
// that record them without leaking secrets in the log itself.
var concerns = []struct {
	what string
	req  auditRequest
	ok   []string
}{
	{"reading a Secret", auditRequest{"alice", "get", "", "secrets", ""}, []string{"Metadata"}},
	{"writing a Secret", auditRequest{"alice", "update", "", "secrets", ""}, []string{"Metadata"}},
	{"a TokenReview", auditRequest{"alice", "create", "authentication.k8s.io", "tokenreviews", ""}, []string{"Metadata"}},
	{"reading a ConfigMap", auditRequest{"alice", "get", "", "configmaps", ""}, []string{"Metadata", "Request", "RequestResponse"}},
	{"exec into a pod", auditRequest{"alice", "create", "", "pods", "exec"}, []string{"Metadata", "Request", "RequestResponse"}},
	{"port-forward to a pod", auditRequest{"alice", "create", "", "pods", "portforward"}, []string{"Metadata", "Request", "RequestResponse"}},
	{"proxying to a service", auditRequest{"alice", "get", "", "services", "proxy"}, []string{"Metadata", "Request", "RequestResponse"}},
	{"creating a pod", auditRequest{"alice", "create", "", "pods", ""}, []string{"Metadata", "Request", "RequestResponse"}},
	{"binding a cluster role", auditRequest{"alice", "create", "rbac.authorization.k8s.io", "clusterrolebindings", ""}, []string{"Metadata", "Request", "RequestResponse"}},
}

// AuditLevel is the level a policy records r at: the first matching rule's, None if none
// matches.
func auditLevel(p *facts.AuditPolicy, r auditRequest) string {
	for _, rule := range p.Rules {
		if ruleMatches(rule, r) {
			return rule.Level
		}
	}
	return "None"
}

func ruleMatches(rule facts.AuditRule, r auditRequest) bool {
	if len(rule.Users) > 0 && !slices.Contains(rule.Users, r.user) {
		return false
	}
	if len(rule.UserGroups) > 0 && !slices.Contains(rule.UserGroups, "system:authenticated") {
		return false
	}
	if len(rule.Verbs) > 0 && !slices.Contains(rule.Verbs, r.verb) {
		return false
	}
	if len(rule.Namespaces) > 0 && !slices.Contains(rule.Namespaces, "default") && !slices.Contains(rule.Namespaces, "") {
		return false
	}
	if len(rule.Resources) == 0 {
		return len(rule.NonResourceURLs) == 0
	}
	return slices.ContainsFunc(rule.Resources, func(g facts.AuditGroupResource) bool {
		return g.Group == r.group && len(g.ResourceNames) == 0 && resourceMatches(g.Resources, r)
	})
}

func resourceMatches(list []string, r auditRequest) bool {
	if len(list) == 0 {
		return true
	}
	name := r.resource
	if r.sub != "" {
		name += "/" + r.sub
	}
	for _, x := range list {
		if x == "*" || x == name || (r.sub != "" && (x == r.resource+"/*" || x == "*/"+r.sub)) {
			return true
		}
	}
	return false
}

// auditPolicyCheck (3.2.2): the policy records each concern at a level that shows who did it
// without writing secrets into the log.
var auditPolicyCheck = def{id: "3.2.2", text: "The audit policy covers the key security concerns", scored: false,
	audit: "kube-apiserver --audit-policy-file: levels of sample requests", expected: "Secrets and TokenReviews at Metadata; exec, port-forward, proxy, pod creation, role bindings and ConfigMap reads recorded",
	remediation: "machined writes the audit policy (/etc/kubernetes/audit-policy.yaml); restore it.",
	eval: func(e *env) outcome {
		if _, early := e.component(api); early != nil {
			return *early
		}
		a := e.s.Kubernetes.AuditPolicy
		switch {
		case !a.Known():
			return unknownOf("audit policy: " + a.Unknown)
		case a.Value == nil:
			return fail("no audit policy")
		}
		var bad, good []string
		for _, c := range concerns {
			lvl := auditLevel(a.Value, c.req)
			s := fmt.Sprintf("%s at %s", c.what, lvl)
			if slices.Contains(c.ok, lvl) {
				good = append(good, s)
			} else {
				bad = append(bad, s)
			}
		}
		if len(bad) > 0 {
			return fail(a.Value.Path + ": " + strings.Join(bad, "; "))
		}
		return pass(a.Value.Path + ": " + strings.Join(good, "; "))
	}}
