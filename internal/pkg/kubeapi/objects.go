package kubeapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// Get reads the object (or list) at path, e.g. /api/v1/nodes/n1, into out (a struct or a map).
func (c *Client) Get(ctx context.Context, path string, out any) error {
	return c.call(ctx, request{method: http.MethodGet, path: path}, out)
}

// List reads the list at path with query (e.g. labelSelector, fieldSelector; may be nil) into
// out.
func (c *Client) List(ctx context.Context, path string, query url.Values, out any) error {
	return c.call(ctx, request{method: http.MethodGet, path: path, query: query}, out)
}

// Create posts obj to the collection at path and decodes the created object into out (nil to
// discard it).
func (c *Client) Create(ctx context.Context, path string, obj, out any) error {
	return c.send1(ctx, http.MethodPost, path, "application/json", obj, out)
}

// Update puts obj (the whole object, with its resourceVersion) at path. It is also how a
// subresource is written, e.g. a CSR's approval: PUT .../certificatesigningrequests/NAME/approval.
func (c *Client) Update(ctx context.Context, path string, obj, out any) error {
	return c.send1(ctx, http.MethodPut, path, "application/json", obj, out)
}

// MergePatch applies a JSON merge patch (RFC 7386) to the object or subresource at path.
func (c *Client) MergePatch(ctx context.Context, path string, patch, out any) error {
	return c.send1(ctx, http.MethodPatch, path, "application/merge-patch+json", patch, out)
}

// Delete deletes the object at path.
func (c *Client) Delete(ctx context.Context, path string) error {
	return c.call(ctx, request{method: http.MethodDelete, path: path}, nil)
}

func (c *Client) send1(ctx context.Context, method, path, ctype string, obj, out any) error {
	body, err := json.Marshal(obj)
	if err != nil {
		return fmt.Errorf("%s %s: encode: %w", method, path, err)
	}
	return c.call(ctx, request{method: method, path: path, contentType: ctype, body: body}, out)
}

// call does r and decodes the reply into out unless out is nil.
func (c *Client) call(ctx context.Context, r request, out any) error {
	body, err := c.do(ctx, r)
	if err != nil || out == nil {
		return err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%s %s: decode reply: %w", r.method, r.path, err)
	}
	return nil
}
