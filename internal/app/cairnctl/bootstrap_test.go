package cairnctl

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBootstrapRecoverChecksFirst: a snapshot whose trailer is not the sha256 of its database
// (truncated here) is refused before any connection, naming the file and saying nothing was
// sent; a missing file names itself.
func TestBootstrapRecoverChecksFirst(t *testing.T) {
	dir := t.TempDir()
	db := []byte(strings.Repeat("page", 1000))
	sum := sha256.Sum256(db)
	snap := filepath.Join(dir, "backup.db")
	if err := os.WriteFile(snap, append(db, sum[:]...)[:3000], 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CAIRNCONFIG": filepath.Join(dir, "no-such-config")}
	r := run(t, env, "bootstrap", "--recover-from", snap)
	if r.code == 0 || !strings.Contains(r.stderr, "--recover-from "+snap) || !strings.Contains(r.stderr, "truncated or corrupt; nothing was sent") {
		t.Errorf("truncated snapshot: exit %d, stderr %q", r.code, r.stderr)
	}
	r = run(t, env, "bootstrap", "--recover-from", filepath.Join(dir, "absent.db"))
	if r.code == 0 || !strings.Contains(r.stderr, "absent.db") {
		t.Errorf("missing snapshot: exit %d, stderr %q", r.code, r.stderr)
	}
}
