package harness

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/client"
	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
)

// pollEvery is how often an endpoint is tried while a VM boots.
const pollEvery = 200 * time.Millisecond

// probeFunc tries an endpoint once; nil means it answered.
type probeFunc func(ctx context.Context) error

// waitEndpoint polls probe until it succeeds and returns the time since the VM started.
func waitEndpoint(ctx context.Context, v *vm, timeout time.Duration, probe probeFunc) (time.Duration, error) {
	deadline := v.started.Add(timeout)
	var last error
	for {
		err := probe(ctx)
		if err == nil {
			return time.Since(v.started), nil
		}
		last = err
		switch {
		case ctx.Err() != nil:
			return 0, ctx.Err()
		case v.exited():
			return 0, fmt.Errorf("QEMU exited before the endpoint answered (serial log %s): last error: %w", v.serial, last)
		case time.Now().After(deadline):
			return 0, fmt.Errorf("no answer within %s (serial log %s): last error: %w", timeout, v.serial, last)
		}
		time.Sleep(pollEvery)
	}
}

// apiProbe makes one real mTLS Version call through a fresh connection.
func apiProbe(cctx *clientconfig.Context, port int) probeFunc {
	endpoint := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	return func(ctx context.Context) error {
		c, err := client.FromContext(cctx, []string{endpoint})
		if err != nil {
			return err
		}
		defer func() { _ = c.Close() }()
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		resp, err := c.Machine.Version(ctx, &common.Empty{})
		if err != nil {
			return err
		}
		if len(resp.GetMessages()) == 0 {
			return errors.New("version: empty answer")
		}
		return nil
	}
}

// sshProbe reads the SSH banner, as measure-boot.sh does: a line starting with "SSH-2.0".
func sshProbe(port int) probeFunc {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	return func(ctx context.Context) error {
		d := net.Dialer{Timeout: 3 * time.Second}
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return err
		}
		defer func() { _ = conn.Close() }()
		_ = conn.SetDeadline(time.Now().Add(3 * time.Second))
		line, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil {
			return fmt.Errorf("read banner: %w", err)
		}
		if !strings.HasPrefix(line, "SSH-2.0") {
			return fmt.Errorf("banner %q is not SSH-2.0", strings.TrimSpace(line))
		}
		return nil
	}
}

// freePort asks the kernel for an unused loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}
