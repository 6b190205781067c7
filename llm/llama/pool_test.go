package llama

import (
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/quirehq/quire/llm/ggml"
	"github.com/quirehq/quire/llm/gguf"
	"github.com/quirehq/quire/llm/synth"
	"github.com/stretchr/testify/require"
)

// countTask records how often each chunk ran.
type countTask struct{ hits []atomic.Int32 }

func (t *countTask) run(c int) { t.hits[c].Add(1) }

func TestPoolRunsEveryChunkOnce(t *testing.T) {
	cases := []struct {
		name            string
		threads, chunks int
	}{
		{"one thread", 1, 37},
		{"more threads than chunks", 4, 3},
		{"one chunk", 3, 1},
		{"many chunks", 3, 1000},
		{"no chunks", 2, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPool(tc.threads)
			defer p.Close()
			require.Equal(t, tc.threads, p.Threads())
			for range 50 { // reuse: the pool must reset between tasks
				task := &countTask{hits: make([]atomic.Int32, tc.chunks)}
				p.run(task, tc.chunks)
				for c := range task.hits {
					require.EqualValues(t, 1, task.hits[c].Load(), "chunk %d", c)
				}
			}
		})
	}
}

func TestPoolDefaultsToGOMAXPROCS(t *testing.T) {
	p := NewPool(0)
	defer p.Close()
	require.GreaterOrEqual(t, p.Threads(), 1)
	p.Close() // twice is harmless
}

// loadSynth writes and binds a synthetic model.
func loadSynth(tb testing.TB, cfg synth.Config) *Model {
	path := filepath.Join(tb.TempDir(), "m.gguf")
	require.NoError(tb, synth.Write(path, cfg))
	f, err := gguf.Open(path)
	require.NoError(tb, err)
	tb.Cleanup(func() { f.Close() })
	m, err := FromGGUF(f)
	require.NoError(tb, err)
	return m
}

// TestThreadsGiveSameNumbers runs the same tokens on 1, 2 and 3 threads,
// one at a time and batched, past the length where attention is split:
// every logit must be identical, since each output is one dot product
// whatever the split.
func TestThreadsGiveSameNumbers(t *testing.T) {
	cases := []struct {
		name string
		cfg  synth.Config
	}{
		{"q4_k_m", synth.Config{Dim: 512, Layers: 2, Heads: 8, KVHeads: 2, FFN: 1024, Type: "Q4_K_M"}},
		{"q4_0", synth.Config{Dim: 256, Layers: 1, Heads: 4, KVHeads: 1, FFN: 512, Type: "Q4_0"}},
	}
	const n = 80
	tokens := make([]int, n)
	for i := range tokens {
		tokens[i] = 1 + (i*7919)%31999
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.CtxLen, cfg.Seed = 4096, 3
			m := loadSynth(t, cfg)
			run := func(threads, batch int) [][]float32 {
				kc, err := NewCache(m.Config, n, ggml.F16)
				require.NoError(t, err)
				s := m.NewStateThreads(n, threads)
				defer s.Close()
				var out [][]float32
				for p := 0; p < n; p += batch {
					end := min(p+batch, n)
					logits, err := m.Forward(s, kc, tokens[p:end], p, true)
					require.NoError(t, err)
					out = append(out, append([]float32(nil), logits...))
				}
				return out
			}
			one := run(1, 1)
			require.Equal(t, one, run(2, 1))
			require.Equal(t, one, run(3, 1))
			batched := run(1, 16)
			require.Equal(t, batched, run(3, 16))
			for i, l := range batched {
				require.Equal(t, one[i*16+15], l, "batch %d", i)
			}
		})
	}
}

// TestGenerationDoesNotAllocate is the no-allocation rule for the
// generation loop: one token through Forward, on a pool of several threads
// and long enough a context that attention is split too.
func TestGenerationDoesNotAllocate(t *testing.T) {
	m := loadSynth(t, synth.Config{Dim: 512, Layers: 2, Heads: 8, KVHeads: 2, FFN: 1024, Type: "Q4_K_M", CtxLen: 4096, Seed: 5})
	const ctx = 256
	kc, err := NewCache(m.Config, ctx, ggml.F16)
	require.NoError(t, err)
	s := m.NewStateThreads(ctx, 3)
	defer s.Close()
	pos := 0
	step := func() {
		_, err := m.Forward(s, kc, []int{1 + pos%1000}, pos, true)
		require.NoError(t, err)
		pos++
	}
	for range 100 {
		step()
	}
	require.Zero(t, testing.AllocsPerRun(50, step))
}

// TestDroppedStateStopsItsWorkers checks that a State nobody closed does
// not leak its pool's goroutines once it is garbage.
func TestDroppedStateStopsItsWorkers(t *testing.T) {
	m := loadSynth(t, synth.Config{Dim: 64, Layers: 1, Heads: 2, KVHeads: 1, FFN: 64, Type: "F32", CtxLen: 64, Seed: 1})
	before := runtime.NumGoroutine()
	func() {
		s := m.NewStateThreads(8, 4)
		kc, err := NewCache(m.Config, 8, ggml.F16)
		require.NoError(t, err)
		_, err = m.Forward(s, kc, []int{1, 2}, 0, true)
		require.NoError(t, err)
		require.Equal(t, before+3, runtime.NumGoroutine())
	}()
	for i := 0; i < 100 && runtime.NumGoroutine() > before; i++ {
		runtime.GC()
		runtime.Gosched()
	}
	require.Equal(t, before, runtime.NumGoroutine(), "the pool's goroutines outlived their State")
}
