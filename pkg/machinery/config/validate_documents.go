package config

import (
	"bytes"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

func (d *TrustedRootsConfig) validate(v *validator, prefix string, _ Mode) {
	switch {
	case d.Name == "":
		v.add(prefix+".name", d.Name, "is required")
	case len(d.Name) > 63 || !dnsLabelRE.MatchString(d.Name):
		v.add(prefix+".name", d.Name, "is not a valid DNS label")
	}
	if d.Certificates == "" {
		v.add(prefix+".certificates", "", "is required")
		return
	}
	if err := checkPEMCertificates([]byte(d.Certificates)); err != nil {
		v.add(prefix+".certificates", d.Certificates, err.Error())
	}
}

// checkPEMCertificates checks that data is one or more PEM certificates and nothing else.
func checkPEMCertificates(data []byte) error {
	rest := data
	for n := 0; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			if n == 0 || len(bytes.TrimSpace(rest)) > 0 {
				return errors.New("must be PEM certificates and nothing else")
			}
			return nil
		}
		if _, err := pki.ParseCertificate(pem.EncodeToMemory(block)); err != nil {
			return fmt.Errorf("certificate %d: %w", n+1, err)
		}
	}
}
