package imager

import (
	"archive/tar"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// checkToolTree checks a staged tool image root: no setuid or setgid bit and nothing but
// files, directories and links; no absent path; every link resolves inside the root; the
// working directory holds only the module directories copied into it. It names every problem.
func checkToolTree(root string, t ToolImage) error {
	var problems []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		problems = append(problems, checkToolEntry(root, "/"+filepath.ToSlash(rel), info.Mode(), t.Absent)...)
		return nil
	})
	if err != nil {
		return fmt.Errorf("check %s: %w", root, err)
	}
	problems = append(problems, checkWorkingDir(root, t)...)
	if len(problems) > 0 {
		return fmt.Errorf("tool image %s:\n  %s", t.Name, strings.Join(problems, "\n  "))
	}
	return nil
}

func checkToolEntry(root, p string, mode fs.FileMode, absent []string) []string {
	var out []string
	if mode&(fs.ModeSetuid|fs.ModeSetgid) != 0 {
		out = append(out, p+": setuid or setgid")
	}
	if !mode.IsRegular() && !mode.IsDir() && mode&fs.ModeSymlink == 0 {
		out = append(out, fmt.Sprintf("%s: not a file, directory or link (%v)", p, mode.Type()))
	}
	for _, a := range absent {
		if under(p, mergedPath(a)) || under(p, a) {
			out = append(out, fmt.Sprintf("%s: present, but the image must not hold %s (absent)", p, a))
		}
	}
	if mode&fs.ModeSymlink != 0 {
		if _, err := resolveIn(root, p); err != nil {
			out = append(out, fmt.Sprintf("%s: dangling link: %v", p, err))
		}
	}
	return out
}

// checkWorkingDir makes sure the working directory holds nothing but the module directories
// copied into it: kube-bench globs *etcd* in it (1.1.7, 1.1.8).
func checkWorkingDir(root string, t ToolImage) []string {
	if t.WorkingDir == "" {
		return nil
	}
	var allowed []string
	for _, d := range t.ModuleDirs {
		if path.Dir(d.Path) == t.WorkingDir {
			allowed = append(allowed, path.Base(d.Path))
		}
	}
	entries, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(t.WorkingDir)))
	if err != nil {
		return []string{fmt.Sprintf("working directory %s: %v", t.WorkingDir, err)}
	}
	var out []string
	for _, e := range entries {
		if !slices.Contains(allowed, e.Name()) {
			out = append(out, fmt.Sprintf("%s: in the working directory, which holds only the module directories copied into it",
				path.Join(t.WorkingDir, e.Name())))
		}
	}
	return out
}

// resolveIn follows the links of p (absolute) inside root as the image would, absolute
// targets starting at root, and returns the host path it ends at, which must exist.
func resolveIn(root, p string) (string, error) {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	cur := "/"
	for hops := 0; len(parts) > 0; {
		next := path.Join(cur, parts[0])
		parts = parts[1:]
		host := filepath.Join(root, filepath.FromSlash(next))
		info, err := os.Lstat(host)
		if err != nil {
			return "", fmt.Errorf("%s does not exist in the image", next)
		}
		if info.Mode()&fs.ModeSymlink == 0 {
			cur = next
			continue
		}
		if hops++; hops > 40 {
			return "", fmt.Errorf("%s: too many levels of links", p)
		}
		target, err := os.Readlink(host)
		if err != nil {
			return "", err
		}
		if !path.IsAbs(target) {
			target = path.Join(cur, target)
		}
		parts = append(strings.Split(strings.TrimPrefix(path.Clean(target), "/"), "/"), parts...)
		cur = "/"
	}
	return filepath.Join(root, filepath.FromSlash(cur)), nil
}

// layerMode is an entry's mode in the layer: the skeleton's directories keep theirs, other
// directories and executables are 0755, files 0644 and links 0777, whatever the staging
// umask made of them.
func layerMode(rel string, mode fs.FileMode) int64 {
	switch {
	case mode&fs.ModeSymlink != 0:
		return 0o777
	case mode.IsDir():
		m, ok := toolDirs[rel]
		if !ok {
			return 0o755
		}
		if m&fs.ModeSticky != 0 {
			return int64(m.Perm()) | 0o1000
		}
		return int64(m.Perm())
	case mode&0o111 != 0:
		return 0o755
	}
	return 0o644
}

// writeLayer writes the tree under root as an uncompressed layer tarball, sorted, every entry
// root's and dated epoch.
func writeLayer(root, file string, epoch int64) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	tw := tar.NewWriter(f)
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		return writeLayerEntry(tw, p, filepath.ToSlash(rel), info, epoch)
	})
	if err != nil {
		return fmt.Errorf("layer of %s: %w", root, err)
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return f.Close()
}

func writeLayerEntry(tw *tar.Writer, host, rel string, info fs.FileInfo, epoch int64) error {
	h := &tar.Header{Name: rel, Mode: layerMode(rel, info.Mode()), ModTime: time.Unix(epoch, 0).UTC(), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	switch {
	case info.IsDir():
		h.Name, h.Typeflag = rel+"/", tar.TypeDir
		return tw.WriteHeader(h)
	case info.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(host)
		if err != nil {
			return err
		}
		h.Typeflag, h.Linkname = tar.TypeSymlink, target
		return tw.WriteHeader(h)
	}
	h.Size = info.Size()
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	src, err := os.Open(host)
	if err != nil {
		return err
	}
	defer func() { _ = src.Close() }()
	_, err = io.Copy(tw, src)
	return err
}
