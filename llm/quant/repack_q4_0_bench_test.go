//go:build amd64 && !noasm

package quant

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/quirehq/quire/llm/ggml"
)

// q4_0RepackActs makes nAct Q8_0 activation rows of cols columns as the
// quantizer makes them (no -128), then puts -128 into about one block in
// sixteen (the sign path of the gemv kernels) when minus128 is set.
func q4_0RepackActs(rng *rand.Rand, nAct, cols int, minus128 bool) []byte {
	as := ggml.Q8_0.RowSize(cols)
	acts := make([]byte, nAct*as)
	for j := range nAct {
		row := acts[j*as : (j+1)*as]
		QuantizeActivations(ggml.Q8_0, gaussRow(rng, cols, 1), row)
		for b := 0; minus128 && b < cols/32; b++ {
			if rng.IntN(16) == 0 {
				row[b*q8_0Size+2+rng.IntN(32)] = 0x80
			}
		}
	}
	return acts
}

// TestRepackedQ4_0Paths checks the Q4_0 kernels bit for bit against the
// portable VecDotRepacked with activations as the quantizer makes them
// (TestRepackedKernels's random bytes hold a -128 in most blocks, so they
// mostly exercise the sign kernels), with a -128 in some blocks (the
// sign kernels), and at the extreme integer sums of both, at every level
// and at avx512vnni also as on a CPU without GFNI.
func TestRepackedQ4_0Paths(t *testing.T) {
	typ := ggml.Q4_0
	check := func(t *testing.T, level string, w, acts []byte, rows, nAct, cols int) {
		rs, as := typ.RowSize(cols), ggml.Q8_0.RowSize(cols)
		got := make([]float32, rows)
		for j := range nAct {
			a := acts[j*as : (j+1)*as]
			MatVecRepacked(typ, w, rows, cols, a, got)
			for r := range rows {
				want := VecDotRepacked(typ, w[r*rs:(r+1)*rs], a, cols)
				requireSameDot(t, level, typ, want, got[r], fmt.Sprintf("MatVecRepacked row %d of %d, act %d", r, rows, j))
			}
		}
		out := make([][]float32, nAct)
		for j := range out {
			out[j] = make([]float32, rows)
		}
		MatMulRowsRepacked(typ, w, cols, 0, rows, acts, nAct, out)
		for j := range nAct {
			for r := range rows {
				want := VecDotRepacked(typ, w[r*rs:(r+1)*rs], acts[j*as:(j+1)*as], cols)
				requireSameDot(t, level, typ, want, out[j][r], "MatMulRowsRepacked")
			}
		}
	}
	type run struct {
		level string
		gfni  bool
	}
	var runs []run
	for _, level := range simdLevelsAvailable()[1:] {
		runs = append(runs, run{level, q4_0GFNI})
		if level == levelAVX512VNNI && q4_0GFNI {
			runs = append(runs, run{level, false})
		}
	}
	for _, rn := range runs {
		level := rn.level
		name := level
		if !rn.gfni {
			name += "/nogfni"
		}
		t.Run(name, func(t *testing.T) {
			restore := setSIMDLevel(level)
			defer restore()
			gfni := q4_0GFNI
			q4_0GFNI = rn.gfni
			defer func() { q4_0GFNI = gfni }()
			rng := rand.New(rand.NewPCG(5, 7))
			for _, cols := range []int{32, 64, 4096, 14336, 33024} {
				for _, rows := range []int{8, 9, 15, 16, 24, 37} {
					for _, minus128 := range []bool{false, true} {
						w, _ := repackMatrix(rng, typ, rows, 0, cols)
						check(t, level, w, q4_0RepackActs(rng, 17, cols, minus128), rows, 17, cols)
					}
				}
			}
			// Extremes: x = -8 or 7 everywhere against y = -128, -127 or 127
			// (isum from -32768 to 32512), d = 1.
			const cols = 64
			for _, q := range []byte{0x00, 0xff} {
				w := make([]byte, 8*typ.RowSize(cols))
				for b := 0; b < len(w); b += q4_0Size {
					putLE16(w[b:], FP32ToFP16(1))
					for i := 2; i < q4_0Size; i++ {
						w[b+i] = q
					}
				}
				var acts []byte
				for _, y := range []byte{0x80, 0x81, 0x7f} {
					a := make([]byte, ggml.Q8_0.RowSize(cols))
					for b := 0; b < len(a); b += q8_0Size {
						putLE16(a[b:], FP32ToFP16(1))
						for i := 2; i < q8_0Size; i++ {
							a[b+i] = y
						}
					}
					acts = append(acts, a...)
				}
				check(t, level, w, acts, 8, 3, cols)
			}
		})
	}
}

// BenchmarkQ4_0Repacked compares the repacked-order Q4_0 kernels with the
// vec_dot-order ones on Mistral 7B's shapes, one thread, activations as
// the quantizer makes them: MatVecRepacked against MatVec ("gemv", MB/s
// of weights: 4096x4096 is 9.4 MB and stays in L3 here, the 14336-row
// shapes are 33 MB and come from memory) and MatMulRowsRepacked against
// MatMulRows ("gemm", 32 activation rows, ns/pair per weight row x
// activation row), at every SIMD level (and the portable code, level none,
// on 1024x4096).
func BenchmarkQ4_0Repacked(b *testing.B) {
	typ := ggml.Q4_0
	shapes := []struct{ rows, cols int }{{4096, 4096}, {1024, 4096}, {14336, 4096}, {4096, 14336}}
	levels := simdLevelsAvailable()[1:]
	for i, sh := range shapes {
		w, _ := gemmBenchMatrix(typ, sh.rows, sh.cols, 0)
		a := q4_0RepackActs(rand.New(rand.NewPCG(1, 2)), 1, sh.cols, false)
		out := make([]float32, sh.rows)
		lv := levels
		if i == 1 {
			lv = append([]string{levelNone}, levels...) // the portable code, once
		}
		for _, level := range lv {
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
		w, _ := gemmBenchMatrix(typ, sh.rows, sh.cols, 0)
		acts := q4_0RepackActs(rand.New(rand.NewPCG(1, 2)), nAct, sh.cols, false)
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
