package etcdops

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
)

// Status is what one member says about itself.
type Status struct {
	Member Member
	// Endpoint is the client URL that answered ("" when none did).
	Endpoint string
	// Err says why no client URL of the member answered; the fields below are then zero.
	Err error

	Leader                                bool
	LeaderID                              uint64
	RaftIndex, RaftTerm, RaftAppliedIndex uint64
	DBSize, DBSizeInUse                   uint64
	Version, StorageVersion               string
	// Errors are the member's own errors, alarms among them (e.g. "memberID:... alarm:NOSPACE").
	Errors []string
}

// Healthy says the member answered and knows a leader: it counts toward a quorum.
func (s Status) Healthy() bool { return s.Err == nil && s.LeaderID != 0 }

type wireStatus struct {
	Header           header   `json:"header"`
	Version          string   `json:"version"`
	DBSize           u64      `json:"dbSize"`
	Leader           u64      `json:"leader"`
	RaftIndex        u64      `json:"raftIndex"`
	RaftTerm         u64      `json:"raftTerm"`
	RaftAppliedIndex u64      `json:"raftAppliedIndex"`
	Errors           []string `json:"errors"`
	DBSizeInUse      u64      `json:"dbSizeInUse"`
	StorageVersion   string   `json:"storageVersion"`
}

// parseStatus decodes a maintenance status answer into s's fields.
func parseStatus(data []byte, s *Status) error {
	var w wireStatus
	if err := json.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("status: %w", err)
	}
	if w.Header.MemberID == 0 {
		return fmt.Errorf("status: the answer names no member_id")
	}
	if s.Member.ID != 0 && uint64(w.Header.MemberID) != s.Member.ID {
		return fmt.Errorf("status: member %s answered for member %s", FormatID(uint64(w.Header.MemberID)), s.Member.IDString())
	}
	s.LeaderID, s.Leader = uint64(w.Leader), w.Leader != 0 && w.Leader == w.Header.MemberID
	s.RaftIndex, s.RaftTerm, s.RaftAppliedIndex = uint64(w.RaftIndex), uint64(w.RaftTerm), uint64(w.RaftAppliedIndex)
	s.DBSize, s.DBSizeInUse = uint64(w.DBSize), uint64(w.DBSizeInUse)
	s.Version, s.StorageVersion, s.Errors = w.Version, w.StorageVersion, w.Errors
	return nil
}

// Status asks every member, at once, for its status through its own client URLs (the first
// that answers); a member that does not answer within a few seconds has Err set.
func (c *Client) Status(ctx context.Context, members []Member) []Status {
	out := make([]Status, len(members))
	var wg sync.WaitGroup
	for i, m := range members {
		wg.Go(func() { out[i] = c.memberStatus(ctx, m) })
	}
	wg.Wait()
	return out
}

func (c *Client) memberStatus(ctx context.Context, m Member) Status {
	s := Status{Member: m}
	if len(m.ClientURLs) == 0 {
		s.Err = fmt.Errorf("member %s (%s) has no client URL yet (a learner that has not started?)", m.IDString(), m.Name)
		return s
	}
	var errs []string
	for _, u := range m.ClientURLs {
		var raw json.RawMessage
		err := c.call(ctx, strings.TrimRight(u, "/"), "/v3/maintenance/status", memberTimeout, struct{}{}, &raw)
		if err == nil {
			err = parseStatus(raw, &s)
		}
		if err == nil {
			s.Endpoint = u
			return s
		}
		errs = append(errs, fmt.Sprintf("%s: %v", u, err))
	}
	s.Err = fmt.Errorf("member %s (%s) did not answer: %s", m.IDString(), m.Name, strings.Join(errs, "; "))
	return s
}
