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
	// KindBoot opens the events of one run of the node; it is a signed anchor.
	KindBoot = "audit.boot"
	// KindShutdown closes the events of one run; it is a signed anchor.
	KindShutdown = "audit.shutdown"
	// KindAnchor signs the chain up to it (periodically, and before the log is read).
	KindAnchor = "audit.anchor"
	// KindGap records events the log moved aside because their segment was corrupt.
	KindGap = "audit.gap"
	// KindRefusals counts refused unauthenticated calls from one source that were not written
	// one by one.
	KindRefusals = "audit.refusals"
)

// MaxEventSize bounds one encoded event. The log never stores a larger one: Bound truncates
// the fields of an event (and marks it Truncated) so that it fits.
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

// Boot describes the start of a run of the node and what history it found.
type Boot struct {
	// ID is the kernel's boot id (or another id unique to this run).
	ID string `json:"id"`
	// PriorEvents is the number of the last event found from earlier runs; 0 means none: the
	// history starts here (STATE did not keep it, or the node is new).
	PriorEvents uint64 `json:"priorEvents"`
	// PriorClean is true when the earlier run ended with a shutdown record.
	PriorClean bool `json:"priorClean"`
}

// Refusals aggregates refused calls with unverified claims from one source.
type Refusals struct {
	Source string    `json:"source"`
	Count  uint64    `json:"count"`
	First  time.Time `json:"first"`
	Last   time.Time `json:"last"`
	// Methods and Subjects are samples (bounded) of what the refused calls named.
	Methods  []string `json:"methods,omitempty"`
	Subjects []string `json:"subjects,omitempty"`
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
	// Unverified says the caller's identity comes from a certificate that did not verify (or
	// there was none): its claims are what the peer presented, not facts.
	Unverified bool `json:"unverified,omitempty"`
	// Truncated says Bound shortened some fields of the event to fit the limits.
	Truncated bool      `json:"truncated,omitempty"`
	Boot      *Boot     `json:"boot,omitempty"`
	Refusals  *Refusals `json:"refusals,omitempty"`
	Anchor    *Anchor   `json:"anchor,omitempty"`
	PrevHash  string    `json:"prevHash"`
	Hash      string    `json:"hash"`
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
