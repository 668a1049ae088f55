package attest

import (
	"encoding/base64"
	"strconv"
)

// DSSE (github.com/secure-systems-lab/dsse, protocol v1) is written here rather than taken
// from go-securesystemslib/dsse: that package's verifier imports golang.org/x/crypto/ssh (for
// key fingerprints), which would put SSH code, and the non-approved algorithms it carries, into
// the node's FIPS binary of a node that has no SSH at all. The protocol is small: a signature
// covers PAE(payloadType, payload), and the envelope carries the payload in base64.

// Envelope is a DSSE envelope.
type Envelope struct {
	PayloadType string      `json:"payloadType"`
	Payload     string      `json:"payload"`
	Signatures  []Signature `json:"signatures"`
}

// Signature is one signature of an envelope.
type Signature struct {
	KeyID string `json:"keyid,omitempty"`
	Sig   string `json:"sig"`
}

// PAE is DSSE's pre-authentication encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP
// body, lengths in ASCII decimal.
func PAE(payloadType string, payload []byte) []byte {
	b := make([]byte, 0, len("DSSEv1 ")+2*20+len(payloadType)+len(payload)+2)
	b = append(b, "DSSEv1 "...)
	b = strconv.AppendInt(b, int64(len(payloadType)), 10)
	b = append(b, ' ')
	b = append(b, payloadType...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(payload)), 10)
	b = append(b, ' ')
	return append(b, payload...)
}

// decodeBase64 accepts both alphabets with or without padding, as DSSE allows.
func decodeBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, base64.CorruptInputError(0)
}
