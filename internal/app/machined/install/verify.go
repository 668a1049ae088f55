package install

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"

	"github.com/cairn-os/cairn/internal/pkg/ctxio"
	"github.com/cairn-os/cairn/internal/pkg/osimage"
)

// verified is a payload whose signature and every file's digest were checked.
type verified struct {
	Manifest *osimage.Manifest
	Signer   string
	src      io.ReaderAt
	size     int64
}

// verify checks the payload's signature against trusted, then reads every file to its end
// (each file's size and sha256 against the signed manifest): nothing is written before an
// image has passed both.
func verify(ctx context.Context, src io.ReaderAt, size int64, trusted []*ecdsa.PublicKey) (*verified, error) {
	if len(trusted) == 0 {
		return nil, errors.New("machine.upgrade.trustedKeys is empty: this node installs no OS image (add the .pub of cairnctl gen image-key to its configuration)")
	}
	r, err := osimage.Open(io.NewSectionReader(src, 0, size), trusted)
	if err != nil {
		return nil, err
	}
	for {
		_, fr, err := r.Next()
		if errors.Is(err, io.EOF) {
			return &verified{Manifest: r.Manifest, Signer: r.Signer, src: src, size: size}, nil
		}
		if err != nil {
			return nil, err
		}
		if _, err := io.Copy(io.Discard, ctxio.Reader(ctx, fr)); err != nil {
			return nil, err
		}
	}
}

// open reads the image again from its start (the signature is checked once more).
func (v *verified) open(trusted []*ecdsa.PublicKey) (*osimage.Reader, error) {
	r, err := osimage.Open(io.NewSectionReader(v.src, 0, v.size), trusted)
	if err != nil {
		return nil, fmt.Errorf("reopen the image: %w", err)
	}
	return r, nil
}
