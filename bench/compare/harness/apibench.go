package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// benchstatVersion pins golang.org/x/perf (it has no tags; this pseudo-version is served by
// the module proxy).
const benchstatVersion = "v0.0.0-20260908200009-22c9c6c9d4da"

// apiBenchmarks runs the API issue's Go benchmarks (bench/api) and summarises them with
// benchstat; the returned Markdown says what happened when they are missing or fail.
func (r *runner) apiBenchmarks(ctx context.Context) string {
	dir := filepath.Join(r.root, "bench", "api")
	if m, _ := filepath.Glob(filepath.Join(dir, "*_test.go")); len(m) == 0 {
		return "bench/api has no benchmarks in this tree yet; nothing was run."
	}
	raw := r.logPath("api-bench.txt")
	count := strconv.Itoa(r.o.BenchCount)
	if err := r.command(ctx, "api-bench.txt", "go", "test", "-run", "^$", "-bench", ".", "-count", count, "./bench/api/..."); err != nil {
		return fmt.Sprintf("The benchmarks failed: %v", err)
	}
	out, err := groupCommand(ctx, "go", "run", "golang.org/x/perf/cmd/benchstat@"+benchstatVersion, "bench/api="+raw).CombinedOutput()
	r.res.commands = append(r.res.commands, "go run golang.org/x/perf/cmd/benchstat@"+benchstatVersion+" bench/api="+raw)
	if err != nil {
		data, _ := os.ReadFile(raw)
		return fmt.Sprintf("benchstat failed (%v): %s\n\nRaw output:\n\n```\n%s```", err, strings.TrimSpace(string(out)), data)
	}
	return "```\n" + strings.TrimRight(string(out), "\n") + "\n```"
}
