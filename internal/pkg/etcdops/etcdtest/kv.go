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
			if err := c.post(i, "/v3/kv/txn", map[string]any{"success": ops}, nil); err != nil {
				t.Fatal(err)
			}
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
	if err := c.post(i, "/v3/kv/range", map[string][]byte{"key": {0}, "range_end": {0}}, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.More {
		t.Fatal("range: more keys than one answer holds")
	}
	out := make(map[string]string, len(resp.KVs))
	for _, kv := range resp.KVs {
		out[string(kv.Key)] = string(kv.Value)
	}
	return out
}

// TryPut writes one key through member i and returns etcd's refusal (e.g. "etcdserver: mvcc:
// database space exceeded").
func (c *Cluster) TryPut(i int, key, value string) error {
	return c.post(i, "/v3/kv/put", map[string][]byte{"key": []byte(key), "value": []byte(value)}, nil)
}

func (c *Cluster) post(i int, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	hc := c.HTTP()
	defer hc.CloseIdleConnections()
	resp, err := hc.Post(c.Members[i].ClientURL+path, "application/json", bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("etcd %s: %w", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("etcd %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("etcd %s: HTTP %d %s", path, resp.StatusCode, data)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

// Revision is the store's current revision, as member i sees it.
func (c *Cluster) Revision(i int) (int64, error) {
	var resp struct {
		Header struct {
			Revision int64 `json:"revision,string"`
		} `json:"header"`
	}
	err := c.post(i, "/v3/kv/range", map[string]any{"key": []byte{0}, "count_only": true}, &resp)
	return resp.Header.Revision, err
}

// Compact compacts the history up to rev through member i, physically.
func (c *Cluster) Compact(i int, rev int64) error {
	return c.post(i, "/v3/kv/compaction", map[string]any{"revision": fmt.Sprint(rev), "physical": true}, nil)
}
