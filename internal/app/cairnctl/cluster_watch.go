package cairnctl

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cairn-os/cairn/internal/app/imager"
	"github.com/cairn-os/cairn/internal/provision/qemu"
)

// checkImage checks the files the boot mode needs (kernel and initramfs, or the raw disk
// image and the UEFI firmware) against the image's manifest.json before anything boots, so a
// damaged or missing image fails at once and says which file and how to make it.
func checkImage(flag, dir, boot string) error {
	files, build := []string{"vmlinuz", "initramfs"}, "cairnctl image build"
	switch boot {
	case qemu.BootDisk: // vmlinuz too: the KVM probe boots it.
		files, build = []string{"vmlinuz", qemu.RawImage}, "cairnctl image build --format raw"
	case qemu.BootISO:
		files, build = []string{"vmlinuz", qemu.ISOImage}, "cairnctl image build --format iso --sign-key KEY"
	}
	if boot == qemu.BootDisk || boot == qemu.BootISO {
		for _, fw := range []string{qemu.OVMFCode, qemu.OVMFVars} {
			if _, err := os.Stat(fw); err != nil {
				return fmt.Errorf("--boot %s needs the UEFI firmware: %w (apt-get install ovmf)", boot, err)
			}
		}
	}
	for _, a := range files {
		if _, err := os.Stat(filepath.Join(dir, a)); err != nil {
			return fmt.Errorf("--image %s: %w (run %s first)", flag, err, build)
		}
	}
	if err := imager.Verify(dir, files...); err != nil {
		return fmt.Errorf("--image %s: the image is damaged or incomplete (rebuild it with cairnctl image build):\n%w", flag, err)
	}
	return nil
}

// apiWatch waits for a node's API while watching its VM: a guest kernel panic or an exited
// QEMU ends the wait at once with the console's last lines.
type apiWatch struct {
	node  qemu.Node
	state *qemu.State
	// from and qemuFrom are the console's and QEMU's own log's sizes before this boot: older
	// boots' lines are not looked at.
	from, qemuFrom int64
}

// consoleTail is how many console lines a failed boot reports.
const consoleTail = 15

// wait waits until a TLS handshake with the node's API succeeds. With conf nil (maintenance
// mode) any server certificate is accepted: only "it answers" is checked.
func (w apiWatch) wait(ctx context.Context, out io.Writer, addr string, conf *tls.Config, timeout time.Duration) error {
	start, booted := time.Now(), w.state.Started[w.node.Name]
	if booted.IsZero() {
		booted = start
	}
	if conf == nil {
		//nolint:gosec // G402: maintenance mode has a self-signed certificate; this only waits for an answer.
		conf = &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS13}
	}
	last := time.Time{}
	for {
		d := tls.Dialer{Config: conf, NetDialer: &net.Dialer{Timeout: 3 * time.Second}}
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			_ = c.Close()
			_, _ = fmt.Fprintf(out, "node %s: API answers at %s (%.1fs after QEMU started)\n", w.node.Name, addr, time.Since(booted).Seconds())
			return nil
		}
		if verr := w.vmFailed(); verr != nil {
			return verr
		}
		if time.Since(start) > timeout {
			return fmt.Errorf("node %s: API at %s did not answer within %s: %w (console log: %s)", w.node.Name, addr, timeout, err, w.node.Console)
		}
		if time.Since(last) >= 5*time.Second {
			_, _ = fmt.Fprintf(out, "node %s: waiting for the API at %s (%.0fs)\n", w.node.Name, addr, time.Since(start).Seconds())
			last = time.Now()
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// vmFailed reports a guest kernel panic or an exited QEMU, with the console's last lines.
func (w apiWatch) vmFailed() error {
	console, _ := readFrom(w.node.Console, w.from)
	switch i := bytes.Index(console, []byte("Kernel panic")); {
	case i >= 0:
		// The lines up to the panic's own say why; the stack trace after it rarely does.
		if end := bytes.IndexByte(console[i:], '\n'); end >= 0 {
			console = console[:i+end]
		}
		return fmt.Errorf("node %s: the guest kernel panicked; console lines up to the panic (%s):\n%s", w.node.Name, w.node.Console, lastLines(console, consoleTail))
	case !w.state.Running(w.node.Name):
		err := fmt.Errorf("node %s: QEMU exited; last console lines (%s):\n%s", w.node.Name, w.node.Console, lastLines(console, consoleTail))
		if len(bytes.TrimSpace(console)) == 0 {
			err = fmt.Errorf("node %s: QEMU exited before the guest wrote to its console (%s)", w.node.Name, w.node.Console)
		}
		// QEMU's own errors (a disk it cannot lock, firmware it cannot read) are in its log.
		if w.state.Dir == "" {
			return err
		}
		qlog := qemu.OutputLog(w.state.Dir, w.node.Name)
		if out, _ := readFrom(qlog, w.qemuFrom); len(bytes.TrimSpace(out)) > 0 {
			err = fmt.Errorf("%w\nQEMU's own output (%s):\n%s", err, qlog, lastLines(out, consoleTail))
		}
		return err
	}
	return nil
}

// readFrom reads a file from offset on (at most its last 1 MiB).
func readFrom(file string, offset int64) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	if fi, err := f.Stat(); err == nil && fi.Size()-offset > 1<<20 {
		offset = fi.Size() - 1<<20
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}

// consoleSize is a log's current size (0 when it does not exist yet).
func consoleSize(file string) int64 {
	fi, err := os.Stat(file)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// lastLines returns the last n lines of data, indented, control characters (C0 but tab, and C1)
// removed.
func lastLines(data []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(data), "\r\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		lines[i] = "  | " + strings.Map(func(r rune) rune {
			if r < 0x20 && r != '\t' || r >= 0x7f && r <= 0x9f {
				return -1
			}
			return r
		}, strings.TrimRight(l, "\r"))
	}
	return strings.Join(lines, "\n")
}

// cairnctlDir is the directory of the running cairnctl when it is not on $PATH ("" when it is,
// or when this program is not cairnctl).
func (g *globals) cairnctlDir() string {
	exe, err := os.Executable()
	if err != nil || filepath.Base(exe) != "cairnctl" {
		return ""
	}
	dir := filepath.Dir(exe)
	path, _ := g.lookupEnv("PATH")
	for _, p := range filepath.SplitList(path) {
		if abs, err := filepath.Abs(p); err == nil && abs == dir {
			return ""
		}
	}
	return dir
}
