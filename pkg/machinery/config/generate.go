package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/constants"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/secrets"
)

// GenerateInput is what Generate builds the configurations of a new cluster from.
type GenerateInput struct {
	// ClusterName is the cluster's name and the cairnconfig context name.
	ClusterName string
	// Endpoint is the Kubernetes API URL, https://host:port.
	Endpoint string
	// Secrets are the cluster's secrets.
	Secrets *secrets.Bundle
	// KubernetesVersion defaults to constants.DefaultKubernetesVersion.
	KubernetesVersion string
	// InstallDisk is machine.install.disk of both configurations; empty leaves it unset
	// (enough for container mode).
	InstallDisk string
	// TrustedImageKeys are machine.upgrade.trustedKeys of both configurations: PEM public keys.
	TrustedImageKeys []pki.PEMBytes
	// Now is the issuing time of the client certificate; zero means time.Now().
	Now time.Time
}

// Generate returns the control-plane and worker configurations of a new cluster. The worker
// configuration carries only what a worker needs: no CA key and no control-plane secret.
// Both are validated (in metal mode when InstallDisk is set, else in container mode).
func Generate(in GenerateInput) (controlplane, worker *Config, err error) {
	b := in.Secrets
	if b == nil || b.Certs.OS == nil || b.Certs.Kubernetes == nil || b.Certs.Etcd == nil || b.Certs.FrontProxy == nil {
		return nil, nil, errors.New("generate config: the secrets bundle is incomplete")
	}
	worker = workerConfig(in)
	controlplane = controlPlaneConfig(worker, b)
	mode := ModeContainer
	if in.InstallDisk != "" {
		mode = ModeMetal
	}
	for _, c := range []*Config{controlplane, worker} {
		if err := c.Validate(mode); err != nil {
			return nil, nil, fmt.Errorf("generated %s config is invalid:\n%w", c.Machine.Type, err)
		}
	}
	return controlplane, worker, nil
}

// workerConfig is what every node gets: certificates, tokens and the cluster's identity. The
// cluster network is written out, not left to defaults, because it must never change under
// a running cluster.
func workerConfig(in GenerateInput) *Config {
	b := in.Secrets
	version := in.KubernetesVersion
	if version == "" {
		version = constants.DefaultKubernetesVersion
	}
	c := New()
	c.Machine = MachineConfig{
		Type:    TypeWorker,
		Token:   b.Tokens.Join,
		CA:      pki.PEMPair{Crt: b.Certs.OS.CertPEM},
		Install: InstallConfig{Disk: in.InstallDisk},
		Upgrade: UpgradeConfig{TrustedKeys: in.TrustedImageKeys},
	}
	c.Cluster = ClusterConfig{
		ID: b.Cluster.ID, Secret: b.Cluster.Secret, Name: in.ClusterName,
		KubernetesVersion: version,
		ControlPlane:      ControlPlaneConfig{Endpoint: in.Endpoint},
		Network: ClusterNetworkConfig{
			PodSubnets: []string{DefaultPodSubnet}, ServiceSubnets: []string{DefaultServiceSubnet},
			DNSDomain: DefaultDNSDomain, CNI: CNIConfig{Name: DefaultCNI},
		},
		CA:    pki.PEMPair{Crt: b.Certs.Kubernetes.CertPEM},
		Token: b.Tokens.Bootstrap,
	}
	return c
}

// controlPlaneConfig adds the CA keys and control-plane secrets to a worker configuration.
func controlPlaneConfig(worker *Config, b *secrets.Bundle) *Config {
	c := worker.Clone()
	c.Machine.Type = TypeControlPlane
	c.Machine.CA.Key = b.Certs.OS.KeyPEM
	cl := &c.Cluster
	cl.CA.Key = b.Certs.Kubernetes.KeyPEM
	cl.AggregatorCA = b.Certs.FrontProxy.PEMPair()
	cl.ServiceAccount = pki.PEMPair{Key: b.Certs.ServiceAccountPEM}
	cl.AESCBCEncryptionSecret = base64.StdEncoding.EncodeToString(b.KubernetesEncryptionKey)
	cl.Etcd.CA = b.Certs.Etcd.PEMPair()
	return c
}
