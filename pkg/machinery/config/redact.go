package config

import (
	"fmt"
	"reflect"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// Redacted replaces a secret in a redacted configuration.
const Redacted = "******"

// secretTag is the struct tag that marks a field holding a secret: `cairn:"secret"`. On a
// string the whole value is secret; on a pki.PEMPair the key is (the certificate is public).
const secretTag = "secret"

var pemPairType = reflect.TypeFor[pki.PEMPair]()

// Redact returns a deep copy of the configuration with every secret replaced by [Redacted]:
// private keys, the join and bootstrap tokens, the cluster secret. Empty secrets stay empty so
// that the reader sees which ones are set. A redacted key is the bytes of [Redacted], so
// Encode shows it as their base64, "KioqKioq". The result is for display to callers without
// access to secrets; it is not a working configuration.
func (c *Config) Redact() *Config {
	out := c.Clone()
	redactValue(reflect.ValueOf(out).Elem())
	return out
}

// IsSecret reports whether a struct field holds a secret.
func IsSecret(f reflect.StructField) bool {
	return f.Tag.Get("cairn") == secretTag
}

func redactValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			redactValue(v.Elem())
		}
	case reflect.Slice:
		for i := range v.Len() {
			redactValue(v.Index(i))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			switch {
			case !f.IsExported():
			case IsSecret(f):
				redactSecret(v.Field(i), f.Name)
			default:
				redactValue(v.Field(i))
			}
		}
	}
}

// redactSecret replaces one secret field's value.
func redactSecret(v reflect.Value, name string) {
	switch {
	case v.Type() == pemPairType:
		if key := v.FieldByName("Key"); key.Len() > 0 {
			key.SetBytes([]byte(Redacted))
		}
	case v.Kind() == reflect.String:
		if v.Len() > 0 {
			v.SetString(Redacted)
		}
	default:
		// A secret of a type Redact cannot handle is a programming error that
		// TestRedactCoversEverySecret catches.
		panic(fmt.Sprintf("config: cannot redact secret field %s of type %s", name, v.Type()))
	}
}
