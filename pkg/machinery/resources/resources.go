// Package resources defines the COSI resource types of a Cairn node: their specs, namespaces and
// definitions (aliases, default namespace, sensitivity). The node keeps them in COSI state and
// serves them through the resource API; cairnctl prints them.
package resources

import (
	"github.com/cosi-project/runtime/pkg/resource"
	"github.com/cosi-project/runtime/pkg/resource/meta"
)

// Namespaces of the node's state.
const (
	NamespaceRuntime resource.Namespace = "runtime"
	NamespaceConfig  resource.Namespace = "config"
	NamespaceNetwork resource.Namespace = "network"
)

// Namespaces lists every namespace with its description.
var Namespaces = map[resource.Namespace]string{
	NamespaceRuntime:    "The node's lifecycle and services.",
	NamespaceConfig:     "The machine configuration (sensitive).",
	NamespaceNetwork:    "Host name and addresses.",
	NamespaceKubernetes: "The node's Kubernetes services.",
}

// All returns an empty resource of every type, for registering their definitions.
func All() []meta.ResourceWithRD {
	return []meta.ResourceWithRD{
		NewMachineStatus(),
		NewServiceStatus(""),
		NewLogDestinationStatus(""),
		NewMachineConfig(),
		NewHostname(),
		NewKubeService(""),
		NewBootstrap(),
	}
}
