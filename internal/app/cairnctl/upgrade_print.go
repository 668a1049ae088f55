package cairnctl

import (
	"encoding/json"
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// upgradeResults are the replies of an upgrade (and, with --wait, the nodes' versions once
// back): printed as they come in a table, collected for one JSON or YAML document.
type upgradeResults struct {
	upgrade machine.UpgradeResponse
	version machine.VersionResponse
}

func (r *upgradeResults) add(w io.Writer, format string, m *machine.Upgrade) {
	r.upgrade.Messages = append(r.upgrade.Messages, m)
	if format == "table" {
		_, _ = fmt.Fprintf(w, "%s: %s\n", replyNode(m.GetMetadata()), printable(m.GetMessage()))
	}
}

func (r *upgradeResults) addVersion(w io.Writer, format string, v *machine.Version) {
	r.version.Messages = append(r.version.Messages, v)
	if format == "table" {
		_, _ = fmt.Fprintf(w, "%s: runs Cairn %s\n", replyNode(v.GetMetadata()), printable(v.GetVersion().GetTag()))
		printSlots(w, v)
	}
}

// print writes the JSON or YAML document of the results (nothing in table output).
func (r *upgradeResults) print(w io.Writer, format string) error {
	if format == "table" || len(r.upgrade.Messages) == 0 {
		return nil
	}
	doc := map[string]any{}
	if err := addProto(doc, "upgrade", &r.upgrade); err != nil {
		return err
	}
	if len(r.version.Messages) > 0 {
		if err := addProto(doc, "version", &r.version); err != nil {
			return err
		}
	}
	_, err := writeStructured(w, format, doc)
	return err
}

// addProto sets doc[key] to msg as protojson renders it.
func addProto(doc map[string]any, key string, msg proto.Message) error {
	b, err := protojson.Marshal(msg)
	if err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	doc[key] = v
	return nil
}
