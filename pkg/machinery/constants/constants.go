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
	DefaultKubernetesVersion = "v1.34.4"
)
