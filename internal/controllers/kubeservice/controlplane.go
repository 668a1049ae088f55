package kubeservice

import "net/netip"

// tlsCiphers are the strong TLS 1.2 suites (CIS 1.2.x, 4.2.12); TLS 1.3 suites are fixed.
const tlsCiphers = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"

func (p *params) url(port int) string {
	return "https://" + netip.AddrPortFrom(p.node.IP, uint16(port)).String()
}

func (p *params) etcdFlags() flagSet {
	name := p.node.Name
	initial, state := name+"="+p.url(2380), "new"
	if p.node.InitialCluster != "" {
		initial, state = p.node.InitialCluster, "existing"
	}
	return flagSet{
		"name": name, "data-dir": etcdDataDir,
		"listen-client-urls":          "https://127.0.0.1:2379," + p.url(2379),
		"advertise-client-urls":       p.url(2379),
		"listen-peer-urls":            p.url(2380),
		"initial-advertise-peer-urls": p.url(2380),
		"initial-cluster":             initial,
		"initial-cluster-state":       state,
		"listen-metrics-urls":         "http://127.0.0.1:2381",
		"cert-file":                   etcdPath("server.crt"), "key-file": etcdPath("server.key"),
		"trusted-ca-file": etcdPath("ca.crt"), "client-cert-auth": "true",
		"peer-cert-file": etcdPath("peer.crt"), "peer-key-file": etcdPath("peer.key"),
		"peer-trusted-ca-file": etcdPath("ca.crt"), "peer-client-cert-auth": "true",
		"auto-tls": "false", "peer-auto-tls": "false",
		"tls-min-version": "TLS1.3",
		"snapshot-count":  "10000",
	}.with(p.cfg.Cluster.Etcd.ExtraArgs)
}

func (p *params) apiServerFlags() flagSet {
	f := flagSet{
		"advertise-address": p.node.IP.String(), "secure-port": "6443",
		"allow-privileged": "true", "authorization-mode": "Node,RBAC",
		"enable-admission-plugins": "NodeRestriction", "enable-bootstrap-token-auth": "true",
		"authentication-config": authnConf, "profiling": "false",
		"client-ca-file": pkiPath("ca.crt"),
		"etcd-servers":   "https://127.0.0.1:2379", "etcd-cafile": etcdPath("ca.crt"),
		"etcd-certfile": pkiPath("apiserver-etcd-client.crt"), "etcd-keyfile": pkiPath("apiserver-etcd-client.key"),
		"kubelet-client-certificate":         pkiPath("apiserver-kubelet-client.crt"),
		"kubelet-client-key":                 pkiPath("apiserver-kubelet-client.key"),
		"kubelet-certificate-authority":      pkiPath("ca.crt"),
		"kubelet-preferred-address-types":    "InternalIP,ExternalIP,Hostname",
		"proxy-client-cert-file":             pkiPath("front-proxy-client.crt"),
		"proxy-client-key-file":              pkiPath("front-proxy-client.key"),
		"requestheader-allowed-names":        "front-proxy-client",
		"requestheader-client-ca-file":       pkiPath("front-proxy-ca.crt"),
		"requestheader-extra-headers-prefix": "X-Remote-Extra-",
		"requestheader-group-headers":        "X-Remote-Group",
		"requestheader-username-headers":     "X-Remote-User",
		"service-account-issuer":             "https://kubernetes.default.svc." + p.dnsDomain,
		"service-account-key-file":           pkiPath("sa.pub"),
		"service-account-signing-key-file":   pkiPath("sa.key"),
		"service-account-lookup":             "true",
		// CIS 1.2.30: projected tokens expire when they say (the kubelet renews them at 80% of
		// their life), not a year later as the extension for legacy clients allows.
		"service-account-extend-token-expiration": "false",
		"service-cluster-ip-range":                p.serviceCIDR,
		"tls-cert-file":                           pkiPath("apiserver.crt"), "tls-private-key-file": pkiPath("apiserver.key"),
		"tls-min-version": "VersionTLS13", "tls-cipher-suites": tlsCiphers,
		"audit-policy-file": auditPolicy, "audit-log-path": APIServerAuditLog,
		"audit-log-maxage": "30", "audit-log-maxbackup": "10", "audit-log-maxsize": "100",
		"encryption-provider-config": encryptionConf,
	}
	p.gates(f)
	return f.with(p.cfg.Cluster.APIServer.ExtraArgs)
}

func (p *params) controllerManagerFlags() flagSet {
	conf := kubeDir + "/controller-manager.conf"
	f := flagSet{
		"kubeconfig": conf, "authentication-kubeconfig": conf, "authorization-kubeconfig": conf,
		"bind-address": "127.0.0.1", "client-ca-file": pkiPath("ca.crt"),
		"cluster-name": p.cfg.Cluster.Name, "controllers": "*,bootstrapsigner,tokencleaner",
		"cluster-signing-cert-file": pkiPath("ca.crt"), "cluster-signing-key-file": pkiPath("ca.key"),
		"requestheader-client-ca-file":     pkiPath("front-proxy-ca.crt"),
		"root-ca-file":                     pkiPath("ca.crt"),
		"service-account-private-key-file": pkiPath("sa.key"),
		"use-service-account-credentials":  "true", "profiling": "false",
		"allocate-node-cidrs": "true", "cluster-cidr": p.podCIDR, "node-cidr-mask-size": "24",
		"service-cluster-ip-range": p.serviceCIDR, "terminated-pod-gc-threshold": "10",
		"tls-min-version": "VersionTLS13",
		"tls-cert-file":   pkiPath("controller-manager.crt"), "tls-private-key-file": pkiPath("controller-manager.key"),
	}
	leaderElection(f)
	p.gates(f)
	return f.with(p.cfg.Cluster.ControllerManager.ExtraArgs)
}

func (p *params) schedulerFlags() flagSet {
	conf := kubeDir + "/scheduler.conf"
	f := flagSet{
		"kubeconfig": conf, "authentication-kubeconfig": conf, "authorization-kubeconfig": conf,
		"bind-address": "127.0.0.1", "profiling": "false",
		"tls-min-version": "VersionTLS13",
		"tls-cert-file":   pkiPath("scheduler.crt"), "tls-private-key-file": pkiPath("scheduler.key"),
	}
	leaderElection(f)
	p.gates(f)
	return f.with(p.cfg.Cluster.Scheduler.ExtraArgs)
}

// leaderElection: the controller-manager and the scheduler elect a leader (several control
// planes run one each), with a lease of 60 s renewed within 40 s, asked every 10 s, instead
// of 15/10/2 s: an apiserver that answers slowly for a while (a busy control plane's first
// start; a node under emulation) no longer makes them lose the lease and exit, which
// restarted them and slowed the start further, and the lease costs the apiserver a fifth of
// the writes. A new leader takes over within a minute of the old one's end.
func leaderElection(f flagSet) {
	f["leader-elect"] = "true"
	f["leader-elect-lease-duration"] = "60s"
	f["leader-elect-renew-deadline"] = "40s"
	f["leader-elect-retry-period"] = "10s"
}

// gates adds --feature-gates when the configuration sets any.
func (p *params) gates(f flagSet) {
	if p.featureGates != "" {
		f["feature-gates"] = p.featureGates
	}
}
