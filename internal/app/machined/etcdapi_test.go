package machined

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/internal/pkg/etcdops"
	"github.com/cairn-os/cairn/internal/pkg/etcdops/etcdtest"
	"github.com/cairn-os/cairn/internal/pkg/supervisor"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/etcd"
)

// serveEtcdAPI serves the etcd API over gRPC on loopback, with machined's error conversion,
// backed by open (and left, when given, as the leave hook), and returns a client.
func serveEtcdAPI(t *testing.T, open func() (*etcdops.Client, error), left ...func(etcdops.Removal)) etcd.EtcdServiceClient {
	t.Helper()
	gs := grpc.NewServer(
		grpc.UnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			resp, err := h(ctx, req)
			return resp, apierr.ToGRPC(err)
		}),
		grpc.StreamInterceptor(func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
			return apierr.ToGRPC(h(srv, ss))
		}),
	)
	api := &etcdAPI{log: slog.New(slog.DiscardHandler), md: func() *common.Metadata { return &common.Metadata{Hostname: "cp-1"} }, open: open}
	if len(left) > 0 {
		api.left = left[0]
	}
	etcd.RegisterEtcdServiceServer(gs, api)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = gs.Serve(lis) }()
	t.Cleanup(gs.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return etcd.NewEtcdServiceClient(conn)
}

func wantCode(t *testing.T, call string, err error, code codes.Code, text string) {
	t.Helper()
	if status.Code(err) != code || !strings.Contains(err.Error(), text) {
		t.Errorf("%s = %v, want %v containing %q", call, err, code, text)
	}
}

func TestEtcdAPINoEtcd(t *testing.T) {
	c := serveEtcdAPI(t, func() (*etcdops.Client, error) { return nil, errNoEtcd })
	ctx := context.Background()
	_, err := c.Members(ctx, &common.Empty{})
	wantCode(t, "Members", err, codes.FailedPrecondition, "this node runs no etcd")
	s, err := c.Snapshot(ctx, &common.Empty{})
	if err == nil {
		_, err = s.Recv()
	}
	wantCode(t, "Snapshot", err, codes.FailedPrecondition, "this node runs no etcd")
	_, err = c.RemoveMember(ctx, &etcd.RemoveMemberRequest{Id: "node-2"})
	wantCode(t, "RemoveMember(node-2)", err, codes.InvalidArgument, `invalid argument: id: member ID "node-2" is not a hexadecimal`)
}

// TestEtcdAPIRealEtcd runs the handlers over gRPC against a real three-member etcd.
func TestEtcdAPIRealEtcd(t *testing.T) {
	cluster := etcdtest.Start(t, 3)
	var departed []etcdops.Removal
	c := serveEtcdAPI(t, func() (*etcdops.Client, error) {
		return etcdops.NewClient(cluster.PKIDir, cluster.Members[0].ClientURL)
	}, func(r etcdops.Removal) { departed = append(departed, r) })
	ctx := context.Background()
	ms, err := c.Members(ctx, &common.Empty{})
	if err != nil || len(ms.GetMessages()) != 1 || len(ms.GetMessages()[0].GetMembers()) != 3 || ms.GetMessages()[0].GetMetadata().GetHostname() != "cp-1" {
		t.Fatalf("Members = %v, %v", ms, err)
	}
	st, err := c.Status(ctx, &common.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	leaders := 0
	for _, m := range st.GetMessages()[0].GetMembers() {
		if m.GetError() != "" || m.GetDbSize() == 0 || m.GetVersion() != "3.6.16" {
			t.Errorf("status of %s = %v", m.GetMember().GetName(), m)
		}
		if m.GetLeader() {
			leaders++
		}
	}
	if leaders != 1 {
		t.Errorf("Status names %d leaders, want 1", leaders)
	}
	_, err = c.RemoveMember(ctx, &etcd.RemoveMemberRequest{Id: "abc"})
	wantCode(t, "RemoveMember(abc)", err, codes.NotFound, "member ID abc is not in the member list")
	_, err = c.RemoveMember(ctx, &etcd.RemoveMemberRequest{Id: ms.GetMessages()[0].GetSelf()})
	wantCode(t, "RemoveMember(self)", err, codes.FailedPrecondition, "leave")
	if a, err := c.AlarmList(ctx, &common.Empty{}); err != nil || len(a.GetMessages()[0].GetAlarms()) != 0 {
		t.Errorf("AlarmList = %v, %v", a, err)
	}
	if _, err := c.Defrag(ctx, &common.Empty{}); err != nil {
		t.Errorf("Defrag = %v", err)
	}
	t.Run("snapshot", func(t *testing.T) { testSnapshotStream(t, cluster, c) })
	t.Run("remove and leave", func(t *testing.T) { testRemoveLeave(t, cluster, c, ms.GetMessages()[0]) })
	if len(departed) != 1 || departed[0].Member.Name != "node-1" {
		t.Errorf("the leave hook saw %+v, want node-1 leaving once", departed)
	}
}

// testRemoveLeave removes the stopped node-3 by ID, then node-1 (the API's node) leaves.
func testRemoveLeave(t *testing.T, cluster *etcdtest.Cluster, c etcd.EtcdServiceClient, ms *etcd.Members) {
	ctx := context.Background()
	var id string
	for _, m := range ms.GetMembers() {
		if m.GetName() == "node-3" {
			id = m.GetId()
		}
	}
	cluster.Stop(2)
	r, err := c.RemoveMember(ctx, &etcd.RemoveMemberRequest{Id: id})
	if err != nil || !strings.Contains(r.GetMessages()[0].GetMessage(), "etcd member "+id+" (node-3) removed; 2 member(s) remain") {
		t.Fatalf("RemoveMember(%s) = %v, %v", id, r, err)
	}
	cluster.Settle()
	r, err = c.Leave(ctx, &common.Empty{})
	if err != nil || !strings.Contains(r.GetMessages()[0].GetMessage(), "(node-1) left the cluster; 1 member(s) remain") {
		t.Fatalf("Leave() = %v, %v", r, err)
	}
	if !cluster.Exited(0, 20*time.Second) {
		t.Error("node-1's etcd still runs 20 s after it left")
	}
	_, err = c.Members(ctx, &common.Empty{})
	wantCode(t, "Members() after leaving", err, codes.Unavailable, "connection refused")
}

func testSnapshotStream(t *testing.T, cluster *etcdtest.Cluster, c etcd.EtcdServiceClient) {
	kvs := map[string]string{}
	for i := range 1500 {
		kvs[fmt.Sprintf("/registry/secrets/k-%d", i)] = strings.Repeat(fmt.Sprint(i%10), 1024)
	}
	cluster.Put(t, 2, kvs)
	s, err := c.Snapshot(context.Background(), &common.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	var data []byte
	var last *etcd.SnapshotChunk
	chunks := 0
	for {
		m, err := s.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(m.GetData()) > snapshotChunk {
			t.Fatalf("a chunk of %d bytes, more than %d", len(m.GetData()), snapshotChunk)
		}
		data = append(data, m.GetData()...)
		chunks++
		last = m
	}
	sum := sha256.Sum256(data)
	if last.GetSize() != uint64(len(data)) || !bytes.Equal(last.GetSha256(), sum[:]) || chunks < 4 {
		t.Fatalf("snapshot of %d bytes in %d messages; trailer says %d bytes, sha256 %x (want %x)", len(data), chunks, last.GetSize(), last.GetSha256(), sum)
	}
	db := sha256.Sum256(data[:len(data)-sha256.Size])
	if !bytes.Equal(db[:], data[len(data)-sha256.Size:]) {
		t.Error("the snapshot does not end with etcd's sha256 of the database")
	}
	// A caller that went away ends the call at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if s, err := c.Snapshot(ctx, &common.Empty{}); err == nil {
		_, err = s.Recv()
		wantCode(t, "Snapshot(cancelled)", err, codes.Canceled, "")
	}
}

// TestEtcdSnapshotOneAtATime: while a snapshot is being taken, a second caller is told to come
// back (Unavailable) before the node asks etcd for anything.
func TestEtcdSnapshotOneAtATime(t *testing.T) {
	a := &etcdAPI{}
	a.snapshot.Lock()
	err := apierr.ToGRPC(a.Snapshot(nil, nil))
	if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "another etcd snapshot") {
		t.Errorf("Snapshot during another = %v, want Unavailable naming the other snapshot", err)
	}
	a.snapshot.Unlock()
}

// TestLeaveEtcdForReset: a graceful reset makes its member leave a real three-member etcd;
// the last voting member, or an etcd that does not answer, refuses the reset with a reason and
// the way out; a node whose etcd never started leaves nothing.
func TestLeaveEtcdForReset(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	ctx := context.Background()
	never := func() (*etcdops.Client, error) {
		t.Fatal("etcd opened for a node whose etcd never started")
		return nil, nil
	}
	for _, st := range []supervisor.State{supervisor.StateWaiting, supervisor.StateStopped} {
		if msg, err := leaveEtcd(ctx, log, st, true, never); msg != "" || err != nil {
			t.Errorf("etcd %s: leaveEtcd = %q, %v; want nothing", st, msg, err)
		}
	}
	if msg, err := leaveEtcd(ctx, log, "", false, never); msg != "" || err != nil {
		t.Errorf("no etcd: leaveEtcd = %q, %v; want nothing", msg, err)
	}
	_, err := leaveEtcd(ctx, log, supervisor.StateBackoff, true, func() (*etcdops.Client, error) {
		return etcdops.NewClient(t.TempDir(), "https://127.0.0.1:1")
	})
	if !errors.Is(err, apierr.ErrFailedPrecondition) || !strings.Contains(err.Error(), "--graceful=false") {
		t.Errorf("etcd not answering: leaveEtcd = %v, want a precondition naming --graceful=false", err)
	}

	three := etcdtest.Start(t, 3)
	three.Settle() // etcd refuses a membership change until its members have been connected a while
	three.Stop(2)
	_, err = leaveEtcd(ctx, log, supervisor.StateRunning, true, opener(three, 0))
	if !errors.Is(err, apierr.ErrFailedPrecondition) || !strings.Contains(err.Error(), "would lose quorum") || !strings.Contains(err.Error(), "Nothing was changed") {
		t.Errorf("leaveEtcd(node-1 of 3, node-3 down) = %v, want a refusal naming quorum", err)
	}
	two := etcdtest.Start(t, 2)
	two.Settle()
	msg, err := leaveEtcd(ctx, log, supervisor.StateRunning, true, opener(two, 0))
	if err != nil || !strings.Contains(msg, "(node-1) left the cluster, 1 member(s) remain") {
		t.Fatalf("leaveEtcd(node-1 of 2) = %q, %v", msg, err)
	}
	waitMembers(t, opener(two, 1)) // node-2 alone elects itself leader first
	_, err = leaveEtcd(ctx, log, supervisor.StateRunning, true, opener(two, 1))
	if !errors.Is(err, apierr.ErrFailedPrecondition) || !strings.Contains(err.Error(), "is the last voting member") {
		t.Errorf("leaveEtcd(the last member) = %v, want a refusal", err)
	}
}

// waitMembers waits (at most 30 s) until the member that open reaches lists the members.
func waitMembers(t *testing.T, open func() (*etcdops.Client, error)) {
	t.Helper()
	c, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, _, err := c.Members(context.Background(), true)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the member list: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func opener(c *etcdtest.Cluster, i int) func() (*etcdops.Client, error) {
	return func() (*etcdops.Client, error) { return etcdops.NewClient(c.PKIDir, c.Members[i].ClientURL) }
}
