//go:build unix

package ingest

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkExtractPDF extracts every committed real PDF once per iteration
// and reports pages per second of wall time (one goroutine, as the
// dispatcher calls it) and pages per CPU-second of the process, which is
// the steadier number on a machine shared with other work.
//
//	go test ./ingest -run '^$' -bench ExtractPDF -benchtime 3x
func BenchmarkExtractPDF(b *testing.B) {
	files, err := filepath.Glob("testdata/pdf/real/*.pdf")
	require.NoError(b, err)
	require.NotEmpty(b, files)
	var docs [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(b, err)
		docs = append(docs, data)
	}
	pages := 0
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, d := range docs {
			p, _, _, err := extractPDF(context.Background(), d, Limits{})
			require.NoError(b, err)
			pages += len(p)
		}
	}
	b.ReportMetric(float64(pages)/b.Elapsed().Seconds(), "pages/s")
	b.ReportMetric(float64(pages)/(cpuTime()-cpu0).Seconds(), "pages/cpu-s")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
