//go:build amd64 && !noasm

package quant

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/quirehq/quire/llm/ggml"
)

// TestGemvRowPF checks the gemv kernels with both prefetch schemes
// (gemvRowPF: the Intel kernels and the AMD ones, whichever CPU runs the
// test) bit for bit against the portable code, on 4096- and 8192-wide
// rows (Q4_K's four-row kernel takes rows over 4 KiB) and row counts that
// leave partial groups, Q4_0 also with activations holding -128.
func TestGemvRowPF(t *testing.T) {
	levels := simdLevelsAvailable()
	level := levels[len(levels)-1]
	if level == levelNone {
		t.Skip("no SIMD level")
	}
	defer setSIMDLevel(level)()
	saved := gemvRowPF
	t.Logf("gemvRowPF is %v on this CPU", saved)
	defer func() { gemvRowPF = saved }()
	rng := rand.New(rand.NewPCG(7, 8))
	for _, typ := range []ggml.Type{ggml.Q4_0, ggml.Q8_0, ggml.Q4_K, ggml.Q6_K} {
		for _, cols := range []int{4096, 8192} {
			for _, rows := range []int{8, 37, 64} {
				rs := typ.RowSize(cols)
				w := make([]byte, rows*rs)
				var a []byte
				for r := range rows {
					wr, ar := simdRow(rng, typ, cols)
					copy(w[r*rs:], wr)
					a = ar
				}
				acts := [][]byte{a}
				if typ == ggml.Q4_0 {
					acts = [][]byte{q4_0RepackActs(rng, 1, cols, false), q4_0RepackActs(rng, 1, cols, true)}
				}
				for _, rowPF := range []bool{false, true} {
					gemvRowPF = rowPF
					for j, a := range acts {
						got := make([]float32, rows)
						MatVecRepacked(typ, w, rows, cols, a, got)
						for r := range rows {
							wr := w[r*rs : (r+1)*rs]
							var want float32
							switch typ {
							case ggml.Q4_0:
								want = gemvQ4_0Q8_0(wr, a, cols)
							case ggml.Q4_K:
								want = gemvQ4KQ8K(wr, a, cols)
							default:
								want = vecDot(typ, wr, a, cols)
							}
							requireSameDot(t, level, typ, want, got[r], fmt.Sprintf("rowPF=%v %dx%d row %d act %d", rowPF, rows, cols, r, j))
						}
					}
				}
			}
		}
	}
}
