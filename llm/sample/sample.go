// Package sample picks the next token from a model's logits. The chain
// follows llama.cpp's default order: penalties, top-k, top-p, min-p,
// temperature, then a seeded draw. Temperature 0 (or below) is greedy.
package sample

import (
	"math"
	"math/rand/v2"
	"sort"
)

// Params are the user's sampling settings. Zero values disable a stage,
// except RepeatPenalty where 0 and 1 both mean "off".
type Params struct {
	Temperature      float32 // <= 0: greedy
	TopK             int     // <= 0: off
	TopP             float32 // <= 0 or >= 1: off
	MinP             float32 // <= 0: off
	RepeatPenalty    float32 // 1 or 0: off; >1 discourages tokens seen in the last RepeatLastN
	FrequencyPenalty float32 // subtracted once per occurrence in the window
	PresencePenalty  float32 // subtracted once if the token occurs in the window
	RepeatLastN      int     // window for the three penalties; 0 means 64, -1 the whole history
	Seed             uint64
}

// Sampler draws tokens. It is not safe for concurrent use: give each
// sequence its own.
type Sampler struct {
	p    Params
	rng  *rand.Rand
	cand []candidate // reused between calls
}

type candidate struct {
	id    int
	logit float32
	p     float32
}

// New returns a sampler seeded with p.Seed, so equal params and logits give
// equal tokens.
func New(p Params) *Sampler {
	return &Sampler{p: p, rng: rand.New(rand.NewPCG(p.Seed, p.Seed^0x9e3779b97f4a7c15))}
}

// Greedy returns the index of the largest logit (the lowest index on ties,
// as llama.cpp's greedy sampler does).
func Greedy(logits []float32) int {
	best := 0
	for i, l := range logits {
		if l > logits[best] {
			best = i
		}
	}
	return best
}

// Sample picks the next token. history is every token so far (prompt and
// generated); penalties look at its tail. logits is modified in place by the
// penalties.
func (s *Sampler) Sample(logits []float32, history []int) int {
	s.applyPenalties(logits, history)
	if s.p.Temperature <= 0 {
		return Greedy(logits)
	}
	c := s.cand[:0]
	for i, l := range logits {
		if !math.IsInf(float64(l), -1) {
			c = append(c, candidate{id: i, logit: l})
		}
	}
	if len(c) == 0 {
		return Greedy(logits)
	}
	sort.Slice(c, func(i, j int) bool { return c[i].logit > c[j].logit })
	if k := s.p.TopK; k > 0 && k < len(c) {
		c = c[:k]
	}
	softmax(c, 1)
	if p := s.p.TopP; p > 0 && p < 1 {
		var cum float32
		for i := range c {
			cum += c[i].p
			if cum >= p {
				c = c[:i+1]
				break
			}
		}
	}
	if m := s.p.MinP; m > 0 {
		floor := c[0].p * m
		n := 1
		for n < len(c) && c[n].p >= floor {
			n++
		}
		c = c[:n]
	}
	softmax(c, s.p.Temperature)
	s.cand = c
	r := s.rng.Float32()
	var cum float32
	for _, x := range c {
		cum += x.p
		if r < cum {
			return x.id
		}
	}
	return c[len(c)-1].id
}

// applyPenalties implements llama.cpp's repetition penalty (divide positive
// logits, multiply negative ones) and OpenAI's frequency and presence
// penalties over the last RepeatLastN tokens.
func (s *Sampler) applyPenalties(logits []float32, history []int) {
	rp, fp, pp := s.p.RepeatPenalty, s.p.FrequencyPenalty, s.p.PresencePenalty
	if (rp == 0 || rp == 1) && fp == 0 && pp == 0 {
		return
	}
	n := s.p.RepeatLastN
	if n == 0 {
		n = 64
	}
	window := history
	if n > 0 && len(window) > n {
		window = window[len(window)-n:]
	}
	counts := make(map[int]int, len(window))
	for _, t := range window {
		if t >= 0 && t < len(logits) {
			counts[t]++
		}
	}
	for t, cnt := range counts {
		l := logits[t]
		if rp != 0 && rp != 1 {
			if l > 0 {
				l /= rp
			} else {
				l *= rp
			}
		}
		l -= float32(cnt)*fp + pp
		logits[t] = l
	}
}

// softmax fills c[i].p from the logits divided by temp; c is sorted by
// logit, descending.
func softmax(c []candidate, temp float32) {
	max := c[0].logit
	var sum float64
	for i := range c {
		e := math.Exp(float64((c[i].logit - max) / temp))
		c[i].p = float32(e)
		sum += e
	}
	for i := range c {
		c[i].p = float32(float64(c[i].p) / sum)
	}
}

// LogSoftmax returns ln softmax(logits) over the whole vocabulary, computed
// in float64 for stable reporting of log-probabilities.
func LogSoftmax(logits []float32) []float64 {
	max := float64(logits[0])
	for _, l := range logits {
		if float64(l) > max {
			max = float64(l)
		}
	}
	var sum float64
	for _, l := range logits {
		sum += math.Exp(float64(l) - max)
	}
	lse := max + math.Log(sum)
	out := make([]float64, len(logits))
	for i, l := range logits {
		out[i] = float64(l) - lse
	}
	return out
}

// TopK returns the ids of the k largest values, largest first (lower id
// first on ties).
func TopK(values []float64, k int) []int {
	idx := make([]int, 0, k+1)
	for i, v := range values {
		pos := len(idx)
		for pos > 0 && values[idx[pos-1]] < v {
			pos--
		}
		if pos >= k {
			continue
		}
		idx = append(idx, 0)
		copy(idx[pos+1:], idx[pos:])
		idx[pos] = i
		if len(idx) > k {
			idx = idx[:k]
		}
	}
	return idx
}
