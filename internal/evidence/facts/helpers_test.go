package facts

import "bytes"

// containsKey says whether data holds PEM private key material.
func containsKey(data []byte) bool {
	return bytes.Contains(data, []byte("PRIVATE KEY")) || bytes.Contains(data, []byte("secret:"))
}
