// Package config is cairnctl's client configuration, the "cairnconfig": named contexts, each
// with the API endpoints to dial, the default target nodes, the CA that signs the nodes' API
// certificates, and a client certificate and key whose Organization carries the caller's roles.
package config

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// Config is a client configuration.
type Config struct {
	// Context is the name of the current context.
	Context string `yaml:"context"`
	// Contexts maps a name to a context.
	Contexts map[string]*Context `yaml:"contexts"`
}

// Context is how to reach and authenticate to one cluster.
type Context struct {
	// Endpoints are the API endpoints to dial: host or host:port.
	Endpoints []string `yaml:"endpoints,omitempty"`
	// Nodes are the default target nodes; empty means the endpoint node itself.
	Nodes []string `yaml:"nodes,omitempty"`
	// CA is the PEM certificate of the OS API CA (base64 in YAML).
	CA pki.PEMBytes `yaml:"ca,omitempty"`
	// Crt is the PEM client certificate (base64 in YAML).
	Crt pki.PEMBytes `yaml:"crt,omitempty"`
	// Key is the PEM private key of Crt (base64 in YAML).
	Key pki.PEMBytes `yaml:"key,omitempty"`
}

// ErrNoContext is wrapped by errors about a missing or unknown context.
var ErrNoContext = errors.New("no such context")

// New returns an empty configuration.
func New() *Config {
	return &Config{Contexts: map[string]*Context{}}
}

// Names returns the context names in sorted order.
func (c *Config) Names() []string {
	return slices.Sorted(maps.Keys(c.Contexts))
}

// Get returns the named context, or the current one when name is empty.
func (c *Config) Get(name string) (*Context, string, error) {
	if name == "" {
		name = c.Context
	}
	if name == "" {
		return nil, "", fmt.Errorf("%w: no current context is set (use cairnctl config context NAME)", ErrNoContext)
	}
	ctx, ok := c.Contexts[name]
	if !ok {
		return nil, "", fmt.Errorf("%w: %q (contexts: %s)", ErrNoContext, name, strings.Join(c.Names(), ", "))
	}
	return ctx, name, nil
}

// Use makes the named context current.
func (c *Config) Use(name string) error {
	if _, _, err := c.Get(name); err != nil {
		return err
	}
	c.Context = name
	return nil
}

// Add stores ctx under name. It fails if name is taken, unless replace is set.
func (c *Config) Add(name string, ctx *Context, replace bool) error {
	if err := validateName(name); err != nil {
		return err
	}
	if _, ok := c.Contexts[name]; ok && !replace {
		return fmt.Errorf("context %q already exists", name)
	}
	if c.Contexts == nil {
		c.Contexts = map[string]*Context{}
	}
	c.Contexts[name] = ctx
	return nil
}

// Rename records that a merged context was stored under another name.
type Rename struct {
	From, To string
}

// Merge adds the contexts of other to c, as talosctl does: a context whose name is taken by a
// different context is stored as name-1 (or name-2, ...), and one equal to the context of the
// same name is not added twice. The current context becomes other's current context, if it has
// one. Merge returns the renames in name order.
func (c *Config) Merge(other *Config) []Rename {
	if c.Contexts == nil {
		c.Contexts = map[string]*Context{}
	}
	mapped := map[string]string{}
	var renames []Rename
	for _, name := range other.Names() {
		ctx := other.Contexts[name]
		target := name
		for i := 1; ; i++ {
			existing, taken := c.Contexts[target]
			if !taken || reflect.DeepEqual(existing, ctx) {
				break
			}
			target = fmt.Sprintf("%s-%d", name, i)
		}
		if target != name {
			renames = append(renames, Rename{From: name, To: target})
		}
		mapped[name] = target
		c.Contexts[target] = ctx
	}
	if to, ok := mapped[other.Context]; ok {
		c.Context = to
	}
	return renames
}
