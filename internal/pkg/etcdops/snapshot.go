package etcdops

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"time"
)

// maxSnapshotLine bounds one message of the snapshot stream: etcd sends 32 KiB of database per
// message, 43 KiB as base64 JSON.
const maxSnapshotLine = 1 << 20

// errIdle ends a snapshot whose stream stopped moving.
var errIdle = errors.New("etcd sent no snapshot data for too long")

// Snapshot streams a consistent snapshot of the local member's database to w, holding every
// write acknowledged before the call, exactly as
// etcdctl snapshot save writes it: the database, then its sha256 (etcdutl snapshot restore
// checks it). It returns the bytes written, and an error when the stream broke off, stalled
// for idle, or the checksum etcd sent does not match the database: w then holds no usable
// snapshot.
func (c *Client) Snapshot(ctx context.Context, w io.Writer, idle time.Duration) (int64, error) {
	// A linearizable read first waits until the local member has applied every write the
	// cluster acknowledged before this call: the snapshot holds all of them, wherever they
	// were written.
	if _, _, err := c.Members(ctx, true); err != nil {
		return 0, fmt.Errorf("etcd snapshot: catch up with the leader: %w", err)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	watchdog := time.AfterFunc(idle, func() { cancel(errIdle) })
	defer watchdog.Stop()
	resp, err := c.post(ctx, c.Endpoint, "/v3/maintenance/snapshot", struct{}{})
	if err != nil {
		return 0, snapshotError(ctx, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		return 0, fmt.Errorf("etcd snapshot: %w", gatewayError(resp.StatusCode, data))
	}
	n, err := readSnapshot(resp.Body, w, func() { watchdog.Reset(idle) })
	if err != nil {
		return n, snapshotError(ctx, err)
	}
	return n, nil
}

// snapshotError names the stall rather than a bare "context canceled".
func snapshotError(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); errors.Is(cause, errIdle) {
		return fmt.Errorf("etcd snapshot: %w", cause)
	}
	return fmt.Errorf("etcd snapshot: %w", err)
}

// snapshotMessage is one line of the gateway's stream: a result or an error.
type snapshotMessage struct {
	Result *struct {
		Blob []byte `json:"blob"`
	} `json:"result"`
	Error *struct {
		Message string `json:"message"`
		Code    int    `json:"code"`
	} `json:"error"`
}

// readSnapshot copies the gateway's stream of snapshot messages (one JSON object a line) to w
// and checks the last message, etcd's sha256 of all that came before. moved is called after
// every message.
func readSnapshot(r io.Reader, w io.Writer, moved func()) (int64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxSnapshotLine)
	h := sha256.New()
	var held []byte // the last blob: etcd's checksum when the stream ends
	var n int64
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		blob, err := parseSnapshotLine(line)
		if err != nil {
			return n, err
		}
		h.Write(held)
		held = blob
		m, err := w.Write(blob)
		n += int64(m)
		if err != nil {
			return n, err
		}
		moved()
	}
	if err := sc.Err(); err != nil {
		return n, fmt.Errorf("read the stream after %d bytes: %w", n, err)
	}
	return n, checkTrailer(h, held, n)
}

// parseSnapshotLine decodes one stream message into its blob, or etcd's error.
func parseSnapshotLine(line []byte) ([]byte, error) {
	var m snapshotMessage
	if err := json.Unmarshal(line, &m); err != nil {
		return nil, fmt.Errorf("decode a stream message: %w", err)
	}
	switch {
	case m.Error != nil:
		return nil, fmt.Errorf("etcd ended the stream: %s (code %d)", m.Error.Message, m.Error.Code)
	case m.Result == nil:
		return nil, fmt.Errorf("stream message %q holds neither result nor error", printable(line, 80))
	}
	return m.Result.Blob, nil
}

// checkTrailer checks that the last blob is the sha256 of the database before it.
func checkTrailer(h hash.Hash, last []byte, n int64) error {
	if n <= sha256.Size {
		return fmt.Errorf("the stream ended after %d bytes, before any database", n)
	}
	if len(last) != sha256.Size {
		return fmt.Errorf("the stream ended after %d bytes without etcd's sha256 (its last message holds %d bytes, not %d): it was cut short", n, len(last), sha256.Size)
	}
	if sum := h.Sum(nil); !bytes.Equal(sum, last) {
		return fmt.Errorf("the database's sha256 is %x but etcd sent %x: the snapshot is corrupt", sum, last)
	}
	return nil
}

// CopySnapshot copies a snapshot file (as Snapshot writes it: the database, then its sha256)
// from r to w and checks its trailer: it returns the bytes copied, and an error when the file
// ends before any database, or its last 32 bytes are not the sha256 of what came before (a
// truncated, extended or altered snapshot). w receives every byte either way; the caller
// discards it on error.
func CopySnapshot(w io.Writer, r io.Reader) (int64, error) {
	h := sha256.New()
	buf := make([]byte, 64<<10)
	var tail []byte // the last sha256.Size bytes seen: not hashed until more follow
	var n int64
	for {
		m, err := r.Read(buf)
		if m > 0 {
			if _, werr := w.Write(buf[:m]); werr != nil {
				return n, werr
			}
			n += int64(m)
			tail = append(tail, buf[:m]...)
			if over := len(tail) - sha256.Size; over > 0 {
				h.Write(tail[:over])
				tail = append(tail[:0], tail[over:]...)
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, err
		}
	}
	if n <= sha256.Size {
		return n, fmt.Errorf("the snapshot is %d bytes: it holds no database (a snapshot is the database followed by its 32-byte sha256)", n)
	}
	if sum := h.Sum(nil); !bytes.Equal(sum, tail) {
		return n, fmt.Errorf("the snapshot's last 32 bytes are not the sha256 of the %d bytes before them (%x, computed %x): it is truncated or corrupt", n-sha256.Size, tail, sum)
	}
	return n, nil
}
