package facts

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"
)

// Kubernetes holds the settings of the Kubernetes components' configuration files: each is
// nil when the component does not use that file (or does not run).
type Kubernetes struct {
	Kubelet        Fact[*KubeletConfig]        `json:"kubelet"`
	Proxy          Fact[*ProxyConfig]          `json:"proxy"`
	Encryption     Fact[*EncryptionConfig]     `json:"encryption"`
	Authentication Fact[*AuthenticationConfig] `json:"authentication"`
	AuditPolicy    Fact[*AuditPolicy]          `json:"auditPolicy"`
}

// Switch is a boolean setting a file may leave out (nil).
type Switch struct {
	Enabled *bool `json:"enabled,omitempty" yaml:"enabled"`
}

// KubeletConfig is the part of a KubeletConfiguration (kubelet --config) the checks read.
type KubeletConfig struct {
	Path           string `json:"path" yaml:"-"`
	Authentication struct {
		Anonymous Switch `json:"anonymous" yaml:"anonymous"`
		Webhook   Switch `json:"webhook" yaml:"webhook"`
		X509      struct {
			ClientCAFile string `json:"clientCAFile,omitempty" yaml:"clientCAFile"`
		} `json:"x509" yaml:"x509"`
	} `json:"authentication" yaml:"authentication"`
	Authorization struct {
		Mode string `json:"mode,omitempty" yaml:"mode"`
	} `json:"authorization" yaml:"authorization"`
	ReadOnlyPort                   *int32          `json:"readOnlyPort,omitempty" yaml:"readOnlyPort"`
	StreamingConnectionIdleTimeout *string         `json:"streamingConnectionIdleTimeout,omitempty" yaml:"streamingConnectionIdleTimeout"`
	MakeIPTablesUtilChains         *bool           `json:"makeIPTablesUtilChains,omitempty" yaml:"makeIPTablesUtilChains"`
	EventRecordQPS                 *int32          `json:"eventRecordQPS,omitempty" yaml:"eventRecordQPS"`
	TLSCertFile                    string          `json:"tlsCertFile,omitempty" yaml:"tlsCertFile"`
	TLSPrivateKeyFile              string          `json:"tlsPrivateKeyFile,omitempty" yaml:"tlsPrivateKeyFile"`
	TLSCipherSuites                []string        `json:"tlsCipherSuites,omitempty" yaml:"tlsCipherSuites"`
	TLSMinVersion                  string          `json:"tlsMinVersion,omitempty" yaml:"tlsMinVersion"`
	RotateCertificates             *bool           `json:"rotateCertificates,omitempty" yaml:"rotateCertificates"`
	ServerTLSBootstrap             *bool           `json:"serverTLSBootstrap,omitempty" yaml:"serverTLSBootstrap"`
	FeatureGates                   map[string]bool `json:"featureGates,omitempty" yaml:"featureGates"`
	PodPidsLimit                   *int64          `json:"podPidsLimit,omitempty" yaml:"podPidsLimit"`
	SeccompDefault                 *bool           `json:"seccompDefault,omitempty" yaml:"seccompDefault"`
	ProtectKernelDefaults          *bool           `json:"protectKernelDefaults,omitempty" yaml:"protectKernelDefaults"`
	StaticPodPath                  string          `json:"staticPodPath,omitempty" yaml:"staticPodPath"`
	HealthzBindAddress             string          `json:"healthzBindAddress,omitempty" yaml:"healthzBindAddress"`
}

// ProxyConfig is the part of a KubeProxyConfiguration (kube-proxy --config) the checks read.
type ProxyConfig struct {
	Path               string `json:"path" yaml:"-"`
	Mode               string `json:"mode,omitempty" yaml:"mode"`
	BindAddress        string `json:"bindAddress,omitempty" yaml:"bindAddress"`
	MetricsBindAddress string `json:"metricsBindAddress,omitempty" yaml:"metricsBindAddress"`
	HealthzBindAddress string `json:"healthzBindAddress,omitempty" yaml:"healthzBindAddress"`
	HostnameOverride   string `json:"hostnameOverride,omitempty" yaml:"hostnameOverride"`
	ClientConnection   struct {
		Kubeconfig string `json:"kubeconfig,omitempty" yaml:"kubeconfig"`
	} `json:"clientConnection" yaml:"clientConnection"`
}

// EncryptionConfig is an EncryptionConfiguration (kube-apiserver
// --encryption-provider-config) reduced to which providers protect which resources: the
// keys it holds are never read into it.
type EncryptionConfig struct {
	Path      string               `json:"path"`
	Resources []EncryptedResources `json:"resources"`
}

// EncryptedResources are resources and their providers in order (the first writes).
type EncryptedResources struct {
	Resources []string `json:"resources"`
	Providers []string `json:"providers"`
}

// AuthenticationConfig is the part of an AuthenticationConfiguration (kube-apiserver
// --authentication-config) the checks read.
type AuthenticationConfig struct {
	Path      string `json:"path" yaml:"-"`
	Anonymous *struct {
		Enabled    bool `json:"enabled" yaml:"enabled"`
		Conditions []struct {
			Path string `json:"path" yaml:"path"`
		} `json:"conditions,omitempty" yaml:"conditions"`
	} `json:"anonymous,omitempty" yaml:"anonymous"`
}

// AuditPolicy is an audit Policy (kube-apiserver --audit-policy-file).
type AuditPolicy struct {
	Path       string      `json:"path" yaml:"-"`
	Kind       string      `json:"kind" yaml:"kind"`
	OmitStages []string    `json:"omitStages,omitempty" yaml:"omitStages"`
	Rules      []AuditRule `json:"rules" yaml:"rules"`
}

// AuditRule is one rule of an audit policy; the first rule that matches a request sets its
// level.
type AuditRule struct {
	Level           string               `json:"level" yaml:"level"`
	Users           []string             `json:"users,omitempty" yaml:"users"`
	UserGroups      []string             `json:"userGroups,omitempty" yaml:"userGroups"`
	Verbs           []string             `json:"verbs,omitempty" yaml:"verbs"`
	Resources       []AuditGroupResource `json:"resources,omitempty" yaml:"resources"`
	Namespaces      []string             `json:"namespaces,omitempty" yaml:"namespaces"`
	NonResourceURLs []string             `json:"nonResourceURLs,omitempty" yaml:"nonResourceURLs"`
}

// AuditGroupResource selects resources of one API group ("" is the core group).
type AuditGroupResource struct {
	Group         string   `json:"group" yaml:"group"`
	Resources     []string `json:"resources,omitempty" yaml:"resources"`
	ResourceNames []string `json:"resourceNames,omitempty" yaml:"resourceNames"`
}

// maxConfigRules bounds the lists a configuration file may hold before it is refused.
const maxConfigRules = 4096

// ParseKubeletConfig reads a KubeletConfiguration (YAML or JSON).
func ParseKubeletConfig(path string, data []byte) (*KubeletConfig, error) {
	c := &KubeletConfig{}
	if err := decode(path, data, "KubeletConfiguration", c); err != nil {
		return nil, err
	}
	c.Path = path
	return c, nil
}

// ParseProxyConfig reads a KubeProxyConfiguration.
func ParseProxyConfig(path string, data []byte) (*ProxyConfig, error) {
	c := &ProxyConfig{}
	if err := decode(path, data, "KubeProxyConfiguration", c); err != nil {
		return nil, err
	}
	c.Path = path
	return c, nil
}

// ParseAuthenticationConfig reads an AuthenticationConfiguration.
func ParseAuthenticationConfig(path string, data []byte) (*AuthenticationConfig, error) {
	c := &AuthenticationConfig{}
	if err := decode(path, data, "AuthenticationConfiguration", c); err != nil {
		return nil, err
	}
	c.Path = path
	return c, nil
}

// ParseAuditPolicy reads an audit Policy.
func ParseAuditPolicy(path string, data []byte) (*AuditPolicy, error) {
	c := &AuditPolicy{}
	if err := decode(path, data, "Policy", c); err != nil {
		return nil, err
	}
	if len(c.Rules) > maxConfigRules {
		return nil, fmt.Errorf("%s: rules: %d rules, more than %d", path, len(c.Rules), maxConfigRules)
	}
	c.Path = path
	return c, nil
}

// ParseEncryptionConfig reads an EncryptionConfiguration, keeping only provider names: each
// provider's settings (its keys) are skipped unread.
func ParseEncryptionConfig(path string, data []byte) (*EncryptionConfig, error) {
	var raw struct {
		Kind      string `yaml:"kind"`
		Resources []struct {
			Resources []string              `yaml:"resources"`
			Providers []map[string]struct{} `yaml:"providers"`
		} `yaml:"resources"`
	}
	if err := decode(path, data, "EncryptionConfiguration", &raw); err != nil {
		return nil, err
	}
	if len(raw.Resources) > maxConfigRules {
		return nil, fmt.Errorf("%s: resources: %d entries, more than %d", path, len(raw.Resources), maxConfigRules)
	}
	c := &EncryptionConfig{Path: path, Resources: []EncryptedResources{}}
	entries := 0
	for _, r := range raw.Resources {
		if entries += len(r.Resources) + len(r.Providers); entries > maxConfigRules {
			return nil, fmt.Errorf("%s: resources: more than %d resources and providers", path, maxConfigRules)
		}
		e := EncryptedResources{Resources: r.Resources}
		for _, p := range r.Providers {
			for name := range p {
				e.Providers = append(e.Providers, name)
			}
			// A provider entry names one provider; a malformed one naming several is kept in a
			// stable order.
			slices.Sort(e.Providers[len(e.Providers)-len(p):])
		}
		c.Resources = append(c.Resources, e)
	}
	return c, nil
}

// decode unmarshals a component configuration into v, checking its kind when it names one.
func decode(path string, data []byte, kind string, v any) error {
	if err := yaml.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var head struct {
		Kind string `yaml:"kind"`
	}
	_ = yaml.Unmarshal(data, &head) // it decoded once already
	if head.Kind != "" && head.Kind != kind {
		return fmt.Errorf("%s: kind %q, want %s", path, head.Kind, kind)
	}
	return nil
}
