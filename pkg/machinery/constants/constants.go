// Package constants holds the names, ports and paths shared by the node and its clients.
package constants

const (
	// APIPort is the TCP port of the node API (apid).
	APIPort = 50000
	// ConfigAPIVersion is the version of the machine configuration format.
	ConfigAPIVersion = "v1alpha1"
	// CairnconfigEnv names the environment variable that points at the client configuration.
	CairnconfigEnv = "CAIRNCONFIG"
	// DefaultKubernetesVersion is the Kubernetes version generated configs ask for.
	DefaultKubernetesVersion = "v1.35.8"
	// APIGroupGID is the group (cairn-api) that may connect to machined's unix socket.
	APIGroupGID = 49
	// ApidUID is the user apid runs as.
	ApidUID = 50
	// ApidGID is apid's own group.
	ApidGID = 50
	// TrustdUID is the user trustd runs as.
	TrustdUID = 51
	// TrustdGID is trustd's own group.
	TrustdGID = 51
	// JoinAddressMetadata is the metadata key with which trustd tells machined the address a
	// join request came from, so that the certificate names no other address.
	JoinAddressMetadata = "x-cairn-join-address"
)

// Kubernetes on the node: users, sockets and paths shared by machined, the image builder and
// the clients.
const (
	// EtcdUID and EtcdGID are etcd's user and group (CIS 1.1.12: /var/lib/etcd owned etcd:etcd).
	EtcdUID = 60
	EtcdGID = 60
	// KubeAPIServerUID is kube-apiserver's user.
	KubeAPIServerUID = 61
	// KubeControllerManagerUID is kube-controller-manager's user.
	KubeControllerManagerUID = 62
	// KubeSchedulerUID is kube-scheduler's user.
	KubeSchedulerUID = 63
	// KubeGID is the group of the control-plane components.
	KubeGID = 64
	// HandedFilePrefix starts the name of the memfd in which machined hands a component a copy
	// of a root-only file (a key, a kubeconfig) as a descriptor: the file stays root's and
	// 0600, as CIS asks, and the evidence collector reads the name to find the file the copy
	// came from (/proc/PID/fd/N links to "/memfd:PREFIX/etc/kubernetes/scheduler.conf").
	HandedFilePrefix = "cairn-handed:"

	// ContainerdSocket is containerd's gRPC socket (CRI and its own API).
	ContainerdSocket = "/run/containerd/containerd.sock"
	// ContainerdNamespace is the containerd namespace of the CRI (kubelet's images and pods).
	ContainerdNamespace = "k8s.io"
	// CtrPath is containerd's command-line client in the image, used to import images.
	CtrPath = "/usr/bin/ctr"
	// MaxImageImportBytes bounds the image tarball of one ImageImport call.
	MaxImageImportBytes = 2 << 30
	// MaxOSImageBytes bounds the signed OS image of one Upgrade call.
	MaxOSImageBytes = 1 << 30
	// ImagesDir holds the OCI image tarballs the image carries; machined imports each into
	// containerd once containerd serves.
	ImagesDir = "/usr/share/cairn/images"
	// SBOMSPDXPath and SBOMCycloneDXPath are the image's SBOM, made at image build, in SPDX 2.3
	// JSON and CycloneDX 1.6 JSON; the image manifest records their digests.
	SBOMSPDXPath      = "/usr/share/cairn/sbom.spdx.json"
	SBOMCycloneDXPath = "/usr/share/cairn/sbom.cdx.json"
	// CoreDNSImage and TestImage are references of images built into the image.
	CoreDNSImage = "registry.k8s.io/coredns/coredns:v1.14.2"
	// PauseImage is the sandbox image containerd and kubelet use.
	PauseImage = "registry.k8s.io/pause:3.10.1"
	// EchoImage is a small HTTP test server (external/echo) the e2e tests deploy.
	EchoImage = "cairn.local/echo:v1"
)
