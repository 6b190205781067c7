package quant

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/quirehq/quire/llm/ggml"
)

// BenchmarkQ4KRepacked compares the repacked-order Q4_K kernels with the
// vec_dot-order ones on Mistral 7B's shapes, one thread: MatVecRepacked
// against MatVec ("gemv", one activation row; MB/s is weight bytes
// streamed: the 14336-row shapes are 33 MB and come from memory, 4096x4096
// (9.4 MB) stays in L3 here and 256x4096 (0.6 MB) in L2, which times the
// arithmetic alone), and MatMulRowsRepacked against MatMulRows ("gemm", 32
// activation rows, ns/pair per weight row x activation row), at every SIMD
// level.
func BenchmarkQ4KRepacked(b *testing.B) {
	typ := ggml.Q4_K
	shapes := []struct{ rows, cols int }{{4096, 4096}, {1024, 4096}, {14336, 4096}, {4096, 14336}, {256, 4096}}
	levels := simdLevelsAvailable()[1:]
	for _, sh := range shapes {
		w, acts := gemmBenchMatrix(typ, sh.rows, sh.cols, 32)
		a := acts[:VecDotType(typ).RowSize(sh.cols)]
		out := make([]float32, sh.rows)
		for _, level := range levels {
			name := fmt.Sprintf("gemv/%dx%d/%s", sh.rows, sh.cols, level)
			b.Run(name+"/vecdot", func(b *testing.B) {
				restore := setSIMDLevel(level)
				defer restore()
				b.SetBytes(int64(len(w)))
				for b.Loop() {
					MatVec(typ, w, sh.rows, sh.cols, a, out)
				}
			})
			b.Run(name+"/repacked", func(b *testing.B) {
				restore := setSIMDLevel(level)
				defer restore()
				b.SetBytes(int64(len(w)))
				for b.Loop() {
					MatVecRepacked(typ, w, sh.rows, sh.cols, a, out)
				}
			})
		}
	}
	for _, sh := range shapes[:3] {
		const nAct = 32
		w, acts := gemmBenchMatrix(typ, sh.rows, sh.cols, nAct)
		out := make([][]float32, nAct)
		for j := range out {
			out[j] = make([]float32, sh.rows)
		}
		pairs := float64(sh.rows * nAct)
		for _, level := range levels {
			name := fmt.Sprintf("gemm/%dx%d/act=%d/%s", sh.rows, sh.cols, nAct, level)
			b.Run(name+"/vecdot", func(b *testing.B) {
				restore := setSIMDLevel(level)
				defer restore()
				for b.Loop() {
					MatMulRows(typ, w, sh.cols, 0, sh.rows, acts, nAct, out)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/pairs, "ns/pair")
			})
			b.Run(name+"/repacked", func(b *testing.B) {
				restore := setSIMDLevel(level)
				defer restore()
				for b.Loop() {
					MatMulRowsRepacked(typ, w, sh.cols, 0, sh.rows, acts, nAct, out)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/pairs, "ns/pair")
			})
		}
	}
}

// BenchmarkQ4KGemvStream times the Q4_K gemv as the engine runs it when
// generating: a matrix far larger than L3 (75 and 66 MB, each row read
// from memory), cut into chunks of 512 rows taken in turn by two
// goroutines (llm/llama's genChunkRows), at the avx512vnni level when the
// CPU has it. MB/s is weight bytes streamed by both together.
func BenchmarkQ4KGemvStream(b *testing.B) {
	typ := ggml.Q4_K
	levels := simdLevelsAvailable()
	level := levels[len(levels)-1]
	for _, sh := range []struct{ rows, cols int }{{32768, 4096}, {8192, 14336}} {
		w, acts := gemmBenchMatrix(typ, sh.rows, sh.cols, 1)
		rs := typ.RowSize(sh.cols)
		out := make([]float32, sh.rows)
		b.Run(fmt.Sprintf("%dx%d/%s", sh.rows, sh.cols, level), func(b *testing.B) {
			restore := setSIMDLevel(level)
			defer restore()
			const per, threads = 512, 2
			chunks := (sh.rows + per - 1) / per
			b.SetBytes(int64(len(w)))
			for b.Loop() {
				var next atomic.Int64
				var wg sync.WaitGroup
				for range threads {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							c := int(next.Add(1)) - 1
							if c >= chunks {
								return
							}
							r0, r1 := c*per, min(sh.rows, (c+1)*per)
							MatVecRepacked(typ, w[r0*rs:r1*rs], r1-r0, sh.cols, acts, out[r0:r1])
						}
					}()
				}
				wg.Wait()
			}
		})
	}
}
