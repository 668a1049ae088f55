package machined

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cairn-os/cairn/internal/pkg/auditlog"
	"github.com/cairn-os/cairn/pkg/machinery/api/node"
	"github.com/cairn-os/cairn/pkg/machinery/audit"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

func (n *daemon) openAudit() error {
	opts := auditlog.DefaultOptions
	opts.Node = n.defaultHostname
	opts.Logger = n.log
	l, err := auditlog.Open(filepath.Join(n.opts.State, "audit"), opts)
	if err != nil {
		return err
	}
	n.audit = l
	return nil
}

// bootAudit writes the boot record, signed with the certificate the configuration phase set.
func (n *daemon) bootAudit() error {
	_, err := n.audit.Boot(runID())
	return err
}

// closeAudit writes the signed shutdown record and closes the log.
func (n *daemon) closeAudit() {
	if n.auditShut.Load() {
		return // an install wrote the shutdown record before copying STATE to the disk
	}
	if err := n.audit.Shutdown("shutdown: machined stops"); err != nil {
		n.log.Error("audit shutdown record not written", "error", err)
	}
}

// auditCertificates makes the audit log sign its anchors with apid's server key, whose
// certificate the OS CA issued: a verifier checks it against the CA it trusts. In maintenance
// mode the certificate is self-signed, so anchors stay unsigned until a configuration is active.
func (n *daemon) auditCertificates(m *node.APICertificates, cfg *config.Config) {
	if cfg != nil {
		mib := cfg.Machine.Logging.AuditRetentionMiB
		if mib == 0 {
			mib = config.DefaultAuditRetentionMiB
		}
		n.audit.SetRetention(int64(mib) << 20)
	}
	var s *audit.Signer
	if !m.GetMaintenance() {
		kp, err := pki.ParseKeyPair(m.GetServerCrt(), m.GetServerKey())
		if err != nil {
			n.log.Error("audit anchors stay unsigned: API certificate", "error", err)
		} else {
			s = &audit.Signer{Cert: kp.Certificate, Key: kp.PrivateKey}
		}
	}
	note := fmt.Sprintf("signer: %s", signerName(s))
	if err := n.audit.SetSigner(s, note); err != nil {
		n.log.Error("audit anchor not written", "error", err)
	}
}

func signerName(s *audit.Signer) string {
	if s == nil {
		return "none (maintenance mode: anchors are unsigned)"
	}
	return fmt.Sprintf("API certificate %q serial %s", s.Cert.Subject.CommonName, s.Cert.SerialNumber.Text(16))
}

// runID names this run of machined: the kernel's boot id and a random part, since in
// container mode several runs share one kernel boot.
func runID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24)
	boot := "unknown-boot"
	if data, err := os.ReadFile("/proc/sys/kernel/random/boot_id"); err == nil {
		boot = strings.TrimSpace(string(data))
	}
	return boot + "/" + hex.EncodeToString(b)
}
