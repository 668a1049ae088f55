package resources

import (
	"slices"

	"github.com/cosi-project/runtime/pkg/resource"
	"github.com/cosi-project/runtime/pkg/resource/meta"
	"github.com/cosi-project/runtime/pkg/resource/typed"
)

// ServiceStatusType is the type of ServiceStatus.
const ServiceStatusType = resource.Type("Services.runtime.cairn.dev")

// ServiceStatus is the state of one supervised service (its ID is the service name).
type ServiceStatus = typed.Resource[ServiceStatusSpec, ServiceStatusExtension]

// ServiceStatusSpec is the spec of ServiceStatus.
type ServiceStatusSpec struct {
	State     string   `yaml:"state"`
	PID       int      `yaml:"pid,omitempty"`
	Restarts  uint32   `yaml:"restarts"`
	LastError string   `yaml:"lastError,omitempty"`
	DependsOn []string `yaml:"dependsOn,omitempty"`
}

// DeepCopy implements typed.DeepCopyable.
func (s ServiceStatusSpec) DeepCopy() ServiceStatusSpec {
	s.DependsOn = slices.Clone(s.DependsOn)
	return s
}

// NewServiceStatus returns an empty ServiceStatus for a service.
func NewServiceStatus(id string) *ServiceStatus {
	return typed.NewResource[ServiceStatusSpec, ServiceStatusExtension](
		resource.NewMetadata(NamespaceRuntime, ServiceStatusType, id, resource.VersionUndefined),
		ServiceStatusSpec{})
}

// ServiceStatusExtension provides the definition of ServiceStatus.
type ServiceStatusExtension struct{}

// ResourceDefinition implements meta.ResourceDefinitionProvider.
func (ServiceStatusExtension) ResourceDefinition() meta.ResourceDefinitionSpec {
	return meta.ResourceDefinitionSpec{
		Type:             ServiceStatusType,
		Aliases:          []resource.Type{"svc"},
		DefaultNamespace: NamespaceRuntime,
		PrintColumns: []meta.PrintColumn{
			{Name: "State", JSONPath: "{.state}"},
			{Name: "Restarts", JSONPath: "{.restarts}"},
		},
	}
}
