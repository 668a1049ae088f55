package config

import (
	"reflect"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// fullConfig returns a valid control-plane configuration in which every field is set, so
// that round-trip, redaction and documentation tests see all of them.
func fullConfig(t *testing.T) *Config {
	t.Helper()
	c, _ := testConfigs(t)
	off := false
	m := &c.Machine
	m.CertSANs = []string{"cp.example.org", "192.0.2.10"}
	m.Install.Wipe = true
	m.Install.DiskSelector = DiskSelector{Size: ">= 8GiB", Model: "QEMU*"}
	m.Upgrade.TrustedKeys = []pki.PEMBytes{testPublicKey}
	m.Upgrade.TrialMinutes = 30
	m.Network = NetworkConfig{
		Hostname: "cp-1",
		Interfaces: []InterfaceConfig{{
			Name: "eth0", DHCP: true, Addresses: []string{"192.0.2.10/24"}, MTU: 9000,
			Routes: []RouteConfig{{Network: "0.0.0.0/0", Gateway: "192.0.2.1", Metric: 100}},
			VLANs: []VLANConfig{{ID: 100, DHCP: true, Addresses: []string{"198.51.100.10/24"}, MTU: 1500,
				Routes: []RouteConfig{{Network: "203.0.113.0/24", Gateway: "198.51.100.1", Metric: 10}}}},
		}, {HardwareAddress: "52:54:00:12:34:56", DHCP: true}},
		Nameservers: []string{"192.0.2.53"},
	}
	m.Time = TimeConfig{Disabled: true, Servers: []string{"ntp.example.org"}}
	m.Sysctls = map[string]string{"net.core.somaxconn": "65535"}
	m.Kernel.Modules = []KernelModuleConfig{{Name: "nf_conntrack", Parameters: []string{"hashsize=131072"}}}
	m.Kubelet = KubeletConfig{
		ExtraArgs:  map[string]string{"max-pods": "250"},
		NodeLabels: map[string]string{"topology.kubernetes.io/zone": "zone-a"},
		NodeTaints: map[string]string{"dedicated": "gpu:NoSchedule"},
	}
	m.Logging.Destinations = []LoggingDestination{{Endpoint: "tls://logs.example.org:6514", Format: "jsonl", CA: c.Machine.CA.Crt,
		ClientCertificate: c.Cluster.AggregatorCA, Sources: []string{LogSourceAudit}, QueueMiB: 64}, {Endpoint: "tcp://127.0.0.1:601", Insecure: true}}
	m.Logging.APIServerAuditPolicy = DefaultAPIServerAuditPolicy
	m.Logging.AuditRetentionMiB = 256
	m.Features = FeaturesConfig{StableHostname: &off, DiskQuotaSupport: true}
	cl := &c.Cluster
	cl.FeatureGates = map[string]bool{"ClusterTrustBundle": true, "ClusterTrustBundleProjection": true}
	cl.Etcd.ExtraArgs = map[string]string{"quota-backend-bytes": "8589934592"}
	cl.APIServer = APIServerConfig{CertSANs: []string{"k8s.example.org"}, ExtraArgs: map[string]string{"audit-log-maxage": "30"}}
	cl.ControllerManager.ExtraArgs = map[string]string{"v": "2"}
	cl.Scheduler.ExtraArgs = map[string]string{"v": "3"}
	cl.ServiceAccount.Crt = nil
	c.Documents = []Document{&TrustedRootsConfig{APIVersion: APIVersion, Kind: KindTrustedRoots, Name: "corporate", Certificates: string(cl.CA.Crt)}}
	if err := c.Validate(ModeMetal); err != nil {
		t.Fatalf("fullConfig is invalid: %v", err)
	}
	return c
}

// TestFullConfigSetsEveryField guards fullConfig: a field added to the types but not to
// fullConfig fails here. ServiceAccount.Crt is the one field that must stay empty.
func TestFullConfigSetsEveryField(t *testing.T) {
	c := fullConfig(t)
	set := map[string]bool{}
	walkLeaves(reflect.ValueOf(c).Elem(), "", func(path string, v reflect.Value) {
		set[path] = set[path] || !v.IsZero()
	})
	for path, ok := range set {
		if !ok && path != "cluster.serviceAccount.crt" {
			t.Errorf("fullConfig leaves %s empty", path)
		}
	}
}

// walkLeaves calls fn for every non-struct field reachable from v, descending into every
// element of lists of structs and into further documents.
func walkLeaves(v reflect.Value, path string, fn func(path string, v reflect.Value)) {
	switch {
	case v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Struct, v.Kind() == reflect.Interface && !v.IsNil():
		walkLeaves(v.Elem(), path, fn)
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			name := YAMLName(f)
			if f.Name == "Documents" {
				name = "documents"
			}
			if name != "" {
				walkLeaves(v.Field(i), joinPath(path, name), fn)
			}
		}
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.String && v.Type().Elem().Kind() != reflect.Uint8:
		fn(path, v)
		for i := range v.Len() {
			walkLeaves(v.Index(i), path+"[]", fn)
		}
	default:
		fn(path, v)
	}
}
