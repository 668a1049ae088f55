package etcdtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
)

// maxTxnOps is etcd's default --max-txn-ops.
const maxTxnOps = 128

// Put writes kvs through member i, in transactions of at most maxTxnOps puts.
func (c *Cluster) Put(t testing.TB, i int, kvs map[string]string) {
	t.Helper()
	type put struct {
		Key   []byte `json:"key"`
		Value []byte `json:"value"`
	}
	type op struct {
		RequestPut put `json:"request_put"`
	}
	var ops []op
	flush := func() {
		if len(ops) > 0 {
			c.post(t, i, "/v3/kv/txn", map[string]any{"success": ops}, nil)
			ops = ops[:0]
		}
	}
	for k, v := range kvs {
		ops = append(ops, op{put{[]byte(k), []byte(v)}})
		if len(ops) == maxTxnOps {
			flush()
		}
	}
	flush()
}

// All reads every key through member i.
func (c *Cluster) All(t testing.TB, i int) map[string]string {
	t.Helper()
	var resp struct {
		KVs []struct {
			Key   []byte `json:"key"`
			Value []byte `json:"value"`
		} `json:"kvs"`
		More bool `json:"more"`
	}
	c.post(t, i, "/v3/kv/range", map[string][]byte{"key": {0}, "range_end": {0}}, &resp)
	if resp.More {
		t.Fatal("range: more keys than one answer holds")
	}
	out := make(map[string]string, len(resp.KVs))
	for _, kv := range resp.KVs {
		out[string(kv.Key)] = string(kv.Value)
	}
	return out
}

func (c *Cluster) post(t testing.TB, i int, path string, body, out any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	hc := c.HTTP()
	defer hc.CloseIdleConnections()
	resp, err := hc.Post(c.Members[i].ClientURL+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatalf("etcd %s: %v", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("etcd %s: %v %s", path, err, fmt.Sprintf("HTTP %d %s", resp.StatusCode, data))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("etcd %s: %v", path, err)
		}
	}
}
