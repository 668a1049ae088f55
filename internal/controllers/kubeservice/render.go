package kubeservice

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"path"

	"github.com/cairn-os/cairn/internal/pkg/kubepki"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
	"github.com/cairn-os/cairn/pkg/machinery/resources"
)

// File is a file or directory to write, with its owner.
type File struct {
	kubepki.File
	UID, GID int
}

// Service is one service to run.
type Service struct {
	Name string
	Spec resources.KubeServiceSpec
}

// Plan is everything Render derives.
type Plan struct {
	Files    []File
	Services []Service
}

// Render derives node's files and services from cfg (defaults applied). Every certificate
// is issued anew: callers render again only when InputDigest changes.
func Render(cfg *config.Config, node Node) (*Plan, error) {
	p, err := newParams(cfg, node)
	if err != nil {
		return nil, err
	}
	in := kubepki.FromConfig(cfg, node.Name, nodeIPs(node))
	in.BalancerPort = APIBalancerPort
	pkiFiles, err := kubepki.Render(in)
	if err != nil {
		return nil, err
	}
	plan := &Plan{}
	for _, f := range pkiFiles {
		plan.Files = append(plan.Files, owned(f))
	}
	plan.Files = append(plan.Files, p.nodeFiles()...)
	if p.controlPlane {
		plan.Files = append(plan.Files, p.controlPlaneFiles()...)
	}
	plan.Services = p.digested(FilesDigest(cfg, node))
	return plan, nil
}

// Services derives only the services (no certificate is issued): what the controller needs
// when the files on disk are current.
func Services(cfg *config.Config, node Node) ([]Service, error) {
	p, err := newParams(cfg, node)
	if err != nil {
		return nil, err
	}
	return p.digested(FilesDigest(cfg, node)), nil
}

// digested returns the services, each with its digest.
func (p *params) digested(files string) []Service {
	var out []Service
	for _, s := range p.services() {
		s.Spec.Digest = serviceDigest(files, s.Spec)
		out = append(out, s)
	}
	return out
}

// FilesDigest identifies what the files are derived from (the configuration, the node's name
// and address): the same digest, the same files up to new certificates. The log destinations
// are left out: no component reads them, so adding one restarts nothing.
func FilesDigest(cfg *config.Config, node Node) string {
	c := cfg.Clone()
	c.Machine.Logging.Destinations = nil
	data, _ := c.Encode()
	h := sha256.New()
	h.Write(data)
	h.Write([]byte("\x00" + node.Name + "\x00" + node.IP.String()))
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// serviceDigest changes when a service's definition or its files change, and only then: a
// bootstrap starts the control plane without restarting the kubelet.
func serviceDigest(files string, spec resources.KubeServiceSpec) string {
	data, _ := json.Marshal(spec)
	sum := sha256.Sum256(append([]byte(files+"\x00"), data...))
	return hex.EncodeToString(sum[:])[:16]
}

func file(p string, mode fs.FileMode, data []byte, uid, gid int) File {
	return File{File: kubepki.File{Path: p, Mode: mode, Data: data}, UID: uid, GID: gid}
}

func dir(p string, mode fs.FileMode, uid, gid int) File {
	return file(p, fs.ModeDir|mode, nil, uid, gid)
}

func (p *params) nodeFiles() []File {
	return []File{
		file("/etc/passwd", 0o644, passwd(), 0, 0),
		file("/etc/group", 0o644, group(), 0, 0),
		dir("/etc/containerd", 0o755, 0, 0),
		file(containerdConf, 0o600, containerdTOML(), 0, 0),
		dir(cniConfDir, 0o755, 0, 0),
		dir(kubeletDir, 0o700, 0, 0),
		file(kubeletConfig, 0o600, p.kubeletYAML(), 0, 0),
		dir(proxyDir, 0o700, 0, 0),
		file(proxyConfig, 0o600, p.proxyYAML(), 0, 0),
		file(proxyConf, 0o600, p.proxyKubeconfig(), 0, 0),
	}
}

func (p *params) controlPlaneFiles() []File {
	api := int(constants.KubeAPIServerUID)
	return []File{
		file(auditPolicy, 0o600, p.auditPolicyYAML(), api, constants.KubeGID),
		file(encryptionConf, 0o600, p.encryptionYAML(), api, constants.KubeGID),
		file(authnConf, 0o600, authnYAML(), api, constants.KubeGID),
		dir("/var/log/kubernetes", 0o755, 0, 0),
		dir(auditLogDir, 0o700, api, constants.KubeGID),
		dir(etcdDataDir, 0o700, constants.EtcdUID, constants.EtcdGID),
	}
}

// handed are the root-only keys and kubeconfigs (0600) that the non-root components read:
// machined hands each component a copy on a descriptor (flagSet.handOver), so that they stay
// root's, as CIS 1.1.16, 1.1.18 and 1.1.19 ask, and no component owns, or can change, a key
// or a kubeconfig. kube-apiserver's own configurations (audit policy, encryption,
// authentication) stay its own files at their paths: CIS does not ask who owns them, and
// kube-bench reads the encryption configuration at the path the flag names.
var handed = map[string]bool{
	etcdPath("server.key"):                        true,
	etcdPath("peer.key"):                          true,
	pkiPath("apiserver.key"):                      true,
	pkiPath("apiserver-kubelet-client.key"):       true,
	pkiPath("apiserver-etcd-client.key"):          true,
	pkiPath("front-proxy-client.key"):             true,
	pkiPath("ca.key"):                             true,
	pkiPath("sa.key"):                             true,
	pkiPath("controller-manager.key"):             true,
	pkiPath("scheduler.key"):                      true,
	path.Join(kubeDir, "controller-manager.conf"): true,
	path.Join(kubeDir, "scheduler.conf"):          true,
}

// owned is a file of kubepki's layout as written: root's, with kubepki's mode.
func owned(f kubepki.File) File { return File{File: f} }
