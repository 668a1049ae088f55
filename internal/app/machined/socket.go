package machined

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/pkg/machinery/constants"
)

// listenSocket creates machined's unix socket: mode 0660 root:cairn-api in a directory 0750
// root:cairn-api (0600 and 0700 when machined is not root). The state directory, when it holds
// the socket, keeps its 0700: services reach the socket through a descriptor they inherit.
func (n *daemon) listenSocket() (net.Listener, error) {
	dir := filepath.Dir(n.opts.Socket)
	dirMode, sockMode := os.FileMode(0o750), os.FileMode(0o660)
	if !n.sandbox.privileged {
		dirMode, sockMode = 0o700, 0o600
	}
	if dir == n.opts.State {
		dirMode = 0o700
	}
	if err := secureDir(dir, dirMode, n.sandbox.privileged); err != nil {
		return nil, err
	}
	if err := os.Remove(n.opts.Socket); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("remove stale socket: %w", err)
	}
	// Until restrictSocket, the socket's directory keeps others out.
	lis, err := net.Listen("unix", n.opts.Socket)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", n.opts.Socket, err)
	}
	if err := n.restrictSocket(sockMode); err != nil {
		_ = lis.Close()
		return nil, err
	}
	return lis, nil
}

// secureDir creates dir with mode and, when privileged, gives it to root:cairn-api.
func secureDir(dir string, mode os.FileMode, privileged bool) error {
	if err := os.MkdirAll(dir, mode); err != nil {
		return fmt.Errorf("create socket directory: %w", err)
	}
	if privileged && mode&0o070 != 0 {
		if err := os.Chown(dir, 0, constants.APIGroupGID); err != nil {
			return fmt.Errorf("socket directory %s: %w", dir, err)
		}
	}
	if err := os.Chmod(dir, mode); err != nil {
		return fmt.Errorf("socket directory %s: %w", dir, err)
	}
	return nil
}

// restrictSocket sets the socket's owner and mode and opens it O_PATH for the services.
func (n *daemon) restrictSocket(mode os.FileMode) error {
	if n.sandbox.privileged {
		if err := os.Chown(n.opts.Socket, 0, constants.APIGroupGID); err != nil {
			return fmt.Errorf("restrict socket: %w", err)
		}
	}
	if err := os.Chmod(n.opts.Socket, mode); err != nil {
		return fmt.Errorf("restrict socket: %w", err)
	}
	f, err := os.OpenFile(n.opts.Socket, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open socket: %w", err)
	}
	n.socketFile = f
	return nil
}
