package role

import "slices"

// NodeProxy is the role in the client certificate a node's apid presents when it proxies a call
// to another node. It grants nothing by itself: it only lets the receiving node trust the
// original caller named in the call's metadata. It is never issued to people.
const NodeProxy Role = "os:node-proxy"

// Method names of the public API, as gRPC spells them.
const (
	machine  = "/cairn.machine.MachineService/"
	resource = "/cairn.resource.ResourceService/"
	audit    = "/cairn.audit.AuditService/"
	etcd     = "/cairn.etcd.EtcdService/"
	evidence = "/cairn.evidence.EvidenceService/"
)

var (
	everyone  = all
	readers   = []Role{Admin, Operator, Reader}
	operators = []Role{Admin, Operator}
	admins    = []Role{Admin}
	auditors  = []Role{Admin, Auditor}
	backup    = []Role{Admin, EtcdBackup}
)

// methodRoles is THE table: every RPC of the public API and the roles allowed to call it. A
// method missing here is denied to everyone.
var methodRoles = map[string][]Role{
	machine + "Version":                     everyone,
	machine + "Hostname":                    readers,
	machine + "Disks":                       readers,
	machine + "ServiceList":                 readers,
	machine + "ServiceStart":                operators,
	machine + "ServiceStop":                 operators,
	machine + "ServiceRestart":              operators,
	machine + "Logs":                        readers,
	machine + "Dmesg":                       readers,
	machine + "LoggingStatus":               readers,
	machine + "Events":                      readers,
	machine + "Reboot":                      operators,
	machine + "Shutdown":                    operators,
	machine + "Reset":                       admins,
	machine + "ApplyConfiguration":          admins,
	machine + "ConfirmConfiguration":        admins,
	machine + "GetConfiguration":            readers,
	machine + "Read":                        readers,
	machine + "List":                        readers,
	machine + "Processes":                   readers,
	machine + "Memory":                      readers,
	machine + "Mounts":                      readers,
	machine + "LoadAvg":                     readers,
	machine + "Netstat":                     readers,
	machine + "GenerateClientConfiguration": admins,
	// Bootstrap is os:admin only, as in Talos: it creates the cluster (etcd, the control
	// plane) once and for all, which is not lifecycle of a node an operator may drive.
	machine + "Bootstrap":        admins,
	machine + "BootstrapRecover": admins,
	// Kubeconfig's reply carries the private key of a cluster-admin certificate.
	machine + "Kubeconfig": admins,
	// ImageImport puts code that pods may run on the node.
	machine + "ImageImport": admins,
	machine + "ImageList":   readers,
	// Upgrade and Rollback change the OS the node runs (the image must still be signed by a
	// key its configuration trusts): not a lifecycle step an operator may drive.
	machine + "Upgrade":  admins,
	machine + "Rollback": admins,
	resource + "Get":     readers,
	resource + "List":    readers,
	resource + "Watch":   readers,
	audit + "Log":        auditors,
	// etcd's membership and status hold no secrets; alarms are part of its health.
	etcd + "Members":   readers,
	etcd + "Status":    readers,
	etcd + "AlarmList": readers,
	// Leave and RemoveMember change the cluster's membership, Defrag blocks a member while it
	// runs, AlarmDisarm lifts etcd's own protection (NOSPACE): not lifecycle of one node.
	etcd + "Leave":        admins,
	etcd + "RemoveMember": admins,
	etcd + "Defrag":       admins,
	etcd + "AlarmDisarm":  admins,
	// A snapshot holds every secret of the cluster: os:admin, and os:etcd:backup, which may
	// call nothing else (but Version).
	etcd + "Snapshot": backup,
	// Evidence is what os:auditor exists for: the image's SBOM, the node's binary inventory,
	// its posture and the checks' results, signed by the node. None holds a secret, but
	// os:reader and os:operator are for running the node, not for auditing it.
	evidence + "SBOM":      auditors,
	evidence + "Inventory": auditors,
	evidence + "Posture":   auditors,
	evidence + "Checks":    auditors,
}

// maintenanceMethods may be called without a client certificate while a node has no
// configuration.
var maintenanceMethods = []string{
	machine + "Version",
	machine + "Disks",
	machine + "ApplyConfiguration",
}

// Allowed reports whether any of roles may call the gRPC method. Unknown methods are denied.
func Allowed(method string, roles []Role) bool {
	allowed, ok := methodRoles[method]
	if !ok {
		return false
	}
	for _, r := range roles {
		if slices.Contains(allowed, r) {
			return true
		}
	}
	return false
}

// MethodRoles returns the roles allowed to call method, and whether the method is in the table.
func MethodRoles(method string) ([]Role, bool) {
	r, ok := methodRoles[method]
	return slices.Clone(r), ok
}

// AllowedInMaintenance reports whether method may be called, without a client certificate, on
// a node in maintenance mode.
func AllowedInMaintenance(method string) bool {
	return slices.Contains(maintenanceMethods, method)
}

// SeesSecrets reports whether roles may read secrets (unredacted configuration, sensitive
// resources).
func SeesSecrets(roles []Role) bool {
	return slices.Contains(roles, Admin)
}
