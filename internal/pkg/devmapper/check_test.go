package devmapper

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"
)

func TestCheckRoot(t *testing.T) {
	dev := make([]byte, 3*BlockSize)
	top := dev[2*BlockSize:]
	for i := range top {
		top[i] = byte(i)
	}
	salt := []byte("salt")
	sum := sha256.Sum256(append(append([]byte{}, salt...), top...))
	v := Verity{DataBlocks: 100, HashStartBlock: 2, RootHash: sum[:], Salt: salt}
	if err := CheckRoot(bytes.NewReader(dev), v); err != nil {
		t.Fatalf("CheckRoot(matching tree) = %v", err)
	}
	top[100] ^= 1
	if err := CheckRoot(bytes.NewReader(dev), v); !errors.Is(err, ErrRootHash) {
		t.Errorf("CheckRoot(changed top block) = %v, want ErrRootHash", err)
	}
	v.HashStartBlock = 3
	if err := CheckRoot(bytes.NewReader(dev), v); err == nil || errors.Is(err, ErrRootHash) {
		t.Errorf("CheckRoot(block beyond the device) = %v, want a read error", err)
	}
}
