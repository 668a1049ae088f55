package probe

const serialLog = "[   12.1] systemd[1]: Started ssh.service\r\n" +
	"\x1b[0;32mdebnode login: \x1b[0m\r\n" +
	"PROBE-BOOT-DONE uptime=31.52 state=running\r\n" +
	"===PROBE-BEGIN===\r\n" +
	"uptime 122.07 230.11\r\n" +
	"---ss -tulpn---\r\n" +
	"Netid State  Recv-Q Send-Q  Local Address:Port  Peer Address:PortProcess\r\n" +
	"udp   UNCONN 0      0      10.0.2.15%enp0s3:68        0.0.0.0:*    users:((\"systemd-network\",pid=210,fd=18))\r\n" +
	"tcp   LISTEN 0      4096        127.0.0.1:36335      0.0.0.0:*    users:((\"containerd\",pid=330,fd=10))\r\n" +
	"tcp   LISTEN 0      128           0.0.0.0:22         0.0.0.0:*    users:((\"sshd\",pid=331,fd=3))\r\n" +
	"tcp   LISTEN 0      128              [::]:22            [::]:*    users:((\"sshd\",pid=331,fd=4))\r\n" +
	"---free -m---\r\n" +
	"               total        used        free      shared  buff/cache   available\r\n" +
	"Mem:            1967         150        1700           0         120        1800\r\n" +
	"---meminfo---\r\n" +
	"MemTotal:        2014116 kB\r\n" +
	"MemFree:         1740000 kB\r\n" +
	"MemAvailable:    1843300 kB\r\n" +
	"Buffers:           12000 kB\r\n" +
	"---procs---\r\n" +
	"processes 97\r\n" +
	"---running services---\r\n" +
	"containerd.service\r\n" +
	"ssh.service\r\n" +
	"---systemd-analyze---\r\n" +
	"Startup finished in 2.1s (kernel) + 25.3s (userspace) = 27.4s\r\n" +
	"===PROBE-END===\r\n"

const psOut = `    1     0 11520 systemd
    2     0     0 kthreadd
    3     2     0 rcu_gp
  200     1  9000 systemd-journal
  331     1  7680 sshd
  400   331  9216 sshd
  401   400  5120 sshd
  402   401  3072 sh
  403   402  3500 ps
  330     1 40960 containerd
`
