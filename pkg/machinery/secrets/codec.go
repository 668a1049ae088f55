package secrets

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/cairn-os/cairn/pkg/machinery/atomicfile"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// FileMode is the permission of a written bundle: it holds every key of the cluster.
const FileMode fs.FileMode = 0o600

// The YAML form of a bundle. Field names here are the file format.
type (
	wireBundle struct {
		Version                 string      `yaml:"version"`
		Cluster                 wireCluster `yaml:"cluster"`
		Tokens                  wireTokens  `yaml:"tokens"`
		KubernetesEncryptionKey string      `yaml:"kubernetesEncryptionKey"`
		Certs                   wireCerts   `yaml:"certs"`
	}
	wireCluster struct {
		ID     string `yaml:"id"`
		Secret string `yaml:"secret"`
	}
	wireTokens struct {
		Bootstrap string `yaml:"bootstrap"`
		Join      string `yaml:"join"`
	}
	wireCerts struct {
		OS             pki.PEMPair `yaml:"os"`
		Kubernetes     pki.PEMPair `yaml:"kubernetes"`
		Etcd           pki.PEMPair `yaml:"etcd"`
		FrontProxy     pki.PEMPair `yaml:"frontProxy"`
		ServiceAccount wireKey     `yaml:"serviceAccount"`
	}
	wireKey struct {
		Key pki.PEMBytes `yaml:"key"`
	}
)

// Encode returns the bundle as YAML.
func (b *Bundle) Encode() ([]byte, error) {
	pair := func(kp *pki.KeyPair) pki.PEMPair {
		if kp == nil {
			return pki.PEMPair{}
		}
		return kp.PEMPair()
	}
	w := wireBundle{
		Version:                 Version,
		Cluster:                 wireCluster(b.Cluster),
		Tokens:                  wireTokens(b.Tokens),
		KubernetesEncryptionKey: base64.StdEncoding.EncodeToString(b.KubernetesEncryptionKey),
		Certs: wireCerts{
			OS: pair(b.Certs.OS), Kubernetes: pair(b.Certs.Kubernetes),
			Etcd: pair(b.Certs.Etcd), FrontProxy: pair(b.Certs.FrontProxy),
			ServiceAccount: wireKey{Key: b.Certs.ServiceAccountPEM},
		},
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&w); err != nil {
		return nil, fmt.Errorf("encode secrets bundle: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode secrets bundle: %w", err)
	}
	return buf.Bytes(), nil
}

// Decode parses a bundle strictly: unknown fields, more than one YAML document and every
// invalid value are errors. All problems are reported together, each naming its field; an
// error never repeats a secret value.
func Decode(data []byte) (*Bundle, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var w wireBundle
	if err := dec.Decode(&w); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("secrets bundle is empty")
		}
		return nil, fmt.Errorf("decode secrets bundle: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("decode secrets bundle: more than one YAML document")
	}
	return w.bundle()
}

// LoadFile reads and decodes the bundle at path.
func LoadFile(path string) (*Bundle, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// WriteFile encodes the bundle to path with mode 0600. An existing file is replaced only if
// overwrite is set; otherwise the error wraps fs.ErrExist.
func (b *Bundle) WriteFile(path string, overwrite bool) error {
	data, err := b.Encode()
	if err != nil {
		return err
	}
	return atomicfile.Write(path, data, FileMode, overwrite)
}
