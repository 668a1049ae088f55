package kubepki

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// ClusterName is the cluster's name in kubeconfigs, kubeadm's default.
const ClusterName = "kubernetes"

// BootstrapUser is the user name of the bootstrap kubeconfig, as kubeadm names it.
const BootstrapUser = "tls-bootstrap-token-user"

// Kubeconfig is the subset of client-go's clientcmd/api/v1 Config that Cairn writes, with the
// same YAML field names, so kubectl and the components read it. Byte fields are base64 (PEMBytes).
type Kubeconfig struct {
	APIVersion     string         `yaml:"apiVersion"`
	Kind           string         `yaml:"kind"`
	Clusters       []NamedCluster `yaml:"clusters"`
	Contexts       []NamedContext `yaml:"contexts"`
	CurrentContext string         `yaml:"current-context"`
	Users          []NamedUser    `yaml:"users"`
}

// NamedCluster is a cluster entry.
type NamedCluster struct {
	Name    string  `yaml:"name"`
	Cluster Cluster `yaml:"cluster"`
}

// Cluster is how to reach and trust an apiserver.
type Cluster struct {
	Server                   string       `yaml:"server"`
	CertificateAuthorityData pki.PEMBytes `yaml:"certificate-authority-data"`
}

// NamedContext is a context entry.
type NamedContext struct {
	Name    string  `yaml:"name"`
	Context Context `yaml:"context"`
}

// Context pairs a cluster and a user.
type Context struct {
	Cluster string `yaml:"cluster"`
	User    string `yaml:"user"`
}

// NamedUser is a user entry.
type NamedUser struct {
	Name string `yaml:"name"`
	User User   `yaml:"user"`
}

// User is a client certificate and key, or a bearer token.
type User struct {
	ClientCertificateData pki.PEMBytes `yaml:"client-certificate-data,omitempty"`
	ClientKeyData         pki.PEMBytes `yaml:"client-key-data,omitempty"`
	Token                 string       `yaml:"token,omitempty"`
}

// encodeKubeconfig returns a kubeconfig with one cluster, user and context (user@kubernetes).
func encodeKubeconfig(caPEM []byte, server, user string, u User) ([]byte, error) {
	return encodeNamedKubeconfig(caPEM, server, kubeconfigNames{cluster: ClusterName, user: user, context: user + "@" + ClusterName}, u)
}

// kubeconfigNames are the names of a kubeconfig's one cluster, user and context.
type kubeconfigNames struct{ cluster, user, context string }

// encodeNamedKubeconfig returns a kubeconfig with one cluster, user and context, named n.
func encodeNamedKubeconfig(caPEM []byte, server string, n kubeconfigNames, u User) ([]byte, error) {
	kc := Kubeconfig{
		APIVersion: "v1", Kind: "Config",
		Clusters:       []NamedCluster{{Name: n.cluster, Cluster: Cluster{Server: server, CertificateAuthorityData: caPEM}}},
		Contexts:       []NamedContext{{Name: n.context, Context: Context{Cluster: n.cluster, User: n.user}}},
		CurrentContext: n.context,
		Users:          []NamedUser{{Name: n.user, User: u}},
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&kc); err != nil {
		return nil, fmt.Errorf("encode kubeconfig for %q: %w", n.user, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode kubeconfig for %q: %w", n.user, err)
	}
	return buf.Bytes(), nil
}
