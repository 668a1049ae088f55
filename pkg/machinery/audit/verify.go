package audit

import (
	"crypto/x509"
	"fmt"
)

// Report summarises a verified stretch of the chain.
type Report struct {
	// Count is the number of events checked.
	Count int
	// FirstSeq and LastSeq bound the events checked.
	FirstSeq, LastSeq uint64
	// Genesis is true when the stretch starts at the first event ever written.
	Genesis bool
	// Rotations lists the ranges the log removed to stay bounded, as it recorded them.
	Rotations []Dropped
	// Gaps lists the ranges the log moved aside because their segment was corrupt.
	Gaps []Dropped
	// Anchors is the number of signed anchors verified; LastAnchor is the newest one's seq.
	Anchors    int
	LastAnchor uint64
	// Boots lists the boot records: where each run of the node starts.
	Boots []BootRecord
	// Refused counts the refused calls recorded in aggregates rather than one by one, from
	// RefusalEvents aggregate events.
	Refused       uint64
	RefusalEvents int
	// Truncated counts the events whose fields were cut to fit the limits.
	Truncated int
}

// BootRecord is where a run of the node starts in the chain.
type BootRecord struct {
	Seq uint64
	Boot
}

// Break describes the first place where the chain does not hold.
type Break struct {
	Seq    uint64
	Reason string
}

func (b *Break) Error() string {
	return fmt.Sprintf("audit chain broken at seq %d: %s", b.Seq, b.Reason)
}

// Verifier checks events one at a time, so that a stream of any length can be verified
// without holding it in memory.
type Verifier struct {
	// Roots, when set, are the CAs whose certificates may sign anchors, and make the verifier
	// strict: a genesis chain must open with a boot record, every signature must be by a
	// certificate of Roots, every run must end with a shutdown record, and the stretch must end
	// with a signed anchor, so that a cut tail or a rewritten stretch does not pass.
	Roots *x509.CertPool

	report Report
	prev   *Event
	// firstPrevHash is the prevHash of the first event seen; rotation records must account
	// for it when the stretch does not start at genesis.
	firstPrevHash string
	anchored      bool
	// lastRun is the last event that is not a record the log wrote while opening (gap,
	// recovery): a clean boot must follow a signed shutdown there.
	lastRun *Event
	// signedEnd says whether the newest event is a trusted signed anchor.
	signedEnd bool
}

// Add checks the next event. It returns a *Break for the first broken or missing link.
func (v *Verifier) Add(e Event) error {
	if err := e.check(); err != nil {
		return &Break{Seq: e.Seq, Reason: err.Error()}
	}
	if got := e.ComputeHash(); got != e.Hash {
		return &Break{Seq: e.Seq, Reason: fmt.Sprintf("content does not match its hash (stored %s, computed %s): the event was edited", short(e.Hash), short(got))}
	}
	if v.prev == nil {
		v.start(e)
	} else if err := v.link(e); err != nil {
		return err
	}
	if err := v.checkKind(e); err != nil {
		return err
	}
	v.prev = &e
	if e.Kind != KindGap && e.Kind != KindRecovered {
		v.lastRun = &e
	}
	v.report.Count++
	v.report.LastSeq = e.Seq
	return nil
}

// checkKind checks and records what the log's own records say.
func (v *Verifier) checkKind(e Event) error {
	v.signedEnd = false
	switch {
	case e.Kind == KindRotated && e.Dropped != nil:
		v.report.Rotations = append(v.report.Rotations, *e.Dropped)
		v.account(*e.Dropped)
	case e.Kind == KindGap && e.Dropped != nil:
		v.report.Gaps = append(v.report.Gaps, *e.Dropped)
		v.account(*e.Dropped)
	case e.Kind == KindRefusals && e.Refusals != nil:
		v.report.Refused += e.Refusals.Count
		v.report.RefusalEvents++
	}
	if e.Truncated {
		v.report.Truncated++
	}
	if e.Kind == KindBoot {
		if err := v.boot(e); err != nil {
			return err
		}
	}
	if IsAnchor(e.Kind) && e.Anchor != nil {
		return v.anchor(e)
	}
	return nil
}

// account marks the stretch anchored when a record names the events before its start.
func (v *Verifier) account(d Dropped) {
	if !v.report.Genesis && d.ToSeq+1 == v.report.FirstSeq && d.LastHash == v.firstPrevHash {
		v.anchored = true
	}
}

func (v *Verifier) anchor(e Event) error {
	err := e.checkAnchor(v.Roots)
	if err != nil {
		return &Break{Seq: e.Seq, Reason: err.Error()}
	}
	v.signedEnd = true
	v.report.Anchors++
	v.report.LastAnchor = e.Seq
	return nil
}

// boot records a boot and, when strict, checks that a run it calls clean ended with a signed
// shutdown record.
func (v *Verifier) boot(e Event) error {
	if e.Boot == nil {
		return &Break{Seq: e.Seq, Reason: "a boot record must say which boot it is"}
	}
	v.report.Boots = append(v.report.Boots, BootRecord{Seq: e.Seq, Boot: *e.Boot})
	if v.Roots == nil || e.Boot.PriorEvents == 0 {
		return nil
	}
	if !e.Boot.PriorClean {
		return &Break{Seq: e.Seq, Reason: fmt.Sprintf("the run before this boot ended at seq %d without a shutdown record: events after its last signed anchor may have been cut or rewritten (or the node lost power)", e.Boot.PriorEvents)}
	}
	if p := v.lastRun; p != nil && (p.Kind != KindShutdown || p.Anchor == nil) {
		return &Break{Seq: e.Seq, Reason: fmt.Sprintf("the boot record says the run before ended cleanly, but event %d before it is a %s, not a signed shutdown record", p.Seq, p.Kind)}
	}
	return nil
}

func (v *Verifier) start(e Event) {
	v.report.FirstSeq = e.Seq
	v.firstPrevHash = e.PrevHash
	v.report.Genesis = e.Seq == 1 && e.PrevHash == ""
}

func (v *Verifier) link(e Event) error {
	p := v.prev
	if e.Seq != p.Seq+1 {
		return &Break{Seq: p.Seq + 1, Reason: fmt.Sprintf("missing: event %d follows event %d", e.Seq, p.Seq)}
	}
	if e.PrevHash != p.Hash {
		return &Break{Seq: e.Seq, Reason: fmt.Sprintf("prevHash %s does not match the hash %s of event %d", short(e.PrevHash), short(p.Hash), p.Seq)}
	}
	return nil
}

// Finish returns the report. A stretch that neither starts at genesis nor is accounted for by
// a rotation or gap record it contains is reported as a break at its first event; a strict
// verifier also requires the stretch to open (at genesis) with a boot record and to end with
// a signed anchor.
func (v *Verifier) Finish() (Report, error) {
	if v.prev == nil {
		return v.report, nil
	}
	if !v.report.Genesis && !v.anchored {
		return v.report, &Break{Seq: v.report.FirstSeq, Reason: fmt.Sprintf("the chain starts at seq %d with prevHash %s and no rotation record accounts for the events before it", v.report.FirstSeq, short(v.firstPrevHash))}
	}
	if v.Roots == nil {
		return v.report, nil
	}
	if v.report.Genesis && (len(v.report.Boots) == 0 || v.report.Boots[0].Seq != 1) {
		return v.report, &Break{Seq: 1, Reason: "the chain does not open with a boot record: its beginning was replaced"}
	}
	if !v.signedEnd {
		return v.report, &Break{Seq: v.report.LastSeq, Reason: fmt.Sprintf("the chain ends at seq %d after its last signed anchor (seq %d): the events after it, or the anchors that followed, may have been cut or rewritten", v.report.LastSeq, v.report.LastAnchor)}
	}
	return v.report, nil
}

// Verify checks a whole slice of events in order.
func Verify(events []Event) (Report, error) {
	var v Verifier
	for _, e := range events {
		if err := v.Add(e); err != nil {
			return v.report, err
		}
	}
	return v.Finish()
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	if h == "" {
		return "(none)"
	}
	return h
}
