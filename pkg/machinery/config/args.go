package config

import (
	"fmt"
	"slices"
)

// Flags that Cairn sets itself on each component; extraArgs must not override them, since
// they carry the node's certificates and paths.
var (
	managedKubeletArgs = []string{"config", "kubeconfig", "bootstrap-kubeconfig", "cert-dir", "root-dir",
		"container-runtime-endpoint", "hostname-override", "feature-gates"}
	managedEtcdArgs = []string{"data-dir", "name", "cert-file", "key-file", "trusted-ca-file", "peer-cert-file",
		"peer-key-file", "peer-trusted-ca-file", "client-cert-auth", "peer-client-cert-auth"}
	managedAPIServerArgs = []string{"etcd-servers", "etcd-cafile", "etcd-certfile", "etcd-keyfile", "client-ca-file",
		"tls-cert-file", "tls-private-key-file", "service-account-key-file", "service-account-signing-key-file",
		"service-cluster-ip-range", "feature-gates"}
	managedSchedulerArgs = []string{"kubeconfig", "authentication-kubeconfig", "authorization-kubeconfig", "tls-cert-file",
		"tls-private-key-file", "feature-gates"}
	managedControllerManagerArgs = append(slices.Clone(managedSchedulerArgs), "cluster-signing-cert-file",
		"cluster-signing-key-file", "service-account-private-key-file", "root-ca-file", "cluster-cidr", "service-cluster-ip-range",
		"allocate-node-cidrs")
)

// validateArgs checks extra command line flags: valid names, none that Cairn manages.
func validateArgs(v *validator, path string, args map[string]string, managed []string) {
	for _, name := range sortedKeys(args) {
		p := fmt.Sprintf("%s[%q]", path, name)
		switch {
		case !flagNameRE.MatchString(name):
			v.add(p, name, "is not a valid flag name")
		case slices.Contains(managed, name):
			v.add(p, args[name], "is managed by Cairn and cannot be set")
		}
	}
}
