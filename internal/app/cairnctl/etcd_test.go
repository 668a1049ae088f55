package cairnctl

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/etcd"
)

// chunks replays a snapshot stream as a node sends it, then err (io.EOF for a clean end).
type chunks struct {
	msgs []*etcd.SnapshotChunk
	err  error
}

func (c *chunks) Recv() (*etcd.SnapshotChunk, error) {
	if len(c.msgs) == 0 {
		return nil, c.err
	}
	m := c.msgs[0]
	c.msgs = c.msgs[1:]
	return m, nil
}

// snapshotStream is data in chunks of 3 bytes followed by the trailer of want (size, sum).
func snapshotStream(data []byte, size uint64, sum []byte) *chunks {
	c := &chunks{err: io.EOF}
	for len(data) > 0 {
		k := min(3, len(data))
		c.msgs = append(c.msgs, &etcd.SnapshotChunk{Data: data[:k]})
		data = data[k:]
	}
	c.msgs = append(c.msgs, &etcd.SnapshotChunk{Size: size, Sha256: sum})
	return c
}

func TestSaveSnapshot(t *testing.T) {
	data := []byte("an etcd database and its checksum")
	sum := sha256.Sum256(data)
	dir := t.TempDir()
	var stderr bytes.Buffer
	p := &progress{w: &stderr, what: "x", verb: "received"}
	path := filepath.Join(dir, "good.db")
	if err := saveSnapshot(snapshotStream(data, uint64(len(data)), sum[:]), path, p); err != nil {
		t.Fatalf("saveSnapshot(good) = %v", err)
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("saved %q, %v; want %q", got, err, data)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("snapshot mode %v, want 0600", st.Mode().Perm())
	}
	if !strings.Contains(stderr.String(), "bytes received") {
		t.Errorf("progress = %q", stderr.String())
	}
	cut := snapshotStream(data, uint64(len(data)), sum[:])
	cut.msgs = cut.msgs[:len(cut.msgs)-1]
	broken := snapshotStream(data, 0, nil)
	broken.msgs, broken.err = broken.msgs[:2], status.Error(codes.Unavailable, "etcd snapshot: etcd sent no snapshot data for too long")
	after := snapshotStream(data, uint64(len(data)), sum[:])
	after.msgs = append(after.msgs, &etcd.SnapshotChunk{Data: []byte("more")})
	failed := &chunks{msgs: []*etcd.SnapshotChunk{{Metadata: &common.Metadata{Node: "cp-2", Error: "this node runs no etcd", Code: uint32(codes.FailedPrecondition)}}}, err: io.EOF}
	for name, tc := range map[string]struct {
		stream *chunks
		text   string
	}{
		"cut short":       {cut, "without the snapshot's size and sha256"},
		"wrong checksum":  {snapshotStream(data, uint64(len(data)), make([]byte, 32)), "sha256 is"},
		"wrong size":      {snapshotStream(data, 7, sum[:]), "received 33 bytes but the node sent 7"},
		"broken off":      {broken, "no snapshot data for too long"},
		"data after":      {after, "data after the snapshot's checksum"},
		"node error":      {failed, "node cp-2: this node runs no etcd"},
		"nothing at all":  {&chunks{err: io.EOF}, "ended after 0 bytes"},
		"cancelled early": {&chunks{err: status.Error(codes.Canceled, "context canceled")}, "snapshot not saved"},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".db")
		err := saveSnapshot(tc.stream, path, &progress{w: io.Discard})
		if err == nil || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("saveSnapshot(%s) = %v, want an error containing %q", name, err, tc.text)
		}
		for _, p := range []string{path, path + ".part"} {
			if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("saveSnapshot(%s) left %s behind (%v)", name, p, err)
			}
		}
	}
}

func TestEtcdCommandArgs(t *testing.T) {
	for _, args := range [][]string{{"etcd", "snapshot"}, {"etcd", "remove-member"}, {"etcd", "remove-member", "a", "b"}} {
		r := run(t, nil, args...)
		if r.code == 0 || !strings.Contains(r.stderr, "takes one") {
			t.Errorf("cairnctl %q = %d, %q; want a usage error", args, r.code, r.stderr)
		}
	}
	out := mustRun(t, nil, "etcd", "--help")
	for _, sub := range []string{"members", "status", "leave", "remove-member", "defrag", "alarm", "snapshot"} {
		if !strings.Contains(out, sub) {
			t.Errorf("cairnctl etcd --help does not list %s:\n%s", sub, out)
		}
	}
	for _, sub := range [][]string{{"snapshot"}, {"leave"}, {"members"}, {"alarm", "disarm"}} {
		help := mustRun(t, nil, append(append([]string{"etcd"}, sub...), "--help")...)
		if !strings.Contains(help, "role") {
			t.Errorf("cairnctl etcd %s --help names no role:\n%s", sub, help)
		}
	}
}

// FuzzReceiveSnapshot feeds receiveChunks streams cut from arbitrary bytes: whatever it
// accepts is exactly what the trailer's size and sha256 describe.
func FuzzReceiveSnapshot(f *testing.F) {
	sum := sha256.Sum256([]byte("database"))
	f.Add([]byte("database"), uint8(3), uint64(8), sum[:], false)
	f.Add([]byte("database"), uint8(0), uint64(8), sum[:], true)
	f.Add([]byte{}, uint8(1), uint64(0), []byte{}, false)
	f.Fuzz(func(t *testing.T, data []byte, cut uint8, size uint64, sha []byte, extra bool) {
		s := &chunks{err: io.EOF}
		step := int(cut%16) + 1
		for rest := data; len(rest) > 0; {
			k := min(step, len(rest))
			s.msgs = append(s.msgs, &etcd.SnapshotChunk{Data: rest[:k]})
			rest = rest[k:]
		}
		s.msgs = append(s.msgs, &etcd.SnapshotChunk{Size: size, Sha256: sha})
		if extra {
			s.msgs = append(s.msgs, &etcd.SnapshotChunk{Data: []byte{0}})
		}
		var out bytes.Buffer
		if _, err := receiveChunks(s, &out, &progress{w: io.Discard}, "snapshot"); err == nil {
			got := sha256.Sum256(out.Bytes())
			if uint64(out.Len()) != size || !bytes.Equal(got[:], sha) || !bytes.Equal(out.Bytes(), data) {
				t.Errorf("receiveChunks accepted %d bytes against a trailer of %d bytes, sha256 %x", out.Len(), size, sha)
			}
		}
	})
}
