package facts

import (
	"encoding/json"
	"net/netip"
	"path"
	"strings"
	"testing"
	"time"
)

const netSeed = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:2808 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 23456 1 0000000000000000 100 0 0 10 0
   1: 0200050A:C350 0300050A:D431 01 00000000:00000000 00:00000000 00000000     0        0 23457 1 0000000000000000 100 0 0 10 0
`

const net6Seed = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:280A 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:0035 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 778 2 0000000000000000 0
`

// TestParseNetTable: listening TCP and bound UDP sockets are kept, connected ones are not;
// IPv4-mapped addresses read as IPv4.
func TestParseNetTable(t *testing.T) {
	got, err := ParseNetTable("tcp", []byte(netSeed))
	if err != nil || len(got) != 1 || got[0].Addr != "127.0.0.1" || got[0].Port != 10248 || got[0].Inode != 23456 {
		t.Errorf("ParseNetTable(tcp) = %+v, %v", got, err)
	}
	got, err = ParseNetTable("udp6", []byte(net6Seed))
	if err != nil || len(got) != 1 || got[0].Addr != "127.0.0.1" || got[0].Port != 53 || got[0].UID != 101 {
		t.Errorf("ParseNetTable(udp6) = %+v, %v", got, err)
	}
	if _, err := ParseNetTable("tcp", []byte("h\n 0: 0100007F 00000000:0000 0A a b c 0 0 1\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("ParseNetTable(bad) = %v, want an error naming line 2", err)
	}
}

func FuzzParseNetTable(f *testing.F) {
	f.Add("tcp", []byte(netSeed))
	f.Add("udp6", []byte(net6Seed))
	f.Add("tcp6", []byte("x\n 0: 0:0 0:0 0A 0 0 0 0 0 0\n"))
	f.Fuzz(func(t *testing.T, proto string, data []byte) {
		socks, err := ParseNetTable(proto, data)
		if err != nil {
			return
		}
		if len(socks) > maxSockets {
			t.Fatalf("%d sockets, more than the cap %d", len(socks), maxSockets)
		}
		for _, s := range socks {
			if _, err := netip.ParseAddr(s.Addr); err != nil {
				t.Fatalf("socket address %q: %v", s.Addr, err)
			}
		}
	})
}

// TestMountOfMalformed: a mount point the kernel never writes (empty, relative, not clean)
// holds nothing; CI's fuzzing found an empty one taken for "/".
func TestMountOfMalformed(t *testing.T) {
	for _, line := range []string{"1 0 0:1 /  rw - a b c\n", "1 0 0:1 / var rw - a b c\n", "1 0 0:1 / /var/ rw - a b c\n", "1 0 0:1 / /var/./lib rw - a b c\n"} {
		if m, err := MountOf([]byte(line), "/var/lib/x"); err == nil {
			t.Errorf("MountOf(%q) = %+v, want an error", line, m)
		}
		if m, err := RootMount([]byte(line)); err == nil {
			t.Errorf("RootMount(%q) = %+v, want an error", line, m)
		}
	}
	m, err := MountOf([]byte("1 0 0:1 / / ro - squashfs a ro\n2 1 0:2 / /var rw - tmpfs b rw\n3 2 0:3 / /var/lib/ rw - x c rw\n"), "/var/lib/x")
	if err != nil || m.Mountpoint != "/var" {
		t.Errorf("MountOf = %+v, %v; want /var", m, err)
	}
}

func FuzzRootMount(f *testing.F) {
	f.Add([]byte("20 1 7:0 / / ro,relatime - squashfs /dev/dm-0 ro\n21 20 0:5 / /proc rw - proc proc rw\n"))
	f.Add([]byte("1 0 8:1 / / rw shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n2 1 0:20 / / ro - overlay overlay ro\n"))
	f.Add([]byte(""))
	f.Add([]byte("1 0 0:1 /  rw - a b c\n"))
	f.Add([]byte("1 0 0:1 / /var/ rw - a b c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := RootMount(data)
		if err == nil && m.Mountpoint != "/" {
			t.Fatalf("RootMount = %+v, not /", m)
		}
		if m, err := MountOf(data, "/var/lib/x"); err == nil && m.Mountpoint != "/" && m.Mountpoint != "/var" && m.Mountpoint != "/var/lib" && m.Mountpoint != "/var/lib/x" {
			t.Fatalf("MountOf(/var/lib/x) = %+v, not a parent", m)
		}
	})
}

const kubeletSeed = `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: false
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
readOnlyPort: 0
tlsCipherSuites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]
featureGates:
  RotateKubeletServerCertificate: true
`

const encryptionSeed = `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - aescbc:
      keys:
      - name: key1
        secret: c2VjcmV0LWtleS0xMjM0NTY3ODkwMTIzNDU2
  - identity: {}
`

// TestParseEncryptionConfig: providers are named in order and the key never read.
func TestParseEncryptionConfig(t *testing.T) {
	c, err := ParseEncryptionConfig("/e.yaml", []byte(encryptionSeed))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(c)
	if strings.Contains(string(data), "c2VjcmV0") || strings.Contains(string(data), "key1") {
		t.Errorf("ParseEncryptionConfig kept key material: %s", data)
	}
	if len(c.Resources) != 1 || strings.Join(c.Resources[0].Providers, ",") != "aescbc,identity" {
		t.Errorf("ParseEncryptionConfig = %s", data)
	}
	if _, err := ParseEncryptionConfig("/e.yaml", []byte("kind: KubeletConfiguration\n")); err == nil || !strings.Contains(err.Error(), "/e.yaml") {
		t.Errorf("wrong kind: %v, want an error naming the file", err)
	}
}

func FuzzKubernetesConfigs(f *testing.F) {
	f.Add([]byte(kubeletSeed))
	f.Add([]byte(encryptionSeed))
	f.Add([]byte("kind: Policy\nrules:\n- level: Metadata\n  resources:\n  - group: \"\"\n    resources: [secrets]\n"))
	f.Add([]byte("kind: AuthenticationConfiguration\nanonymous:\n  enabled: true\n  conditions:\n  - path: /livez\n"))
	f.Add([]byte("kind: KubeProxyConfiguration\nmetricsBindAddress: 127.0.0.1:10249\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		done := make(chan struct{})
		go func() { defer close(done); parseConfigs(t, data) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("parsing %q takes more than 5 s", data)
		}
	})
}

// parseConfigs runs every configuration parser on data and checks what they return.
func parseConfigs(t *testing.T, data []byte) {
	{
		if k, err := ParseKubeletConfig("/k", data); err == nil && k.Path != "/k" {
			t.Error("kubelet config lost its path")
		}
		_, _ = ParseProxyConfig("/p", data)
		_, _ = ParseAuthenticationConfig("/a", data)
		if p, err := ParseAuditPolicy("/a", data); err == nil && len(p.Rules) > maxConfigRules {
			t.Errorf("%d audit rules accepted", len(p.Rules))
		}
		if e, err := ParseEncryptionConfig("/e", data); err == nil {
			// Every provider name comes from the input (aliases may repeat it many times:
			// each distinct name is looked for once).
			seen := map[string]bool{}
			for _, r := range e.Resources {
				for _, p := range r.Providers {
					if !seen[p] && !strings.Contains(string(data), p) {
						t.Errorf("provider %q is not in the input", p)
					}
					seen[p] = true
				}
			}
		}
	}
}

func FuzzFlags(f *testing.F) {
	f.Add("kubelet\x00--config=/var/lib/kubelet/config.yaml\x00--node-ip\x0010.0.0.1\x00--v\x00--profiling")
	f.Add("x\x00---=\x00--\x00--a=b=c\x00-")
	f.Fuzz(func(t *testing.T, cmdline string) {
		for k := range Flags(ParseCmdline([]byte(cmdline))) {
			if k == "" || strings.HasPrefix(k, "-") {
				t.Fatalf("flag name %q", k)
			}
		}
	})
}

// TestFlags: the forms the Kubernetes components accept.
func TestFlags(t *testing.T) {
	got := Flags([]string{"kube-apiserver", "--a=1", "--b", "2", "--c", "--d=x", "--d=y", "pos", "-e=3", "--", "--f=4"})
	want := map[string]string{"a": "1", "b": "2", "c": "true", "d": "y", "e": "3"}
	if len(got) != len(want) {
		t.Fatalf("Flags = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Flags[%q] = %q, want %q", k, got[k], v)
		}
	}
}

func FuzzProcFiles(f *testing.F) {
	f.Add([]byte("0::/cairn/kubelet\n"), []byte("root:x:0:0:root:/root:/nonexistent\netcd:x:60:60::/:/\n"), "none [integrity] confidentiality", "GODEBUG=x=1,fips140=only")
	f.Add([]byte("12:cpu:/x\n0::/cairn/dev/etcd"), []byte("::\nbad:x:notanumber:\n"), "[", "fips140=")
	f.Fuzz(func(t *testing.T, cgroup, table []byte, lockdown, godebug string) {
		if svc := ServiceOf(ParseCgroup(cgroup)); strings.Contains(svc, "/") {
			t.Fatalf("service %q has a slash", svc)
		}
		_ = ParseIDNames(table)
		if mods := ParseModules(table); len(mods) > maxModules {
			t.Fatalf("%d modules", len(mods))
		}
		_ = ParseLockdown(lockdown)
		_ = GodebugFIPS(godebug)
	})
}

func FuzzCertificatesFromPEM(f *testing.F) {
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n"))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for i, c := range CertificatesFromPEM("/f.pem", data) {
			if c.Index != i || c.Path != "/f.pem" || len(c.SHA256) != 64 {
				t.Fatalf("certificate %d = %+v", i, c)
			}
		}
	})
}

// FuzzParseHandedLink: a /proc/PID/fd link names a handed file only as a clean absolute path.
func FuzzParseHandedLink(f *testing.F) {
	f.Add("/memfd:cairn-handed:/etc/kubernetes/scheduler.conf (deleted)")
	f.Add("/memfd:cairn-handed:../etc/shadow (deleted)")
	f.Add("socket:[12]")
	f.Fuzz(func(t *testing.T, link string) {
		p, ok := ParseHandedLink(link)
		if ok && (!path.IsAbs(p) || path.Clean(p) != p) {
			t.Fatalf("ParseHandedLink(%q) = %q", link, p)
		}
	})
}

// TestProcState: the state follows the command's last ')', which a command may hold itself.
func TestProcState(t *testing.T) {
	for stat, want := range map[string]byte{
		"783 (containerd-shim) Z 641 783 641 0 -1": 'Z',
		"12 (a) S (b) R 1 12":                      'R',
		"5 (runc:[2:INIT]) S 4 5":                  'S',
		"7 (x)":                                    0,
		"7 (x)Z":                                   0,
		"no parenthesis":                           0,
		"":                                         0,
	} {
		if got := procState([]byte(stat)); got != want {
			t.Errorf("procState(%q) = %q, want %q", stat, got, want)
		}
	}
}

func FuzzProcState(f *testing.F) {
	f.Add([]byte("783 (containerd-shim) Z 641 783 641 0 -1"))
	f.Add([]byte("12 (a) S (b) R 1 12"))
	f.Fuzz(func(t *testing.T, stat []byte) {
		s := procState(stat)
		if s == 0 {
			return
		}
		i := strings.LastIndexByte(string(stat), ')')
		if i < 0 || i+2 >= len(stat) || stat[i+2] != s {
			t.Fatalf("procState(%q) = %q, not the byte after the last \") \"", stat, s)
		}
	})
}
