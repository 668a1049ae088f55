package machined

import (
	"errors"
	"strings"
	"testing"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
)

func TestCheckClientName(t *testing.T) {
	tests := []struct {
		name, want string
	}{
		{"alice", ""},
		{"Jörg Müller (ops)", ""},
		{"", "name: the certificate's common name is required"},
		{strings.Repeat("a", 65), "is 65 bytes, more than 64"},
		{"evil\n#1 forged", `name: "evil\n#1 forged" holds a control character at byte 4`},
		{"red\x1b[31m", `name: "red\x1b[31m" holds a control character at byte 3`},
		{"bidi\u202ename", `holds a control character at byte 4`},
		{"bad\xff", `name: "bad\xff" is not UTF-8`},
	}
	for _, tt := range tests {
		err := checkClientName(tt.name)
		if tt.want == "" {
			if err != nil {
				t.Errorf("checkClientName(%q) = %v, want nil", tt.name, err)
			}
			continue
		}
		if !errors.Is(err, apierr.ErrInvalidArgument) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("checkClientName(%q) = %v, want InvalidArgument containing %q", tt.name, err, tt.want)
		}
	}
}
