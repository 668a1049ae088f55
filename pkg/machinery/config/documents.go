package config

// Document is a further document of a machine configuration, after the MachineConfig. Each
// kind is registered in documentKinds.
type Document interface {
	// Header returns the document's apiVersion and kind.
	Header() (apiVersion, kind string)
	// DocumentName returns the name that identifies the document among those of its kind;
	// strategic-merge patches replace or merge the document with the same kind and name.
	DocumentName() string
	// validate appends the document's problems to v, with paths under prefix.
	validate(v *validator, prefix string, mode Mode)
}

// documentKinds maps apiVersion/kind to a constructor of an empty document of that kind.
var documentKinds = map[string]func() Document{
	APIVersion + "/" + KindTrustedRoots: func() Document { return &TrustedRootsConfig{} },
}

// KindTrustedRoots is the kind of [TrustedRootsConfig].
const KindTrustedRoots = "TrustedRootsConfig"

// TrustedRootsConfig adds certificate authorities the node trusts for outgoing TLS (image
// registries, log destinations) next to the system trust store. It is a document of its own:
//
//	apiVersion: v1alpha1
//	kind: TrustedRootsConfig
//	name: corporate
//	certificates: |
//	  -----BEGIN CERTIFICATE-----
//	  ...
type TrustedRootsConfig struct {
	// APIVersion is the version of the configuration format.
	//
	// Validation: must be v1alpha1.
	// Example: v1alpha1
	APIVersion string `yaml:"apiVersion"`
	// Kind names the document.
	//
	// Validation: must be TrustedRootsConfig.
	// Example: TrustedRootsConfig
	Kind string `yaml:"kind"`
	// Name identifies the document among the TrustedRootsConfig documents.
	//
	// Validation: required; a DNS label; unique among TrustedRootsConfig documents.
	// Example: corporate
	Name string `yaml:"name"`
	// Certificates are PEM certificates, concatenated.
	//
	// Validation: required; one or more PEM certificates and nothing else.
	// Example: "-----BEGIN CERTIFICATE-----\nMIIB..."
	Certificates string `yaml:"certificates"`
}

// Header returns the document's apiVersion and kind.
func (d *TrustedRootsConfig) Header() (apiVersion, kind string) { return d.APIVersion, d.Kind }

// DocumentName returns the document's name.
func (d *TrustedRootsConfig) DocumentName() string { return d.Name }
