package boot

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/beevik/ntp"
	"golang.org/x/sys/unix"
)

// syncTime steps the clock from the first NTP server that answers (cairn.ntp= or DHCP
// option 42). Without servers the RTC time stands. Never fatal.
func syncTime(_ context.Context, s *state) error {
	servers := make([]string, 0, len(s.ntp))
	for _, a := range s.ntp {
		servers = append(servers, a.String())
	}
	if v, ok := s.res.Cmdline.Get("cairn.ntp"); ok && v != "" {
		servers = strings.Split(v, ",")
	}
	if len(servers) == 0 {
		s.log.Info("no NTP servers offered; keeping the hardware clock", "time", time.Now().UTC().Format(time.RFC3339))
		return nil
	}
	var errs []error
	for _, srv := range servers {
		if _, err := netip.ParseAddr(srv); err != nil {
			errs = append(errs, fmt.Errorf("ntp server %q is not an address", srv))
			continue
		}
		r, err := ntp.QueryWithOptions(srv, ntp.QueryOptions{Timeout: 3 * time.Second})
		if err == nil {
			err = r.Validate()
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("ntp %s: %w", srv, err))
			continue
		}
		tv := unix.NsecToTimeval(time.Now().Add(r.ClockOffset).UnixNano())
		if err := unix.Settimeofday(&tv); err != nil {
			return fmt.Errorf("set clock: %w", err)
		}
		s.log.Info("clock set by NTP", "server", srv, "offset", r.ClockOffset)
		return nil
	}
	return errors.Join(errs...)
}
