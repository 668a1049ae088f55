package cairnctl

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/internal/evidence/attest"
	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
)

func newEvidenceCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "evidence",
		Short: "Get a node's signed evidence for scanners and auditors: SBOM, inventory, posture, checks, OSCAL, bundle, report; verify it offline",
		Long: `Get the evidence a shell-less node gives about itself, each piece signed by the node: the
image's software bill of materials (SPDX 2.3 or CycloneDX 1.6 JSON, made at image build), the
inventory of every executable on its root file system (digests, ELF build-ids, Go modules
and FIPS settings), its security posture (kernel, lockdown, LSMs, read-only root, FIPS mode
of each process, listening sockets, certificates), the results of its native CIS Kubernetes
Benchmark and host checks (native, kube-bench JSON or OSCAL 1.2), all of it in one bundle, and
an HTML report of it. Every reply carries a DSSE envelope signed with the node's API server
key, whose statement names the node, its boot, its image and a fresh nonce; cairnctl checks it
against the OS CA of the client configuration before it prints or saves anything, and
"cairnctl evidence verify" checks a saved statement or bundle offline. These calls need the
os:auditor role (or os:admin), and each is in the node's audit log under your name.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newEvidenceSBOMCmd(g), newEvidenceInventoryCmd(g), newEvidencePostureCmd(g), newEvidenceChecksCmd(g),
		newEvidenceOSCALCmd(g), newEvidenceBundleCmd(g), newEvidenceReportCmd(g), newEvidenceVerifyCmd(g))
	return cmd
}

// newNonce is a fresh random nonce for one request: the node's signed statement echoes it, so
// a reply cannot be a replay of an older one.
func newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// osCA is the OS CA evidence is verified against: the file given, else the client
// configuration's context's.
func (g *globals) osCA(file string) (*x509.CertPool, error) {
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		pool, err := clientconfig.ParseCAs(data)
		if err != nil {
			return nil, fmt.Errorf("--ca %s: %w", file, err)
		}
		return pool, nil
	}
	cfg, err := g.loadClientConfig()
	if err != nil {
		return nil, err
	}
	cc, name, err := cfg.Get(g.context)
	if err != nil {
		return nil, err
	}
	if len(cc.CA) == 0 {
		return nil, fmt.Errorf("context %q has no CA to verify evidence against: pass --ca", name)
	}
	return clientconfig.ParseCAs(cc.CA)
}

// checkSigned verifies a reply's signed statement against the OS CA and the nonce sent.
func checkSigned(signed []byte, roots *x509.CertPool, nonce, kind string) (*attest.Verified, error) {
	v, err := attest.Verify(signed, roots)
	if err != nil {
		return nil, err
	}
	p := v.Statement.Predicate
	switch {
	case p.Nonce != nonce:
		return nil, fmt.Errorf("%w: the statement's nonce is %q, the request's %q", attest.ErrInvalid, p.Nonce, nonce)
	case p.Kind != kind:
		return nil, fmt.Errorf("%w: the statement is of %q, want %q", attest.ErrInvalid, p.Kind, kind)
	}
	return v, nil
}

// writeNew writes data to path, mode 0644, refusing to follow a link or replace a directory.
func writeFile(path string, data []byte) error {
	if st, err := os.Lstat(path); err == nil && !st.Mode().IsRegular() {
		return fmt.Errorf("%s exists and is not a regular file", path)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return os.WriteFile(path, data, 0o644) //nolint:gosec // evidence is for auditors to share; it holds no secret.
}
