package etcdquorum

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// fakeEtcd answers the member list with members whose client URLs point at healthy or
// unhealthy servers (a stand-in for etcd's JSON gateway in a unit test of Check).
func fakeEtcd(t *testing.T, self string, others map[string]bool) string {
	t.Helper()
	var members []string
	for id, ok := range others {
		h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			if ok {
				_, _ = w.Write([]byte(`{"health":"true"}`))
				return
			}
			http.Error(w, `{"health":"false"}`, http.StatusServiceUnavailable)
		}))
		t.Cleanup(h.Close)
		members = append(members, `{"ID":"`+id+`","name":"`+id+`","clientURLs":["`+h.URL+`"]}`)
	}
	members = append(members, `{"ID":"`+self+`","name":"self","clientURLs":["http://127.0.0.1:1"]}`, `{"ID":"l","isLearner":true}`)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v3/cluster/member/list" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(`{"header":{"member_id":"` + self + `"},"members":[` + strings.Join(members, ",") + `]}`))
	}))
	t.Cleanup(s.Close)
	return s.URL
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name   string
		others map[string]bool
		keeps  bool
	}{
		{"single member", nil, false},
		{"three, both others healthy", map[string]bool{"2": true, "3": true}, true},
		{"three, one other down", map[string]bool{"2": true, "3": false}, false},
		{"five, two others down", map[string]bool{"2": true, "3": true, "4": true, "5": false}, true},
	} {
		r, err := Check(context.Background(), http.DefaultClient, fakeEtcd(t, "1", tc.others))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if r.Keeps() != tc.keeps || len(r.Members) != len(tc.others)+1 {
			t.Errorf("%s: %s: keeps %v, want %v", tc.name, r, r.Keeps(), tc.keeps)
		}
	}
	if _, err := Check(context.Background(), http.DefaultClient, "http://127.0.0.1:1"); err == nil {
		t.Error("Check against nothing: no error")
	}
}
