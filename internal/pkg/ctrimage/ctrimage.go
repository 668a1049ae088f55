// Package ctrimage imports and lists container images through containerd's command-line
// client, ctr, in one containerd namespace.
package ctrimage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"time"
)

// ErrNotRunning is the error of a containerd that does not answer on its socket.
var ErrNotRunning = errors.New("containerd is not running on this node")

// maxOutput bounds what is kept of ctr's output (a listing of many images fits).
const maxOutput = 4 << 20

// waitDelay is how long ctr gets to exit after its context ends before it is killed and its
// pipes are closed.
const waitDelay = 5 * time.Second

// Client runs ctr against one containerd.
type Client struct {
	// Path is the ctr binary; Socket is containerd's socket; Namespace is the containerd
	// namespace (k8s.io for the CRI).
	Path, Socket, Namespace string
}

// Check reports ErrNotRunning unless containerd accepts a connection on its socket.
func (c Client) Check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", c.Socket)
	if err != nil {
		return fmt.Errorf("%w (%s does not answer: %w)", ErrNotRunning, c.Socket, err)
	}
	return conn.Close()
}

// run runs ctr with args and stdin, and returns its standard output. Its standard error (the
// end of it) is in the error when ctr fails. ctr ends when ctx does, and run returns then even
// if a Read of stdin is still blocked (that Read's goroutine ends when stdin's Read returns).
func (c Client) run(ctx context.Context, stdin io.Reader, args ...string) ([]byte, error) {
	full := append([]string{"--address", c.Socket, "--namespace", c.Namespace}, args...)
	cmd := exec.CommandContext(ctx, c.Path, full...) //nolint:gosec // the program is the node's ctr (constants.CtrPath) and the arguments are this package's own
	out, errOut := &capped{max: maxOutput}, &capped{max: 8 << 10, keepEnd: true}
	cmd.Stdout, cmd.Stderr = out, errOut
	cmd.WaitDelay = waitDelay
	if err := c.start(cmd, stdin); err != nil {
		return nil, err
	}
	err := cmd.Wait()
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("ctr %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errOut.String()))
	}
	if out.over {
		return nil, fmt.Errorf("ctr %s: output exceeds %d bytes", strings.Join(args, " "), maxOutput)
	}
	return out.buf.Bytes(), nil
}

// start starts cmd and copies stdin (if any) to it in a goroutine that cmd.Wait does not wait
// for: Wait closes the pipe once ctr exits, which ends the copy at its next write. A reader
// that fails must make ctx end (the caller's job), or ctr waits for more input until it does.
func (c Client) start(cmd *exec.Cmd, stdin io.Reader) error {
	if stdin == nil {
		return cmd.Start()
	}
	w, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("ctr stdin: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", c.Path, err)
	}
	go func() {
		// Only a clean end of stdin reaches ctr as its end of input: after a failed read ctr
		// must see no EOF (it could import a cut tarball), so the pipe stays open until the
		// caller's cancellation kills ctr and Wait closes it.
		if _, err := io.Copy(w, stdin); err == nil {
			_ = w.Close()
		}
	}()
	return nil
}

// capped keeps at most max bytes written to it: the first ones, or with keepEnd the last.
type capped struct {
	buf     bytes.Buffer
	max     int
	keepEnd bool
	over    bool
}

func (c *capped) Write(p []byte) (int, error) {
	c.buf.Write(p)
	if c.buf.Len() > c.max {
		c.over = true
		b := c.buf.Bytes()
		keep := b[:c.max]
		if c.keepEnd {
			keep = b[len(b)-c.max:]
		}
		c.buf = *bytes.NewBuffer(append([]byte(nil), keep...))
	}
	return len(p), nil
}

func (c *capped) String() string { return c.buf.String() }
