package machined

import (
	"bytes"
	"encoding/pem"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cairn-os/cairn/internal/pkg/kubeapi"
	"github.com/cairn-os/cairn/pkg/machinery/config"
)

// TestBalancerBackends: a control plane's balancer tries its own apiserver first; every node
// then the apiservers the cluster lists, then the endpoint unless it is one of them.
func TestBalancerBackends(t *testing.T) {
	listed := []netip.AddrPort{netip.MustParseAddrPort("10.5.0.2:6443"), netip.MustParseAddrPort("10.5.0.3:6443")}
	cfg := &config.Config{}
	cfg.Machine.Type = config.TypeWorker
	cfg.Cluster.ControlPlane.Endpoint = "https://10.5.0.2:6443"
	if got, want := balancerBackends(cfg, listed), []string{"10.5.0.2:6443", "10.5.0.3:6443"}; !slices.Equal(got, want) {
		t.Errorf("worker: %q, want %q", got, want)
	}
	cfg.Machine.Type = config.TypeControlPlane
	cfg.Cluster.ControlPlane.Endpoint = "https://api.example.internal:443"
	if got, want := balancerBackends(cfg, listed), []string{"127.0.0.1:6443", "10.5.0.2:6443", "10.5.0.3:6443", "api.example.internal:443"}; !slices.Equal(got, want) {
		t.Errorf("control plane: %q, want %q", got, want)
	}
	if got, want := balancerBackends(cfg, nil), []string{"127.0.0.1:6443", "api.example.internal:443"}; !slices.Equal(got, want) {
		t.Errorf("control plane, nothing listed yet: %q, want %q", got, want)
	}
}

// TestRememberAPIServers: the apiservers the cluster listed are written and read back in
// order; a file that is not such a list is refused with the line that is wrong.
func TestRememberAPIServers(t *testing.T) {
	file := filepath.Join(t.TempDir(), "lib", "cairn", "api-servers")
	if _, err := loadAPIServers(file); !os.IsNotExist(err) {
		t.Fatalf("loadAPIServers(no file) = %v, want not-exist", err)
	}
	want := []netip.AddrPort{netip.MustParseAddrPort("10.5.0.3:6443"), netip.MustParseAddrPort("10.5.0.2:6443"), netip.MustParseAddrPort("[fd00::4]:6443")}
	for _, list := range [][]netip.AddrPort{want[:1], want} { // the second replaces the first
		if err := saveAPIServers(file, list); err != nil {
			t.Fatal(err)
		}
	}
	got, err := loadAPIServers(file)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("loadAPIServers = %v, %v; want %v", got, err, want)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".api-servers.tmp-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	big := filepath.Join(filepath.Dir(file), "big")
	if err := os.WriteFile(big, []byte(strings.Repeat("\n", 64<<10)+"10.5.0.2:6443\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := loadAPIServers(big); err == nil || !strings.Contains(err.Error(), "larger than 65536 bytes") {
		t.Errorf("loadAPIServers(64 KiB of blank lines, then an address) = %v, %v; want it refused, not cut", got, err)
	}
	for in, msg := range map[string]string{
		"10.5.0.2:6443\n10.5.0.3\n":           `line 2: "10.5.0.3" is not`,
		"10.5.0.2:0\n":                        `line 1: "10.5.0.2:0" is not`,
		"node.example:6443\n":                 `line 1: "node.example:6443" is not`,
		strings.Repeat("10.5.0.2:6443\n", 65): "more than 64 apiservers",
	} {
		if _, err := parseAPIServers(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("parseAPIServers(%.40q) = %v, want an error with %q", in, err, msg)
		}
	}
}

func FuzzParseAPIServers(f *testing.F) {
	f.Add("10.5.0.2:6443\n[fd00::4]:6443\n")
	f.Add("\n\nx\n")
	f.Fuzz(func(t *testing.T, in string) {
		list, err := parseAPIServers(strings.NewReader(in))
		if err != nil {
			return
		}
		if len(list) > maxRemembered {
			t.Fatalf("%d addresses, more than %d", len(list), maxRemembered)
		}
		var out strings.Builder
		for _, a := range list {
			if !a.IsValid() || a.Port() == 0 {
				t.Fatalf("invalid address %v accepted", a)
			}
			out.WriteString(a.String() + "\n")
		}
		again, err := parseAPIServers(strings.NewReader(out.String()))
		if err != nil || !slices.Equal(again, list) {
			t.Fatalf("round trip: %v, %v; want %v", again, err, list)
		}
	})
}

// TestAPIServerLister: the balancer's lookups share one connection (no TLS handshake per
// lookup); a failure is logged when failures start and every failWarnEvery lookups while they
// last, the recovery once; a node whose kubelet has no kubeconfig yet logs nothing.
func TestAPIServerLister(t *testing.T) {
	var failing atomic.Bool
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() || r.URL.Path != "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, `{"items":[{"endpoints":[{"addresses":["10.5.0.3"]},{"addresses":["10.5.0.4"]}],"ports":[{"name":"https","port":6443}]}]}`)
	}))
	var conns atomic.Int32
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	ts.StartTLS()
	t.Cleanup(ts.Close)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	var logs bytes.Buffer
	l := &apiServerLister{log: slog.New(slog.NewTextHandler(&logs, nil)),
		newClient: func() (*kubeapi.Client, error) { return kubeapi.New(kubeapi.Config{Server: ts.URL, CA: ca}) }}
	want := []netip.AddrPort{netip.MustParseAddrPort("10.5.0.3:6443"), netip.MustParseAddrPort("10.5.0.4:6443")}
	for i := range 5 {
		if got := l.list(t.Context()); !slices.Equal(got, want) {
			t.Fatalf("lookup %d = %v, want %v", i, got, want)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("5 lookups opened %d connections, want 1", n)
	}

	failing.Store(true)
	for i := range 2*failWarnEvery + 1 {
		if got := l.list(t.Context()); got != nil {
			t.Fatalf("failing lookup %d = %v, want none", i, got)
		}
	}
	failing.Store(false)
	if got := l.list(t.Context()); !slices.Equal(got, want) {
		t.Fatalf("lookup after the failures = %v, want %v", got, want)
	}
	if n := strings.Count(logs.String(), "could not be listed"); n != 3 {
		t.Errorf("21 failed lookups logged %d warnings, want 3 (the 1st, 11th and 21st):\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "listed again") || !strings.Contains(logs.String(), "after_failures=21") {
		t.Errorf("the recovery is not logged with the count:\n%s", logs.String())
	}

	logs.Reset()
	none := &apiServerLister{log: slog.New(slog.NewTextHandler(&logs, nil)),
		newClient: func() (*kubeapi.Client, error) { return nil, fmt.Errorf("read kubeconfig: %w", fs.ErrNotExist) }}
	if got := none.list(t.Context()); got != nil || logs.Len() != 0 {
		t.Errorf("lookup before the kubelet's kubeconfig = %v, logged %q; want none and nothing", got, logs.String())
	}
}
