package resources

import (
	"slices"
	"time"

	"github.com/cosi-project/runtime/pkg/resource"
	"github.com/cosi-project/runtime/pkg/resource/meta"
	"github.com/cosi-project/runtime/pkg/resource/typed"
)

// NamespaceKubernetes holds the resources of the node's Kubernetes.
const NamespaceKubernetes resource.Namespace = "kubernetes"

// KubeServiceType is the type of KubeService.
const KubeServiceType = resource.Type("KubeServices.kubernetes.cairn.dev")

// KubeService is one Kubernetes service machined runs (etcd, kube-apiserver, kubelet, ...),
// derived by a controller from the machine configuration; its ID is the service name. It
// names files, never their contents: keys stay on the node.
type KubeService = typed.Resource[KubeServiceSpec, KubeServiceExtension]

// KubeServiceSpec is how to run one Kubernetes service.
type KubeServiceSpec struct {
	// Path is the program; Args its arguments (Args[0] is the name it runs as).
	Path string   `yaml:"path"`
	Args []string `yaml:"args"`
	// Env is the environment, KEY=value.
	Env []string `yaml:"env,omitempty"`
	// UID, GID and Groups are who it runs as; Caps the capabilities it keeps (root services).
	UID    uint32   `yaml:"uid"`
	GID    uint32   `yaml:"gid"`
	Groups []uint32 `yaml:"groups,omitempty"`
	Caps   []string `yaml:"caps,omitempty"`
	// Privileged services (containerd, kubelet) keep every capability of root and may gain
	// privileges by exec (containers need it); the others run with no_new_privs.
	Privileged bool `yaml:"privileged"`
	// MemoryMax and PidsMax are the limits of its cgroup (0: none).
	MemoryMax int64 `yaml:"memoryMax,omitempty"`
	PidsMax   int64 `yaml:"pidsMax,omitempty"`
	// Handed are root-only files (keys, kubeconfigs) it reads without owning them: at every
	// start machined copies each into a sealed memfd handed on descriptor 3, 4, ... in this
	// order, and its flags name them /proc/self/fd/3, /proc/self/fd/4, ...
	Handed []string `yaml:"handed,omitempty"`
	// CPUWeight is its cgroup's cpu.weight (0: the kernel's 100): its share of the CPU when
	// the node is busy, as on a control plane's first start.
	CPUWeight uint64 `yaml:"cpuWeight,omitempty"`
	// DependsOn names services that must be running first.
	DependsOn []string `yaml:"dependsOn,omitempty"`
	// Ready is how to tell it serves: "tcp:HOST:PORT", "unix:PATH", "file:PATH",
	// "https:HOST:PORT/PATH" (an HTTPS GET answered 200, the server's certificate verified
	// with ReadyCA) or empty.
	Ready string `yaml:"ready,omitempty"`
	// StartAfter, in Ready's forms, must pass before each start: until then the service is
	// Waiting (the kubelet waits for its cluster's apiserver to answer /readyz).
	StartAfter string `yaml:"startAfter,omitempty"`
	// ReadyWithin, when set, restarts a process not ready that long after it started.
	ReadyWithin time.Duration `yaml:"readyWithin,omitempty"`
	// ReadyCA verifies the server of an https: Ready or StartAfter.
	ReadyCA string `yaml:"readyCA,omitempty"`
	// Digest changes whenever its inputs (configuration, files) change: a new digest restarts
	// the service.
	Digest string `yaml:"digest"`
}

// DeepCopy implements typed.DeepCopyable.
func (s KubeServiceSpec) DeepCopy() KubeServiceSpec {
	s.Args, s.Env, s.Groups = slices.Clone(s.Args), slices.Clone(s.Env), slices.Clone(s.Groups)
	s.Caps, s.DependsOn, s.Handed = slices.Clone(s.Caps), slices.Clone(s.DependsOn), slices.Clone(s.Handed)
	return s
}

// NewKubeService returns an empty KubeService for a service.
func NewKubeService(id string) *KubeService {
	return typed.NewResource[KubeServiceSpec, KubeServiceExtension](
		resource.NewMetadata(NamespaceKubernetes, KubeServiceType, id, resource.VersionUndefined),
		KubeServiceSpec{})
}

// KubeServiceExtension provides the definition of KubeService.
type KubeServiceExtension struct{}

// ResourceDefinition implements meta.ResourceDefinitionProvider.
func (KubeServiceExtension) ResourceDefinition() meta.ResourceDefinitionSpec {
	return meta.ResourceDefinitionSpec{
		Type:             KubeServiceType,
		Aliases:          []resource.Type{"kubeservice", "ks"},
		DefaultNamespace: NamespaceKubernetes,
		PrintColumns: []meta.PrintColumn{
			{Name: "Path", JSONPath: "{.path}"},
			{Name: "UID", JSONPath: "{.uid}"},
		},
	}
}

// BootstrapType is the type of Bootstrap.
const BootstrapType = resource.Type("Bootstraps.kubernetes.cairn.dev")

// BootstrapID is the ID of the only Bootstrap.
const BootstrapID = "etcd"

// Bootstrap says that this control-plane node may run etcd: it was asked to bootstrap the
// cluster, it joined an existing one as a learner, or its etcd already holds data.
type Bootstrap = typed.Resource[BootstrapSpec, BootstrapExtension]

// Bootstrap sources.
const (
	BootstrapAPI     = "api"
	BootstrapJoin    = "join"
	BootstrapRecover = "recover"
	BootstrapData    = "data"
)

// BootstrapSpec is the spec of Bootstrap.
type BootstrapSpec struct {
	// Source is "api" (a Bootstrap call), "join" (the node's member was added to an existing
	// cluster as a learner), "recover" (a BootstrapRecover call restored a snapshot) or "data"
	// (etcd's data directory existed at boot).
	Source string `yaml:"source"`
	// InitialCluster, after a join, is the --initial-cluster the new member starts with
	// ("name=peerURL,..."): the cluster's members as etcd returned them when it added this one.
	InitialCluster string `yaml:"initialCluster,omitempty"`
	// JoinedThrough, after a join, is the client URL of the member that added this one.
	JoinedThrough string `yaml:"joinedThrough,omitempty"`
}

// DeepCopy implements typed.DeepCopyable.
func (s BootstrapSpec) DeepCopy() BootstrapSpec { return s }

// NewBootstrap returns an empty Bootstrap.
func NewBootstrap() *Bootstrap {
	return typed.NewResource[BootstrapSpec, BootstrapExtension](
		resource.NewMetadata(NamespaceKubernetes, BootstrapType, BootstrapID, resource.VersionUndefined),
		BootstrapSpec{})
}

// BootstrapExtension provides the definition of Bootstrap.
type BootstrapExtension struct{}

// ResourceDefinition implements meta.ResourceDefinitionProvider.
func (BootstrapExtension) ResourceDefinition() meta.ResourceDefinitionSpec {
	return meta.ResourceDefinitionSpec{Type: BootstrapType, DefaultNamespace: NamespaceKubernetes}
}
