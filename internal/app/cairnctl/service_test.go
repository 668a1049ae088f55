package cairnctl

import (
	"strings"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// TestServiceUse checks how `service NAME` renders a cgroup's use against its limits.
func TestServiceUse(t *testing.T) {
	tests := []struct {
		name              string
		cg                *machine.ServiceCgroup
		memory, pids, cpu string
	}{
		{name: "enforced", cg: &machine.ServiceCgroup{
			MemoryMax: 256 << 20, PidsMax: 256, CpuWeight: 100, Controllers: []string{"cpu", "memory", "pids"},
			MemoryCurrent: 12 << 20, PidsCurrent: 9, CpuUsageUsec: 1234567,
		}, memory: "12.0MiB/256.0MiB", pids: "9/256", cpu: "1.235s (weight 100)"},
		{name: "hybrid host", cg: &machine.ServiceCgroup{
			MemoryMax: 256 << 20, PidsMax: 256, CpuWeight: 100,
			Unenforced: []string{"memory.max: no memory controller", "pids.max: no pids controller", "cpu.weight: no cpu controller"},
		}, memory: "-/256.0MiB (not enforced)", pids: "-/256 (not enforced)", cpu: "- (weight 100, not enforced)"},
		{name: "no limits", cg: &machine.ServiceCgroup{Controllers: []string{"memory"}, MemoryCurrent: 2048},
			memory: "2.0KiB/max", pids: "-/max", cpu: "0s"},
		{name: "not running", cg: nil, memory: "-/max", pids: "-/max", cpu: "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := memoryUse(tt.cg); got != tt.memory {
				t.Errorf("memoryUse() = %q, want %q", got, tt.memory)
			}
			if got := pidsUse(tt.cg); got != tt.pids {
				t.Errorf("pidsUse() = %q, want %q", got, tt.pids)
			}
			if got := cpuUse(tt.cg); got != tt.cpu {
				t.Errorf("cpuUse() = %q, want %q", got, tt.cpu)
			}
		})
	}
}

func TestParseWipe(t *testing.T) {
	for in, want := range map[string]machine.ResetRequest_Wipe{"system": machine.ResetRequest_SYSTEM, "user": machine.ResetRequest_USER, "all": machine.ResetRequest_ALL} {
		if got, err := parseWipe(in); err != nil || got != want {
			t.Errorf("parseWipe(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "USER", "state", "ephemeral"} {
		if _, err := parseWipe(bad); err == nil || !strings.Contains(err.Error(), "want system, user or all") {
			t.Errorf("parseWipe(%q) = %v", bad, err)
		}
	}
}
