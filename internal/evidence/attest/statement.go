// Package attest signs the node's evidence and verifies it offline. A reply of the evidence
// API carries a DSSE envelope (payload type application/vnd.in-toto+json) whose payload is an
// in-toto Statement: its subject is the evidence's digest (the SBOM document, or the
// inventory carried in the statement itself), and its predicate binds it to the node, the
// boot (the kernel's boot_id), the image and the caller's nonce. The node signs it with the
// key of its API server certificate, which the OS CA issued, and sends that certificate chain
// along; a verifier needs only the OS CA certificate.
package attest

import (
	"encoding/json"
	"time"
)

// Identifiers of the statement.
const (
	PayloadType   = "application/vnd.in-toto+json"
	StatementType = "https://in-toto.io/Statement/v1"
	PredicateType = "https://github.com/cairn-os/cairn/evidence/v1"
)

// Kinds of evidence.
const (
	KindSBOM      = "sbom"
	KindInventory = "inventory"
	KindPosture   = "posture"
	KindChecks    = "checks"
)

// Subject names of the evidence carried in a statement's body. A statement of the checks
// names the format of its body by its subject (the OSCAL documents by the file names they
// refer to each other by, in package oscal).
const (
	SubjectPosture   = "posture.json"
	SubjectChecks    = "checks.json"
	SubjectKubeBench = "kube-bench.json"
)

// Statement is what the node signs.
type Statement struct {
	Type          string    `json:"_type"`
	Subject       []Subject `json:"subject"`
	PredicateType string    `json:"predicateType"`
	Predicate     Predicate `json:"predicate"`
}

// Subject names one piece of evidence by digest.
type Subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// Predicate binds the evidence to where and when it was produced.
type Predicate struct {
	Kind string `json:"kind"`
	// Node is the node's host name, as its certificate names it.
	Node string `json:"node"`
	// BootID is the kernel's /proc/sys/kernel/random/boot_id: it changes at every boot.
	BootID string `json:"bootId"`
	Image  Image  `json:"image"`
	// Nonce is the caller's: it shows the statement was made for this request.
	Nonce string    `json:"nonce"`
	Time  time.Time `json:"time"`
	// MediaType is the subject's format (an SBOM's); Body is evidence carried in the
	// statement itself (the inventory), so that the signature covers it.
	MediaType string          `json:"mediaType,omitempty"`
	Body      json.RawMessage `json:"body,omitempty"`
}

// Image identifies the running image.
type Image struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	// SBOM is the sha256 of each SBOM file in the image root, by path: the image manifest
	// (manifest.json) records the same digests at build.
	SBOM map[string]string `json:"sbom,omitempty"`
	// VerityRootHash is the dm-verity root hash of the root when the node booted from a disk
	// slot (cairn.verity.roothash); empty when the root came from the initramfs.
	VerityRootHash string `json:"verityRootHash,omitempty"`
}

// NewStatement returns a statement of one subject.
func NewStatement(subject Subject, p Predicate) *Statement {
	return &Statement{Type: StatementType, Subject: []Subject{subject}, PredicateType: PredicateType, Predicate: p}
}
