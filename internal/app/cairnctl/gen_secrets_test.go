package cairnctl

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/secrets"
)

func TestGenSecrets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets.yaml")
	out := mustRun(t, nil, "gen", "secrets", "-o", path)
	if !strings.Contains(out, "wrote "+path) || !strings.Contains(out, "0600") {
		t.Errorf("output does not say what it wrote:\n%s", out)
	}
	if runtime.GOOS != "windows" {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("mode = %v, want 0600", st.Mode().Perm())
		}
	}
	first, err := secrets.LoadFile(path)
	if err != nil {
		t.Fatalf("generated bundle does not load: %v", err)
	}
	if strings.Contains(out, first.Cluster.Secret) || strings.Contains(out, first.Tokens.Join) {
		t.Errorf("output prints a secret:\n%s", out)
	}

	r := run(t, nil, "gen", "secrets", "-o", path)
	if r.code == 0 || !strings.Contains(r.stderr, "--force") {
		t.Errorf("second gen secrets exited %d, stderr %q; want a failure that mentions --force", r.code, r.stderr)
	}
	if again, err := secrets.LoadFile(path); err != nil || again.Cluster != first.Cluster {
		t.Fatalf("file changed without --force (%v)", err)
	}

	mustRun(t, nil, "gen", "secrets", "-o", path, "--force")
	forced, err := secrets.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if forced.Cluster == first.Cluster {
		t.Errorf("--force did not replace the bundle")
	}
}
