package cairnctl

import (
	"bytes"
	"testing"
)

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"node-a", "node-a"},
		{"müller 日本", "müller 日本"},
		{"evil\n#9 forged line", `evil\n#9 forged line`},
		{"\x1b[2J\x1b[31mred", `\x1b[2J\x1b[31mred`},
		{"tab\there\r", `tab\there\r`},
		{"bidi\u202eevil", `bidi\u202eevil`},
		{"c1\u009bcsi", `c1\u009bcsi`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"keeps \\ and \ufffd", "keeps \\ and \ufffd"},
	}
	for _, tt := range tests {
		if got := printable(tt.in); got != tt.want {
			t.Errorf("printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestTableEscapesRemoteText: a column holding a newline and escape codes stays on its row.
func TestTableEscapesRemoteText(t *testing.T) {
	var b bytes.Buffer
	tab := newTextTable(&b, "NODE", "NAME")
	tab.row("node-a", "x\n\x1b[1mnode-b   forged")
	if err := tab.flush(); err != nil {
		t.Fatal(err)
	}
	want := "NODE     NAME\nnode-a   x\\n\\x1b[1mnode-b   forged\n"
	if b.String() != want {
		t.Errorf("table = %q, want %q", b.String(), want)
	}
}

func FuzzPrintable(f *testing.F) {
	f.Add("evil\n\x1b[31m\u202e\xff")
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range printable(s) {
			if needsEscape(r) {
				t.Fatalf("printable(%q) keeps %U", s, r)
			}
		}
	})
}
