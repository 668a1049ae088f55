package verity

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMatchesVeritysetupFormat has veritysetup format the same data with the same salt and
// UUID into a separate hash file: its root hash and every byte of its hash file equal what
// Build wrote after the data.
func TestMatchesVeritysetupFormat(t *testing.T) {
	vs := needVeritysetup(t)
	for _, size := range sizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			file, p := slot(t, size, 2)
			img, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			data, hash := filepath.Join(dir, "data"), filepath.Join(dir, "hash")
			if err := os.WriteFile(data, img[:p.HashOffset], 0o600); err != nil {
				t.Fatal(err)
			}
			u := img[p.HashOffset+16 : p.HashOffset+32]
			uuid := fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
			out, err := exec.Command(vs, "format", data, hash, "--salt="+hex.EncodeToString(p.Salt), "--uuid="+uuid).CombinedOutput() //nolint:gosec // the test's own files.
			if err != nil {
				t.Fatalf("veritysetup format = %v\n%s", err, out)
			}
			if want := "Root hash:      \t" + hex.EncodeToString(p.RootHash); !strings.Contains(string(out), want) {
				t.Errorf("veritysetup format printed\n%s\nwant a line %q", out, want)
			}
			want, err := os.ReadFile(hash)
			if err != nil {
				t.Fatal(err)
			}
			if got := img[p.HashOffset:]; !bytes.Equal(got, want) {
				t.Errorf("hash area differs from veritysetup's hash file (%d vs %d bytes)", len(got), len(want))
			}
		})
	}
}
