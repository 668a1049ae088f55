package cairnctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/constants"
)

// urlHeaderTimeout bounds the wait for an image server's response headers; the body is bounded
// by the node's own limits (size, idle time, duration), which end the upload and its context.
const urlHeaderTimeout = 30 * time.Second

// isURL reports whether --image names a URL rather than a file.
func isURL(ref string) bool { return strings.Contains(ref, "://") }

// checkImageRef refuses an --image that cairnctl cannot read before anything is sent.
func checkImageRef(ref string) error {
	if ref == "" {
		return errors.New("--image is required: a signed Cairn OS image file, or its http:// or https:// URL")
	}
	if !isURL(ref) {
		f, _, err := openFile(ref)
		if err == nil {
			_ = f.Close()
		}
		return err
	}
	u, err := url.Parse(ref)
	if err != nil {
		return fmt.Errorf("--image %q: not a valid URL: %w", ref, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("--image %q: cairnctl fetches only http:// and https:// URLs, not %s://", ref, u.Scheme)
	}
	if u.Host == "" {
		return fmt.Errorf("--image %q: the URL names no host", ref)
	}
	return nil
}

// openImage opens the image --image names, a file or a URL cairnctl fetches itself, and
// returns its size (0 when unknown). Anything over the node's limit is refused here.
func openImage(ctx context.Context, ref string) (io.ReadCloser, int64, error) {
	if isURL(ref) {
		return fetchImage(ctx, ref)
	}
	return openFile(ref)
}

// openFile opens an image file, refusing what a node would not take.
func openFile(ref string) (io.ReadCloser, int64, error) {
	f, err := os.Open(ref)
	if err != nil {
		return nil, 0, fmt.Errorf("--image: %w", err)
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("--image %s: not a regular file", ref)
	}
	if err == nil && st.Size() == 0 {
		err = fmt.Errorf("--image %s is empty", ref)
	}
	if err == nil && st.Size() > constants.MaxOSImageBytes {
		err = fmt.Errorf("--image %s is %d bytes: a node takes OS images of at most %d bytes", ref, st.Size(), int64(constants.MaxOSImageBytes))
	}
	if err != nil {
		_ = f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

// fetchImage GETs an image URL and returns its body, cut off with an error past the limit.
func fetchImage(ctx context.Context, ref string) (io.ReadCloser, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ref, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("--image %q: %w", ref, err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = urlHeaderTimeout
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("--image: fetch: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		_ = resp.Body.Close()
		return nil, 0, fmt.Errorf("--image %s: the server answered %s", ref, resp.Status)
	}
	if resp.ContentLength > constants.MaxOSImageBytes {
		_ = resp.Body.Close()
		return nil, 0, fmt.Errorf("--image %s is %d bytes: a node takes OS images of at most %d bytes", ref, resp.ContentLength, int64(constants.MaxOSImageBytes))
	}
	body := &cappedBody{ReadCloser: resp.Body, ref: ref, left: constants.MaxOSImageBytes}
	return body, max(resp.ContentLength, 0), nil
}

// cappedBody fails a download that goes past the node's limit, rather than cut it short.
type cappedBody struct {
	io.ReadCloser
	ref  string
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if b.left -= int64(n); b.left < 0 {
		return 0, fmt.Errorf("--image %s: more than %d bytes: a node takes OS images of at most that", b.ref, int64(constants.MaxOSImageBytes))
	}
	return n, err
}
