// Package etcdquorum asks a node's etcd, through its JSON gateway, whether the cluster keeps
// quorum while this member is down (for an upgrade's reboot).
package etcdquorum

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxBody bounds what is read of an etcd answer.
const maxBody = 1 << 20

// Member is an etcd member as the member list reports it.
type Member struct {
	ID         string   `json:"ID"`
	Name       string   `json:"name"`
	ClientURLs []string `json:"clientURLs"`
	IsLearner  bool     `json:"isLearner"`
	Healthy    bool     `json:"-"`
}

// Report says what the check found.
type Report struct {
	Self    string   // this member's ID
	Members []Member // voting members, with their health
	// HealthyOthers counts the healthy voting members other than this one; Quorum is how
	// many voting members a quorum needs.
	HealthyOthers, Quorum int
}

// Keeps says whether the others alone are a quorum.
func (r Report) Keeps() bool { return r.HealthyOthers >= r.Quorum }

// String explains the verdict in a sentence.
func (r Report) String() string {
	return fmt.Sprintf("etcd has %d voting member(s); a quorum is %d; without this member %d healthy one(s) remain", len(r.Members), r.Quorum, r.HealthyOthers)
}

// Check lists the members through the local endpoint and asks each voting member other than
// this one for its health; c carries the etcd client certificate.
func Check(ctx context.Context, c *http.Client, local string) (Report, error) {
	var list struct {
		Header struct {
			MemberID string `json:"member_id"`
		} `json:"header"`
		Members []Member `json:"members"`
	}
	if err := post(ctx, c, strings.TrimRight(local, "/")+"/v3/cluster/member/list", &list); err != nil {
		return Report{}, fmt.Errorf("etcd member list: %w", err)
	}
	r := Report{Self: list.Header.MemberID}
	for _, m := range list.Members {
		if m.IsLearner {
			continue
		}
		if m.ID != r.Self {
			m.Healthy = healthy(ctx, c, m.ClientURLs)
			if m.Healthy {
				r.HealthyOthers++
			}
		}
		r.Members = append(r.Members, m)
	}
	if len(r.Members) == 0 {
		return r, errors.New("etcd member list names no voting member")
	}
	r.Quorum = len(r.Members)/2 + 1
	return r, nil
}

// healthy asks each client URL of a member for /health until one says true.
func healthy(ctx context.Context, c *http.Client, urls []string) bool {
	for _, u := range urls {
		var h struct {
			Health string `json:"health"`
		}
		if err := get(ctx, c, strings.TrimRight(u, "/")+"/health", &h); err == nil && h.Health == "true" {
			return true
		}
	}
	return false
}

func post(ctx context.Context, c *http.Client, url string, out any) error {
	return do(ctx, c, http.MethodPost, url, []byte("{}"), out)
}

func get(ctx context.Context, c *http.Client, url string, out any) error {
	return do(ctx, c, http.MethodGet, url, nil, out)
}

func do(ctx context.Context, c *http.Client, method, url string, body []byte, out any) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: HTTP %s", method, url, resp.Status)
	}
	return json.Unmarshal(data, out)
}
