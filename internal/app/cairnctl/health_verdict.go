package cairnctl

import (
	"fmt"
	"slices"
	"strings"
)

// controlPlaneServices are the services every control-plane node runs.
var controlPlaneServices = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"}

// healthNode is what the Cairn API said of one node.
type healthNode struct {
	// addr is the node as targeted (--nodes), "" for the endpoint itself.
	addr     string
	hostname string
	// apiErr is why its API did not answer (then nothing else is known).
	apiErr       error
	controlPlane bool
	// services are the states of its services by name, and their last errors.
	services  map[string]string
	lastError map[string]string
}

// kubeNode is a Kubernetes Node: its name and Ready condition.
type kubeNode struct {
	name   string
	ready  bool
	reason string // the Ready condition's reason and message when not ready
}

// kubePod is a kube-system pod: its phase and whether every container is ready.
type kubePod struct {
	name, phase string
	ready       bool
	reason      string // the first not-ready container's waiting reason, if any
	dns         bool   // a CoreDNS pod (label k8s-app=kube-dns)
}

// kubeState is what the apiserver said; err is why it could not be asked at all.
type kubeState struct {
	err, readyz error
	nodes       []kubeNode
	pods        []kubePod
}

// check is the verdict of one health check: what was checked, and when it fails, what is wrong
// and what to do.
type check struct {
	what, problem, fix string
}

func (c check) ok() bool { return c.problem == "" }

func (c check) String() string {
	if c.ok() {
		return "OK    " + c.what
	}
	return fmt.Sprintf("FAIL  %s: %s\n      what to do: %s", c.what, c.problem, c.fix)
}

// nodeName is how a node is named in a check: its address and host name.
func (n healthNode) nodeName() string {
	switch {
	case n.addr == "":
		return "node " + n.hostname
	case n.hostname == "":
		return "node " + n.addr
	}
	return fmt.Sprintf("node %s (%s)", n.addr, n.hostname)
}

// nodeChecks are the checks of the Cairn API: every node answers, and every control plane
// runs its services.
func nodeChecks(nodes []healthNode) []check {
	var out []check
	for _, n := range nodes {
		c := check{what: n.nodeName() + ": Cairn API answers"}
		if n.apiErr != nil {
			c.problem = n.apiErr.Error()
			c.fix = "check that the node is up and reachable from the endpoint (cairnctl version -n " + n.addr + ")"
			out = append(out, c)
			continue
		}
		out = append(out, c)
		if n.controlPlane {
			out = append(out, serviceChecks(n)...)
		}
	}
	return out
}

func serviceChecks(n healthNode) []check {
	var out []check
	target := ""
	if n.addr != "" {
		target = " -n " + n.addr
	}
	for _, s := range controlPlaneServices {
		c := check{what: fmt.Sprintf("%s: service %s runs", n.nodeName(), s)}
		state, ok := n.services[s]
		switch {
		case !ok:
			c.problem = "the node has no such service"
			c.fix = "bootstrap the cluster once (cairnctl bootstrap" + target + ") if it is not, else check the node's Kubernetes configuration (cairnctl show-config" + target + ")"
		case state != "Running":
			c.problem = "it is " + state
			if e := n.lastError[s]; e != "" {
				c.problem += " (last error: " + e + ")"
			}
			c.fix = "read its log: cairnctl logs " + s + target
		}
		out = append(out, c)
	}
	return out
}

// kubeChecks are the checks through the Kubernetes API: the apiserver is ready, every expected
// node is there and Ready (and every other Node is Ready), and the kube-system pods run.
func kubeChecks(k kubeState, expected []string) []check {
	api := check{what: "Kubernetes API answers as an admin"}
	if k.err != nil {
		api.problem = k.err.Error()
		api.fix = "check that a control-plane node is bootstrapped and its kube-apiserver runs (cairnctl services); pass --k8s-endpoint if its endpoint is not reachable from here"
		return []check{api}
	}
	ready := check{what: "kube-apiserver /readyz"}
	if k.readyz != nil {
		ready.problem = k.readyz.Error()
		ready.fix = "read the apiserver's log: cairnctl logs kube-apiserver -n CONTROL-PLANE"
	}
	out := append([]check{api, ready}, nodeReadyChecks(k.nodes, expected)...)
	return append(out, podChecks(k.pods)...)
}

func nodeReadyChecks(nodes []kubeNode, expected []string) []check {
	var out []check
	for _, e := range expected {
		if !slices.ContainsFunc(nodes, func(n kubeNode) bool { return n.name == strings.ToLower(e) }) {
			out = append(out, check{what: "Node " + e + " is registered", problem: "no Node of that name",
				fix: "read the node's kubelet log: cairnctl logs kubelet -n " + e})
		}
	}
	for _, n := range nodes {
		c := check{what: "Node " + n.name + " is Ready"}
		if !n.ready {
			c.problem = "not Ready: " + n.reason
			c.fix = "read its kubelet log (cairnctl logs kubelet) and kubectl describe node " + n.name
		}
		out = append(out, c)
	}
	return out
}

func podChecks(pods []kubePod) []check {
	out := []check{{what: "a CoreDNS pod (k8s-app=kube-dns) is Ready in kube-system"}}
	switch {
	case !slices.ContainsFunc(pods, func(p kubePod) bool { return p.dns }):
		out[0].problem = "no CoreDNS pod"
		out[0].fix = "check the control plane's machined log (cairnctl logs machined) for the bootstrap manifests"
	case !slices.ContainsFunc(pods, func(p kubePod) bool { return p.dns && p.ready && p.phase == "Running" }):
		out[0].problem = "none of the CoreDNS pods is Ready"
		out[0].fix = "see the CoreDNS pods' checks below"
	}
	for _, p := range pods {
		if p.phase == "Succeeded" {
			continue // a finished job's pod
		}
		c := check{what: "pod kube-system/" + p.name + " is Running and Ready"}
		if p.phase != "Running" || !p.ready {
			c.problem = p.phase
			if p.reason != "" {
				c.problem += ": " + p.reason
			}
			c.fix = "kubectl -n kube-system describe pod " + p.name + " and kubectl -n kube-system logs " + p.name
		}
		out = append(out, c)
	}
	return out
}

// failing counts the checks that fail.
func failing(checks []check) int {
	n := 0
	for _, c := range checks {
		if !c.ok() {
			n++
		}
	}
	return n
}
