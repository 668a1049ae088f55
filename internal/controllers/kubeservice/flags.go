package kubeservice

import (
	"maps"
	"slices"
)

// flagSet is a component's command-line flags by name, without the dashes.
type flagSet map[string]string

// with returns the flags with extra (the configuration's extraArgs, which validation keeps
// away from the flags Cairn manages) added.
func (f flagSet) with(extra map[string]string) flagSet {
	out := maps.Clone(f)
	maps.Copy(out, extra)
	return out
}

// args returns "--name=value" for every flag, sorted, after argv0.
func (f flagSet) args(argv0 string) []string {
	out := []string{argv0}
	for _, k := range slices.Sorted(maps.Keys(f)) {
		out = append(out, "--"+k+"="+f[k])
	}
	return out
}
