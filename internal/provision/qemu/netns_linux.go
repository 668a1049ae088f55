package qemu

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// nsThread is an OS thread living in the cluster's network namespace. Sockets made and
// processes started from it belong to the namespace; the rest of the daemon stays in the
// host's namespace.
type nsThread struct {
	work chan func()
	done chan struct{}
}

// newNamedNetns creates the named namespace (visible to `ip netns`) and a thread inside it.
func newNamedNetns(name string) (*nsThread, error) {
	t := &nsThread{work: make(chan func()), done: make(chan struct{})}
	errc := make(chan error, 1)
	go func() {
		// Never unlocked: the thread is discarded with the goroutine.
		runtime.LockOSThread()
		ns, err := netns.NewNamed(name)
		errc <- err
		if err != nil {
			return
		}
		defer func() { _ = ns.Close() }()
		for {
			select {
			case f := <-t.work:
				f()
			case <-t.done:
				return
			}
		}
	}()
	if err := <-errc; err != nil {
		return nil, fmt.Errorf("create network namespace %s: %w", name, err)
	}
	return t, nil
}

// do runs f on the namespace thread and returns its error.
func (t *nsThread) do(f func() error) error {
	errc := make(chan error, 1)
	select {
	case t.work <- func() { errc <- f() }:
		return <-errc
	case <-t.done:
		return errors.New("network namespace thread stopped")
	}
}

// dial connects to addr from inside the namespace.
// dialTimeout bounds a dial from the namespace thread, which serves one dial at a time: a
// VM that is gone (no ARP answer) must not hold up the others' forwards.
const dialTimeout = 3 * time.Second

func (t *nsThread) dial(addr string) (net.Conn, error) {
	var c net.Conn
	err := t.do(func() error {
		var err error
		c, err = net.DialTimeout("tcp", addr, dialTimeout)
		return err
	})
	return c, err
}

func (t *nsThread) close() { close(t.done) }

// setupBridge (run inside the namespace) brings lo up, creates the bridge with the gateway
// address and one persistent tap per node attached to it.
func setupBridge(nodes []Node) error {
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		return err
	}
	if err := netlink.LinkSetUp(lo); err != nil {
		return err
	}
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: bridgeName}}
	if err := netlink.LinkAdd(br); err != nil {
		return fmt.Errorf("bridge %s: %w", bridgeName, err)
	}
	addr, _ := netlink.ParseAddr(fmt.Sprintf("%s/%d", Gateway, subnetBits))
	if err := netlink.AddrAdd(br, addr); err != nil {
		return fmt.Errorf("address on %s: %w", bridgeName, err)
	}
	for _, n := range nodes {
		tap := &netlink.Tuntap{LinkAttrs: netlink.LinkAttrs{Name: n.Tap, MasterIndex: br.Index},
			Mode: netlink.TUNTAP_MODE_TAP, Flags: netlink.TUNTAP_NO_PI | netlink.TUNTAP_VNET_HDR}
		if err := netlink.LinkAdd(tap); err != nil {
			return fmt.Errorf("tap %s: %w", n.Tap, err)
		}
		for _, f := range tap.Fds {
			_ = f.Close()
		}
		l, err := netlink.LinkByName(n.Tap)
		if err != nil {
			return err
		}
		if err := netlink.LinkSetMaster(l, br); err != nil {
			return fmt.Errorf("tap %s to %s: %w", n.Tap, bridgeName, err)
		}
		if err := netlink.LinkSetUp(l); err != nil {
			return err
		}
	}
	return netlink.LinkSetUp(br)
}

// deleteNetns removes the named namespace; the bridge and taps go with it once no process
// holds it. A namespace that is already gone is not an error.
func deleteNetns(name string) error {
	file := filepath.Join("/run/netns", name)
	if err := unix.Unmount(file, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("delete network namespace %s: %w", name, err)
	}
	if err := os.Remove(file); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("delete network namespace %s: %w", name, err)
	}
	return nil
}
