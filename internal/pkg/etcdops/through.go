package etcdops

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// JoinThrough adds name at peerURL as a learner through the first of endpoints (existing
// members' client URLs) that takes the addition, as AddLearner does, and returns the join and
// the endpoint that took it. An endpoint that does not answer, or cannot serve the addition (a
// learner, a member cut off from its leader), is skipped; a refusal any member would repeat (no
// quorum, a learner not promoted yet, the peer URL already a started member) ends the attempt.
func JoinThrough(ctx context.Context, dir string, endpoints []string, name, peerURL string) (Join, string, error) {
	var errs []error
	for _, ep := range endpoints {
		c, err := NewClient(dir, ep)
		if err != nil {
			return Join{}, "", err
		}
		j, err := c.AddLearner(ctx, name, peerURL)
		c.http.CloseIdleConnections()
		if err == nil {
			return j, ep, nil
		}
		if errors.Is(err, ErrInvalid) || errors.Is(err, ErrRefused) {
			return Join{}, ep, err
		}
		errs = append(errs, fmt.Errorf("%s: %w", ep, err))
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 0 {
		return Join{}, "", errorf(ErrUnavailable, "no etcd member to join through")
	}
	return Join{}, "", errors.Join(errs...)
}

// PromoteSelf makes the member at peerURL a voting member once it has caught up. It asks the
// first of endpoints that answers a linearizable member list (a learner does not: it is
// skipped): done is true when the member votes (promoted now, or already), false with an error
// when no endpoint answered or the promotion did not go through before ctx ended.
func PromoteSelf(ctx context.Context, dir string, endpoints []string, peerURL string) (done bool, err error) {
	var errs []error
	for _, ep := range endpoints {
		c, err := NewClient(dir, ep)
		if err != nil {
			return false, err
		}
		done, err := c.promoteAt(ctx, peerURL)
		c.http.CloseIdleConnections()
		if err == nil {
			return done, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", ep, err))
		if ctx.Err() != nil || errors.Is(err, ErrNotFound) {
			break
		}
	}
	if len(errs) == 0 {
		return false, errorf(ErrUnavailable, "no etcd member to promote through")
	}
	return false, errors.Join(errs...)
}

// promoteAt promotes the member at peerURL through c's endpoint.
func (c *Client) promoteAt(ctx context.Context, peerURL string) (bool, error) {
	_, members, err := c.Members(ctx, true)
	if err != nil {
		return false, err
	}
	for _, m := range members {
		if !slices.Contains(m.PeerURLs, peerURL) {
			continue
		}
		if !m.Learner {
			return true, nil
		}
		if err := c.Promote(ctx, m.ID); err != nil {
			return false, err
		}
		return true, nil
	}
	return false, errorf(ErrNotFound, "no member has the peer URL %s (members: %s): it was removed", peerURL, names(members))
}
