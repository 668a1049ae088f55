package etcdops

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Member is one etcd member.
type Member struct {
	ID         uint64
	Name       string
	PeerURLs   []string
	ClientURLs []string
	Learner    bool
}

// IDString is the member's ID as etcdctl prints it (hex).
func (m Member) IDString() string { return FormatID(m.ID) }

// FormatID prints a member ID in hex, as etcdctl does.
func FormatID(id uint64) string { return strconv.FormatUint(id, 16) }

// ParseID reads a member ID as etcdctl prints it: hex, without 0x. Zero is no member's ID.
func ParseID(s string) (uint64, error) {
	id, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(s), "0x"), 16, 64)
	if err != nil || id == 0 {
		return 0, errorf(ErrInvalid, "member ID %q is not a hexadecimal etcd member ID (as cairnctl etcd members prints them, e.g. 8e9e05c52164694d)", s)
	}
	return id, nil
}

// u64 decodes the gateway's 64-bit integers, which proto3's JSON mapping writes as strings.
type u64 uint64

func (n *u64) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if uq, err := strconv.Unquote(s); err == nil {
		s = uq
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("%q is not an unsigned 64-bit integer", printable(b, 40))
	}
	*n = u64(v)
	return nil
}

// header is etcd's response header; MemberID is the member that answered.
type header struct {
	MemberID u64 `json:"member_id"`
	RaftTerm u64 `json:"raft_term"`
}

type wireMember struct {
	ID         u64      `json:"ID"`
	Name       string   `json:"name"`
	PeerURLs   []string `json:"peerURLs"`
	ClientURLs []string `json:"clientURLs"`
	IsLearner  bool     `json:"isLearner"`
}

// parseMembers decodes a member list answer: the answering member's ID and the members.
func parseMembers(data []byte) (uint64, []Member, error) {
	var list struct {
		Header  header       `json:"header"`
		Members []wireMember `json:"members"`
	}
	if err := json.Unmarshal(data, &list); err != nil {
		return 0, nil, fmt.Errorf("member list: %w", err)
	}
	out := make([]Member, 0, len(list.Members))
	for i, m := range list.Members {
		if m.ID == 0 {
			return 0, nil, fmt.Errorf("member list: members[%d] (name %q) has no ID", i, m.Name)
		}
		out = append(out, Member{ID: uint64(m.ID), Name: m.Name, PeerURLs: m.PeerURLs, ClientURLs: m.ClientURLs, Learner: m.IsLearner})
	}
	if list.Header.MemberID == 0 {
		return 0, nil, fmt.Errorf("member list: the answer names no member_id of its own")
	}
	return uint64(list.Header.MemberID), out, nil
}

// Members lists the members as the local member knows them and returns the local member's ID.
// linearizable asks the leader (needs quorum); otherwise the local member answers alone, which
// still works in a cluster that lost quorum.
func (c *Client) Members(ctx context.Context, linearizable bool) (self uint64, members []Member, err error) {
	var raw json.RawMessage
	if err := c.call(ctx, c.Endpoint, "/v3/cluster/member/list", RequestTimeout, map[string]bool{"linearizable": linearizable}, &raw); err != nil {
		return 0, nil, err
	}
	return parseMembers(raw)
}

// find returns the member with id.
func find(members []Member, id uint64) (Member, bool) {
	for _, m := range members {
		if m.ID == id {
			return m, true
		}
	}
	return Member{}, false
}

// names lists members as "id (name)" for an error message.
func names(members []Member) string {
	s := make([]string, len(members))
	for i, m := range members {
		s[i] = fmt.Sprintf("%s (%s)", m.IDString(), m.Name)
	}
	return strings.Join(s, ", ")
}
