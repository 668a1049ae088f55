package sdboot

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// maxEntrySize bounds an entry file read from the ESP.
const maxEntrySize = 16 << 10

// ESP is a mounted EFI system partition.
type ESP struct{ Dir string }

// Entries lists Cairn's entries, newest generation first. Files that are not Cairn entries
// are ignored; an entry file that cannot be read is an error.
func (p ESP) Entries() ([]Entry, error) {
	des, err := os.ReadDir(filepath.Join(p.Dir, EntriesDir))
	if err != nil {
		return nil, fmt.Errorf("list boot entries: %w", err)
	}
	var out []Entry
	for _, de := range des {
		e, err := ParseFileName(de.Name())
		if err != nil {
			continue
		}
		data, err := readBounded(filepath.Join(p.Dir, EntriesDir, de.Name()))
		if err != nil {
			return nil, err
		}
		e.parseBody(data)
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Entry) int { return b.Generation - a.Generation })
	return out, nil
}

func readBounded(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }()
	b, err := io.ReadAll(io.LimitReader(f, maxEntrySize+1))
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	if len(b) > maxEntrySize {
		return "", fmt.Errorf("boot entry %s is larger than %d bytes", path, maxEntrySize)
	}
	return string(b), nil
}

// Slot returns the entry of slot, or false.
func (p ESP) Slot(slot string) (Entry, bool, error) {
	es, err := p.Entries()
	if err != nil {
		return Entry{}, false, err
	}
	for _, e := range es {
		if e.Slot == slot {
			return e, true, nil
		}
	}
	return Entry{}, false, nil
}

// RemoveSlot deletes every entry of slot, then its boot files: after it returns nothing
// boots the slot, so its partition may be overwritten.
func (p ESP) RemoveSlot(slot string) error {
	es, err := p.Entries()
	if err != nil {
		return err
	}
	for _, e := range es {
		if e.Slot == slot {
			if err := os.Remove(filepath.Join(p.Dir, EntriesDir, e.FileName())); err != nil {
				return fmt.Errorf("remove boot entry: %w", err)
			}
		}
	}
	if err := syncFS(p.Dir); err != nil { // the entry gone on the disk before its slot changes
		return err
	}
	for _, f := range []string{KernelPath(slot), InitrdPath(slot)} {
		if err := os.Remove(filepath.Join(p.Dir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", f, err)
		}
	}
	return nil
}

// WriteFile writes a slot's boot file (KernelPath or InitrdPath) from r and syncs the ESP.
func (p ESP) WriteFile(rel string, r io.Reader) error {
	path := filepath.Join(p.Dir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil { //nolint:gosec // the ESP is FAT: modes are the mount's.
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644) //nolint:gosec // as above.
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", rel, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	return syncFS(p.Dir)
}

// AddEntry writes e's file under a temporary name, syncs the ESP, renames it into place and
// syncs again: the entry appears whole or not at all.
func (p ESP) AddEntry(e Entry) error {
	dir := filepath.Join(p.Dir, EntriesDir)
	tmp := filepath.Join(dir, "cairn-new.tmp")
	if err := os.WriteFile(tmp, e.Render(), 0o644); err != nil { //nolint:gosec // as above.
		return fmt.Errorf("write boot entry: %w", err)
	}
	if err := syncFS(p.Dir); err != nil { // the content on the disk before the name is
		return err
	}
	return p.rename(tmp, filepath.Join(dir, e.FileName()))
}

// SetCounter renames e's file to carry the counter of next (Bless: no counter; MarkBad: none left).
func (p ESP) SetCounter(e Entry, triesLeft, triesDone int) (Entry, error) {
	next := e
	next.TriesLeft, next.TriesDone = triesLeft, triesDone
	dir := filepath.Join(p.Dir, EntriesDir)
	if err := p.rename(filepath.Join(dir, e.FileName()), filepath.Join(dir, next.FileName())); err != nil {
		return e, err
	}
	return next, nil
}

// Bless marks e as booted well: it keeps its place without a counter.
func (p ESP) Bless(e Entry) (Entry, error) { return p.SetCounter(e, -1, 0) }

// MarkBad leaves e no tries: systemd-boot sorts it after every entry that has some.
func (p ESP) MarkBad(e Entry) (Entry, error) { return p.SetCounter(e, 0, max(e.TriesDone, 1)) }

func (p ESP) rename(from, to string) error {
	if from == to {
		return nil
	}
	if err := os.Rename(from, to); err != nil {
		return fmt.Errorf("rename boot entry: %w", err)
	}
	return syncFS(p.Dir)
}

// Remove deletes e's entry file (not the slot's boot files, which a newer entry may use).
func (p ESP) Remove(e Entry) error {
	if err := os.Remove(filepath.Join(p.Dir, EntriesDir, e.FileName())); err != nil {
		return fmt.Errorf("remove boot entry: %w", err)
	}
	return syncFS(p.Dir)
}
