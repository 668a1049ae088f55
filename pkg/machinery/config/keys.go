package config

import (
	"fmt"
	"strings"
)

// ControlPlaneKeys lists the paths of the control-plane keys c holds: the certificate
// authorities' keys, the service-account key and the encryption secret. A worker's
// configuration holds none.
func (c *Config) ControlPlaneKeys() []string {
	var out []string
	for _, k := range []struct {
		path string
		set  bool
	}{
		{"machine.ca.key", len(c.Machine.CA.Key) > 0},
		{"cluster.ca.key", len(c.Cluster.CA.Key) > 0},
		{"cluster.aggregatorCA.key", len(c.Cluster.AggregatorCA.Key) > 0},
		{"cluster.serviceAccount.key", len(c.Cluster.ServiceAccount.Key) > 0},
		{"cluster.aescbcEncryptionSecret", c.Cluster.AESCBCEncryptionSecret != ""},
		{"cluster.etcd.ca.key", len(c.Cluster.Etcd.CA.Key) > 0},
	} {
		if k.set {
			out = append(out, k.path)
		}
	}
	return out
}

// NeedsControlPlane reports whether configuration data may be sent only to a control-plane
// node, and why: it holds control-plane keys, or it cannot be decoded (so it may hold some).
func NeedsControlPlane(data []byte) (string, bool) {
	c, err := Decode(data)
	if err != nil {
		return "it cannot be decoded, so it may hold control-plane keys", true
	}
	if keys := c.ControlPlaneKeys(); len(keys) > 0 {
		return fmt.Sprintf("it holds control-plane keys (%s)", strings.Join(keys, ", ")), true
	}
	return "", false
}
