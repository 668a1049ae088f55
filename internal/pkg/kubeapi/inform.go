package kubeapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"time"
)

// Backoff bounds of Inform between failed list/watch rounds.
const (
	informMinBackoff = time.Second
	informMaxBackoff = 30 * time.Second
)

// objectMeta is the part of an object Inform needs.
type objectMeta struct {
	Metadata struct {
		Name            string `json:"name"`
		Namespace       string `json:"namespace"`
		ResourceVersion string `json:"resourceVersion"`
	} `json:"metadata"`
}

// Inform keeps a view of the collection at path (with query's selectors) and calls handle with
// the whole view, keyed NAMESPACE/NAME (or NAME), after the first list and after every change:
// list, then watch from the list's version; when the watch ends, watch on; when it fails or its
// version is gone, list again after a backoff (1 s doubling to 30 s). It returns ctx.Err() once
// ctx ends. handle must not keep the map.
func (c *Client) Inform(ctx context.Context, path string, query url.Values, log *slog.Logger, handle func(map[string]json.RawMessage)) error {
	backoff := informMinBackoff
	for {
		err := c.informRound(ctx, path, query, handle, func() { backoff = informMinBackoff })
		if ctx.Err() != nil {
			return ctx.Err()
		}
		log.Warn("list/watch failed; listing again", "path", path, "error", err, "backoff", backoff)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, informMaxBackoff)
	}
}

// informRound lists once and watches until the watch fails; it never returns nil.
func (c *Client) informRound(ctx context.Context, path string, query url.Values, handle func(map[string]json.RawMessage), ok func()) error {
	var list struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
		Items []json.RawMessage `json:"items"`
	}
	if err := c.List(ctx, path, query, &list); err != nil {
		return err
	}
	view := make(map[string]json.RawMessage, len(list.Items))
	for _, it := range list.Items {
		var m objectMeta
		if err := json.Unmarshal(it, &m); err != nil {
			return fmt.Errorf("list %s: %w", path, err)
		}
		view[m.key()] = it
	}
	handle(maps.Clone(view))
	ok()
	rv := list.Metadata.ResourceVersion
	for {
		start := time.Now()
		err := c.Watch(ctx, path, query, rv, func(ev Event) error { return applyEvent(view, ev, &rv, handle) })
		if err != nil {
			return err
		}
		if time.Since(start) < informMinBackoff {
			return errors.New("watch ended at once") // never spin on a server that closes watches
		}
	}
}

// applyEvent updates view and rv with ev and calls handle unless ev is a bookmark.
func applyEvent(view map[string]json.RawMessage, ev Event, rv *string, handle func(map[string]json.RawMessage)) error {
	var m objectMeta
	if err := json.Unmarshal(ev.Object, &m); err != nil {
		return fmt.Errorf("%s event: %w", ev.Type, err)
	}
	if m.Metadata.ResourceVersion != "" {
		*rv = m.Metadata.ResourceVersion
	}
	switch ev.Type {
	case Bookmark:
		return nil
	case Deleted:
		delete(view, m.key())
	default:
		view[m.key()] = ev.Object
	}
	handle(maps.Clone(view))
	return nil
}

func (m objectMeta) key() string {
	if m.Metadata.Namespace != "" {
		return m.Metadata.Namespace + "/" + m.Metadata.Name
	}
	return m.Metadata.Name
}
