package machined

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/cairn-os/cairn/internal/pkg/osimage"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// chunked splits b into chunks of at most n bytes.
func chunked(b []byte, n int) [][]byte {
	var out [][]byte
	for len(b) > n {
		out = append(out, b[:n])
		b = b[n:]
	}
	return append(out, b)
}

// TestUpgradeAPIOnDiskSlots drives the API with the disk slot manager over a fixture disk: a
// foreign image is refused with nothing written; a staged upgrade streamed in chunks writes
// slot b without a reboot and Version shows it on trial; rollback to it is refused.
func TestUpgradeAPIOnDiskSlots(t *testing.T) {
	f := newSlotFixture(t)
	c, _ := serveSlots(t, f.d, ModeMetal)
	before, err := os.ReadFile(f.partB)
	must(t, err)
	foreign := image(t, mustKey(t), "v2", bytes.Repeat([]byte("evil"), 2048))
	_, err = startUpgrade(context.Background(), t, c, false, chunked(foreign, 1000)...).CloseAndRecv()
	wantStatus(t, "Upgrade with a foreign image", err, codes.InvalidArgument, "image refused, nothing was written")
	if after, _ := os.ReadFile(f.partB); !bytes.Equal(before, after) || f.reboots != 0 {
		t.Fatalf("a refused image changed slot b or rebooted (%d reboots)", f.reboots)
	}

	root := bytes.Repeat([]byte("root"), 2048)
	resp, err := startUpgrade(context.Background(), t, c, true, chunked(image(t, f.key, "v2", root), 1000)...).CloseAndRecv()
	if err != nil {
		t.Fatalf("staged Upgrade: %v", err)
	}
	m := resp.GetMessages()[0]
	if m.GetSlot() != "b" || m.GetVersion() != "v2" || m.GetRebooting() || m.GetGeneration() != 2 || f.reboots != 0 {
		t.Errorf("staged Upgrade = %v (%d reboots), want slot b, v2, generation 2, no reboot", m, f.reboots)
	}
	if part, _ := os.ReadFile(f.partB); !bytes.HasPrefix(part, root) {
		t.Error("slot b's partition does not hold the new root")
	}
	v, err := c.Version(context.Background(), &common.Empty{})
	must(t, err)
	got := v.GetMessages()[0].GetSlots()
	want := []*machine.Slot{{Name: "a", Version: "v1", Status: "good", Generation: 1, Active: true},
		{Name: "b", Version: "v2", Status: "trial", Generation: 2, Signer: osimage.KeyID(&f.key.PublicKey)}}
	if len(got) == 2 && got[1].GetWritten().IsValid() {
		want[1].Written = got[1].GetWritten() // the time of the write, from META
	} else {
		t.Errorf("slot b has no write time from META: %v", got)
	}
	if len(got) != 2 || got[0].String() != want[0].String() || got[1].String() != want[1].String() {
		t.Errorf("Version's slots = %v, want %v", got, want)
	}
	_, err = c.Rollback(context.Background(), &common.Empty{})
	wantStatus(t, "Rollback to a slot on trial", err, codes.FailedPrecondition, "slot b holds no image that booted well")
}

// TestUpgradeAPIRebootsOnDiskSlots: an upgrade that is not staged asks for the reboot, and
// its reply says so.
func TestUpgradeAPIRebootsOnDiskSlots(t *testing.T) {
	f := newSlotFixture(t)
	c, _ := serveSlots(t, f.d, ModeMetal)
	resp, err := startUpgrade(context.Background(), t, c, false, chunked(image(t, f.key, "v2", bytes.Repeat([]byte("root"), 2048)), 1<<20)...).CloseAndRecv()
	if err != nil {
		t.Fatalf("Upgrade: %v", err)
	}
	m := resp.GetMessages()[0]
	if !m.GetRebooting() || f.reboots != 1 || !strings.Contains(m.GetMessage(), "is written to slot b: the node reboots into it now, on trial") {
		t.Errorf("Upgrade = %v with %d reboots, want one reboot, said", m, f.reboots)
	}
}
