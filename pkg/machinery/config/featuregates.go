package config

import (
	"fmt"
	"strings"
)

//go:generate go run -C ../../../external/kubernetes -trimpath ./hack/featuregates -o ../../pkg/machinery/config/featuregates_kubernetes.go

// featureStage is the maturity of a Kubernetes feature gate.
type featureStage string

const (
	stageAlpha      featureStage = "alpha"
	stageBeta       featureStage = "beta"
	stageGA         featureStage = "GA"
	stageDeprecated featureStage = "deprecated"
)

// featureGate is what Kubernetes knows of one feature gate (featuregates_kubernetes.go).
type featureGate struct {
	stage  featureStage
	def    bool     // enabled by default
	locked bool     // locked to def: Kubernetes refuses the other value
	needs  []string // gates that must be enabled while this one is
}

// Special gates that set every alpha or beta gate not set by name.
const (
	gateAllAlpha = "AllAlpha"
	gateAllBeta  = "AllBeta"
)

// validateFeatureGates checks cluster.featureGates as every Kubernetes component will: names
// it knows, locked gates only at their default, no enabled gate missing one it needs.
func validateFeatureGates(v *validator, gates map[string]bool) {
	for _, name := range sortedKeys(gates) {
		path := fmt.Sprintf("cluster.featureGates[%q]", name)
		g, ok := kubernetesFeatureGates[name]
		switch {
		case !ok && closeGate(name) != "":
			v.add(path, name, fmt.Sprintf("is not a feature gate of Kubernetes %s (did you mean %s?)", kubernetesFeatureGatesVersion, closeGate(name)))
		case !ok:
			v.add(path, name, "is not a feature gate of Kubernetes "+kubernetesFeatureGatesVersion)
		case g.locked && gates[name] != g.def:
			v.add(path, fmt.Sprint(gates[name]), fmt.Sprintf("cannot be set: the gate is %s and locked to %v", g.stage, g.def))
		}
	}
	validateGateDependencies(v, gates)
}

// closeGate returns the known gate that differs from name only in letter case, or "".
func closeGate(name string) string {
	for known := range kubernetesFeatureGates {
		if strings.EqualFold(known, name) {
			return known
		}
	}
	return ""
}
