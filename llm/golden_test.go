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

// tolerance is the allowed log-probability difference from llama.cpp: the
// issue's 1e-2 for F32 and F16 weights, 2e-2 for the others. The engine
// follows the arithmetic of llama.cpp's one-token path operation by
// operation (ggml_vec_dot's lane order, the repacked GEMV order for Q4_0
// and Q4_K, ggml's vector exp in SiLU and softmax, the padded KV length,
// fused multiply-adds in RoPE), so in practice the differences are 0 or a
// few ulps; the tolerance is what the comparison allows, not what it sees.
func tolerance(c synth.Config) float64 {
	switch strings.ToUpper(c.Type) {
	case "F32", "F16":
		return 1e-2
	}
	return 2e-2
}

// compareTop checks that our log-probabilities of the reference's top-5 ids
// are within tol, and that our top-1 equals the reference's unless its top-2
// gap is within tol (a near-tie). It returns the largest deviation and
// whether the position is a near-tie.
func compareTop(t *testing.T, where string, ref []goldenTop, logits []float32, tol float64) (dev float64, tie bool) {
	return compareTopTie(t, where, ref, logits, tol, tol)
}

// nearTie is the top-2 gap under which the golden test lets the top-1
// differ. The engine is within 1e-4 of llama.cpp everywhere, so it can be
// far below the tolerance; that makes the greedy comparison much longer.
const nearTie = 1e-3

// compareTopTie is compareTop with its own near-tie gap.
func compareTopTie(t *testing.T, where string, ref []goldenTop, logits []float32, tol, tieGap float64) (dev float64, tie bool) {
	t.Helper()
	lp := sample.LogSoftmax(logits)
	for _, r := range ref {
		d := math.Abs(lp[r.ID] - r.Logprob)
		dev = max(dev, d)
		require.LessOrEqualf(t, d, tol, "%s: logprob of token %d: ours %.5f, llama.cpp %.5f", where, r.ID, lp[r.ID], r.Logprob)
	}
	tie = len(ref) > 1 && ref[0].Logprob-ref[1].Logprob <= tieGap
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
				dev, tie := compareTopTie(t, "prompt position "+strconv.Itoa(i), g.PromptTop[i], logits, tol, nearTie)
				maxDev = max(maxDev, dev)
				if tie {
					ties++
				}
			}

			// Greedy: equal tokens except at the reference's near-ties, where
			// the test follows llama.cpp's token and goes on comparing.
			logits := all[len(all)-1]
			steps, greedyTies := 0, 0
			for i, step := range g.Greedy {
				dev, tie := compareTopTie(t, "greedy step "+strconv.Itoa(i), step.Top, logits, tol, nearTie)
				maxDev = max(maxDev, dev)
				steps++
				if tie {
					greedyTies++
				} else {
					require.Equal(t, step.ID, sample.Greedy(logits), "greedy step %d", i)
				}
				if i == len(g.Greedy)-1 {
					break
				}
				out, err := s.Eval([]int{step.ID}, false)
				require.NoError(t, err)
				logits = out[0]
			}
			t.Logf("%s (%s, KV %s): max |Δlogprob| %.5f (tolerance %.0e), %d prompt positions (%d near-ties), %d/%d greedy steps compared (%d near-ties)",
				g.Name, g.Config.Type, g.KVType, maxDev, tol, len(all), ties, steps, len(g.Greedy), greedyTies)
		})
	}
}
