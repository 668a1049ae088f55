// Command syscalls lists the system calls each Cairn service made in a traced run, from the
// per-thread files of `strace -ff -o DIR/t` (test/integration with CAIRN_STRACE_DIR=DIR):
//
//	CAIRN_STRACE_DIR=/tmp/trace go test -count=1 ./test/integration/
//	go run ./hack/syscalls /tmp/trace apid trustd
//
// A thread belongs to the program its creator ran, until it executes another one; the calls a
// forked child makes before its execve belong to the parent. The output is what the reviewed
// allowlists in internal/pkg/seccomp start from.
package main

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var (
	callRe   = regexp.MustCompile(`^(?:<\.\.\. )?([a-z0-9_]+)[( ]`)
	cloneRe  = regexp.MustCompile(`^clone3?\(.* = (\d+)$`)
	execveRe = regexp.MustCompile(`^execve\("[^"]*", \["[^"]*", "([^"]*)".* = 0$`)
)

// thread is what one trace file says.
type thread struct {
	program  string // set when the thread executed a program
	calls    []string
	children []int
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: syscalls TRACE_DIR PROGRAM...")
		os.Exit(2)
	}
	threads, err := load(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	calls := attribute(threads)
	for _, p := range os.Args[2:] {
		fmt.Printf("# %s: %d system calls\n%s\n", p, len(calls[p]), strings.Join(calls[p], "\n"))
	}
}

// load reads every t.<tid> file below dir; tids are per directory (one traced machined each).
func load(dir string) (map[string]*thread, error) {
	threads := map[string]*thread{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasPrefix(d.Name(), "t.") {
			return err
		}
		t, err := parse(path)
		if err == nil {
			threads[path] = t
		}
		return err
	})
	return threads, err
}

func parse(path string) (*thread, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	t := &thread{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := execveRe.FindStringSubmatch(line); m != nil {
			t.program, t.calls = m[1], nil // what came before was the parent's fork side
			continue
		}
		if m := cloneRe.FindStringSubmatch(line); m != nil {
			tid, _ := strconv.Atoi(m[1])
			t.children = append(t.children, tid)
		}
		if m := callRe.FindStringSubmatch(line); m != nil && m[1] != "resumed" {
			t.calls = append(t.calls, m[1])
		}
	}
	return t, sc.Err()
}

// attribute gives every thread's calls to the program it runs, following clone from the
// threads that executed one.
func attribute(threads map[string]*thread) map[string][]string {
	out := map[string][]string{}
	var walk func(path, program string)
	walk = func(path, program string) {
		t := threads[path]
		if t == nil {
			return
		}
		if t.program != "" {
			program = t.program
		}
		out[program] = append(out[program], t.calls...)
		for _, c := range t.children {
			walk(filepath.Join(filepath.Dir(path), "t."+strconv.Itoa(c)), program)
		}
	}
	for path, t := range threads {
		if t.program != "" {
			walk(path, t.program)
		}
	}
	for p, c := range out {
		slices.Sort(c)
		out[p] = slices.Compact(c)
	}
	return out
}
