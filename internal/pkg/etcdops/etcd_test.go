package etcdops_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/pkg/etcdops"
	"github.com/cairn-os/cairn/internal/pkg/etcdops/etcdtest"
)

func client(t *testing.T, c *etcdtest.Cluster, i int) *etcdops.Client {
	t.Helper()
	cl, err := etcdops.NewClient(c.PKIDir, c.Members[i].ClientURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// TestRealCluster runs every operation against a real three-member etcd (the version the image
// ships) with TLS client certificates, in the order an operator would meet them.
func TestRealCluster(t *testing.T) {
	c := etcdtest.Start(t, 3)
	ctx := context.Background()
	cl := client(t, c, 0)

	self, members, err := cl.Members(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 3 {
		t.Fatalf("Members() = %d members, want 3", len(members))
	}
	for i, m := range members {
		if m.Learner || len(m.PeerURLs) != 1 || len(m.ClientURLs) != 1 || m.Name == "" {
			t.Errorf("members[%d] = %+v", i, m)
		}
	}
	t.Run("status", func(t *testing.T) { testStatus(t, cl, members) })
	t.Run("snapshot restores every key", func(t *testing.T) { testSnapshot(t, c, cl) })
	t.Run("alarms and defrag", func(t *testing.T) {
		if a, err := cl.Alarms(ctx); err != nil || len(a) != 0 {
			t.Errorf("Alarms() = %v, %v; want none", a, err)
		}
		if a, err := cl.Disarm(ctx); err != nil || len(a) != 0 {
			t.Errorf("Disarm() = %v, %v; want none", a, err)
		}
		if err := cl.Defrag(ctx); err != nil {
			t.Errorf("Defrag() = %v", err)
		}
	})
	t.Run("membership", func(t *testing.T) { testMembership(t, c, cl, self, members) })
}

func testStatus(t *testing.T, cl *etcdops.Client, members []etcdops.Member) {
	leaders := 0
	for _, s := range cl.Status(context.Background(), members) {
		if s.Err != nil || !s.Healthy() {
			t.Errorf("status of %s: %v", s.Member.Name, s.Err)
			continue
		}
		if s.Leader {
			leaders++
		}
		if s.Version != "3.6.16" || s.RaftIndex == 0 || s.RaftTerm == 0 || s.DBSize == 0 || s.Endpoint != s.Member.ClientURLs[0] {
			t.Errorf("status of %s = %+v", s.Member.Name, s)
		}
	}
	if leaders != 1 {
		t.Errorf("%d members say they lead, want 1", leaders)
	}
}

func testSnapshot(t *testing.T, c *etcdtest.Cluster, cl *etcdops.Client) {
	kvs := map[string]string{}
	for i := range 1000 {
		kvs[fmt.Sprintf("/registry/configmaps/default/cm-%04d", i)] = strings.Repeat("v", i%97) + fmt.Sprint(i)
	}
	c.Put(t, 1, kvs)
	path := filepath.Join(t.TempDir(), "etcd.snapshot")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	n, err := cl.Snapshot(context.Background(), f, 10*time.Second)
	if err := errors.Join(err, f.Close()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil || int64(len(data)) != n {
		t.Fatalf("snapshot file holds %d bytes, Snapshot wrote %d (%v)", len(data), n, err)
	}
	if sum := sha256.Sum256(data[:n-sha256.Size]); string(sum[:]) != string(data[n-sha256.Size:]) {
		t.Fatal("the snapshot file does not end with the sha256 of its database")
	}
	t.Logf("snapshot of %d keys: %d bytes in %v", len(kvs), n, time.Since(start).Round(time.Millisecond))
	restored := etcdtest.Restore(t, path)
	got := restored.All(t, 0)
	for k, v := range kvs {
		if got[k] != v {
			t.Fatalf("restored %s = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(kvs) {
		t.Errorf("restored %d keys, want %d", len(got), len(kvs))
	}
}

func testMembership(t *testing.T, c *etcdtest.Cluster, cl *etcdops.Client, self uint64, members []etcdops.Member) {
	ctx := context.Background()
	id := func(i int) uint64 { return byName(t, members, c.Members[i].Name).ID }
	if _, err := cl.RemoveMember(ctx, self); !errors.Is(err, etcdops.ErrRefused) || !strings.Contains(err.Error(), "leave") {
		t.Errorf("RemoveMember(self) = %v, want a refusal naming leave", err)
	}
	if _, err := cl.RemoveMember(ctx, 0xdead); !errors.Is(err, etcdops.ErrNotFound) || !strings.Contains(err.Error(), "dead") {
		t.Errorf("RemoveMember(dead) = %v, want not found naming the ID", err)
	}
	c.Stop(2)
	// With node-3 down, removing the healthy node-2 leaves node-1 alone of two voting members.
	if _, err := cl.RemoveMember(ctx, id(1)); !errors.Is(err, etcdops.ErrRefused) || !strings.Contains(err.Error(), "would lose quorum") {
		t.Fatalf("RemoveMember(healthy node-2 with node-3 down) = %v, want a quorum refusal", err)
	}
	r, err := cl.RemoveMember(ctx, id(2))
	if err != nil || r.Member.Name != "node-3" || len(r.Remaining) != 2 {
		t.Fatalf("RemoveMember(stopped node-3) = %+v, %v", r, err)
	}
	c.Settle()
	// node-2 leaves: node-1 alone is a quorum of the one-member cluster that remains.
	r, err = client(t, c, 1).Leave(ctx)
	if err != nil || r.Member.Name != "node-2" {
		t.Fatalf("Leave() on node-2 = %+v, %v", r, err)
	}
	if !c.Exited(1, 20*time.Second) {
		t.Error("node-2's etcd still runs 20 s after it left")
	}
	// node-2 may have led: wait for node-1 to lead alone.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if _, _, err := cl.Members(ctx, true); err == nil {
			break
		}
	}
	if _, err := cl.Leave(ctx); !errors.Is(err, etcdops.ErrRefused) || !strings.Contains(err.Error(), "last voting member") {
		t.Errorf("Leave() on the last member = %v, want a refusal", err)
	}
	if _, left, err := cl.Members(ctx, true); err != nil || len(left) != 1 {
		t.Errorf("Members() after leave = %v, %v; want node-1 alone", left, err)
	}
}

func byName(t *testing.T, members []etcdops.Member, name string) etcdops.Member {
	t.Helper()
	for _, m := range members {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no member %s in %v", name, members)
	return etcdops.Member{}
}

// TestNoSpaceAlarm fills a real etcd past a small quota: etcd raises NOSPACE, the status and
// the alarm list show it, and Disarm deactivates it once space is free again.
func TestNoSpaceAlarm(t *testing.T) {
	c := etcdtest.Start(t, 1, "--quota-backend-bytes", "1048576")
	cl := client(t, c, 0)
	ctx := context.Background()
	value := strings.Repeat("x", 64<<10)
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		err = c.TryPut(0, fmt.Sprint("k", i%4), value)
	}
	if err == nil || !strings.Contains(err.Error(), "database space exceeded") {
		t.Fatalf("writing 6 MiB under a 1 MiB quota: %v, want database space exceeded", err)
	}
	alarms, err := cl.Alarms(ctx)
	if err != nil || len(alarms) != 1 || alarms[0].Alarm != "NOSPACE" {
		t.Fatalf("Alarms() = %+v, %v; want NOSPACE", alarms, err)
	}
	_, members, err := cl.Members(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if s := cl.Status(ctx, members)[0]; len(s.Errors) == 0 || !strings.Contains(strings.Join(s.Errors, " "), "NOSPACE") {
		t.Errorf("Status().Errors = %q, want the NOSPACE alarm", s.Errors)
	}
	if err := compactAll(t, c); err != nil {
		t.Fatal(err)
	}
	if err := cl.Defrag(ctx); err != nil {
		t.Fatalf("Defrag() = %v", err)
	}
	if got, err := cl.Disarm(ctx); err != nil || len(got) != 1 || got[0].MemberID != members[0].ID {
		t.Fatalf("Disarm() = %+v, %v", got, err)
	}
	if alarms, err := cl.Alarms(ctx); err != nil || len(alarms) != 0 {
		t.Errorf("Alarms() after Disarm = %+v, %v; want none", alarms, err)
	}
	if err := c.TryPut(0, "after", "disarm"); err != nil {
		t.Errorf("a write after defrag and disarm: %v", err)
	}
}

// compactAll compacts the history up to the current revision, so a defrag frees its space.
func compactAll(t *testing.T, c *etcdtest.Cluster) error {
	t.Helper()
	rev, err := c.Revision(0)
	if err != nil {
		return err
	}
	return c.Compact(0, rev)
}
