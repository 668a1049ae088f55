package kubeservice

import (
	"maps"
	"slices"
	"strconv"
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

// handOver is f as a component started by machined runs with it: each value naming a
// root-only file (handed) becomes the descriptor machined hands the component a copy of it
// on, /proc/self/fd/3 for the first such file in the sorted flags, 4 for the next, and so on.
// It returns those flags and the files, in descriptor order (KubeServiceSpec.Handed).
func (f flagSet) handOver() (flagSet, []string) {
	out := maps.Clone(f)
	var files []string
	for _, k := range slices.Sorted(maps.Keys(f)) {
		if !handed[f[k]] {
			continue
		}
		i := slices.Index(files, f[k])
		if i < 0 {
			i, files = len(files), append(files, f[k])
		}
		out[k] = "/proc/self/fd/" + strconv.Itoa(3+i)
	}
	return out, files
}
