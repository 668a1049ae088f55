package cairnctl

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/internal/pkg/grpcsock"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

// standInNode stands in for a node in the tests of upgrade's client side: it records what an
// Upgrade sends, and answers Version from a script (nil: the node does not answer; the last
// answer repeats).
type standInNode struct {
	machine.UnimplementedMachineServiceServer
	mu                      sync.Mutex
	first                   *machine.UpgradeRequest
	chunks, bytes, maxChunk int
	versions                []*machine.Version
	asked                   int
}

func (s *standInNode) Upgrade(st machine.MachineService_UpgradeServer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		req, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if s.first == nil {
			s.first = req
			continue
		}
		s.chunks, s.bytes, s.maxChunk = s.chunks+1, s.bytes+len(req.GetChunk()), max(s.maxChunk, len(req.GetChunk()))
	}
	return st.SendAndClose(&machine.UpgradeResponse{Messages: []*machine.Upgrade{{
		Metadata: &common.Metadata{Hostname: "node-t"}, Version: "v2", Slot: "b", Rebooting: !s.first.GetStage(), Message: "written to slot b",
	}}})
}

func (s *standInNode) Version(context.Context, *common.Empty) (*machine.VersionResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.versions[min(s.asked, len(s.versions)-1)]
	s.asked++
	if v == nil {
		return nil, status.Error(codes.Unavailable, "connection refused")
	}
	return &machine.VersionResponse{Messages: []*machine.Version{v}}, nil
}

// upgradeWith runs the client side of an upgrade of image against node with flags f, and
// returns its standard output, standard error and error.
func upgradeWith(t *testing.T, node *standInNode, f *upgradeFlags) (string, string, error) {
	t.Helper()
	gs := grpc.NewServer()
	machine.RegisterMachineServiceServer(gs, node)
	s := &session{c: &client.Client{Machine: machine.NewMachineServiceClient(grpcsock.Serve(t, gs))}}
	var out, errOut bytes.Buffer
	cmd := &cobra.Command{}
	cmd.SetContext(context.Background())
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	f.out.format, f.poll = "table", time.Millisecond
	err := f.upgradeNode(cmd, s, "", &upgradeResults{})
	return out.String(), errOut.String(), err
}

func imageFile(t *testing.T, size int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cairn.img")
	if err := os.WriteFile(p, make([]byte, size), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestUpgradeSendAndWait: the image goes in chunks of at most 1 MiB after a first message that
// carries stage alone; --wait follows the node down, up on trial, then good, and prints its slots.
func TestUpgradeSendAndWait(t *testing.T) {
	node := &standInNode{versions: []*machine.Version{
		nodeVersion("v1", "metal", "a:v1:good:1:*", "b:v2:trial:2:"), nil, nil,
		nodeVersion("v2", "metal", "a:v1:good:1:", "b:v2:trial:2:*"),
		nodeVersion("v2", "metal", "a:v1:good:1:", "b:v2:good:2:*"),
	}}
	img := imageFile(t, 5<<19) // 2.5 MiB
	out, errOut, err := upgradeWith(t, node, &upgradeFlags{image: img, wait: true, waitTimeout: time.Minute})
	if err != nil {
		t.Fatalf("upgrade --wait: %v\n%s", err, errOut)
	}
	if node.first.GetStage() || len(node.first.GetChunk()) != 0 || node.chunks != 3 || node.bytes != 5<<19 || node.maxChunk != 1<<20 {
		t.Errorf("the node got first %v, then %d chunks of %d bytes (largest %d); want stage false alone, then 3 chunks of 2.5 MiB", node.first, node.chunks, node.bytes, node.maxChunk)
	}
	wantIn(t, "stderr", errOut, "cairn.img: 2621440 bytes sent, verified and written", "waiting (0s): still answers from slot a", "not answering (Unavailable: connection refused)",
		"runs Cairn v2 from slot b on trial: waiting for its health check")
	wantIn(t, "stdout", out, "node-t: written to slot b\n10.0.0.1: runs Cairn v2\n\tSlots:\n", "b      v2        good     2            yes (booted)")
}

// TestUpgradeWaitFailures: --wait reports a node that fell back, and one that stays on trial
// past --wait-timeout; --stage sends stage and does not wait.
func TestUpgradeWaitFailures(t *testing.T) {
	img := imageFile(t, 100)
	fell := &standInNode{versions: []*machine.Version{nil, nodeVersion("v1", "metal", "a:v1:good:1:*", "b:v2:bad:2:")}}
	out, _, err := upgradeWith(t, fell, &upgradeFlags{image: img, wait: true, waitTimeout: time.Minute})
	if err == nil || !strings.Contains(err.Error(), "the upgrade did not take: the node came back on slot a (Cairn v1) and slot b is bad") {
		t.Errorf("upgrade --wait to a node that fell back = %v", err)
	}
	wantIn(t, "stdout", out, "10.0.0.1: runs Cairn v1\n", "b      v2        bad")
	trial := &standInNode{versions: []*machine.Version{nodeVersion("v2", "metal", "a:v1:good:1:", "b:v2:trial:2:*")}}
	_, _, err = upgradeWith(t, trial, &upgradeFlags{image: img, wait: true, waitTimeout: time.Second})
	if err == nil || !strings.Contains(err.Error(), "the node did not come back from slot b marked good within 1s (last: runs Cairn v2 from slot b on trial") {
		t.Errorf("upgrade --wait to a node that stays on trial = %v", err)
	}
	staged := &standInNode{}
	out, _, err = upgradeWith(t, staged, &upgradeFlags{image: img, stage: true, wait: false, waitTimeout: time.Minute})
	if err != nil || !staged.first.GetStage() || staged.asked != 0 || out != "node-t: written to slot b\n" {
		t.Errorf("upgrade --stage = %v (stage sent %v, Version asked %d times), output %q", err, staged.first.GetStage(), staged.asked, out)
	}
}

func wantIn(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}
