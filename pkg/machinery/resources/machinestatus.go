package resources

import (
	"github.com/cosi-project/runtime/pkg/resource"
	"github.com/cosi-project/runtime/pkg/resource/meta"
	"github.com/cosi-project/runtime/pkg/resource/typed"
)

// MachineStatusType is the type of MachineStatus.
const MachineStatusType = resource.Type("MachineStatuses.runtime.cairn.dev")

// MachineStatusID is the ID of the only MachineStatus.
const MachineStatusID = "machine"

// MachineStatus says what stage the node is in.
type MachineStatus = typed.Resource[MachineStatusSpec, MachineStatusExtension]

// Machine stages.
const (
	StageBooting      = "booting"
	StageMaintenance  = "maintenance"
	StageRunning      = "running"
	StageRebooting    = "rebooting"
	StageShuttingDown = "shuttingDown"
	StageResetting    = "resetting"
)

// MachineStatusSpec is the spec of MachineStatus.
type MachineStatusSpec struct {
	Stage      string `yaml:"stage"`
	Mode       string `yaml:"mode"`
	Configured bool   `yaml:"configured"`
	// ConfigPending is "staged" or "try" when such a configuration is waiting.
	ConfigPending string `yaml:"configPending,omitempty"`
	// Install is the last step or the outcome of an install to disk (a node booted from the
	// ISO or an install initramfs), "" when none was started.
	Install string `yaml:"install,omitempty"`
}

// DeepCopy implements typed.DeepCopyable.
func (s MachineStatusSpec) DeepCopy() MachineStatusSpec { return s }

// NewMachineStatus returns an empty MachineStatus.
func NewMachineStatus() *MachineStatus {
	return typed.NewResource[MachineStatusSpec, MachineStatusExtension](
		resource.NewMetadata(NamespaceRuntime, MachineStatusType, MachineStatusID, resource.VersionUndefined),
		MachineStatusSpec{})
}

// MachineStatusExtension provides the definition of MachineStatus.
type MachineStatusExtension struct{}

// ResourceDefinition implements meta.ResourceDefinitionProvider.
func (MachineStatusExtension) ResourceDefinition() meta.ResourceDefinitionSpec {
	return meta.ResourceDefinitionSpec{
		Type:             MachineStatusType,
		Aliases:          []resource.Type{"machinestatus", "ms"},
		DefaultNamespace: NamespaceRuntime,
		PrintColumns: []meta.PrintColumn{
			{Name: "Stage", JSONPath: "{.stage}"},
			{Name: "Configured", JSONPath: "{.configured}"},
			{Name: "Install", JSONPath: "{.install}"},
		},
	}
}
