package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/cairn-os/cairn/pkg/machinery/atomicfile"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// FileMode is the permission of a written client configuration: it holds a private key.
const FileMode fs.FileMode = 0o600

// Decode parses a client configuration strictly (unknown fields and extra documents are errors)
// and validates it, reporting every problem with the path of its field.
func Decode(data []byte) (*Config, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	c := New()
	if err := dec.Decode(c); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("client configuration is empty")
		}
		return nil, fmt.Errorf("decode client configuration: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("decode client configuration: more than one YAML document")
	}
	if c.Contexts == nil {
		c.Contexts = map[string]*Context{}
	}
	for _, ctx := range c.Contexts {
		if ctx == nil {
			continue
		}
		// An empty list and no list mean the same; keep one form so a round trip is exact.
		if len(ctx.Endpoints) == 0 {
			ctx.Endpoints = nil
		}
		if len(ctx.Nodes) == 0 {
			ctx.Nodes = nil
		}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Encode returns the configuration as YAML.
func (c *Config) Encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("encode client configuration: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode client configuration: %w", err)
	}
	return buf.Bytes(), nil
}

// Validate checks the configuration and returns every problem found.
func (c *Config) Validate() error {
	var errs []error
	add := func(field string, err error) { errs = append(errs, fmt.Errorf("%s: %w", field, err)) }
	if c.Context != "" {
		if _, ok := c.Contexts[c.Context]; !ok {
			add("context", fmt.Errorf("%q is not one of the contexts", c.Context))
		}
	}
	for _, name := range c.Names() {
		field := fmt.Sprintf("contexts[%q]", name)
		if err := validateName(name); err != nil {
			add(field, err)
		}
		ctx := c.Contexts[name]
		if ctx == nil {
			add(field, errors.New("is empty"))
			continue
		}
		for _, e := range ctx.validate() {
			add(field+"."+e.field, e.err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid client configuration:\n%w", err)
	}
	return nil
}

type fieldErr struct {
	field string
	err   error
}

// validate checks one context: addresses without spaces, and PEM material that parses, with a
// key that matches its certificate.
func (ctx *Context) validate() []fieldErr {
	out := validateAddresses("endpoints", ctx.Endpoints)
	out = append(out, validateAddresses("nodes", ctx.Nodes)...)
	if len(ctx.CA) != 0 {
		if _, err := ParseCAs(ctx.CA); err != nil {
			out = append(out, fieldErr{"ca", err})
		}
	}
	switch {
	case len(ctx.Crt) == 0 && len(ctx.Key) == 0:
	case len(ctx.Crt) == 0:
		out = append(out, fieldErr{"crt", errors.New("is required with key")})
	case len(ctx.Key) == 0:
		out = append(out, fieldErr{"key", errors.New("is required with crt")})
	default:
		if _, err := pki.ParseKeyPair(ctx.Crt, ctx.Key); err != nil {
			out = append(out, fieldErr{"crt", err})
		}
	}
	return out
}

// validateAddresses checks that every address of the list field is set and holds no spaces.
func validateAddresses(field string, addrs []string) []fieldErr {
	var out []fieldErr
	for i, a := range addrs {
		if a == "" || strings.ContainsFunc(a, unicode.IsSpace) {
			out = append(out, fieldErr{fmt.Sprintf("%s[%d]", field, i), fmt.Errorf("%q is not an address", a)})
		}
	}
	return out
}

// validateName checks a context name.
func validateName(name string) error {
	if name == "" || strings.ContainsFunc(name, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) {
		return fmt.Errorf("context name %q is empty or holds spaces or control characters", name)
	}
	return nil
}

// Load reads and decodes the configuration at path. A missing file gives an error wrapping
// fs.ErrNotExist.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// LoadOrNew is Load, except that a missing file gives an empty configuration.
func LoadOrNew(path string) (*Config, error) {
	c, err := Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		return New(), nil
	}
	return c, err
}

// Save writes the configuration to path atomically with mode 0600, creating its directory
// (0700) if needed. An existing file is replaced only if overwrite is set.
func (c *Config) Save(path string, overwrite bool) error {
	if err := c.Validate(); err != nil {
		return err
	}
	data, err := c.Encode()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create directory for %s: %w", path, err)
	}
	return atomicfile.Write(path, data, FileMode, overwrite)
}
