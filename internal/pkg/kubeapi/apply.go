package kubeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"go.yaml.in/yaml/v3"
)

// FieldManager is the field manager of Cairn's server-side applies.
const FieldManager = "cairn"

// Object is one decoded manifest document.
type Object struct {
	APIVersion string
	Kind       string
	Name       string
	Namespace  string
	// JSON is the whole document as JSON.
	JSON []byte
}

func (o Object) String() string {
	if o.Namespace != "" {
		return fmt.Sprintf("%s %s/%s", o.Kind, o.Namespace, o.Name)
	}
	return fmt.Sprintf("%s %s", o.Kind, o.Name)
}

// Apply server-side applies every document of every manifest (YAML or JSON, multi-document,
// empty documents skipped) in order, as field manager "cairn", forcing conflicts: Cairn owns
// what it applies. It stops at the first failure, naming the object.
func (c *Client) Apply(ctx context.Context, manifests ...[]byte) error {
	for i, m := range manifests {
		objs, err := DecodeManifest(m)
		if err != nil {
			return fmt.Errorf("manifest %d: %w", i, err)
		}
		for _, o := range objs {
			if err := c.ApplyObject(ctx, o); err != nil {
				return fmt.Errorf("apply %s: %w", o, err)
			}
		}
	}
	return nil
}

// ApplyObject server-side applies one object.
func (c *Client) ApplyObject(ctx context.Context, o Object) error {
	path, err := c.objectPath(ctx, o)
	if err != nil {
		return err
	}
	q := url.Values{"fieldManager": {FieldManager}, "force": {"true"}}
	r := request{method: http.MethodPatch, path: path, query: q, contentType: "application/apply-patch+yaml", body: o.JSON}
	_, err = c.do(ctx, r)
	return err
}

// DecodeManifest splits a YAML or JSON manifest into its documents; each must have apiVersion,
// kind and metadata.name.
func DecodeManifest(data []byte) ([]Object, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []Object
	for i := 0; ; i++ {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		if doc == nil {
			continue
		}
		o, err := toObject(doc)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		out = append(out, o)
	}
}

func toObject(doc map[string]any) (Object, error) {
	js, err := json.Marshal(doc)
	if err != nil {
		return Object{}, fmt.Errorf("not representable as JSON: %w", err)
	}
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(js, &head); err != nil {
		return Object{}, fmt.Errorf("apiVersion, kind or metadata: %w", err)
	}
	o := Object{APIVersion: head.APIVersion, Kind: head.Kind, Name: head.Metadata.Name, Namespace: head.Metadata.Namespace, JSON: js}
	switch {
	case o.APIVersion == "":
		return Object{}, errors.New("apiVersion: missing")
	case o.Kind == "":
		return Object{}, errors.New("kind: missing")
	case o.Name == "":
		return Object{}, fmt.Errorf("%s: metadata.name: missing", o.Kind)
	}
	return o, nil
}
