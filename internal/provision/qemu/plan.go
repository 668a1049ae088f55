// Package qemu runs local Cairn clusters under QEMU: a network namespace per cluster holding
// a bridge and one tap per node, a DHCP server and a config HTTP server inside it, and a
// loopback port forward from the host to each node's API. Nothing listens on or sends to a
// host address other than loopback.
package qemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/atomicfile"
)

// Subnet layout inside every cluster's namespace (namespaces isolate clusters, so each
// cluster uses the same addresses).
var (
	Gateway    = netip.MustParseAddr("10.5.0.1")
	subnetBits = 24
	firstNode  = netip.MustParseAddr("10.5.0.2")
)

const (
	bridgeName = "br0"
	configPort = 8080
	// State files inside a cluster directory.
	planFile  = "plan.json"
	stateFile = "state.json"
	// ownedFile records the namespace this cluster's daemon created (see netnsOwned).
	ownedFile = "owned.json"
	// downFile lists the nodes stopped with cluster stop --node.
	downFile  = "down.json"
	daemonLog = "daemon.log"
	// SecretsFile holds the cluster's generated secrets.
	SecretsFile = "secrets.yaml"
	// KubeconfigFile is the admin kubeconfig cluster create writes for a Kubernetes cluster.
	KubeconfigFile = "kubeconfig"
)

// Node is one VM of a cluster.
type Node struct {
	Name    string     `json:"name"`
	Type    string     `json:"type"` // controlplane or worker
	MAC     string     `json:"mac"`
	IP      netip.Addr `json:"ip"`
	Tap     string     `json:"tap"`
	Config  string     `json:"config,omitempty"` // machine config file; empty: maintenance mode
	Console string     `json:"console"`          // serial console log
	Disk    string     `json:"disk"`             // sparse raw disk image
}

// Plan is everything the cluster daemon needs to start a cluster.
type Plan struct {
	Name       string   `json:"name"`
	Dir        string   `json:"dir"`
	Netns      string   `json:"netns"`
	Image      string   `json:"image"`
	Memory     int      `json:"memoryMiB"`
	DiskGiB    int      `json:"diskGiB"`
	CPUs       int      `json:"cpus"`
	KernelArgs []string `json:"kernelArgs,omitempty"`
	Boot       string   `json:"boot,omitempty"` // BootKernel ("" in older plans), BootDisk or BootISO
	Accel      string   `json:"accel"`
	Nodes      []Node   `json:"nodes"`
}

// Request describes a cluster to create.
type Request struct {
	Name          string
	Dir           string // the cluster's state directory
	Image         string // directory holding vmlinuz and initramfs
	Controlplanes int
	Workers       int
	Memory, CPUs  int
	DiskGiB       int
	KernelArgs    []string
	Boot          string // BootKernel (default), BootDisk or BootISO
	// NoConfig boots the nodes without cairn.config=: they start in maintenance mode.
	NoConfig bool
}

var reName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?$`)

// ErrInvalidName is returned for a cluster name that is not a short DNS label.
var ErrInvalidName = errors.New("want 1-20 lowercase letters, digits and inner dashes")

// ValidateName checks a cluster name: it becomes a directory, a namespace and node names, so
// it is a DNS label of at most 20 characters (no "..", "/" or empty name).
func ValidateName(name string) error {
	if !reName.MatchString(name) {
		return fmt.Errorf("--name %q: %w", name, ErrInvalidName)
	}
	return nil
}

// NewPlan lays out the nodes of a cluster: names, MAC and IP addresses, taps, files.
func NewPlan(r Request) (*Plan, error) {
	var errs []string
	if err := ValidateName(r.Name); err != nil {
		errs = append(errs, err.Error())
	}
	if r.Controlplanes < 1 || r.Controlplanes+r.Workers > 200 || r.Workers < 0 {
		errs = append(errs, fmt.Sprintf("--controlplanes %d --workers %d: want at least one control plane and at most 200 nodes", r.Controlplanes, r.Workers))
	}
	if r.Memory < 256 {
		errs = append(errs, fmt.Sprintf("--memory %d: want at least 256 (MiB)", r.Memory))
	}
	if r.DiskGiB < 1 || r.DiskGiB > 1024 {
		errs = append(errs, fmt.Sprintf("--disk %d: want 1 to 1024 (GiB)", r.DiskGiB))
	}
	if r.CPUs < 1 || r.CPUs > 64 {
		errs = append(errs, fmt.Sprintf("--cpus %d: want 1 to 64", r.CPUs))
	}
	// QEMU runs in the cluster's directory: every path it is given must be absolute.
	if !filepath.IsAbs(r.Dir) || !filepath.IsAbs(r.Image) {
		errs = append(errs, fmt.Sprintf("cluster directory %q and image %q: want absolute paths", r.Dir, r.Image))
	}
	errs = append(errs, validateBoot(r)...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("invalid cluster request:\n  %s", strings.Join(errs, "\n  "))
	}
	p := &Plan{Name: r.Name, Dir: r.Dir, Netns: "cairn-" + r.Name, Image: r.Image, Memory: r.Memory, CPUs: r.CPUs, DiskGiB: r.DiskGiB, KernelArgs: r.KernelArgs, Boot: r.Boot}
	ip := firstNode
	for i := 0; i < r.Controlplanes+r.Workers; i++ {
		typ, n := "controlplane", i+1
		if i >= r.Controlplanes {
			typ, n = "worker", i-r.Controlplanes+1
		}
		short := map[string]string{"controlplane": "cp", "worker": "w"}[typ]
		name := fmt.Sprintf("%s-%s%d", r.Name, short, n)
		node := Node{Name: name, Type: typ, MAC: fmt.Sprintf("52:54:00:ca:%02x:%02x", i>>8, i&0xff), IP: ip,
			Tap: fmt.Sprintf("tap%d", i), Console: filepath.Join(r.Dir, name+".console.log"),
			Disk: filepath.Join(r.Dir, name+".disk.raw")}
		if !r.NoConfig {
			node.Config = filepath.Join(r.Dir, name+".yaml")
		}
		p.Nodes = append(p.Nodes, node)
		ip = ip.Next()
	}
	return p, nil
}

// Files lists every file a cluster may create in its directory: destroy removes these and
// nothing else.
func (p *Plan) Files() []string {
	files := []string{planFile, stateFile, ownedFile, downFile, daemonLog, SecretsFile, KubeconfigFile}
	for i, f := range files {
		files[i] = filepath.Join(p.Dir, f)
	}
	for _, n := range p.Nodes {
		files = append(files, n.Console, n.Disk, n.Disk+partSuffix, p.varsFile(n), OutputLog(p.Dir, n.Name), filepath.Join(p.Dir, qmpSocket(n.Name)))
		if n.Config != "" {
			files = append(files, n.Config)
		}
	}
	return files
}

// OutputLog is the file that takes a node's QEMU's own output (its errors when it cannot start).
func OutputLog(dir, node string) string { return filepath.Join(dir, node+".qemu.log") }

// ConfigURL is the cairn.config= URL the node fetches from the config server.
func (n Node) ConfigURL() string {
	return fmt.Sprintf("http://%s:%d/config/%s", Gateway, configPort, n.Name)
}

// writeJSON writes v to file atomically with mode 0600.
func writeJSON(file string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(file, append(data, '\n'), 0o600, true)
}

func readJSON(file string, v any) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode %s: %w", file, err)
	}
	return nil
}

// LoadPlan reads the plan of the cluster in dir.
func LoadPlan(dir string) (*Plan, error) {
	var p Plan
	if err := readJSON(filepath.Join(dir, planFile), &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// State is what the running daemon reports: its PID, the QEMU PIDs and the forwards.
type State struct {
	Dir       string         `json:"dir"`
	DaemonPID int            `json:"daemonPid"`
	Ready     bool           `json:"ready"`
	Error     string         `json:"error,omitempty"`
	QEMU      map[string]int `json:"qemuPids"`     // node name -> PID
	Forwards  map[string]int `json:"forwardPorts"` // node name -> 127.0.0.1 port
	// KubeForward is the 127.0.0.1 port that reaches the first control plane's Kubernetes API.
	KubeForward int `json:"kubeApiForwardPort,omitempty"`
	// Started is when each node's QEMU process started (for boot-time measurements).
	Started map[string]time.Time `json:"qemuStarted"`
	Accel   string               `json:"accel"`
}

// LoadState reads the daemon state of the cluster in dir.
func LoadState(dir string) (*State, error) {
	var s State
	if err := readJSON(filepath.Join(dir, stateFile), &s); err != nil {
		return nil, err
	}
	return &s, nil
}
