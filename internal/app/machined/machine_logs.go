package machined

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/internal/pkg/supervisor"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// ownLog is the Logs id of machined's own output.
const ownLog = "machined"

// Logs streams a service's log ring, or machined's own log.
func (a *machineAPI) Logs(r *machine.LogsRequest, s machine.MachineService_LogsServer) error {
	ring, err := a.ring(r.GetId())
	if err != nil {
		return err
	}
	send := func(line []byte) error {
		return s.Send(&machine.LogChunk{Metadata: a.n.md(), Data: line})
	}
	tail := int(r.GetTailLines())
	if !r.GetFollow() {
		for _, l := range ring.Tail(tail) {
			if err := send(l); err != nil {
				return err
			}
		}
		return nil
	}
	err = ring.Follow(s.Context(), tail, send)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func (a *machineAPI) ring(id string) (*supervisor.Ring, error) {
	switch id {
	case "":
		return nil, apierr.Invalid("id: a service name (or %q) is required", ownLog)
	case ownLog:
		return a.n.ring, nil
	}
	return a.n.sup.Logs(id)
}

// Dmesg streams the kernel log from /dev/kmsg. In container mode the host kernel's log is
// often not readable (no CAP_SYSLOG, or dmesg_restrict): the call then fails with Unavailable
// and says why.
func (a *machineAPI) Dmesg(r *machine.DmesgRequest, s machine.MachineService_DmesgServer) error {
	f, err := os.Open("/dev/kmsg")
	if err != nil {
		if errors.Is(err, fs.ErrPermission) || errors.Is(err, fs.ErrNotExist) {
			return apierr.Unavailable("kernel log: /dev/kmsg is not readable by machined in %s mode: %v", a.n.opts.Mode, err)
		}
		return fmt.Errorf("open /dev/kmsg: %w", err)
	}
	defer func() { _ = f.Close() }()
	lines, err := readKmsg(f, r.GetFollow())
	if err != nil {
		return apierr.Unavailable("kernel log: %v", err)
	}
	tail := int(r.GetTailLines())
	if tail >= 0 && tail < len(lines) {
		lines = lines[len(lines)-tail:]
	}
	for _, l := range lines {
		if err := s.Send(&machine.LogChunk{Metadata: a.n.md(), Data: []byte(formatKmsg(l))}); err != nil {
			return err
		}
	}
	if !r.GetFollow() {
		return nil
	}
	return followKmsg(s.Context(), f, func(l string) error {
		return s.Send(&machine.LogChunk{Metadata: a.n.md(), Data: []byte(formatKmsg(l))})
	})
}

// readKmsg reads the records already in the kernel ring buffer (non-blocking reads until
// EAGAIN). /dev/kmsg returns one record per read.
func readKmsg(f *os.File, _ bool) ([]string, error) {
	fd := int(f.Fd())
	if err := syscall.SetNonblock(fd, true); err != nil {
		return nil, err
	}
	var out []string
	buf := make([]byte, 8192)
	for {
		n, err := syscall.Read(fd, buf)
		if errors.Is(err, syscall.EAGAIN) {
			return out, nil
		}
		if errors.Is(err, syscall.EPIPE) {
			continue // a record was overwritten before we read it
		}
		if err != nil {
			return out, err
		}
		out = append(out, string(buf[:n]))
	}
}

// followKmsg waits for new records until ctx ends.
func followKmsg(ctx context.Context, f *os.File, fn func(string) error) error {
	fds := []unix.PollFd{{Fd: int32(f.Fd()), Events: unix.POLLIN}}
	for ctx.Err() == nil {
		if _, err := unix.Poll(fds, 500); err != nil && !errors.Is(err, unix.EINTR) {
			return err
		}
		lines, err := readKmsg(f, true)
		if err != nil {
			return err
		}
		for _, l := range lines {
			if err := fn(l); err != nil {
				return err
			}
		}
	}
	return nil
}

// formatKmsg renders a /dev/kmsg record "prio,seq,usec,flags;text" as "[seconds] text".
func formatKmsg(rec string) string {
	head, text, ok := strings.Cut(rec, ";")
	if !ok {
		return rec
	}
	text, _, _ = strings.Cut(text, "\n")
	fields := strings.Split(head, ",")
	if len(fields) < 3 {
		return text + "\n"
	}
	usec, err := strconv.ParseUint(fields[2], 10, 64)
	if err != nil {
		return text + "\n"
	}
	return fmt.Sprintf("[%6d.%06d] %s\n", usec/1e6, usec%1e6, text)
}
