package machined

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/cosi-project/runtime/pkg/safe"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/internal/controllers/kubeservice"
	"github.com/cairn-os/cairn/internal/pkg/etcdops"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
	"github.com/cairn-os/cairn/pkg/machinery/resources"
)

// Bounds of a recovery: the snapshot's size (etcd's largest database, 8 GiB, and its sha256),
// the whole call, the longest wait for a chunk, and etcdutl's restore.
const (
	maxSnapshotBytes = 8<<30 + sha256.Size
	recoverTimeout   = time.Hour
	recoverChunkIdle = time.Minute
	restoreTimeout   = 15 * time.Minute
	// etcdutlOutput bounds what is kept of etcdutl's output for an error.
	etcdutlOutput = 4 << 10
)

// etcdutlPath is the etcdutl the image carries.
const etcdutlPath = "/usr/bin/etcdutl"

// recoverScratch is where a snapshot is received and restored before its member moves into
// etcd's data directory: beside it, on the same file system, so that the move is a rename.
var recoverScratch = filepath.Join(filepath.Dir(kubeservice.EtcdDataDir), "etcd-recover")

// bootstrapRecovered is BootstrapRecover's reply.
const bootstrapRecovered = "bootstrap accepted: etcd restored from the snapshot (%d bytes, sha256 checked), etcd and the Kubernetes control plane are starting; follow them with: cairnctl health --wait 10m"

// BootstrapRecover bootstraps this control plane from an etcd snapshot sent in chunks: with
// Bootstrap's preconditions, one at a time, bounded in size, time and idle time; the snapshot
// is checked and restored in a scratch directory first, so that a bad one changes nothing.
func (a *machineAPI) BootstrapRecover(stream machine.MachineService_BootstrapRecoverServer) error {
	ctx, cancel := context.WithCancelCause(stream.Context())
	defer cancel(nil)
	ctx, stop := context.WithTimeoutCause(ctx, recoverTimeout, fmt.Errorf("the recovery took longer than %s: %w", recoverTimeout, context.DeadlineExceeded))
	defer stop()
	// Refused before a byte of the snapshot is received: a node that cannot run the control
	// plane, or that is bootstrapped (or joined) already. The checks run again, locked, before
	// the restored member moves in.
	for _, check := range []func() error{a.n.canBootstrap, a.n.canBootstrapLocked, func() error { return a.n.bootstrapped(ctx) }} {
		if err := check(); err != nil {
			return kubeError(err)
		}
	}
	if !a.n.recovering.CompareAndSwap(false, true) {
		return apierr.Unavailable("another recovery is in progress on this node")
	}
	defer a.n.recovering.Store(false)
	recv := func() ([]byte, error) {
		req, err := stream.Recv()
		return req.GetChunk(), err
	}
	r := (&chunkReader{max: maxSnapshotBytes, idle: recoverChunkIdle, what: "etcd snapshot", hint: "etcd's database is at most 8 GiB: check that this is a snapshot"}).start(ctx, cancel, recv)
	size, err := a.n.recoverEtcd(ctx, r)
	if rerr := r.failure(); rerr != nil {
		return rerr // the upload's own failure says more
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if err != nil {
		return kubeError(err)
	}
	return stream.SendAndClose(&machine.ActionResponse{Messages: []*machine.Action{{Metadata: a.n.md(), Message: fmt.Sprintf(bootstrapRecovered, size)}}})
}

// recoverEtcd receives the snapshot from r, restores it as this node's one-member cluster and
// bootstraps the node with it.
func (n *daemon) recoverEtcd(ctx context.Context, r io.Reader) (int64, error) {
	ip, err := nodeAddress()
	if err != nil {
		return 0, err
	}
	h, err := safe.StateGetByID[*resources.Hostname](ctx, n.st, resources.HostnameID)
	if err != nil {
		return 0, fmt.Errorf("host name: %w", err)
	}
	name := h.TypedSpec().Hostname
	peerURL := "https://" + netip.AddrPortFrom(ip, 2380).String()
	defer func() { _ = os.RemoveAll(recoverScratch) }()
	member, size, err := restoreSnapshot(ctx, r, restoreRequest{
		etcdutl: etcdutlPath, scratch: recoverScratch, name: name, peerURL: peerURL,
		cred: &syscall.Credential{Uid: constants.EtcdUID, Gid: constants.EtcdGID},
	})
	if err != nil {
		return size, err
	}
	n.kubeMu.Lock()
	defer n.kubeMu.Unlock()
	if err := errors.Join(n.canBootstrapLocked(), n.bootstrapped(ctx)); err != nil {
		return size, err
	}
	if err := os.Rename(member, filepath.Join(kubeservice.EtcdDataDir, "member")); err != nil {
		return size, fmt.Errorf("move the restored member into %s: %w", kubeservice.EtcdDataDir, err)
	}
	if err := n.recordBootstrap(ctx, resources.BootstrapRecover); err != nil {
		return size, err
	}
	n.log.Info("etcd restored from a snapshot", "bytes", size, "name", name, "peerURL", peerURL)
	n.events.publish(KindLifecycle, fmt.Sprintf("bootstrap: etcd restored from a %d-byte snapshot; starting etcd and the control plane", size))
	return size, nil
}

// restoreRequest is what restoreSnapshot restores, where and as whom.
type restoreRequest struct {
	etcdutl string // the etcdutl binary
	scratch string // a directory restoreSnapshot owns: emptied first
	// name and peerURL are the one member of the restored cluster.
	name, peerURL string
	// cred runs etcdutl as etcd's user (nil: as the caller), so that the restored files are
	// etcd's.
	cred *syscall.Credential
}

// restoreSnapshot writes the snapshot from r into req.scratch, checking its sha256 trailer as
// it goes, and restores it there with etcdutl (which checks the database too) as a one-member
// cluster; it returns the restored member directory and the snapshot's size. A snapshot that
// fails either check is an InvalidArgument error naming why.
func restoreSnapshot(ctx context.Context, r io.Reader, req restoreRequest) (string, int64, error) {
	if err := os.RemoveAll(req.scratch); err != nil {
		return "", 0, err
	}
	if err := os.MkdirAll(req.scratch, 0o700); err != nil {
		return "", 0, err
	}
	if req.cred != nil {
		if err := os.Chown(req.scratch, int(req.cred.Uid), int(req.cred.Gid)); err != nil {
			return "", 0, err
		}
	}
	snap := filepath.Join(req.scratch, "snapshot.db")
	f, err := os.OpenFile(snap, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", 0, err
	}
	size, err := etcdops.CopySnapshot(f, r)
	if cerr := f.Close(); err == nil && cerr != nil {
		return "", size, cerr
	}
	if err != nil {
		if ctx.Err() != nil {
			return "", size, context.Cause(ctx)
		}
		var pathErr *os.PathError
		if errors.As(err, &pathErr) {
			return "", size, fmt.Errorf("store the snapshot: %w", err)
		}
		return "", size, apierr.Invalid("%v; nothing was changed", err)
	}
	if req.cred != nil {
		if err := os.Chown(snap, int(req.cred.Uid), int(req.cred.Gid)); err != nil {
			return "", size, err
		}
	}
	data := filepath.Join(req.scratch, "data")
	rctx, cancel := context.WithTimeout(ctx, restoreTimeout)
	defer cancel()
	cmd := exec.CommandContext(rctx, req.etcdutl, "snapshot", "restore", snap, //nolint:gosec // the image's etcdutl, on our own scratch files.
		"--data-dir", data, "--name", req.name,
		"--initial-cluster", req.name+"="+req.peerURL, "--initial-advertise-peer-urls", req.peerURL)
	out := &tailBuffer{max: etcdutlOutput}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = []string{}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: req.cred, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Run(); err != nil {
		_ = os.RemoveAll(data) // etcdutl may leave a half-restored member
		if ctx.Err() != nil {
			return "", size, context.Cause(ctx)
		}
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return "", size, apierr.Invalid("etcdutl did not restore the snapshot (%v): %s; nothing was changed", err, lastLine(out.Bytes()))
		}
		return "", size, fmt.Errorf("run etcdutl: %w", err)
	}
	member := filepath.Join(data, "member")
	if st, err := os.Stat(member); err != nil {
		return "", size, fmt.Errorf("etcdutl restored no member directory into %s: %w", data, err)
	} else if !st.IsDir() {
		return "", size, fmt.Errorf("etcdutl restored no member directory into %s: %s is not a directory", data, member)
	}
	return member, size, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = t.b[over:]
	}
	return len(p), nil
}

func (t *tailBuffer) Bytes() []byte { return t.b }

// lastLine is the last non-empty line of out (etcdutl's error), printable.
func lastLine(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(bytes.ToValidUTF8(out, nil))), "\n")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.TrimSpace(lines[len(lines)-1]))
}
