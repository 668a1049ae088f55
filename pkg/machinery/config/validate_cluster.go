package config

import (
	"encoding/base64"
	"fmt"

	"github.com/cairn-os/cairn/pkg/machinery/secrets"
)

func validateCluster(v *validator, c *ClusterConfig, machineType string) {
	requireLong(v, "cluster.id", c.ID)
	validateClusterSecret(v, c.Secret)
	switch {
	case c.Name == "":
		v.add("cluster.name", c.Name, "is required")
	case len(c.Name) > 63 || !dnsLabelRE.MatchString(c.Name):
		v.add("cluster.name", c.Name, "is not a valid DNS label")
	}
	if c.KubernetesVersion != "" && !versionRE.MatchString(c.KubernetesVersion) {
		v.add("cluster.kubernetesVersion", c.KubernetesVersion, "must be vMAJOR.MINOR.PATCH")
	}
	switch ep := c.ControlPlane.Endpoint; {
	case ep == "":
		v.add("cluster.controlPlane.endpoint", ep, "is required")
	case !isEndpointURL(ep, "https"):
		v.add("cluster.controlPlane.endpoint", ep, "must be https://host:port")
	}
	validateFeatureGates(v, c.FeatureGates)
	validateClusterNetwork(v, &c.Network)
	validateCA(v, "cluster.ca", c.CA, machineType)
	validateControlPlaneCA(v, "cluster.aggregatorCA", c.AggregatorCA, machineType)
	validateServiceAccount(v, c.ServiceAccount, machineType)
	switch {
	case c.Token == "":
		v.add("cluster.token", c.Token, "is required")
	case secrets.ValidateToken(c.Token) != nil:
		v.addSecret("cluster.token", c.Token, "must match [a-z0-9]{6}.[a-z0-9]{16}")
	}
	validateEncryptionSecret(v, c.AESCBCEncryptionSecret, machineType)
	validateControlPlaneCA(v, "cluster.etcd.ca", c.Etcd.CA, machineType)
	validateArgs(v, "cluster.etcd.extraArgs", c.Etcd.ExtraArgs, managedEtcdArgs)
	validateHosts(v, "cluster.apiServer.certSANs", c.APIServer.CertSANs)
	validateArgs(v, "cluster.apiServer.extraArgs", c.APIServer.ExtraArgs, managedAPIServerArgs)
	validateArgs(v, "cluster.controllerManager.extraArgs", c.ControllerManager.ExtraArgs, managedControllerManagerArgs)
	validateArgs(v, "cluster.scheduler.extraArgs", c.Scheduler.ExtraArgs, managedSchedulerArgs)
}

// validateClusterSecret checks that the cluster secret is the base64 encoding of at least
// minSecretBytes random bytes, as `cairnctl gen secrets` makes, without showing it.
func validateClusterSecret(v *validator, s string) {
	const path = "cluster.secret"
	if s == "" {
		v.add(path, s, "is required")
		return
	}
	b, err := base64.StdEncoding.DecodeString(s)
	switch {
	case err != nil:
		v.addSecret(path, s, "is not valid base64")
	case len(b) < minSecretBytes:
		v.addSecret(path, s, fmt.Sprintf("must encode at least %d bytes, not %d", minSecretBytes, len(b)))
	}
}

func validateEncryptionSecret(v *validator, s, machineType string) {
	const path = "cluster.aescbcEncryptionSecret"
	switch {
	case machineType == TypeWorker && s != "":
		v.addSecret(path, s, "must be empty on a worker")
	case machineType == TypeControlPlane && s == "":
		v.add(path, s, "is required on a controlplane")
	case s != "":
		if b, err := base64.StdEncoding.DecodeString(s); err != nil || len(b) != 32 {
			v.addSecret(path, s, "must be the base64 encoding of 32 bytes")
		}
	}
}
