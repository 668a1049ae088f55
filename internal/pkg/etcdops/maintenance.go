package etcdops

import (
	"context"
	"encoding/json"
	"fmt"
)

// Defrag defragments the local member's database (the other members are defragmented through
// their own nodes: defragmenting blocks the member while it runs).
func (c *Client) Defrag(ctx context.Context) error {
	return c.call(ctx, c.Endpoint, "/v3/maintenance/defragment", DefragTimeout, struct{}{}, nil)
}

// Alarm is an active etcd alarm: NOSPACE (the database reached its quota) or CORRUPT.
type Alarm struct {
	MemberID uint64
	Alarm    string
}

// parseAlarms decodes an alarm answer. etcd leaves out an alarm type of NONE (zero).
func parseAlarms(data []byte) ([]Alarm, error) {
	var w struct {
		Alarms []struct {
			MemberID u64    `json:"memberID"`
			Alarm    string `json:"alarm"`
		} `json:"alarms"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("alarms: %w", err)
	}
	out := make([]Alarm, 0, len(w.Alarms))
	for i, a := range w.Alarms {
		if a.Alarm == "" || a.Alarm == "NONE" {
			continue
		}
		if a.MemberID == 0 {
			return nil, fmt.Errorf("alarms: alarms[%d] (%q) names no member", i, a.Alarm)
		}
		out = append(out, Alarm{MemberID: uint64(a.MemberID), Alarm: a.Alarm})
	}
	return out, nil
}

// Alarms lists the cluster's active alarms.
func (c *Client) Alarms(ctx context.Context) ([]Alarm, error) {
	return c.alarm(ctx, map[string]string{"action": "GET"})
}

func (c *Client) alarm(ctx context.Context, req map[string]string) ([]Alarm, error) {
	var raw json.RawMessage
	if err := c.call(ctx, c.Endpoint, "/v3/maintenance/alarm", RequestTimeout, req, &raw); err != nil {
		return nil, err
	}
	return parseAlarms(raw)
}

// Disarm deactivates every active alarm, as etcdctl alarm disarm does, and returns the alarms
// it deactivated. An alarm whose cause remains (a database still over its quota) comes back.
func (c *Client) Disarm(ctx context.Context) ([]Alarm, error) {
	active, err := c.Alarms(ctx)
	if err != nil {
		return nil, err
	}
	for i, a := range active {
		req := map[string]string{"action": "DEACTIVATE", "memberID": fmt.Sprint(a.MemberID), "alarm": a.Alarm}
		if _, err := c.alarm(ctx, req); err != nil {
			return active[:i], fmt.Errorf("disarm %s of member %s: %w", a.Alarm, FormatID(a.MemberID), err)
		}
	}
	return active, nil
}
