package kubeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// StatusError is an apiserver's error reply: the HTTP status and, when the body is a
// metav1.Status, its reason and message.
type StatusError struct {
	Method, Path string
	Code         int
	Reason       string
	Message      string
}

func (e *StatusError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Code)
	}
	if e.Reason != "" {
		return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.Path, e.Code, e.Reason, msg)
	}
	return fmt.Sprintf("%s %s: %d: %s", e.Method, e.Path, e.Code, msg)
}

// HTTPStatus returns the HTTP status of err if it is (or wraps) a *StatusError, else 0.
func HTTPStatus(err error) int {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

// IsNotFound reports whether err is the apiserver's 404.
func IsNotFound(err error) bool { return HTTPStatus(err) == http.StatusNotFound }

// IsConflict reports whether err is the apiserver's 409 (already exists, or a stale update).
func IsConflict(err error) bool { return HTTPStatus(err) == http.StatusConflict }

// request is one call to the apiserver.
type request struct {
	method      string
	path        string
	query       url.Values
	contentType string
	body        []byte
}

// do sends r within c.Timeout and returns the body of a 2xx reply, at most c.MaxBody bytes.
func (c *Client) do(ctx context.Context, r request) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	resp, err := c.send(ctx, r)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read reply: %w", r.method, r.path, err)
	}
	if int64(len(body)) > c.MaxBody {
		return nil, fmt.Errorf("%s %s: reply larger than %d bytes", r.method, r.path, c.MaxBody)
	}
	return body, nil
}

// send sends r and returns a 2xx response whose body the caller closes, or an error.
func (c *Client) send(ctx context.Context, r request) (*http.Response, error) {
	u := c.server + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, bytes.NewReader(r.body))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	req.Header.Set("Accept", "application/json")
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	if resp.StatusCode/100 != 2 {
		defer func() { _ = resp.Body.Close() }()
		return nil, statusError(r, resp)
	}
	return resp, nil
}

// statusError reads a metav1.Status from an error reply (at most 64 KiB of it).
func statusError(r request, resp *http.Response) error {
	se := &StatusError{Method: r.method, Path: r.path, Code: resp.StatusCode}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var st struct {
		Kind    string `json:"kind"`
		Reason  string `json:"reason"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &st) == nil && st.Kind == "Status" {
		se.Reason, se.Message = st.Reason, st.Message
	} else if len(body) > 0 && len(body) < 512 {
		se.Message = string(bytes.TrimSpace(body))
	}
	return se
}
