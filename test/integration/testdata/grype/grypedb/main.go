// Command grypedb builds a grype vulnerability database (schema v6) from Go vulnerability
// database advisories in OSV form, with grype's own database builder: the same code path
// grype's published databases take, fed from files instead of the network. The evidence
// consumer tests scan with it (test only, never in an image).
//
//	grypedb -out DIR OSV.json...
package main

import (
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/OneOfOne/xxhash"
	"github.com/anchore/grype/grype/db"
	"github.com/anchore/grype/grype/db/provider"
)

// osvSchema is the vunnel result schema grype's OSV processor takes (major version 1).
const osvSchema = "https://raw.githubusercontent.com/anchore/vunnel/main/schema/vulnerability/osv/schema-1.6.0.json"

func main() {
	out := flag.String("out", "", "directory to write vulnerability.db and import.json to")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: grypedb -out DIR OSV.json...")
		os.Exit(2)
	}
	if err := build(*out, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "grypedb:", err)
		os.Exit(1)
	}
}

func build(out string, advisories []string) error {
	work, err := os.MkdirTemp("", "grypedb-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	prov := filepath.Join(work, "govulndb")
	if err := os.MkdirAll(filepath.Join(prov, "results"), 0o755); err != nil {
		return err
	}
	var listing strings.Builder
	for _, p := range advisories {
		item, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var id struct{ ID string }
		if err := json.Unmarshal(item, &id); err != nil || id.ID == "" {
			return fmt.Errorf("%s: not an OSV advisory with an id (%v)", p, err)
		}
		rec, err := json.Marshal(struct {
			Schema     string          `json:"schema"`
			Identifier string          `json:"identifier"`
			Item       json.RawMessage `json:"item"`
		}{osvSchema, "govulndb/" + id.ID, item})
		if err != nil {
			return err
		}
		name := filepath.Join("results", id.ID+".json")
		if err := os.WriteFile(filepath.Join(prov, name), rec, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(&listing, "%s  %s\n", xxh64(rec), name)
	}
	if err := os.WriteFile(filepath.Join(prov, "checksums"), []byte(listing.String()), 0o644); err != nil {
		return err
	}
	now := time.Now().UTC()
	meta, err := json.Marshal(map[string]any{
		"provider": "govulndb", "urls": []string{"file://" + prov}, "store": "flat-file",
		"timestamp": now.Format(time.RFC3339), "version": 1, "distribution_version": 1,
		"processor": "cairn-grypedb",
		"listing":   map[string]string{"digest": xxh64([]byte(listing.String())), "path": "checksums", "algorithm": "xxh64"},
		"schema":    map[string]string{"version": "1.0.3", "url": "https://raw.githubusercontent.com/anchore/vunnel/main/schema/provider-workspace-state/schema-1.0.3.json"},
	})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(prov, "metadata.json"), meta, 0o644); err != nil {
		return err
	}
	state, err := provider.ReadState(filepath.Join(prov, "metadata.json"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	return db.Build(db.BuildConfig{
		SchemaVersion: 6, Directory: out, States: provider.States{*state}, Timestamp: now,
		IncludeCPEParts: []string{"a"}, Hydrate: true, BatchSize: 100,
	})
}

func xxh64(b []byte) string {
	h := xxhash.New64()
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}
