package machined

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cosi-project/runtime/pkg/resource"
	"github.com/cosi-project/runtime/pkg/resource/meta"
	"github.com/cosi-project/runtime/pkg/safe"
	"github.com/cosi-project/runtime/pkg/state"
	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	resapi "github.com/cairn-os/cairn/pkg/machinery/api/resource"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// resourceAPI serves the node's COSI state, filtered by the caller's roles.
type resourceAPI struct {
	resapi.UnimplementedResourceServiceServer
	n *daemon
}

// resolve finds the definition of a resource type or alias and checks the caller may read it.
func (a *resourceAPI) resolve(ctx context.Context, typ, ns string) (resource.Kind, error) {
	if typ == "" {
		return nil, apierr.Invalid("type: a resource type is required (cairnctl get rd lists them)")
	}
	rds, err := safe.StateListAll[*meta.ResourceDefinition](ctx, a.n.st)
	if err != nil {
		return nil, err
	}
	want := strings.ToLower(typ)
	for rd := range rds.All() {
		spec := rd.TypedSpec()
		if strings.ToLower(spec.Type) != want && !slices.Contains(spec.AllAliases, want) && !slices.Contains(spec.Aliases, typ) {
			continue
		}
		if spec.Sensitivity == meta.Sensitive && !role.SeesSecrets(callerRoles(ctx)) {
			return nil, apierr.Denied("resource type %s is sensitive: only %s may read it", spec.Type, role.Admin)
		}
		if ns == "" {
			ns = spec.DefaultNamespace
		}
		return resource.NewMetadata(ns, spec.Type, "", resource.VersionUndefined), nil
	}
	return nil, apierr.NotFound("unknown resource type %q (cairnctl get rd lists them)", typ)
}

func (a *resourceAPI) Get(ctx context.Context, r *resapi.GetRequest) (*resapi.GetResponse, error) {
	kind, err := a.resolve(ctx, r.GetType(), r.GetNamespace())
	if err != nil {
		return nil, err
	}
	if r.GetId() == "" {
		return nil, apierr.Invalid("id: a resource id is required (use List for all)")
	}
	res, err := a.n.st.Get(ctx, resource.NewMetadata(kind.Namespace(), kind.Type(), r.GetId(), resource.VersionUndefined))
	if err != nil {
		return nil, stateError(err, kind, r.GetId())
	}
	p, err := toProto(res)
	if err != nil {
		return nil, err
	}
	return &resapi.GetResponse{Messages: []*resapi.ResourceReply{{Metadata: a.n.md(), Resource: p}}}, nil
}

func (a *resourceAPI) List(ctx context.Context, r *resapi.ListRequest) (*resapi.ListResponse, error) {
	kind, err := a.resolve(ctx, r.GetType(), r.GetNamespace())
	if err != nil {
		return nil, err
	}
	list, err := a.n.st.List(ctx, kind)
	if err != nil {
		return nil, stateError(err, kind, "")
	}
	reply := &resapi.ResourceListReply{Metadata: a.n.md()}
	for _, res := range list.Items {
		p, err := toProto(res)
		if err != nil {
			return nil, err
		}
		reply.Resources = append(reply.Resources, p)
	}
	return &resapi.ListResponse{Messages: []*resapi.ResourceListReply{reply}}, nil
}

func (a *resourceAPI) Watch(r *resapi.WatchRequest, s resapi.ResourceService_WatchServer) error {
	ctx := s.Context()
	kind, err := a.resolve(ctx, r.GetType(), r.GetNamespace())
	if err != nil {
		return err
	}
	ch := make(chan state.Event, 64)
	if r.GetId() != "" {
		err = a.n.st.Watch(ctx, resource.NewMetadata(kind.Namespace(), kind.Type(), r.GetId(), resource.VersionUndefined), ch)
	} else {
		err = a.n.st.WatchKind(ctx, kind, ch, state.WithBootstrapContents(true))
	}
	if err != nil {
		return stateError(err, kind, r.GetId())
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev := <-ch:
			if err := a.sendEvent(s, ev); err != nil {
				return err
			}
		}
	}
}

var eventTypes = map[state.EventType]resapi.WatchEvent_Type{
	state.Created:   resapi.WatchEvent_CREATED,
	state.Updated:   resapi.WatchEvent_UPDATED,
	state.Destroyed: resapi.WatchEvent_DESTROYED,
}

func (a *resourceAPI) sendEvent(s resapi.ResourceService_WatchServer, ev state.Event) error {
	switch ev.Type {
	case state.Errored:
		return apierr.Unavailable("watch: %v", ev.Error)
	case state.Bootstrapped:
		return s.Send(&resapi.WatchEvent{Metadata: a.n.md(), Type: resapi.WatchEvent_BOOTSTRAPPED})
	}
	t, ok := eventTypes[ev.Type]
	if !ok || ev.Resource == nil {
		return nil
	}
	p, err := toProto(ev.Resource)
	if err != nil {
		return err
	}
	return s.Send(&resapi.WatchEvent{Metadata: a.n.md(), Type: t, Resource: p})
}

func stateError(err error, kind resource.Kind, id string) error {
	if state.IsNotFoundError(err) {
		return apierr.NotFound("%s %q not found in namespace %q", kind.Type(), id, kind.Namespace())
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("state: %w", err)
}

// toProto renders a resource with its spec as YAML.
func toProto(r resource.Resource) (*resapi.Resource, error) {
	md := r.Metadata()
	spec, err := yaml.Marshal(r.Spec())
	if err != nil {
		return nil, fmt.Errorf("encode %s %s: %w", md.Type(), md.ID(), err)
	}
	labels := map[string]string{}
	for k, v := range md.Labels().Raw() {
		labels[k] = v
	}
	return &resapi.Resource{
		Metadata: &resapi.ResourceMetadata{
			Namespace: md.Namespace(), Type: md.Type(), Id: md.ID(), Version: md.Version().Value(),
			Phase: md.Phase().String(), Owner: md.Owner(),
			Created: timestamppb.New(md.Created()), Updated: timestamppb.New(md.Updated()), Labels: labels,
		},
		Spec: string(spec),
	}, nil
}
