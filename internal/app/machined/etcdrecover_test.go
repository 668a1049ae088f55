package machined

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/internal/pkg/etcdops"
	"github.com/cairn-os/cairn/internal/pkg/etcdops/etcdtest"
)

// TestRestoreSnapshot restores a real etcd's snapshot with the etcdutl the image carries (same
// version), and refuses, as InvalidArgument, a truncated snapshot, an altered one, and one whose
// checksum holds but whose database is not etcd's (etcdutl's own check).
func TestRestoreSnapshot(t *testing.T) {
	c := etcdtest.Start(t, 1)
	c.Put(t, 0, map[string]string{"/registry/configmaps/default/a": "1", "/registry/configmaps/default/b": "2"})
	cl, err := etcdops.NewClient(c.PKIDir, c.Members[0].ClientURL)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var snap bytes.Buffer
	if _, err := cl.Snapshot(ctx, &snap, time.Minute); err != nil {
		t.Fatal(err)
	}
	good := snap.Bytes()
	req := restoreRequest{etcdutl: etcdtest.Etcdutl(t), name: "cp-9", peerURL: "https://127.0.0.9:2380"}

	req.scratch = filepath.Join(t.TempDir(), "scratch")
	member, size, err := restoreSnapshot(ctx, bytes.NewReader(good), req)
	if err != nil || size != int64(len(good)) {
		t.Fatalf("restoreSnapshot(good) = %q, %d, %v", member, size, err)
	}
	if _, err := os.Stat(filepath.Join(member, "snap", "db")); err != nil {
		t.Errorf("the restored member has no database: %v", err)
	}

	sum := sha256.Sum256([]byte("not a bolt database"))
	altered := bytes.Clone(good)
	altered[len(altered)/2] ^= 0xff
	for _, tc := range []struct {
		name, data, want string
	}{
		{"truncated", string(good[:len(good)/2]), "not the sha256"},
		{"altered", string(altered), "not the sha256"},
		{"empty", "", "holds no database"},
		{"not etcd's", "not a bolt database" + string(sum[:]), "etcdutl did not restore the snapshot"},
	} {
		req.scratch = filepath.Join(t.TempDir(), "scratch")
		_, _, err := restoreSnapshot(ctx, strings.NewReader(tc.data), req)
		if !errors.Is(err, apierr.ErrInvalidArgument) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "nothing was changed") {
			t.Errorf("%s snapshot: %v, want InvalidArgument with %q", tc.name, err, tc.want)
		}
		if _, err := os.Stat(filepath.Join(req.scratch, "data", "member")); err == nil {
			t.Errorf("%s snapshot: a member was left in the scratch directory", tc.name)
		}
	}
}
