package pki

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestJoinRequest(t *testing.T) {
	source := net.ParseIP("10.5.0.7")
	lo := []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	tests := []struct {
		name    string
		csr     x509.CertificateRequest
		want    Request
		wantErr string
	}{
		{
			name: "own address, name and loopback",
			csr: x509.CertificateRequest{Subject: pkix.Name{CommonName: "worker-1", Organization: []string{"os:admin"}, OrganizationalUnit: []string{ControlPlaneUnit}},
				DNSNames: []string{"worker-1", "localhost"}, IPAddresses: append([]net.IP{source}, lo...)},
			want: Request{CommonName: "worker-1", OrganizationalUnit: []string{WorkerUnit}, DNSNames: []string{"worker-1", "localhost"},
				IPAddresses: append([]net.IP{source}, lo...), Usage: ServerAuth},
		},
		{
			name:    "another node's address",
			csr:     x509.CertificateRequest{Subject: pkix.Name{CommonName: "worker-1"}, IPAddresses: []net.IP{net.ParseIP("10.5.0.2")}},
			wantErr: "IP address 10.5.0.2: a joining node may name only the address it connects from (10.5.0.7) and loopback",
		},
		{
			name:    "another loopback address",
			csr:     x509.CertificateRequest{Subject: pkix.Name{CommonName: "worker-1"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.2")}},
			wantErr: "IP address 127.0.0.2",
		},
		{
			name:    "another DNS name",
			csr:     x509.CertificateRequest{Subject: pkix.Name{CommonName: "worker-1"}, DNSNames: []string{"cp-1"}},
			wantErr: `DNS name "cp-1": a joining node may name only itself ("worker-1") and localhost`,
		},
		{
			name:    "common name with a newline",
			csr:     x509.CertificateRequest{Subject: pkix.Name{CommonName: "w\n\x1b[31m"}},
			wantErr: `common name "w\n\x1b[31m" is not a host name`,
		},
		{
			name:    "no common name",
			csr:     x509.CertificateRequest{},
			wantErr: `common name "" is not a host name`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := JoinRequest(&tt.csr, source)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrInvalidRequest) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("JoinRequest() = %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("JoinRequest() = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("JoinRequest() differs (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := JoinRequest(&x509.CertificateRequest{Subject: pkix.Name{CommonName: "w"}}, nil); err == nil {
		t.Errorf("JoinRequest() with no source address = nil, want an error")
	}
}

func TestIsControlPlane(t *testing.T) {
	ca := newTestCA(t)
	for _, tt := range []struct {
		units []string
		want  bool
	}{
		{[]string{ControlPlaneUnit}, true},
		{[]string{WorkerUnit}, false},
		{nil, false},
		{[]string{ControlPlaneUnit, WorkerUnit}, false},
	} {
		kp, err := ca.Issue(Request{CommonName: "n", OrganizationalUnit: tt.units, Usage: ServerAuth, Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		if got := IsControlPlane(kp.Certificate); got != tt.want {
			t.Errorf("IsControlPlane(OU=%q) = %v, want %v", tt.units, got, tt.want)
		}
	}
}

func FuzzJoinRequest(f *testing.F) {
	f.Add("worker-1", "localhost", []byte{10, 5, 0, 7})
	f.Fuzz(func(t *testing.T, cn, dns string, ip []byte) {
		csr := &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn}, DNSNames: []string{dns}, IPAddresses: []net.IP{ip}}
		r, err := JoinRequest(csr, net.ParseIP("10.5.0.7"))
		if err != nil {
			return
		}
		if r.OrganizationalUnit[0] != WorkerUnit || !isHostname(r.CommonName) {
			t.Fatalf("JoinRequest(%q) = %+v", cn, r)
		}
		for _, a := range r.IPAddresses {
			if !a.Equal(net.ParseIP("10.5.0.7")) && !a.IsLoopback() {
				t.Fatalf("JoinRequest certifies %s", a)
			}
		}
	})
}
