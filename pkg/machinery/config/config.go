package config

import (
	"fmt"

	"github.com/cairn-os/cairn/pkg/machinery/constants"
)

// APIVersion is the apiVersion of every document of this format.
const APIVersion = constants.ConfigAPIVersion

// KindMachineConfig is the kind of the first document.
const KindMachineConfig = "MachineConfig"

// Machine types.
const (
	TypeControlPlane = "controlplane"
	TypeWorker       = "worker"
)

// Config is a decoded machine configuration: the MachineConfig document and the documents that
// follow it.
type Config struct {
	// APIVersion is the version of the configuration format.
	//
	// Validation: must be v1alpha1.
	// Example: v1alpha1
	APIVersion string `yaml:"apiVersion"`
	// Kind names the document.
	//
	// Validation: must be MachineConfig.
	// Example: MachineConfig
	Kind string `yaml:"kind"`
	// Machine configures this node.
	Machine MachineConfig `yaml:"machine"`
	// Cluster configures the Kubernetes cluster the node belongs to; every node of a cluster
	// carries the same cluster section (workers without the keys).
	Cluster ClusterConfig `yaml:"cluster"`

	// Documents are the further documents of the file, in order.
	Documents []Document `yaml:"-"`
}

// Mode is the environment a configuration is validated for.
type Mode int

const (
	// ModeMetal is a node on a machine or VM: it installs to disk, loads kernel modules and
	// sets every sysctl.
	ModeMetal Mode = iota
	// ModeContainer is a node running as a container: it has no disk to install to, cannot
	// load kernel modules and can only set namespaced sysctls, so those fields are not
	// required and not checked.
	ModeContainer
)

// String returns the name of the mode as the command line spells it.
func (m Mode) String() string {
	switch m {
	case ModeMetal:
		return "metal"
	case ModeContainer:
		return "container"
	default:
		return fmt.Sprintf("Mode(%d)", int(m))
	}
}

// ParseMode parses "metal" or "container".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "metal":
		return ModeMetal, nil
	case "container":
		return ModeContainer, nil
	default:
		return 0, fmt.Errorf("mode %q: want metal or container", s)
	}
}

// New returns an empty configuration with its header set.
func New() *Config {
	return &Config{APIVersion: APIVersion, Kind: KindMachineConfig}
}
