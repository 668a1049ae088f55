package init

import (
	"fmt"
	"strings"

	"github.com/cairn-os/cairn/internal/pkg/cmdline"
)

// FIPSArg is the kernel argument that chooses the Go Cryptographic Module's mode of Cairn's
// daemons: "strict" runs them with GODEBUG=fips140=only (anything but approved cryptography
// panics); absent or "on", they run as built (fips140=on).
const FIPSArg = "cairn.fips"

// fipsEnv returns env with GODEBUG set for the kernel command line c: fips140=only added to
// what GODEBUG already holds when c says cairn.fips=strict. machined is started with it, and
// the services it runs inherit it (but those that do not survive it: etcd, kube-apiserver).
// An unknown value is an error, and env is returned unchanged: the node boots as built and
// the console says why.
func fipsEnv(c *cmdline.Cmdline, env []string) (_ []string, strict bool, _ error) {
	v, ok := c.Get(FIPSArg)
	switch {
	case !ok || v == "on":
		return env, false, nil
	case v != "strict":
		return env, false, fmt.Errorf("%s=%q: want strict or on; booting with fips140=on", FIPSArg, v)
	}
	out := make([]string, 0, len(env)+1)
	godebug := "fips140=only"
	for _, kv := range env {
		if cur, found := strings.CutPrefix(kv, "GODEBUG="); found {
			if cur != "" {
				godebug = cur + "," + godebug // the last setting of a key wins
			}
			continue
		}
		out = append(out, kv)
	}
	return append(out, "GODEBUG="+godebug), true, nil
}
