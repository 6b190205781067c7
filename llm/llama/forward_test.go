package llama

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/quirehq/quire/llm/ggml"
	"github.com/quirehq/quire/llm/gguf"
	"github.com/quirehq/quire/llm/quant"
	"github.com/quirehq/quire/llm/synth"
	"github.com/stretchr/testify/require"
)

// naive is an independent float64 forward pass over dequantized weights,
// written from the paper's equations with whole-sequence causal attention:
// the reference for the structure of Forward (not for ggml's rounding).
func naive(t *testing.T, m *Model, tokens []int) [][]float64 {
	c := m.Config
	deq := func(w Matrix) [][]float64 {
		out := make([][]float64, w.Rows)
		row := make([]float32, w.Cols)
		for r := range out {
			require.NoError(t, quant.Dequantize(w.Type, w.Row(r), row))
			out[r] = make([]float64, w.Cols)
			for i, v := range row {
				out[r][i] = float64(v)
			}
		}
		return out
	}
	mul := func(w [][]float64, x []float64) []float64 {
		y := make([]float64, len(w))
		for r, row := range w {
			for i, v := range row {
				y[r] += v * x[i]
			}
		}
		return y
	}
	norm := func(x []float64, w []float32) []float64 {
		var ss float64
		for _, v := range x {
			ss += v * v
		}
		s := 1 / math.Sqrt(ss/float64(len(x))+float64(c.Eps))
		y := make([]float64, len(x))
		for i := range x {
			y[i] = x[i] * s * float64(w[i])
		}
		return y
	}
	rot := func(x []float64, pos int) {
		for h := 0; h < len(x); h += c.HeadDim {
			for i := 0; i < c.HeadDim; i += 2 {
				th := float64(pos) * math.Pow(float64(c.RopeTheta), -float64(i)/float64(c.HeadDim))
				a, b := x[h+i], x[h+i+1]
				x[h+i], x[h+i+1] = a*math.Cos(th)-b*math.Sin(th), a*math.Sin(th)+b*math.Cos(th)
			}
		}
	}
	embed := deq(m.Embed)
	xs := make([][]float64, len(tokens))
	for p, tok := range tokens {
		xs[p] = append([]float64(nil), embed[tok]...)
	}
	for _, L := range m.Layers {
		wq, wk, wv, wo := deq(L.Wq), deq(L.Wk), deq(L.Wv), deq(L.Wo)
		gate, up, down := deq(L.Gate), deq(L.Up), deq(L.Down)
		ks := make([][]float64, len(tokens))
		vs := make([][]float64, len(tokens))
		qs := make([][]float64, len(tokens))
		for p := range tokens {
			h := norm(xs[p], L.AttnNorm)
			qs[p], ks[p], vs[p] = mul(wq, h), mul(wk, h), mul(wv, h)
			rot(qs[p], p)
			rot(ks[p], p)
		}
		for p := range tokens {
			att := make([]float64, c.Dim)
			for h := 0; h < c.Heads; h++ {
				kh := h / (c.Heads / c.KVHeads) * c.HeadDim
				sc := make([]float64, p+1)
				mx := math.Inf(-1)
				for j := 0; j <= p; j++ {
					for i := 0; i < c.HeadDim; i++ {
						sc[j] += qs[p][h*c.HeadDim+i] * ks[j][kh+i]
					}
					sc[j] /= math.Sqrt(float64(c.HeadDim))
					mx = math.Max(mx, sc[j])
				}
				var sum float64
				for j := range sc {
					sc[j] = math.Exp(sc[j] - mx)
					sum += sc[j]
				}
				for j := range sc {
					for i := 0; i < c.HeadDim; i++ {
						att[h*c.HeadDim+i] += sc[j] / sum * vs[j][kh+i]
					}
				}
			}
			o := mul(wo, att)
			for i := range o {
				xs[p][i] += o[i]
			}
			h := norm(xs[p], L.FFNNorm)
			g, u := mul(gate, h), mul(up, h)
			for i := range g {
				g[i] = g[i] / (1 + math.Exp(-g[i])) * u[i]
			}
			d := mul(down, g)
			for i := range d {
				xs[p][i] += d[i]
			}
		}
	}
	out := deq(m.Output)
	logits := make([][]float64, len(tokens))
	for p := range tokens {
		logits[p] = mul(out, norm(xs[p], m.OutNorm))
	}
	return logits
}

func TestForwardMatchesNaive(t *testing.T) {
	tokens := []int{1, 415, 2936, 9060, 28705, 13, 31999}
	cases := []struct {
		name string
		cfg  synth.Config
		kv   ggml.Type
		tol  float64 // max |Δlogit|; logits have a spread of about 2
	}{
		{"f32 gqa4 h64 f32-cache", synth.Config{Dim: 256, Layers: 2, Heads: 4, KVHeads: 1, FFN: 512, Type: "F32"}, ggml.F32, 1e-3},
		{"f32 gqa1 h128 f16-cache", synth.Config{Dim: 256, Layers: 2, Heads: 2, KVHeads: 2, FFN: 256, Type: "F32"}, ggml.F16, 2e-2},
		{"f16 gqa8 h64", synth.Config{Dim: 512, Layers: 1, Heads: 8, KVHeads: 1, FFN: 512, Type: "F16"}, ggml.F32, 2e-2},
		{"bf16 gqa2 theta 1e4", synth.Config{Dim: 256, Layers: 1, Heads: 4, KVHeads: 2, FFN: 256, Type: "BF16", RopeTheta: 1e4}, ggml.F32, 5e-2},
		// Quantized: 8-bit activations alone move logits by about 0.1.
		{"q4_k_m", synth.Config{Dim: 256, Layers: 2, Heads: 4, KVHeads: 1, FFN: 512, Type: "Q4_K_M"}, ggml.F16, 0.4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.CtxLen, cfg.Seed = 4096, 7
			path := filepath.Join(t.TempDir(), "m.gguf")
			require.NoError(t, synth.Write(path, cfg))
			f, err := gguf.Open(path)
			require.NoError(t, err)
			defer f.Close()
			m, err := FromGGUF(f)
			require.NoError(t, err)

			want := naive(t, m, tokens)
			kc, err := NewCache(m.Config, 16, tc.kv)
			require.NoError(t, err)
			s := m.NewState(16)
			var worst float64
			var one [][]float32
			for p, tok := range tokens {
				got, err := m.Forward(s, kc, []int{tok}, p, true)
				require.NoError(t, err)
				for i := range got {
					worst = math.Max(worst, math.Abs(float64(got[i])-want[p][i]))
				}
				one = append(one, append([]float32(nil), got...))
			}

			// A batch gives the same numbers as token by token (on AMX,
			// Q8_0 and Q6_K batches sum in block order: the same up to
			// float rounding).
			same := func(want, got []float32) {
				if quant.BatchesInBlockOrder() {
					require.InDeltaSlice(t, want, got, 1e-3)
					return
				}
				require.Equal(t, want, got)
			}
			kb, err := NewCache(m.Config, 16, tc.kv)
			require.NoError(t, err)
			got, err := m.Forward(s, kb, tokens[:4], 0, true)
			require.NoError(t, err)
			same(one[3], got)
			got, err = m.Forward(s, kb, tokens[4:], 4, true)
			require.NoError(t, err)
			same(one[len(tokens)-1], got)
			t.Logf("max |Δlogit| vs float64 reference: %.5f", worst)
			require.Less(t, worst, tc.tol)
		})
	}
}

func TestForwardErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.gguf")
	require.NoError(t, synth.Write(path, synth.Config{Dim: 64, Layers: 1, Heads: 2, KVHeads: 1, FFN: 64, CtxLen: 64, Type: "F32", Seed: 1}))
	f, err := gguf.Open(path)
	require.NoError(t, err)
	defer f.Close()
	m, err := FromGGUF(f)
	require.NoError(t, err)
	kc, err := NewCache(m.Config, 4, ggml.F16)
	require.NoError(t, err)
	s := m.NewState(4)
	cases := []struct {
		name   string
		tokens []int
		pos    int
		msg    string
	}{
		{"empty", nil, 0, "0 tokens"},
		{"too many", make([]int, MaxBatch+1), 0, fmt.Sprintf("%d tokens (1..%d", MaxBatch+1, MaxBatch)},
		{"past the context", []int{1, 2}, 3, "outside the context"},
		{"negative position", []int{1}, -1, "outside the context"},
		{"bad token", []int{1, 32000}, 0, "outside the vocabulary"},
		{"negative token", []int{-1}, 0, "outside the vocabulary"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := m.Forward(s, kc, tc.tokens, tc.pos, true)
			require.ErrorContains(t, err, tc.msg)
		})
	}
	_, err = NewCache(m.Config, 4, ggml.Q8_0)
	require.ErrorContains(t, err, "not supported")
}

// TestParallelAttention checks that splitting heads across CPUs (used once
// the context is long) gives exactly the single-worker numbers.
func TestParallelAttention(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.gguf")
	require.NoError(t, synth.Write(path, synth.Config{Dim: 128, Layers: 1, Heads: 4, KVHeads: 2, FFN: 128, CtxLen: 2048, Type: "F32", Seed: 2}))
	f, err := gguf.Open(path)
	require.NoError(t, err)
	defer f.Close()
	m, err := FromGGUF(f)
	require.NoError(t, err)
	const n = 1200 // (n)*heads > 4096: the parallel path
	tokens := make([]int, n)
	for i := range tokens {
		tokens[i] = 1 + (i*7919)%31999
	}
	run := func(workers int) []float32 {
		kc, err := NewCache(m.Config, n, ggml.F16)
		require.NoError(t, err)
		s := m.NewState(n)
		if workers == 1 {
			s.heads = s.heads[:1]
		} else {
			for len(s.heads) < workers {
				s.heads = append(s.heads, headScratch{att: make([]float32, n), qh: make([]float32, m.HeadDim)})
			}
		}
		var logits []float32
		for p := 0; p < n; p += MaxBatch {
			end := min(p+MaxBatch, n)
			logits, err = m.Forward(s, kc, tokens[p:end], p, end == n)
			require.NoError(t, err)
		}
		return logits
	}
	require.Equal(t, run(1), run(3))
}
