package boot

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// maxConfigSize bounds a fetched machine configuration.
const maxConfigSize = 1 << 20

// acquireConfig fetches the machine configuration named by cairn.config= on the kernel command
// line or, failing that, in an SMBIOS OEM string. Without either boot ends with no config and
// machined starts in maintenance mode.
func acquireConfig(ctx context.Context, s *state) error {
	u, ok := s.res.Cmdline.Get("cairn.config")
	if !ok || u == "" {
		var err error
		if u, ok, err = smbiosConfigURL(); err != nil {
			s.log.Warn("cannot read SMBIOS OEM strings", "error", err)
		}
		if ok {
			s.log.Info("config URL from an SMBIOS OEM string", "url", u)
		}
	}
	if !ok || u == "" {
		s.log.Info("no cairn.config= kernel argument or SMBIOS OEM string; machined starts in maintenance mode")
		return nil
	}
	// A client of its own: no proxy from the environment, and no idle connection to the
	// config server left open for the life of the node once the config is in.
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	data, err := fetchConfig(ctx, s.log, c, u, time.Minute)
	if err != nil {
		return err
	}
	s.res.ConfigURL, s.res.Config = u, data
	return nil
}

// fetchConfig GETs the config, retrying with exponential backoff (1s doubling up to
// maxBackoff) and a console message after every failure, until it succeeds or ctx ends.
func fetchConfig(ctx context.Context, log *slog.Logger, c *http.Client, raw string, maxBackoff time.Duration) ([]byte, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("cairn.config=%q: not an http(s) URL", raw)
	}
	backoff := min(time.Second, maxBackoff)
	for attempt := 1; ; attempt++ {
		data, err := getOnce(ctx, c, raw)
		if err == nil {
			log.Info("machine config fetched", "url", raw, "bytes", len(data), "attempt", attempt)
			return data, nil
		}
		log.Warn("cannot fetch the machine config; retrying", "url", raw, "attempt", attempt, "retry_in", backoff, "error", err)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("fetch config %s: %w", raw, ctx.Err())
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

func getOnce(ctx context.Context, c *http.Client, u string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP status %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxConfigSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxConfigSize {
		return nil, fmt.Errorf("config larger than %d bytes", maxConfigSize)
	}
	return data, nil
}
