package apid

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// Bounds of an argument summary.
const (
	maxSummary  = 1024
	maxString   = 128
	maxElements = 16
	maxDepth    = 4
)

// summarize renders a request for the audit trail: field names and values in declaration
// order, with bytes reduced to their length and anything that looks like a secret redacted.
// desc is nil when the call failed before its method was looked up.
func summarize(desc protoreflect.MethodDescriptor, raw []byte) string {
	if desc == nil || raw == nil {
		return ""
	}
	return summarizeMessage(desc.Input(), raw)
}

func summarizeMessage(md protoreflect.MessageDescriptor, raw []byte) string {
	m := dynamicpb.NewMessage(md)
	if err := (proto.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(raw, m); err != nil {
		return fmt.Sprintf("<%d bytes, undecodable>", len(raw))
	}
	var b strings.Builder
	writeMessage(&b, m, 0)
	s := b.String()
	if len(s) > maxSummary {
		s = s[:maxSummary] + "..."
	}
	return s
}

func writeMessage(b *strings.Builder, m protoreflect.Message, depth int) {
	fields := m.Descriptor().Fields()
	first := true
	for i := range fields.Len() {
		fd := fields.Get(i)
		if !m.Has(fd) {
			continue
		}
		if !first {
			b.WriteString(" ")
		}
		first = false
		b.WriteString(string(fd.Name()))
		b.WriteString("=")
		if b.Len() > maxSummary {
			return
		}
		writeField(b, fd, m.Get(fd), depth)
	}
}

func writeField(b *strings.Builder, fd protoreflect.FieldDescriptor, v protoreflect.Value, depth int) {
	switch {
	case secretName(string(fd.Name())):
		b.WriteString("<redacted>")
	case fd.IsList():
		l := v.List()
		b.WriteString("[")
		for i := range min(l.Len(), maxElements) {
			if i > 0 {
				b.WriteString(",")
			}
			writeValue(b, fd, l.Get(i), depth)
		}
		if l.Len() > maxElements {
			fmt.Fprintf(b, ",...%d more", l.Len()-maxElements)
		}
		b.WriteString("]")
	case fd.IsMap():
		fmt.Fprintf(b, "<map of %d>", v.Map().Len())
	default:
		writeValue(b, fd, v, depth)
	}
}

func writeValue(b *strings.Builder, fd protoreflect.FieldDescriptor, v protoreflect.Value, depth int) {
	switch fd.Kind() {
	case protoreflect.BytesKind:
		fmt.Fprintf(b, "<%d bytes>", len(v.Bytes()))
	case protoreflect.StringKind:
		s := v.String()
		if len(s) > maxString {
			s = s[:maxString] + "..."
		}
		fmt.Fprintf(b, "%q", s)
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			b.WriteString(string(ev.Name()))
		} else {
			fmt.Fprintf(b, "%d", v.Enum())
		}
	case protoreflect.MessageKind, protoreflect.GroupKind:
		if depth >= maxDepth {
			b.WriteString("{...}")
			return
		}
		b.WriteString("{")
		writeMessage(b, v.Message(), depth+1)
		b.WriteString("}")
	default:
		fmt.Fprintf(b, "%v", v.Interface())
	}
}

// secretName reports whether a field name suggests a secret.
func secretName(name string) bool {
	for _, w := range []string{"key", "token", "secret", "password"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}
