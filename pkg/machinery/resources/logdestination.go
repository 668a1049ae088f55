package resources

import (
	"slices"
	"time"

	"github.com/cosi-project/runtime/pkg/resource"
	"github.com/cosi-project/runtime/pkg/resource/meta"
	"github.com/cosi-project/runtime/pkg/resource/typed"
)

// LogDestinationStatusType is the type of LogDestinationStatus.
const LogDestinationStatusType = resource.Type("LogDestinations.runtime.cairn.dev")

// LogDestinationStatus is the state of one log destination (its ID is the endpoint), as the
// LoggingStatus call reports it, refreshed every few seconds.
type LogDestinationStatus = typed.Resource[LogDestinationStatusSpec, LogDestinationStatusExtension]

// LogDestinationStatusSpec is the spec of LogDestinationStatus.
type LogDestinationStatusSpec struct {
	Format        string    `yaml:"format"`
	Sources       []string  `yaml:"sources"`
	State         string    `yaml:"state"`
	LastError     string    `yaml:"lastError,omitempty"`
	LastErrorTime time.Time `yaml:"lastErrorTime,omitempty"`
	QueueEntries  uint64    `yaml:"queueEntries"`
	QueueBytes    int64     `yaml:"queueBytes"`
	OldestQueued  time.Time `yaml:"oldestQueued,omitempty"`
	Sent          uint64    `yaml:"sent"`
	Resent        uint64    `yaml:"resent"`
	Acknowledged  uint64    `yaml:"acknowledged"`
	Dropped       uint64    `yaml:"dropped"`
}

// DeepCopy implements typed.DeepCopyable.
func (s LogDestinationStatusSpec) DeepCopy() LogDestinationStatusSpec {
	s.Sources = slices.Clone(s.Sources)
	return s
}

// NewLogDestinationStatus returns an empty LogDestinationStatus for an endpoint.
func NewLogDestinationStatus(endpoint string) *LogDestinationStatus {
	return typed.NewResource[LogDestinationStatusSpec, LogDestinationStatusExtension](
		resource.NewMetadata(NamespaceRuntime, LogDestinationStatusType, endpoint, resource.VersionUndefined),
		LogDestinationStatusSpec{})
}

// LogDestinationStatusExtension provides the definition of LogDestinationStatus.
type LogDestinationStatusExtension struct{}

// ResourceDefinition implements meta.ResourceDefinitionProvider.
func (LogDestinationStatusExtension) ResourceDefinition() meta.ResourceDefinitionSpec {
	return meta.ResourceDefinitionSpec{
		Type:             LogDestinationStatusType,
		Aliases:          []resource.Type{"logdest"},
		DefaultNamespace: NamespaceRuntime,
		PrintColumns: []meta.PrintColumn{
			{Name: "State", JSONPath: "{.state}"},
			{Name: "Queued", JSONPath: "{.queueEntries}"},
			{Name: "Dropped", JSONPath: "{.dropped}"},
		},
	}
}
