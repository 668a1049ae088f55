// Package peercred admits connections to a unix socket by the credentials of the process on
// the other end (SO_PEERCRED), which the kernel records at connect time and no peer can forge.
package peercred

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"

	"golang.org/x/sys/unix"
)

// Cred is who connected.
type Cred struct {
	PID      int32
	UID, GID uint32
}

// Policy decides whether a peer may stay connected.
type Policy func(Cred) error

// AllowUIDs admits peers whose uid is one of uids.
func AllowUIDs(uids ...uint32) Policy {
	return func(c Cred) error {
		if slices.Contains(uids, c.UID) {
			return nil
		}
		return fmt.Errorf("uid %d is not one of %v", c.UID, uids)
	}
}

// Listener accepts only the connections its policy admits; it closes and logs the others.
type Listener struct {
	net.Listener
	policy Policy
	log    *slog.Logger
}

// Listen wraps a unix socket listener.
func Listen(l net.Listener, policy Policy, log *slog.Logger) *Listener {
	return &Listener{Listener: l, policy: policy, log: log}
}

// Accept returns the next admitted connection.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		cred, err := Of(c)
		if err == nil {
			err = l.policy(cred)
		}
		if err == nil {
			return c, nil
		}
		l.log.Warn("refused a connection to the local socket", "pid", cred.PID, "uid", cred.UID, "gid", cred.GID, "error", err)
		_ = c.Close()
	}
}

// Of returns the credentials of the peer of a unix socket connection.
func Of(c net.Conn) (Cred, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return Cred{}, fmt.Errorf("peer credentials: %T is not a unix socket", c)
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return Cred{}, fmt.Errorf("peer credentials: %w", err)
	}
	var u *unix.Ucred
	var gerr error
	if err := raw.Control(func(fd uintptr) { u, gerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED) }); err != nil {
		return Cred{}, fmt.Errorf("peer credentials: %w", err)
	}
	if gerr != nil {
		return Cred{}, fmt.Errorf("peer credentials: %w", gerr)
	}
	if u == nil {
		return Cred{}, errors.New("peer credentials: none")
	}
	return Cred{PID: u.Pid, UID: u.Uid, GID: u.Gid}, nil
}
