package etcdops

import (
	"errors"
	"testing"
)

// TestCheckAddition: a member may be added while the healthy voting members are a quorum.
func TestCheckAddition(t *testing.T) {
	for _, tc := range []struct {
		voters, healthy int
		ok              bool
	}{{1, 1, true}, {1, 0, false}, {2, 1, false}, {2, 2, true}, {3, 2, true}, {3, 1, false}, {5, 3, true}, {5, 2, false}} {
		err := checkAddition(tc.voters, tc.healthy)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrRefused)) {
			t.Errorf("checkAddition(%d voters, %d healthy) = %v, want ok=%v", tc.voters, tc.healthy, err, tc.ok)
		}
	}
}
