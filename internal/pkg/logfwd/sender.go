package logfwd

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/cairn-os/cairn/pkg/machinery/config"
)

// Timing of a destination's connection.
const (
	dialTimeout  = 15 * time.Second
	writeTimeout = 30 * time.Second
	// confirmTimeout is how long the receiver has to close its side after the forwarder closed
	// its own at a checkpoint.
	confirmTimeout = 15 * time.Second
	minBackoff     = 500 * time.Millisecond
	maxBackoff     = 30 * time.Second
	batchBytes     = 256 << 10
)

// Connection states as Status reports them.
const (
	StateIdle       = "idle"
	StateConnecting = "connecting"
	StateConnected  = "connected"
	StateRetrying   = "waiting to retry"
	StateStopped    = "stopped"
)

// session is one connection to the receiver, from dial to checkpoint or failure.
type session struct {
	d      *Destination
	conn   net.Conn
	w      *bufio.Writer
	closed chan error // the receiver's side ended: nil at EOF
	cur    Cursor
	start  time.Time
	buf    []byte
}

// run delivers the queue until ctx ends: a session at a time, with backoff after a failure.
func (d *Destination) run(ctx context.Context) {
	backoff := minBackoff
	for ctx.Err() == nil {
		st := d.q.State()
		if st.Acked >= st.Last {
			d.setState(StateIdle)
			select {
			case <-ctx.Done():
			case <-d.q.Notify():
			}
			continue
		}
		if err := d.session(ctx); err != nil && ctx.Err() == nil {
			d.fail(err)
			d.setState(StateRetrying)
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, maxBackoff)
			continue
		}
		backoff = minBackoff
	}
	d.setState(StateStopped)
}

// session connects, sends what is queued from the last acknowledged entry on, and ends with a
// checkpoint after CheckpointEvery entries or CheckpointInterval. When ctx ends it just
// closes: what was not confirmed is sent again next time.
func (d *Destination) session(ctx context.Context) error {
	d.setState(StateConnecting)
	conn, err := d.dial(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	d.setState(StateConnected)
	s := &session{d: d, conn: conn, w: bufio.NewWriterSize(conn, 64<<10), closed: make(chan error, 1), start: time.Now()}
	s.cur.Rewind(d.q.State().Acked)
	go s.watch()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	return s.loop(ctx)
}

// watch reads from the receiver, which sends nothing: the read ends when it closes.
func (s *session) watch() {
	_, err := io.Copy(io.Discard, s.conn)
	s.closed <- err
}

func (s *session) loop(ctx context.Context) error {
	timer := time.NewTimer(s.d.opts.CheckpointInterval)
	defer timer.Stop()
	for {
		n, err := s.sendBatch()
		if err != nil {
			return err
		}
		unconfirmed := s.cur.Next - 1 - s.d.q.State().Acked
		if unconfirmed >= uint64(s.d.opts.CheckpointEvery) || (unconfirmed > 0 && time.Since(s.start) >= s.d.opts.CheckpointInterval) {
			return s.checkpoint()
		}
		if n > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			// Unconfirmed entries are sent again by the next session, after a restart.
			return nil
		case err := <-s.closed:
			return fmt.Errorf("the receiver closed the connection: %s", describeClose(err))
		case <-s.d.q.Notify():
		case <-timer.C:
		}
	}
}

// sendBatch writes the next batch of queued entries and flushes them.
func (s *session) sendBatch() (int, error) {
	n := 0
	err := s.d.q.Read(&s.cur, batchBytes, func(e Entry) error {
		rec, err := decodeRecord(e.Payload)
		if err != nil {
			// A record that does not decode passed its checksum: a bug, not damage.
			// Send what can be said about it rather than stop the destination for good.
			rec = Record{Time: e.Time, Source: SourceForwarder, App: "cairn-logfwd", Severity: SevError, Message: err.Error()}
		}
		s.buf = s.d.format(s.buf[:0], &rec)
		if _, err := s.w.Write(s.buf); err != nil {
			return err
		}
		n++
		s.d.countSent(e.Seq)
		return nil
	})
	if err == nil && n > 0 {
		_ = s.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
		err = s.w.Flush()
	}
	if err != nil {
		return n, fmt.Errorf("send to %s: %w", s.d.opts.Endpoint, err)
	}
	return n, nil
}

// checkpoint confirms what the session sent. Syslog over TLS has no acknowledgement, so the
// forwarder ends the session: it closes its side (TLS close_notify, or a TCP FIN in clear text)
// and waits for the receiver to close its own, which a receiver does after it has read
// everything before the close. Then everything sent is acknowledged. A receiver that does not
// close in confirmTimeout is taken to have received it too (and the status says so), since
// sending it again would repeat forever.
func (s *session) checkpoint() error {
	upTo := s.cur.Next - 1
	_ = s.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	var err error
	switch c := s.conn.(type) {
	case *tls.Conn:
		err = c.CloseWrite()
	case *net.TCPConn:
		err = c.CloseWrite()
	}
	if err != nil {
		return fmt.Errorf("close the connection to %s: %w", s.d.opts.Endpoint, err)
	}
	select {
	case err = <-s.closed:
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("the receiver did not confirm what it read (resending from entry %d): %w", s.d.q.State().Acked+1, err)
		}
	case <-time.After(confirmTimeout):
		s.d.fail(fmt.Errorf("the receiver did not close its side within %s of the forwarder's close: entries up to %d taken as delivered", confirmTimeout, upTo))
	}
	return s.d.ack(upTo)
}

func describeClose(err error) string {
	if err == nil || errors.Is(err, io.ErrUnexpectedEOF) {
		return "EOF"
	}
	return err.Error()
}

// dial connects and, for tls://, completes the handshake: nothing is written before the
// receiver's certificate verified.
func (d *Destination) dial(ctx context.Context) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	raw, err := d.opts.Dial(ctx, "tcp", d.opts.Endpoint.Address())
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", d.opts.Endpoint, err)
	}
	if d.opts.TLS == nil {
		return raw, nil
	}
	c := tls.Client(raw, d.opts.TLS)
	if err := c.HandshakeContext(ctx); err != nil {
		_ = raw.Close()
		return nil, fmt.Errorf("TLS handshake with %s: %w%s", d.opts.Endpoint, err, handshakeHint(err))
	}
	return c, nil
}

// handshakeHint says in the node's terms what a handshake error means.
func handshakeHint(err error) string {
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	switch {
	case errors.As(err, &ua):
		return " (the receiver's certificate does not chain to the destination's ca)"
	case errors.As(err, &hn):
		return " (the receiver's certificate does not name the endpoint's host)"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return " (the receiver did not answer: is it a TLS listener?)"
	}
	return ""
}

// format appends the framed form of the record to dst.
func (d *Destination) format(dst []byte, r *Record) []byte {
	host := d.opts.Host()
	if d.opts.Format == config.LogFormatJSONL {
		return append(append(dst, FormatJSON(r, host)...), '\n')
	}
	return frameOctetCounting(dst, FormatRFC5424(r, host))
}
