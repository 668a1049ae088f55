// Command docgen writes docs/config.md, the reference of the machine configuration, from the
// Go types of pkg/machinery/config and their doc comments: every field's path, type, default,
// validation rule and example. Run it from the repository root: go run ./hack/docgen docs/config.md.
package main

import (
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: docgen OUTPUT.md (from the repository root)")
		os.Exit(2)
	}
	if err := run(".", os.Args[1]); err != nil {
		fmt.Fprintf(os.Stderr, "docgen: %v\n", err)
		os.Exit(1)
	}
}

// run generates the reference from the sources under root and writes it to out.
func run(root, out string) error {
	data, err := generate(root)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil { //nolint:gosec // docs/ is meant to be world-readable.
		return err
	}
	return os.WriteFile(out, data, 0o644) //nolint:gosec // documentation is meant to be world-readable.
}
