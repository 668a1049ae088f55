package kubeapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestGetAndStatusError(t *testing.T) {
	cfg := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/nodes/n1":
			_, _ = io.WriteString(w, `{"metadata":{"name":"n1"},"spec":{"podCIDR":"10.244.1.0/24"},"who":"`+r.TLS.PeerCertificates[0].Subject.CommonName+`"}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"kind":"Status","status":"Failure","reason":"NotFound","message":"nodes \"n2\" not found","code":404}`)
		}
	}))
	c := newClient(t, cfg)
	var node struct {
		Spec struct {
			PodCIDR string `json:"podCIDR"`
		} `json:"spec"`
		Who string `json:"who"`
	}
	if err := c.Get(context.Background(), "/api/v1/nodes/n1", &node); err != nil {
		t.Fatalf("Get: %v", err)
	}
	if node.Spec.PodCIDR != "10.244.1.0/24" || node.Who != "tester" {
		t.Errorf("Get = %+v, want podCIDR 10.244.1.0/24 seen by tester", node)
	}
	err := c.Get(context.Background(), "/api/v1/nodes/n2", &node)
	if !IsNotFound(err) || err.Error() != `GET /api/v1/nodes/n2: 404 NotFound: nodes "n2" not found` {
		t.Errorf("Get(n2) = %v, want the Status as a 404 StatusError", err)
	}
}

func TestServerMustChainToCA(t *testing.T) {
	cfg := newServer(t, http.NotFoundHandler())
	other, err := New(Config{Server: cfg.Server, CA: clientCert(t, "not-a-ca").CertPEM, CertPEM: cfg.CertPEM, KeyPEM: cfg.KeyPEM})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Get(context.Background(), "/", nil); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("Get with a foreign CA = %v, want a certificate error", err)
	}
}

// A client certificate given by file is read on every handshake: a rotated one takes effect.
func TestClientCertificateFileRotates(t *testing.T) {
	cfg := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"cn": r.TLS.PeerCertificates[0].Subject.CommonName})
	}))
	file := filepath.Join(t.TempDir(), "kubelet-client-current.pem")
	write := func(cn string) {
		kp := clientCert(t, cn, "system:nodes")
		if err := os.WriteFile(file, append(kp.CertPEM, kp.KeyPEM...), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("system:node:old")
	c := newClient(t, Config{Server: cfg.Server, CA: cfg.CA, CertFile: file, KeyFile: file})
	for _, cn := range []string{"system:node:old", "system:node:new"} {
		write(cn)
		c.CloseIdleConnections()
		var got map[string]string
		if err := c.Get(context.Background(), "/", &got); err != nil || got["cn"] != cn {
			t.Errorf("Get = %v, %v; want the server to see %s", got, err, cn)
		}
	}
}

func TestRequestTimeout(t *testing.T) {
	release := make(chan struct{})
	cfg := newServer(t, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
			// Never answer a request the client gave up on: a 200 written as the client's
			// deadline passes could race it and make a timed-out call look successful.
			panic(http.ErrAbortHandler)
		}
	}))
	defer close(release)
	c := newClient(t, cfg)
	c.Timeout = 200 * time.Millisecond
	start := time.Now()
	err := c.Get(context.Background(), "/slow", nil)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("Get of a stalled server = %v after %v, want a timeout after 200ms", err, time.Since(start))
	}
}

func TestReplySizeBounded(t *testing.T) {
	cfg := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"items":["`+strings.Repeat("x", 2000)+`"]}`)
	}))
	c := newClient(t, cfg)
	c.MaxBody = 1024
	var out map[string]any
	if err := c.List(context.Background(), "/api/v1/pods", nil, &out); err == nil || !strings.Contains(err.Error(), "reply larger than 1024 bytes") {
		t.Errorf("List of a 2 KB reply with MaxBody 1024 = %v, want a size error", err)
	}
	c.MaxBody = 4096
	if err := c.List(context.Background(), "/api/v1/pods", nil, &out); err != nil {
		t.Errorf("List with MaxBody 4096 = %v", err)
	}
}

func TestUpdateAndCreateSendJSON(t *testing.T) {
	var got []string
	cfg := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, r.Method+" "+r.URL.Path+" "+r.Header.Get("Content-Type")+" "+string(b))
		_, _ = w.Write(b)
	}))
	c := newClient(t, cfg)
	csr := map[string]any{"metadata": map[string]any{"name": "csr-1"}, "status": map[string]any{"conditions": []any{map[string]any{"type": "Approved"}}}}
	var out map[string]any
	if err := c.Update(context.Background(), "/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-1/approval", csr, &out); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if err := c.Create(context.Background(), "/api/v1/nodes", map[string]any{"metadata": map[string]any{"name": "n1"}}, nil); err != nil {
		t.Fatalf("Create: %v", err)
	}
	want := []string{
		`PUT /apis/certificates.k8s.io/v1/certificatesigningrequests/csr-1/approval application/json {"metadata":{"name":"csr-1"},"status":{"conditions":[{"type":"Approved"}]}}`,
		`POST /api/v1/nodes application/json {"metadata":{"name":"n1"}}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if out["metadata"].(map[string]any)["name"] != "csr-1" {
		t.Errorf("Update decoded %v", out)
	}
}
