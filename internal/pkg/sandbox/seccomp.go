package sandbox

import "fmt"

// seccompModes names the values of /proc/PID/status's Seccomp field.
var seccompModes = [...]string{"none", "strict", "filter"}

// SeccompMode names the seccomp mode: "none", "strict" or "filter" (an allowlist is installed).
func (st Status) SeccompMode() string {
	if st.Seccomp < 0 || st.Seccomp >= len(seccompModes) {
		return fmt.Sprintf("mode %d", st.Seccomp)
	}
	return seccompModes[st.Seccomp]
}

// ProcessStatus reads /proc/PID/status.
func ProcessStatus(pid int) (Status, error) {
	return readStatus(fmt.Sprintf("/proc/%d/status", pid))
}
