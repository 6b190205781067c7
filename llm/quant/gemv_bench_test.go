//go:build amd64 && !noasm

package quant

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/quirehq/quire/llm/ggml"
)

// BenchmarkGemvDRAM times the one-token products as generation runs them
// (llm/llama's matTask: chunks of 512 rows taken in turn by one or two
// goroutines) on a 1 GiB matrix, twice the L3 of the largest machines
// here, so that every weight comes from memory: Q4_0 and Q4_K through
// MatVecRepacked, Q8_0 and Q6_K through MatVec, on Mistral's 4096- and
// 14336-wide rows, with each prefetch scheme of the multi-row kernels
// ("pf=addr" the address-order one, "pf=rows" gemvRowPF's). MB/s is
// weights streamed. The machine's other load shows as noise: compare
// schemes back to back.
func BenchmarkGemvDRAM(b *testing.B) {
	const size, per = 1 << 30, 512
	levels := simdLevelsAvailable()
	defer setSIMDLevel(levels[len(levels)-1])()
	saved := gemvRowPF
	defer func() { gemvRowPF = saved }()
	for _, typ := range []ggml.Type{ggml.Q4_0, ggml.Q8_0, ggml.Q4_K, ggml.Q6_K} {
		for _, cols := range []int{4096, 14336} {
			rs := typ.RowSize(cols)
			rows := size / rs
			var w, a []byte
			for _, threads := range []int{1, 2} {
				for _, rowPF := range []bool{false, true} {
					pf := map[bool]string{false: "addr", true: "rows"}[rowPF]
					b.Run(fmt.Sprintf("%v/%d/t%d/pf=%s", typ, cols, threads, pf), func(b *testing.B) {
						if w == nil {
							w, a = gemmBenchMatrix(typ, rows, cols, 1)
							if typ == ggml.Q4_0 {
								a = q4_0RepackActs(rand.New(rand.NewPCG(1, 2)), 1, cols, false)
							}
						}
						gemvRowPF = rowPF
						out := make([]float32, rows)
						chunks := (rows + per - 1) / per
						b.SetBytes(int64(len(w)))
						for b.Loop() {
							var next atomic.Int64
							var wg sync.WaitGroup
							for range threads {
								wg.Add(1)
								go func() {
									defer wg.Done()
									for c := int(next.Add(1) - 1); c < chunks; c = int(next.Add(1) - 1) {
										r0, r1 := c*per, min((c+1)*per, rows)
										MatVecRepacked(typ, w[r0*rs:r1*rs], r1-r0, cols, a, out[r0:r1])
									}
								}()
							}
							wg.Wait()
						}
					})
				}
			}
		}
	}
}
