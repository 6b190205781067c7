//go:build unix

package embedded

import (
	"syscall"
	"time"
)

// cpuTime is the process's user+system CPU time. The machine running the
// benchmarks is often shared: CPU time shows the cost when wall time is
// inflated by other load.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
