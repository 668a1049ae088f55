package machined

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// chunkSource is the receiving side of a client stream of chunks.
type chunkSource interface {
	Recv() (*machine.ImageImportRequest, error)
}

// recvChunk receives the next chunk of an upload; io.EOF is its clean end.
type recvChunk func() ([]byte, error)

// chunkReader reads the chunks of an upload as one stream of bytes, within a size limit and an
// idle limit; its first failure cancels the call (cancel), so that what consumes it (ctr) is
// stopped rather than shown a clean end of a cut upload.
type chunkReader struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	chunks chan []byte
	errc   chan error
	max    int64
	idle   time.Duration
	// what names the upload in errors ("image tarball"); hint follows the size error.
	what, hint string

	buf   []byte
	total int64
	eof   bool // the upload ended cleanly: every later read is io.EOF
	mu    sync.Mutex
	fail  error
}

// newChunkReader reads an image tarball's chunks from src (see startChunkReader).
func newChunkReader(ctx context.Context, cancel context.CancelCauseFunc, src chunkSource, maxBytes int64, idle time.Duration) *chunkReader {
	recv := func() ([]byte, error) {
		req, err := src.Recv()
		return req.GetChunk(), err
	}
	r := &chunkReader{max: maxBytes, idle: idle, what: "image tarball", hint: "import a smaller image"}
	return r.start(ctx, cancel, recv)
}

// start receives from recv in a goroutine that ends when recv fails or ctx ends (the call's
// end cancels ctx and fails recv).
func (r *chunkReader) start(ctx context.Context, cancel context.CancelCauseFunc, recv recvChunk) *chunkReader {
	r.ctx, r.cancel, r.chunks, r.errc = ctx, cancel, make(chan []byte), make(chan error, 1)
	go func() {
		for {
			c, err := recv()
			if err != nil {
				r.errc <- err
				return
			}
			select {
			case r.chunks <- c:
			case <-ctx.Done():
				return
			}
		}
	}()
	return r
}

// Read returns the upload's next bytes, io.EOF at its clean end.
func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if err := r.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// next waits for the next chunk.
func (r *chunkReader) next() error {
	if r.eof {
		return io.EOF
	}
	t := time.NewTimer(r.idle)
	defer t.Stop()
	select {
	case c := <-r.chunks:
		r.total += int64(len(c))
		if r.total > r.max {
			return r.failWith(apierr.Invalid("the %s exceeds the limit of %d bytes (%d received): %s", r.what, r.max, r.total, r.hint))
		}
		r.buf = c
		return nil
	case err := <-r.errc:
		if errors.Is(err, io.EOF) {
			r.eof = true
			return io.EOF
		}
		return r.failWith(fmt.Errorf("receive the %s: %w", r.what, err))
	case <-t.C:
		return r.failWith(fmt.Errorf("no chunk of the %s arrived for %s: %w", r.what, r.idle, context.DeadlineExceeded))
	case <-r.ctx.Done():
		return r.failWith(context.Cause(r.ctx))
	}
}

func (r *chunkReader) failWith(err error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail == nil {
		r.fail = err
		r.cancel(err)
	}
	return r.fail
}

// failure is the upload's failure, nil if it ended cleanly or has not ended.
func (r *chunkReader) failure() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fail
}
