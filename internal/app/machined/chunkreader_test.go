package machined

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// chunks is a chunkSource that gives its chunks, then end (io.EOF), or blocks if hang.
type chunks struct {
	list [][]byte
	hang bool
}

func (c *chunks) Recv() (*machine.ImageImportRequest, error) {
	if len(c.list) == 0 {
		if c.hang {
			select {}
		}
		return nil, io.EOF
	}
	b := c.list[0]
	c.list = c.list[1:]
	return &machine.ImageImportRequest{Chunk: b}, nil
}

func TestChunkReader(t *testing.T) {
	tests := []struct {
		name    string
		src     *chunks
		max     int64
		want    string
		wantErr error
		errText string
	}{
		{name: "whole", src: &chunks{list: [][]byte{[]byte("ab"), {}, []byte("cd")}}, max: 4, want: "abcd"},
		{name: "too large", src: &chunks{list: [][]byte{[]byte("ab"), []byte("cde")}}, max: 4, wantErr: apierr.ErrInvalidArgument, errText: "exceeds the limit of 4 bytes (5 received)"},
		{name: "stalled", src: &chunks{list: [][]byte{[]byte("ab")}, hang: true}, max: 4, wantErr: context.DeadlineExceeded, errText: "no chunk of the image tarball arrived for 50ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			r := newChunkReader(ctx, cancel, tt.src, tt.max, 50*time.Millisecond)
			got, err := io.ReadAll(r)
			if tt.wantErr == nil {
				if err != nil || string(got) != tt.want || r.failure() != nil {
					t.Errorf("ReadAll = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.errText) {
				t.Errorf("ReadAll error = %v, want %v containing %q", err, tt.wantErr, tt.errText)
			}
			if !errors.Is(context.Cause(ctx), tt.wantErr) || r.failure() == nil {
				t.Errorf("the failure did not cancel the call: cause %v", context.Cause(ctx))
			}
		})
	}
}
