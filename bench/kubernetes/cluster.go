package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-os/cairn/bench/internal/ctl"
	"github.com/cairn-os/cairn/internal/provision/qemu"
)

const clusterName = "benchk8s"

// clusterReport creates o.runs clusters of one control plane and one worker, reports the
// median time until cluster create returns (every node Ready, CoreDNS answering), and the
// memory of the last one after it idled.
func clusterReport(w *report, o options) error {
	tmp, err := os.MkdirTemp("", "cairn-bench-k8s-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	env := map[string]string{"CAIRNCONFIG": filepath.Join(tmp, "cairnconfig"), "XDG_STATE_HOME": filepath.Join(tmp, "state"),
		"KUBECONFIG": filepath.Join(tmp, "kubeconfig")}
	w.printf("\n## cluster create --kubernetes --workers 1 (%d MiB, %d vCPU per VM) -> all nodes Ready and CoreDNS answering\n\n", o.memory, o.cpus)
	var times []float64
	for i := 1; i <= o.runs; i++ {
		d, err := createCluster(env, o)
		if err != nil {
			destroyCluster(env)
			return fmt.Errorf("run %d: %w", i, err)
		}
		times = append(times, d.Seconds())
		w.printf("  run %d: %.1fs\n", i, d.Seconds())
		if i < o.runs {
			destroyCluster(env)
		}
	}
	defer destroyCluster(env)
	slices.Sort(times)
	w.printf("  median of %d: %.1fs  [%s]\n", len(times), times[len(times)/2], ctl.Seconds(times))
	time.Sleep(o.idle)
	return memoryReport(w, env, o.idle)
}

// createCluster runs cluster create and returns how long it took to return.
func createCluster(env map[string]string, o options) (time.Duration, error) {
	start := time.Now()
	_, err := ctl.Run(env, "cluster", "create", "--name", clusterName, "--kubernetes=true", "--workers", "1",
		"--image", o.image, "--memory", strconv.Itoa(o.memory), "--cpus", strconv.Itoa(o.cpus))
	return time.Since(start), err
}

func destroyCluster(env map[string]string) {
	if _, err := ctl.Run(env, "cluster", "destroy", "--name", clusterName); err != nil {
		fmt.Fprintln(os.Stderr, "bench/kubernetes: destroy:", err)
	}
}

// memoryReport reads every node's processes and memory through the API.
func memoryReport(w *report, env map[string]string, idle time.Duration) error {
	plan, err := qemu.LoadPlan(filepath.Join(env["XDG_STATE_HOME"], "cairn", "clusters", clusterName))
	if err != nil {
		return err
	}
	types, ips := map[string]string{}, []string{}
	for _, n := range plan.Nodes {
		types[n.IP.String()] = n.Type
		ips = append(ips, n.IP.String())
	}
	nodes := strings.Join(ips, ",")
	ps, err := ctl.Run(env, "ps", "-o", "json", "--nodes", nodes)
	if err != nil {
		return err
	}
	mem, err := ctl.Run(env, "memory", "-o", "json", "--nodes", nodes)
	if err != nil {
		return err
	}
	procs, err := parseProcesses([]byte(ps))
	if err != nil {
		return err
	}
	used, err := parseMemory([]byte(mem))
	if err != nil {
		return err
	}
	w.printf("\n## Resident memory after %s idle (Processes API; shared pages of the multi-call binary count in each process)\n\n", idle)
	printProcesses(w, procs, used, types)
	return nil
}
