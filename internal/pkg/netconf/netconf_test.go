package netconf

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseIP(t *testing.T) {
	mp := netip.MustParsePrefix
	ma := netip.MustParseAddr
	for _, tc := range []struct {
		in   string
		want *Settings
	}{
		{"dhcp", nil},
		{"", nil},
		{"::::::dhcp", nil},
		{"10.5.0.2::10.5.0.1:255.255.255.0:node1:eth0:off:10.5.0.1", &Settings{
			Address: mp("10.5.0.2/24"), Gateway: ma("10.5.0.1"), Hostname: "node1", Link: "eth0", DNS: []netip.Addr{ma("10.5.0.1")}}},
		{"192.168.1.9:::16", &Settings{Address: mp("192.168.1.9/16")}},
		{"192.168.1.9:::::::1.1.1.1:2.2.2.2:3.3.3.3", &Settings{Address: mp("192.168.1.9/24"),
			DNS: []netip.Addr{ma("1.1.1.1"), ma("2.2.2.2")}, NTP: []netip.Addr{ma("3.3.3.3")}}},
	} {
		got, err := ParseIP(tc.in)
		if err != nil {
			t.Errorf("ParseIP(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
			cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
			t.Errorf("ParseIP(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
	for _, bad := range []string{"10.5.0.300", "10.5.0.2:::255.0.255.0", "10.5.0.2::x", "10.5.0.2:::33", "1:2:3:4:5:6:7:8:9:10:11", "::1"} {
		if _, err := ParseIP(bad); err == nil {
			t.Errorf("ParseIP(%q) = nil error, want error", bad)
		}
	}
}

func TestResolvConf(t *testing.T) {
	got := string(ResolvConf([]netip.Addr{netip.MustParseAddr("10.5.0.1")}, []string{"cluster.local"}))
	want := "# Written by machined.\nnameserver 10.5.0.1\nsearch cluster.local\n"
	if got != want {
		t.Errorf("ResolvConf() = %q, want %q", got, want)
	}
}

func FuzzParseIP(f *testing.F) {
	f.Add("10.5.0.2::10.5.0.1:255.255.255.0:node1:eth0:off:10.5.0.1")
	f.Fuzz(func(t *testing.T, s string) {
		st, err := ParseIP(s)
		if err != nil || st == nil {
			return
		}
		if !st.Address.IsValid() || st.Address.Bits() > 32 {
			t.Fatalf("ParseIP(%q) gave invalid address %v", s, st.Address)
		}
	})
}
