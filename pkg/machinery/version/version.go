// Package version reports the version of the Cairn binaries, stamped at build time.
package version

import (
	"runtime"
	"runtime/debug"
)

// Tag and Commit are set with -ldflags -X at build time.
var (
	Tag    = "v0.0.0-dev"
	Commit = "unknown"
)

// Info describes one binary.
type Info struct {
	Tag       string `json:"tag" yaml:"tag"`
	Commit    string `json:"commit" yaml:"commit"`
	GoVersion string `json:"goVersion" yaml:"goVersion"`
	OS        string `json:"os" yaml:"os"`
	Arch      string `json:"arch" yaml:"arch"`
	FIPS140   string `json:"fips140" yaml:"fips140"`
}

// Current returns the version of the running binary.
func Current() Info {
	i := Info{Tag: Tag, Commit: Commit, GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "GOFIPS140" {
				i.FIPS140 = s.Value
			}
		}
	}
	return i
}
