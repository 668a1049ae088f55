// Package facts collects what the node's evidence is made of: a Snapshot of the kernel
// (version, command line, lockdown, LSMs, the sysctls Cairn sets, loaded modules), the root
// mount, the processes that matter (machined's services, the Kubernetes components, the
// owners of listening sockets) with their command lines and FIPS 140-3 mode, listening
// sockets mapped to their service, the modes and owners of the files the CIS Kubernetes
// Benchmark names, what a walk of the image finds (setuid files, shells, SSH servers,
// world-writable files), the Kubernetes components' configuration settings and the
// certificates the node holds.
//
// Collect reads from a root directory, a /proc and a /sys given in Sources, so tests run it
// on fixture trees without root. Every read has a size cap and every list a count cap; what
// cannot be read is recorded in its Fact as unknown with the reason, never as a failure of
// the whole collection. A Snapshot never holds a secret: the encryption configuration is
// reduced to provider names, kubeconfigs are only stat'ed, and of PEM files only the
// certificates are parsed. The parsers of outside input (Parse*, Flags, RootMount,
// CertificatesFromPEM) are exported for the checks and fuzzed.
package facts
