package cairnctl

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxKubeconfigBytes bounds a kubeconfig file cairnctl reads.
const maxKubeconfigBytes = 16 << 20

// kubeconfigFile is a kubeconfig as cairnctl merges it: the names it needs, and every other
// field kept as it was (Rest), so that a merge loses nothing kubectl or other tools wrote.
type kubeconfigFile struct {
	APIVersion     string         `yaml:"apiVersion,omitempty"`
	Kind           string         `yaml:"kind,omitempty"`
	Clusters       []namedEntry   `yaml:"clusters"`
	Contexts       []namedEntry   `yaml:"contexts"`
	Users          []namedEntry   `yaml:"users"`
	CurrentContext string         `yaml:"current-context"`
	Rest           map[string]any `yaml:",inline"`
}

// namedEntry is a cluster, context or user entry: its name and the rest as it was.
type namedEntry struct {
	Name string         `yaml:"name"`
	Rest map[string]any `yaml:",inline"`
}

// parseKubeconfig parses a kubeconfig; an empty file is an empty kubeconfig (as kubectl
// treats it). Every entry must be named, once per list.
func parseKubeconfig(data []byte) (*kubeconfigFile, error) {
	if len(data) > maxKubeconfigBytes {
		return nil, fmt.Errorf("%d bytes, more than %d", len(data), maxKubeconfigBytes)
	}
	kc := &kubeconfigFile{}
	if len(bytes.TrimSpace(data)) == 0 {
		return kc, nil
	}
	if err := yaml.Unmarshal(data, kc); err != nil {
		return nil, fmt.Errorf("not a kubeconfig: %w", err)
	}
	for _, l := range []struct {
		what    string
		entries []namedEntry
	}{{"clusters", kc.Clusters}, {"contexts", kc.Contexts}, {"users", kc.Users}} {
		for i, e := range l.entries {
			if e.Name == "" {
				return nil, fmt.Errorf("%s[%d]: no name", l.what, i)
			}
			if j := slices.IndexFunc(l.entries[:i], func(o namedEntry) bool { return o.Name == e.Name }); j >= 0 {
				return nil, fmt.Errorf("%s[%d]: name %q is also %s[%d]", l.what, i, e.Name, l.what, j)
			}
		}
	}
	return kc, nil
}

// encode renders the kubeconfig as YAML.
func (kc *kubeconfigFile) encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(kc); err != nil {
		return nil, fmt.Errorf("encode kubeconfig: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode kubeconfig: %w", err)
	}
	return buf.Bytes(), nil
}

// renameAdmin names the one cluster, user and context of a kubeconfig a node issued all
// name, pointing the context at the renamed cluster and user, and makes it current.
func (kc *kubeconfigFile) renameAdmin(name string) error {
	if len(kc.Clusters) != 1 || len(kc.Contexts) != 1 || len(kc.Users) != 1 {
		return fmt.Errorf("the node's kubeconfig has %d clusters, %d contexts and %d users, want one of each", len(kc.Clusters), len(kc.Contexts), len(kc.Users))
	}
	kc.Clusters[0].Name, kc.Users[0].Name, kc.Contexts[0].Name = name, name, name
	ctx, ok := kc.Contexts[0].Rest["context"].(map[string]any)
	if !ok {
		return errors.New("the node's kubeconfig context has no context field")
	}
	ctx["cluster"], ctx["user"] = name, name
	kc.CurrentContext = name
	return nil
}

// merge adds in's entries (one cluster, user and context, as renameAdmin left them) to kc and
// makes in's context current. An entry of kc with the same name is replaced with force and
// refused without it; kc is unchanged on error.
func (kc *kubeconfigFile) merge(in *kubeconfigFile, force bool) error {
	var clash []string
	for _, l := range []struct {
		what     string
		have, by []namedEntry
	}{{"cluster", kc.Clusters, in.Clusters}, {"user", kc.Users, in.Users}, {"context", kc.Contexts, in.Contexts}} {
		for _, e := range l.by {
			if slices.ContainsFunc(l.have, func(o namedEntry) bool { return o.Name == e.Name }) {
				clash = append(clash, fmt.Sprintf("%s %q", l.what, e.Name))
			}
		}
	}
	if len(clash) > 0 && !force {
		return fmt.Errorf("it already has %s: pass --force to replace them, or --context-name to add this one under another name", strings.Join(clash, ", "))
	}
	kc.Clusters = replaceEntries(kc.Clusters, in.Clusters)
	kc.Users = replaceEntries(kc.Users, in.Users)
	kc.Contexts = replaceEntries(kc.Contexts, in.Contexts)
	kc.CurrentContext = in.CurrentContext
	if kc.APIVersion == "" {
		kc.APIVersion, kc.Kind = "v1", "Config"
	}
	return nil
}

// replaceEntries returns have with every entry of by in place of the one of the same name, or
// appended.
func replaceEntries(have, by []namedEntry) []namedEntry {
	out := slices.Clone(have)
	for _, e := range by {
		if i := slices.IndexFunc(out, func(o namedEntry) bool { return o.Name == e.Name }); i >= 0 {
			out[i] = e
			continue
		}
		out = append(out, e)
	}
	return out
}
