package machined

import "testing"

// TestSecondLifecycleRequestRefused: while one lifecycle request is carried out, another is
// refused with an error naming the one in progress; once it is done, requests are accepted.
func TestSecondLifecycleRequestRefused(t *testing.T) {
	for _, tc := range []struct {
		first, second lifecycle
		want          string
	}{
		{lifecycleShutdown, lifecycleReboot, "a shutdown is already in progress: this reboot is refused"},
		{lifecycleReboot, lifecycleReset, "a reboot is already in progress: this reset is refused"},
		{lifecycleReset, lifecycleShutdown, "a reset is already in progress: this shutdown is refused"},
	} {
		n := &daemon{requests: make(chan lifecycle, 1)}
		if err := n.request(tc.first); err != nil {
			t.Fatalf("request(%s) = %v", tc.first, err)
		}
		<-n.requests // the run loop takes the first request and works on it
		if err := n.request(tc.second); err == nil || err.Error() != tc.want {
			t.Errorf("request(%s) during request(%s) = %v, want %q", tc.second, tc.first, err, tc.want)
		}
	}
	n := &daemon{requests: make(chan lifecycle, 1)}
	_ = n.request(lifecycleReboot)
	<-n.requests
	n.done()
	if err := n.request(lifecycleReboot); err != nil {
		t.Errorf("request after the previous one is done = %v, want accepted", err)
	}
}
