package config

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strconv"
)

// Bounds of machine.logging (the messages below name them).
const (
	MinAuditRetentionMiB = 8
	MaxAuditRetentionMiB = 4096
	MaxLogDestinations   = 8
	MaxLogQueueMiB       = 1024
)

func validateLogging(v *validator, l *LoggingConfig, machineType string) {
	if r := l.AuditRetentionMiB; r != 0 && (r < MinAuditRetentionMiB || r > MaxAuditRetentionMiB) {
		v.add("machine.logging.auditRetentionMiB", strconv.Itoa(r), "must be from 8 to 4096 (MiB)")
	}
	if n := len(l.Destinations); n > MaxLogDestinations {
		v.add("machine.logging.destinations", strconv.Itoa(n), "must list at most 8 destinations")
	}
	seen := map[string]int{}
	for i := range l.Destinations {
		validateDestination(v, fmt.Sprintf("machine.logging.destinations[%d]", i), &l.Destinations[i], i, seen)
	}
	switch p := l.APIServerAuditPolicy; {
	case p == "":
	case machineType == TypeWorker:
		v.add("machine.logging.apiServerAuditPolicy", p, "must be empty on a worker (it runs no kube-apiserver)")
	default:
		if err := CheckAPIServerAuditPolicy(p); err != nil {
			v.add("machine.logging.apiServerAuditPolicy", p, err.Error())
		}
	}
}

func validateDestination(v *validator, path string, d *LoggingDestination, i int, seen map[string]int) {
	ep, err := ParseLogEndpoint(d.Endpoint)
	switch first, dup := seen[ep.String()]; {
	case d.Endpoint == "":
		v.add(path+".endpoint", d.Endpoint, "is required")
	case err != nil:
		v.add(path+".endpoint", d.Endpoint, err.Error())
	case dup:
		v.add(path+".endpoint", d.Endpoint, fmt.Sprintf("duplicates machine.logging.destinations[%d].endpoint", first))
	default:
		seen[ep.String()] = i
	}
	switch {
	case ep.Scheme == LogSchemeTCP && !d.Insecure:
		v.add(path+".insecure", "false", "must be true to send in clear text to a tcp:// endpoint")
	case ep.Scheme == LogSchemeTLS && d.Insecure:
		v.add(path+".insecure", "true", "must be false with a tls:// endpoint")
	}
	if d.Format != "" && d.Format != LogFormatRFC5424 && d.Format != LogFormatJSONL {
		v.add(path+".format", d.Format, "must be rfc5424 or jsonl")
	}
	validateDestinationTLS(v, path, d, ep.Scheme == LogSchemeTCP)
	validateSources(v, path+".sources", d.Sources)
	if q := d.QueueMiB; q != 0 && (q < 1 || q > MaxLogQueueMiB) {
		v.add(path+".queueMiB", strconv.Itoa(q), "must be from 1 to 1024 (MiB)")
	}
}

// validateDestinationTLS checks the CA and client certificate of a destination; a tcp://
// destination (plain) has no TLS, so it may have neither.
func validateDestinationTLS(v *validator, path string, d *LoggingDestination, plain bool) {
	if len(d.CA) > 0 {
		if err := checkPEMCertificates(d.CA); err != nil {
			v.add(path+".ca", fmt.Sprintf("%d bytes", len(d.CA)), err.Error())
		} else if plain {
			v.add(path+".ca", fmt.Sprintf("%d bytes", len(d.CA)), "must be empty with a tcp:// endpoint (no TLS)")
		}
	}
	cc := d.ClientCertificate
	switch {
	case cc.IsZero():
	case plain:
		v.addSecret(path+".clientCertificate.key", string(cc.Key), "must be empty with a tcp:// endpoint (no TLS)")
	case len(cc.Crt) == 0:
		v.add(path+".clientCertificate.crt", "", "is required with clientCertificate.key")
	case len(cc.Key) == 0:
		v.add(path+".clientCertificate.key", "", "is required with clientCertificate.crt")
	default:
		// The error of X509KeyPair names what is wrong, never the key's bytes.
		if _, err := tls.X509KeyPair(cc.Crt, cc.Key); err != nil {
			v.addSecret(path+".clientCertificate.key", string(cc.Key), "is not a PEM private key matching clientCertificate.crt: "+err.Error())
		}
	}
}

func validateSources(v *validator, path string, sources []string) {
	for j, s := range sources {
		switch first := slices.Index(sources, s); {
		case !slices.Contains(LogSources, s):
			v.add(fmt.Sprintf("%s[%d]", path, j), s, "must be audit, machined, services, kernel or kube-apiserver-audit")
		case first < j:
			v.add(fmt.Sprintf("%s[%d]", path, j), s, fmt.Sprintf("duplicates %s[%d]", path, first))
		}
	}
}
