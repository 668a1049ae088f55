package boot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
)

// fetchedConfig is where a config fetched from cairn.config= is kept for machined.
const fetchedConfig = "/system/config.fetched.yaml"

// Start is machined's metal-mode entry: it runs the boot phases (a failure takes the fatal
// path), starts the PID-1 duties (zombie reaping, the power button) and returns the config
// file machined should load: configFile if set, else the fetched cairn.config, else "" for
// maintenance mode.
func Start(ctx context.Context, log *slog.Logger, configFile string) string {
	res, err := Run(ctx, log)
	if err != nil {
		Fatal(log, err)
	}
	go Reap(ctx, log)
	WatchPowerButton(ctx, log, func() {
		if err := Shutdown(log, Poweroff); err != nil {
			Fatal(log, err)
		}
	})
	if configFile != "" || res.Config == nil {
		return configFile
	}
	if err := os.WriteFile(fetchedConfig, res.Config, 0o600); err != nil {
		Fatal(log, fmt.Errorf("keep fetched config: %w", err))
	}
	return fetchedConfig
}

// ErrReboot is what machined returns from its run loop to have End reboot the machine (a
// reboot requested over the API in metal mode).
var ErrReboot = errors.New("reboot requested")

// End is where machined as PID 1 goes when it stops: ErrReboot reboots, another error takes
// the fatal path (log, sync, reboot), a clean stop powers the machine off. PID 1 must never
// simply exit.
func End(log *slog.Logger, err error) {
	if errors.Is(err, ErrReboot) {
		err = Shutdown(log, Reboot)
	}
	if err != nil {
		Fatal(log, err)
	}
	if err := Shutdown(log, Poweroff); err != nil {
		Fatal(log, err)
	}
}
