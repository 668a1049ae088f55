package cairnctl

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/etcd"
)

func newEtcdSnapshotCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "snapshot FILE",
		Short: "Save a consistent etcd snapshot of one control-plane node to FILE (os:etcd:backup or os:admin)",
		Long: `Stream a consistent snapshot of the target node's etcd member into FILE: it holds every write
the cluster acknowledged before the call, in the format of "etcdctl snapshot save" (the
database followed by etcd's sha256 of it, which "etcdutl snapshot restore" checks). It is
written to FILE.part (mode 0600: it holds every secret of the cluster), checked against the
size and sha256 the node sends last, and renamed to FILE only then; on any failure nothing is
left behind. Progress goes to stderr. It takes one node (--nodes names at most one). It needs
the os:etcd:backup role, which may do nothing else, or os:admin.`,
		Example: "  cairnctl etcd snapshot backup.db --nodes 10.5.0.2",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("snapshot takes one file name, got %d argument(s): cairnctl etcd snapshot FILE", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return etcdSnapshot(cmd, g, args[0]) },
	}
}

func etcdSnapshot(cmd *cobra.Command, g *globals, path string) error {
	s, err := g.connect(nil)
	if err != nil {
		return err
	}
	defer s.Close()
	if len(s.nodes) > 1 {
		return fmt.Errorf("--nodes names %d nodes: a snapshot comes from one node; name one control-plane node", len(s.nodes))
	}
	stream, err := s.c.Etcd.Snapshot(s.ctx(cmd.Context()), &common.Empty{})
	if err != nil {
		return apiError(err)
	}
	p := &progress{w: cmd.ErrOrStderr(), what: path, every: time.Second, verb: "received"}
	if err := saveSnapshot(stream, path, p); err != nil {
		return err
	}
	p.done("sha256 checked, saved")
	return nil
}

// saveSnapshot writes the stream to path+".part", checks it against the stream's last message
// and renames it to path; on failure it removes the part file.
func saveSnapshot(stream receiver[*etcd.SnapshotChunk], path string, p *progress) (err error) {
	part := path + ".part"
	f, err := os.OpenFile(part, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(part)
		}
	}()
	if _, err := receiveChunks(stream, f, p, "snapshot"); err != nil {
		return fmt.Errorf("snapshot not saved: %w", err)
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return err
	}
	return os.Rename(part, path)
}

// chunk is a message of a checked stream: data, and in the last message the total size and
// the sha256 of all data (etcd snapshots, SBOMs).
type chunk interface {
	reply
	GetData() []byte
	GetSize() uint64
	GetSha256() []byte
}

// receiveChunks copies the data of the stream to w and checks its size and sha256 against
// the stream's last message, which it returns; a stream that ends without it was cut short.
// what names the data in errors ("snapshot").
func receiveChunks[T chunk](stream receiver[T], w io.Writer, p *progress, what string) (T, error) {
	h := sha256.New()
	var trailer, zero T
	seen := false
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			if !seen {
				return zero, fmt.Errorf("the stream ended after %d bytes without the %s's size and sha256: it was cut short", p.sent, what)
			}
			return trailer, checkTrailer(trailer, h, p.sent)
		}
		if err != nil {
			return zero, apiError(err)
		}
		if m.GetMetadata().GetError() != "" {
			return zero, &nodeReplyError{md: m.GetMetadata()}
		}
		if seen {
			return zero, fmt.Errorf("the node sent data after the %s's checksum, at byte %d", what, p.sent)
		}
		if _, err := w.Write(m.GetData()); err != nil {
			return zero, err
		}
		h.Write(m.GetData())
		p.add(len(m.GetData()))
		if m.GetSha256() != nil {
			trailer, seen = m, true
		}
	}
}

func checkTrailer(trailer chunk, h hash.Hash, n int64) error {
	switch {
	case trailer.GetSize() != uint64(n):
		return fmt.Errorf("received %d bytes but the node sent %d", n, trailer.GetSize())
	case !bytes.Equal(h.Sum(nil), trailer.GetSha256()):
		return fmt.Errorf("the received bytes' sha256 is %x but the node's is %x", h.Sum(nil), trailer.GetSha256())
	}
	return nil
}
