package boot

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-os/cairn/internal/pkg/sdboot"
)

// TrialMinutesFile is the file in STATE that holds the minutes an upgrade gave its slot's
// trial (written by the upgrade, read by the watchdog of the next boot).
const TrialMinutesFile = "trial-minutes"

// defaultTrialMinutes is the trial's deadline when the upgrade recorded none.
const defaultTrialMinutes = 20

// watchdogGrace is how long after the deadline the watchdog waits for machined's own verdict
// (a marked-bad slot whose orderly reboot hangs is rebooted by force).
const watchdogGrace = 2 * time.Minute

// armTrialWatchdog guards a boot on trial from the moment the ESP is mounted: whatever hangs
// later (the configuration, a service, machined itself), a slot that is not marked good by
// the deadline is marked bad and the machine reboots into the previous slot.
func armTrialWatchdog(_ context.Context, s *state) error {
	slot, ok := s.res.Cmdline.Get("cairn.slot")
	if !ok {
		return nil
	}
	esp := sdboot.ESP{Dir: ESPDir}
	e, found, err := esp.Slot(slot)
	if err != nil || !found || e.Status() != "trial" {
		return err
	}
	limit := time.Duration(trialMinutes(StateDir)) * time.Minute
	s.log.Warn("booted on trial: unless it is marked good in time, this slot is marked bad and the machine reboots into the previous one",
		"slot", slot, "version", e.Version, "deadline", limit, "tries_left", e.TriesLeft)
	go trialWatchdog(s.log, esp, slot, limit+watchdogGrace)
	return nil
}

// trialMinutes reads TrialMinutesFile, or the default.
func trialMinutes(stateDir string) int {
	b, err := os.ReadFile(filepath.Join(stateDir, TrialMinutesFile))
	if err != nil {
		return defaultTrialMinutes
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n < 2 || n > 120 {
		return defaultTrialMinutes
	}
	return n
}

// trialWatchdog waits, then reboots unless the slot's entry was marked good meanwhile.
func trialWatchdog(log *slog.Logger, esp sdboot.ESP, slot string, after time.Duration) {
	time.Sleep(after)
	e, found, err := esp.Slot(slot)
	if err == nil && found && e.Status() == "good" {
		return
	}
	if err == nil && found && e.Status() == "trial" {
		_, err = esp.MarkBad(e)
	}
	log.Error("trial watchdog: the slot was not marked good in time: rebooting into the previous slot", "slot", slot, "mark_error", err)
	_ = Shutdown(log, Reboot)
}
