// Package api benchmarks the node API over real mutual TLS on loopback: a container-mode node
// runs as a real process (built in TestMain), and each benchmark reports its p50 and p99
// latency and calls per second.
//
//	go test -run '^$' -bench . -benchtime 2000x ./bench/api/
package api

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	resapi "github.com/cairn-os/cairn/pkg/machinery/api/resource"
	"github.com/cairn-os/cairn/pkg/machinery/client"
	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/role"
	"github.com/cairn-os/cairn/pkg/machinery/secrets"
)

const endpoint = "127.0.0.10"

var cl *client.Client

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cairn-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	stop, err := startNode(dir)
	code := 1
	if err != nil {
		fmt.Fprintln(os.Stderr, "start node:", err)
	} else {
		code = m.Run()
	}
	if stop != nil {
		stop()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// startNode builds cairn, starts a configured node and connects an admin client to it.
func startNode(dir string) (func(), error) {
	bin := filepath.Join(dir, "cairn")
	build := exec.Command("go", "build", "-o", bin, "github.com/cairn-os/cairn/cmd/cairn")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return nil, err
	}
	b, err := secrets.New(secrets.Options{})
	if err != nil {
		return nil, err
	}
	cp, _, err := config.Generate(config.GenerateInput{ClusterName: "bench", Endpoint: "https://" + endpoint + ":6443", Secrets: b})
	if err != nil {
		return nil, err
	}
	data, err := cp.Encode()
	if err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(dir, "cp.yaml")
	if err := os.WriteFile(cfgPath, data, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "machined", "--mode", "container", "--state", filepath.Join(dir, "state"), "--listen", endpoint+":50000", "--config", cfgPath)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}
	ctx, err := clientconfig.Issue(b.Certs.OS, clientconfig.IssueRequest{Name: "bench", Roles: []role.Role{role.Admin}, TTL: time.Hour})
	if err != nil {
		return stop, err
	}
	if cl, err = client.FromContext(ctx, []string{endpoint}); err != nil {
		return stop, err
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err = cl.Machine.Version(context.Background(), &common.Empty{}); err == nil {
			return stop, nil
		}
		if time.Now().After(deadline) {
			return stop, fmt.Errorf("node not ready: %w", err)
		}
	}
}

// measure runs call b.N times and reports p50, p99 and calls per second.
func measure(b *testing.B, call func() error) {
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		t0 := time.Now()
		if err := call(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	elapsed := time.Since(start)
	b.StopTimer()
	report(b, lat, elapsed)
}

// report adds the p50 and p99 latency and the calls per second to the benchmark's result.
func report(b *testing.B, lat []time.Duration, elapsed time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) }
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "calls/s")
}

// BenchmarkVersion is a unary call: mTLS, authentication, the roles table, the forward to
// machined over its socket and the audit event written (fsync'd) before the reply.
func BenchmarkVersion(b *testing.B) {
	ctx := context.Background()
	measure(b, func() error {
		_, err := cl.Machine.Version(ctx, &common.Empty{})
		return err
	})
}

// BenchmarkResourceGet reads one COSI resource through the resource API.
func BenchmarkResourceGet(b *testing.B) {
	ctx := context.Background()
	req := &resapi.GetRequest{Type: "ms", Id: "machine"}
	measure(b, func() error {
		_, err := cl.Resource.Get(ctx, req)
		return err
	})
}

// BenchmarkVersionParallel issues Version from 8 goroutines per CPU over the one connection:
// throughput under concurrency (the audit log serialises the writes).
func BenchmarkVersionParallel(b *testing.B) {
	ctx := context.Background()
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism(8)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			t0 := time.Now()
			if _, err := cl.Machine.Version(ctx, &common.Empty{}); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	report(b, lat, elapsed)
}
