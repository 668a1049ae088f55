package cairnctl

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/proto"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	resapi "github.com/cairn-os/cairn/pkg/machinery/api/resource"
)

type getFlags struct {
	watch     bool
	namespace string
	out       printFlags
}

func newGetCmd(g *globals) *cobra.Command {
	f := &getFlags{}
	cmd := &cobra.Command{
		Use:   "get TYPE [ID]",
		Short: "Get, list or watch the nodes' resources (cairnctl get rd lists the types)",
		Long: `Get one resource, list all of a type, or watch them change (-w). Sensitive types (the
machine configuration) are only shown to os:admin.`,
		Example: "  cairnctl get services\n  cairnctl get ms machine -o yaml\n  cairnctl get rd",
		Args:    cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := ""
			if len(args) == 2 {
				id = args[1]
			}
			return f.run(cmd, g, args[0], id)
		},
	}
	cmd.Flags().BoolVarP(&f.watch, "watch", "w", false, "watch the resources and print every change")
	cmd.Flags().StringVar(&f.namespace, "namespace", "", "namespace (default: the type's default)")
	f.out.register(cmd)
	return cmd
}

func (f *getFlags) run(cmd *cobra.Command, g *globals, typ, id string) error {
	if err := f.out.check(); err != nil {
		return err
	}
	s, err := g.connect(nil)
	if err != nil {
		return err
	}
	defer s.Close()
	if f.watch {
		return f.runWatch(cmd, s, typ, id)
	}
	ctx := s.ctx(cmd.Context())
	var errs nodeErrors
	var items []nodeResource
	var raw proto.Message
	if id != "" {
		resp, err := s.c.Resource.Get(ctx, &resapi.GetRequest{Type: typ, Namespace: f.namespace, Id: id})
		if err != nil {
			return apiError(err)
		}
		raw = resp
		for _, m := range checkAll(resp.GetMessages(), &errs) {
			items = append(items, nodeResource{m.GetMetadata(), m.GetResource()})
		}
	} else {
		resp, err := s.c.Resource.List(ctx, &resapi.ListRequest{Type: typ, Namespace: f.namespace})
		if err != nil {
			return apiError(err)
		}
		raw = resp
		for _, m := range checkAll(resp.GetMessages(), &errs) {
			for _, r := range m.GetResources() {
				items = append(items, nodeResource{m.GetMetadata(), r})
			}
		}
	}
	if err := f.print(cmd.OutOrStdout(), raw, items); err != nil {
		return err
	}
	return errs.err()
}

type nodeResource struct {
	md  *common.Metadata
	res *resapi.Resource
}

func (f *getFlags) print(w io.Writer, raw proto.Message, items []nodeResource) error {
	switch f.out.format {
	case "json":
		_, err := f.out.structured(w, raw)
		return err
	case "yaml":
		for _, it := range items {
			if err := writeResourceYAML(w, it); err != nil {
				return err
			}
		}
		return nil
	}
	t := newTextTable(w, "NODE", "NAMESPACE", "TYPE", "ID", "VERSION", "PHASE")
	for _, it := range items {
		md := it.res.GetMetadata()
		t.row(replyNode(it.md), md.GetNamespace(), md.GetType(), md.GetId(), fmt.Sprint(md.GetVersion()), md.GetPhase())
	}
	return t.flush()
}

// writeResourceYAML prints one resource as a YAML document: node, metadata, then the spec.
func writeResourceYAML(w io.Writer, it nodeResource) error {
	var spec yaml.Node
	if err := yaml.Unmarshal([]byte(it.res.GetSpec()), &spec); err != nil {
		return fmt.Errorf("spec of %s: %w", it.res.GetMetadata().GetId(), err)
	}
	md := it.res.GetMetadata()
	doc := map[string]any{
		"node": replyNode(it.md),
		"metadata": map[string]any{
			"namespace": md.GetNamespace(), "type": md.GetType(), "id": md.GetId(), "version": md.GetVersion(),
			"owner": md.GetOwner(), "phase": md.GetPhase(), "created": md.GetCreated().AsTime(), "updated": md.GetUpdated().AsTime(),
		},
	}
	if len(spec.Content) > 0 {
		doc["spec"] = spec.Content[0]
	}
	b, err := yaml.Marshal(doc)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "---\n%s", b)
	return err
}

func (f *getFlags) runWatch(cmd *cobra.Command, s *session, typ, id string) error {
	stream, err := s.c.Resource.Watch(s.ctx(cmd.Context()), &resapi.WatchRequest{Type: typ, Namespace: f.namespace, Id: id})
	if err != nil {
		return apiError(err)
	}
	w := cmd.OutOrStdout()
	return drainNodes(stream, func(e *resapi.WatchEvent) error {
		if e.GetType() == resapi.WatchEvent_BOOTSTRAPPED {
			return nil
		}
		if f.out.format == "yaml" {
			_, _ = fmt.Fprintf(w, "# %s\n", e.GetType())
			return writeResourceYAML(w, nodeResource{e.GetMetadata(), e.GetResource()})
		}
		md := e.GetResource().GetMetadata()
		line := fmt.Sprintf("%s %s %s %s %s %d", replyNode(e.GetMetadata()), e.GetType(), md.GetNamespace(), md.GetType(), md.GetId(), md.GetVersion())
		_, err := fmt.Fprintln(w, printable(line))
		return err
	})
}
