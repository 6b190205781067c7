package quant

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/quirehq/quire/llm/ggml"
)

// gemmBenchMatrix makes a rows x cols matrix of type typ from one random
// row repeated (a real matrix of this size takes long to quantize; the
// kernels' speed does not depend on the values) and nAct activation rows.
func gemmBenchMatrix(typ ggml.Type, rows, cols, nAct int) (w, acts []byte) {
	rng := rand.New(rand.NewPCG(uint64(typ), uint64(cols)))
	wr, _ := simdRow(rng, typ, cols)
	w = make([]byte, rows*len(wr))
	for r := 0; r < rows; r++ {
		copy(w[r*len(wr):], wr)
	}
	for j := 0; j < nAct; j++ {
		_, a := simdRow(rng, typ, cols)
		acts = append(acts, a...)
	}
	return w, acts
}

// BenchmarkMatMulRows times MatMulRows ("gemm", at each SIMD level: avx2
// has the four-row kernels, avx512vnni adds the eight-row Q4_K one) against one VecDot kernel
// call per (row, token) pair with the weight row reused from cache across
// the tokens ("pairs", the best the single-row kernels can do) on Mistral's
// 4096x4096 (attention), 14336x4096 (FFN up/gate) and 4096x14336 (FFN
// down) shapes, one thread.
// The ns/pair metric is ns per (weight row x activation row).
func BenchmarkMatMulRows(b *testing.B) {
	shapes := []struct{ rows, cols int }{{4096, 4096}, {14336, 4096}, {4096, 14336}}
	for _, typ := range []ggml.Type{ggml.Q4_K, ggml.Q6_K, ggml.Q4_0, ggml.Q8_0} {
		for _, sh := range shapes {
			for _, nAct := range []int{8, 32} {
				w, acts := gemmBenchMatrix(typ, sh.rows, sh.cols, nAct)
				out := make([][]float32, nAct)
				for j := range out {
					out[j] = make([]float32, sh.rows)
				}
				pairs := float64(sh.rows * nAct)
				name := fmt.Sprintf("%v/%dx%d/act=%d", typ, sh.rows, sh.cols, nAct)
				for _, level := range simdLevelsAvailable()[1:] {
					b.Run(name+"/gemm-"+level, func(b *testing.B) {
						restore := setSIMDLevel(level)
						defer restore()
						for b.Loop() {
							MatMulRows(typ, w, sh.cols, 0, sh.rows, acts, nAct, out)
						}
						b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/pairs, "ns/pair")
					})
				}
				b.Run(name+"/pairs-"+simdLevel, func(b *testing.B) {
					rs, as := typ.RowSize(sh.cols), VecDotType(typ).RowSize(sh.cols)
					for b.Loop() {
						for r := 0; r < sh.rows; r++ {
							wr := w[r*rs : (r+1)*rs]
							for j := 0; j < nAct; j++ {
								out[j][r] = VecDot(typ, wr, acts[j*as:(j+1)*as], sh.cols)
							}
						}
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/pairs, "ns/pair")
				})
			}
		}
	}
}

// BenchmarkPromptQ4K is the end-to-end question for prompt processing: a
// Q4_K 14336x4096 matrix (Mistral's ffn_gate/ffn_up) times 32 tokens, as
// MatMulRows against what llm/llama's matMul did before it (per token, a
// MatVec over 32 KiB blocks of weight rows, so that each block is reused
// from cache by all tokens). tok/s is tokens through this one matrix per
// second on one thread.
func BenchmarkPromptQ4K(b *testing.B) {
	const rows, cols, nTok = 14336, 4096, 32
	typ := ggml.Q4_K
	w, acts := gemmBenchMatrix(typ, rows, cols, nTok)
	rs, as := typ.RowSize(cols), VecDotType(typ).RowSize(cols)
	out := make([][]float32, nTok)
	for j := range out {
		out[j] = make([]float32, rows)
	}
	tokPerSec := func(b *testing.B) {
		b.ReportMetric(float64(nTok)*float64(b.N)/b.Elapsed().Seconds(), "tok/s")
	}
	b.Run("MatMulRows", func(b *testing.B) {
		for b.Loop() {
			MatMulRows(typ, w, cols, 0, rows, acts, nTok, out)
		}
		tokPerSec(b)
	})
	b.Run("MatVecBlocks", func(b *testing.B) {
		blockRows := max(1, 32<<10/rs)
		for b.Loop() {
			for r0 := 0; r0 < rows; r0 += blockRows {
				r1 := min(rows, r0+blockRows)
				for j := 0; j < nTok; j++ {
					MatVec(typ, w[r0*rs:r1*rs], r1-r0, cols, acts[j*as:(j+1)*as], out[j][r0:r1])
				}
			}
		}
		tokPerSec(b)
	})
}
