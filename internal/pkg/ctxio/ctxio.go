// Package ctxio ends long copies when their context ends.
package ctxio

import (
	"context"
	"io"
)

// Reader returns r that fails with ctx's error once ctx ends (the caller went away, or the
// work took too long); a copy through it stops at the next read.
func Reader(ctx context.Context, r io.Reader) io.Reader { return reader{ctx, r} }

type reader struct {
	ctx context.Context
	r   io.Reader
}

func (c reader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
