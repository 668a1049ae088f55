package sysctl

// Setting is one kernel parameter and the value Cairn gives it.
type Setting struct{ Name, Value string }

// KSPP are the kernel self-protection settings machined applies at boot (Kernel Self
// Protection Project recommendations that do not break Kubernetes). The evidence checks
// compare the running kernel against this same list.
var KSPP = []Setting{
	{"kernel.kptr_restrict", "2"},
	{"kernel.dmesg_restrict", "1"},
	{"kernel.perf_event_paranoid", "3"},
	{"kernel.kexec_load_disabled", "1"},
	{"kernel.yama.ptrace_scope", "1"},
	{"kernel.unprivileged_bpf_disabled", "1"},
	{"net.core.bpf_jit_harden", "2"},
	{"kernel.randomize_va_space", "2"},
	{"kernel.sysrq", "0"},
	{"kernel.panic_on_oops", "1"},
	{"kernel.panic", "10"},
	{"kernel.io_uring_disabled", "2"},
	{"dev.tty.ldisc_autoload", "0"},
	{"vm.unprivileged_userfaultfd", "0"},
	{"fs.protected_symlinks", "1"},
	{"fs.protected_hardlinks", "1"},
	{"fs.protected_fifos", "2"},
	{"fs.protected_regular", "2"},
	{"fs.suid_dumpable", "0"},
	{"net.ipv4.tcp_syncookies", "1"},
}

// Kubernetes are the settings pod networking needs (forwarding, bridged traffic through
// netfilter) and those the kubelet's protectKernelDefaults requires; machined applies them
// before it starts the kubelet.
var Kubernetes = []Setting{
	{"net.ipv4.ip_forward", "1"},
	{"net.bridge.bridge-nf-call-iptables", "1"},
	{"net.bridge.bridge-nf-call-ip6tables", "1"},
	{"vm.overcommit_memory", "1"},
	{"vm.panic_on_oom", "0"},
	{"kernel.panic", "10"},
	{"kernel.panic_on_oops", "1"},
	{"kernel.keys.root_maxkeys", "1000000"},
	{"kernel.keys.root_maxbytes", "25000000"},
}
