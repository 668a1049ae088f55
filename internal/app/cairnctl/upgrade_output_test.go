package cairnctl

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// nodeVersion is a node's Version reply: tag, mode and slots given as "a:v1:good:1:*" (the last
// field marks the active slot).
func nodeVersion(tag, mode string, slots ...string) *machine.Version {
	v := &machine.Version{Metadata: &common.Metadata{Node: "10.0.0.1"}, Version: &machine.VersionInfo{Tag: tag}, Mode: mode}
	for _, s := range slots {
		f := strings.Split(s, ":")
		gen, _ := strconv.ParseInt(f[3], 10, 64) // "" is 0
		v.Slots = append(v.Slots, &machine.Slot{Name: f[0], Version: f[1], Status: f[2], Generation: gen, Active: f[4] == "*"})
	}
	return v
}

// TestUpgradeWaitJudge follows nodes through the answers they give after an upgrade to slot b.
func TestUpgradeWaitJudge(t *testing.T) {
	down := errors.New("Unavailable: connection refused")
	type answer struct {
		v   *machine.Version
		err error
	}
	tests := []struct {
		name    string
		answers []answer
		want    waitVerdict
		say     string
	}{
		{"before the reboot", []answer{{v: nodeVersion("v1", "metal", "a:v1:good:1:*", "b:v2:trial:22:")}}, waitMore, "still answers from slot a (Cairn v1): waiting for the reboot"},
		{"rebooting", []answer{{err: down}}, waitMore, "not answering (Unavailable: connection refused)"},
		{"on trial", []answer{{err: down}, {v: nodeVersion("v2", "metal", "a:v1:good:1:", "b:v2:trial:22:*")}}, waitMore, "runs Cairn v2 from slot b on trial"},
		{"good", []answer{{err: down}, {v: nodeVersion("v2", "metal", "a:v1:good:1:", "b:v2:good:22:*")}}, waitDone, "runs Cairn v2 from slot b, marked good"},
		{"fell back", []answer{{err: down}, {v: nodeVersion("v1", "metal", "a:v1:good:1:*", "b:v2:trial:22:")}}, waitFailed, "came back on slot a (Cairn v1) and slot b is trial: it fell back by itself"},
		{"marked bad", []answer{{v: nodeVersion("v1", "metal", "a:v1:good:1:*", "b:v2:bad:22:")}}, waitFailed, "slot b is bad"},
		{"slots gone", []answer{{v: nodeVersion("v1", "metal")}}, waitFailed, "lists no slot b"},
		{"slots unread", []answer{{v: &machine.Version{SlotsError: "read the disk slots: EIO"}}}, waitMore, "did not read its slots: read the disk slots: EIO"},
	}
	for _, tt := range tests {
		w := &upgradeWait{slot: "b"}
		var got waitVerdict
		var say string
		for _, a := range tt.answers {
			got, say = w.judge(a.v, a.err)
		}
		if got != tt.want || !strings.Contains(say, tt.say) {
			t.Errorf("%s: judge = %d %q, want %d containing %q", tt.name, got, say, tt.want, tt.say)
		}
	}
}

// TestPrintSlots: version's slot table, and why a node has none.
func TestPrintSlots(t *testing.T) {
	tests := []struct {
		v    *machine.Version
		want []string
	}{
		{nodeVersion("v2", "metal", "a:v1:good:1:", "b:v2\x1b[31m:trial:22:*"), []string{"\tSlots:\n\t  SLOT   VERSION", "\t  a      v1 ", "good     1", "\t  b      v2\\x1b[31m   trial    22           yes (booted)   -           -\n"}},
		{nodeVersion("v1", "metal", "a:v1:good:1:*", "b::empty::"), []string{"\t  b      -         empty    0                           -           -\n"}},
		{&machine.Version{NoSlots: "container mode"}, []string{"\tSlots: none (container mode)\n"}},
		{&machine.Version{NoSlots: "the root is in RAM (no cairn.slot= argument)\x1b"}, []string{"\tSlots: none (the root is in RAM (no cairn.slot= argument)\\x1b)\n"}},
		{nodeVersion("v1", "metal"), []string{"\tSlots: none reported\n"}},
		{&machine.Version{SlotsError: "read the disk slots: EIO\n"}, []string{"\tSlots: not read (read the disk slots: EIO\\n)\n"}},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		printSlots(&b, tt.v)
		for _, w := range tt.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("printSlots(%v) =\n%s\nwant it to contain %q", tt.v, b.String(), w)
			}
		}
	}
}

// TestUpgradeResultsOutput: a table line per node as it comes; one JSON or YAML document with
// both replies.
func TestUpgradeResultsOutput(t *testing.T) {
	up := &machine.Upgrade{Metadata: &common.Metadata{Node: "10.0.0.1"}, Version: "v2", Slot: "b", Rebooting: true, Message: "written to slot b: the node reboots"}
	v := nodeVersion("v2", "metal", "a:v1:good:1:", "b:v2:good:22:*")
	for _, format := range []string{"table", "json", "yaml"} {
		var b bytes.Buffer
		var r upgradeResults
		r.add(&b, format, up)
		r.addVersion(&b, format, v)
		if err := r.print(&b, format); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Upgrade struct{ Messages []map[string]any } `json:"upgrade" yaml:"upgrade"`
			Version struct{ Messages []map[string]any } `json:"version" yaml:"version"`
		}
		var err error
		switch format {
		case "table":
			want := "10.0.0.1: written to slot b: the node reboots\n10.0.0.1: runs Cairn v2\n\tSlots:\n"
			if !strings.HasPrefix(b.String(), want) {
				t.Errorf("table output =\n%s\nwant it to start with\n%s", b.String(), want)
			}
			continue
		case "json":
			err = json.Unmarshal(b.Bytes(), &doc)
		case "yaml":
			err = yaml.Unmarshal(b.Bytes(), &doc)
		}
		if err != nil || len(doc.Upgrade.Messages) != 1 || doc.Upgrade.Messages[0]["slot"] != "b" || len(doc.Version.Messages) != 1 {
			t.Errorf("%s output = %v (%v):\n%s", format, doc, err, b.String())
		}
	}
}

// FuzzSlotsOutput: whatever a node reports about its slots, version's table and --wait's
// progress lines stay printable (no control characters but version's own tabs and newlines).
func FuzzSlotsOutput(f *testing.F) {
	f.Add("v2", "b", "v2", "trial", "", "", true, false)
	f.Add("v1\x1b[2J", "b\n", "\u202e", "bad", "EIO\r", "RAM\n", false, true)
	f.Fuzz(func(t *testing.T, tag, name, ver, status, slotsErr, none string, active, down bool) {
		v := &machine.Version{Version: &machine.VersionInfo{Tag: tag}, SlotsError: slotsErr, NoSlots: none,
			Slots: []*machine.Slot{{Name: "a", Status: "good", Active: !active}, {Name: name, Version: ver, Status: status, Active: active}}}
		if none != "" {
			v.Slots = nil
		}
		var b bytes.Buffer
		printSlots(&b, v)
		if s := strings.NewReplacer("\t", "", "\n", "").Replace(b.String()); !utf8.ValidString(s) || strings.ContainsFunc(s, needsEscape) {
			t.Errorf("printSlots(%v) = %q, not printable", v, b.String())
		}
		w := &upgradeWait{slot: name, down: down}
		if _, say := w.judge(v, nil); !utf8.ValidString(say) || strings.ContainsFunc(say, needsEscape) {
			t.Errorf("judge(%v) = %q, not printable", v, say)
		}
	})
}

func TestPrintSlotsSignerAndWritten(t *testing.T) {
	v := nodeVersion("v2", "metal", "a:v1:good:1:", "b:v2:good:2:*")
	v.Slots[1].Signer = "0123456789abcdef0123456789abcdef"
	v.Slots[1].Written = timestamppb.New(time.Date(2026, 12, 2, 16, 0, 0, 0, time.UTC))
	var b bytes.Buffer
	printSlots(&b, v)
	if !strings.Contains(b.String(), "yes (booted)   0123456789abcdef   2026-12-02T16:00:00Z\n") {
		t.Errorf("slot table:\n%s", b.String())
	}
}
