package llama

import (
	"fmt"
	"testing"

	"github.com/quirehq/quire/llm/ggml"
	"github.com/quirehq/quire/llm/synth"
)

// BenchmarkForwardToken is one generation step (one token, logits wanted)
// on a small Q4_K_M model at context position 64; run with -benchmem to
// see that it allocates nothing.
func BenchmarkForwardToken(b *testing.B) {
	m := loadSynth(b, synth.Config{Dim: 1024, Layers: 4, Heads: 16, KVHeads: 4, FFN: 2816, Type: "Q4_K_M", CtxLen: 4096, Seed: 9})
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("t%d", threads), func(b *testing.B) {
			const ctx, at = 128, 64
			kc, err := NewCache(m.Config, ctx, ggml.F16)
			if err != nil {
				b.Fatal(err)
			}
			s := m.NewStateThreads(ctx, threads)
			defer s.Close()
			for p := range at {
				if _, err := m.Forward(s, kc, []int{1 + p}, p, false); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Forward(s, kc, []int{42}, at, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
