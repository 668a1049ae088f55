package config

import (
	"fmt"
	"slices"
)

// gateState answers whether a gate is enabled under a set of cluster.featureGates, and which
// key of the set decided it, the way Kubernetes' feature gate resolves them: a gate set by
// name wins, then AllAlpha or AllBeta for an alpha or beta gate, then the default.
type gateState map[string]bool

func (s gateState) enabled(name string) (on bool, cause string) {
	if on, ok := s[name]; ok {
		return on, name
	}
	g := kubernetesFeatureGates[name]
	if on, ok := s[gateAllAlpha]; ok && g.stage == stageAlpha {
		return on, gateAllAlpha
	}
	if on, ok := s[gateAllBeta]; ok && g.stage == stageBeta {
		return on, gateAllBeta
	}
	return g.def, ""
}

// validateGateDependencies reports every enabled gate with a disabled gate it needs, at the
// key of cluster.featureGates that brought it about.
func validateGateDependencies(v *validator, gates map[string]bool) {
	s := gateState(gates)
	names := make([]string, 0, len(kubernetesFeatureGates))
	for name, g := range kubernetesFeatureGates {
		if len(g.needs) > 0 {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		on, cause := s.enabled(name)
		if !on {
			continue
		}
		for _, dep := range kubernetesFeatureGates[name].needs {
			depOn, depCause := s.enabled(dep)
			if depOn {
				continue
			}
			key := cause
			if key == "" {
				key = depCause
			}
			path := fmt.Sprintf("cluster.featureGates[%q]", key)
			v.add(path, fmt.Sprint(gates[key]), fmt.Sprintf("leaves %s enabled and %s, which it needs, disabled", name, dep))
		}
	}
}
