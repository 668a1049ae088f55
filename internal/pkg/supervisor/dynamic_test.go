package supervisor

import (
	"context"
	"errors"
	"log/slog"
	"os/exec"
	"testing"
)

// TestPutRemove adds services to a running supervisor, replaces a running one (it restarts
// with the new definition and keeps its log) and removes them in dependency order.
func TestPutRemove(t *testing.T) {
	sup, err := New(slog.New(slog.DiscardHandler), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sup.StopAll()
	ctx := context.Background()
	say := func(name, word string) Spec {
		return Spec{Name: name, Command: func() *exec.Cmd { return exec.Command("sh", "-c", "echo "+word+"; exec sleep 300") }}
	}
	if err := sup.Put(ctx, Spec{Name: "child", DependsOn: []string{"parent"}}, true); err == nil {
		t.Fatal("Put with an unknown dependency succeeded")
	}
	if err := sup.Put(ctx, say("parent", "one"), true); err != nil {
		t.Fatal(err)
	}
	child := say("child", "c")
	child.DependsOn = []string{"parent"}
	if err := sup.Put(ctx, child, true); err != nil {
		t.Fatal(err)
	}
	ring, _ := sup.Logs("parent")
	waitFor(t, "parent says one", func() bool { return len(ring.Tail(1)) == 1 && string(ring.Tail(1)[0]) == "one\n" })
	pid := sup.List()[0].PID
	if err := sup.Put(ctx, say("parent", "two"), false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "parent restarted saying two", func() bool {
		r, _ := sup.Logs("parent")
		tail := r.Tail(2)
		return len(tail) == 2 && string(tail[0]) == "one\n" && string(tail[1]) == "two\n"
	})
	if st := sup.List()[0]; st.PID == pid || st.State != StateRunning {
		t.Errorf("after replacing: %+v, want a new running process (old pid %d)", st, pid)
	}
	if err := sup.Remove("parent"); !errors.Is(err, ErrFailedPrecondition) {
		t.Errorf("Remove(parent) while child depends on it = %v, want ErrFailedPrecondition", err)
	}
	for _, n := range []string{"child", "parent"} {
		if err := sup.Remove(n); err != nil {
			t.Fatal(err)
		}
	}
	if l := sup.List(); len(l) != 0 {
		t.Errorf("after removing everything: %+v", l)
	}
}
