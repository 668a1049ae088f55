package config

import "github.com/cairn-os/cairn/pkg/machinery/pki"

var clusterCases = []validationCase{
	{name: "cluster id required", mutate: func(c *Config) { c.Cluster.ID = "" }, want: []string{`cluster.id: "" is required`}},
	{name: "cluster id short", mutate: func(c *Config) { c.Cluster.ID = "abc" }, want: []string{`cluster.id: "abc" must be at least 16 characters`}},
	{name: "cluster secret required", mutate: func(c *Config) { c.Cluster.Secret = "" }, want: []string{`cluster.secret: "" is required`}},
	{name: "cluster secret short", mutate: func(c *Config) { c.Cluster.Secret = "c2hvcnQ=" }, want: []string{`cluster.secret: "******" must encode at least 32 bytes, not 5`}},
	{name: "cluster secret not base64", mutate: func(c *Config) { c.Cluster.Secret = "this is not base64 at all!" }, want: []string{`cluster.secret: "******" is not valid base64`}},
	{name: "cluster name required", mutate: func(c *Config) { c.Cluster.Name = "" }, want: []string{`cluster.name: "" is required`}},
	{name: "cluster name", mutate: func(c *Config) { c.Cluster.Name = "Prod" }, want: []string{`cluster.name: "Prod" is not a valid DNS label`}},
	{name: "kubernetes version", mutate: func(c *Config) { c.Cluster.KubernetesVersion = "1.34" }, want: []string{`cluster.kubernetesVersion: "1.34" must be vMAJOR.MINOR.PATCH`}},
	{name: "endpoint required", mutate: func(c *Config) { c.Cluster.ControlPlane.Endpoint = "" }, want: []string{`cluster.controlPlane.endpoint: "" is required`}},
	{name: "endpoint", mutate: func(c *Config) { c.Cluster.ControlPlane.Endpoint = "https://cp" }, want: []string{`cluster.controlPlane.endpoint: "https://cp" must be https://host:port`}},
	{name: "pod subnet", mutate: func(c *Config) { c.Cluster.Network.PodSubnets = []string{""} }, want: []string{`cluster.network.podSubnets[0]: "" is not a valid CIDR`}},
	{name: "service subnet", mutate: func(c *Config) { c.Cluster.Network.ServiceSubnets = []string{"10.96.0.1/12"} }, want: []string{`cluster.network.serviceSubnets[0]: "10.96.0.1/12" is not a network address (want 10.96.0.0/12)`}},
	{name: "subnets overlap", mutate: func(c *Config) { c.Cluster.Network.ServiceSubnets = []string{"10.244.128.0/20"} }, want: []string{`cluster.network.serviceSubnets[0]: "10.244.128.0/20" overlaps cluster.network.podSubnets[0] "10.244.0.0/16"`}},
	{name: "dns domain", mutate: func(c *Config) { c.Cluster.Network.DNSDomain = "cluster..local" }, want: []string{`cluster.network.dnsDomain: "cluster..local" is not a valid DNS name`}},
	{name: "cni", mutate: func(c *Config) { c.Cluster.Network.CNI.Name = "cilium" }, want: []string{`cluster.network.cni.name: "cilium" must be bridge or none`}},
	{name: "cni flannel", mutate: func(c *Config) { c.Cluster.Network.CNI.Name = "flannel" }, want: []string{
		`cluster.network.cni.name: "flannel" is not in this image: use bridge (routed across nodes by machined) or none`}},
	{name: "kubernetes ca key on worker", worker: true, mutate: func(c *Config) { c.Cluster.CA.Key = []byte("x") }, want: []string{
		`cluster.ca.key: "******" must be empty on a worker`, `cluster.ca.key: "******" is not a PEM ECDSA P-256 private key: no PEM private key block found`}},
	{name: "aggregator ca required", mutate: func(c *Config) { c.Cluster.AggregatorCA = pki.PEMPair{} }, want: []string{
		`cluster.aggregatorCA.crt: "" is required on a controlplane`, `cluster.aggregatorCA.key: "" is required on a controlplane`}},
	{name: "aggregator ca on worker", worker: true, mutate: func(c *Config) { c.Cluster.AggregatorCA = pki.PEMPair{Crt: []byte("c"), Key: []byte("k")} }, want: []string{
		`cluster.aggregatorCA.crt: "c" must be empty on a worker`, `cluster.aggregatorCA.key: "******" must be empty on a worker`}},
	{name: "etcd ca mismatch", mutate: func(c *Config) { c.Cluster.Etcd.CA.Key = c.Machine.CA.Key }, want: []string{`cluster.etcd.ca.key: "******" does not match the certificate in crt`}},
	{name: "service account crt", mutate: func(c *Config) { c.Cluster.ServiceAccount.Crt = []byte("c") }, want: []string{`cluster.serviceAccount.crt: "c" must be empty: the service-account key has no certificate`}},
	{name: "service account required", mutate: func(c *Config) { c.Cluster.ServiceAccount.Key = nil }, want: []string{`cluster.serviceAccount.key: "" is required on a controlplane`}},
	{name: "service account key", mutate: func(c *Config) { c.Cluster.ServiceAccount.Key = []byte("k") }, want: []string{`cluster.serviceAccount.key: "******" is not a PEM ECDSA P-256 private key: no PEM private key block found`}},
	{name: "service account on worker", worker: true, mutate: func(c *Config) { c.Cluster.ServiceAccount.Key = []byte("k") }, want: []string{`cluster.serviceAccount.key: "******" must be empty on a worker`}},
	{name: "bootstrap token required", mutate: func(c *Config) { c.Cluster.Token = "" }, want: []string{`cluster.token: "" is required`}},
	{name: "bootstrap token", mutate: func(c *Config) { c.Cluster.Token = "ABCDEF.0123456789abcdef" }, want: []string{`cluster.token: "******" must match [a-z0-9]{6}.[a-z0-9]{16}`}},
	{name: "encryption secret required", mutate: func(c *Config) { c.Cluster.AESCBCEncryptionSecret = "" }, want: []string{`cluster.aescbcEncryptionSecret: "" is required on a controlplane`}},
	{name: "encryption secret", mutate: func(c *Config) { c.Cluster.AESCBCEncryptionSecret = "c2hvcnQ=" }, want: []string{`cluster.aescbcEncryptionSecret: "******" must be the base64 encoding of 32 bytes`}},
	{name: "encryption secret on worker", worker: true, mutate: func(c *Config) { c.Cluster.AESCBCEncryptionSecret = "x" }, want: []string{`cluster.aescbcEncryptionSecret: "******" must be empty on a worker`}},
	{name: "etcd managed flag", mutate: func(c *Config) { c.Cluster.Etcd.ExtraArgs = map[string]string{"data-dir": "/tmp"} }, want: []string{`cluster.etcd.extraArgs["data-dir"]: "/tmp" is managed by Cairn and cannot be set`}},
	{name: "apiserver certSANs", mutate: func(c *Config) { c.Cluster.APIServer.CertSANs = []string{"*"} }, want: []string{`cluster.apiServer.certSANs[0]: "*" is not a DNS name or IP address`}},
	{name: "apiserver managed flag", mutate: func(c *Config) {
		c.Cluster.APIServer.ExtraArgs = map[string]string{"etcd-servers": "x", "audit-log-maxage": "3"}
	}, want: []string{`cluster.apiServer.extraArgs["etcd-servers"]: "x" is managed by Cairn and cannot be set`}},
	{name: "controller manager flag", mutate: func(c *Config) {
		c.Cluster.ControllerManager.ExtraArgs = map[string]string{"root-ca-file": "x", "Bad": "y"}
	}, want: []string{
		`cluster.controllerManager.extraArgs["Bad"]: "Bad" is not a valid flag name`, `cluster.controllerManager.extraArgs["root-ca-file"]: "x" is managed by Cairn and cannot be set`}},
	{name: "scheduler flag", mutate: func(c *Config) { c.Cluster.Scheduler.ExtraArgs = map[string]string{"kubeconfig": "x"} }, want: []string{`cluster.scheduler.extraArgs["kubeconfig"]: "x" is managed by Cairn and cannot be set`}},
	{name: "trusted roots name", mutate: func(c *Config) {
		c.Documents = []Document{&TrustedRootsConfig{APIVersion: APIVersion, Kind: KindTrustedRoots, Certificates: string(c.Cluster.CA.Crt)}}
	}, want: []string{
		`documents[0](TrustedRootsConfig).name: "" is required`}},
	{name: "trusted roots certificates", mutate: func(c *Config) {
		c.Documents = []Document{&TrustedRootsConfig{APIVersion: APIVersion, Kind: KindTrustedRoots, Name: "corp", Certificates: "junk"}}
	}, want: []string{`documents[0](TrustedRootsConfig).certificates: "junk" must be PEM certificates and nothing else`}},
	{name: "trusted roots bad certificate", mutate: func(c *Config) {
		c.Documents = []Document{&TrustedRootsConfig{APIVersion: APIVersion, Kind: KindTrustedRoots, Name: "corp", Certificates: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}}
	}, want: []string{`documents[0](TrustedRootsConfig).certificates: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" certificate 1: parse certificate: x509: malformed certificate`}},
	{name: "trusted roots required", mutate: func(c *Config) {
		c.Documents = []Document{&TrustedRootsConfig{APIVersion: APIVersion, Kind: KindTrustedRoots, Name: "Corp"}}
	}, want: []string{
		`documents[0](TrustedRootsConfig).name: "Corp" is not a valid DNS label`, `documents[0](TrustedRootsConfig).certificates: "" is required`}},
	{name: "trusted roots duplicate", mutate: func(c *Config) {
		d := &TrustedRootsConfig{APIVersion: APIVersion, Kind: KindTrustedRoots, Name: "corp", Certificates: string(c.Cluster.CA.Crt) + string(c.Machine.CA.Crt)}
		c.Documents = []Document{d, d}
	}, want: []string{`documents[1](TrustedRootsConfig).name: "corp" duplicates documents[0](TrustedRootsConfig).name`}},
}
