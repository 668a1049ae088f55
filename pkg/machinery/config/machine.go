package config

import "github.com/cairn-os/cairn/pkg/machinery/pki"

// MachineConfig configures one node.
type MachineConfig struct {
	// Type is the role of the node in the cluster.
	//
	// Validation: required; controlplane or worker.
	// Example: controlplane
	Type string `yaml:"type"`
	// Token is the join token: a node presents it to trustd to get its certificates.
	//
	// Validation: required; [a-z0-9]{6}.[a-z0-9]{16}.
	// Example: 4b7q2x.9mfw8rn1k2z7d3hp
	Token string `yaml:"token" cairn:"secret"`
	// CA is the certificate authority of the node API: certificate and key on control-plane
	// nodes, certificate only on workers.
	//
	// Validation: crt required, a PEM certificate; key required on controlplane and forbidden
	// on worker, a PEM ECDSA P-256 key matching crt.
	// Example: {crt: LS0tLS1CRUdJTi..., key: LS0tLS1CRUdJTi...}
	CA pki.PEMPair `yaml:"ca" cairn:"secret"`
	// CertSANs are extra subject alternative names of the node API's server certificate.
	//
	// Default: none (the node's addresses and host name are always included).
	// Validation: each a DNS name or an IP address.
	// Example: [cp.example.org, 192.0.2.10]
	CertSANs []string `yaml:"certSANs,omitempty"`
	// Install says where the node installs itself.
	Install InstallConfig `yaml:"install,omitempty"`
	// Upgrade says which signed Cairn OS images the node accepts.
	Upgrade UpgradeConfig `yaml:"upgrade,omitempty"`
	// Network configures host name, interfaces and name servers.
	Network NetworkConfig `yaml:"network,omitempty"`
	// Time configures clock synchronisation.
	Time TimeConfig `yaml:"time,omitempty"`
	// Sysctls are kernel parameters set at boot, by their dotted name.
	//
	// Default: none.
	// Validation: names are dotted lowercase words (a-z, 0-9, _, -); values are not empty and
	// have no newline. In container mode only namespaced sysctls (net.*, kernel.shm*,
	// kernel.msg*, kernel.sem, fs.mqueue.*, kernel.hostname, kernel.domainname) are set; the others
	// are ignored.
	// Example: {net.core.somaxconn: "65535"}
	Sysctls map[string]string `yaml:"sysctls,omitempty"`
	// Kernel configures extra kernel modules.
	Kernel KernelConfig `yaml:"kernel,omitempty"`
	// Kubelet configures the kubelet.
	Kubelet KubeletConfig `yaml:"kubelet,omitempty"`
	// Logging configures where the node sends its logs and audit events.
	Logging LoggingConfig `yaml:"logging,omitempty"`
	// Features turns optional behaviour on or off.
	Features FeaturesConfig `yaml:"features,omitempty"`
}

// InstallConfig says where the node installs itself.
type InstallConfig struct {
	// Disk is the block device the node installs to. A node booted from the ISO (or an
	// install initramfs over PXE) writes it with the signed OS image it carries, after
	// checking its signature against machine.upgrade.trustedKeys, and reboots from it; a node
	// booted otherwise (from a disk, or a kernel and initramfs without that image) ignores it.
	//
	// Validation: in metal mode this or diskSelector is required; an absolute path under
	// /dev/. Ignored in container mode.
	// Example: /dev/vda
	Disk string `yaml:"disk,omitempty"`
	// DiskSelector picks the install disk by its size and model when disk is not set; with
	// disk set, that disk must match it too. Exactly one disk of the machine may match.
	DiskSelector DiskSelector `yaml:"diskSelector,omitempty"`
	// Wipe allows installing over a disk that holds data (a partition table, or any non-zero
	// byte in its first or last MiB), which is refused otherwise: the installer discards the
	// whole disk where the device supports it, zeroes its first and last MiB, then writes it.
	//
	// Default: false.
	// Validation: none.
	// Example: true
	Wipe bool `yaml:"wipe,omitempty"`
}

// DiskSelector matches a disk by its properties; an empty field matches any disk.
type DiskSelector struct {
	// Size is the disk's size: exact ("8GiB") or a bound ("<= 100GB", ">= 1TiB"), in B, kB,
	// MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024).
	//
	// Default: none (any size).
	// Validation: an optional <= or >=, a whole number and one of the units above.
	// Example: ">= 8GiB"
	Size string `yaml:"size,omitempty"`
	// Model is the disk's model as the kernel reports it (/sys/block/DISK/device/model),
	// exactly or as a glob (* and ?). Virtio disks report none: select them by size.
	//
	// Default: none (any model).
	// Validation: a valid glob pattern.
	// Example: "Samsung SSD 980*"
	Model string `yaml:"model,omitempty"`
}

// UpgradeConfig says which signed Cairn OS images the node accepts for upgrades and installs.
type UpgradeConfig struct {
	// TrustedKeys are the public keys whose signatures the node accepts on a Cairn OS image
	// (`cairnctl gen image-key` makes a key pair, `cairnctl image build --sign-key` signs). An
	// image signed by another key, or not signed, is refused before anything is written.
	//
	// Default: none (the node refuses every upgrade).
	// Validation: each a PEM ECDSA P-256 public key (a "PUBLIC KEY" block), listed once.
	// Example: [LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0K...]
	TrustedKeys []pki.PEMBytes `yaml:"trustedKeys,omitempty"`
	// TrialMinutes is how long a newly written slot has, after it boots on trial, to become
	// healthy (no failing service; its Kubernetes node Ready where it was before) before the
	// node marks it bad and reboots into the previous slot.
	//
	// Default: 20.
	// Validation: 0 (the default) or from 2 to 120.
	// Example: 30
	TrialMinutes int `yaml:"trialMinutes,omitempty"`
}

// TimeConfig configures clock synchronisation.
type TimeConfig struct {
	// Disabled turns off NTP synchronisation.
	//
	// Default: false.
	// Validation: none.
	// Example: true
	Disabled bool `yaml:"disabled,omitempty"`
	// Servers are the NTP servers to synchronise with.
	//
	// Default: [pool.ntp.org].
	// Validation: each a DNS name or an IP address.
	// Example: [192.0.2.1, ntp.example.org]
	Servers []string `yaml:"servers,omitempty"`
}

// KernelConfig configures extra kernel modules.
type KernelConfig struct {
	// Modules are loaded at boot, in order, after the modules the node needs itself.
	//
	// Default: none.
	// Validation: names unique. Ignored in container mode.
	// Example: [{name: br_netfilter}]
	Modules []KernelModuleConfig `yaml:"modules,omitempty"`
}

// KernelModuleConfig is one kernel module to load.
type KernelModuleConfig struct {
	// Name is the module's name.
	//
	// Validation: required; letters, digits, _ and -.
	// Example: nf_conntrack
	Name string `yaml:"name"`
	// Parameters are passed to the module when it is loaded.
	//
	// Default: none.
	// Validation: each name=value, the name made of letters, digits and _.
	// Example: [hashsize=131072]
	Parameters []string `yaml:"parameters,omitempty"`
}

// KubeletConfig configures the kubelet.
type KubeletConfig struct {
	// ExtraArgs are extra command line flags of the kubelet, without the leading dashes.
	//
	// Default: none.
	// Validation: names are lowercase flag names; flags Cairn manages itself (config,
	// kubeconfig, bootstrap-kubeconfig, cert-dir, root-dir, container-runtime-endpoint,
	// hostname-override) are refused.
	// Example: {max-pods: "250"}
	ExtraArgs map[string]string `yaml:"extraArgs,omitempty"`
	// NodeLabels are labels the node registers with.
	//
	// Default: none.
	// Validation: keys are Kubernetes label keys ([prefix/]name); values are Kubernetes label
	// values.
	// Example: {topology.kubernetes.io/zone: zone-a}
	NodeLabels map[string]string `yaml:"nodeLabels,omitempty"`
	// NodeTaints are taints the node registers with, as key: value:Effect.
	//
	// Default: none.
	// Validation: keys are Kubernetes label keys; values are [value]:Effect with Effect one of
	// NoSchedule, PreferNoSchedule, NoExecute.
	// Example: {dedicated: gpu:NoSchedule}
	NodeTaints map[string]string `yaml:"nodeTaints,omitempty"`
}

// LoggingConfig configures where the node sends its logs and audit events.
type LoggingConfig struct {
	// Destinations receive every service log line and audit event.
	//
	// Default: none (logs stay on the node and are read over the API).
	// Validation: endpoints unique.
	// Example: [{endpoint: tcp+tls://logs.example.org:6514, format: rfc5424}]
	Destinations []LoggingDestination `yaml:"destinations,omitempty"`
	// AuditRetentionMiB is how much of the audit trail the node keeps on its STATE partition,
	// in MiB; the oldest events go first, and the chain records what went. Refused calls
	// that did not authenticate are counted per source rather than written one by one, so
	// they cannot push authenticated history out.
	//
	// Default: 64 (days of normal use: an event is about 1 KiB).
	// Validation: from 8 to 4096.
	// Example: 256
	AuditRetentionMiB int `yaml:"auditRetentionMiB,omitempty"`
}

// LoggingDestination is one log receiver.
type LoggingDestination struct {
	// Endpoint is the receiver's address.
	//
	// Validation: required; tcp+tls://host:port (verified against the system trust store and
	// TrustedRootsConfig documents) or udp://host:port.
	// Example: tcp+tls://logs.example.org:6514
	Endpoint string `yaml:"endpoint"`
	// Format is the wire format: RFC 5424 syslog or one JSON object per line.
	//
	// Default: rfc5424.
	// Validation: rfc5424 or json.
	// Example: json
	Format string `yaml:"format,omitempty"`
}

// FeaturesConfig turns optional behaviour on or off.
type FeaturesConfig struct {
	// StableHostname gives a node without a configured or DHCP host name a stable name
	// derived from its first link's MAC address (cairn-xxxxxx) instead of localhost.
	//
	// Default: true.
	// Validation: none.
	// Example: false
	StableHostname *bool `yaml:"stableHostname,omitempty"`
	// DiskQuotaSupport mounts EPHEMERAL with project quotas so that the kubelet can enforce
	// ephemeral-storage limits.
	//
	// Default: false.
	// Validation: none.
	// Example: true
	DiskQuotaSupport bool `yaml:"diskQuotaSupport,omitempty"`
}
