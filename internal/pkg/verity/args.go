package verity

import (
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
)

// The kernel command line parameters that carry a slot's verity parameters to /init.
const (
	ArgRootHash   = "cairn.verity.roothash"
	ArgSalt       = "cairn.verity.salt"
	ArgHashOffset = "cairn.verity.hashoffset"
)

// maxHashOffset bounds the hash offset (1 TiB): a boot slot is far smaller.
const maxHashOffset = 1 << 40

var (
	reDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)
	reOffset = regexp.MustCompile(`^[1-9][0-9]{0,15}$`)
)

// KernelArgs returns the parameters as kernel command line arguments, for ParseArgs.
func (p Params) KernelArgs() []string {
	return []string{
		ArgRootHash + "=" + hex.EncodeToString(p.RootHash),
		ArgSalt + "=" + hex.EncodeToString(p.Salt),
		ArgHashOffset + "=" + strconv.FormatInt(p.HashOffset, 10),
	}
}

// ParseArgs reads the verity parameters from the kernel command line through get (e.g.
// cmdline.Cmdline.Get). Every one is required and checked strictly: the root hash and the
// salt are 64 lowercase hex digits, the hash offset a positive decimal multiple of 4096.
// The data blocks are those before the hash offset. The error names each bad parameter.
func ParseArgs(get func(key string) (string, bool)) (Params, error) {
	var errs []error
	digest := func(key string) []byte {
		v, ok := get(key)
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%s: missing", key))
		case !reDigest.MatchString(v):
			errs = append(errs, fmt.Errorf("%s: %q is not 64 lowercase hex digits (a sha256 digest)", key, v))
		default:
			b, _ := hex.DecodeString(v)
			return b
		}
		return nil
	}
	p := Params{RootHash: digest(ArgRootHash), Salt: digest(ArgSalt)}
	p.HashOffset, errs = parseOffset(get, errs)
	p.DataBlocks = p.HashOffset / BlockSize
	if err := errors.Join(errs...); err != nil {
		return Params{}, err
	}
	return p, nil
}

func parseOffset(get func(key string) (string, bool), errs []error) (int64, []error) {
	v, ok := get(ArgHashOffset)
	if !ok {
		return 0, append(errs, fmt.Errorf("%s: missing", ArgHashOffset))
	}
	n, err := strconv.ParseInt(v, 10, 64)
	switch {
	case !reOffset.MatchString(v) || err != nil:
		return 0, append(errs, fmt.Errorf("%s: %q is not a positive decimal number of bytes", ArgHashOffset, v))
	case n%BlockSize != 0:
		return 0, append(errs, fmt.Errorf("%s: %d is not a multiple of %d", ArgHashOffset, n, BlockSize))
	case n > maxHashOffset:
		return 0, append(errs, fmt.Errorf("%s: %d is beyond %d bytes", ArgHashOffset, n, int64(maxHashOffset)))
	}
	return n, errs
}
