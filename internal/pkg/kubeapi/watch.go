package kubeapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Event types of a watch.
const (
	Added    = "ADDED"
	Modified = "MODIFIED"
	Deleted  = "DELETED"
	Bookmark = "BOOKMARK"
	Error    = "ERROR"
)

// Event is one watch event: its type and the object (for ERROR, a metav1.Status).
type Event struct {
	Type   string          `json:"type"`
	Object json.RawMessage `json:"object"`
}

// ErrGone is returned by Watch when the resource version is too old (HTTP 410 or an ERROR event
// with code 410): list again and watch from the new version.
var ErrGone = errors.New("watch: resource version too old")

// Watch watches the collection at path (e.g. /api/v1/nodes) from resourceVersion and calls fn
// for every event but ERROR, until ctx ends (then it returns ctx.Err()), the server ends the
// watch (nil), fn fails (its error) or the stream is bad. query may add selectors.
func (c *Client) Watch(ctx context.Context, path string, query url.Values, resourceVersion string, fn func(Event) error) error {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("watch", "true")
	q.Set("allowWatchBookmarks", "true")
	q.Set("resourceVersion", resourceVersion)
	resp, err := c.send(ctx, request{method: http.MethodGet, path: path, query: q})
	if err != nil {
		if HTTPStatus(err) == http.StatusGone {
			return ErrGone
		}
		return err
	}
	stop := context.AfterFunc(ctx, func() { _ = resp.Body.Close() })
	defer stop()
	defer func() { _ = resp.Body.Close() }()
	err = DecodeEvents(resp.Body, fn)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return fmt.Errorf("watch %s: %w", path, err)
	}
	return nil
}

// DecodeEvents decodes a stream of watch events (JSON objects one after another, as the
// apiserver sends them), each at most MaxEvent bytes, and calls fn for each until the stream
// ends (nil). An ERROR event ends it with its Status message; one with code 410 with ErrGone.
func DecodeEvents(r io.Reader, fn func(Event) error) error {
	br := &budgetReader{r: r}
	dec := json.NewDecoder(br)
	br.dec = dec
	for {
		var ev Event
		err := dec.Decode(&ev)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("decode watch event: %w", err)
		}
		if err := handleEvent(ev, fn); err != nil {
			return err
		}
	}
}

// errEventTooLarge ends a stream whose current event exceeds MaxEvent.
var errEventTooLarge = fmt.Errorf("watch event larger than %d bytes", MaxEvent)

// budgetReader fails once the decoder holds more than MaxEvent bytes it has not yet consumed,
// so one event can never take more memory than that.
type budgetReader struct {
	r    io.Reader
	read int64
	dec  *json.Decoder
}

func (b *budgetReader) Read(p []byte) (int, error) {
	left := MaxEvent - (b.read - b.dec.InputOffset())
	if left <= 0 {
		return 0, errEventTooLarge
	}
	n, err := b.r.Read(p[:min(int64(len(p)), left)])
	b.read += int64(n)
	return n, err
}

func handleEvent(ev Event, fn func(Event) error) error {
	switch ev.Type {
	case Added, Modified, Deleted, Bookmark:
		if len(ev.Object) == 0 || ev.Object[0] != '{' {
			return fmt.Errorf("watch event %s: object is not a JSON object", ev.Type)
		}
		return fn(ev)
	case Error:
		var st struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(ev.Object, &st)
		if st.Code == http.StatusGone {
			return ErrGone
		}
		return fmt.Errorf("watch error event: %d %s", st.Code, st.Message)
	default:
		return fmt.Errorf("watch event: unknown type %q", ev.Type)
	}
}
