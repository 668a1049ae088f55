package config

import (
	"crypto/ecdsa"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// validateCA checks a CA every node carries: the certificate always, the key on control-plane
// nodes only.
func validateCA(v *validator, path string, p pki.PEMPair, machineType string) {
	if len(p.Crt) == 0 {
		v.add(path+".crt", "", "is required")
	}
	switch {
	case machineType == TypeWorker && len(p.Key) > 0:
		v.addSecret(path+".key", string(p.Key), "must be empty on a worker")
	case machineType == TypeControlPlane && len(p.Key) == 0:
		v.add(path+".key", "", "is required on a controlplane")
	}
	validatePair(v, path, p)
}

// validateControlPlaneCA checks a CA only control-plane nodes carry.
func validateControlPlaneCA(v *validator, path string, p pki.PEMPair, machineType string) {
	switch machineType {
	case TypeWorker:
		if len(p.Crt) > 0 {
			v.add(path+".crt", string(p.Crt), "must be empty on a worker")
		}
		if len(p.Key) > 0 {
			v.addSecret(path+".key", string(p.Key), "must be empty on a worker")
		}
		return
	case TypeControlPlane:
		if len(p.Crt) == 0 {
			v.add(path+".crt", "", "is required on a controlplane")
		}
		if len(p.Key) == 0 {
			v.add(path+".key", "", "is required on a controlplane")
		}
	}
	validatePair(v, path, p)
}

func validateServiceAccount(v *validator, p pki.PEMPair, machineType string) {
	const path = "cluster.serviceAccount"
	if len(p.Crt) > 0 {
		v.add(path+".crt", string(p.Crt), "must be empty: the service-account key has no certificate")
	}
	switch {
	case machineType == TypeWorker && len(p.Key) > 0:
		v.addSecret(path+".key", string(p.Key), "must be empty on a worker")
	case machineType == TypeControlPlane && len(p.Key) == 0:
		v.add(path+".key", "", "is required on a controlplane")
	case len(p.Key) > 0:
		if _, err := pki.ParsePrivateKey(p.Key); err != nil {
			v.addSecret(path+".key", string(p.Key), "is not a PEM ECDSA P-256 private key: "+err.Error())
		}
	}
}

// validatePair parses whatever of crt and key is set and checks that they belong together.
func validatePair(v *validator, path string, p pki.PEMPair) {
	var pub *ecdsa.PublicKey
	if len(p.Crt) > 0 {
		cert, err := pki.ParseCertificate(p.Crt)
		if err != nil {
			v.add(path+".crt", string(p.Crt), "is not a PEM certificate: "+err.Error())
		} else if k, ok := cert.PublicKey.(*ecdsa.PublicKey); ok {
			pub = k
		}
	}
	if len(p.Key) == 0 {
		return
	}
	key, err := pki.ParsePrivateKey(p.Key)
	switch {
	case err != nil:
		v.addSecret(path+".key", string(p.Key), "is not a PEM ECDSA P-256 private key: "+err.Error())
	case len(p.Crt) > 0 && (pub == nil || !pub.Equal(key.Public())):
		v.addSecret(path+".key", string(p.Key), "does not match the certificate in crt")
	}
}
