package config

import (
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

var (
	dnsLabelRE    = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	hostLabelRE   = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$`)
	flagNameRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	moduleNameRE  = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	moduleParamRE = regexp.MustCompile(`^[A-Za-z0-9_]+=.*$`)
	sysctlNameRE  = regexp.MustCompile(`^[a-z0-9_-]+(\.[a-z0-9_-]+)+$`)
	versionRE     = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+$`)
	labelNameRE   = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)
	labelValueRE  = regexp.MustCompile(`^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$`)
)

// isDNSName reports whether s is an RFC 1123 host name: dot-separated labels of letters,
// digits and inner hyphens, each at most 63 characters, at most 253 in all.
func isDNSName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if len(label) > 63 || !hostLabelRE.MatchString(label) {
			return false
		}
	}
	return true
}

// isHost reports whether s is a DNS name or an IP address.
func isHost(s string) bool {
	return isIP(s) || isDNSName(s)
}

// isIP reports whether s is an IP address.
func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// isInterfaceName reports whether s can name a Linux network link.
func isInterfaceName(s string) bool {
	return s != "" && len(s) <= 15 && s != "." && s != ".." && !strings.ContainsAny(s, "/: \t\n")
}

// isMAC reports whether s is a 48-bit MAC address.
func isMAC(s string) bool {
	hw, err := net.ParseMAC(s)
	return err == nil && len(hw) == 6
}

// isLabelKey reports whether s is a Kubernetes label key: an optional DNS-name prefix and a
// slash, then a name of at most 63 characters.
func isLabelKey(s string) bool {
	prefix, name, found := strings.Cut(s, "/")
	if !found {
		name, prefix = prefix, ""
	}
	if found && (len(prefix) > 253 || !isDNSName(strings.ToLower(prefix)) || prefix != strings.ToLower(prefix)) {
		return false
	}
	return len(name) <= 63 && labelNameRE.MatchString(name)
}

// isLabelValue reports whether s is a Kubernetes label value.
func isLabelValue(s string) bool {
	return len(s) <= 63 && labelValueRE.MatchString(s)
}

// isHostPort reports whether s is host:port with a valid host and a port 1-65535.
func isHostPort(s string) bool {
	host, port, err := net.SplitHostPort(s)
	if err != nil || !isHost(host) {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535
}

// isEndpointURL reports whether s is scheme://host:port and nothing else.
func isEndpointURL(s, scheme string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != scheme || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return false
	}
	if u.Path != "" && u.Path != "/" {
		return false
	}
	return isHostPort(u.Host)
}
