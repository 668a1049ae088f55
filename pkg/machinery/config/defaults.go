package config

import (
	"slices"

	"github.com/cairn-os/cairn/pkg/machinery/constants"
)

// Default values, as documented on the fields.
const (
	DefaultNTPServer      = "pool.ntp.org"
	DefaultRouteMetric    = 1024
	DefaultLogFormat      = "rfc5424"
	DefaultPodSubnet      = "10.244.0.0/16"
	DefaultServiceSubnet  = "10.96.0.0/12"
	DefaultDNSDomain      = "cluster.local"
	DefaultCNI            = "bridge"
	DefaultStableHostname = true
	// DefaultAuditRetentionMiB is machine.logging.auditRetentionMiB's default.
	DefaultAuditRetentionMiB = 64
	// DefaultLogQueueMiB is machine.logging.destinations[].queueMiB's default.
	DefaultLogQueueMiB = 32
	// DefaultTrialMinutes is machine.upgrade.trialMinutes's default.
	DefaultTrialMinutes = 20
)

// WithDefaults returns a deep copy of the configuration with every empty field that has a
// documented default set to it. This is the only place defaults are applied: the node calls it
// after Validate, and nothing else assumes a default.
func (c *Config) WithDefaults() *Config {
	out := c.Clone()
	m, cl := &out.Machine, &out.Cluster
	if len(m.Time.Servers) == 0 && !m.Time.Disabled {
		m.Time.Servers = []string{DefaultNTPServer}
	}
	for i := range m.Network.Interfaces {
		iface := &m.Network.Interfaces[i]
		defaultRoutes(iface.Routes)
		for j := range iface.VLANs {
			defaultRoutes(iface.VLANs[j].Routes)
		}
	}
	for i := range m.Logging.Destinations {
		d := &m.Logging.Destinations[i]
		setDefault(&d.Format, DefaultLogFormat)
		if len(d.Sources) == 0 {
			d.Sources = slices.Clone(LogSources)
		}
		if d.QueueMiB == 0 {
			d.QueueMiB = DefaultLogQueueMiB
		}
	}
	if m.Logging.AuditRetentionMiB == 0 {
		m.Logging.AuditRetentionMiB = DefaultAuditRetentionMiB
	}
	if m.Upgrade.TrialMinutes == 0 {
		m.Upgrade.TrialMinutes = DefaultTrialMinutes
	}
	if m.Features.StableHostname == nil {
		v := DefaultStableHostname
		m.Features.StableHostname = &v
	}
	setDefault(&cl.KubernetesVersion, constants.DefaultKubernetesVersion)
	if len(cl.Network.PodSubnets) == 0 {
		cl.Network.PodSubnets = []string{DefaultPodSubnet}
	}
	if len(cl.Network.ServiceSubnets) == 0 {
		cl.Network.ServiceSubnets = []string{DefaultServiceSubnet}
	}
	setDefault(&cl.Network.DNSDomain, DefaultDNSDomain)
	setDefault(&cl.Network.CNI.Name, DefaultCNI)
	return out
}

func defaultRoutes(routes []RouteConfig) {
	for i := range routes {
		if routes[i].Metric == 0 {
			routes[i].Metric = DefaultRouteMetric
		}
	}
}

func setDefault(field *string, value string) {
	if *field == "" {
		*field = value
	}
}
