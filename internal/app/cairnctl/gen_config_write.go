package cairnctl

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/cairn-os/cairn/pkg/machinery/atomicfile"
	"github.com/cairn-os/cairn/pkg/machinery/config"
)

// secretFileMode is the permission of written files that hold keys.
const secretFileMode fs.FileMode = 0o600

// outputData is one file to write.
type outputData struct {
	name string
	data []byte
}

// writeAll writes files into dir, each atomically with mode 0600. Unless force is set it first
// checks that none of them exists, so that it writes all or nothing; if a write still fails,
// the files it created are removed again. It returns the paths written.
func writeAll(dir string, files []outputData, force bool) ([]string, error) {
	var existing []string
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if _, err := os.Lstat(p); err == nil && !force {
			existing = append(existing, p)
		}
	}
	if len(existing) > 0 {
		return nil, fmt.Errorf("%s already exist: pass --force to overwrite, nothing was written", strings.Join(existing, ", "))
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create output directory: %w", err)
	}
	var written, created []string
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		_, statErr := os.Lstat(p)
		if err := atomicfile.Write(p, f.data, secretFileMode, force); err != nil {
			for _, c := range created {
				_ = os.Remove(c)
			}
			if errors.Is(err, fs.ErrExist) {
				return nil, fmt.Errorf("%s appeared while writing: pass --force to overwrite", p)
			}
			return nil, err
		}
		written = append(written, p)
		if statErr != nil {
			created = append(created, p)
		}
	}
	return written, nil
}

// invalidConfigError formats a validation failure with one problem per line.
func invalidConfigError(what string, mode config.Mode, err error) error {
	var ve *config.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	if what != "" {
		what += " is "
	}
	lines := make([]string, len(ve.Errors))
	for i, fe := range ve.Errors {
		lines[i] = "  " + fe.Error()
	}
	noun := "problems"
	if len(lines) == 1 {
		noun = "problem"
	}
	return fmt.Errorf("%sinvalid for %s mode (%d %s):\n%s", what, mode, len(lines), noun, strings.Join(lines, "\n"))
}
