package sdboot

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// syncFS flushes the whole file system under dir (syncfs(2)): on vfat a file's and its
// directory's fsync do not always carry the directory entries and the FAT to the disk
// together, and a power cut right after an entry was renamed into place left it named but
// empty. After syncFS returns, everything written to the ESP before it is on the disk.
func syncFS(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return fmt.Errorf("sync the file system of %s: %w", dir, err)
	}
	return nil
}
