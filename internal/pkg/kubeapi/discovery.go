package kubeapi

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// apiResource is one entry of an APIResourceList.
type apiResource struct {
	Name       string `json:"name"`
	Namespaced bool   `json:"namespaced"`
	Kind       string `json:"kind"`
}

// objectPath returns the REST path of o, finding its resource by discovery.
func (c *Client) objectPath(ctx context.Context, o Object) (string, error) {
	res, err := c.resourceFor(ctx, o.APIVersion, o.Kind)
	if err != nil {
		return "", err
	}
	base := groupVersionPath(o.APIVersion)
	name := url.PathEscape(o.Name)
	switch {
	case res.Namespaced:
		ns := o.Namespace
		if ns == "" {
			ns = "default"
		}
		return fmt.Sprintf("%s/namespaces/%s/%s/%s", base, url.PathEscape(ns), res.Name, name), nil
	case o.Namespace != "":
		return "", fmt.Errorf("metadata.namespace: %q given, but %s is not namespaced", o.Namespace, o.Kind)
	default:
		return fmt.Sprintf("%s/%s/%s", base, res.Name, name), nil
	}
}

// groupVersionPath is /api/v1 for the core group, else /apis/GROUP/VERSION.
func groupVersionPath(apiVersion string) string {
	if !strings.Contains(apiVersion, "/") {
		return "/api/" + apiVersion
	}
	return "/apis/" + apiVersion
}

// resourceFor finds kind's resource in apiVersion, asking the server again once if the cached
// discovery lacks it (a CRD may have appeared).
func (c *Client) resourceFor(ctx context.Context, apiVersion, kind string) (apiResource, error) {
	if strings.Count(apiVersion, "/") > 1 || strings.ContainsAny(apiVersion, "?#% ") {
		return apiResource{}, fmt.Errorf("apiVersion: %q is not GROUP/VERSION", apiVersion)
	}
	for attempt := 0; attempt < 2; attempt++ {
		list, err := c.discover(ctx, apiVersion, attempt > 0)
		if err != nil {
			return apiResource{}, err
		}
		for _, r := range list {
			if r.Kind == kind && !strings.Contains(r.Name, "/") {
				return r, nil
			}
		}
	}
	return apiResource{}, fmt.Errorf("kind: %q is not served in %s", kind, apiVersion)
}

func (c *Client) discover(ctx context.Context, apiVersion string, refresh bool) ([]apiResource, error) {
	c.mu.Lock()
	list, ok := c.discovery[apiVersion]
	c.mu.Unlock()
	if ok && !refresh {
		return list, nil
	}
	var rl struct {
		Resources []apiResource `json:"resources"`
	}
	if err := c.Get(ctx, groupVersionPath(apiVersion), &rl); err != nil {
		return nil, fmt.Errorf("discover %s: %w", apiVersion, err)
	}
	c.mu.Lock()
	c.discovery[apiVersion] = rl.Resources
	c.mu.Unlock()
	return rl.Resources, nil
}
