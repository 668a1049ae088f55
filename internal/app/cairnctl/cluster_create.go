package cairnctl

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/internal/provision/qemu"
	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/secrets"
)

type clusterCreateFlags struct {
	name                   string
	controlplanes, workers int
	memory, cpus, disk     int
	kernelArgs             []string
	boot                   string
	image                  string
	wait                   time.Duration
	noConfig               bool
	kubernetes             bool
	trustedImageKeys       []string
	keys                   []pki.PEMBytes
}

func newClusterCreateCmd(g *globals, cf *clusterFlags) *cobra.Command {
	f := &clusterCreateFlags{}
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a local cluster of QEMU VMs and add its context to the cairnconfig",
		Long: `Create a local cluster: generate its secrets and machine configurations, start the VMs in a
new network namespace (TCG, or KVM when a quick probe shows it works), forward each node's API
to a loopback port, add a context named after the cluster to the cairnconfig (its endpoints:
every control plane's forward, the first that answers is used) and make it current, and wait
until every node's API answers. With --no-config the nodes boot into
maintenance mode instead. Under TCG every QEMU but the first control plane's runs at nice 10 for its first 6 minutes:
every vCPU is a host thread, and the control plane's first start must get the host's CPU first.
With more than one control plane under TCG the configurations also give etcd a 500 ms heartbeat
and a 5 s election timeout; even so, three emulated control planes and a worker on two host
cores took 10 to 19 minutes to be Ready here, and once did not become Ready: KVM or more cores
give them room.

--boot kernel (the default) starts each VM with the image's kernel and initramfs: the root
lives in RAM. --boot disk boots each VM under UEFI firmware (OVMF, from Debian's ovmf package)
from its own copy of the image's raw disk (cairnctl image build --format raw), extended to
--disk GiB: systemd-boot starts slot A's kernel, whose root is verified by dm-verity, and the
node takes its config URL from an SMBIOS OEM string. --kernel-args cannot be used with it: the
kernel command line is the disk's boot entry.

--boot iso boots each VM under OVMF from the image's cairn.iso (cairnctl image build --format
iso --sign-key KEY) on a CD, with a blank --disk GiB virtio disk first in the boot order. The
node runs from RAM and installs itself to /dev/vda once it has a configuration (by SMBIOS, or
applied in maintenance mode with --no-config) whose machine.upgrade.trustedKeys holds the
public half of KEY (--trusted-image-key), then reboots from the disk; cluster create waits for
the install and the API answering from the disk.`,
		Example: `  cairnctl image build
  cairnctl cluster create --name demo
  cairnctl --context demo version

  cairnctl image build --format initramfs,raw
  cairnctl cluster create --name disk --boot disk --kubernetes=false

  cairnctl gen image-key --out release
  cairnctl image build --format iso --sign-key release.key
  cairnctl cluster create --name inst --boot iso --trusted-image-key release.pub --kubernetes=false`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd, g, cf) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.name, "name", "cairn", "cluster name (also the cairnconfig context)")
	fl.IntVar(&f.controlplanes, "controlplanes", 1, "number of control-plane nodes: the first is bootstrapped, the others join its etcd as learners and are promoted once caught up (1 or 3 for a cluster; an even number adds no tolerance to failure)")
	fl.IntVar(&f.workers, "workers", 0, "number of worker nodes")
	fl.IntVar(&f.memory, "memory", 2048, "memory of each VM in MiB (Kubernetes needs about 1.5 GiB on a control plane; 1024 is enough with --kubernetes=false)")
	fl.IntVar(&f.cpus, "cpus", 2, "virtual CPUs of each VM")
	fl.IntVar(&f.disk, "disk", 8, "size of each VM's sparse virtio disk in GiB")
	fl.StringSliceVar(&f.kernelArgs, "kernel-args", nil, "extra kernel arguments, comma separated (--boot kernel only)")
	fl.StringVar(&f.boot, "boot", qemu.BootKernel, "how the VMs boot: kernel (QEMU loads the image's kernel and initramfs; root in RAM), disk (UEFI from a copy of the image's cairn.raw; verified root on disk) or iso (UEFI from cairn.iso; the node installs to its blank disk)")
	fl.StringVar(&f.image, "image", "_out/image", "directory of the built image (vmlinuz, initramfs; cairn.raw for --boot disk, cairn.iso for --boot iso)")
	fl.DurationVar(&f.wait, "wait", 20*time.Minute, "how long to wait for every node's API, then for Kubernetes (every node Ready, CoreDNS serving; minutes under QEMU's software emulation)")
	fl.BoolVar(&f.noConfig, "no-config", false, "boot without a configuration (maintenance mode)")
	fl.StringArrayVar(&f.trustedImageKeys, "trusted-image-key", nil, "public key (PEM, from cairnctl gen image-key) whose signed OS images the nodes accept for upgrades and installs (repeatable)")
	fl.BoolVar(&f.kubernetes, "kubernetes", true, "bootstrap Kubernetes on the first control plane, wait until every node is Ready and CoreDNS serves, and write an admin kubeconfig (false: only the nodes' API)")
	return cmd
}

func (f *clusterCreateFlags) run(cmd *cobra.Command, g *globals, cf *clusterFlags) error {
	out := cmd.OutOrStdout()
	if os.Geteuid() != 0 {
		return errors.New("cluster create needs root: it creates a network namespace, a bridge and taps")
	}
	dir, err := cf.dir(g, f.name)
	if err != nil {
		return err
	}
	image, err := filepath.Abs(f.image)
	if err != nil {
		return err
	}
	plan, err := qemu.NewPlan(qemu.Request{Name: f.name, Dir: dir, Image: image, Controlplanes: f.controlplanes,
		Workers: f.workers, Memory: f.memory, CPUs: f.cpus, DiskGiB: f.disk, KernelArgs: f.kernelArgs, Boot: f.boot, NoConfig: f.noConfig})
	if err != nil {
		return err
	}
	if err := checkImage(f.image, image, f.boot); err != nil {
		return err
	}
	if f.keys, err = readTrustedKeys(f.trustedImageKeys); err != nil {
		return err
	}
	if err := qemu.Create(plan); err != nil {
		return err
	}
	ctxt, st, err := f.create(cmd.Context(), out, plan)
	if err != nil {
		_, _ = fmt.Fprintf(out, "cluster create failed; cleaning up\n")
		return errors.Join(err, qemu.Destroy(dir, io.Discard))
	}
	return f.finish(cmd.Context(), out, g, plan, st, ctxt)
}

// create generates the configurations, starts the cluster daemon and returns the client
// context (nil in maintenance mode) and the daemon's state.
func (f *clusterCreateFlags) create(ctx context.Context, out io.Writer, plan *qemu.Plan) (*clientconfig.Context, *qemu.State, error) {
	_, _ = fmt.Fprintf(out, "probing KVM (at most 3s)...\n")
	plan.Accel = qemu.ProbeAccel(ctx, filepath.Join(plan.Image, "vmlinuz"), 3*time.Second)
	_, _ = fmt.Fprintf(out, "accelerator: %s\n", plan.Accel)
	var cctx *clientconfig.Context
	if !f.noConfig {
		var err error
		if cctx, err = writeConfigs(plan, f.keys); err != nil {
			return nil, nil, err
		}
		_, _ = fmt.Fprintf(out, "generated secrets and machine configurations in %s\n", plan.Dir)
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	st, err := qemu.Start(ctx, plan, exe, []string{"cluster", "serve", "--dir", plan.Dir}, out)
	if err != nil {
		return nil, nil, err
	}
	if cctx != nil {
		cctx.Endpoints = contextEndpoints(plan, st)
	}
	return cctx, st, nil
}

// contextEndpoints are the host's forwards to every control plane's API, the first control
// plane's first: the client connects to the first that answers (gRPC's pick_first), so that
// cairnctl still reaches the cluster, and every node through it, when a control plane is down.
func contextEndpoints(plan *qemu.Plan, st *qemu.State) []string {
	var out []string
	for _, n := range plan.Nodes {
		if n.Type == "controlplane" {
			out = append(out, net.JoinHostPort("127.0.0.1", strconv.Itoa(st.Forwards[n.Name])))
		}
	}
	return out
}

// writeConfigs generates the cluster's secrets and each node's configuration.
func writeConfigs(plan *qemu.Plan, keys []pki.PEMBytes) (*clientconfig.Context, error) {
	b, err := secrets.New(secrets.Options{})
	if err != nil {
		return nil, err
	}
	if err := b.WriteFile(filepath.Join(plan.Dir, "secrets.yaml"), false); err != nil {
		return nil, err
	}
	in := config.GenerateInput{ClusterName: plan.Name, Endpoint: "https://" + plan.Nodes[0].IP.String() + ":6443", Secrets: b,
		InstallDisk: qemu.InstallDisk, TrustedImageKeys: keys}
	cp, worker, err := config.Generate(in)
	if err != nil {
		return nil, err
	}
	slowRaft(plan, cp)
	for _, n := range plan.Nodes {
		c := cp
		if n.Type == "worker" {
			c = worker
		}
		data, err := c.Encode()
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(n.Config, data, 0o600); err != nil {
			return nil, err
		}
	}
	cc, err := config.GenerateClientConfig(in)
	if err != nil {
		return nil, err
	}
	return cc.Contexts[plan.Name], nil
}

// Raft timing for control planes under software emulation: etcd's defaults (a heartbeat every
// 100 ms, an election after 1 s without one) assume real CPUs; three emulated control planes
// sharing a few host cores miss them, and the members keep electing leaders instead of serving
// (seen: reads waiting 5 s for agreement, the first apiserver never ready).
const (
	tcgHeartbeatMillis = "500"
	tcgElectionMillis  = "5000"
)

// slowRaft gives the control planes of an emulated cluster with more than one of them etcd's
// slower raft timing (cluster.etcd.extraArgs, as an operator would set it).
func slowRaft(plan *qemu.Plan, cp *config.Config) {
	n := 0
	for _, node := range plan.Nodes {
		if node.Type == "controlplane" {
			n++
		}
	}
	if plan.Accel != "tcg" || n < 2 {
		return
	}
	if cp.Cluster.Etcd.ExtraArgs == nil {
		cp.Cluster.Etcd.ExtraArgs = map[string]string{}
	}
	cp.Cluster.Etcd.ExtraArgs["heartbeat-interval"] = tcgHeartbeatMillis
	cp.Cluster.Etcd.ExtraArgs["election-timeout"] = tcgElectionMillis
}

// finish saves the context and waits for every API.
func (f *clusterCreateFlags) finish(ctx context.Context, out io.Writer, g *globals, plan *qemu.Plan, st *qemu.State, cctx *clientconfig.Context) error {
	var tlsConf *tls.Config
	if cctx != nil {
		path, err := clientconfig.Path(g.cairnconfig, g.lookupEnv)
		if err != nil {
			return err
		}
		if err := saveContext(path, plan.Name, cctx); err != nil {
			return err
		}
		_, _ = fmt.Fprintf(out, "context %q added to %s and made current\n", plan.Name, path)
		if tlsConf, err = cctx.TLSConfig(); err != nil {
			return err
		}
	}
	for _, n := range plan.Nodes {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(st.Forwards[n.Name]))
		w := apiWatch{node: n, state: st}
		if err := w.wait(ctx, out, addr, tlsConf, f.wait); err != nil {
			return fmt.Errorf("%w\n(the cluster is left for inspection: cairnctl cluster destroy --name %s)", err, plan.Name)
		}
		if plan.Boot == qemu.BootISO && cctx != nil {
			if err := w.waitInstalled(ctx, out, addr, tlsConf, f.wait); err != nil {
				return fmt.Errorf("%w\n(the cluster is left for inspection: cairnctl cluster destroy --name %s)", err, plan.Name)
			}
		}
	}
	kubeconfig := ""
	if f.kubernetes && cctx != nil {
		path, err := f.kubeUp(ctx, out, plan, st, cctx)
		if err != nil {
			return fmt.Errorf("%w\n(the cluster is left for inspection: cairnctl cluster destroy --name %s)", err, plan.Name)
		}
		merged, err := exportKubeconfig(g, path)
		if err != nil {
			return err
		}
		_, _ = fmt.Fprintf(out, "admin kubeconfig written to %s and merged into %s\n", path, merged)
		kubeconfig = merged
	}
	printNext(out, plan, st, cctx != nil, g.cairnctlDir(), kubeconfig)
	return nil
}

// exportKubeconfig merges the cluster's admin kubeconfig into $KUBECONFIG or
// ~/.kube/config as `cairnctl kubeconfig` does, replacing an entry of the same name (a
// cluster of this name that was destroyed), and returns the file's path.
func exportKubeconfig(g *globals, path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	kc, err := parseKubeconfig(data)
	if err != nil {
		return "", err
	}
	f := &kubeconfigFlags{merge: true, force: true}
	dst, err := f.target(g, nil)
	if err != nil {
		return "", err
	}
	_, err = f.write(dst, kc)
	return dst, err
}

func saveContext(path, name string, cctx *clientconfig.Context) error {
	c, err := clientconfig.LoadOrNew(path)
	if err != nil {
		return err
	}
	if err := c.Add(name, cctx, true); err != nil {
		return err
	}
	if err := c.Use(name); err != nil {
		return err
	}
	return c.Save(path, true)
}

func printNext(out io.Writer, plan *qemu.Plan, st *qemu.State, configured bool, pathDir, kubeconfig string) {
	_, _ = fmt.Fprintf(out, "\ncluster %q is up (%d node(s), %s). Next:\n", plan.Name, len(plan.Nodes), st.Accel)
	if pathDir != "" {
		_, _ = fmt.Fprintf(out, "  export PATH=%s:$PATH   # cairnctl is not on your PATH yet\n", pathDir)
	}
	if configured {
		_, _ = fmt.Fprintf(out, "  cairnctl version                 # client and node versions over mTLS\n")
		_, _ = fmt.Fprintf(out, "  cairnctl services                # the node's services\n")
		_, _ = fmt.Fprintf(out, "  cairnctl logs machined           # machined's log\n")
		_, _ = fmt.Fprintf(out, "  cairnctl dmesg                   # the kernel log\n")
		if kubeconfig != "" {
			_, _ = fmt.Fprintf(out, "  kubectl get nodes                # kubectl (make kubectl builds _out/kubectl) with %s, context admin@%s\n", kubeconfig, plan.Name)
			_, _ = fmt.Fprintf(out, "  cairnctl health --k8s-endpoint https://127.0.0.1:%d   # etcd, the control plane, every node Ready, CoreDNS\n", st.KubeForward)
		}
	} else {
		_, _ = fmt.Fprintf(out, "  the nodes are in maintenance mode: see the fingerprint in their console logs\n")
	}
	_, _ = fmt.Fprintf(out, "  cairnctl cluster show --name %s\n  cairnctl cluster stop --name %s\n  cairnctl cluster destroy --name %s\n", plan.Name, plan.Name, plan.Name)
}
