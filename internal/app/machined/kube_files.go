package machined

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cairn-os/cairn/internal/controllers/kubeservice"
	"github.com/cairn-os/cairn/pkg/machinery/atomicfile"
)

// writeKubeFiles writes the Kubernetes files of a plan: directories first (as listed), each
// file atomically, then its owner and mode, so that no reader ever sees a partial file and a
// key is never, even briefly, readable by anyone but root and its owner.
func writeKubeFiles(files []kubeservice.File) error {
	for _, f := range files {
		if err := writeKubeFile(f); err != nil {
			return err
		}
	}
	return nil
}

func writeKubeFile(f kubeservice.File) error {
	perm := f.Mode.Perm()
	// Parents the plan does not list are created searchable by all (0755), whatever the mode
	// of the file or directory below them.
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(f.Path), err)
	}
	if f.Mode.IsDir() {
		if err := os.Mkdir(f.Path, perm); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("create %s: %w", f.Path, err)
		}
	} else if err := atomicfile.Write(f.Path, f.Data, perm&0o600, true); err != nil {
		return fmt.Errorf("write %s: %w", f.Path, err)
	}
	if err := os.Lchown(f.Path, f.UID, f.GID); err != nil {
		return fmt.Errorf("chown %s: %w", f.Path, err)
	}
	if err := os.Chmod(f.Path, perm); err != nil {
		return fmt.Errorf("chmod %s: %w", f.Path, err)
	}
	return nil
}
