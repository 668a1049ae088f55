package logfwd

import (
	"runtime"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/pkg/logfwd/rsyslogtest"
	"github.com/cairn-os/cairn/pkg/machinery/config"
)

// BenchmarkRsyslogTLS measures audit events per second delivered (acknowledged) to one
// rsyslogd over TLS with mutual authentication on loopback.
func BenchmarkRsyslogTLS(b *testing.B) {
	p := rsyslogtest.NewPKI(b, "127.0.0.10")
	r := rsyslogtest.Start(b, "127.0.0.10", p)
	// A short interval confirms the tail soon after the last event; steady throughput does
	// not depend on it.
	d := destination(b, r, p, DestinationOptions{CheckpointInterval: 200 * time.Millisecond})
	events := make([]Record, 1000)
	for i := range events {
		events[i] = AuditRecord(testEvent(uint64(i+1)), "1")
	}
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		rec := events[i%len(events)]
		if _, err := d.q.Append(&rec); err != nil {
			b.Fatal(err)
		}
	}
	last := d.q.State().Last
	for d.q.State().Acked < last {
		time.Sleep(10 * time.Millisecond)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkFullQueueMemory measures the heap a destination holds when its 32 MiB queue is
// full and its receiver is down: the queue is on disk, so it should not grow with the queue.
func BenchmarkFullQueueMemory(b *testing.B) {
	for range b.N {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		ep, _ := config.ParseLogEndpoint("tls://127.0.0.1:1")
		d, err := OpenDestination(b.TempDir(), 32<<20, DestinationOptions{Endpoint: ep, Format: config.LogFormatRFC5424,
			Sources: []string{SourceAudit}, Host: func() string { return "n" }})
		if err != nil {
			b.Fatal(err)
		}
		for i := uint64(1); d.q.State().Dropped == 0; i++ {
			if err := d.AppendAudit(testEvent(i), "1"); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		st := d.Status()
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<10), "heap-KiB")
		b.ReportMetric(float64(st.QueueBytes)/(1<<20), "queue-MiB")
		_ = d.Close()
	}
}
