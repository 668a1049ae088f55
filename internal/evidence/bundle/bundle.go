// Package bundle writes and reads the evidence bundle an auditor takes away from a node: a
// gzip-compressed tar archive holding each piece of evidence (SBOMs, inventory, posture,
// check results, OSCAL documents) beside the statement the node signed for it, an index
// (index.json) that lists them with their sizes and sha256, and a README that says what they
// are and how to verify them. Verify checks a bundle offline against the OS CA: every
// statement, every file's digest against its statement's subject, and that all statements
// name the same node, boot and nonce.
//
// A bundle comes from an auditor's disk: Read bounds what it decompresses, accepts only
// regular files under the bundle's directory, and decodes the index strictly.
package bundle

import (
	"time"

	"github.com/cairn-os/cairn/internal/evidence/attest"
)

// Format identifies the bundle's layout in its index.
const Format = "cairn-evidence-bundle/v1"

// Dir is the directory every file of the archive is under.
const Dir = "cairn-evidence"

// Names of the bundle's own files.
const (
	IndexFile  = "index.json"
	ReadmeFile = "README.md"
)

// Bounds of what Read accepts.
const (
	maxFiles      = 64
	maxFileBytes  = 512 << 20
	maxTotalBytes = 1 << 30
	maxIndexBytes = 1 << 20
)

// Entry is one piece of evidence: Data is the subject of the statement Signed.
type Entry struct {
	// Name is the file's name in the bundle ("posture.json").
	Name string
	// Title says what the file is, for the README.
	Title  string
	Data   []byte
	Signed []byte
}

// StatementName is the name of an entry's statement in the bundle.
func StatementName(name string) string { return name + ".dsse.json" }

// Index lists the bundle's evidence and what binds it.
type Index struct {
	Format  string       `json:"format"`
	Created time.Time    `json:"created"`
	Node    string       `json:"node"`
	BootID  string       `json:"bootId"`
	Nonce   string       `json:"nonce"`
	Image   attest.Image `json:"image"`
	Files   []File       `json:"files"`
}

// File is one piece of evidence of the index.
type File struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	Kind  string `json:"kind"`
	// Subject is the name the statement gives the file.
	Subject   string `json:"subject"`
	MediaType string `json:"mediaType,omitempty"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
	// Statement is the file holding the signed statement, StatementSHA256 its digest.
	Statement       string `json:"statement"`
	StatementSHA256 string `json:"statementSha256"`
}

// Bundle is a bundle's index and its files' contents by name.
type Bundle struct {
	Index Index
	Files map[string][]byte
}
