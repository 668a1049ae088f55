package etcdops

import (
	"context"
	"fmt"
	"strings"
)

// quorum is how many voting members a quorum of n needs.
func quorum(n int) int { return n/2 + 1 }

// CheckRemoval decides whether target may leave the membership. A learner always may. A
// voting member may when (1) it is not the last voting member, (2) the healthy voting members
// are a quorum now (etcd needs one to commit the change), and (3) the healthy voting members
// other than target are a quorum of the membership without target. healthy says which members
// count (Status.Healthy).
func CheckRemoval(members []Member, healthy map[uint64]bool, target uint64) error {
	t, ok := find(members, target)
	if !ok {
		return errorf(ErrNotFound, "member ID %s is not in the member list (members: %s)", FormatID(target), names(members))
	}
	if t.Learner {
		return nil
	}
	voters, healthyNow, healthyAfter := 0, 0, 0
	for _, m := range members {
		if m.Learner {
			continue
		}
		voters++
		if healthy[m.ID] {
			healthyNow++
			if m.ID != target {
				healthyAfter++
			}
		}
	}
	switch {
	case voters == 1:
		return errorf(ErrRefused, "member %s (%s) is the last voting member: removing it would end the cluster", t.IDString(), t.Name)
	case healthyNow < quorum(voters):
		return errorf(ErrRefused, "only %d of %d voting members are healthy and a quorum is %d: etcd cannot commit a membership change now", healthyNow, voters, quorum(voters))
	case healthyAfter < quorum(voters-1):
		return errorf(ErrRefused, "removing member %s (%s) would lose quorum: %d healthy voting member(s) would remain of %d, and a quorum of %d is %d", t.IDString(), t.Name, healthyAfter, voters-1, voters-1, quorum(voters-1))
	}
	return nil
}

// Removal is what a removal did, for the caller's reply.
type Removal struct {
	Member Member
	// Remaining is the membership without the removed member.
	Remaining []Member
}

// RemoveMember removes the member id, which must not be the local member (that one leaves
// with Leave), after CheckRemoval allowed it on a linearizable member list and fresh statuses.
func (c *Client) RemoveMember(ctx context.Context, id uint64) (Removal, error) {
	self, members, err := c.Members(ctx, true)
	if err != nil {
		return Removal{}, err
	}
	if id == self {
		return Removal{}, errorf(ErrRefused, "member %s is this node's own member: it leaves with etcd leave on this node, not remove-member", FormatID(id))
	}
	return c.remove(ctx, members, id, false)
}

// Leave removes the local member from the cluster, after CheckRemoval allowed it. etcd stops
// the member once the removal is applied.
func (c *Client) Leave(ctx context.Context) (Removal, error) {
	self, members, err := c.Members(ctx, true)
	if err != nil {
		return Removal{}, err
	}
	return c.remove(ctx, members, self, true)
}

// remove removes member id. A leaving member asks another healthy member to remove it: its own
// server stops as it applies the removal, often before it answers.
func (c *Client) remove(ctx context.Context, members []Member, id uint64, leaving bool) (Removal, error) {
	healthy := map[uint64]bool{}
	via := c.Endpoint
	for _, s := range c.Status(ctx, members) {
		healthy[s.Member.ID] = s.Healthy()
		if leaving && s.Member.ID != id && s.Healthy() && !s.Member.Learner && via == c.Endpoint {
			via = strings.TrimRight(s.Endpoint, "/")
		}
	}
	if err := CheckRemoval(members, healthy, id); err != nil {
		return Removal{}, err
	}
	r := Removal{}
	for _, m := range members {
		if m.ID == id {
			r.Member = m
		} else {
			r.Remaining = append(r.Remaining, m)
		}
	}
	req := map[string]string{"ID": fmt.Sprint(id)}
	if err := c.call(ctx, via, "/v3/cluster/member/remove", RequestTimeout, req, nil); err != nil {
		return Removal{}, fmt.Errorf("remove member %s (%s): %w", r.Member.IDString(), r.Member.Name, err)
	}
	return r, nil
}
