package checks

import (
	"strconv"
	"strings"
)

// configKey is where the machine configuration adds a component's flags.
var configKey = map[string]string{
	"kube-apiserver": "cluster.apiServer.extraArgs", "kube-controller-manager": "cluster.controllerManager.extraArgs",
	"kube-scheduler": "cluster.scheduler.extraArgs", "etcd": "cluster.etcd.extraArgs", "kubelet": "machine.kubelet.extraArgs",
}

// test judges a flag's value; set says whether the flag was given at all.
type test func(v string, set bool) bool

func isSet(v string, set bool) bool  { return set && v != "" }
func notSet(_ string, set bool) bool { return !set }
func eq(want string) test {
	return func(v string, set bool) bool { return set && strings.EqualFold(v, want) }
}
func eqOrUnset(want string) test {
	return func(v string, set bool) bool { return !set || strings.EqualFold(v, want) }
}
func has(item string) test { return func(v string, set bool) bool { return set && listHas(v, item) } }
func lacksOrUnset(item string) test {
	return func(v string, set bool) bool { return !set || !listHas(v, item) }
}
func gte(n int) test {
	return func(v string, set bool) bool { i, err := strconv.Atoi(v); return set && err == nil && i >= n }
}

// subsetOf: every element of a comma-separated value is among allowed.
func subsetOf(allowed string) test {
	return func(v string, set bool) bool {
		if !set || v == "" {
			return false
		}
		for _, x := range strings.Split(v, ",") {
			if !listHas(allowed, strings.TrimSpace(x)) {
				return false
			}
		}
		return true
	}
}

func listHas(list, item string) bool {
	for _, x := range strings.Split(list, ",") {
		if strings.TrimSpace(x) == item {
			return true
		}
	}
	return false
}

func shown(flag, v string, set bool) string {
	if !set {
		return "--" + flag + " is not set"
	}
	return "--" + flag + "=" + v
}

// flagCheck judges one command-line flag of a component.
func flagCheck(id, text string, scored bool, component, flag, expected string, t test) def {
	return def{id: id, text: text, scored: scored, audit: component + " command line: --" + flag, expected: expected,
		remediation: "machined sets " + component + "'s flags from the machine configuration; set or correct --" + flag + " in " + configKey[component] + ".",
		eval: func(e *env) outcome {
			flags, early := e.component(component)
			if early != nil {
				return *early
			}
			v, set := flags[flag]
			return result(t(v, set), shown(flag, v, set))
		}}
}

// flagsSet: every flag is set.
// flagsSet: every flag in names is set (each such item is scored).
func flagsSet(id, text string, component string, names ...string) def {
	return def{id: id, text: text, scored: true, audit: component + " command line: --" + strings.Join(names, ", --"),
		expected:    "--" + strings.Join(names, " and --") + " set",
		remediation: "machined sets these flags; if they are missing, the node runs a component definition it did not write: report it.",
		eval: func(e *env) outcome {
			flags, early := e.component(component)
			if early != nil {
				return *early
			}
			ok, shownAll := true, []string{}
			for _, n := range names {
				v, set := flags[n]
				ok = ok && isSet(v, set)
				shownAll = append(shownAll, shown(n, v, set))
			}
			return result(ok, strings.Join(shownAll, "; "))
		}}
}

// Cipher suites the benchmark calls strong (TLS 1.3 suites are fixed by Go and always
// allowed for the API server).
const (
	kubeletCiphers   = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
	apiServerCiphers = "TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
)

const api = "kube-apiserver"

var apiServerChecks = []def{
	anonymousAuthCheck,
	flagCheck("1.2.2", "The API server accepts no static token file", true, api, "token-auth-file", "--token-auth-file not set", notSet),
	flagCheck("1.2.3", "The DenyServiceExternalIPs admission plugin is on", false, api, "enable-admission-plugins", "DenyServiceExternalIPs enabled", has("DenyServiceExternalIPs")),
	flagsSet("1.2.4", "The API server authenticates to kubelets with a client certificate", api, "kubelet-client-certificate", "kubelet-client-key"),
	flagsSet("1.2.5", "The API server verifies kubelets' serving certificates", api, "kubelet-certificate-authority"),
	flagCheck("1.2.6", "Authorization is not AlwaysAllow", true, api, "authorization-mode", "set, without AlwaysAllow",
		func(v string, set bool) bool { return set && !listHas(v, "AlwaysAllow") }),
	flagCheck("1.2.7", "Authorization includes Node", true, api, "authorization-mode", "includes Node", has("Node")),
	flagCheck("1.2.8", "Authorization includes RBAC", true, api, "authorization-mode", "includes RBAC", has("RBAC")),
	flagCheck("1.2.9", "The EventRateLimit admission plugin is on", false, api, "enable-admission-plugins", "EventRateLimit enabled", has("EventRateLimit")),
	flagCheck("1.2.10", "The AlwaysAdmit admission plugin is off", true, api, "enable-admission-plugins", "AlwaysAdmit not enabled", lacksOrUnset("AlwaysAdmit")),
	flagCheck("1.2.11", "The AlwaysPullImages admission plugin is on", false, api, "enable-admission-plugins", "AlwaysPullImages enabled", has("AlwaysPullImages")),
	flagCheck("1.2.12", "The ServiceAccount admission plugin is not disabled", true, api, "disable-admission-plugins", "ServiceAccount not disabled", lacksOrUnset("ServiceAccount")),
	flagCheck("1.2.13", "The NamespaceLifecycle admission plugin is not disabled", true, api, "disable-admission-plugins", "NamespaceLifecycle not disabled", lacksOrUnset("NamespaceLifecycle")),
	flagCheck("1.2.14", "The NodeRestriction admission plugin is on", true, api, "enable-admission-plugins", "NodeRestriction enabled", has("NodeRestriction")),
	flagCheck("1.2.15", "The API server's profiling is off", true, api, "profiling", "--profiling=false", eq("false")),
	flagCheck("1.2.16", "The API server writes an audit log", true, api, "audit-log-path", "--audit-log-path set", isSet),
	flagCheck("1.2.17", "Audit logs are kept 30 days or more", true, api, "audit-log-maxage", ">= 30", gte(30)),
	flagCheck("1.2.18", "10 or more audit log files are kept", true, api, "audit-log-maxbackup", ">= 10", gte(10)),
	flagCheck("1.2.19", "Audit log files rotate at 100 MB or more", true, api, "audit-log-maxsize", ">= 100", gte(100)),
	requestTimeoutCheck,
	flagCheck("1.2.21", "Service account tokens are checked against etcd", true, api, "service-account-lookup", "unset or true", eqOrUnset("true")),
	flagsSet("1.2.22", "The API server verifies service account tokens with a key file", api, "service-account-key-file"),
	flagsSet("1.2.23", "The API server authenticates to etcd with a client certificate", api, "etcd-certfile", "etcd-keyfile"),
	flagsSet("1.2.24", "The API server serves TLS with its own certificate", api, "tls-cert-file", "tls-private-key-file"),
	flagsSet("1.2.25", "The API server authenticates clients by certificate", api, "client-ca-file"),
	flagsSet("1.2.26", "The API server verifies etcd's certificate", api, "etcd-cafile"),
	flagCheck("1.2.27", "Secrets are encrypted at rest (an encryption configuration is given)", false, api, "encryption-provider-config", "--encryption-provider-config set", isSet),
	encryptionProvidersCheck,
	flagCheck("1.2.29", "The API server uses only strong cipher suites", false, api, "tls-cipher-suites", "a subset of the benchmark's strong suites", subsetOf(apiServerCiphers)),
	flagCheck("1.2.30", "Service account tokens are not extended beyond their expiry", true, api, "service-account-extend-token-expiration", "--service-account-extend-token-expiration=false", eq("false")),
}

const cm, sched = "kube-controller-manager", "kube-scheduler"

var managerChecks = []def{
	flagCheck("1.3.1", "The controller manager collects terminated pods", false, cm, "terminated-pod-gc-threshold", "--terminated-pod-gc-threshold set", isSet),
	flagCheck("1.3.2", "The controller manager's profiling is off", true, cm, "profiling", "--profiling=false", eq("false")),
	flagCheck("1.3.3", "Controllers use their own service account credentials", true, cm, "use-service-account-credentials", "set, not false",
		func(v string, set bool) bool { return set && !strings.EqualFold(v, "false") }),
	flagsSet("1.3.4", "The controller manager signs service account tokens with a key file", cm, "service-account-private-key-file"),
	flagsSet("1.3.5", "The controller manager gives pods the cluster's root CA", cm, "root-ca-file"),
	flagCheck("1.3.6", "Kubelet serving certificate rotation is not turned off", true, cm, "feature-gates", "no RotateKubeletServerCertificate=false", lacksOrUnset("RotateKubeletServerCertificate=false")),
	flagCheck("1.3.7", "The controller manager binds to 127.0.0.1", true, cm, "bind-address", "unset or 127.0.0.1", eqOrUnset("127.0.0.1")),
	flagCheck("1.4.1", "The scheduler's profiling is off", true, sched, "profiling", "--profiling=false", eq("false")),
	flagCheck("1.4.2", "The scheduler binds to 127.0.0.1", true, sched, "bind-address", "unset or 127.0.0.1", eqOrUnset("127.0.0.1")),
}

var etcdChecks = []def{
	flagsSet("2.1", "etcd serves clients over TLS", "etcd", "cert-file", "key-file"),
	flagCheck("2.2", "etcd requires client certificates", true, "etcd", "client-cert-auth", "--client-cert-auth=true", eq("true")),
	flagCheck("2.3", "etcd does not make self-signed client certificates", true, "etcd", "auto-tls", "unset or false", eqOrUnset("false")),
	flagsSet("2.4", "etcd talks to its peers over TLS", "etcd", "peer-cert-file", "peer-key-file"),
	flagCheck("2.5", "etcd requires peer certificates", true, "etcd", "peer-client-cert-auth", "--peer-client-cert-auth=true", eq("true")),
	flagCheck("2.6", "etcd does not make self-signed peer certificates", true, "etcd", "peer-auto-tls", "unset or false", eqOrUnset("false")),
	etcdCACheck,
}
