package machined

import (
	"errors"
	"testing"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
)

func TestDecodeUnsealed(t *testing.T) {
	ev, err := decodeUnsealed([]byte(`{"kind":"call","method":"/m","caller":{"subject":"a"},"seq":0,"time":"2026-01-01T00:00:00Z","prevHash":"","hash":""}`))
	if err != nil || ev.Method != "/m" || ev.Caller.Subject != "a" {
		t.Errorf("decodeUnsealed = %+v, %v", ev, err)
	}
	for _, bad := range []string{``, `{}`, `{"kind":"audit.rotated","method":"/m"}`, `{"kind":"call"}`, `{"kind":"call","method":"/m","extra":1}`} {
		if _, err := decodeUnsealed([]byte(bad)); !errors.Is(err, apierr.ErrInvalidArgument) {
			t.Errorf("decodeUnsealed(%q) error = %v, want invalid argument", bad, err)
		}
	}
}

func FuzzDecodeUnsealed(f *testing.F) {
	f.Add([]byte(`{"kind":"call","method":"/m","caller":{"subject":"a"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := decodeUnsealed(data)
		if err == nil && (ev.Method == "" || ev.Kind != "call") {
			t.Errorf("decodeUnsealed(%q) accepted %+v", data, ev)
		}
	})
}
