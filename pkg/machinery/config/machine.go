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
	// Destinations receive the node's audit events and logs (syslog over TLS, RFC 5424 with
	// RFC 5425 framing, or JSON lines). Each has a bounded queue on disk so that a receiver that
	// is down or slow loses nothing until its queue is full, and never slows the node; when
	// the queue is full the oldest entries go and a gap entry says which.
	//
	// Default: none (logs stay on the node and are read over the API).
	// Validation: at most 8; endpoints unique.
	// Example: [{endpoint: tls://logs.example.org:6514, format: rfc5424, ca: LS0tLS1CRUdJTi...}]
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
	// APIServerAuditPolicy is kube-apiserver's audit policy (an audit.k8s.io/v1 Policy, as
	// YAML) on control-plane nodes; kube-apiserver writes what it selects to its audit log,
	// which destinations with the kube-apiserver-audit source forward. A change restarts
	// kube-apiserver, not the node.
	//
	// Default: none (kube-apiserver gets Cairn's policy: Secrets, ConfigMaps, token reviews and
	// certificate requests at Metadata, since their bodies hold secrets; other changes at
	// Request; health checks and lease reads not at all; everything else at Metadata).
	// Validation: on controlplane only; apiVersion audit.k8s.io/v1, kind Policy, at least one
	// rule, each level None, Metadata, Request or RequestResponse; omitStages from
	// RequestReceived, ResponseStarted, ResponseComplete, Panic; no unknown fields.
	// Example: "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n"
	APIServerAuditPolicy string `yaml:"apiServerAuditPolicy,omitempty"`
}

// Log sources a destination can forward (machine.logging.destinations[].sources).
const (
	// LogSourceAudit is the node API's audit trail: every call, with its caller.
	LogSourceAudit = "audit"
	// LogSourceMachined is machined's own log.
	LogSourceMachined = "machined"
	// LogSourceServices are the logs of the services machined runs.
	LogSourceServices = "services"
	// LogSourceKernel is the kernel log (metal mode only).
	LogSourceKernel = "kernel"
	// LogSourceAPIServerAudit is kube-apiserver's audit log (control-plane nodes only).
	LogSourceAPIServerAudit = "kube-apiserver-audit"
)

// LogSources lists every source, in the order the documentation gives them.
var LogSources = []string{LogSourceAudit, LogSourceMachined, LogSourceServices, LogSourceKernel, LogSourceAPIServerAudit}

// Log formats (machine.logging.destinations[].format).
const (
	LogFormatRFC5424 = "rfc5424"
	LogFormatJSONL   = "jsonl"
)

// LoggingDestination is one log receiver.
type LoggingDestination struct {
	// Endpoint is the receiver's address: tls://host[:port] for syslog over TLS (RFC 5425;
	// port 6514 unless given), or tcp://host:port, in clear text, only with insecure: true.
	//
	// Validation: required; tls://host[:port] or tcp://host:port with a DNS name or an IP
	// address (IPv6 in brackets) and a port from 1 to 65535.
	// Example: tls://logs.example.org:6514
	Endpoint string `yaml:"endpoint"`
	// Insecure allows a tcp:// endpoint, which sends audit events and logs in clear text.
	//
	// Default: false.
	// Validation: required for a tcp:// endpoint; must be false for tls://.
	// Example: true
	Insecure bool `yaml:"insecure,omitempty"`
	// Format is the wire format: RFC 5424 syslog messages with octet-counting framing
	// (RFC 5425), or one JSON object per line carrying the same fields.
	//
	// Default: rfc5424.
	// Validation: rfc5424 or jsonl.
	// Example: jsonl
	Format string `yaml:"format,omitempty"`
	// CA is the PEM certificates the receiver's server certificate must chain to (base64,
	// like the other PEM fields).
	//
	// Default: none (the TrustedRootsConfig documents and the system trust store).
	// Validation: one or more PEM certificates and nothing else; only with tls://.
	// Example: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk...
	CA pki.PEMBytes `yaml:"ca,omitempty"`
	// ClientCertificate is the certificate and key the node presents to the receiver (mutual
	// TLS). The key is a secret: redacted for readers and never logged.
	//
	// Default: none (the node presents no certificate).
	// Validation: crt and key both or neither; a PEM certificate and its matching PEM private
	// key (ECDSA, RSA or Ed25519); only with tls://.
	// Example: {crt: LS0tLS1CRUdJTi..., key: LS0tLS1CRUdJTi...}
	ClientCertificate pki.PEMPair `yaml:"clientCertificate,omitempty" cairn:"secret"`
	// Sources are what the destination receives: audit (the node API's audit trail), machined
	// (machined's log), services (the logs of the services it runs), kernel (the kernel log,
	// metal mode only), kube-apiserver-audit (kube-apiserver's audit log, control-plane nodes
	// only). A source the node does not have sends nothing.
	//
	// Default: [audit, machined, services, kernel, kube-apiserver-audit].
	// Validation: each one of those, listed once.
	// Example: [audit, kube-apiserver-audit]
	Sources []string `yaml:"sources,omitempty"`
	// QueueMiB bounds the destination's queue, kept on STATE next to the audit log (on disk
	// once the node is installed, in memory where STATE is): what waits while the receiver is
	// down or slow, and survives a restart. When it is full the oldest entries are dropped
	// and a gap entry names how many and which. Syslog over TLS has no acknowledgement: the
	// node confirms delivery by closing the connection every 10,000 entries or 10 seconds
	// and waiting for the receiver to close its side, and after a failure sends again what
	// was not confirmed, so a receiver restart can bring duplicates (audit events carry
	// their sequence number and hash to spot them), never a loss.
	//
	// Default: 32.
	// Validation: from 1 to 1024.
	// Example: 256
	QueueMiB int `yaml:"queueMiB,omitempty"`
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
