// Package api benchmarks the node API over real mutual TLS on loopback: a container-mode node
// runs as a real process, started (and cairn built) the first time a benchmark runs, so that
// `go test ./...` or a -bench that selects nothing costs nothing. Each benchmark reports its p50
// and p99 latency and calls per second; BenchmarkVersion also times the same call on a bare
// grpc-go mTLS server in the same run (bare_test.go) and reports Cairn's p50 as a multiple of
// it, which stays comparable between days when absolute times do not.
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

var (
	// cl is connected to the node, bare to the baseline server: both with the same client
	// certificate. Both are nil until a benchmark calls setup.
	cl, bare *client.Client
	// bundle and adminCtx are the cluster's secrets and the admin's context, for the
	// benchmarks that start nodes of their own.
	bundle   *secrets.Bundle
	adminCtx *clientconfig.Context
	// scratch is the run's scratch directory (the cairn binary, the nodes' state).
	scratch string

	once     sync.Once
	setupErr error
	// cleanups undo what setup did, last first.
	cleanups []func()
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range slices.Backward(cleanups) {
		f()
	}
	os.Exit(code)
}

// setup starts the node and the baseline server the first time a benchmark needs them.
func setup(b *testing.B) {
	b.Helper()
	once.Do(func() { setupErr = start() })
	if setupErr != nil {
		b.Fatal(setupErr)
	}
}

func start() error {
	dir, err := os.MkdirTemp("", "cairn-bench-")
	if err != nil {
		return err
	}
	scratch = dir
	cleanups = append(cleanups, func() { _ = os.RemoveAll(dir) })
	b, err := secrets.New(secrets.Options{})
	if err != nil {
		return err
	}
	admin, err := clientconfig.Issue(b.Certs.OS, clientconfig.IssueRequest{Name: "bench", Roles: []role.Role{role.Admin}, TTL: time.Hour})
	if err != nil {
		return err
	}
	bundle, adminCtx = b, admin
	if err := startNode(dir, b, admin); err != nil {
		return fmt.Errorf("start node: %w", err)
	}
	if err := startBare(b, admin); err != nil {
		return fmt.Errorf("start the baseline server: %w", err)
	}
	return nil
}

// startNode builds cairn, starts a configured node and connects the admin client to it.
func startNode(dir string, b *secrets.Bundle, admin *clientconfig.Context) error {
	var stop func()
	var err error
	cl, stop, err = runNode(dir, endpoint, b, admin, nil)
	if stop != nil {
		cleanups = append(cleanups, stop)
	}
	return err
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// buildCairn builds the cairn binary once per run, into dir.
func buildCairn(dir string) (string, error) {
	buildOnce.Do(func() {
		binPath = filepath.Join(dir, "cairn")
		build := exec.Command("go", "build", "-o", binPath, "github.com/cairn-os/cairn/cmd/cairn")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		buildErr = build.Run()
	})
	return binPath, buildErr
}

// runNode starts a container-mode node on ip with a control-plane configuration (changed by
// edit when it is not nil) and its state under dir, and returns the admin's client once the node
// answers, and what stops the node (not nil once it started, even on error).
func runNode(dir, ip string, b *secrets.Bundle, admin *clientconfig.Context, edit func(*config.Config)) (*client.Client, func(), error) {
	bin, err := buildCairn(dir)
	if err != nil {
		return nil, nil, err
	}
	cp, _, err := config.Generate(config.GenerateInput{ClusterName: "bench", Endpoint: "https://" + ip + ":6443", Secrets: b})
	if err != nil {
		return nil, nil, err
	}
	if edit != nil {
		edit(cp)
	}
	data, err := cp.Encode()
	if err != nil {
		return nil, nil, err
	}
	nodeDir, err := os.MkdirTemp(dir, "node-")
	if err != nil {
		return nil, nil, err
	}
	cfgPath := filepath.Join(nodeDir, "cp.yaml")
	if err := os.WriteFile(cfgPath, data, 0o600); err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(bin, "machined", "--mode", "container", "--state", filepath.Join(nodeDir, "state"), "--listen", ip+":50000", "--config", cfgPath)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}
	c, err := client.FromContext(admin, []string{ip})
	if err != nil {
		return nil, stop, err
	}
	return c, stop, waitVersion(c, 30*time.Second)
}

// waitVersion calls Version until it answers.
func waitVersion(c *client.Client, d time.Duration) error {
	for deadline := time.Now().Add(d); ; time.Sleep(50 * time.Millisecond) {
		_, err := c.Machine.Version(context.Background(), &common.Empty{})
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready: %w", err)
		}
	}
}

// measure runs call b.N times and reports p50, p99 and calls per second.
func measure(b *testing.B, call func() error) {
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		lat = append(lat, timed(b, call))
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
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds()), "p50-µs")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds()), "p99-µs")
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "calls/s")
}

// percentile sorts lat and returns its p-th percentile (0 < p < 1).
func percentile(lat []time.Duration, p float64) time.Duration {
	slices.Sort(lat)
	return lat[int(float64(len(lat)-1)*p)]
}

// BenchmarkVersion is a unary call: mTLS, authentication, the roles table, the forward to
// machined over its socket and the audit event written (fsync'd) before the reply.
// Each iteration also makes the same call on the bare server, alternating which goes first:
// bare-p50-µs is its p50 and x-bare Cairn's p50 divided by it (ns/op covers both calls).
func BenchmarkVersion(b *testing.B) {
	setup(b)
	ctx := context.Background()
	cairn := func() error { _, err := cl.Machine.Version(ctx, &common.Empty{}); return err }
	base := func() error { _, err := bare.Machine.Version(ctx, &common.Empty{}); return err }
	var lat, baseLat []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		first, second, firstLat, secondLat := cairn, base, &lat, &baseLat
		if i%2 == 1 {
			first, second, firstLat, secondLat = base, cairn, &baseLat, &lat
		}
		*firstLat = append(*firstLat, timed(b, first))
		*secondLat = append(*secondLat, timed(b, second))
	}
	b.StopTimer()
	report(b, lat, sum(lat))
	p50, baseP50 := percentile(lat, 0.5), percentile(baseLat, 0.5)
	b.ReportMetric(float64(baseP50.Microseconds()), "bare-p50-µs")
	b.ReportMetric(float64(p50)/float64(baseP50), "x-bare")
}

// timed runs call once and returns how long it took.
func timed(b *testing.B, call func() error) time.Duration {
	t0 := time.Now()
	if err := call(); err != nil {
		b.Fatal(err)
	}
	return time.Since(t0)
}

func sum(lat []time.Duration) time.Duration {
	var s time.Duration
	for _, l := range lat {
		s += l
	}
	return s
}

// BenchmarkResourceGet reads one COSI resource through the resource API.
func BenchmarkResourceGet(b *testing.B) {
	setup(b)
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
	setup(b)
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

// TestNoNodeUntilABenchmarkRuns: running the package's tests alone (as `go test ./...` does)
// starts no node: setup runs only inside a benchmark.
func TestNoNodeUntilABenchmarkRuns(t *testing.T) {
	if cl != nil || bare != nil {
		t.Error("a node was started although no benchmark has run")
	}
}
