package config

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// secretishName matches field names that suggest a secret.
var secretishName = regexp.MustCompile(`(?i)key|token|secret|password|credential`)

// TestSecretFieldsAreTagged walks every type of the configuration and requires the secret tag
// on every field whose name or type suggests a secret, so that Redact cannot miss one.
func TestSecretFieldsAreTagged(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type, path string)
	check := func(tt *testing.T, f reflect.StructField, path string) {
		suggests := f.Type == pemPairType || (secretishName.MatchString(f.Name) && f.Type.Kind() == reflect.String)
		if suggests && !IsSecret(f) {
			tt.Errorf("%s (%s %s) looks like a secret but has no cairn:\"secret\" tag", path, f.Name, f.Type)
		}
	}
	walk = func(typ reflect.Type, path string) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ] || typ == pemPairType {
			return
		}
		seen[typ] = true
		for i := range typ.NumField() {
			f := typ.Field(i)
			p := joinPath(path, YAMLName(f))
			check(t, f, p)
			walk(f.Type, p)
		}
	}
	walk(reflect.TypeFor[Config](), "")
	for _, newDoc := range documentKinds {
		walk(reflect.TypeOf(newDoc()), "document")
	}
	if len(seen) < 10 {
		t.Errorf("walked only %d types", len(seen))
	}
}

// TestRedactRemovesEverySecret redacts a configuration in which every field is set and checks
// that no secret value survives in the encoded result, while public values do.
func TestRedactRemovesEverySecret(t *testing.T) {
	c := fullConfig(t)
	var secrets []string
	collectSecrets(reflect.ValueOf(c).Elem(), &secrets)
	if len(secrets) != 10 {
		t.Errorf("found %d secret values, want 10 (keys of 4 CAs, the service account and a log client certificate, 2 tokens, cluster secret, encryption secret)", len(secrets))
	}
	red := c.Redact()
	data, err := red.Encode()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if strings.Contains(string(data), s) {
			t.Errorf("redacted config contains the secret %.20q...", s)
		}
	}
	if red.Machine.Token != Redacted || string(red.Cluster.CA.Key) != Redacted || string(red.Cluster.CA.Crt) != string(c.Cluster.CA.Crt) {
		t.Errorf("Redact() did not replace secrets by %q or dropped a public certificate", Redacted)
	}
	if red.Cluster.ID != c.Cluster.ID || red.Machine.Network.Hostname != "cp-1" {
		t.Errorf("Redact() changed public fields")
	}
	if c.Machine.Token == Redacted {
		t.Errorf("Redact() modified its receiver")
	}
}

// collectSecrets appends the encoded form of every set secret in v (base64 for keys, as
// Encode writes them).
func collectSecrets(v reflect.Value, out *[]string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			collectSecrets(v.Elem(), out)
		}
	case reflect.Slice:
		for i := range v.Len() {
			collectSecrets(v.Index(i), out)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			switch {
			case IsSecret(f) && f.Type == pemPairType && v.Field(i).FieldByName("Key").Len() > 0:
				data, _ := (&Config{Machine: MachineConfig{CA: v.Field(i).Interface().(pki.PEMPair)}}).Encode()
				_, after, _ := strings.Cut(string(data), "key: ")
				*out = append(*out, strings.Fields(after)[0])
			case IsSecret(f) && f.Type.Kind() == reflect.String && v.Field(i).Len() > 0:
				*out = append(*out, v.Field(i).String())
			default:
				collectSecrets(v.Field(i), out)
			}
		}
	}
}

// TestValidateNeverShowsSecrets makes every secret malformed and checks that no error repeats
// one.
func TestValidateNeverShowsSecrets(t *testing.T) {
	for _, worker := range []bool{false, true} {
		cp, w := testConfigs(t)
		c := cp
		if worker {
			c = w
		}
		c.Machine.Token, c.Cluster.Secret, c.Cluster.Token = "SECRET1", "SECRET2", "SECRET3"
		c.Cluster.AESCBCEncryptionSecret = "SECRET4"
		for _, p := range []*pki.PEMPair{&c.Machine.CA, &c.Cluster.CA, &c.Cluster.AggregatorCA, &c.Cluster.ServiceAccount, &c.Cluster.Etcd.CA} {
			p.Key = []byte("SECRET-KEY")
		}
		err := c.Validate(ModeMetal)
		if err == nil || strings.Count(err.Error(), "\n") < 8 {
			t.Fatalf("Validate() = %v, want many problems", err)
		}
		if strings.Contains(err.Error(), "SECRET") {
			t.Errorf("Validate() shows a secret:\n%v", err)
		}
	}
}
