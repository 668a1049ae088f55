package audit

import (
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

func testSigner(t *testing.T) (*Signer, *x509.CertPool) {
	t.Helper()
	ca, err := pki.NewCA(pki.Request{CommonName: "os-ca"})
	if err != nil {
		t.Fatal(err)
	}
	kp, err := ca.Issue(pki.Request{CommonName: "node-a", Usage: pki.ServerAuth})
	if err != nil {
		t.Fatal(err)
	}
	return &Signer{Cert: kp.Certificate, Key: kp.PrivateKey}, ca.CertPool()
}

// signedChain is a boot record, n calls and a signed anchor.
func signedChain(t *testing.T, s *Signer, n int) []Event {
	t.Helper()
	boot := Event{Seq: 1, Time: time.Now(), Kind: KindBoot, Boot: &Boot{ID: "b"}}
	if err := boot.SealSigned("", s); err != nil {
		t.Fatal(err)
	}
	events := append([]Event{boot}, chain(2, boot.Hash, n)...)
	end := Event{Seq: uint64(n) + 2, Time: time.Now(), Kind: KindAnchor}
	if err := end.SealSigned(events[len(events)-1].Hash, s); err != nil {
		t.Fatal(err)
	}
	return append(events, end)
}

func verifyStrict(events []Event, roots *x509.CertPool) (Report, error) {
	v := Verifier{Roots: roots}
	for _, e := range events {
		if err := v.Add(e); err != nil {
			return Report{}, err
		}
	}
	return v.Finish()
}

func TestStrictVerify(t *testing.T) {
	s, roots := testSigner(t)
	rep, err := verifyStrict(signedChain(t, s, 3), roots)
	if err != nil || rep.Anchors != 2 || rep.LastAnchor != 5 {
		t.Fatalf("verify(signed chain) = %+v, %v; want 2 anchors, the last at 5", rep, err)
	}
	for _, tc := range []struct {
		name   string
		mutate func([]Event) []Event
		want   string
	}{
		{"no anchor at the end", func(es []Event) []Event { return es[:len(es)-1] }, "after its last signed anchor"},
		{"no boot record at genesis", func(es []Event) []Event {
			c := chain(1, "", 2)
			end := es[len(es)-1]
			end.Seq = 3
			_ = end.SealSigned(c[1].Hash, s)
			return append(c, end)
		}, "does not open with a boot record"},
		{"anchor re-hashed after an edit", func(es []Event) []Event {
			es[2].Method = "/x"
			es[2].Seal(es[1].Hash)
			es[3].Seal(es[2].Hash)
			es[4].Seal(es[3].Hash)
			return es
		}, "does not match the chain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := verifyStrict(tc.mutate(signedChain(t, s, 3)), roots)
			var b *Break
			if !errors.As(err, &b) || !strings.Contains(b.Reason, tc.want) {
				t.Errorf("verify = %v, want a break containing %q", err, tc.want)
			}
		})
	}
}

func TestLenientVerifyStillChecksSignatures(t *testing.T) {
	s, _ := testSigner(t)
	es := signedChain(t, s, 2)
	es[0].Anchor.Signature[len(es[0].Anchor.Signature)-1] ^= 1
	es[0].Hash = es[0].ComputeHash()
	es[1].Seal(es[0].Hash)
	if _, err := Verify(es[:2]); err == nil || !strings.Contains(err.Error(), "signature") {
		t.Errorf("Verify(bad signature) = %v, want a break naming the signature", err)
	}
}
