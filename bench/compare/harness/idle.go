package harness

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/stat (100 on every Linux this runs on).
const clockTicks = 100

// cpuSample is the host's busy and total CPU time in clock ticks.
type cpuSample struct{ busy, total int64 }

// parseProcStat reads the aggregate "cpu" line of /proc/stat: busy is user+nice+system+irq+
// softirq+steal, total adds idle and iowait (as measure-boot.sh does).
func parseProcStat(data string) (cpuSample, error) {
	line, _, _ := strings.Cut(data, "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return cpuSample{}, fmt.Errorf("/proc/stat: first line %q is not the cpu summary", line)
	}
	var v [8]int64
	for i := range v {
		n, err := strconv.ParseInt(f[i+1], 10, 64)
		if err != nil {
			return cpuSample{}, fmt.Errorf("/proc/stat: field %d: %w", i+2, err)
		}
		v[i] = n
	}
	busy := v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
	return cpuSample{busy: busy, total: busy + v[3] + v[4]}, nil
}

func readCPU() (cpuSample, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuSample{}, err
	}
	return parseProcStat(string(data))
}

// cores is the number of cores kept busy between two samples taken d apart, less the
// excluded ticks (QEMU's own time).
func cores(a, b cpuSample, excluded int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	// QEMU's time is read a moment after the second sample; never report less than nothing.
	return max(0, float64(b.busy-a.busy-excluded)/clockTicks/d.Seconds())
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
