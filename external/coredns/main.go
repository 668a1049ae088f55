// Command coredns is CoreDNS built with only the plugins a cluster DNS needs: those of
// kubeadm's default Corefile (errors, health, ready, kubernetes, prometheus, forward, cache,
// loop, reload, loadbalance), plus log and hosts.
package main

import (
	"slices"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/hosts"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/metrics"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
)

// plugins are the directives this build knows; upstream's list keeps their execution order.
var plugins = []string{"cache", "errors", "forward", "health", "hosts", "kubernetes", "loadbalance",
	"log", "loop", "prometheus", "ready", "reload"}

func main() {
	dnsserver.Directives = slices.DeleteFunc(dnsserver.Directives, func(d string) bool { return !slices.Contains(plugins, d) })
	coremain.Run()
}
