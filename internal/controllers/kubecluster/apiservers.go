package kubecluster

import (
	"context"
	"net/netip"
	"net/url"

	"github.com/cairn-os/cairn/internal/pkg/kubeapi"
)

// apiPort is the apiservers' port when the EndpointSlice names none.
const apiPort = 6443

// APIServers returns the addresses of the apiservers behind the cluster's "kubernetes"
// service, as its EndpointSlices list them (each apiserver keeps its own address there while
// it runs).
func APIServers(ctx context.Context, c *kubeapi.Client) ([]netip.AddrPort, error) {
	var list struct {
		Items []struct {
			Endpoints []struct {
				Addresses []string `json:"addresses"`
			} `json:"endpoints"`
			Ports []struct {
				Name string `json:"name"`
				Port int    `json:"port"`
			} `json:"ports"`
		} `json:"items"`
	}
	q := url.Values{"labelSelector": {"kubernetes.io/service-name=kubernetes"}}
	if err := c.List(ctx, "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", q, &list); err != nil {
		return nil, err
	}
	var out []netip.AddrPort
	for _, s := range list.Items {
		port := apiPort
		for _, p := range s.Ports {
			if p.Name == "https" && p.Port > 0 && p.Port < 65536 {
				port = p.Port
			}
		}
		for _, e := range s.Endpoints {
			for _, a := range e.Addresses {
				if ip, err := netip.ParseAddr(a); err == nil {
					out = append(out, netip.AddrPortFrom(ip, uint16(port)))
				}
			}
		}
	}
	return out, nil
}
