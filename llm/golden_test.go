package llm

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/quirehq/quire/llm/sample"
	"github.com/quirehq/quire/llm/synth"
	"github.com/stretchr/testify/require"
)

// golden is one file written by llm/reference/golden.mjs from llama.cpp.
type golden struct {
	Name   string       `json:"name"`
	Config synth.Config `json:"config"`
	SHA256 string       `json:"sha256"`
	KVType string       `json:"kv_type"`
	Corpus []struct {
		Text   string `json:"text"`
		Tokens []int  `json:"tokens"`
	} `json:"corpus"`
	Prompt       string        `json:"prompt"`
	PromptTokens []int         `json:"prompt_tokens"`
	PromptTop    [][]goldenTop `json:"prompt_top"`
	Greedy       []struct {
		ID  int         `json:"id"`
		Top []goldenTop `json:"top"`
	} `json:"greedy"`
}

type goldenTop struct {
	ID      int     `json:"id"`
	Logprob float64 `json:"logprob"`
}

// tolerance is the allowed log-probability difference from llama.cpp. Our
// arithmetic is not bit-identical to ggml's (summation order, libm versus
// SIMD exp, repacked kernels), and where activations are rounded to 8 bits
// (BF16 mantissas, Q8_0 and Q8_K blocks) a last-bit difference sometimes
// flips one rounding, which moves log-probabilities by a few hundredths; in
// the K-quant models such a flip lands in the KV cache and persists. That is
// the resolution of the comparison: nudging half of every matmul output of
// our own engine by one ulp moves the top-5 by up to 0.009 (BF16), 0.03-0.04
// (Q4_0, Q8_0, Q4_K), 0.04-0.11 (Q5_K, Q6_K, the _M mixes) and 0.17 (the
// 32-layer Q4_K_M). Measured against llama.cpp: F32 2e-5 (F32 cache) and
// 3e-4 (F16 cache), F16 0.002, BF16 0.017, Q8_0 0.019 (once one-token
// attention follows ggml_vec_dot_f16's order; 0.045 before), Q4_0 0.036
// (1e-5 with llama.cpp's repacked GEMV order, quant.MatVecRepacked, which
// is portable Go and not on the hot path yet), K-quants 0.055-0.085, the
// 32-layer Q4_K_M 0.18. A wrong kernel or a missing activation
// quantization moves them by 0.1 to several units.
func tolerance(c synth.Config) float64 {
	var tol float64
	switch strings.ToUpper(c.Type) {
	case "F32", "F16":
		tol = 1e-2
	case "BF16", "Q8_0":
		tol = 2e-2
	case "Q4_0":
		tol = 5e-2
	default: // K-quants
		tol = 0.1
	}
	if c.Layers >= 16 {
		tol *= 2.5
	}
	return tol
}

// compareTop checks that our log-probabilities of the reference's top-5 ids
// are within tol, and that our top-1 equals the reference's unless its top-2
// gap is within tol (a near-tie). It returns the largest deviation and
// whether the position is a near-tie.
func compareTop(t *testing.T, where string, ref []goldenTop, logits []float32, tol float64) (dev float64, tie bool) {
	t.Helper()
	lp := sample.LogSoftmax(logits)
	for _, r := range ref {
		d := math.Abs(lp[r.ID] - r.Logprob)
		dev = max(dev, d)
		require.LessOrEqualf(t, d, tol, "%s: logprob of token %d: ours %.5f, llama.cpp %.5f", where, r.ID, lp[r.ID], r.Logprob)
	}
	tie = len(ref) > 1 && ref[0].Logprob-ref[1].Logprob <= tol
	if !tie {
		require.Equalf(t, ref[0].ID, sample.Greedy(logits), "%s: top-1 differs (llama.cpp gap %.4f)", where, ref[0].Logprob-ref[1].Logprob)
	}
	return dev, tie
}

func TestGoldenLlamaCpp(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files, "no golden files: run llm/reference/regen.sh")
	for _, file := range files {
		var g golden
		raw, err := os.ReadFile(file)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(raw, &g), file)
		t.Run(g.Name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), g.Name+".gguf")
			require.NoError(t, synth.Write(path, g.Config))
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			sum := sha256.Sum256(data)
			require.Equal(t, g.SHA256, hex.EncodeToString(sum[:]), "synth no longer writes the model the golden was made from: regenerate with llm/reference/regen.sh")
			data = nil

			m, err := Load(path, LoadOptions{})
			require.NoError(t, err)
			defer m.Close()
			tok := m.Tokenizer()
			for _, c := range g.Corpus {
				require.Equal(t, c.Tokens, tok.Encode(c.Text, false), "tokens of %q", c.Text)
			}
			require.Equal(t, g.PromptTokens, tok.Encode(g.Prompt, true), "prompt tokens")

			tol := tolerance(g.Config)
			s, err := m.NewSession(SessionOptions{Ctx: 512, F32Cache: g.KVType == "F32"})
			require.NoError(t, err)
			all, err := s.Eval(g.PromptTokens, true)
			require.NoError(t, err)
			require.Len(t, g.PromptTop, len(all))
			var maxDev float64
			ties := 0
			for i, logits := range all {
				dev, tie := compareTop(t, "prompt position "+strconv.Itoa(i), g.PromptTop[i], logits, tol)
				maxDev = max(maxDev, dev)
				if tie {
					ties++
				}
			}

			// Greedy: equal tokens up to the reference's first near-tie.
			logits := all[len(all)-1]
			steps := 0
			for i, step := range g.Greedy {
				dev, tie := compareTop(t, "greedy step "+strconv.Itoa(i), step.Top, logits, tol)
				maxDev = max(maxDev, dev)
				steps++
				if tie {
					break
				}
				require.Equal(t, step.ID, sample.Greedy(logits), "greedy step %d", i)
				out, err := s.Eval([]int{step.ID}, false)
				require.NoError(t, err)
				logits = out[0]
			}
			t.Logf("%s (%s, KV %s): max |Δlogprob| %.5f (tolerance %.0e), %d prompt positions (%d near-ties), %d/%d greedy steps compared",
				g.Name, g.Config.Type, g.KVType, maxDev, tol, len(all), ties, steps, len(g.Greedy))
		})
	}
}
