package verity

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// needVeritysetup returns the path of the real veritysetup, skipping the test outside CI
// when it is missing (CI installs cryptsetup-bin: .ci/run).
func needVeritysetup(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("veritysetup")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("veritysetup not installed in CI: .ci/run must apt-get install cryptsetup-bin")
		}
		t.Skip("veritysetup not installed (apt-get install cryptsetup-bin)")
	}
	return p
}

// slot writes size bytes of seeded random data to a file and builds the hash area after
// them in the same file, as on a boot slot.
func slot(t *testing.T, size int64, seed uint64) (string, Params) {
	t.Helper()
	data := make([]byte, size)
	r := rand.New(rand.NewPCG(seed, uint64(size))) //nolint:gosec // test data, not a secret.
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	file := filepath.Join(t.TempDir(), "slot")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	p, err := Build(f, bytes.NewReader(data), size)
	if err != nil {
		t.Fatalf("Build(%d bytes) = %v", size, err)
	}
	if st, _ := f.Stat(); st.Size() != p.HashOffset+TreeSize(size) {
		t.Errorf("file is %d bytes, want HashOffset %d + TreeSize %d", st.Size(), p.HashOffset, TreeSize(size))
	}
	return file, p
}

func verify(vs, file string, p Params) ([]byte, error) {
	return exec.Command(vs, "verify", file, file, hex.EncodeToString(p.RootHash), //nolint:gosec // the test's own file.
		fmt.Sprintf("--hash-offset=%d", p.HashOffset)).CombinedOutput()
}

// sizes cover one block (no tree), a partial block, one full hash block of digests, two
// levels and three levels (16385 blocks).
var sizes = []int64{1, 4096, 5000, 128 * 4096, 129*4096 + 7, 16385 * 4096}

// TestVeritysetupVerifies checks Build's output with the real veritysetup: it verifies, and
// a flipped data byte (first, last) makes it fail.
func TestVeritysetupVerifies(t *testing.T) {
	vs := needVeritysetup(t)
	for _, size := range sizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			file, p := slot(t, size, 1)
			if out, err := verify(vs, file, p); err != nil {
				t.Fatalf("veritysetup verify = %v\n%s", err, out)
			}
			for _, at := range []int64{0, size - 1} {
				flip(t, file, at)
				if out, err := verify(vs, file, p); err == nil {
					t.Errorf("veritysetup verify with byte %d flipped succeeded:\n%s", at, out)
				}
				flip(t, file, at)
			}
		})
	}
}

func flip(t *testing.T, file string, at int64) {
	t.Helper()
	f, err := os.OpenFile(file, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, at); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x01
	if _, err := f.WriteAt(b, at); err != nil {
		t.Fatal(err)
	}
}
