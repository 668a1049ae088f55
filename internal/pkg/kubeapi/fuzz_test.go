package kubeapi

import (
	"strings"
	"testing"
)

func FuzzParseKubeconfig(f *testing.F) {
	f.Add(kubeconfigYAML("https://10.0.0.1:6443", []byte("CA"), []byte("C"), []byte("K")))
	f.Add("current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\nclusters: [{name: c, cluster: {server: 'https://h', certificate-authority: ca.crt}}]\nusers: [{name: u, user: {token: t}}]\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, data string) {
		cfg, err := ParseKubeconfig([]byte(data), "/nonexistent")
		if err != nil {
			return
		}
		if !strings.HasPrefix(cfg.Server, "https://") || len(cfg.CA) == 0 && cfg.CAFile == "" {
			t.Errorf("ParseKubeconfig accepted %q with server %q and %d CA bytes", data, cfg.Server, len(cfg.CA))
		}
		if (len(cfg.CertPEM) > 0) != (len(cfg.KeyPEM) > 0) || (cfg.CertFile != "") != (cfg.KeyFile != "") {
			t.Errorf("ParseKubeconfig accepted half a credential: %+v", cfg)
		}
	})
}

func FuzzDecodeEvents(f *testing.F) {
	f.Add(`{"type":"ADDED","object":{"metadata":{"name":"a"}}}{"type":"DELETED","object":{}}`)
	f.Add(`{"type":"ERROR","object":{"code":410}}`)
	f.Add(`{"type":"ADDED","object":null}`)
	f.Fuzz(func(t *testing.T, stream string) {
		_ = DecodeEvents(strings.NewReader(stream), func(ev Event) error {
			switch ev.Type {
			case Added, Modified, Deleted, Bookmark:
			default:
				t.Errorf("DecodeEvents passed on an event of type %q", ev.Type)
			}
			if len(ev.Object) == 0 || ev.Object[0] != '{' {
				t.Errorf("DecodeEvents passed on object %q", ev.Object)
			}
			return nil
		})
	})
}

func FuzzDecodeManifest(f *testing.F) {
	f.Add("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\n{\"apiVersion\":\"v1\",\"kind\":\"X\",\"metadata\":{\"name\":\"b\"}}")
	f.Fuzz(func(t *testing.T, data string) {
		objs, err := DecodeManifest([]byte(data))
		if err != nil {
			return
		}
		for _, o := range objs {
			if o.APIVersion == "" || o.Kind == "" || o.Name == "" || len(o.JSON) == 0 {
				t.Errorf("DecodeManifest(%q) returned incomplete %+v", data, o)
			}
		}
	})
}
