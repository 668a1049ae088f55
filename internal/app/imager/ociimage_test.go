package imager

import (
	"archive/tar"
	"encoding/hex"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/constants"
)

// TestImageUserAndCapabilities builds an image the way CoreDNS's is: a non-root user, and
// CAP_NET_BIND_SERVICE on the binary so it can bind port 53.
func TestImageUserAndCapabilities(t *testing.T) {
	// What `setcap cap_net_bind_service=+ep FILE` writes (read back with os.Getxattr).
	const setcap = "0100000200040000000000000000000000000000"
	if got := hex.EncodeToString([]byte(capabilityXattr([]string{"CAP_NET_BIND_SERVICE"}))); got != setcap {
		t.Errorf("capabilityXattr(CAP_NET_BIND_SERVICE) = %s, want %s", got, setcap)
	}
	img, err := ociImage([]byte("\x7fELF coredns"), Image{Binary: "coredns", User: "65532:65532", Capabilities: []string{"CAP_NET_BIND_SERVICE"}}, 1700000000)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Config.User != "65532:65532" || cfg.Config.Entrypoint[0] != "/coredns" {
		t.Errorf("config user %q, entrypoint %q; want 65532:65532 and /coredns", cfg.Config.User, cfg.Config.Entrypoint)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("Layers() = %d layers, %v; want 1", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	h, err := tar.NewReader(rc).Next()
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString([]byte(h.PAXRecords["SCHILY.xattr.security.capability"])); h.Name != "coredns" || got != setcap {
		t.Errorf("layer entry %s has security.capability %s, want coredns with %s", h.Name, got, setcap)
	}
}

func TestImageManifestErrors(t *testing.T) {
	m, err := DefaultManifest()
	if err != nil {
		t.Fatal(err)
	}
	m.Images = append(m.Images, Image{Ref: "cairn.local/x:v1", Binary: "pause", Path: "/usr/share/cairn/images/x.tar",
		User: "nobody", Capabilities: []string{"CAP_SYS_ADMIN"}})
	err = m.Validate()
	for _, w := range []string{`.user: "nobody" is not a numeric uid:gid`, `.capabilities[0]: "CAP_SYS_ADMIN" is not one of [CAP_NET_BIND_SERVICE]`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Validate() = %v, want an error containing %q", err, w)
		}
	}
}

// TestManifestMatchesConstants ties the image manifest to the paths and references machined
// uses: every image it imports is built into constants.ImagesDir, ctr is where machined runs
// it, and kubelet finds mount and umount on its PATH.
func TestManifestMatchesConstants(t *testing.T) {
	m, err := DefaultManifest()
	if err != nil {
		t.Fatal(err)
	}
	refs := map[string]string{}
	for _, im := range m.Images {
		refs[im.Ref] = im.Path
	}
	for _, ref := range []string{constants.PauseImage, constants.CoreDNSImage, constants.EchoImage} {
		if p, ok := refs[ref]; !ok || path.Dir(p) != constants.ImagesDir {
			t.Errorf("image %s: path %q, want one in %s", ref, p, constants.ImagesDir)
		}
	}
	var links []string
	for _, b := range m.Binaries {
		links = append(links, b.Links...)
	}
	for _, e := range m.External {
		for _, b := range e.Binaries {
			links = append(links, b.Links...)
		}
	}
	for _, want := range []string{constants.CtrPath, "/usr/bin/mount", "/usr/bin/umount"} {
		if !slices.Contains(links, want) {
			t.Errorf("no binary of the manifest is linked at %s", want)
		}
	}
}
