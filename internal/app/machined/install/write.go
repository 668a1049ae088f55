package install

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	diskfs "github.com/diskfs/go-diskfs"
	"github.com/diskfs/go-diskfs/backend/file"
	"github.com/diskfs/go-diskfs/disk"
	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/pkg/ctxio"
	"github.com/cairn-os/cairn/internal/pkg/disklayout"
	"github.com/cairn-os/cairn/internal/pkg/osimage"
)

// write lays out the disk: the GPT and slot A, then STATE (FillState: the disk is not held
// meanwhile, mke2fs and mount claim the partition), then the ESP with the boot loader last.
func write(ctx context.Context, t *target, o Options, img *verified) error {
	boot, err := writeTableAndSlot(ctx, t, o, img)
	if err != nil {
		return err
	}
	t.close()
	o.Progress("formatting STATE (ext4) and copying this node's configuration, identity and audit log into it")
	if err := o.FillState(ctx, t.path); err != nil {
		return fmt.Errorf("STATE: %w", err)
	}
	if err := t.reopen(); err != nil {
		return err
	}
	o.Progress("writing the EFI system partition: loader.conf, slot A's kernel, initramfs and entry, then systemd-boot")
	d, err := t.disk()
	if err != nil {
		return err
	}
	entry := disklayout.FirstEntry(img.Manifest.Version, entryArgs(img.Manifest))
	files := disklayout.SlotESP(disklayout.File{Data: boot[osimage.FileBootloader]}, disklayout.File{Data: boot[osimage.FileKernel]},
		disklayout.File{Data: boot[osimage.FileInitramfs]}, entry)
	if err := disklayout.WriteESP(d, files); err != nil {
		return err
	}
	if err := t.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", t.path, err)
	}
	return nil
}

// writeTableAndSlot writes the GPT (GUIDs from a random seed: each installed disk is its
// own) and slot A from the image, read back against its signed digest; it returns the
// image's boot files, held in memory until the ESP is written.
func writeTableAndSlot(ctx context.Context, t *target, o Options, img *verified) (map[string][]byte, error) {
	d, err := t.disk()
	if err != nil {
		return nil, err
	}
	seed := make([]byte, 32)
	_, _ = rand.Read(seed)
	o.Progress("writing the partition table (GPT: EFI, CAIRN-A, CAIRN-B, CAIRN-META, CAIRN-STATE)")
	if err := disklayout.WriteTable(d, seed); err != nil {
		return nil, err
	}
	r, err := img.open(o.Trusted)
	if err != nil {
		return nil, err
	}
	boot := map[string][]byte{}
	for {
		f, fr, err := r.Next()
		if errors.Is(err, io.EOF) {
			return boot, nil
		}
		if err != nil {
			return nil, err
		}
		if f.Name != osimage.FileRoot {
			if boot[f.Name], err = io.ReadAll(ctxio.Reader(ctx, fr)); err != nil {
				return nil, err
			}
			continue
		}
		o.Progress(fmt.Sprintf("writing slot A: the verified root, %d MiB", f.Size>>20))
		if err := t.writeSlotA(ctx, fr, f); err != nil {
			return nil, err
		}
	}
}

// writeSlotA writes the root to slot A, syncs, and reads it back (past the page cache): the
// disk must return the bytes the signed manifest describes.
func (t *target) writeSlotA(ctx context.Context, r io.Reader, f osimage.File) error {
	n, err := disklayout.WriteSlotA(t.f, ctxio.Reader(ctx, r))
	if err != nil {
		return err
	}
	if err := t.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", t.path, err)
	}
	off := disklayout.Offset(disklayout.NumberSlotA)
	_ = unix.Fadvise(int(t.f.Fd()), off, n, unix.FADV_DONTNEED)
	h := sha256.New()
	if _, err := io.Copy(h, ctxio.Reader(ctx, io.NewSectionReader(t.f, off, n))); err != nil {
		return fmt.Errorf("read back slot A: %w", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != f.SHA256 || n != f.Size {
		return fmt.Errorf("slot A reads back %d bytes with sha256 %s; the signed manifest says %d bytes, %s", n, got, f.Size, f.SHA256)
	}
	return nil
}

// entryArgs are the kernel arguments of slot A's entry but cairn.slot=: the image's, and the
// dm-verity parameters its root is checked against.
func entryArgs(m *osimage.Manifest) []string {
	return append(append([]string(nil), m.KernelArgs...), "cairn.verity.roothash="+m.Verity.RootHash,
		"cairn.verity.salt="+m.Verity.Salt, "cairn.verity.hashoffset="+strconv.FormatInt(m.Verity.HashOffset, 10))
}

// disk is the target as go-diskfs sees it (512-byte sectors, as the layout).
func (t *target) disk() (*disk.Disk, error) {
	d, err := diskfs.OpenBackend(file.New(t.f, false), diskfs.WithOpenMode(diskfs.ReadWrite), diskfs.WithSectorSize(diskfs.SectorSize512))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", t.path, err)
	}
	return d, nil
}

// reopen opens the disk again, exclusively, after STATE was filled.
func (t *target) reopen() error {
	f, err := os.OpenFile(t.path, os.O_RDWR|unix.O_EXCL, 0)
	if err != nil {
		return fmt.Errorf("reopen %s: %w", t.path, err)
	}
	t.f = f
	return nil
}
