// Package kubecluster holds what machined does to a running Kubernetes cluster through its API
// (the node-side services live elsewhere): the objects kubeadm's bootstrap phase creates,
// approval of kubelet serving certificates, and the pod routes between nodes. Its functions
// take a kubeapi.Client and know nothing of machined.
package kubecluster

import (
	"bytes"
	"context"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"text/template"

	"github.com/cairn-os/cairn/internal/pkg/kubeapi"
)

//go:embed templates/*.yaml
var templateFS embed.FS

// templates are rendered in this order: RBAC first, then the token, then cluster DNS.
var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"quote": func(s string) (string, error) { b, err := json.Marshal(s); return string(b), err },
	"b64":   func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) },
	"join":  strings.Join,
}).Option("missingkey=error").ParseFS(templateFS, "templates/*.yaml"))

var templateOrder = []string{"rbac.yaml", "token.yaml", "coredns.yaml"}

// BootstrapManifests renders the cluster-wide objects a new cluster needs (RBAC for
// administrators, TLS bootstrap and kube-proxy; the bootstrap token; CoreDNS), one manifest
// per template. The error names every bad field of in.
func BootstrapManifests(in ManifestInput) ([][]byte, error) {
	v, err := in.values()
	if err != nil {
		return nil, err
	}
	out := make([][]byte, 0, len(templateOrder))
	for _, name := range templateOrder {
		var buf bytes.Buffer
		if err := templates.ExecuteTemplate(&buf, name, v); err != nil {
			return nil, fmt.Errorf("render %s: %w", name, err)
		}
		out = append(out, buf.Bytes())
	}
	return out, nil
}

// ApplyBootstrap renders the bootstrap manifests and server-side applies them; applying again
// changes nothing. Errors name the object, never its content (the token is a secret).
func ApplyBootstrap(ctx context.Context, c *kubeapi.Client, in ManifestInput) error {
	ms, err := BootstrapManifests(in)
	if err != nil {
		return err
	}
	if err := c.Apply(ctx, ms...); err != nil {
		return fmt.Errorf("apply bootstrap manifests: %w", err)
	}
	return nil
}
