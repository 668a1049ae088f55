package machined

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-os/cairn/internal/pkg/etcdops"
)

// TestEtcdLeftRecord: a leave is recorded beside the member's data; dropping the member
// removes its data but keeps the directory (its owner and mode are CIS items), and the record
// only when asked.
func TestEtcdLeftRecord(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "member", "snap"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, ok := etcdLeft(dir); ok {
		t.Fatal("a record before any leave")
	}
	if err := markEtcdLeft(dir, etcdops.Removal{Member: etcdops.Member{ID: 0xabc, Name: "cp-2"}}); err != nil {
		t.Fatal(err)
	}
	rec, ok := etcdLeft(dir)
	if !ok || !strings.Contains(rec, "member abc (cp-2) left its cluster at ") {
		t.Errorf("record = %q, %v", rec, ok)
	}
	if err := dropEtcdMember(dir, false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "member")); !os.IsNotExist(err) {
		t.Errorf("the member's data is still there: %v", err)
	}
	if _, ok := etcdLeft(dir); !ok {
		t.Error("dropping the data dropped the record")
	}
	if err := dropEtcdMember(dir, true); err != nil {
		t.Fatal(err)
	}
	if _, ok := etcdLeft(dir); ok {
		t.Error("the record outlived a reset's drop")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("the data directory itself went: %v", err)
	}
}
