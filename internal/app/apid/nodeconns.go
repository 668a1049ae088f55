package apid

import (
	"sync"
	"time"

	"google.golang.org/grpc"
)

// Bounds of the cache of connections to other nodes' apid.
const (
	// MaxNodeConns bounds the cached connections; beyond it the least recently used goes.
	MaxNodeConns = 256
	// NodeConnIdle is how long a cached connection may go unused before it is closed.
	NodeConnIdle = 2 * time.Minute
	// NodeConnectTimeout bounds connecting to a node (TCP and TLS handshake): a node that does
	// not answer is reported unreachable after it, not after grpc's default 20 s.
	NodeConnectTimeout = 5 * time.Second
)

// nodeConns caches one connection per target node, bounded in number and in idle time. A
// connection evicted while calls use it is closed when the last of them ends.
type nodeConns struct {
	max  int
	idle time.Duration
	now  func() time.Time
	dial func(node string) (*grpc.ClientConn, error)

	mu    sync.Mutex
	conns map[string]*nodeConn
}

type nodeConn struct {
	conn     *grpc.ClientConn
	users    int
	lastUsed time.Time
	// evicted is set once the connection left the cache: its last user closes it.
	evicted bool
}

func newNodeConns(dial func(string) (*grpc.ClientConn, error), now func() time.Time) *nodeConns {
	return &nodeConns{max: MaxNodeConns, idle: NodeConnIdle, now: now, dial: dial, conns: map[string]*nodeConn{}}
}

// get returns the connection to node and the function to call when the call using it ends.
func (p *nodeConns) get(node string) (*grpc.ClientConn, func(), error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	nc, ok := p.conns[node]
	if !ok {
		conn, err := p.dial(node)
		if err != nil {
			return nil, nil, err
		}
		nc = &nodeConn{conn: conn, lastUsed: p.now()}
		p.conns[node] = nc
		p.trimLocked()
	}
	nc.users++
	return nc.conn, func() { p.put(nc) }, nil
}

func (p *nodeConns) put(nc *nodeConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	nc.users--
	nc.lastUsed = p.now()
	if nc.evicted && nc.users == 0 {
		_ = nc.conn.Close()
	}
}

// trimLocked evicts the least recently used connections beyond the bound.
func (p *nodeConns) trimLocked() {
	for len(p.conns) > p.max {
		var oldest string
		for n, nc := range p.conns {
			if oldest == "" || nc.lastUsed.Before(p.conns[oldest].lastUsed) {
				oldest = n
			}
		}
		p.evictLocked(oldest)
	}
}

func (p *nodeConns) evictLocked(node string) {
	nc := p.conns[node]
	delete(p.conns, node)
	nc.evicted = true
	if nc.users == 0 {
		_ = nc.conn.Close()
	}
}

// sweep closes the connections unused for longer than the idle time.
func (p *nodeConns) sweep() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for n, nc := range p.conns {
		if nc.users == 0 && p.now().Sub(nc.lastUsed) > p.idle {
			p.evictLocked(n)
		}
	}
}

// drop evicts every connection (after new certificates arrive, and when apid stops).
func (p *nodeConns) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for n := range p.conns {
		p.evictLocked(n)
	}
}
