package auditlog

import (
	"fmt"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/audit"
)

// SetSigner sets the key that signs anchors from now on (the node's API server certificate and
// key); nil leaves anchors unsigned (maintenance mode: the node has no certificate from the OS
// CA). After the boot record, a new signer signs an anchor at once, which covers everything
// before it.
func (l *Log) SetSigner(s *audit.Signer, note string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.signer = s
	if s == nil || l.closed || !l.booted {
		return nil
	}
	_, err := l.anchorLocked(audit.KindAnchor, note, nil)
	return err
}

// Boot writes the boot record of this run: its id and whether history from earlier runs was
// found, so that a verifier sees where history restarts.
func (l *Log) Boot(id string) (audit.Event, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := &audit.Boot{ID: id, PriorEvents: l.prior, PriorClean: l.priorClean}
	note := "boot: no earlier history found: the audit chain starts here (STATE did not keep it, or the node is new)"
	switch {
	case l.prior > 0 && l.priorClean:
		note = fmt.Sprintf("boot: history of earlier runs found up to seq %d, which ended with a shutdown record", l.prior)
	case l.prior > 0:
		note = fmt.Sprintf("boot: history of earlier runs found up to seq %d, which ended WITHOUT a shutdown record (crash, power loss, or a cut tail)", l.prior)
	}
	l.booted = true
	return l.anchorLocked(audit.KindBoot, note, b)
}

// Anchor writes the pending refusal aggregates and a signed anchor over the whole chain, and
// returns the anchor.
func (l *Log) Anchor(note string) (audit.Event, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.anchorLocked(audit.KindAnchor, note, nil)
}

// Shutdown writes the pending aggregates and the signed shutdown record, and closes the log.
func (l *Log) Shutdown(note string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.anchorLocked(audit.KindShutdown, note, nil); err != nil {
		_ = l.closeLocked() // the first error is the one worth reporting
		return err
	}
	return l.closeLocked()
}

func (l *Log) anchorLocked(kind, note string, b *audit.Boot) (audit.Event, error) {
	if l.closed {
		return audit.Event{}, fmt.Errorf("audit log is closed")
	}
	if err := l.flushRefusalsLocked(); err != nil {
		return audit.Event{}, err
	}
	return l.writeLocked(audit.Event{Kind: kind, Node: l.opts.Node, Note: note, Boot: b})
}

// seal links the event into the chain; anchors are signed when the log has a signer.
func (l *Log) seal(e *audit.Event) error {
	if audit.IsAnchor(e.Kind) && l.signer != nil {
		return e.SealSigned(l.lastHash, l.signer)
	}
	e.Seal(l.lastHash)
	return nil
}

// afterAppend counts events since the last anchor and signs one every AnchorEvery events.
func (l *Log) afterAppend(e audit.Event) error {
	if audit.IsAnchor(e.Kind) {
		l.sinceSig = 0
		return nil
	}
	l.sinceSig++
	if l.sinceSig < l.opts.AnchorEvery {
		return nil
	}
	_, err := l.writeLocked(audit.Event{Kind: audit.KindAnchor, Node: l.opts.Node, Note: fmt.Sprintf("periodic: %d events", l.opts.AnchorEvery)})
	return err
}

func (l *Log) tick(every time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if err := l.Tick(); err != nil {
				l.opts.Logger.Error("audit log: periodic anchor not written", "error", err)
			}
		}
	}
}

// Tick writes the refusal aggregates of the window that ends and, when events were written
// since the last anchor, a periodic anchor. The log calls it every Options.Window.
func (l *Log) Tick() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	if err := l.flushRefusalsLocked(); err != nil {
		return err
	}
	if l.sinceSig == 0 {
		return nil
	}
	_, err := l.writeLocked(audit.Event{Kind: audit.KindAnchor, Node: l.opts.Node, Note: "periodic"})
	return err
}

// flushRefusalsLocked writes one aggregate event per source with refusals not yet written.
func (l *Log) flushRefusalsLocked() error {
	for _, r := range l.refusals.drain() {
		note := fmt.Sprintf("%d further refused calls with unverified claims from %s, counted here instead of one event each", r.Count, r.Source)
		if _, err := l.writeLocked(audit.Event{Kind: audit.KindRefusals, Node: l.opts.Node, Refusals: r, Note: note}); err != nil {
			return err
		}
	}
	return nil
}
