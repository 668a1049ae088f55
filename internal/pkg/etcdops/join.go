package etcdops

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Join is what a new member needs to start: its ID and the --initial-cluster it starts with
// (--initial-cluster-state existing).
type Join struct {
	Member Member
	// InitialCluster is "name=peerURL,..." for every member, the new one under its name.
	InitialCluster string
}

// AddLearner adds a member named name at peerURL to the cluster as a learner (it receives the
// log but does not vote, so a slow or failed start costs the cluster nothing), and returns
// what it starts with. It is refused when the healthy voting members are no quorum, or when
// another learner has not been promoted yet (etcd allows one learner at a time); a member
// already added at peerURL that never started (a join that was interrupted) is reused, one
// that started is refused. While etcd answers that it is unavailable (its members have not
// been connected for 5 s yet, as right after the previous change) it asks again until ctx ends.
func (c *Client) AddLearner(ctx context.Context, name, peerURL string) (Join, error) {
	if name == "" || !strings.HasPrefix(peerURL, "https://") {
		return Join{}, errorf(ErrInvalid, "a new member needs a name and an https:// peer URL (got %q, %q)", name, peerURL)
	}
	_, members, err := c.Members(ctx, true)
	if err != nil {
		return Join{}, err
	}
	var again *Member
	for i, m := range members {
		if !slices.Contains(m.PeerURLs, peerURL) {
			continue
		}
		if m.Name != "" {
			return Join{}, errorf(ErrRefused, "member %s (%s) already has the peer URL %s: it is a member; remove it first (etcd remove-member) if the node lost its data", m.IDString(), m.Name, peerURL)
		}
		again = &members[i]
	}
	if again == nil {
		if err := checkAddition(c.voterHealth(ctx, members)); err != nil {
			return Join{}, err
		}
		for _, m := range members {
			if m.Learner {
				name := m.Name
				if name == "" {
					name = "not started yet, at " + strings.Join(m.PeerURLs, ",")
				}
				return Join{}, errorf(ErrRefused, "member %s (%s) is a learner not promoted yet: one member joins at a time", m.IDString(), name)
			}
		}
		var added struct {
			Member  wireMember   `json:"member"`
			Members []wireMember `json:"members"`
		}
		req := map[string]any{"peerURLs": []string{peerURL}, "isLearner": true}
		for {
			err := c.call(ctx, c.Endpoint, "/v3/cluster/member/add", RequestTimeout, req, &added)
			if err == nil {
				break
			}
			// "unhealthy cluster": etcd makes no membership change until its members have been
			// connected for 5 s (as after the previous one); ask again until ctx ends.
			if !errors.Is(err, ErrUnavailable) || ctx.Err() != nil {
				return Join{}, fmt.Errorf("add learner %s at %s: %w", name, peerURL, err)
			}
			select {
			case <-ctx.Done():
				return Join{}, fmt.Errorf("add learner %s at %s: %w (last answer: %w)", name, peerURL, ctx.Err(), err)
			case <-time.After(time.Second):
			}
		}
		if added.Member.ID == 0 {
			return Join{}, fmt.Errorf("add learner %s at %s: etcd's answer names no member ID", name, peerURL)
		}
		m := Member{ID: uint64(added.Member.ID), PeerURLs: added.Member.PeerURLs, Learner: true}
		again = &m
		members = append(members, m)
	}
	var initial []string
	for _, m := range members {
		n := m.Name
		if m.ID == again.ID {
			n = name
		}
		for _, u := range m.PeerURLs {
			initial = append(initial, n+"="+u)
		}
	}
	j := Join{Member: *again, InitialCluster: strings.Join(initial, ",")}
	j.Member.Name = name
	return j, nil
}

// voterHealth returns the number of voting members and of healthy ones among them.
func (c *Client) voterHealth(ctx context.Context, members []Member) (voters, healthy int) {
	for _, s := range c.Status(ctx, members) {
		if s.Member.Learner {
			continue
		}
		voters++
		if s.Healthy() {
			healthy++
		}
	}
	return voters, healthy
}

// checkAddition allows a new member only where the healthy voting members are a quorum now:
// etcd must commit the change. The learner does not vote, so it changes no quorum until it is
// promoted, and etcd promotes only a learner that has caught up.
func checkAddition(voters, healthy int) error {
	if healthy < quorum(voters) {
		return errorf(ErrRefused, "only %d of %d voting members are healthy and a quorum is %d: etcd cannot add a member now; bring the others back first", healthy, voters, quorum(voters))
	}
	return nil
}

// errNotInSync is etcd's refusal to promote a learner that has not caught up with the leader.
const errNotInSync = "can only promote a learner member which is in sync with leader"

// PromoteEvery is how often Promote asks again while the learner catches up.
const PromoteEvery = 2 * time.Second

// Promote makes learner id a voting member as soon as it has caught up with the leader: etcd
// refuses until then, and Promote asks again every PromoteEvery until ctx ends. Promoting a
// member that votes already is no error.
func (c *Client) Promote(ctx context.Context, id uint64) error {
	for {
		err := c.call(ctx, c.Endpoint, "/v3/cluster/member/promote", RequestTimeout, map[string]string{"ID": fmt.Sprint(id)}, nil)
		switch {
		case err == nil:
			return nil
		case strings.Contains(err.Error(), errNotInSync), errors.Is(err, ErrUnavailable):
			// Not caught up yet, or no leader for a moment: ask again.
		case strings.Contains(err.Error(), "can only promote a learner member"):
			if _, members, lerr := c.Members(ctx, true); lerr == nil {
				if m, ok := find(members, id); ok && !m.Learner {
					return nil
				}
			}
			return errorf(ErrRefused, "promote member %s: %v", FormatID(id), err)
		case strings.Contains(err.Error(), "member not found"):
			return errorf(ErrNotFound, "promote member %s: it is not a member", FormatID(id))
		default:
			return fmt.Errorf("promote member %s: %w", FormatID(id), err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("promote member %s: it did not catch up with the leader: %w (last answer: %w)", FormatID(id), ctx.Err(), err)
		case <-time.After(PromoteEvery):
		}
	}
}
