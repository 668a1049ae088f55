package secrets

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"regexp"
)

// tokenAlphabet is the alphabet of Kubernetes bootstrap tokens.
const tokenAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// tokenRE matches a token: a 6-character ID, a dot, and a 16-character secret.
var tokenRE = regexp.MustCompile(`^[a-z0-9]{6}\.[a-z0-9]{16}$`)

// NewToken returns a random token of the form [a-z0-9]{6}.[a-z0-9]{16}.
func NewToken() (string, error) {
	id, err := randomString(6)
	if err != nil {
		return "", err
	}
	secret, err := randomString(16)
	if err != nil {
		return "", err
	}
	return id + "." + secret, nil
}

// ValidateToken reports whether s has the form [a-z0-9]{6}.[a-z0-9]{16}. The error never
// repeats the token, which is a secret.
func ValidateToken(s string) error {
	if !tokenRE.MatchString(s) {
		return fmt.Errorf("token does not match [a-z0-9]{6}.[a-z0-9]{16}")
	}
	return nil
}

// randomString returns n characters drawn uniformly from tokenAlphabet.
func randomString(n int) (string, error) {
	// 252 is the largest multiple of 36 below 256: bytes at or above it are rejected so that
	// every character is equally likely.
	const limit = 256 - 256%len(tokenAlphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("read random: %w", err)
		}
		for _, c := range buf {
			if int(c) < limit && len(out) < n {
				out = append(out, tokenAlphabet[int(c)%len(tokenAlphabet)])
			}
		}
	}
	return string(out), nil
}

// randomBytes returns n random bytes.
func randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("read random: %w", err)
	}
	return b, nil
}

// randomBase64 returns n random bytes in standard base64.
func randomBase64(n int) (string, error) {
	b, err := randomBytes(n)
	return base64.StdEncoding.EncodeToString(b), err
}

// randomBase64URL returns n random bytes in unpadded base64url.
func randomBase64URL(n int) (string, error) {
	b, err := randomBytes(n)
	return base64.RawURLEncoding.EncodeToString(b), err
}
