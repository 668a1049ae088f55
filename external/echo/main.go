// Command echo is the test image of Cairn's Kubernetes tests (cairn.local/echo:v1): an HTTP
// server, and, since the image has no shell, the client commands a test runs inside a pod
// with `kubectl exec POD -- /echo get URL` or `/echo lookup NAME`.
//
//	echo [serve]        serve on :8080 (LISTEN overrides): GET / answers the pod's host name
//	                    and IP, GET /healthz answers ok; SIGTERM or SIGINT end it
//	echo get URL        print the body of an HTTP GET; fail on a status other than 2xx
//	echo lookup NAME    print the addresses NAME resolves to
//	echo cat FILE       print a file (at most 1 MiB), e.g. /proc/self/status
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
}

// run dispatches on the first argument.
func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		args = []string{"serve"}
	}
	switch {
	case args[0] == "serve" && len(args) == 1:
		addr := os.Getenv("LISTEN")
		if addr == "" {
			addr = ":8080"
		}
		return serve(ctx, addr, out)
	case args[0] == "get" && len(args) == 2:
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		return get(ctx, args[1], out)
	case args[0] == "cat" && len(args) == 2:
		return cat(args[1], out)
	case args[0] == "lookup" && len(args) == 2:
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		return lookup(ctx, args[1], out)
	}
	return fmt.Errorf("usage: echo [serve] | echo get URL | echo lookup NAME | echo cat FILE (got %q)", args)
}

// cat copies at most 1 MiB of a file to out.
func cat(name string, out io.Writer) error {
	f, err := os.Open(name) //nolint:gosec // the test names the file; the pod's own view
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	_, err = io.Copy(out, io.LimitReader(f, 1<<20))
	return err
}
