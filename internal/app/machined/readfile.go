package machined

import (
	"context"
	"errors"
	"path"

	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
)

// readChunk is the size of one read of readBounded: the caller's cancellation is checked
// between two of them.
const readChunk = 64 << 10

// streamFile reports the files under the readable trees that look regular but never end:
// reading them blocks until the kernel has more to say (and /proc/kmsg consumes the kernel
// log it returns).
func streamFile(p string) bool {
	switch path.Base(p) {
	case "trace_pipe", "trace_pipe_raw":
		return true
	}
	return p == "/proc/kmsg"
}

// fileKind names what a non-regular file is.
func fileKind(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return "a directory (use List)"
	case unix.S_IFIFO:
		return "a named pipe"
	case unix.S_IFCHR:
		return "a character device"
	case unix.S_IFBLK:
		return "a block device"
	case unix.S_IFSOCK:
		return "a socket"
	}
	return "not a regular file"
}

// readBounded reads the regular file p (asked for as name) without ever blocking: it is
// opened non-blocking (a named pipe's open would wait for a writer), anything but a regular
// file is refused, a read that would wait is refused, and at most maxReadBytes are read,
// checking ctx between reads.
func readBounded(ctx context.Context, name, p string) ([]byte, error) {
	if streamFile(p) {
		return nil, apierr.Invalid("path: %q is a stream that never ends: Read serves files that end (the kernel log: use dmesg)", name)
	}
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fileError(name, err)
	}
	defer func() { _ = unix.Close(fd) }()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, fileError(name, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, apierr.Invalid("path: %q is %s, not a regular file: Read serves regular files only", name, fileKind(st.Mode))
	}
	return readAll(ctx, name, fd)
}

// readAll reads fd to its end, at most maxReadBytes of it.
func readAll(ctx context.Context, name string, fd int) ([]byte, error) {
	var data []byte
	buf := make([]byte, readChunk)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := unix.Read(fd, buf)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EAGAIN):
			return nil, apierr.Invalid("path: %q has nothing to read and would wait for more: it is a stream, not a file that ends", name)
		case err != nil:
			return nil, fileError(name, err)
		case n == 0:
			return data, nil
		}
		data = append(data, buf[:n]...)
		if len(data) > maxReadBytes {
			return nil, apierr.Invalid("path: %q is larger than the read limit of %d bytes", name, maxReadBytes)
		}
	}
}
