// Package etcdquorum asks a node's etcd whether the cluster keeps quorum while this member is
// down (for an upgrade's reboot).
package etcdquorum

import (
	"context"
	"errors"
	"fmt"

	"github.com/cairn-os/cairn/internal/pkg/etcdops"
)

// Member is a voting etcd member.
type Member struct {
	ID         string // hex, as etcdctl prints it
	Name       string
	ClientURLs []string
	// Healthy says the member answered its status and knows a leader (not checked for this
	// node's own member).
	Healthy bool
}

// Report says what the check found.
type Report struct {
	Self    string   // this member's ID
	Members []Member // voting members, with their health
	// HealthyOthers counts the healthy voting members other than this one; Quorum is how
	// many voting members a quorum needs.
	HealthyOthers, Quorum int
}

// Keeps says whether the others alone are a quorum.
func (r Report) Keeps() bool { return r.HealthyOthers >= r.Quorum }

// String explains the verdict in a sentence.
func (r Report) String() string {
	return fmt.Sprintf("etcd has %d voting member(s); a quorum is %d; without this member %d healthy one(s) remain", len(r.Members), r.Quorum, r.HealthyOthers)
}

// Check lists the members through c (the node's own member) and asks each voting member other
// than this one for its status.
func Check(ctx context.Context, c *etcdops.Client) (Report, error) {
	self, members, err := c.Members(ctx, false)
	if err != nil {
		return Report{}, fmt.Errorf("etcd member list: %w", err)
	}
	var voters, others []etcdops.Member
	for _, m := range members {
		if m.Learner {
			continue
		}
		voters = append(voters, m)
		if m.ID != self {
			others = append(others, m)
		}
	}
	healthy := map[uint64]bool{}
	for _, s := range c.Status(ctx, others) {
		healthy[s.Member.ID] = s.Healthy()
	}
	r := Report{Self: etcdops.FormatID(self)}
	for _, m := range voters {
		r.Members = append(r.Members, Member{ID: m.IDString(), Name: m.Name, ClientURLs: m.ClientURLs, Healthy: healthy[m.ID]})
		if healthy[m.ID] {
			r.HealthyOthers++
		}
	}
	if len(r.Members) == 0 {
		return r, errors.New("etcd member list names no voting member")
	}
	r.Quorum = len(r.Members)/2 + 1
	return r, nil
}
