//go:build unix

package retrieval

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user + system) the process has used: unlike wall
// time it does not grow when other processes compete for the cores, which
// they do on the shared build machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
