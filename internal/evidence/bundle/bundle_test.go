package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/evidence/attest"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

type fixture struct {
	ca, other *pki.KeyPair
	signer    *attest.Signer
}

func newFixture(tb testing.TB) fixture {
	tb.Helper()
	ca, err := pki.NewCA(pki.Request{CommonName: "os"})
	if err != nil {
		tb.Fatal(err)
	}
	other, err := pki.NewCA(pki.Request{CommonName: "other"})
	if err != nil {
		tb.Fatal(err)
	}
	node, err := ca.Issue(pki.Request{CommonName: "node-a", OrganizationalUnit: []string{pki.WorkerUnit}, DNSNames: []string{"node-a"}, Usage: pki.ServerAuth})
	if err != nil {
		tb.Fatal(err)
	}
	s, err := attest.NewSigner(node.PrivateKey, []*x509.Certificate{node.Certificate, ca.Certificate})
	if err != nil {
		tb.Fatal(err)
	}
	return fixture{ca: ca, other: other, signer: s}
}

// entry signs data as the node would, as a body when withBody (posture, checks) or as a
// document beside the statement (an SBOM).
func (f fixture) entry(tb testing.TB, name, kind, nonce string, data []byte, withBody bool) Entry {
	tb.Helper()
	sum := sha256.Sum256(data)
	p := attest.Predicate{Kind: kind, Node: "node-a", BootID: "b00t", Nonce: nonce, Time: time.Now().UTC(), MediaType: "application/json",
		Image: attest.Image{Version: "v1", SBOM: map[string]string{"/usr/share/cairn/sbom.spdx.json": strings.Repeat("0", 64)}}}
	if withBody {
		p.Body = data
	}
	signed, err := f.signer.Sign(attest.NewStatement(attest.Subject{Name: name, Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])}}, p))
	if err != nil {
		tb.Fatal(err)
	}
	return Entry{Name: name, Title: "the " + kind, Data: data, Signed: signed}
}

func (f fixture) entries(tb testing.TB, nonce string) []Entry {
	return []Entry{
		f.entry(tb, "sbom.spdx.json", attest.KindSBOM, nonce, []byte(`{"spdxVersion":"SPDX-2.3"}`), false),
		f.entry(tb, "posture.json", attest.KindPosture, nonce, []byte(`{"role":"worker"}`), true),
		f.entry(tb, "checks.json", attest.KindChecks, nonce, []byte(`[{"id":"H.1","verdict":"PASS"}]`), true),
	}
}

func (f fixture) write(tb testing.TB, entries []Entry) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if _, err := Write(&buf, entries, f.ca.CertPool(), time.Now()); err != nil {
		tb.Fatalf("Write = %v", err)
	}
	return buf.Bytes()
}

// archive writes files as a bundle would hold them, in the order given (name, data pairs).
func archive(tb testing.TB, files ...string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for i := 0; i+1 < len(files); i += 2 {
		if err := tw.WriteHeader(&tar.Header{Name: files[i], Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(files[i+1]))}); err != nil {
			tb.Fatal(err)
		}
		if _, err := tw.Write([]byte(files[i+1])); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// rewrite re-archives a bundle after edit changed its files (the index included).
func rewrite(tb testing.TB, data []byte, edit func(b *Bundle)) []byte {
	tb.Helper()
	b, err := Read(bytes.NewReader(data))
	if err != nil {
		tb.Fatal(err)
	}
	edit(b)
	idx, _ := json.Marshal(b.Index)
	var files []string
	for name, d := range b.Files {
		if name != IndexFile {
			files = append(files, Dir+"/"+name, string(d))
		}
	}
	return archive(tb, append(files, Dir+"/"+IndexFile, string(idx))...)
}

func TestWriteReadVerify(t *testing.T) {
	f := newFixture(t)
	data := f.write(t, f.entries(t, "n0nce"))
	b, err := Read(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Read = %v", err)
	}
	vs, err := Verify(b, f.ca.CertPool())
	if err != nil {
		t.Fatalf("Verify = %v", err)
	}
	if len(vs) != 3 || b.Index.Node != "node-a" || b.Index.Nonce != "n0nce" || len(b.Files) != 8 {
		t.Errorf("%d statements, node %q, nonce %q, %d files", len(vs), b.Index.Node, b.Index.Nonce, len(b.Files))
	}
	readme := string(b.Files[ReadmeFile])
	for _, want := range []string{"node-a", "posture.json.dsse.json", b.Index.Files[1].SHA256, "cairnctl evidence verify"} {
		if !strings.Contains(readme, want) {
			t.Errorf("README does not mention %q:\n%s", want, readme)
		}
	}
}

// TestWriteRefuses: a bundle is made only of evidence that verifies and belongs together.
func TestWriteRefuses(t *testing.T) {
	f := newFixture(t)
	good := f.entries(t, "n0nce")
	tampered := append([]Entry(nil), good...)
	tampered[1].Data = []byte(`{"role":"controlplane"}`)
	mixed := append(append([]Entry(nil), good...), f.entry(t, "kube-bench.json", attest.KindChecks, "another", []byte(`{}`), true))
	reserved := append([]Entry(nil), good...)
	reserved[0].Name = IndexFile
	for name, entries := range map[string][]Entry{"tampered": tampered, "another nonce": mixed, "reserved name": reserved, "empty": nil} {
		if _, err := Write(&bytes.Buffer{}, entries, f.ca.CertPool(), time.Now()); err == nil {
			t.Errorf("Write(%s) = nil error", name)
		}
	}
}

// TestVerifyRefusesTampering: any change to a bundle's files, index or statements is found.
func TestVerifyRefusesTampering(t *testing.T) {
	f := newFixture(t)
	good := f.write(t, f.entries(t, "n0nce"))
	foreign := f.entry(t, "posture.json", attest.KindPosture, "another", []byte(`{"role":"worker"}`), true)
	tests := []struct {
		name string
		edit func(b *Bundle)
		want string
	}{
		{"file changed", func(b *Bundle) { b.Files["checks.json"] = []byte(`[{"id":"H.1","verdict":"FAIL"}]`) }, "sha256"},
		{"file and index changed", func(b *Bundle) {
			d := []byte(`[{"id":"H.1","verdict":"FAIL"}]`)
			b.Files["checks.json"] = d
			b.Index.Files[2].Size, b.Index.Files[2].SHA256 = int64(len(d)), digest(d)
		}, "the statement's subject"},
		{"file removed", func(b *Bundle) { delete(b.Files, "posture.json") }, "lacks"},
		{"statement removed", func(b *Bundle) { delete(b.Files, "posture.json.dsse.json") }, "lacks"},
		{"file added", func(b *Bundle) { b.Files["extra.json"] = []byte("{}") }, "not in index.json"},
		{"statement of another request", func(b *Bundle) {
			b.Files["posture.json.dsse.json"] = foreign.Signed
			b.Index.Files[1].StatementSHA256 = digest(foreign.Signed)
		}, `nonce "another"`},
		{"kind changed in the index", func(b *Bundle) { b.Index.Files[1].Kind = attest.KindInventory }, "index.json says inventory"},
		{"index lists a file twice", func(b *Bundle) { b.Index.Files = append(b.Index.Files, b.Index.Files[0]) }, "twice"},
		{"nonce changed in the index", func(b *Bundle) { b.Index.Nonce = "mine" }, `nonce "n0nce"`},
		{"README removed", func(b *Bundle) { delete(b.Files, ReadmeFile) }, "README"},
	}
	for _, tt := range tests {
		b, err := Read(bytes.NewReader(rewrite(t, good, tt.edit)))
		if err == nil {
			_, err = Verify(b, f.ca.CertPool())
		}
		if err == nil || !errors.Is(err, attest.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Verify(%s) = %v, want ErrInvalid naming %q", tt.name, err, tt.want)
		}
	}
	b, err := Read(bytes.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(b, f.other.CertPool()); err == nil || !strings.Contains(err.Error(), "not one the OS CA issued") {
		t.Errorf("Verify(another CA) = %v", err)
	}
}

// TestReadRefuses: archives that are not bundles, or try to be more than files in a
// directory, are refused before anything is verified.
func TestReadRefuses(t *testing.T) {
	idx := `{"format":"` + Format + `","files":[]}`
	link := func() []byte {
		var buf bytes.Buffer
		gz := gzip.NewWriter(&buf)
		tw := tar.NewWriter(gz)
		_ = tw.WriteHeader(&tar.Header{Name: Dir + "/posture.json", Typeflag: tar.TypeSymlink, Linkname: "/etc/shadow"})
		_ = tw.Close()
		_ = gz.Close()
		return buf.Bytes()
	}()
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"not gzip", []byte("PK\x03\x04"), "not a gzip archive"},
		{"no index", archive(t, Dir+"/README.md", "x"), "no cairn-evidence/index.json"},
		{"outside the directory", archive(t, "etc/passwd", "x", Dir+"/index.json", idx), "only regular files under"},
		{"climbs out", archive(t, Dir+"/../x", "x"), "not a plain file name"},
		{"symlink", link, "only regular files"},
		{"twice", archive(t, Dir+"/index.json", idx, Dir+"/index.json", idx), "a second file"},
		{"unknown index field", archive(t, Dir+"/index.json", `{"format":"`+Format+`","extra":1}`), "unknown field"},
		{"other format", archive(t, Dir+"/index.json", `{"format":"v0"}`), `format "v0"`},
		{"trailing index data", archive(t, Dir+"/index.json", idx+"{}"), "data after"},
	}
	for _, tt := range tests {
		_, err := Read(bytes.NewReader(tt.data))
		if err == nil || !errors.Is(err, attest.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Read(%s) = %v, want ErrInvalid naming %q", tt.name, err, tt.want)
		}
	}
}

// FuzzReadVerify: a bundle comes from an auditor's disk; whatever it holds, Read and Verify
// end with a verdict, and Verify accepts only statements of the test CA's node.
func FuzzReadVerify(f *testing.F) {
	fx := newFixture(f)
	good := fx.write(f, fx.entries(f, "n0nce"))
	f.Add(good)
	f.Add(archive(f, Dir+"/index.json", `{"format":"`+Format+`","files":[{"name":"a","statement":"a.dsse.json"}]}`, Dir+"/a", "x"))
	f.Add([]byte{0x1f, 0x8b})
	roots := fx.ca.CertPool()
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		vs, err := Verify(b, roots)
		for _, v := range vs {
			if err == nil && v.Signer.Subject.CommonName != "node-a" {
				t.Fatalf("Verify accepted a statement signed by %s", v.Signer.Subject)
			}
		}
	})
}
