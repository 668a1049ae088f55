//go:build !(darwin || windows || plan9 || ios)

package config

// usesXDG reports whether os.UserConfigDir follows $XDG_CONFIG_HOME and $HOME/.config here.
func usesXDG() bool { return true }
