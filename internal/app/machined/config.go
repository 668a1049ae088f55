package machined

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cairn-os/cairn/internal/app/machined/boot"
	"github.com/cairn-os/cairn/pkg/machinery/api/node"
	"github.com/cairn-os/cairn/pkg/machinery/atomicfile"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// Files under the state directory.
const (
	activeConfigFile = "config.yaml"
	stagedConfigFile = "config.staged.yaml"
)

func (n *daemon) statePath(name string) string { return filepath.Join(n.opts.State, name) }

func (n *daemon) validationMode() config.Mode {
	if n.opts.Mode == ModeContainer {
		return config.ModeContainer
	}
	return config.ModeMetal
}

// parseConfig decodes and validates a configuration for this node.
func (n *daemon) parseConfig(data []byte) (*config.Config, error) {
	cfg, err := config.Decode(data)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(n.validationMode()); err != nil {
		return nil, err
	}
	return cfg, nil
}

// loadConfig finds the configuration at boot: a staged one first, then the stored one, then
// the platform's source (--config). Without any, the node enters maintenance mode.
func (n *daemon) loadConfig() error {
	if err := n.promoteStaged(); err != nil {
		return err
	}
	data, err := os.ReadFile(n.statePath(activeConfigFile))
	switch {
	case err == nil:
		cfg, perr := n.parseConfig(data)
		if perr != nil {
			n.log.Error("stored configuration is invalid: entering maintenance mode", "error", perr)
			return n.enterMaintenance()
		}
		return n.activate(cfg)
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("read stored configuration: %w", err)
	}
	if n.opts.ConfigFile == "" {
		return n.enterMaintenance()
	}
	data, err = os.ReadFile(n.opts.ConfigFile)
	if err != nil {
		return fmt.Errorf("read --config: %w", err)
	}
	cfg, err := n.parseConfig(data)
	if err != nil {
		return fmt.Errorf("--config %s: %w", n.opts.ConfigFile, err)
	}
	if err := n.persist(activeConfigFile, cfg); err != nil {
		return err
	}
	return n.activate(cfg)
}

// promoteStaged makes a staged configuration the active one (at boot).
func (n *daemon) promoteStaged() error {
	staged := n.statePath(stagedConfigFile)
	if _, err := os.Stat(staged); err != nil {
		return nil
	}
	if err := os.Rename(staged, n.statePath(activeConfigFile)); err != nil {
		return fmt.Errorf("apply staged configuration: %w", err)
	}
	n.events.publish(KindConfig, "staged configuration applied at boot")
	return nil
}

// persist writes a configuration to the state directory atomically.
func (n *daemon) persist(name string, cfg *config.Config) error {
	data, err := cfg.Encode()
	if err != nil {
		return err
	}
	if err := atomicfile.Write(n.statePath(name), data, 0o600, true); err != nil {
		return fmt.Errorf("store configuration: %w", err)
	}
	return nil
}

// activate makes cfg the running configuration: apid gets certificates from its CA and the
// configuration resource is updated.
func (n *daemon) activate(cfg *config.Config) error {
	hostname := hostnameOf(cfg, n.defaultHostname)
	certs, publish, err := n.certificatesFor(cfg, hostname)
	if err != nil {
		return err
	}
	n.mu.Lock()
	n.cfg = cfg
	n.mu.Unlock()
	if err := n.storeConfigResource(cfg); err != nil {
		return err
	}
	publish()
	n.auditCertificates(certs, cfg)
	n.applyHostname(certs.Hostname)
	n.applyLogging(cfg)
	n.events.publish(KindConfig, "configuration active", "hostname", certs.Hostname)
	return nil
}

// applyHostname gives a real node the host name of its configuration (kernel and
// /etc/hostname). In container mode the host's name is not the node's: it is left alone.
func (n *daemon) applyHostname(name string) {
	if n.opts.Mode != ModeMetal {
		return
	}
	if err := boot.SetHostname(name); err != nil {
		n.log.Error("host name not applied", "hostname", name, "error", err)
		return
	}
	n.log.Info("host name applied", "hostname", name)
}

// enterMaintenance serves a self-signed certificate and waits for a configuration.
func (n *daemon) enterMaintenance() error {
	if n.maintenanceCert == nil {
		kp, err := selfSigned(n.defaultHostname, n.listen)
		if err != nil {
			return err
		}
		n.maintenanceCert = kp
	}
	n.mu.Lock()
	n.cfg = nil
	n.mu.Unlock()
	if err := n.dropConfigResource(); err != nil {
		return err
	}
	fp := pki.Fingerprint(n.maintenanceCert.Certificate)
	n.applyHostname(n.defaultHostname)
	n.applyLogging(nil)
	m := &node.APICertificates{Maintenance: true, ServerCrt: n.maintenanceCert.CertPEM, ServerKey: n.maintenanceCert.KeyPEM, Hostname: n.defaultHostname}
	n.certs.set(m)
	n.auditCertificates(m, nil)
	_, _ = fmt.Fprintf(n.opts.Stderr, "\nmachined: MAINTENANCE MODE: no configuration. Server certificate fingerprint:\n  %s\napply one with: cairnctl apply-config --insecure --cert-fingerprint %s -n %s -f CONFIG.yaml\n\n", fp, fp, n.opts.Listen)
	n.log.Warn("maintenance mode: waiting for a configuration", "fingerprint", fp, "listen", n.opts.Listen)
	n.events.publish(KindConfig, "maintenance mode: waiting for a configuration", "fingerprint", fp)
	return nil
}

// config returns the running configuration (nil in maintenance mode).
func (n *daemon) config() *config.Config {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cfg
}

func hostnameOf(cfg *config.Config, def string) string {
	if cfg != nil && cfg.Machine.Network.Hostname != "" {
		return cfg.Machine.Network.Hostname
	}
	return def
}

// hostname is the node's current host name.
func (n *daemon) hostname() string { return hostnameOf(n.config(), n.defaultHostname) }
