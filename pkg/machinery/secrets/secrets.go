// Package secrets holds a Cairn cluster's secrets bundle: its certificate authorities, the
// Kubernetes service-account key, tokens, and the cluster's identity. `cairnctl gen secrets`
// writes one; machine configurations are generated from it.
//
// The bundle is YAML; certificates and keys are base64-encoded PEM ({crt: ..., key: ...}), as in
// the machine configuration, so that values can be copied between the two.
package secrets

import (
	"crypto/ecdsa"
	"fmt"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// Version is the format version of the bundle.
const Version = "v1alpha1"

// Bundle is a cluster's secrets.
type Bundle struct {
	Cluster Cluster
	Tokens  Tokens
	// KubernetesEncryptionKey is the 32-byte AES key with which kube-apiserver encrypts
	// Secrets at rest (aescbc provider).
	KubernetesEncryptionKey []byte
	Certs                   Certs
}

// Cluster is the cluster's identity.
type Cluster struct {
	// ID is a random, public identifier of the cluster (base64url, 32 bytes).
	ID string
	// Secret is a random shared secret of the cluster's nodes (base64, 32 bytes).
	Secret string
}

// Tokens are the cluster's bearer tokens, each of the form [a-z0-9]{6}.[a-z0-9]{16}.
type Tokens struct {
	// Bootstrap is the Kubernetes bootstrap token with which kubelets first join.
	Bootstrap string
	// Join is the token with which a node asks trustd for its certificates.
	Join string
}

// Certs are the cluster's certificate authorities and keys.
type Certs struct {
	// OS is the CA of the Cairn API: node server certificates and client certificates.
	OS *pki.KeyPair
	// Kubernetes is the Kubernetes cluster CA.
	Kubernetes *pki.KeyPair
	// Etcd is the etcd CA.
	Etcd *pki.KeyPair
	// FrontProxy is the CA of the API aggregation layer.
	FrontProxy *pki.KeyPair
	// ServiceAccount is the key that signs Kubernetes service-account tokens.
	ServiceAccount *ecdsa.PrivateKey
	// ServiceAccountPEM is ServiceAccount as an "EC PRIVATE KEY" PEM block.
	ServiceAccountPEM []byte
}

// Options tune New. The zero value is what `cairnctl gen secrets` uses.
type Options struct {
	// Now is the issuing time of the CAs; zero means time.Now().
	Now time.Time
	// CATTL is the lifetime of the CAs; zero means pki.DefaultCATTL.
	CATTL time.Duration
}

// New generates a fresh bundle. All randomness comes from crypto/rand.
func New(opts Options) (*Bundle, error) {
	b := &Bundle{}
	var err error
	if b.Cluster.ID, err = randomBase64URL(32); err != nil {
		return nil, err
	}
	if b.Cluster.Secret, err = randomBase64(32); err != nil {
		return nil, err
	}
	if b.Tokens.Bootstrap, err = NewToken(); err != nil {
		return nil, err
	}
	if b.Tokens.Join, err = NewToken(); err != nil {
		return nil, err
	}
	if b.KubernetesEncryptionKey, err = randomBytes(32); err != nil {
		return nil, err
	}
	if err := b.Certs.generate(opts); err != nil {
		return nil, err
	}
	return b, nil
}

// caNames are the common names of the bundle's CAs.
var caNames = struct{ os, kubernetes, etcd, frontProxy string }{
	os: "cairn-os", kubernetes: "kubernetes", etcd: "etcd-ca", frontProxy: "front-proxy-ca",
}

// generate fills c with new CAs and a new service-account key.
func (c *Certs) generate(opts Options) error {
	for _, ca := range []struct {
		dst  **pki.KeyPair
		name string
	}{
		{&c.OS, caNames.os}, {&c.Kubernetes, caNames.kubernetes},
		{&c.Etcd, caNames.etcd}, {&c.FrontProxy, caNames.frontProxy},
	} {
		kp, err := pki.NewCA(pki.Request{CommonName: ca.name, Now: opts.Now, TTL: opts.CATTL})
		if err != nil {
			return fmt.Errorf("generate %s CA: %w", ca.name, err)
		}
		*ca.dst = kp
	}
	key, err := pki.GenerateKey()
	if err != nil {
		return fmt.Errorf("generate service-account key: %w", err)
	}
	c.ServiceAccount, c.ServiceAccountPEM = key, pki.EncodePrivateKey(key)
	return nil
}
