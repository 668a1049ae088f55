// Package constants holds the names, ports and paths shared by the node and its clients.
package constants

const (
	// APIPort is the TCP port of the node API (apid).
	APIPort = 50000
	// ConfigAPIVersion is the version of the machine configuration format.
	ConfigAPIVersion = "v1alpha1"
	// CairnconfigEnv names the environment variable that points at the client configuration.
	CairnconfigEnv = "CAIRNCONFIG"
	// DefaultKubernetesVersion is the Kubernetes version generated configs ask for.
	DefaultKubernetesVersion = "v1.35.8"
	// APIGroupGID is the group (cairn-api) that may connect to machined's unix socket.
	APIGroupGID = 49
	// ApidUID is the user apid runs as.
	ApidUID = 50
	// ApidGID is apid's own group.
	ApidGID = 50
	// TrustdUID is the user trustd runs as.
	TrustdUID = 51
	// TrustdGID is trustd's own group.
	TrustdGID = 51
	// JoinAddressMetadata is the metadata key with which trustd tells machined the address a
	// join request came from, so that the certificate names no other address.
	JoinAddressMetadata = "x-cairn-join-address"
)
