//go:build e2e && !kubebench

package e2e

// kubeBenchOn (the kubebench build tag, make test-kubebench) runs kube-bench in
// TestKubernetes. Off in make test-e2e, and so in CI: importing its 46 MB image took more
// than 10 minutes on the control plane under TCG.
const kubeBenchOn = false
