package elfinfo

import "runtime/debug"

func fromBuildInfo(toolchain, pkg string, main debug.Module, deps []*debug.Module, settings []debug.BuildSetting) *Go {
	g := &Go{Toolchain: toolchain, Package: pkg, Main: module(&main)}
	for _, d := range deps {
		if d != nil {
			g.Deps = append(g.Deps, module(d))
		}
	}
	for _, s := range settings {
		g.Settings = append(g.Settings, Setting{Key: s.Key, Value: s.Value})
	}
	return g
}

func module(m *debug.Module) Module {
	out := Module{Path: m.Path, Version: m.Version, Sum: m.Sum}
	if m.Replace != nil {
		r := module(m.Replace)
		out.Replace = &r
	}
	return out
}

// StdlibVersion is the version of the Go standard library a program holds, as package URLs
// spell it: the toolchain's version without its "go" prefix or any suffix ("1.26.8").
func (g *Go) StdlibVersion() string {
	v := g.Toolchain
	if len(v) > 2 && v[:2] == "go" {
		v = v[2:]
	}
	for i, c := range v {
		if c == ' ' || c == '-' || c == '+' {
			return v[:i]
		}
	}
	return v
}
