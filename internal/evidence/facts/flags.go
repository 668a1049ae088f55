package facts

import "strings"

// Flags returns the "--name=value" and "--name value" flags of a command line (args[0] is
// the program) by name without dashes; a flag without a value ("--profiling" followed by
// another flag or nothing) is "true", and a repeated flag keeps its last value, as the
// Kubernetes components' flag parser does. Arguments that are not flags are ignored.
func Flags(args []string) map[string]string {
	out := map[string]string{}
	for i := 1; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			continue
		}
		name := strings.TrimLeft(a, "-")
		if k, v, ok := strings.Cut(name, "="); ok {
			if k != "" {
				out[k] = v
			}
			continue
		}
		if name == "" {
			continue
		}
		if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			out[name] = args[i+1]
			i++
			continue
		}
		out[name] = "true"
	}
	return out
}
