package qemu

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/insomniacslk/dhcp/dhcpv4"
)

func req() Request {
	return Request{Name: "demo", Dir: "/s/demo", Image: "/img", Controlplanes: 1, Workers: 2, Memory: 512, CPUs: 1, DiskGiB: 8}
}

func TestNewPlan(t *testing.T) {
	p, err := NewPlan(req())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range p.Nodes {
		got = append(got, strings.Join([]string{n.Name, n.Type, n.IP.String(), n.MAC, n.Tap, n.Config}, " "))
	}
	want := []string{
		"demo-cp1 controlplane 10.5.0.2 52:54:00:ca:00:00 tap0 /s/demo/demo-cp1.yaml",
		"demo-w1 worker 10.5.0.3 52:54:00:ca:00:01 tap1 /s/demo/demo-w1.yaml",
		"demo-w2 worker 10.5.0.4 52:54:00:ca:00:02 tap2 /s/demo/demo-w2.yaml",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("NewPlan() nodes (-want +got):\n%s", diff)
	}
	if p.Netns != "cairn-demo" {
		t.Errorf("Netns = %q, want cairn-demo", p.Netns)
	}
}

func TestNewPlanRejects(t *testing.T) {
	r := req()
	r.Name, r.Controlplanes, r.Memory, r.CPUs, r.DiskGiB = "Bad_Name", 0, 10, 0, 0
	_, err := NewPlan(r)
	for _, w := range []string{`--name "Bad_Name"`, "--controlplanes 0", "--memory 10", "--cpus 0", "--disk 0"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("NewPlan(bad) = %v, want it to name %q", err, w)
		}
	}
}

func TestArgs(t *testing.T) {
	r := req()
	r.KernelArgs = []string{"cairn.hostname=x"}
	p, err := NewPlan(r)
	if err != nil {
		t.Fatal(err)
	}
	p.Accel = "tcg"
	args := strings.Join(p.Args(p.Nodes[0]), " ")
	for _, w := range []string{"-accel tcg", "-m 512", "-kernel /img/vmlinuz", "-initrd /img/initramfs",
		"console=ttyS0 panic=10 lockdown=integrity cairn.config=http://10.5.0.1:8080/config/demo-cp1 cairn.hostname=x",
		"tap,id=net0,ifname=tap0,script=no,downscript=no", "virtio-net-pci,netdev=net0,mac=52:54:00:ca:00:00",
		"file=/s/demo/demo-cp1.disk.raw,if=virtio", "path=/s/demo/demo-cp1.console.log"} {
		if !strings.Contains(args, w) {
			t.Errorf("Args() lacks %q:\n%s", w, args)
		}
	}
	r.NoConfig = true
	p, _ = NewPlan(r)
	if args := strings.Join(p.Args(p.Nodes[0]), " "); strings.Contains(args, "cairn.config") {
		t.Errorf("Args() without config has cairn.config:\n%s", args)
	}
}

func TestDHCPReply(t *testing.T) {
	p, _ := NewPlan(req())
	n := p.Nodes[1]
	mac, _ := net.ParseMAC(n.MAC)
	disc, err := dhcpv4.NewDiscovery(mac)
	if err != nil {
		t.Fatal(err)
	}
	offer, err := dhcpReply(disc, n)
	if err != nil {
		t.Fatal(err)
	}
	if offer.MessageType() != dhcpv4.MessageTypeOffer || !offer.YourIPAddr.Equal(net.ParseIP("10.5.0.3")) ||
		offer.HostName() != "demo-w1" || !offer.Router()[0].Equal(net.ParseIP("10.5.0.1")) {
		t.Errorf("offer = %s", offer.Summary())
	}
	request, err := dhcpv4.NewRequestFromOffer(offer)
	if err != nil {
		t.Fatal(err)
	}
	ack, err := dhcpReply(request, n)
	if err != nil || ack.MessageType() != dhcpv4.MessageTypeAck {
		t.Errorf("reply to REQUEST = %v, %v; want an ACK", ack, err)
	}
}

func TestConfigHandler(t *testing.T) {
	dir := t.TempDir()
	r := req()
	r.Dir = dir
	p, _ := NewPlan(r)
	if err := os.WriteFile(filepath.Join(dir, "demo-cp1.yaml"), []byte("machine: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(configHandler(discardLog(), p.Nodes))
	defer srv.Close()
	for _, tc := range []struct {
		path string
		code int
	}{{"/config/demo-cp1", 200}, {"/config/demo-w1", 500}, {"/config/other", 404}, {"/", 404}} {
		resp, err := http.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.code {
			t.Errorf("GET %s = %d, want %d", tc.path, resp.StatusCode, tc.code)
		}
	}
}
