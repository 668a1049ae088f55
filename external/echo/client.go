package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
)

// get prints the body (at most 1 MiB) of an HTTP GET of url and fails on a status other
// than 2xx.
func get(ctx context.Context, url string, out io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if _, err := io.Copy(out, io.LimitReader(resp.Body, 1<<20)); err != nil {
		return fmt.Errorf("read %s: %w", url, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

// lookup prints each address name resolves to, one a line, with the resolver of the pod
// (/etc/resolv.conf, its search domains included).
func lookup(ctx context.Context, name string, out io.Writer) error {
	addrs, err := net.DefaultResolver.LookupHost(ctx, name)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		if _, err := fmt.Fprintln(out, a); err != nil {
			return err
		}
	}
	return nil
}
