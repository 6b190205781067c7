package sample

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGreedyPicksLargestLowestIndexOnTie(t *testing.T) {
	require.Equal(t, 2, Greedy([]float32{0, 1, 3, 3, -1}))
	s := New(Params{Temperature: 0})
	require.Equal(t, 1, s.Sample([]float32{0.1, 5, 2}, nil))
}

func TestSeedIsDeterministic(t *testing.T) {
	logits := make([]float32, 100)
	for i := range logits {
		logits[i] = float32(math.Sin(float64(i)))
	}
	draw := func(seed uint64) []int {
		s := New(Params{Temperature: 1, Seed: seed})
		out := make([]int, 20)
		for i := range out {
			l := append([]float32(nil), logits...)
			out[i] = s.Sample(l, nil)
		}
		return out
	}
	require.Equal(t, draw(7), draw(7))
	require.NotEqual(t, draw(7), draw(8))
}

func TestTruncationStages(t *testing.T) {
	// probabilities at temp 1 of these logits: ~0.64, 0.24, 0.09, 0.03
	logits := []float32{3, 2, 1, 0}
	cases := []struct {
		name    string
		p       Params
		allowed map[int]bool
	}{
		{"top-k 1", Params{Temperature: 1, TopK: 1}, map[int]bool{0: true}},
		{"top-k 2", Params{Temperature: 1, TopK: 2}, map[int]bool{0: true, 1: true}},
		{"top-p 0.5", Params{Temperature: 1, TopP: 0.5}, map[int]bool{0: true}},
		{"top-p 0.8", Params{Temperature: 1, TopP: 0.8}, map[int]bool{0: true, 1: true}},
		{"min-p 0.3", Params{Temperature: 1, MinP: 0.3}, map[int]bool{0: true, 1: true}},
		{"min-p 0.1", Params{Temperature: 1, MinP: 0.1}, map[int]bool{0: true, 1: true, 2: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[int]bool{}
			for seed := uint64(0); seed < 400; seed++ {
				tc.p.Seed = seed
				id := New(tc.p).Sample(append([]float32(nil), logits...), nil)
				require.True(t, tc.allowed[id], "token %d not allowed", id)
				seen[id] = true
			}
			require.Equal(t, len(tc.allowed), len(seen), "every allowed token should be drawn sometimes")
		})
	}
}

func TestTemperatureSharpens(t *testing.T) {
	logits := []float32{1, 0.5}
	count := func(temp float32) int {
		n := 0
		for seed := uint64(0); seed < 2000; seed++ {
			if New(Params{Temperature: temp, Seed: seed}).Sample(append([]float32(nil), logits...), nil) == 0 {
				n++
			}
		}
		return n
	}
	require.Greater(t, count(0.1), count(2))
}

func TestPenalties(t *testing.T) {
	logits := []float32{2, -2, 1, 1}
	s := New(Params{RepeatPenalty: 2, FrequencyPenalty: 0.5, PresencePenalty: 0.25})
	s.applyPenalties(logits, []int{0, 0, 1, 7 /* out of range: ignored */})
	require.InDelta(t, 2.0/2-2*0.5-0.25, logits[0], 1e-6)
	require.InDelta(t, -2.0*2-0.5-0.25, logits[1], 1e-6)
	require.Equal(t, float32(1), logits[2])

	// the window only looks at the last RepeatLastN tokens
	logits = []float32{2, 2}
	New(Params{RepeatPenalty: 2, RepeatLastN: 1}).applyPenalties(logits, []int{0, 1})
	require.Equal(t, []float32{2, 1}, logits)

	// greedy with a penalty switches away from the repeated token
	s = New(Params{RepeatPenalty: 4})
	require.Equal(t, 1, s.Sample([]float32{2, 1}, []int{0}))
}

func TestLogSoftmaxAndTopK(t *testing.T) {
	ls := LogSoftmax([]float32{1, 2, 3, 3})
	var sum float64
	for _, v := range ls {
		sum += math.Exp(v)
	}
	require.InDelta(t, 1, sum, 1e-12)
	require.Equal(t, []int{2, 3, 1}, TopK(ls, 3))
	require.Equal(t, []int{2, 3, 1, 0}, TopK(ls, 10))
}

func TestStopper(t *testing.T) {
	cases := []struct {
		name   string
		stops  []string
		pieces []string
		want   string
		stop   bool
	}{
		{"no stops", nil, []string{"ab", "c"}, "abc", false},
		{"stop split across pieces", []string{"</s>"}, []string{"hello <", "/", "s> more"}, "hello ", true},
		{"partial then not a stop", []string{"###"}, []string{"a#", "#b"}, "a##b", false},
		{"earliest of several", []string{"END", "\n\n"}, []string{"x\n\ny END"}, "x", true},
		{"stop at start", []string{"Q:"}, []string{"Q: hi"}, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := NewStopper(tc.stops)
			var out string
			stopped := false
			for _, p := range tc.pieces {
				e, st := s.Push(p)
				out += e
				if st {
					stopped = true
					break
				}
			}
			out += s.Flush()
			require.Equal(t, tc.want, out)
			require.Equal(t, tc.stop, stopped)
		})
	}
}
