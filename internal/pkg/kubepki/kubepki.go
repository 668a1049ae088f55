// Package kubepki derives every Kubernetes certificate, key and kubeconfig a node needs from the
// cluster secrets of its machine configuration, at kubeadm's paths and with kubeadm's modes, so
// that standard tools (kubectl, kube-bench) find them.
//
// It is a pure library: it writes nothing and is not yet wired into machined's boot. A later
// step calls Render from a COSI controller whenever the configuration, the host name or the
// node's addresses change, writes the files, and renders again before the leaf certificates
// (valid for pki.DefaultLeafTTL unless Input.TTL says otherwise) expire.
//
// CA private keys: a control-plane node gets /etc/kubernetes/pki/ca.key, because
// kube-controller-manager signs kubelet certificates with it (--cluster-signing-key-file). The
// etcd and front-proxy CA keys stay in the machine configuration: no component reads them from
// disk, and machined re-issues their leaves itself, so unlike kubeadm they are never written. A
// worker gets no private key of any CA, only ca.crt and a bootstrap kubeconfig for TLS bootstrap.
package kubepki

import (
	"io/fs"
	"net/netip"
	"path"
)

// Paths and modes of kubeadm's layout.
const (
	// KubernetesDir holds the kubeconfigs.
	KubernetesDir = "/etc/kubernetes"
	// PKIDir holds the Kubernetes certificates and keys.
	PKIDir = KubernetesDir + "/pki"
	// EtcdPKIDir holds the etcd certificates and keys.
	EtcdPKIDir = PKIDir + "/etcd"

	// ModeDir is the mode of the directories (kubeadm creates them 0755).
	ModeDir fs.FileMode = fs.ModeDir | 0o755
	// ModeCert is the mode of certificates and public keys.
	ModeCert fs.FileMode = 0o644
	// ModeSecret is the mode of private keys and kubeconfigs.
	ModeSecret fs.FileMode = 0o600
)

// Kubeconfig paths.
var (
	AdminConf             = path.Join(KubernetesDir, "admin.conf")
	SuperAdminConf        = path.Join(KubernetesDir, "super-admin.conf")
	ControllerManagerConf = path.Join(KubernetesDir, "controller-manager.conf")
	SchedulerConf         = path.Join(KubernetesDir, "scheduler.conf")
	BootstrapKubeletConf  = path.Join(KubernetesDir, "bootstrap-kubelet.conf")
)

// File is a file or directory to write. A directory has fs.ModeDir in Mode and no Data.
type File struct {
	Path string
	Mode fs.FileMode
	Data []byte
}

// Render returns the directories (first, parents before children) and files of in's node.
// Every leaf certificate and its key are new on each call. The error names each bad field.
func Render(in Input) ([]File, error) {
	p, err := parse(in)
	if err != nil {
		return nil, err
	}
	if p.worker() {
		return renderWorker(p)
	}
	return renderControlPlane(p)
}

// renderWorker returns what a worker's kubelet needs for TLS bootstrap, through the node's
// load balancer when it has one (the apiserver certificates carry 127.0.0.1).
func renderWorker(p *parsed) ([]File, error) {
	server := p.endpoint
	if p.in.BalancerPort > 0 {
		server = "https://" + netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(p.in.BalancerPort)).String()
	}
	boot, err := p.bootstrapKubeconfig(server)
	if err != nil {
		return nil, err
	}
	return []File{
		dir(KubernetesDir), dir(PKIDir),
		cert(path.Join(PKIDir, "ca.crt"), p.ca.CertPEM),
		secret(BootstrapKubeletConf, boot),
	}, nil
}

func dir(p string) File                 { return File{Path: p, Mode: ModeDir} }
func cert(p string, data []byte) File   { return File{Path: p, Mode: ModeCert, Data: data} }
func secret(p string, data []byte) File { return File{Path: p, Mode: ModeSecret, Data: data} }
