package config

import "strings"

// IsNamespacedSysctl reports whether a sysctl belongs to a kernel namespace (network, IPC or
// UTS), so that a node in container mode can set it for itself. A node in container mode
// ignores the others, as documented on machine.sysctls.
func IsNamespacedSysctl(name string) bool {
	switch {
	case strings.HasPrefix(name, "net."), strings.HasPrefix(name, "fs.mqueue."),
		strings.HasPrefix(name, "kernel.shm"), strings.HasPrefix(name, "kernel.msg"):
		return true
	}
	return name == "kernel.sem" || name == "kernel.hostname" || name == "kernel.domainname"
}
