package config

import "github.com/cairn-os/cairn/pkg/machinery/pki"

// ClusterConfig configures the Kubernetes cluster a node belongs to.
type ClusterConfig struct {
	// ID identifies the cluster; every node of the cluster has the same one.
	//
	// Validation: required; at least 16 characters.
	// Example: 0b9hT2u4zWmRqA6c8yE1sKp3Lx5vNf7d
	ID string `yaml:"id"`
	// Secret is shared by the nodes of the cluster to authenticate each other outside
	// Kubernetes.
	//
	// Validation: required; the base64 encoding of at least 32 bytes.
	// Example: DNhydNZwhMqvDg02yEltt/71X+DhJXUKpgjV4g/8LRI=
	Secret string `yaml:"secret" cairn:"secret"`
	// Name is the cluster's name; it is the context name of the generated cairnconfig.
	//
	// Validation: required; a DNS label (lowercase letters, digits, -), at most 63 characters.
	// Example: prod-eu
	Name string `yaml:"name"`
	// KubernetesVersion is the Kubernetes version the cluster runs. Kubernetes comes in the
	// image, so this must match the image's version; it is here so that a node refuses to join
	// a cluster of another version.
	//
	// Default: v1.35.8.
	// Validation: vMAJOR.MINOR.PATCH.
	// Example: v1.35.8
	KubernetesVersion string `yaml:"kubernetesVersion,omitempty"`
	// ControlPlane says how to reach the control plane.
	ControlPlane ControlPlaneConfig `yaml:"controlPlane"`
	// FeatureGates turns Kubernetes feature gates on or off in every component: kube-apiserver,
	// kube-controller-manager, kube-scheduler, kubelet and kube-proxy get the same set.
	//
	// Default: none (each gate at its Kubernetes default).
	// Validation: each name a feature gate of the image's Kubernetes (v1.35.8); a gate locked
	// to its default (GA or deprecated and locked) only at that default; a gate left enabled
	// must not have a gate it depends on disabled.
	// Example: {ClusterTrustBundle: true, ClusterTrustBundleProjection: true}
	FeatureGates map[string]bool `yaml:"featureGates,omitempty"`
	// Network configures the cluster's pod and service networks.
	Network ClusterNetworkConfig `yaml:"network,omitempty"`
	// CA is the Kubernetes certificate authority: certificate and key on control-plane
	// nodes, certificate only on workers.
	//
	// Validation: crt required, a PEM certificate; key required on controlplane and forbidden
	// on worker, a PEM ECDSA P-256 key matching crt.
	// Example: {crt: LS0tLS1CRUdJTi..., key: LS0tLS1CRUdJTi...}
	CA pki.PEMPair `yaml:"ca" cairn:"secret"`
	// AggregatorCA is the front-proxy certificate authority of the API aggregation layer.
	//
	// Validation: on controlplane crt and key required (a PEM certificate and matching key);
	// on worker forbidden.
	// Example: {crt: LS0tLS1CRUdJTi..., key: LS0tLS1CRUdJTi...}
	AggregatorCA pki.PEMPair `yaml:"aggregatorCA,omitempty" cairn:"secret"`
	// ServiceAccount holds the key that signs service-account tokens (key only).
	//
	// Validation: on controlplane key required, a PEM ECDSA P-256 key, and crt empty; on worker
	// forbidden.
	// Example: {key: LS0tLS1CRUdJTi...}
	ServiceAccount pki.PEMPair `yaml:"serviceAccount,omitempty" cairn:"secret"`
	// Token is the Kubernetes bootstrap token kubelets use to request their certificates.
	//
	// Validation: required; [a-z0-9]{6}.[a-z0-9]{16}.
	// Example: abcdef.0123456789abcdef
	Token string `yaml:"token" cairn:"secret"`
	// AESCBCEncryptionSecret is the key with which kube-apiserver encrypts Secrets at rest in
	// etcd (aescbc provider), base64.
	//
	// Validation: on controlplane required, the base64 encoding of 32 bytes; on worker
	// forbidden.
	// Example: 3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
	AESCBCEncryptionSecret string `yaml:"aescbcEncryptionSecret,omitempty" cairn:"secret"`
	// Etcd configures etcd on control-plane nodes.
	Etcd EtcdConfig `yaml:"etcd,omitempty"`
	// APIServer configures kube-apiserver.
	APIServer APIServerConfig `yaml:"apiServer,omitempty"`
	// ControllerManager configures kube-controller-manager.
	ControllerManager ComponentConfig `yaml:"controllerManager,omitempty"`
	// Scheduler configures kube-scheduler.
	Scheduler ComponentConfig `yaml:"scheduler,omitempty"`
}

// ControlPlaneConfig says how to reach the control plane.
type ControlPlaneConfig struct {
	// Endpoint is the URL of the Kubernetes API: a control-plane node, a load balancer or a
	// DNS name that resolves to the control-plane nodes.
	//
	// Validation: required; https://host:port.
	// Example: https://192.0.2.10:6443
	Endpoint string `yaml:"endpoint"`
}

// ClusterNetworkConfig configures the cluster's pod and service networks.
type ClusterNetworkConfig struct {
	// PodSubnets are the CIDRs pods get their addresses from.
	//
	// Default: [10.244.0.0/16].
	// Validation: one IPv4 CIDR network address (the node runs Kubernetes single-stack over
	// IPv4), /24 or larger since each node gets a /24 of it; it overlaps no service subnet.
	// Example: [10.244.0.0/16]
	PodSubnets []string `yaml:"podSubnets,omitempty"`
	// ServiceSubnets are the CIDRs services get their cluster IPs from.
	//
	// Default: [10.96.0.0/12].
	// Validation: one IPv4 CIDR network address (the node runs Kubernetes single-stack over
	// IPv4), /28 or larger since cluster DNS takes its tenth address; it overlaps no pod
	// subnet.
	// Example: [10.96.0.0/12]
	ServiceSubnets []string `yaml:"serviceSubnets,omitempty"`
	// DNSDomain is the cluster's DNS domain.
	//
	// Default: cluster.local.
	// Validation: a DNS name.
	// Example: cluster.local
	DNSDomain string `yaml:"dnsDomain,omitempty"`
	// CNI chooses the pod network plugin.
	CNI CNIConfig `yaml:"cni,omitempty"`
}

// CNIConfig chooses the pod network plugin.
type CNIConfig struct {
	// Name is the pod network: bridge (the CNI bridge plugin on each node, pods addressed
	// from the node's podCIDR, routed across nodes by machined) or none (install your own).
	// flannel is not in this image.
	//
	// Default: bridge.
	// Validation: bridge or none.
	// Example: bridge
	Name string `yaml:"name,omitempty"`
}

// EtcdConfig configures etcd on control-plane nodes.
type EtcdConfig struct {
	// CA is the etcd certificate authority.
	//
	// Validation: on controlplane crt and key required (a PEM certificate and matching key);
	// on worker forbidden.
	// Example: {crt: LS0tLS1CRUdJTi..., key: LS0tLS1CRUdJTi...}
	CA pki.PEMPair `yaml:"ca,omitempty" cairn:"secret"`
	// ExtraArgs are extra command line flags of etcd, without the leading dashes.
	//
	// Default: none.
	// Validation: names are lowercase flag names; flags Cairn manages (data-dir, name,
	// cert-file, key-file, trusted-ca-file, peer-cert-file, peer-key-file,
	// peer-trusted-ca-file, client-cert-auth, peer-client-cert-auth) are refused.
	// Example: {quota-backend-bytes: "8589934592"}
	ExtraArgs map[string]string `yaml:"extraArgs,omitempty"`
}

// APIServerConfig configures kube-apiserver.
type APIServerConfig struct {
	// CertSANs are extra subject alternative names of the API server's certificate.
	//
	// Default: none (the endpoint's host and the node's addresses are always included).
	// Validation: each a DNS name or an IP address.
	// Example: [k8s.example.org]
	CertSANs []string `yaml:"certSANs,omitempty"`
	// ExtraArgs are extra command line flags of kube-apiserver, without the leading dashes.
	//
	// Default: none.
	// Validation: names are lowercase flag names; flags Cairn manages (etcd-servers,
	// etcd-cafile, etcd-certfile, etcd-keyfile, client-ca-file, tls-cert-file,
	// tls-private-key-file, service-account-key-file, service-account-signing-key-file,
	// service-cluster-ip-range) are refused.
	// Example: {audit-log-maxage: "30"}
	ExtraArgs map[string]string `yaml:"extraArgs,omitempty"`
}

// ComponentConfig configures kube-controller-manager or kube-scheduler.
type ComponentConfig struct {
	// ExtraArgs are extra command line flags of the component, without the leading dashes.
	//
	// Default: none.
	// Validation: names are lowercase flag names; flags Cairn manages (kubeconfig,
	// authentication-kubeconfig, authorization-kubeconfig, tls-cert-file,
	// tls-private-key-file and, for the controller manager, cluster-signing-cert-file,
	// cluster-signing-key-file, service-account-private-key-file, root-ca-file) are refused.
	// Example: {v: "2"}
	ExtraArgs map[string]string `yaml:"extraArgs,omitempty"`
}
