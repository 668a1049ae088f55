package kubeapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDecodeEvents(t *testing.T) {
	stream := `{"type":"ADDED","object":{"metadata":{"name":"a"}}}
{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"7"}}}{"type":"DELETED","object":{"metadata":{"name":"a"}}}`
	var got []string
	if err := DecodeEvents(strings.NewReader(stream), func(ev Event) error {
		got = append(got, ev.Type+" "+string(ev.Object))
		return nil
	}); err != nil {
		t.Fatalf("DecodeEvents: %v", err)
	}
	want := []string{`ADDED {"metadata":{"name":"a"}}`, `BOOKMARK {"metadata":{"resourceVersion":"7"}}`, `DELETED {"metadata":{"name":"a"}}`}
	if !slices.Equal(got, want) {
		t.Errorf("DecodeEvents = %q, want %q", got, want)
	}
}

func TestDecodeEventsErrors(t *testing.T) {
	huge := `{"type":"ADDED","object":{"x":"` + strings.Repeat("a", MaxEvent) + `"}}`
	stop := errors.New("stop")
	for _, tc := range []struct {
		name, stream string
		want         error
		wantText     string
	}{
		{"gone", `{"type":"ERROR","object":{"kind":"Status","code":410,"message":"too old resource version"}}`, ErrGone, ""},
		{"error event", `{"type":"ERROR","object":{"kind":"Status","code":500,"message":"boom"}}`, nil, "watch error event: 500 boom"},
		{"unknown type", `{"type":"RENAMED","object":{}}`, nil, `unknown type "RENAMED"`},
		{"object not an object", `{"type":"ADDED","object":[1]}`, nil, "object is not a JSON object"},
		{"truncated", `{"type":"ADDED","obj`, nil, "decode watch event"},
		{"too large", huge, nil, fmt.Sprintf("larger than %d bytes", MaxEvent)},
		{"handler error", `{"type":"ADDED","object":{}}`, stop, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := DecodeEvents(strings.NewReader(tc.stream), func(Event) error { return stop })
			if tc.want != nil && !errors.Is(err, tc.want) || tc.wantText != "" && (err == nil || !strings.Contains(err.Error(), tc.wantText)) {
				t.Errorf("DecodeEvents = %v, want %v%s", err, tc.want, tc.wantText)
			}
		})
	}
}

// watchServer serves a list of nodes and a watch that sends events, then holds the stream open
// until the client goes away.
func watchServer(t *testing.T, events ...string) (Config, chan string) {
	queries := make(chan string, 10)
	cfg := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries <- r.URL.RawQuery
		if r.URL.Query().Get("watch") != "true" {
			_, _ = io.WriteString(w, `{"metadata":{"resourceVersion":"5"},"items":[{"metadata":{"name":"a","resourceVersion":"3"}}]}`)
			return
		}
		for _, ev := range events {
			_, _ = io.WriteString(w, ev+"\n")
		}
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	return cfg, queries
}

func TestWatchEndsWithContext(t *testing.T) {
	cfg, queries := watchServer(t, `{"type":"ADDED","object":{"metadata":{"name":"b"}}}`)
	c := newClient(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	got := make(chan Event, 1)
	go func() {
		done <- c.Watch(ctx, "/api/v1/nodes", nil, "5", func(ev Event) error { got <- ev; return nil })
	}()
	if ev := <-got; ev.Type != Added {
		t.Errorf("event = %+v, want ADDED", ev)
	}
	if q := <-queries; q != "allowWatchBookmarks=true&resourceVersion=5&watch=true" {
		t.Errorf("watch query = %q", q)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Watch after cancel = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Watch did not end within 5s of its context")
	}
}

func TestInform(t *testing.T) {
	cfg, _ := watchServer(t,
		`{"type":"ADDED","object":{"metadata":{"name":"b","resourceVersion":"6"}}}`,
		`{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"7"}}}`,
		`{"type":"DELETED","object":{"metadata":{"name":"a","resourceVersion":"8"}}}`)
	c := newClient(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var views []string
	err := c.Inform(ctx, "/api/v1/nodes", nil, slog.New(slog.DiscardHandler), func(m map[string]json.RawMessage) {
		views = append(views, strings.Join(slices.Sorted(func(yield func(string) bool) {
			for k := range m {
				if !yield(k) {
					return
				}
			}
		}), ","))
		if len(views) == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Inform = %v, want context.Canceled", err)
	}
	if want := []string{"a", "a,b", "b"}; !slices.Equal(views, want) {
		t.Errorf("Inform views = %q, want %q", views, want)
	}
}
