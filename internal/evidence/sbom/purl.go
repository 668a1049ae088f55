package sbom

import (
	"strings"
)

// escape percent-encodes a package URL segment or qualifier value: everything but the
// unreserved characters, so that "+" in a Debian version or "/" in a name cannot be misread.
func escape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// debPURL is a Debian package's URL; upstream names its source package when it differs.
func debPURL(name, version, distro, arch, upstream string) string {
	u := "pkg:deb/debian/" + escape(name) + "@" + escape(version)
	var q []string
	if arch != "" {
		q = append(q, "arch="+escape(arch))
	}
	if distro != "" {
		q = append(q, "distro="+escape(distro))
	}
	if upstream != "" {
		q = append(q, "upstream="+escape(upstream))
	}
	if len(q) > 0 {
		u += "?" + strings.Join(q, "&")
	}
	return u
}

// goPURL is a Go module's URL: the module path's last element is the name, the rest the
// namespace, each of its segments escaped.
func goPURL(module, version string) string {
	parts := strings.Split(module, "/")
	for i, p := range parts {
		parts[i] = escape(p)
	}
	u := "pkg:golang/" + strings.Join(parts, "/")
	if version != "" {
		u += "@" + escape(version)
	}
	return u
}

// upstreamVersion is a Debian version without epoch and Debian revision ("2:6.2.1+dfsg1-1.1"
// gives "6.2.1+dfsg1"; the kernel's "6.1.192-2" gives "6.1.192").
func upstreamVersion(v string) string {
	if _, after, ok := strings.Cut(v, ":"); ok {
		v = after
	}
	if i := strings.LastIndexByte(v, '-'); i > 0 {
		v = v[:i]
	}
	return v
}

// kernelCPE is the NVD's name of the Linux kernel at the kernel package's upstream version.
func kernelCPE(version string) string {
	return "cpe:2.3:o:linux:linux_kernel:" + upstreamVersion(version) + ":*:*:*:*:*:*:*"
}
