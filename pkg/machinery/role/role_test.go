package role

import (
	"errors"
	"slices"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Role
		ok   bool
	}{
		{"os:admin", Admin, true},
		{"os:operator", Operator, true},
		{" os:reader ", Reader, true},
		{"os:auditor", Auditor, true},
		{"os:etcd:backup", EtcdBackup, true},
		{"os:root", "", false},
		{"OS:ADMIN", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("Parse(%q) = %q, %v, want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrUnknown) {
			t.Errorf("Parse(%q) error %v does not wrap ErrUnknown", tt.in, err)
		}
	}
}

func TestParseList(t *testing.T) {
	tests := []struct {
		in   []string
		want []Role
		ok   bool
	}{
		{[]string{"os:reader"}, []Role{Reader}, true},
		{[]string{"os:reader,os:auditor", "os:reader"}, []Role{Reader, Auditor}, true},
		{[]string{"os:reader", "os:bogus"}, nil, false},
		{nil, nil, false},
		{[]string{""}, nil, false},
	}
	for _, tt := range tests {
		got, err := ParseList(tt.in)
		if !slices.Equal(got, tt.want) || (err == nil) != tt.ok {
			t.Errorf("ParseList(%q) = %v, %v, want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestFromOrganization(t *testing.T) {
	got := FromOrganization([]string{"cairn", "os:reader", "os:admin", "os:reader"})
	if want := []Role{Reader, Admin}; !slices.Equal(got, want) {
		t.Errorf("FromOrganization() = %v, want %v", got, want)
	}
}
