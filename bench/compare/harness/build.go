package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// image is one system's boot assets and root filesystem.
type image struct {
	Kernel, Initrd, Disk string
	Rootfs               string // directory (Debian) or squashfs file (Cairn)
	Append               string // kernel command line
	Built                string // how it was built, for the report
}

// command runs a host command with its output going to the log file and stderr summary.
func (r *runner) command(ctx context.Context, logName string, name string, args ...string) error {
	logPath := filepath.Join(r.abs(r.o.Cache), "logs", logName)
	if err := os.MkdirAll(filepath.Dir(logPath), 0o750); err != nil {
		return err
	}
	f, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	cmd := groupCommand(ctx, name, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = r.root, f, f
	start := time.Now()
	r.log.Info("running", "command", name+" "+strings.Join(args, " "), "log", logPath)
	r.res.commands = append(r.res.commands, name+" "+strings.Join(args, " "))
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w (see %s)", name, err, logPath)
	}
	r.log.Info("done", "command", name, "took", time.Since(start).Round(time.Second))
	return nil
}

// buildCairn builds cairnctl and runs `cairnctl image build`. The image build is
// reproducible and cached by the builder (kernel package) and by Go's build cache.
func (r *runner) buildCairn(ctx context.Context) (*image, error) {
	cache := r.abs(r.o.Cache)
	ctl := filepath.Join(cache, "bin", "cairnctl")
	if err := r.command(ctx, "build-cairnctl.log", "go", "build", "-o", ctl, "./cmd/cairnctl"); err != nil {
		return nil, err
	}
	r.res.cairnctl = ctl
	out := filepath.Join(cache, "cairn")
	if err := r.command(ctx, "cairn-image-build.log", ctl, "image", "build", "--out", out, "--cache", filepath.Join(r.root, "_cache")); err != nil {
		return nil, err
	}
	disk := filepath.Join(cache, "cairn-blank.raw")
	if err := blankDisk(disk, 2<<30); err != nil {
		return nil, err
	}
	return &image{
		Kernel: filepath.Join(out, "vmlinuz"), Initrd: filepath.Join(out, "initramfs"), Disk: disk,
		Rootfs: filepath.Join(out, "rootfs.sqsh"), Append: "console=ttyS0 cairn.config=" + configURL,
		Built: ctl + " image build --out " + out,
	}, nil
}

// blankDisk makes the sparse, empty virtio disk Cairn gets so both VMs have the same devices.
func blankDisk(path string, size int64) error {
	if st, err := os.Stat(path); err == nil && st.Size() == size {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := f.Truncate(size); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// buildDebian runs the peer's build-rootfs.sh and make-disk.sh once; a stamp file marks a
// finished build, so an interrupted one starts again.
func (r *runner) buildDebian(ctx context.Context) (*image, error) {
	dir := filepath.Join(r.abs(r.o.Cache), "debian")
	rootfs, img := filepath.Join(dir, "rootfs"), filepath.Join(dir, "img")
	key := filepath.Join(dir, "id_ed25519")
	stamp := filepath.Join(dir, "built.stamp")
	peers := r.abs(r.o.Peers)
	built := fmt.Sprintf("%s/build-rootfs.sh %s %s.pub && %s/make-disk.sh %s %s 2G", peers, rootfs, key, peers, rootfs, img)
	if _, err := os.Stat(stamp); err != nil {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, err
		}
		if _, err := os.Stat(key); err != nil {
			if err := r.command(ctx, "debian-keygen.log", "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f", key); err != nil {
				return nil, err
			}
		}
		r.log.Info("building the Debian baseline (debootstrap; minutes on a cold cache)")
		if err := r.command(ctx, "debian-build-rootfs.log", filepath.Join(peers, "build-rootfs.sh"), rootfs, key+".pub"); err != nil {
			return nil, err
		}
		if err := r.command(ctx, "debian-make-disk.log", filepath.Join(peers, "make-disk.sh"), rootfs, img, "2G"); err != nil {
			return nil, err
		}
		if err := os.WriteFile(stamp, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o600); err != nil {
			return nil, err
		}
	} else {
		r.log.Info("using the cached Debian baseline", "dir", dir)
		r.res.commands = append(r.res.commands, built+"   (cached from an earlier run)")
	}
	return &image{
		Kernel: filepath.Join(img, "vmlinuz"), Initrd: filepath.Join(img, "initrd.img"), Disk: filepath.Join(img, "disk.raw"),
		Rootfs: rootfs, Append: "root=/dev/vda console=ttyS0", Built: built,
	}, nil
}
