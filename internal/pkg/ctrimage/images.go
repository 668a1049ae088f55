package ctrimage

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Image is one image of the namespace, as `ctr images ls` prints it.
type Image struct {
	Name, MediaType, Digest string
	// Size is the size ctr prints, to 0.1 of its unit, in bytes.
	Size      uint64
	Platforms []string
}

// Import imports the image tarball read from r (OCI layout or docker save) with
// `ctr images import --local -`, unpacking each image for this node's platform, and returns
// the imported images as "name@digest".
func (c Client) Import(ctx context.Context, r io.Reader) ([]string, error) {
	out, err := c.run(ctx, r, "images", "import", "--local", "-")
	if err != nil {
		return nil, err
	}
	return ParseImported(out), nil
}

// List returns the images of the namespace, from `ctr images ls`.
func (c Client) List(ctx context.Context) ([]Image, error) {
	out, err := c.run(ctx, nil, "images", "ls")
	if err != nil {
		return nil, err
	}
	return ParseList(out)
}

// reUnpacking matches the line ctr import prints for each image it unpacks.
var reUnpacking = regexp.MustCompile(`unpacking (\S+) \((sha256:[0-9a-f]{64})\)\.\.\.`)

// ParseImported returns "name@digest" for every image ctr's import output says it unpacked.
func ParseImported(out []byte) []string {
	var imgs []string
	for _, m := range reUnpacking.FindAllSubmatch(out, -1) {
		imgs = append(imgs, string(m[1])+"@"+string(m[2]))
	}
	return imgs
}

// ParseList parses the table `ctr images ls` prints: REF TYPE DIGEST SIZE (a number and a
// unit) PLATFORMS LABELS.
func ParseList(out []byte) ([]Image, error) {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "REF") {
		return nil, fmt.Errorf("ctr images ls: unexpected header %q", first(lines))
	}
	var imgs []Image
	for i, l := range lines[1:] {
		img, err := parseLine(l)
		if err != nil {
			return nil, fmt.Errorf("ctr images ls: line %d: %w", i+2, err)
		}
		imgs = append(imgs, img)
	}
	return imgs, nil
}

func first(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return lines[0]
}

func parseLine(l string) (Image, error) {
	f := strings.Fields(l)
	if len(f) != 7 {
		return Image{}, fmt.Errorf("%q: want 7 fields (REF TYPE DIGEST SIZE UNIT PLATFORMS LABELS), got %d", l, len(f))
	}
	size, err := parseSize(f[3], f[4])
	if err != nil {
		return Image{}, fmt.Errorf("%q: %w", l, err)
	}
	img := Image{Name: f[0], MediaType: f[1], Digest: f[2], Size: size}
	if f[5] != "-" {
		img.Platforms = strings.Split(f[5], ",")
	}
	return img, nil
}

var units = map[string]float64{"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40, "PiB": 1 << 50}

// parseSize reads ctr's human size, "12.3 MiB".
func parseSize(num, unit string) (uint64, error) {
	v, err := strconv.ParseFloat(num, 64)
	mult, ok := units[unit]
	if err != nil || !ok || !(v >= 0 && v*mult < 1<<63) {
		return 0, fmt.Errorf("size %q: not a number and a unit B..PiB", num+" "+unit)
	}
	return uint64(v * mult), nil
}
