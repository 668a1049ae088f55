// Package slotmeta keeps Cairn's record of what each disk slot holds on the META partition:
// two copies of a small JSON record, each with a sequence number and a sha256, written
// alternately and synced, so a power cut during a write leaves the previous record intact.
// The boot loader does not read it (boot counting lives in the boot entries' names, where
// systemd-boot can write it); the node reports it, and an operator sees which key signed
// which slot and when it was written.
package slotmeta

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// copySize is the room of each copy; the partition holds two at offsets 0 and copySize.
const copySize = 64 << 10

// Slot is what a slot was written with.
type Slot struct {
	Version  string    `json:"version"`
	Signer   string    `json:"signer"`   // key ID of the image's signing key
	RootHash string    `json:"rootHash"` // dm-verity root hash of its root
	Written  time.Time `json:"written"`
}

// Record is the whole META content.
type Record struct {
	Seq   uint64          `json:"seq"`
	Slots map[string]Slot `json:"slots"`
}

// envelope is one copy on disk: the record and the sha256 of its JSON.
type envelope struct {
	Record json.RawMessage `json:"record"`
	SHA256 string          `json:"sha256"`
}

// Device is what META is read from and written to (the partition, or a file in tests).
type Device interface {
	io.ReaderAt
	io.WriterAt
	Sync() error
}

// Read returns the valid copy with the highest sequence number, or an empty record when
// neither copy is valid (a new disk).
func Read(d io.ReaderAt) (Record, error) {
	best, found := Record{Slots: map[string]Slot{}}, false
	for i := int64(0); i < 2; i++ {
		buf := make([]byte, copySize)
		if _, err := d.ReadAt(buf, i*copySize); err != nil && !errors.Is(err, io.EOF) {
			return best, fmt.Errorf("read META copy %d: %w", i, err)
		}
		r, ok := decode(buf)
		if ok && (!found || r.Seq > best.Seq) {
			best, found = r, true
		}
	}
	return best, nil
}

// decode reads one copy; ok is false for anything but a whole, checksummed record.
func decode(buf []byte) (Record, bool) {
	buf = bytes.TrimRight(buf, "\x00")
	var e envelope
	if json.Unmarshal(buf, &e) != nil {
		return Record{}, false
	}
	sum := sha256.Sum256(e.Record)
	if hex.EncodeToString(sum[:]) != e.SHA256 {
		return Record{}, false
	}
	var r Record
	if json.Unmarshal(e.Record, &r) != nil || r.Slots == nil {
		return Record{}, false
	}
	return r, true
}

// Write stores r with the next sequence number in the copy that does not hold the newest
// record, and syncs.
func Write(d Device, r Record) error {
	cur, err := Read(d)
	if err != nil {
		return err
	}
	r.Seq = cur.Seq + 1
	rec, err := json.Marshal(r)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(rec)
	data, err := json.Marshal(envelope{Record: rec, SHA256: hex.EncodeToString(sum[:])})
	if err != nil {
		return err
	}
	if len(data) > copySize {
		return fmt.Errorf("META record of %d bytes does not fit %d", len(data), copySize)
	}
	buf := make([]byte, copySize)
	copy(buf, data)
	if _, err := d.WriteAt(buf, int64(r.Seq%2)*copySize); err != nil {
		return fmt.Errorf("write META: %w", err)
	}
	return d.Sync()
}
