package kubeservice

import (
	"net/netip"
	"strings"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/constants"
	"github.com/cairn-os/cairn/pkg/machinery/resources"
)

// path is the search path of the services that exec helpers: containerd (its shim, runc),
// the kubelet (mount, umount), kube-proxy (nft).
var searchPath = []string{"PATH=/usr/bin:/usr/sbin:/sbin"}

// mib is a mebibyte; the memory limits are measured steady RSS (FACTS.md) with room for
// start-up peaks.
const mib = int64(1) << 20

func nodeIPs(n Node) []netip.Addr { return []netip.Addr{n.IP} }

// services are the node's services: the runtime, kubelet and kube-proxy everywhere; on a
// bootstrapped control plane etcd and the control plane too.
func (p *params) services() []Service {
	out := []Service{
		{Containerd, resources.KubeServiceSpec{
			Path: bin("containerd"), Args: []string{"containerd", "--config", containerdConf}, Env: searchPath,
			Privileged: true, MemoryMax: 1024 * mib, Ready: "unix:" + constants.ContainerdSocket,
		}},
		{Kubelet, resources.KubeServiceSpec{
			Path: bin("kubelet"), Args: p.kubeletFlags().args("kubelet"), Env: searchPath,
			Privileged: true, MemoryMax: 512 * mib, DependsOn: []string{Containerd},
			Ready: "file:" + kubeletCurrent, StartAfter: p.apiServerReady(), ReadyCA: pkiPath("ca.crt"),
			ReadyWithin: kubeletReadyWithin,
		}},
		{KubeProxy, resources.KubeServiceSpec{
			Path: bin("kube-proxy"), Args: []string{"kube-proxy", "--config=" + proxyConfig}, Env: searchPath,
			Caps: []string{"CAP_NET_ADMIN", "CAP_NET_RAW"}, MemoryMax: 256 * mib, PidsMax: 256,
			DependsOn: []string{Kubelet},
		}},
	}
	if p.controlPlane && p.node.Bootstrapped {
		out = append(out, p.controlPlaneServices()...)
	}
	return out
}

// kubeletReadyWithin bounds a kubelet's TLS bootstrap (it is ready once it has its client
// certificate): a rebooted worker's kubelet was seen to request none for over ten minutes,
// waiting on a server it judged unresponsive while the apiserver answered it; a kubelet
// started afresh bootstraps in background again (that a restart gets it through is expected,
// not yet seen in a VM). Ten minutes leaves a slow controller-manager under emulation the
// time to approve a request that is on its way.
const kubeletReadyWithin = 10 * time.Minute

// apiServerReady is the kubelet's StartAfter: the cluster's apiserver answers /readyz through
// the node's load balancer (as kubeadm join starts the kubelet only after its discovery
// reached the apiserver). Until then a kubelet can do nothing but retry, and under emulation
// its retries and those of the containerd it polls took a third of the CPU the apiserver
// needed to start; on a worker, CPU of the host the control plane shares.
func (p *params) apiServerReady() string {
	return "https:" + strings.TrimPrefix(apiBalancer, "https://") + "/readyz"
}

// controlPlaneServices: etcd and the apiserver get the larger CPU shares (cpu.weight 400 and
// 300 against the others' 100): on a control plane's first start everything starts at once
// (containerd unpacking the images, the kubelet, the controller-manager, the scheduler), and
// a starved apiserver times out its own loopback requests and exits; a starved etcd misses its
// heartbeats. The controller-manager and the scheduler start only once the apiserver's /readyz
// answers, not when its port opens.
func (p *params) controlPlaneServices() []Service {
	kube := func(uid uint32) (uint32, uint32) { return uid, constants.KubeGID }
	apiUID, apiGID := kube(constants.KubeAPIServerUID)
	cmUID, cmGID := kube(constants.KubeControllerManagerUID)
	schedUID, schedGID := kube(constants.KubeSchedulerUID)
	etcdFlags, etcdFiles := p.etcdFlags().handOver()
	apiFlags, apiFiles := p.apiServerFlags().handOver()
	cmFlags, cmFiles := p.controllerManagerFlags().handOver()
	schedFlags, schedFiles := p.schedulerFlags().handOver()
	return []Service{
		{Etcd, resources.KubeServiceSpec{
			Path: bin("etcd"), Args: etcdFlags.args("etcd"), Handed: etcdFiles, UID: constants.EtcdUID, GID: constants.EtcdGID,
			MemoryMax: 512 * mib, PidsMax: 512, CPUWeight: 400, Ready: "tcp:127.0.0.1:2379",
		}},
		{APIServer, resources.KubeServiceSpec{
			Path: bin("kube-apiserver"), Args: apiFlags.args("kube-apiserver"), Handed: apiFiles, UID: apiUID, GID: apiGID,
			MemoryMax: 1024 * mib, PidsMax: 1024, CPUWeight: 300, DependsOn: []string{Etcd},
			Ready: "https:127.0.0.1:6443/readyz", ReadyCA: pkiPath("ca.crt"),
		}},
		{ControllerManager, resources.KubeServiceSpec{
			Path: bin("kube-controller-manager"), Args: cmFlags.args("kube-controller-manager"), Handed: cmFiles,
			UID: cmUID, GID: cmGID, MemoryMax: 512 * mib, PidsMax: 512, DependsOn: []string{APIServer},
		}},
		{Scheduler, resources.KubeServiceSpec{
			Path: bin("kube-scheduler"), Args: schedFlags.args("kube-scheduler"), Handed: schedFiles,
			UID: schedUID, GID: schedGID, MemoryMax: 256 * mib, PidsMax: 256, DependsOn: []string{APIServer},
		}},
	}
}
