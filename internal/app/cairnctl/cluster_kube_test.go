package cairnctl

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/pkg/kubeapi"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// TestWaitKubeSaysWhy: a wait that its caller ends names what it waited for and the
// apiserver's own error (here: nothing listens), not only "context deadline exceeded".
func TestWaitKubeSaysWhy(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	ca, err := pki.NewCA(pki.Request{CommonName: "kubernetes"})
	if err != nil {
		t.Fatal(err)
	}
	k, err := kubeapi.New(kubeapi.Config{Server: "https://" + addr, CA: ca.CertPEM})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	var out bytes.Buffer
	err = waitKube(ctx, &out, k, 1, time.Hour, func() error { return nil })
	if err == nil {
		t.Fatal("waitKube returned nil with no apiserver")
	}
	for _, want := range []string{"stopped waiting after", "context deadline exceeded", "waiting for the apiserver to answer", "connection refused"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if !strings.Contains(out.String(), "Kubernetes: waiting for the apiserver to answer") {
		t.Errorf("progress %q does not say what it waits for", out.String())
	}
}

func TestSameWait(t *testing.T) {
	a := `GET /api/v1/nodes: Get "https://127.0.0.1:39155/api/v1/nodes": read tcp 127.0.0.1:52914->127.0.0.1:39155: read: connection reset by peer`
	b := `GET /api/v1/nodes: Get "https://127.0.0.1:39155/api/v1/nodes": read tcp 127.0.0.1:52930->127.0.0.1:39155: read: connection reset by peer`
	if sameWait(a) != sameWait(b) {
		t.Errorf("two attempts' resets differ: %q, %q", sameWait(a), sameWait(b))
	}
	if sameWait(a) == sameWait(`GET /api/v1/nodes: net/http: TLS handshake timeout`) {
		t.Error("a reset and a handshake timeout read as the same wait")
	}
}
