//go:build !unix

package retrieval

import "time"

// cpuTime is unavailable here: cpu-ms/op then reads 0.
func cpuTime() time.Duration { return 0 }
