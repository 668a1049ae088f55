package audit

import "fmt"

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
	report Report
	prev   *Event
	// firstPrevHash is the prevHash of the first event seen; rotation records must account
	// for it when the stretch does not start at genesis.
	firstPrevHash string
	anchored      bool
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
	if e.Kind == KindRotated && e.Dropped != nil {
		v.report.Rotations = append(v.report.Rotations, *e.Dropped)
		if !v.report.Genesis && e.Dropped.ToSeq+1 == v.report.FirstSeq && e.Dropped.LastHash == v.firstPrevHash {
			v.anchored = true
		}
	}
	v.prev = &e
	v.report.Count++
	v.report.LastSeq = e.Seq
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
// a rotation record it contains is reported as a break at its first event.
func (v *Verifier) Finish() (Report, error) {
	if v.prev == nil {
		return v.report, nil
	}
	if !v.report.Genesis && !v.anchored {
		return v.report, &Break{Seq: v.report.FirstSeq, Reason: fmt.Sprintf("the chain starts at seq %d with prevHash %s and no rotation record accounts for the events before it", v.report.FirstSeq, short(v.firstPrevHash))}
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
