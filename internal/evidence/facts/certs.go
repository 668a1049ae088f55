package facts

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
)

// CertificatesFromPEM describes the certificates among PEM data read from source: every
// CERTIFICATE block, in order; other blocks (private keys above all) are skipped unread.
// A block that does not parse is left out.
func CertificatesFromPEM(source string, data []byte) []Certificate {
	var out []Certificate
	for i := 0; len(out) < maxCerts; {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			continue
		}
		out = append(out, describe(source, i, c))
		i++
	}
	return out
}

func describe(source string, i int, c *x509.Certificate) Certificate {
	sum := sha256.Sum256(c.Raw)
	d := Certificate{
		Path: source, Index: i, Subject: c.Subject.String(), Issuer: c.Issuer.String(),
		Serial: c.SerialNumber.Text(16), NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(),
		IsCA: c.IsCA, DNSNames: c.DNSNames, KeyAlgorithm: c.PublicKeyAlgorithm.String(),
		Signature: c.SignatureAlgorithm.String(), SHA256: hex.EncodeToString(sum[:]),
	}
	for _, ip := range c.IPAddresses {
		d.IPAddresses = append(d.IPAddresses, ip.String())
	}
	return d
}

// certFile says whether a file's name marks it as holding certificates.
func certFile(name string) bool {
	return strings.HasSuffix(name, ".crt") || strings.HasSuffix(name, ".pem") || strings.HasSuffix(name, ".cert")
}

func collectCerts(ctx context.Context, root string, dirs []string) Fact[[]Certificate] {
	out := []Certificate{}
	files := 0
	full := false
	for _, dir := range dirs {
		top := hostPath(root, dir)
		_ = filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
			if err != nil || ctx.Err() != nil {
				return nil
			}
			if d.IsDir() || !d.Type().IsRegular() || !certFile(d.Name()) {
				return nil
			}
			if files >= maxCertFiles || len(out) >= maxCerts {
				full = true
				return filepath.SkipAll
			}
			files++
			b, _, err := readCapped(p, maxCertFile)
			if err != nil {
				return nil
			}
			rel, _ := filepath.Rel(top, p)
			out = append(out, CertificatesFromPEM(path.Join(dir, filepath.ToSlash(rel)), b)...)
			return nil
		})
	}
	f := known(out)
	f.Truncated = full
	return f
}
