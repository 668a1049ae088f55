package machined

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/internal/evidence/attest"
	"github.com/cairn-os/cairn/internal/evidence/inventory"
	"github.com/cairn-os/cairn/internal/pkg/cmdline"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/evidence"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/version"
)

// Bounds of the evidence API.
const (
	// maxSBOMBytes bounds the SBOM file read (a whole image's is a few MB).
	maxSBOMBytes = 64 << 20
	// sbomChunk is the data of one SBOM message.
	sbomChunk = 512 << 10
	// maxNonce bounds the caller's nonce.
	maxNonce = 256
)

// bootIDFile changes at every boot: the statement names the boot it was made in.
const bootIDFile = "/proc/sys/kernel/random/boot_id"

// evidenceAPI serves cairn.evidence.EvidenceService: the image's SBOM and the binary inventory
// of the root, each signed by the node. The apid in front of machined authorizes and audits
// every call.
type evidenceAPI struct {
	evidence.UnimplementedEvidenceServiceServer
	log *slog.Logger
	md  func() *common.Metadata
	// root is the image root the evidence describes ("/" on a node).
	root string
	// signer returns the node's signer, or an error when it holds no certificate of the OS CA.
	signer func() (*attest.Signer, error)
	// proc and sys are where the posture reads the kernel's view: "/proc" and "/sys" (the
	// host's in container mode, which is the kernel machined runs on).
	proc, sys string
	// role is the machine type of the active configuration ("" without one).
	role func() string
	// collectTimeout bounds one collection of the posture.
	collectTimeout time.Duration
	// scanning is held by the inventory or posture collection in progress: a scan hashes or
	// walks every file of the image, so callers take turns instead of multiplying that work.
	scanning chan struct{}
}

func newEvidenceAPI(n *daemon) *evidenceAPI {
	root := n.opts.Root
	if root == "" {
		root = "/"
	}
	role := func() string {
		if cfg := n.config(); cfg != nil {
			return cfg.Machine.Type
		}
		return ""
	}
	return &evidenceAPI{log: n.log.With("component", "evidence-api"), md: n.md, root: root, signer: n.evidenceSigner,
		proc: "/proc", sys: "/sys", role: role, collectTimeout: defaultCollectTimeout, scanning: make(chan struct{}, 1)}
}

// evidenceSigner signs with the key of apid's server certificate, which the OS CA issued (or
// trustd, for a worker, on the CA's behalf).
func (n *daemon) evidenceSigner() (*attest.Signer, error) {
	cur := n.certs.current()
	if n.config() == nil || cur == nil {
		return nil, apierr.Precondition("the node has no configuration yet: it holds no certificate of the OS CA to sign evidence with")
	}
	kp, err := pki.ParseKeyPair(cur.ServerCrt, cur.ServerKey)
	if err != nil {
		return nil, fmt.Errorf("the node's server certificate: %w", err)
	}
	ca, err := pki.ParseCertificate(cur.Ca)
	if err != nil {
		return nil, fmt.Errorf("the OS CA certificate: %w", err)
	}
	return attest.NewSigner(kp.PrivateKey, []*x509.Certificate{kp.Certificate, ca})
}

func checkNonce(nonce string) error {
	if len(nonce) > maxNonce {
		return apierr.Invalid("nonce: %d bytes, at most %d", len(nonce), maxNonce)
	}
	return nil
}

// SBOM streams the image's SBOM in chunks, then the signed statement of its digest.
func (a *evidenceAPI) SBOM(req *evidence.SBOMRequest, ss evidence.EvidenceService_SBOMServer) error {
	if err := checkNonce(req.GetNonce()); err != nil {
		return err
	}
	file, media := constants.SBOMSPDXPath, "application/spdx+json"
	switch req.GetFormat() {
	case evidence.SBOMFormat_SPDX:
	case evidence.SBOMFormat_CYCLONEDX:
		file, media = constants.SBOMCycloneDXPath, "application/vnd.cyclonedx+json"
	default:
		return apierr.Invalid("format %v: want SPDX or CYCLONEDX", req.GetFormat())
	}
	data, err := a.readRoot(file)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	signed, err := a.sign(attest.KindSBOM, path.Base(file), sum[:], media, nil, req.GetNonce())
	if err != nil {
		return err
	}
	md := a.md()
	for off := 0; off < len(data); off += sbomChunk {
		if err := ss.Send(&evidence.SBOMChunk{Metadata: md, Data: data[off:min(off+sbomChunk, len(data))]}); err != nil {
			return err
		}
	}
	return ss.Send(&evidence.SBOMChunk{Metadata: md, Size: uint64(len(data)), Sha256: sum[:], MediaType: media, Signed: signed})
}

// readRoot reads a regular file of the image root, bounded; a missing one is NotFound. It is
// opened non-blocking so that a named pipe in a container-mode root cannot stall the call.
func (a *evidenceAPI) readRoot(name string) ([]byte, error) {
	f, err := os.OpenFile(filepath.Join(a.root, filepath.FromSlash(strings.TrimPrefix(name, "/"))), os.O_RDONLY|unix.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, apierr.NotFound("the image carries no %s (images built before the SBOM have none)", name)
	}
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSBOMBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxSBOMBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, maxSBOMBytes)
	}
	return data, nil
}

// Inventory scans the root's executables and returns them as the body of a signed statement.
func (a *evidenceAPI) Inventory(ctx context.Context, req *evidence.InventoryRequest) (*evidence.InventoryResponse, error) {
	if err := checkNonce(req.GetNonce()); err != nil {
		return nil, err
	}
	release, err := a.takeTurn(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	origins := map[string]string{}
	if cdx, err := a.readRoot(constants.SBOMCycloneDXPath); err == nil {
		if origins, err = inventory.Origins(cdx); err != nil {
			a.log.Warn("the image's SBOM gives no origins", "error", err)
		}
	}
	start := time.Now()
	inv, err := inventory.Scan(ctx, a.root, origins, inventory.DefaultLimits)
	if err != nil {
		return nil, err
	}
	a.log.Info("inventory taken", "binaries", len(inv.Binaries), "took", time.Since(start).Round(time.Millisecond))
	signed, err := a.signBody(attest.KindInventory, "inventory", "application/json", inv, req.GetNonce())
	if err != nil {
		return nil, err
	}
	return &evidence.InventoryResponse{Messages: []*evidence.Inventory{{Metadata: a.md(), Signed: signed}}}, nil
}

// sign makes and signs the statement of one piece of evidence.
func (a *evidenceAPI) sign(kind, name string, sum []byte, media string, body json.RawMessage, nonce string) ([]byte, error) {
	s, err := a.signer()
	if err != nil {
		return nil, err
	}
	p := attest.Predicate{Kind: kind, Node: s.Node(), BootID: readBootID(), Image: a.image(), Nonce: nonce,
		Time: time.Now().UTC(), MediaType: media, Body: body}
	return s.Sign(attest.NewStatement(attest.Subject{Name: name, Digest: map[string]string{"sha256": hex.EncodeToString(sum)}}, p))
}

func readBootID() string {
	b, err := os.ReadFile(bootIDFile)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// image identifies the running image: its version, its SBOM files' digests (manifest.json
// records the same) and, when the node booted from a disk slot, the root's dm-verity root hash.
func (a *evidenceAPI) image() attest.Image {
	v := version.Current()
	img := attest.Image{Version: v.Tag, Commit: v.Commit, SBOM: map[string]string{}}
	for _, p := range []string{constants.SBOMSPDXPath, constants.SBOMCycloneDXPath} {
		if data, err := a.readRoot(p); err == nil {
			sum := sha256.Sum256(data)
			img.SBOM[p] = hex.EncodeToString(sum[:])
		}
	}
	if c, err := cmdline.Read(); err == nil {
		img.VerityRootHash, _ = c.Get("cairn.verity.roothash")
	}
	return img
}
