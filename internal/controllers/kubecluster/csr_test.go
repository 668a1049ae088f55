package kubecluster

import (
	"encoding/pem"
	"net"
	"strings"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// csrPEM is a PEM CSR with subject CN=cn,O=orgs and the given SANs.
func csrPEM(t testing.TB, cn string, orgs []string, dns []string, ips ...string) []byte {
	t.Helper()
	key, err := pki.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	r := pki.Request{CommonName: cn, Organization: orgs, DNSNames: dns}
	for _, ip := range ips {
		r.IPAddresses = append(r.IPAddresses, net.ParseIP(ip))
	}
	csr, err := pki.NewCSR(key, r)
	if err != nil {
		t.Fatal(err)
	}
	return csr
}

// servingCSR is the CSR a kubelet of node name sends for its serving certificate.
func servingCSR(name string, req []byte) *CSR {
	c := &CSR{}
	c.Metadata.Name = "csr-" + name
	c.Spec.Request = req
	c.Spec.SignerName = KubeletServingSigner
	c.Spec.Usages = []string{"digital signature", "server auth"}
	c.Spec.Username = "system:node:" + name
	c.Spec.Groups = []string{"system:nodes", "system:authenticated"}
	return c
}

// testNode is a Node with addresses: Hostname name, InternalIP ip.
func testNode(name, ip string) *Node {
	n := &Node{}
	n.Metadata.Name = name
	n.Status.Addresses = []NodeAddress{{"Hostname", name}, {"InternalIP", ip}}
	return n
}

func TestServingDecision(t *testing.T) {
	nodes := []string{"system:nodes"}
	good := csrPEM(t, "system:node:w1", nodes, []string{"w1"}, "10.5.0.3")
	for _, tc := range []struct {
		name   string
		csr    *CSR
		node   *Node
		reason string // empty: approve
	}{
		{"good", servingCSR("w1", good), testNode("w1", "10.5.0.3"), ""},
		{"good, IP only", servingCSR("w1", csrPEM(t, "system:node:w1", nodes, nil, "10.5.0.3")), testNode("w1", "10.5.0.3"), ""},
		{"RSA usages", func() *CSR {
			c := servingCSR("w1", good)
			c.Spec.Usages = []string{"key encipherment", "digital signature", "server auth"}
			return c
		}(), testNode("w1", "10.5.0.3"), ""},
		{"wrong name in request", servingCSR("w1", csrPEM(t, "system:node:w2", nodes, []string{"w1"})), testNode("w1", "10.5.0.3"), `subject "CN=system:node:w2,O=system:nodes" is not CN=system:node:w1`},
		{"wrong organization", servingCSR("w1", csrPEM(t, "system:node:w1", []string{"system:masters"}, []string{"w1"})), testNode("w1", "10.5.0.3"), "is not CN=system:node:w1,O=system:nodes"},
		{"extra DNS SAN", servingCSR("w1", csrPEM(t, "system:node:w1", nodes, []string{"w1", "kubernetes.default"}, "10.5.0.3")), testNode("w1", "10.5.0.3"), `DNS name "kubernetes.default" is not an address of node "w1"`},
		{"extra IP SAN", servingCSR("w1", csrPEM(t, "system:node:w1", nodes, []string{"w1"}, "10.5.0.3", "10.96.0.1")), testNode("w1", "10.5.0.3"), `IP address 10.96.0.1 is not an address of node "w1"`},
		{"another node's IP", servingCSR("w1", good), testNode("w1", "10.5.0.4"), "IP address 10.5.0.3 is not an address"},
		{"no SAN", servingCSR("w1", csrPEM(t, "system:node:w1", nodes, nil)), testNode("w1", "10.5.0.3"), "names no DNS name or IP address"},
		{"client usage", func() *CSR {
			c := servingCSR("w1", good)
			c.Spec.Usages = []string{"digital signature", "server auth", "client auth"}
			return c
		}(), testNode("w1", "10.5.0.3"), `usage "client auth" is not a serving usage`},
		{"no server auth", func() *CSR { c := servingCSR("w1", good); c.Spec.Usages = []string{"digital signature"}; return c }(), testNode("w1", "10.5.0.3"), "lack server auth"},
		{"requester not a node", func() *CSR { c := servingCSR("w1", good); c.Spec.Username = "admin"; return c }(), testNode("w1", "10.5.0.3"), `requester "admin" is not a node`},
		{"requester another node", func() *CSR { c := servingCSR("w1", good); c.Spec.Username = "system:node:w2"; return c }(), testNode("w2", "10.5.0.3"), "is not CN=system:node:w2"},
		{"requester not in system:nodes", func() *CSR { c := servingCSR("w1", good); c.Spec.Groups = []string{"system:authenticated"}; return c }(), testNode("w1", "10.5.0.3"), "not in group system:nodes"},
		{"other signer", func() *CSR {
			c := servingCSR("w1", good)
			c.Spec.SignerName = "kubernetes.io/kube-apiserver-client"
			return c
		}(), testNode("w1", "10.5.0.3"), "is not kubernetes.io/kubelet-serving"},
		{"no node", servingCSR("w1", good), nil, `node "w1" not found`},
		{"not PEM", servingCSR("w1", []byte("hello")), testNode("w1", "10.5.0.3"), "not one PEM CERTIFICATE REQUEST"},
		{"two PEM blocks", servingCSR("w1", append(append([]byte{}, good...), good...)), testNode("w1", "10.5.0.3"), "not one PEM CERTIFICATE REQUEST"},
		{"bad signature", servingCSR("w1", corrupt(good)), testNode("w1", "10.5.0.3"), "request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, reason := ServingDecision(tc.csr, tc.node)
			if tc.reason == "" && !ok {
				t.Errorf("ServingDecision = false, %q; want approval", reason)
			}
			if tc.reason != "" && (ok || !strings.Contains(reason, tc.reason)) {
				t.Errorf("ServingDecision = %v, %q; want pending because %q", ok, reason, tc.reason)
			}
		})
	}
}

// corrupt flips a bit in the signature of a PEM CSR.
func corrupt(p []byte) []byte {
	block, _ := pem.Decode(p)
	der := append([]byte{}, block.Bytes...)
	der[len(der)-3] ^= 1
	return pem.EncodeToMemory(&pem.Block{Type: block.Type, Bytes: der})
}

func FuzzServingDecision(f *testing.F) {
	f.Add(csrPEM(f, "system:node:w1", []string{"system:nodes"}, []string{"w1"}, "10.5.0.3"))
	f.Add(csrPEM(f, "system:node:w1", []string{"system:nodes"}, []string{"w1", "evil"}))
	f.Add([]byte("-----BEGIN CERTIFICATE REQUEST-----\nMAA=\n-----END CERTIFICATE REQUEST-----\n"))
	node := testNode("w1", "10.5.0.3")
	f.Fuzz(func(t *testing.T, req []byte) {
		ok, _ := ServingDecision(servingCSR("w1", req), node)
		if !ok {
			return
		}
		r, err := parseRequest(req)
		if err != nil || r.Subject.CommonName != "system:node:w1" || len(r.DNSNames)+len(r.IPAddresses) == 0 {
			t.Fatalf("approved %q", req)
		}
		for _, d := range r.DNSNames {
			if !strings.EqualFold(d, "w1") {
				t.Fatalf("approved DNS name %q", d)
			}
		}
		for _, ip := range r.IPAddresses {
			if !ip.Equal(net.ParseIP("10.5.0.3")) {
				t.Fatalf("approved IP %s", ip)
			}
		}
	})
}
