package harness

import (
	"context"
	"time"

	"github.com/prometheus/procfs"
)

// procRoot is where procfs is mounted.
const procRoot = "/proc"

// cpuSample is the host's busy and total CPU time in seconds.
type cpuSample struct{ busy, total float64 }

// sampleOf sums the aggregate CPU line of /proc/stat: busy is user+nice+system+irq+softirq+
// steal, total adds idle and iowait (as measure-boot.sh does).
func sampleOf(c procfs.CPUStat) cpuSample {
	busy := c.User + c.Nice + c.System + c.IRQ + c.SoftIRQ + c.Steal
	return cpuSample{busy: busy, total: busy + c.Idle + c.Iowait}
}

// readCPU reads /proc/stat through prometheus/procfs.
func readCPU() (cpuSample, error) {
	fs, err := procfs.NewFS(procRoot)
	if err != nil {
		return cpuSample{}, err
	}
	st, err := fs.Stat()
	if err != nil {
		return cpuSample{}, err
	}
	return sampleOf(st.CPUTotal), nil
}

// cores is the number of cores kept busy between two samples taken d apart, less the
// excluded seconds (QEMU's own time).
func cores(a, b cpuSample, excluded float64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	// QEMU's time is read a moment after the second sample; never report less than nothing.
	return max(0, (b.busy-a.busy-excluded)/d.Seconds())
}

// waitIdle waits for a 5 s window in which the host uses fewer than max cores, for at most
// wait; it returns the cores of the last window.
func waitIdle(ctx context.Context, maxCores float64, wait time.Duration) (float64, error) {
	end := time.Now().Add(wait)
	for {
		a, err := readCPU()
		if err != nil {
			return 0, err
		}
		t0 := time.Now()
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(5 * time.Second):
		}
		b, err := readCPU()
		if err != nil {
			return 0, err
		}
		c := cores(a, b, 0, time.Since(t0))
		if c < maxCores || time.Now().After(end) {
			return c, nil
		}
	}
}
