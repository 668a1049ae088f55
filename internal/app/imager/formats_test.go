package imager

import (
	"strings"
	"testing"
)

func TestParseFormats(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, "initramfs"},
		{[]string{"raw"}, "initramfs raw"},
		{[]string{"iso,raw", "raw"}, "initramfs raw iso"},
		{[]string{"initramfs, iso"}, "initramfs iso"},
	} {
		got, err := ParseFormats(tc.in)
		if err != nil || strings.Join(got, " ") != tc.want {
			t.Errorf("ParseFormats(%q) = %v, %v, want %s", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"qcow2", "raw,", ""} {
		if _, err := ParseFormats([]string{in}); err == nil || !strings.Contains(err.Error(), "is not a format") {
			t.Errorf("ParseFormats(%q) = %v, want an error naming the value", in, err)
		}
	}
}

// FuzzParseFormats: any --format value is refused with its name or gives known formats,
// initramfs first, each once.
func FuzzParseFormats(f *testing.F) {
	f.Add("raw,iso")
	f.Add(" initramfs ,,qcow2")
	f.Fuzz(func(t *testing.T, v string) {
		got, err := ParseFormats([]string{v})
		if err != nil {
			if !strings.Contains(err.Error(), "--format: ") {
				t.Fatalf("ParseFormats(%q) error %q does not name the flag", v, err)
			}
			return
		}
		seen := map[string]bool{}
		for i, g := range got {
			if _, ok := formatFiles[g]; !ok || seen[g] || (i == 0) != (g == FormatInitramfs) {
				t.Fatalf("ParseFormats(%q) = %v", v, got)
			}
			seen[g] = true
		}
	})
}
