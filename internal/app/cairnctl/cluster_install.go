package cairnctl

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"time"
)

// installOutcomes are the console lines of machined that end an install from the ISO badly.
var installOutcomes = []string{"install refused", "install failed", "not installing"}

// waitInstalled waits, on a node booted from the ISO with a configuration, for its install to
// end (machined's line on the console), for /init to verify the root of the disk it then
// boots, and for the API to answer from the disk.
func (w apiWatch) waitInstalled(ctx context.Context, out io.Writer, addr string, conf *tls.Config, timeout time.Duration) error {
	start, last := time.Now(), time.Now()
	for {
		console, _ := readFrom(w.node.Console, w.from)
		if i := bytes.Index(console, []byte("install: done")); i >= 0 && bytes.Contains(console[i:], []byte("root verified")) {
			break
		}
		for _, bad := range installOutcomes {
			if bytes.Contains(console, []byte(bad)) {
				return fmt.Errorf("node %s: %s; last console lines (%s):\n%s", w.node.Name, bad, w.node.Console, lastLines(console, consoleTail))
			}
		}
		if err := w.vmFailed(); err != nil {
			return err
		}
		if time.Since(start) > timeout {
			return fmt.Errorf("node %s: not installed and booted from its disk within %s (console log: %s)", w.node.Name, timeout, w.node.Console)
		}
		if time.Since(last) >= 10*time.Second {
			_, _ = fmt.Fprintf(out, "node %s: installing to its disk (%.0fs)\n", w.node.Name, time.Since(start).Seconds())
			last = time.Now()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	_, _ = fmt.Fprintf(out, "node %s: installed and booting from its disk (%.1fs)\n", w.node.Name, time.Since(start).Seconds())
	return w.wait(ctx, out, addr, conf, timeout)
}
