package config

import (
	"bytes"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/secrets"
)

// minSecretLen is the shortest accepted cluster id.
const minSecretLen = 16

// minSecretBytes is the fewest random bytes the cluster secret may encode (as in a secrets bundle).
const minSecretBytes = 32

func validateMachine(v *validator, m *MachineConfig) {
	if m.Type != TypeControlPlane && m.Type != TypeWorker {
		v.add("machine.type", m.Type, "must be controlplane or worker")
	}
	validateJoinToken(v, m.Token)
	validateCA(v, "machine.ca", m.CA, m.Type)
	validateHosts(v, "machine.certSANs", m.CertSANs)
	if v.mode == ModeMetal {
		validateInstall(v, &m.Install)
		validateModules(v, m.Kernel.Modules)
	}
	validateTrustedKeys(v, m.Upgrade.TrustedKeys)
	if tm := m.Upgrade.TrialMinutes; tm != 0 && (tm < 2 || tm > 120) {
		v.add("machine.upgrade.trialMinutes", strconv.Itoa(tm), "must be from 2 to 120 (minutes)")
	}
	validateNetwork(v, &m.Network)
	validateHosts(v, "machine.time.servers", m.Time.Servers)
	validateSysctls(v, m.Sysctls)
	validateArgs(v, "machine.kubelet.extraArgs", m.Kubelet.ExtraArgs, managedKubeletArgs)
	validateLabels(v, m.Kubelet.NodeLabels)
	validateTaints(v, m.Kubelet.NodeTaints)
	validateLogging(v, &m.Logging, m.Type)
}

// validateJoinToken checks the join token's form, that of `cairnctl gen secrets`, without
// showing it.
func validateJoinToken(v *validator, token string) {
	switch {
	case token == "":
		v.add("machine.token", token, "is required")
	case secrets.ValidateToken(token) != nil:
		v.addSecret("machine.token", token, "must match [a-z0-9]{6}.[a-z0-9]{16}")
	}
}

// requireLong checks a required public string of at least minSecretLen characters.
func requireLong(v *validator, path, s string) {
	switch {
	case s == "":
		v.add(path, s, "is required")
	case len(s) < minSecretLen:
		v.add(path, s, fmt.Sprintf("must be at least %d characters", minSecretLen))
	}
}

// validateHosts checks a list of DNS names or IP addresses.
func validateHosts(v *validator, path string, hosts []string) {
	for i, h := range hosts {
		if !isHost(h) {
			v.add(fmt.Sprintf("%s[%d]", path, i), h, "is not a DNS name or IP address")
		}
	}
}

func validateTrustedKeys(v *validator, keys []pki.PEMBytes) {
	for i, k := range keys {
		path := fmt.Sprintf("machine.upgrade.trustedKeys[%d]", i)
		if _, err := pki.ParsePublicKey(k); err != nil {
			v.add(path, fmt.Sprintf("%d bytes", len(k)), "is not a PEM ECDSA P-256 public key: "+err.Error())
			continue
		}
		for j := range i {
			if bytes.Equal(bytes.TrimSpace(keys[j]), bytes.TrimSpace(k)) {
				v.add(path, fmt.Sprintf("%d bytes", len(k)), fmt.Sprintf("duplicates machine.upgrade.trustedKeys[%d]", j))
				break
			}
		}
	}
}

func validateInstall(v *validator, in *InstallConfig) {
	sel := in.DiskSelector
	switch {
	case in.Disk == "" && sel == (DiskSelector{}):
		v.add("machine.install.disk", in.Disk, "is required in metal mode (or machine.install.diskSelector)")
	case in.Disk != "" && (!strings.HasPrefix(in.Disk, "/dev/") || len(in.Disk) == len("/dev/") || strings.Contains(in.Disk, "..")):
		v.add("machine.install.disk", in.Disk, "must be an absolute path under /dev/")
	}
	if sel.Size != "" {
		if _, err := ParseSizeMatch(sel.Size); err != nil {
			v.add("machine.install.diskSelector.size", sel.Size, err.Error())
		}
	}
	if _, err := path.Match(sel.Model, ""); err != nil {
		v.add("machine.install.diskSelector.model", sel.Model, "is not a valid glob pattern")
	}
}

func validateModules(v *validator, mods []KernelModuleConfig) {
	seen := map[string]int{}
	for i, mod := range mods {
		path := fmt.Sprintf("machine.kernel.modules[%d]", i)
		switch first, dup := seen[mod.Name]; {
		case mod.Name == "":
			v.add(path+".name", mod.Name, "is required")
		case !moduleNameRE.MatchString(mod.Name):
			v.add(path+".name", mod.Name, "is not a valid module name")
		case dup:
			v.add(path+".name", mod.Name, fmt.Sprintf("duplicates machine.kernel.modules[%d].name", first))
		default:
			seen[mod.Name] = i
		}
		for j, p := range mod.Parameters {
			if !moduleParamRE.MatchString(p) || strings.ContainsAny(p, "\n\x00") {
				v.add(fmt.Sprintf("%s.parameters[%d]", path, j), p, "must be name=value")
			}
		}
	}
}

func validateSysctls(v *validator, sysctls map[string]string) {
	for _, name := range sortedKeys(sysctls) {
		path := fmt.Sprintf("machine.sysctls[%q]", name)
		if !sysctlNameRE.MatchString(name) || strings.Contains(name, "..") {
			v.add(path, name, "is not a valid sysctl name")
		}
		if val := sysctls[name]; val == "" || strings.ContainsAny(val, "\n\x00") {
			v.add(path, val, "must be a non-empty single line")
		}
	}
}

func validateLabels(v *validator, labels map[string]string) {
	for _, k := range sortedKeys(labels) {
		path := fmt.Sprintf("machine.kubelet.nodeLabels[%q]", k)
		if !isLabelKey(k) {
			v.add(path, k, "is not a valid label key")
		}
		if !isLabelValue(labels[k]) {
			v.add(path, labels[k], "is not a valid label value")
		}
	}
}

var taintEffects = []string{"NoSchedule", "PreferNoSchedule", "NoExecute"}

func validateTaints(v *validator, taints map[string]string) {
	for _, k := range sortedKeys(taints) {
		path := fmt.Sprintf("machine.kubelet.nodeTaints[%q]", k)
		if !isLabelKey(k) {
			v.add(path, k, "is not a valid taint key")
		}
		value, effect, found := strings.Cut(taints[k], ":")
		if !found || !slices.Contains(taintEffects, effect) || !isLabelValue(value) {
			v.add(path, taints[k], "must be [value]:NoSchedule, [value]:PreferNoSchedule or [value]:NoExecute")
		}
	}
}

// sortedKeys returns the keys of m in order, so that errors come out deterministically.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
