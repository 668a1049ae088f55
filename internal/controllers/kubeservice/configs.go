package kubeservice

import (
	"fmt"
	"strings"

	"github.com/cairn-os/cairn/pkg/machinery/constants"
)

// containerdTOML is containerd's configuration: CRI with runc from the image, the CNI plugins
// of the image, state under /var and /run (the root is read-only), cgroupfs as kubelet uses.
func containerdTOML() []byte {
	return []byte(`# Written by machined from the machine configuration; changes are overwritten.
version = 3
root = "/var/lib/containerd"
state = "/run/containerd"

[grpc]
  address = "` + constants.ContainerdSocket + `"

[plugins."io.containerd.internal.v1.opt"]
  path = "/var/lib/containerd/opt"

[plugins."io.containerd.cri.v1.runtime"]
  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
        BinaryName = "/usr/bin/runc"
        SystemdCgroup = false
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["` + cniBinDir + `"]
    conf_dir = "` + cniConfDir + `"

[plugins."io.containerd.cri.v1.images".pinned_images]
  sandbox = "` + constants.PauseImage + `"
`)
}

// kubeletYAML is the kubelet's configuration (CIS section 4.2).
func (p *params) kubeletYAML() []byte {
	gates := p.gatesYAML()
	return []byte(`# Written by machined from the machine configuration; changes are overwritten.
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: ` + pkiPath("ca.crt") + `
authorization:
  mode: Webhook
readOnlyPort: 0
rotateCertificates: true
serverTLSBootstrap: true
protectKernelDefaults: true
seccompDefault: true
makeIPTablesUtilChains: true
eventRecordQPS: 5
podPidsLimit: 4096
streamingConnectionIdleTimeout: 4h0m0s
tlsMinVersion: VersionTLS13
tlsCipherSuites: [` + tlsCiphers + `]
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://` + constants.ContainerdSocket + `
clusterDNS: [` + p.dnsIP.String() + `]
clusterDomain: ` + p.dnsDomain + `
resolvConf: /etc/resolv.conf
staticPodPath: ""
failSwapOn: true
healthzBindAddress: 127.0.0.1
healthzPort: 10248
volumePluginDir: /var/lib/kubelet/volumeplugins
` + gates)
}

func (p *params) kubeletFlags() flagSet {
	return flagSet{
		"config": kubeletConfig, "kubeconfig": kubeletConf, "bootstrap-kubeconfig": bootstrapConf,
		"cert-dir": kubeletPKIDir, "node-ip": p.node.IP.String(), "root-dir": kubeletDir,
	}
}

// gatesYAML is the featureGates block of a component configuration file, "" for none.
func (p *params) gatesYAML() string {
	if p.featureGates == "" {
		return ""
	}
	gates := "featureGates:\n"
	for _, kv := range strings.Split(p.featureGates, ",") {
		k, v, _ := strings.Cut(kv, "=")
		gates += fmt.Sprintf("  %s: %s\n", k, v)
	}
	return gates
}

// proxyYAML is kube-proxy's configuration: nftables mode, metrics and health on localhost
// only (CIS 4.3.1), conntrack sysctls left to the node.
func (p *params) proxyYAML() []byte {
	return []byte(`# Written by machined from the machine configuration; changes are overwritten.
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: nftables
clientConnection:
  kubeconfig: ` + proxyConf + `
clusterCIDR: ` + p.podCIDR + `
hostnameOverride: ` + p.node.Name + `
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
conntrack:
  maxPerCore: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
` + p.gatesYAML())
}

// proxyKubeconfig lets kube-proxy authenticate with the kubelet's client certificate (kept
// current by the kubelet's rotation); the group system:nodes is bound to system:node-proxier.
// It reaches the cluster through the node's load balancer.
func (p *params) proxyKubeconfig() []byte {
	return []byte(`apiVersion: v1
kind: Config
clusters:
- name: cluster
  cluster:
    certificate-authority: ` + pkiPath("ca.crt") + `
    server: ` + apiBalancer + `
users:
- name: kube-proxy
  user:
    client-certificate: ` + kubeletCurrent + `
    client-key: ` + kubeletCurrent + `
contexts:
- name: kube-proxy
  context:
    cluster: cluster
    user: kube-proxy
current-context: kube-proxy
`)
}

// CNIConfig is the pod network of a node whose pod CIDR is podCIDR: a bridge with addresses
// from host-local; traffic to other nodes' pod CIDRs follows the routes machined programs.
func CNIConfig(podCIDR string) []byte {
	return []byte(`{
  "cniVersion": "1.0.0",
  "name": "cairn",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "` + podCIDR + `"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    }
  ]
}
`)
}

// passwd and group name the node's users and groups (the kubelet reads /etc/passwd, and
// tools that show owners find the names); no account has a password or a shell.
func passwd() []byte {
	return []byte(fmt.Sprintf(`root:x:0:0:root:/root:/nonexistent
apid:x:%d:%d:apid:/nonexistent:/nonexistent
trustd:x:%d:%d:trustd:/nonexistent:/nonexistent
etcd:x:%d:%d:etcd:/var/lib/etcd:/nonexistent
kube-apiserver:x:%d:%d:kube-apiserver:/nonexistent:/nonexistent
kube-controller-manager:x:%d:%d:kube-controller-manager:/nonexistent:/nonexistent
kube-scheduler:x:%d:%d:kube-scheduler:/nonexistent:/nonexistent
nobody:x:65534:65534:nobody:/nonexistent:/nonexistent
`, constants.ApidUID, constants.ApidGID, constants.TrustdUID, constants.TrustdGID, constants.EtcdUID, constants.EtcdGID,
		constants.KubeAPIServerUID, constants.KubeGID, constants.KubeControllerManagerUID, constants.KubeGID,
		constants.KubeSchedulerUID, constants.KubeGID))
}

func group() []byte {
	return []byte(fmt.Sprintf(`root:x:0:
cairn-api:x:%d:
apid:x:%d:
trustd:x:%d:
etcd:x:%d:
kube:x:%d:
nogroup:x:65534:
`, constants.APIGroupGID, constants.ApidGID, constants.TrustdGID, constants.EtcdGID, constants.KubeGID))
}
