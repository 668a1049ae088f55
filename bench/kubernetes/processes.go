package main

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// proc is one user-space process of a node.
type proc struct {
	node, component string
	pid             int32
	rss             uint64
}

// parseProcesses decodes `cairnctl ps -o json` and keeps the user-space processes (kernel
// threads have no command line), named by the base name of their argv[0]: the multi-call
// binaries run as kube-apiserver, kubelet, ... A node that failed is an error.
func parseProcesses(data []byte) ([]proc, error) {
	var resp machine.ProcessesResponse
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(data, &resp); err != nil {
		return nil, fmt.Errorf("decode processes: %w", err)
	}
	var out []proc
	for _, m := range resp.GetMessages() {
		node := nodeName(m.GetMetadata().GetNode(), m.GetMetadata().GetHostname())
		if e := m.GetMetadata().GetError(); e != "" {
			return nil, fmt.Errorf("processes of %s: %s", node, e)
		}
		for _, p := range m.GetProcesses() {
			args := strings.Fields(p.GetArgs())
			if len(args) == 0 {
				continue
			}
			out = append(out, proc{node: node, component: path.Base(args[0]), pid: p.GetPid(), rss: p.GetResidentBytes()})
		}
	}
	return out, nil
}

// parseMemory decodes `cairnctl memory -o json` into each node's MemTotal - MemAvailable.
func parseMemory(data []byte) (map[string]uint64, error) {
	var resp machine.MemoryResponse
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(data, &resp); err != nil {
		return nil, fmt.Errorf("decode memory: %w", err)
	}
	out := map[string]uint64{}
	for _, m := range resp.GetMessages() {
		mi := m.GetMeminfo()
		out[nodeName(m.GetMetadata().GetNode(), m.GetMetadata().GetHostname())] = mi.GetTotal() - mi.GetAvailable()
	}
	return out, nil
}

// nodeName prefers the address the client used (the plan knows it), then the host name.
func nodeName(node, hostname string) string {
	if node != "" {
		return node
	}
	return hostname
}

// printProcesses prints each node's processes, largest first, with the node's total.
func printProcesses(w *report, procs []proc, used map[string]uint64, types map[string]string) {
	sort.SliceStable(procs, func(i, j int) bool {
		if procs[i].node != procs[j].node {
			return procs[i].node < procs[j].node
		}
		return procs[i].rss > procs[j].rss
	})
	node := ""
	var sum uint64
	for i, p := range procs {
		if p.node != node {
			node, sum = p.node, 0
			w.printf("  node %s (%s), memory in use (MemTotal - MemAvailable) %.0f MiB\n", node, orUnknown(types[node]), float64(used[node])/(1<<20))
		}
		sum += p.rss
		w.printf("    %-26s pid %-6d %7.1f MiB\n", p.component, p.pid, float64(p.rss)/(1<<20))
		if i == len(procs)-1 || procs[i+1].node != node {
			w.printf("    %-26s           %7.1f MiB\n", "sum of RSS", float64(sum)/(1<<20))
		}
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "type unknown"
	}
	return s
}
