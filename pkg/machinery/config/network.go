package config

// NetworkConfig configures host name, interfaces and name servers.
type NetworkConfig struct {
	// Hostname is the node's host name.
	//
	// Default: none (the DHCP host name, else a stable name, see features.stableHostname).
	// Validation: an RFC 1123 host name of at most 253 characters.
	// Example: cp-1
	Hostname string `yaml:"hostname,omitempty"`
	// Interfaces configure network links once the configuration is applied. (At boot, before
	// any configuration is read, the first Ethernet link is configured by DHCP or by the ip=
	// kernel argument.)
	//
	// Default: none.
	// Validation: names and hardware addresses unique.
	// Example: [{name: eth0, dhcp: true}]
	Interfaces []InterfaceConfig `yaml:"interfaces,omitempty"`
	// Nameservers are the DNS resolvers of the node.
	//
	// Default: none (the name servers DHCP offers).
	// Validation: each an IP address.
	// Example: [192.0.2.53]
	Nameservers []string `yaml:"nameservers,omitempty"`
}

// InterfaceConfig configures one link, selected by name or by hardware address.
type InterfaceConfig struct {
	// Name selects the link by its kernel name.
	//
	// Validation: exactly one of name and hardwareAddress; at most 15 characters, no /,
	// whitespace or colon.
	// Example: eth0
	Name string `yaml:"name,omitempty"`
	// HardwareAddress selects the link by its MAC address.
	//
	// Validation: exactly one of name and hardwareAddress; a MAC address.
	// Example: 52:54:00:12:34:56
	HardwareAddress string `yaml:"hardwareAddress,omitempty"`
	// DHCP configures the link with DHCPv4 (in addition to any static addresses).
	//
	// Default: false.
	// Validation: none.
	// Example: true
	DHCP bool `yaml:"dhcp,omitempty"`
	// Addresses are static addresses in CIDR notation.
	//
	// Default: none.
	// Validation: each an IP address with prefix length (CIDR).
	// Example: [192.0.2.10/24, 2001:db8::10/64]
	Addresses []string `yaml:"addresses,omitempty"`
	// Routes are static routes through this link.
	//
	// Default: none.
	// Validation: see the fields.
	// Example: [{network: 0.0.0.0/0, gateway: 192.0.2.1}]
	Routes []RouteConfig `yaml:"routes,omitempty"`
	// MTU is the link's maximum transmission unit.
	//
	// Default: 0 (keep the link's MTU).
	// Validation: 0, or 68 to 65535.
	// Example: 9000
	MTU int `yaml:"mtu,omitempty"`
	// VLANs are 802.1Q VLAN links created on top of this link.
	//
	// Default: none.
	// Validation: ids unique within the link.
	// Example: [{id: 100, dhcp: true}]
	VLANs []VLANConfig `yaml:"vlans,omitempty"`
}

// VLANConfig configures one VLAN link on top of an interface.
type VLANConfig struct {
	// ID is the VLAN id; the link is named <parent>.<id>.
	//
	// Validation: 1 to 4094.
	// Example: 100
	ID int `yaml:"id"`
	// DHCP configures the VLAN link with DHCPv4.
	//
	// Default: false.
	// Validation: none.
	// Example: true
	DHCP bool `yaml:"dhcp,omitempty"`
	// Addresses are static addresses in CIDR notation.
	//
	// Default: none.
	// Validation: each an IP address with prefix length (CIDR).
	// Example: [198.51.100.10/24]
	Addresses []string `yaml:"addresses,omitempty"`
	// Routes are static routes through this VLAN link.
	//
	// Default: none.
	// Validation: see the fields.
	// Example: [{network: 203.0.113.0/24, gateway: 198.51.100.1}]
	Routes []RouteConfig `yaml:"routes,omitempty"`
	// MTU is the VLAN link's maximum transmission unit.
	//
	// Default: 0 (the parent's MTU).
	// Validation: 0, or 68 to 65535.
	// Example: 1500
	MTU int `yaml:"mtu,omitempty"`
}

// RouteConfig is one static route.
type RouteConfig struct {
	// Network is the destination; 0.0.0.0/0 or ::/0 is the default route.
	//
	// Validation: required; a CIDR.
	// Example: 0.0.0.0/0
	Network string `yaml:"network"`
	// Gateway is the next hop.
	//
	// Default: none (the destination is on the link).
	// Validation: an IP address of the same family as network.
	// Example: 192.0.2.1
	Gateway string `yaml:"gateway,omitempty"`
	// Metric is the route's priority; lower wins.
	//
	// Default: 1024 (0 means the default).
	// Validation: 0 to 4294967295.
	// Example: 100
	Metric uint32 `yaml:"metric,omitempty"`
}
