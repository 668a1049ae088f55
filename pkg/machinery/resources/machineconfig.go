package resources

import (
	"github.com/cosi-project/runtime/pkg/resource"
	"github.com/cosi-project/runtime/pkg/resource/meta"
	"github.com/cosi-project/runtime/pkg/resource/typed"
)

// MachineConfigType is the type of MachineConfig.
const MachineConfigType = resource.Type("MachineConfigs.config.cairn.dev")

// Machine configuration IDs.
const (
	MachineConfigActiveID = "active"
	MachineConfigStagedID = "staged"
)

// MachineConfig holds an encoded machine configuration, secrets included: it is sensitive and
// only roles that may read secrets see it.
type MachineConfig = typed.Resource[MachineConfigSpec, MachineConfigExtension]

// MachineConfigSpec is the spec of MachineConfig.
type MachineConfigSpec struct {
	// YAML is the configuration as the node stores it.
	YAML string `yaml:"yaml"`
}

// DeepCopy implements typed.DeepCopyable.
func (s MachineConfigSpec) DeepCopy() MachineConfigSpec { return s }

// NewMachineConfig returns an empty active MachineConfig.
func NewMachineConfig() *MachineConfig {
	return NewMachineConfigID(MachineConfigActiveID)
}

// NewMachineConfigID returns an empty MachineConfig with the given ID.
func NewMachineConfigID(id string) *MachineConfig {
	return typed.NewResource[MachineConfigSpec, MachineConfigExtension](
		resource.NewMetadata(NamespaceConfig, MachineConfigType, id, resource.VersionUndefined),
		MachineConfigSpec{})
}

// MachineConfigExtension provides the definition of MachineConfig.
type MachineConfigExtension struct{}

// ResourceDefinition implements meta.ResourceDefinitionProvider.
func (MachineConfigExtension) ResourceDefinition() meta.ResourceDefinitionSpec {
	return meta.ResourceDefinitionSpec{
		Type:             MachineConfigType,
		Aliases:          []resource.Type{"mc"},
		DefaultNamespace: NamespaceConfig,
		Sensitivity:      meta.Sensitive,
	}
}
