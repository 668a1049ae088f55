package apid

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestCallerLimit(t *testing.T) {
	l := newCallerLimit(2)
	r1, err := l.acquire("fp:x", "x")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.acquire("fp:x", "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.acquire("fp:x", "x"); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("third call of a caller with a cap of 2: %v, want ResourceExhausted", err)
	}
	if _, err := l.acquire("fp:y", "y"); err != nil {
		t.Errorf("another caller: %v, want a slot", err)
	}
	r1()
	r1() // a second release gives nothing back twice
	if _, err := l.acquire("fp:x", "x"); err != nil {
		t.Errorf("after one call ended: %v, want a slot", err)
	}
	if _, err := l.acquire("fp:x", "x"); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("double release freed two slots: %v", err)
	}
}
