package config

import (
	"strings"
	"testing"
)

func TestParseSizeMatch(t *testing.T) {
	for s, want := range map[string]SizeMatch{
		"8GiB": {"", 8 << 30}, ">= 100GB": {">=", 100e9}, "<=2TiB": {"<=", 2 << 40}, "512 B": {"", 512}, " 1 kB ": {"", 1000},
	} {
		if got, err := ParseSizeMatch(s); err != nil || got != want {
			t.Errorf("ParseSizeMatch(%q) = %+v, %v; want %+v", s, got, err, want)
		}
	}
	for s, want := range map[string]string{"": "is not a disk size", "8": "is not a disk size", "8gb": `the unit "gb"`, "> 8GB": "is not a disk size",
		"999999999999999TiB": "too large", "-1GB": "is not a disk size"} {
		if got, err := ParseSizeMatch(s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSizeMatch(%q) = %+v, %v; want an error containing %q", s, got, err, want)
		}
	}
	m := SizeMatch{">=", 8 << 30}
	if !m.Matches(8<<30) || !m.Matches(9<<30) || m.Matches(7<<30) || (SizeMatch{"", 5}).Matches(6) || !(SizeMatch{"<=", 5}).Matches(5) {
		t.Error("Matches disagrees with its operator")
	}
}

func FuzzParseSizeMatch(f *testing.F) {
	f.Add(">= 8GiB")
	f.Add("1TB")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseSizeMatch(s)
		if err == nil && (m.Bytes < 0 || (m.Op != "" && m.Op != "<=" && m.Op != ">=")) {
			t.Errorf("ParseSizeMatch(%q) = %+v", s, m)
		}
	})
}
