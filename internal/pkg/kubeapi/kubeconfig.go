package kubeapi

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"

	"go.yaml.in/yaml/v3"
)

// Config is how to reach and authenticate to an apiserver: the parts of a kubeconfig's current
// context that Cairn writes.
type Config struct {
	// Server is the apiserver's https URL.
	Server string
	// CA is the PEM of the certificate authorities the server's certificate must chain to;
	// CAFile is a file holding it, read by New, when CA is empty.
	CA     []byte
	CAFile string
	// CertPEM and KeyPEM are the client certificate and key, when given inline.
	CertPEM, KeyPEM []byte
	// CertFile and KeyFile are files holding them (read on every TLS handshake, so a rotated
	// kubelet certificate is picked up); they may name the same file.
	CertFile, KeyFile string
	// Token is a bearer token, when the user has one.
	Token string
}

type kubeconfigFile struct {
	CurrentContext string `yaml:"current-context"`
	Clusters       []struct {
		Name    string `yaml:"name"`
		Cluster struct {
			Server string `yaml:"server"`
			CAData string `yaml:"certificate-authority-data"`
			CAFile string `yaml:"certificate-authority"`
		} `yaml:"cluster"`
	} `yaml:"clusters"`
	Contexts []struct {
		Name    string `yaml:"name"`
		Context struct {
			Cluster string `yaml:"cluster"`
			User    string `yaml:"user"`
		} `yaml:"context"`
	} `yaml:"contexts"`
	Users []struct {
		Name string `yaml:"name"`
		User struct {
			CertData string `yaml:"client-certificate-data"`
			KeyData  string `yaml:"client-key-data"`
			CertFile string `yaml:"client-certificate"`
			KeyFile  string `yaml:"client-key"`
			Token    string `yaml:"token"`
		} `yaml:"user"`
	} `yaml:"users"`
}

// LoadKubeconfig reads and parses the kubeconfig file at path; relative file paths in it are
// relative to its directory, as in client-go.
func LoadKubeconfig(path string) (Config, error) {
	data, err := readSmall(path)
	if err != nil {
		return Config{}, fmt.Errorf("read kubeconfig: %w", err)
	}
	cfg, err := ParseKubeconfig(data, filepath.Dir(path))
	if err != nil {
		return Config{}, fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	return cfg, nil
}

// ParseKubeconfig returns the Config of data's current context (of its only context when
// current-context is empty). Relative file paths are taken relative to dir. It reads no file:
// New reads the files a Config names.
func ParseKubeconfig(data []byte, dir string) (Config, error) {
	var kc kubeconfigFile
	if err := yaml.Unmarshal(data, &kc); err != nil {
		return Config{}, fmt.Errorf("parse kubeconfig: %w", err)
	}
	clusterName, userName, err := kc.context()
	if err != nil {
		return Config{}, err
	}
	var cfg Config
	if err := kc.fillCluster(&cfg, clusterName, dir); err != nil {
		return Config{}, err
	}
	if err := kc.fillUser(&cfg, userName, dir); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func (kc *kubeconfigFile) context() (cluster, user string, err error) {
	if kc.CurrentContext == "" && len(kc.Contexts) == 1 {
		return kc.Contexts[0].Context.Cluster, kc.Contexts[0].Context.User, nil
	}
	for _, c := range kc.Contexts {
		if c.Name == kc.CurrentContext {
			return c.Context.Cluster, c.Context.User, nil
		}
	}
	if kc.CurrentContext == "" {
		return "", "", fmt.Errorf("current-context: empty and %d contexts to choose from", len(kc.Contexts))
	}
	return "", "", fmt.Errorf("current-context: %q names no context", kc.CurrentContext)
}

func (kc *kubeconfigFile) fillCluster(cfg *Config, name, dir string) error {
	for i, c := range kc.Clusters {
		if c.Name != name {
			continue
		}
		u, err := url.Parse(c.Cluster.Server)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return fmt.Errorf("clusters[%d].cluster.server: %q is not an https URL", i, c.Cluster.Server)
		}
		cfg.Server = c.Cluster.Server
		switch {
		case c.Cluster.CAData != "":
			if cfg.CA, err = decodeB64(c.Cluster.CAData); err != nil {
				return fmt.Errorf("clusters[%d].cluster.certificate-authority-data: %w", i, err)
			}
		case c.Cluster.CAFile != "":
			cfg.CAFile = resolve(dir, c.Cluster.CAFile)
		default:
			return fmt.Errorf("clusters[%d].cluster: no certificate-authority-data: the system roots are never trusted for a cluster", i)
		}
		return nil
	}
	return fmt.Errorf("contexts: cluster %q not found in clusters", name)
}

func (kc *kubeconfigFile) fillUser(cfg *Config, name, dir string) error {
	for i, u := range kc.Users {
		if u.Name != name {
			continue
		}
		var err error
		if cfg.CertPEM, err = decodeB64(u.User.CertData); err != nil {
			return fmt.Errorf("users[%d].user.client-certificate-data: %w", i, err)
		}
		if cfg.KeyPEM, err = decodeB64(u.User.KeyData); err != nil {
			return fmt.Errorf("users[%d].user.client-key-data: %w", i, err)
		}
		cfg.CertFile, cfg.KeyFile = resolve(dir, u.User.CertFile), resolve(dir, u.User.KeyFile)
		cfg.Token = u.User.Token
		return cfg.checkUser(i)
	}
	return fmt.Errorf("contexts: user %q not found in users", name)
}

func (cfg *Config) checkUser(i int) error {
	inline := len(cfg.CertPEM) > 0 || len(cfg.KeyPEM) > 0
	files := cfg.CertFile != "" || cfg.KeyFile != ""
	switch {
	case inline && files:
		return fmt.Errorf("users[%d].user: both inline and file client credentials", i)
	case inline && (len(cfg.CertPEM) == 0 || len(cfg.KeyPEM) == 0):
		return fmt.Errorf("users[%d].user: client-certificate-data and client-key-data go together", i)
	case files && (cfg.CertFile == "" || cfg.KeyFile == ""):
		return fmt.Errorf("users[%d].user: client-certificate and client-key go together", i)
	case !inline && !files && cfg.Token == "":
		return fmt.Errorf("users[%d].user: no client certificate and no token", i)
	}
	return nil
}

func decodeB64(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("not base64")
	}
	return b, nil
}

func resolve(dir, p string) string {
	if p == "" || filepath.IsAbs(p) || dir == "" {
		return p
	}
	return filepath.Join(dir, p)
}
