package resources

import (
	"github.com/cosi-project/runtime/pkg/resource"
	"github.com/cosi-project/runtime/pkg/resource/meta"
	"github.com/cosi-project/runtime/pkg/resource/typed"
)

// HostnameType is the type of Hostname.
const HostnameType = resource.Type("HostnameStatuses.network.cairn.dev")

// HostnameID is the ID of the only Hostname.
const HostnameID = "hostname"

// Hostname is the node's host name, derived from its configuration by a controller.
type Hostname = typed.Resource[HostnameSpec, HostnameExtension]

// HostnameSpec is the spec of Hostname.
type HostnameSpec struct {
	Hostname string `yaml:"hostname"`
	// Source says where the name came from: "config" or "default".
	Source string `yaml:"source"`
}

// DeepCopy implements typed.DeepCopyable.
func (s HostnameSpec) DeepCopy() HostnameSpec { return s }

// NewHostname returns an empty Hostname.
func NewHostname() *Hostname {
	return typed.NewResource[HostnameSpec, HostnameExtension](
		resource.NewMetadata(NamespaceNetwork, HostnameType, HostnameID, resource.VersionUndefined),
		HostnameSpec{})
}

// HostnameExtension provides the definition of Hostname.
type HostnameExtension struct{}

// ResourceDefinition implements meta.ResourceDefinitionProvider.
func (HostnameExtension) ResourceDefinition() meta.ResourceDefinitionSpec {
	return meta.ResourceDefinitionSpec{
		Type:             HostnameType,
		Aliases:          []resource.Type{"hostname"},
		DefaultNamespace: NamespaceNetwork,
		PrintColumns:     []meta.PrintColumn{{Name: "Hostname", JSONPath: "{.hostname}"}},
	}
}
