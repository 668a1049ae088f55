package devmapper

import (
	"fmt"
	"os"
	"testing"
)

// TestMain has two more roles besides running the tests:
//   - CAIRN_DM_MAKE_FIXTURE=DIR: build the verity fixture into DIR with the host's tools and
//     exit (the VM runner does this on the host);
//   - PID 1: the test binary is /init of a VM (test/e2e's TestDeviceMapperInVM): mount the
//     pseudo filesystems and load the modules first, power off after.
func TestMain(m *testing.M) {
	if dir := os.Getenv("CAIRN_DM_MAKE_FIXTURE"); dir != "" {
		if err := BuildFixture(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if os.Getpid() == 1 {
		vmMain(m)
	}
	os.Exit(m.Run())
}
