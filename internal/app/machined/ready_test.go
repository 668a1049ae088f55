package machined

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// TestHTTPSReady: the apiserver's ready check passes on a 200 from a server whose certificate
// chains to the CA, and fails on another status or on a server the CA did not sign.
func TestHTTPSReady(t *testing.T) {
	ca, err := pki.NewCA(pki.Request{CommonName: "kubernetes"})
	if err != nil {
		t.Fatal(err)
	}
	serving, err := ca.Issue(pki.Request{CommonName: "kube-apiserver", IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, Usage: pki.ServerAuth})
	if err != nil {
		t.Fatal(err)
	}
	status := http.StatusServiceUnavailable
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{serving.TLSCertificate()}, MinVersion: tls.VersionTLS13}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	caFile := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(caFile, ca.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimPrefix(srv.URL, "https://")
	check := readyCheck("https:"+addr+"/readyz", caFile)
	ctx := context.Background()
	if err := check(ctx); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("not ready yet: check = %v, want the 503", err)
	}
	status = http.StatusOK
	if err := check(ctx); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("asked again at once: check = %v, want the last answer (the 503) without asking", err)
	}
	time.Sleep(httpsReadyEvery)
	if err := check(ctx); err != nil {
		t.Errorf("ready: check = %v", err)
	}
	other, err := pki.NewCA(pki.Request{CommonName: "another"})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(caFile, other.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	check = readyCheck("https:"+addr+"/readyz", caFile) // a new check reads the CA again
	if err := check(ctx); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("a server the CA did not sign: check = %v, want a certificate error", err)
	}
}

func TestFIPSEnv(t *testing.T) {
	env := []string{"PATH=/usr/bin"}
	if got := fipsEnv("kubelet", env, "x509sha1=0,fips140=only"); !slices.Equal(got, []string{"PATH=/usr/bin", "GODEBUG=fips140=only"}) {
		t.Errorf("kubelet in strict mode: %q", got)
	}
	for _, name := range []string{"etcd", "kube-apiserver"} {
		if got := fipsEnv(name, env, "fips140=only"); !slices.Equal(got, env) {
			t.Errorf("%s in strict mode: %q, want fips140=on (as built)", name, got)
		}
	}
	if got := fipsEnv("kubelet", env, ""); !slices.Equal(got, env) {
		t.Errorf("kubelet without strict mode: %q", got)
	}
}
