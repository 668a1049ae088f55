package config

// kubernetesCases are the rules of the Kubernetes section beyond single fields: subnet lists
// as kube-apiserver and kube-controller-manager take them, and feature gates.
var kubernetesCases = []validationCase{
	{name: "endpoint http", mutate: func(c *Config) { c.Cluster.ControlPlane.Endpoint = "http://192.0.2.10:6443" }, want: []string{
		`cluster.controlPlane.endpoint: "http://192.0.2.10:6443" must be https://host:port`}},
	{name: "endpoint no URL", mutate: func(c *Config) { c.Cluster.ControlPlane.Endpoint = "192.0.2.10:6443" }, want: []string{
		`cluster.controlPlane.endpoint: "192.0.2.10:6443" must be https://host:port`}},
	{name: "endpoint path", mutate: func(c *Config) { c.Cluster.ControlPlane.Endpoint = "https://cp.example:6443/api" }, want: []string{
		`cluster.controlPlane.endpoint: "https://cp.example:6443/api" must be https://host:port`}},
	{name: "endpoint port", mutate: func(c *Config) { c.Cluster.ControlPlane.Endpoint = "https://cp.example:0" }, want: []string{
		`cluster.controlPlane.endpoint: "https://cp.example:0" must be https://host:port`}},
	{name: "dns domain", mutate: func(c *Config) { c.Cluster.Network.DNSDomain = "-cluster.local" }, want: []string{
		`cluster.network.dnsDomain: "-cluster.local" is not a valid DNS name`}},
	{name: "pod subnet not a CIDR", mutate: func(c *Config) { c.Cluster.Network.PodSubnets = []string{"10.244.0.0/33", "10.244.0.0"} }, want: []string{
		`cluster.network.podSubnets[0]: "10.244.0.0/33" is not a valid CIDR`, `cluster.network.podSubnets[1]: "10.244.0.0" is not a valid CIDR`}},
	{name: "pod subnets overlap each other", mutate: func(c *Config) { c.Cluster.Network.PodSubnets = []string{"10.244.0.0/16", "10.244.8.0/21"} }, want: []string{
		`cluster.network.podSubnets[1]: "10.244.8.0/21" overlaps cluster.network.podSubnets[0] "10.244.0.0/16"`}},
	{name: "service subnets overlap each other", mutate: func(c *Config) { c.Cluster.Network.ServiceSubnets = []string{"10.96.0.0/12", "10.100.0.0/16"} }, want: []string{
		`cluster.network.serviceSubnets[1]: "10.100.0.0/16" overlaps cluster.network.serviceSubnets[0] "10.96.0.0/12"`}},
	{name: "two pod subnets", mutate: func(c *Config) { c.Cluster.Network.PodSubnets = []string{"10.244.0.0/16", "10.245.0.0/16"} }, want: []string{
		`cluster.network.podSubnets[1]: "10.245.0.0/16" is a second range after cluster.network.podSubnets[0]: the node runs Kubernetes on one`}},
	{name: "dual stack", mutate: func(c *Config) {
		c.Cluster.Network.PodSubnets = []string{"10.244.0.0/16", "fd00:244::/56"}
		c.Cluster.Network.ServiceSubnets = []string{"fd00:96::/108", "10.96.0.0/12"}
	}, want: []string{
		`cluster.network.podSubnets[1]: "fd00:244::/56" is not supported: the node runs Kubernetes over IPv4 only`,
		`cluster.network.serviceSubnets[0]: "fd00:96::/108" is not supported: the node runs Kubernetes over IPv4 only`}},
	{name: "pod subnet smaller than a node range", mutate: func(c *Config) { c.Cluster.Network.PodSubnets = []string{"10.244.0.0/25"} }, want: []string{
		`cluster.network.podSubnets[0]: "10.244.0.0/25" is smaller than the /24 each node gets: use /24 or shorter`}},
	{name: "pod subnet of one node", mutate: func(c *Config) { c.Cluster.Network.PodSubnets = []string{"10.244.0.0/24"} }},
	{name: "service subnet too small for DNS", mutate: func(c *Config) { c.Cluster.Network.ServiceSubnets = []string{"10.96.0.0/29"} }, want: []string{
		`cluster.network.serviceSubnets[0]: "10.96.0.0/29" is too small: cluster DNS takes its tenth address (use /28 or larger)`}},
	{name: "service subnet of 16 addresses", mutate: func(c *Config) { c.Cluster.Network.ServiceSubnets = []string{"10.96.0.0/28"} }},
	{name: "service subnet overlaps the pod subnet", mutate: func(c *Config) {
		c.Cluster.Network.PodSubnets = []string{"10.0.0.0/8"}
		c.Cluster.Network.ServiceSubnets = []string{"10.96.0.0/12"}
	}, want: []string{`cluster.network.serviceSubnets[0]: "10.96.0.0/12" overlaps cluster.network.podSubnets[0] "10.0.0.0/8"`}},
	{name: "feature gates", mutate: func(c *Config) {
		c.Cluster.FeatureGates = map[string]bool{"ImageVolume": false, "ClusterTrustBundle": true, "AllBeta": true}
	}},
	{name: "feature gate unknown", mutate: func(c *Config) { c.Cluster.FeatureGates = map[string]bool{"NoSuchGate": true} }, want: []string{
		`cluster.featureGates["NoSuchGate"]: "NoSuchGate" is not a feature gate of Kubernetes v1.35.8`}},
	{name: "feature gate case", mutate: func(c *Config) { c.Cluster.FeatureGates = map[string]bool{"imageVolume": true} }, want: []string{
		`cluster.featureGates["imageVolume"]: "imageVolume" is not a feature gate of Kubernetes v1.35.8 (did you mean ImageVolume?)`}},
	{name: "feature gate locked", mutate: func(c *Config) {
		c.Cluster.FeatureGates = map[string]bool{"InPlacePodVerticalScaling": false, "KubeletTracing": true}
	}, want: []string{`cluster.featureGates["InPlacePodVerticalScaling"]: "false" cannot be set: the gate is GA and locked to true`}},
	{name: "feature gate dependency", mutate: func(c *Config) { c.Cluster.FeatureGates = map[string]bool{"ClusterTrustBundleProjection": true} }, want: []string{
		`cluster.featureGates["ClusterTrustBundleProjection"]: "true" leaves ClusterTrustBundleProjection enabled and ClusterTrustBundle, which it needs, disabled`}},
	{name: "feature gate dependency disabled", mutate: func(c *Config) { c.Cluster.FeatureGates = map[string]bool{"UserNamespacesSupport": false} }, want: []string{
		`cluster.featureGates["UserNamespacesSupport"]: "false" leaves ProcMountType enabled and UserNamespacesSupport, which it needs, disabled`}},
	{name: "feature gate dependency by AllAlpha", mutate: func(c *Config) {
		c.Cluster.FeatureGates = map[string]bool{"AllAlpha": true, "UserNamespacesSupport": false, "ProcMountType": false}
	}, want: []string{
		`cluster.featureGates["AllAlpha"]: "true" leaves UserNamespacesHostNetworkSupport enabled and UserNamespacesSupport, which it needs, disabled`}},
	{name: "feature gate dependency by AllBeta", mutate: func(c *Config) { c.Cluster.FeatureGates = map[string]bool{"AllBeta": false, "ProcMountType": true} }, want: []string{
		`cluster.featureGates["ProcMountType"]: "true" leaves ProcMountType enabled and UserNamespacesSupport, which it needs, disabled`}},
	{name: "feature gates every problem", mutate: func(c *Config) {
		c.Cluster.FeatureGates = map[string]bool{"Bogus": true, "KubeletTracing": false, "ClusterTrustBundleProjection": true}
	}, want: []string{
		`cluster.featureGates["Bogus"]: "Bogus" is not a feature gate of Kubernetes v1.35.8`,
		`cluster.featureGates["KubeletTracing"]: "false" cannot be set: the gate is GA and locked to true`,
		`cluster.featureGates["ClusterTrustBundleProjection"]: "true" leaves ClusterTrustBundleProjection enabled and ClusterTrustBundle, which it needs, disabled`}},
	{name: "feature gates flag", mutate: func(c *Config) {
		c.Cluster.APIServer.ExtraArgs = map[string]string{"feature-gates": "A=true"}
		c.Cluster.Scheduler.ExtraArgs = map[string]string{"feature-gates": "A=true"}
		c.Cluster.ControllerManager.ExtraArgs = map[string]string{"feature-gates": "A=true", "cluster-cidr": "10.0.0.0/8"}
		c.Machine.Kubelet.ExtraArgs = map[string]string{"feature-gates": "A=true"}
	}, want: []string{
		`machine.kubelet.extraArgs["feature-gates"]: "A=true" is managed by Cairn and cannot be set`,
		`cluster.apiServer.extraArgs["feature-gates"]: "A=true" is managed by Cairn and cannot be set`,
		`cluster.controllerManager.extraArgs["cluster-cidr"]: "10.0.0.0/8" is managed by Cairn and cannot be set`,
		`cluster.controllerManager.extraArgs["feature-gates"]: "A=true" is managed by Cairn and cannot be set`,
		`cluster.scheduler.extraArgs["feature-gates"]: "A=true" is managed by Cairn and cannot be set`}},
}
