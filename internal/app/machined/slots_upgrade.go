package machined

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/internal/app/machined/boot"
	"github.com/cairn-os/cairn/internal/pkg/ctxio"
	"github.com/cairn-os/cairn/internal/pkg/osimage"
	"github.com/cairn-os/cairn/internal/pkg/partition"
	"github.com/cairn-os/cairn/internal/pkg/sdboot"
)

// Upgrade writes a signed OS image to the inactive slot and boots it on trial. Order, so that
// a power cut at any point leaves a bootable node: the signature is checked before anything is
// written; every file is spooled to EPHEMERAL and verified; the inactive slot's boot entry is
// removed (nothing boots it any more); its partition and boot files are written and synced;
// then its new entry, with the newest generation and a boot counter, is renamed into place.
// Until that rename the old slot is the newest bootable entry; after it, systemd-boot tries
// the new slot trialTries times before it falls back by itself.
func (d *diskSlots) Upgrade(ctx context.Context, image io.Reader, o UpgradeOptions) (UpgradeResult, error) {
	stage := o.Stage
	if !d.write.TryLock() {
		return UpgradeResult{}, apierr.Unavailable("an upgrade or rollback is in progress on this node")
	}
	defer d.write.Unlock()
	cur, err := d.current()
	if err != nil {
		return UpgradeResult{}, err
	}
	if cur.Status() == "trial" {
		return UpgradeResult{}, apierr.Precondition("slot %s is on trial: upgrade again once it is marked good or rolled back", d.booted)
	}
	if err := d.checkQuorum(ctx, o.Force); err != nil {
		return UpgradeResult{}, err
	}
	trusted, err := d.trusted()
	if err != nil {
		return UpgradeResult{}, err
	}
	if len(trusted) == 0 {
		return UpgradeResult{}, apierr.Precondition("%v", errNoKeys)
	}
	r, err := osimage.Open(image, trusted)
	if err != nil {
		return UpgradeResult{}, apierr.Invalid("image refused, nothing was written: %v", err)
	}
	files, err := d.spoolFiles(ctx, r)
	defer d.removeSpool(files)
	if err != nil {
		return UpgradeResult{}, apierr.Invalid("image refused, nothing was written to the disk's slots: %v", err)
	}
	target := otherSlot(d.booted)
	d.log.Info("upgrade: image verified and spooled", "version", r.Manifest.Version, "signer", r.Signer, "slot", target)
	if err := d.recordExpectations(ctx); err != nil {
		return UpgradeResult{}, err
	}
	e, err := d.writeSlot(ctx, target, r.Manifest, files, r.Signer)
	if err != nil {
		return UpgradeResult{}, fmt.Errorf("write slot %s (slot %s still boots): %w", target, d.booted, err)
	}
	res := UpgradeResult{Version: r.Manifest.Version, Slot: target, Signer: r.Signer, Generation: e.Generation, Rebooting: !stage}
	d.log.Info("upgrade written", "slot", target, "version", res.Version, "generation", e.Generation, "signer", r.Signer, "stage", stage)
	if !stage {
		if err := d.reboot(); err != nil {
			res.Rebooting = false
			d.log.Warn("upgrade staged: the reboot was refused", "error", err)
		}
	}
	return res, nil
}

// recordExpectations writes down, in STATE, whether this node's Kubernetes Node is Ready: the
// trial of the new slot then demands it (a node that never joined a cluster is not failed
// for not being Ready).
func (d *diskSlots) recordExpectations(ctx context.Context) error {
	if d.expectFile == "" {
		return nil
	}
	_ = os.Remove(d.expectFile)
	minutes := strconv.Itoa(int(d.deadline() / time.Minute))
	if err := os.WriteFile(filepath.Join(filepath.Dir(d.expectFile), boot.TrialMinutesFile), []byte(minutes+"\n"), 0o600); err != nil {
		return fmt.Errorf("record the trial's deadline: %w", err)
	}
	if d.kubeReady == nil || !d.kubeReady(ctx) {
		return nil
	}
	if err := os.WriteFile(d.expectFile, []byte("kubernetes node Ready\n"), 0o600); err != nil {
		return fmt.Errorf("record the trial's expectations: %w", err)
	}
	return nil
}

// spoolFiles copies each file of r to the spool directory, verified; it returns their paths.
func (d *diskSlots) spoolFiles(ctx context.Context, r *osimage.Reader) (map[string]string, error) {
	files := map[string]string{}
	// What an upgrade cut short (a power cut, a reboot) left behind goes first.
	if err := os.RemoveAll(d.spool); err != nil {
		return files, err
	}
	if err := os.MkdirAll(d.spool, 0o700); err != nil {
		return files, err
	}
	if err := d.checkRoom(r.Manifest); err != nil {
		return files, err
	}
	for {
		f, fr, err := r.Next()
		if errors.Is(err, io.EOF) {
			return files, nil
		}
		if err != nil {
			return files, err
		}
		path := filepath.Join(d.spool, f.Name)
		files[f.Name] = path
		if err := spoolOne(ctx, path, fr); err != nil {
			return files, err
		}
	}
}

func spoolOne(ctx context.Context, path string, r io.Reader) error {
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer func() { _ = out.Close() }()
	if _, err := io.Copy(out, ctxio.Reader(ctx, r)); err != nil {
		return err
	}
	return out.Close()
}

// checkRoom refuses an image the spool's filesystem has no room for.
func (d *diskSlots) checkRoom(m *osimage.Manifest) error {
	var need int64
	for _, f := range m.Files {
		need += f.Size
	}
	var st unix.Statfs_t
	if err := unix.Statfs(d.spool, &st); err != nil {
		return fmt.Errorf("statfs %s: %w", d.spool, err)
	}
	if free := int64(st.Bavail) * st.Bsize; free < need+64<<20 {
		return fmt.Errorf("%s has %d MiB free; the image needs %d MiB and 64 MiB to spare", d.spool, free>>20, need>>20)
	}
	return nil
}

func (d *diskSlots) removeSpool(files map[string]string) {
	for _, p := range files {
		_ = os.Remove(p)
	}
}

// writeSlot writes the verified files to slot and adds its entry on trial.
func (d *diskSlots) writeSlot(ctx context.Context, slot string, m *osimage.Manifest, files map[string]string, signer string) (sdboot.Entry, error) {
	if err := d.esp.RemoveSlot(slot); err != nil {
		return sdboot.Entry{}, err
	}
	d.log.Info("upgrade: the slot's boot entry is removed; writing its partition", "slot", slot)
	if err := d.writePartition(ctx, slot, files[osimage.FileRoot]); err != nil {
		return sdboot.Entry{}, err
	}
	d.log.Info("upgrade: partition written and read back; writing the boot files", "slot", slot)
	for name, rel := range map[string]string{osimage.FileKernel: sdboot.KernelPath(slot), osimage.FileInitramfs: sdboot.InitrdPath(slot)} {
		if err := copyToESP(d.esp, rel, files[name]); err != nil {
			return sdboot.Entry{}, err
		}
	}
	if err := d.recordSlot(slot, signer, m); err != nil {
		d.log.Warn("META not updated (the slot's write record is missing; it boots all the same)", "slot", slot, "error", err)
	}
	d.log.Info("upgrade: boot files written; adding the boot entry", "slot", slot)
	gen, err := d.nextGeneration()
	if err != nil {
		return sdboot.Entry{}, err
	}
	e := sdboot.Entry{Slot: slot, Generation: gen, TriesLeft: trialTries, Version: m.Version, Options: entryOptions(slot, m)}
	return e, d.esp.AddEntry(e)
}

// entryOptions is a slot's kernel command line: the image's arguments, the slot and the
// dm-verity parameters its root is checked against.
func entryOptions(slot string, m *osimage.Manifest) []string {
	return append(append([]string(nil), m.KernelArgs...), "cairn.slot="+slot,
		"cairn.verity.roothash="+m.Verity.RootHash, "cairn.verity.salt="+m.Verity.Salt,
		"cairn.verity.hashoffset="+strconv.FormatInt(m.Verity.HashOffset, 10))
}

func copyToESP(esp sdboot.ESP, rel, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	return esp.WriteFile(rel, f)
}

// errSlotTooSmall marks a root image larger than its slot partition.
var errSlotTooSmall = errors.New("the slot partition is too small")

// writePartition writes the root image to the slot's partition, syncs it and reads it back:
// the sha256 of what the disk returns must be the one the signed manifest gave.
func (d *diskSlots) writePartition(ctx context.Context, slot, image string) error {
	p, err := partition.Find(d.sys, slotLabel(slot))
	if err != nil {
		return err
	}
	src, err := os.Open(image)
	if err != nil {
		return err
	}
	defer func() { _ = src.Close() }()
	st, err := src.Stat()
	if err != nil {
		return err
	}
	path := filepath.Join(d.dev, p.Name)
	dev, err := os.OpenFile(path, os.O_RDWR|unix.O_EXCL, 0)
	if err != nil {
		return fmt.Errorf("open %s (%s): %w", path, slotLabel(slot), err)
	}
	defer func() { _ = dev.Close() }()
	size, err := dev.Seek(0, io.SeekEnd)
	if err != nil || size < st.Size() {
		return fmt.Errorf("%s (%s) is %d bytes; the root image needs %d: %w", path, slotLabel(slot), size, st.Size(), errors.Join(err, errSlotTooSmall))
	}
	want := sha256.New()
	if _, err := dev.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := io.Copy(dev, io.TeeReader(ctxio.Reader(ctx, src), want)); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := dev.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return readBack(ctx, dev, st.Size(), hex.EncodeToString(want.Sum(nil)))
}

// readBack hashes the first n bytes of dev (after dropping its cached pages) and compares.
func readBack(ctx context.Context, dev *os.File, n int64, want string) error {
	_ = unix.Fadvise(int(dev.Fd()), 0, n, unix.FADV_DONTNEED)
	h := sha256.New()
	if _, err := io.Copy(h, ctxio.Reader(ctx, io.NewSectionReader(dev, 0, n))); err != nil {
		return fmt.Errorf("read back %s: %w", dev.Name(), err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("%s reads back with sha256 %s, not the %s written", dev.Name(), got, want)
	}
	return nil
}
