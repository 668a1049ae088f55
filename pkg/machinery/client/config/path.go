package config

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/cairn-os/cairn/pkg/machinery/constants"
)

// Path resolves where the client configuration is: the --cairnconfig flag if set, else
// $CAIRNCONFIG if set, else "cairn/config" in the user's configuration directory
// (os.UserConfigDir). lookupEnv is os.LookupEnv in production.
func Path(flag string, lookupEnv func(string) (string, bool)) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if v, ok := lookupEnv(constants.CairnconfigEnv); ok && v != "" {
		return v, nil
	}
	return DefaultPath(lookupEnv)
}

// DefaultPath returns "cairn/config" in the user's configuration directory. It follows
// os.UserConfigDir, but looks the environment up through lookupEnv so that tests can point it
// elsewhere.
func DefaultPath(lookupEnv func(string) (string, bool)) (string, error) {
	dir, err := userConfigDir(lookupEnv)
	if err != nil {
		return "", fmt.Errorf("locate the client configuration: %w (set --cairnconfig or $%s)", err, constants.CairnconfigEnv)
	}
	return filepath.Join(dir, "cairn", "config"), nil
}

// userConfigDir is os.UserConfigDir with an injectable environment on Linux, where tests run;
// elsewhere it is os.UserConfigDir itself.
func userConfigDir(lookupEnv func(string) (string, bool)) (string, error) {
	if lookupEnv == nil || !usesXDG() {
		return os.UserConfigDir()
	}
	if dir, ok := lookupEnv("XDG_CONFIG_HOME"); ok && filepath.IsAbs(dir) {
		return dir, nil
	}
	if home, ok := lookupEnv("HOME"); ok && home != "" {
		return filepath.Join(home, ".config"), nil
	}
	return os.UserConfigDir()
}
