package kubeservice

import "path"

// Where the components' files live: kubeadm's layout where kubeadm has one.
const (
	kubeDir        = "/etc/kubernetes"
	pkiDir         = kubeDir + "/pki"
	etcdPKIDir     = pkiDir + "/etcd"
	kubeletDir     = "/var/lib/kubelet"
	kubeletConfig  = kubeletDir + "/config.yaml"
	kubeletPKIDir  = kubeletDir + "/pki"
	kubeletCurrent = kubeletPKIDir + "/kubelet-client-current.pem"
	kubeletConf    = kubeDir + "/kubelet.conf"
	bootstrapConf  = kubeDir + "/bootstrap-kubelet.conf"
	proxyDir       = "/var/lib/kube-proxy"
	proxyConfig    = proxyDir + "/config.conf"
	proxyConf      = kubeDir + "/proxy.conf" // kube-bench's default path for it (CIS 4.1.3, 4.1.4)
	etcdDataDir    = "/var/lib/etcd"
	auditPolicy    = kubeDir + "/audit-policy.yaml"
	auditLogDir    = "/var/log/kubernetes/audit"
	encryptionConf = kubeDir + "/encryption-config.yaml"
	authnConf      = kubeDir + "/authentication-config.yaml"
	containerdConf = "/etc/containerd/config.toml"
	cniConfDir     = "/etc/cni/net.d"
	cniBinDir      = "/opt/cni/bin"
	binDir         = "/usr/bin"
)

// APIBalancerPort is the loopback port of machined's load balancer for the Kubernetes API on
// every node (apilb): a worker's kubelet and every kube-proxy reach the cluster through it,
// so that they keep working while any one control plane is down.
const APIBalancerPort = 7445

// apiBalancer is the balancer's URL; the apiserver certificates carry 127.0.0.1.
const apiBalancer = "https://127.0.0.1:7445"

// EtcdDataDir is etcd's data directory; machined looks for a member there at boot.
const EtcdDataDir = etcdDataDir

// CNIConfDir is where the pod network's configuration goes once the node's pod CIDR is known.
const CNIConfDir = cniConfDir

// EtcdPKIDir holds etcd's CA and certificates, among them the health-check client's.
const EtcdPKIDir = etcdPKIDir

// KubeletKubeconfig is the kubelet's kubeconfig, written by the kubelet at TLS bootstrap;
// machined's node-side controllers use it (and the kubelet's client certificate) too.
const KubeletKubeconfig = kubeletConf

// ProxyKubeconfig is the kubeconfig of kube-proxy (the kubelet's client certificate).
const ProxyKubeconfig = proxyConf

// SuperAdminKubeconfig is the system:masters kubeconfig machined applies the cluster's
// bootstrap manifests with (as kubeadm does on the node that initialises the cluster).
const SuperAdminKubeconfig = kubeDir + "/super-admin.conf"

func pkiPath(name string) string  { return path.Join(pkiDir, name) }
func etcdPath(name string) string { return path.Join(etcdPKIDir, name) }
func bin(name string) string      { return path.Join(binDir, name) }

// APIServerAuditLog is the file kube-apiserver writes its audit events to; machined forwards
// it to the log destinations that take the kube-apiserver-audit source.
const APIServerAuditLog = auditLogDir + "/audit.log"
