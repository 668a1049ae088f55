// Package audit defines the node's audit events and how their hash chain is computed and
// verified. Events are not logs: every API call, allowed or denied, produces exactly one, and
// each carries the hash of the one before so that a gap or an edit is detectable.
package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Kinds of event. A call is one API call; the others are written by the log itself so that
// nothing it does to the chain goes unsaid.
const (
	KindCall      = "call"
	KindRotated   = "audit.rotated"
	KindRecovered = "audit.recovered"
)

// MaxEventSize bounds one encoded event; larger input is rejected, never truncated.
const MaxEventSize = 64 << 10

// Identity is one party to a call, as its TLS client certificate names it.
type Identity struct {
	Subject     string   `json:"subject"`
	Serial      string   `json:"serial,omitempty"`
	Fingerprint string   `json:"fingerprint,omitempty"`
	Roles       []string `json:"roles,omitempty"`
	Address     string   `json:"address,omitempty"`
}

// Dropped records a range of events the bounded log removed to make room.
type Dropped struct {
	FromSeq  uint64 `json:"fromSeq"`
	ToSeq    uint64 `json:"toSeq"`
	LastHash string `json:"lastHash"`
}

// Event is one audit record.
type Event struct {
	Seq       uint64     `json:"seq"`
	Time      time.Time  `json:"time"`
	Kind      string     `json:"kind"`
	Node      string     `json:"node,omitempty"`
	RequestID string     `json:"requestId,omitempty"`
	Caller    Identity   `json:"caller"`
	Via       []Identity `json:"via,omitempty"`
	Method    string     `json:"method,omitempty"`
	Nodes     []string   `json:"nodes,omitempty"`
	Code      string     `json:"code,omitempty"`
	Duration  int64      `json:"durationNs,omitempty"`
	Args      string     `json:"args,omitempty"`
	Dropped   *Dropped   `json:"dropped,omitempty"`
	Note      string     `json:"note,omitempty"`
	PrevHash  string     `json:"prevHash"`
	Hash      string     `json:"hash"`
}

// ComputeHash returns the hex SHA-256 of the event's canonical encoding with Hash empty.
func (e Event) ComputeHash() string {
	e.Hash = ""
	e.Time = e.Time.UTC()
	b, err := json.Marshal(e)
	if err != nil {
		// An Event holds only strings, numbers, slices and times: Marshal cannot fail.
		panic(fmt.Sprintf("audit: encode event: %v", err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Seal sets the event's previous hash and its own hash, after normalising its time to UTC.
func (e *Event) Seal(prevHash string) {
	e.Time = e.Time.UTC()
	e.PrevHash = prevHash
	e.Hash = e.ComputeHash()
}

// Encode returns the event's canonical JSON, the form in which it is stored and sent.
func (e Event) Encode() ([]byte, error) {
	e.Time = e.Time.UTC()
	return json.Marshal(e)
}

// Decode parses one encoded event strictly: unknown fields, trailing data and oversized input
// are errors.
func Decode(data []byte) (Event, error) {
	var e Event
	if len(data) > MaxEventSize {
		return e, fmt.Errorf("audit event is %d bytes, more than the limit of %d", len(data), MaxEventSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return Event{}, fmt.Errorf("decode audit event: %w", err)
	}
	if dec.More() {
		return Event{}, fmt.Errorf("decode audit event: trailing data after the event")
	}
	if err := e.check(); err != nil {
		return Event{}, err
	}
	return e, nil
}

// check validates the fields a stored event must have.
func (e Event) check() error {
	switch {
	case e.Seq == 0:
		return fmt.Errorf("audit event: seq: must be at least 1")
	case e.Kind == "":
		return fmt.Errorf("audit event %d: kind: must not be empty", e.Seq)
	case !isHash(e.Hash):
		return fmt.Errorf("audit event %d: hash: %q is not a hex SHA-256", e.Seq, e.Hash)
	case e.PrevHash != "" && !isHash(e.PrevHash):
		return fmt.Errorf("audit event %d: prevHash: %q is not a hex SHA-256", e.Seq, e.PrevHash)
	}
	return nil
}

func isHash(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
