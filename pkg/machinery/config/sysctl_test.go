package config

import "testing"

func TestIsNamespacedSysctl(t *testing.T) {
	for name, want := range map[string]bool{
		"net.ipv4.ip_forward": true, "net.core.somaxconn": true, "kernel.shmmax": true, "kernel.msgmax": true,
		"kernel.sem": true, "fs.mqueue.msg_max": true, "kernel.hostname": true,
		"vm.max_map_count": false, "kernel.pid_max": false, "fs.file-max": false, "kernel.semaphore": false, "network.x": false,
	} {
		if got := IsNamespacedSysctl(name); got != want {
			t.Errorf("IsNamespacedSysctl(%q) = %v, want %v", name, got, want)
		}
	}
}
