package cairnctl

import (
	"context"
	"fmt"
	"strings"
)

// CoreDNS's pods carry the label k8s-app=kube-dns, as kubeadm's do.
const dnsLabel, dnsLabelValue = "k8s-app", "kube-dns"

// kubeGetter reads from the Kubernetes API (kubeapi.Client; fixtures in the tests).
type kubeGetter interface {
	Get(ctx context.Context, path string, out any) error
}

// nodeList and podList are the parts of a NodeList and a PodList the checks read.
type nodeList struct {
	Items []struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Status struct {
			Conditions []struct {
				Type    string `json:"type"`
				Status  string `json:"status"`
				Reason  string `json:"reason"`
				Message string `json:"message"`
			} `json:"conditions"`
		} `json:"status"`
	} `json:"items"`
}

type podList struct {
	Items []struct {
		Metadata struct {
			Name   string            `json:"name"`
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
		Status struct {
			Phase             string `json:"phase"`
			Reason            string `json:"reason"`
			ContainerStatuses []struct {
				Name  string `json:"name"`
				Ready bool   `json:"ready"`
				State struct {
					Waiting *struct {
						Reason string `json:"reason"`
					} `json:"waiting"`
				} `json:"state"`
			} `json:"containerStatuses"`
		} `json:"status"`
	} `json:"items"`
}

// askKube reads the apiserver's readiness, the Nodes and the kube-system pods.
func askKube(ctx context.Context, k kubeGetter) kubeState {
	var st kubeState
	st.readyz = k.Get(ctx, "/readyz", nil)
	var nl nodeList
	if err := k.Get(ctx, "/api/v1/nodes", &nl); err != nil {
		st.err = fmt.Errorf("list nodes: %w", err)
		return st
	}
	st.nodes = kubeNodes(nl)
	var pl podList
	if err := k.Get(ctx, "/api/v1/namespaces/kube-system/pods", &pl); err != nil {
		st.err = fmt.Errorf("list kube-system pods: %w", err)
		return st
	}
	st.pods = kubePods(pl)
	return st
}

func kubeNodes(nl nodeList) []kubeNode {
	var out []kubeNode
	for _, it := range nl.Items {
		n := kubeNode{name: it.Metadata.Name, reason: "no Ready condition yet"}
		for _, c := range it.Status.Conditions {
			if c.Type == "Ready" {
				n.ready = c.Status == "True"
				n.reason = strings.TrimSpace(c.Reason + " " + c.Message)
			}
		}
		out = append(out, n)
	}
	return out
}

func kubePods(pl podList) []kubePod {
	var out []kubePod
	for _, it := range pl.Items {
		p := kubePod{name: it.Metadata.Name, phase: it.Status.Phase, reason: it.Status.Reason, ready: len(it.Status.ContainerStatuses) > 0,
			dns: it.Metadata.Labels[dnsLabel] == dnsLabelValue}
		for _, cs := range it.Status.ContainerStatuses {
			if cs.Ready {
				continue
			}
			p.ready = false
			if w := cs.State.Waiting; w != nil && p.reason == "" {
				p.reason = cs.Name + " " + w.Reason
			}
		}
		out = append(out, p)
	}
	return out
}
