package facts

import "time"

// Fact is one thing read from the node: Value when it could be read, otherwise Unknown says
// why not ("permission denied", "no such file: the kernel has no lockdown support"), so that
// one unreadable file never hides the rest. Truncated says a count cap cut a list short.
type Fact[T any] struct {
	Value     T      `json:"value"`
	Unknown   string `json:"unknown,omitempty"`
	Truncated bool   `json:"truncated,omitempty"`
}

// Known reports whether the fact could be read.
func (f Fact[T]) Known() bool { return f.Unknown == "" }

func known[T any](v T) Fact[T] { return Fact[T]{Value: v} }

func unknown[T any](why string) Fact[T] { return Fact[T]{Unknown: why} }

// Snapshot is everything the checks and the posture report need, read at one moment. It
// never holds a secret: configuration files are reduced to the settings the checks read, and
// of a PEM file only its certificates are kept.
type Snapshot struct {
	// CollectedAt is when the collection started (the checks judge expiry against it).
	CollectedAt time.Time `json:"collectedAt"`
	// Role is the node's role as the caller gave it ("controlplane", "worker"), or "" when
	// the caller did not know it.
	Role string `json:"role,omitempty"`

	Kernel   Kernel                  `json:"kernel"`
	Lockdown Fact[string]            `json:"lockdown"`
	LSMs     Fact[[]string]          `json:"lsms"`
	Sysctls  map[string]Fact[string] `json:"sysctls"`
	Modules  Fact[[]string]          `json:"modules"`
	Root     Fact[Mount]             `json:"root"`

	// Scan is what a walk of the image's directories found.
	Scan Fact[Scan] `json:"scan"`
	// Files are the files and directories the checks name, by absolute path on the node.
	Files map[string]File `json:"files"`

	Processes Fact[[]Process] `json:"processes"`
	Sockets   Fact[[]Socket]  `json:"sockets"`

	// Kubernetes holds the settings of the Kubernetes components' configuration files.
	Kubernetes   Kubernetes          `json:"kubernetes"`
	Certificates Fact[[]Certificate] `json:"certificates"`
}

// Kernel describes the running kernel.
type Kernel struct {
	Release Fact[string] `json:"release"`
	Version Fact[string] `json:"version"`
	Cmdline Fact[string] `json:"cmdline"`
}

// Mount is one mount of the mount table.
type Mount struct {
	Mountpoint string `json:"mountpoint"`
	Source     string `json:"source"`
	FSType     string `json:"fsType"`
	// Options are the per-mount options ("ro,nodev"), SuperOptions those of the file system.
	Options      string `json:"options"`
	SuperOptions string `json:"superOptions"`
}

// Scan lists the notable files a walk of the image's directories found (paths on the node).
type Scan struct {
	// Dirs are the directories walked; Entries how many entries were looked at.
	Dirs    []string `json:"dirs"`
	Entries int      `json:"entries"`
	// SetID are files with the setuid or setgid bit.
	SetID []File `json:"setid"`
	// Shells are command interpreters a person could log in to (sh, bash, busybox, ...).
	Shells []string `json:"shells"`
	// SSHD are SSH servers.
	SSHD []string `json:"sshd"`
	// WorldWritable are files, and directories without the sticky bit, anyone may write.
	WorldWritable []File `json:"worldWritable"`
}

// File is a file's mode and owner. Exists is false when the path does not exist; Unknown
// says why it could not be looked at.
type File struct {
	Path    string `json:"path"`
	Exists  bool   `json:"exists"`
	Unknown string `json:"unknown,omitempty"`
	Dir     bool   `json:"dir,omitempty"`
	Symlink bool   `json:"symlink,omitempty"`
	// Mode holds the permission bits and setuid, setgid and sticky (07777).
	Mode  uint32 `json:"mode"`
	UID   uint32 `json:"uid"`
	GID   uint32 `json:"gid"`
	User  string `json:"user,omitempty"`
	Group string `json:"group,omitempty"`
}

// Owner is "user:group" as stat -c %U:%G shows it (numbers where the node has no name).
func (f File) Owner() string { return nameOr(f.User, f.UID) + ":" + nameOr(f.Group, f.GID) }

// Process is a running process that matters to the evidence: a Cairn service, one of the
// Kubernetes components, or the owner of a listening socket.
type Process struct {
	PID  int    `json:"pid"`
	Comm string `json:"comm"`
	// Args is the command line (argv), cut at a size cap.
	Args []string `json:"args"`
	UID  uint32   `json:"uid"`
	// Cgroup is the cgroup v2 path; Service the machined service whose cgroup it is ("" for
	// a process outside machined's services, e.g. a pod's).
	Cgroup  string `json:"cgroup"`
	Service string `json:"service,omitempty"`
	// FIPS is the process's Go FIPS 140-3 mode.
	FIPS FIPS `json:"fips"`
	// Handed maps the /proc/self/fd/N paths among its arguments that are copies machined
	// handed it (constants.HandedFilePrefix) to the files they were copied from.
	Handed map[string]string `json:"handed,omitempty"`
}

// FIPS is the FIPS 140-3 state of a Go program: Mode "on", "only" or "off" (Go's fips140
// setting), from its GODEBUG environment variable when that sets it, else from the binary's
// DefaultGODEBUG; Module is the binary's GOFIPS140 build setting. Mode is "" and Unknown set
// when it cannot be told (not a Go program, or not readable).
type FIPS struct {
	Mode    string `json:"mode,omitempty"`
	Source  string `json:"source,omitempty"`
	Module  string `json:"module,omitempty"`
	Unknown string `json:"unknown,omitempty"`
}

// Socket is a listening TCP socket or a bound, unconnected UDP socket.
type Socket struct {
	Proto string `json:"proto"` // tcp, tcp6, udp, udp6
	Addr  string `json:"addr"`  // local address
	Port  uint16 `json:"port"`
	Inode uint64 `json:"inode"`
	UID   uint32 `json:"uid"`
	// PID, Comm and Service name the owning process (PID 0: not found, Owner says why).
	PID     int    `json:"pid,omitempty"`
	Comm    string `json:"comm,omitempty"`
	Service string `json:"service,omitempty"`
	Cgroup  string `json:"cgroup,omitempty"`
	Owner   string `json:"owner,omitempty"`
}

// Certificate describes one X.509 certificate the node holds; never its key.
type Certificate struct {
	Path         string    `json:"path"`
	Index        int       `json:"index"` // position among the file's certificates
	Subject      string    `json:"subject"`
	Issuer       string    `json:"issuer"`
	Serial       string    `json:"serial"`
	NotBefore    time.Time `json:"notBefore"`
	NotAfter     time.Time `json:"notAfter"`
	IsCA         bool      `json:"isCA"`
	DNSNames     []string  `json:"dnsNames,omitempty"`
	IPAddresses  []string  `json:"ipAddresses,omitempty"`
	KeyAlgorithm string    `json:"keyAlgorithm"`
	Signature    string    `json:"signatureAlgorithm"`
	SHA256       string    `json:"sha256"`
}
