package retrieval

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
)

// DefaultHashDim is the hashing embedder's default dimension, the same as
// the small BERT embedders (bge-small, MiniLM) so that snapshots and memory
// budgets look alike whichever embedder is used.
const DefaultHashDim = 384

// Feature weights of the hashing embedder. Words carry the meaning; bigrams
// keep some word order ("turn off" vs "off turn"); character 3-5-grams make
// inflections, compounds and typos overlap. Stop words alone say little but
// change a bigram's meaning, so they are kept and down-weighted.
const (
	hashWordWeight   = 1.0
	hashStopWeight   = 0.1
	hashBigramWeight = 0.7
	hashCharWeight   = 0.25
)

// Seeds that keep the feature families apart: the word "abc" and the
// trigram "abc" must not land on the same hash.
const (
	seedWord   = 0x9e3779b97f4a7c15
	seedBigram = 0xc2b2ae3d27d4eb4f
	seedChar   = 0x165667b19e3779f9
)

// HashEmbedder embeds text without a model: feature hashing of word
// unigrams, word bigrams and character 3-5-grams into dim signed buckets,
// with sublinear term frequency (1+ln tf) and L2 normalization. It is
// deterministic, needs no files, and embeds thousands of chunks a second on
// one core. It knows no synonyms: "car" and "automobile" are unrelated to it,
// which is why Quire pairs it with BM25 and recommends a BERT model for
// semantic recall.
type HashEmbedder struct {
	dim     int
	scratch sync.Pool // *hashScratch
}

// NewHashEmbedder returns a hashing embedder of dimension dim
// (DefaultHashDim when dim <= 0).
func NewHashEmbedder(dim int) *HashEmbedder {
	if dim <= 0 {
		dim = DefaultHashDim
	}
	return &HashEmbedder{dim: dim}
}

// ID is "hash-v1-<dim>". Bump the version when features or weights change:
// vectors from different versions must not be mixed.
func (e *HashEmbedder) ID() string { return fmt.Sprintf("hash-v1-%d", e.dim) }

// Dim is the vector length.
func (e *HashEmbedder) Dim() int { return e.dim }

// Embed returns one L2-normalized vector per text; a text without a single
// word gives the zero vector. Large batches are spread over all cores.
func (e *HashEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	backing := make([]float32, len(texts)*e.dim)
	for i := range out {
		out[i] = backing[i*e.dim : (i+1)*e.dim : (i+1)*e.dim]
	}
	workers := runtime.GOMAXPROCS(0)
	if n := len(texts) / 32; n < workers {
		workers = max(n, 1)
	}
	if workers == 1 { // small batches, queries: no goroutines
		s := e.getScratch()
		defer e.scratch.Put(s)
		for i, t := range texts {
			if i%64 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, fmt.Errorf("hash embedder: %w", err)
				}
			}
			e.embedOne(s, t, out[i])
		}
		return out, nil
	}
	var (
		wg   sync.WaitGroup
		next = make(chan int, len(texts))
	)
	for i := range texts {
		next <- i
	}
	close(next)
	errs := make([]error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			s := e.getScratch()
			defer e.scratch.Put(s)
			for i := range next {
				if i%64 == 0 {
					if err := ctx.Err(); err != nil {
						errs[w] = fmt.Errorf("hash embedder: %w", err)
						return
					}
				}
				e.embedOne(s, texts[i], out[i])
			}
		}(w)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (e *HashEmbedder) getScratch() *hashScratch {
	if s, ok := e.scratch.Get().(*hashScratch); ok {
		return s
	}
	return &hashScratch{}
}

// hashScratch is per-goroutine working memory: the token buffer and a
// feature-count table reset by generation stamps instead of clearing.
type hashScratch struct {
	toks  []token
	keys  []uint64
	vals  []float32 // summed weight of the feature, before tf damping
	cnts  []uint32  // occurrences
	stamp []uint32
	gen   uint32
	used  []int32 // slots in use this round
}

func (s *hashScratch) reset(want int) {
	size := 1024
	for size < want*2 {
		size *= 2
	}
	if len(s.keys) < size {
		s.keys = make([]uint64, size)
		s.vals = make([]float32, size)
		s.cnts = make([]uint32, size)
		s.stamp = make([]uint32, size)
		s.gen = 0
	}
	s.gen++
	if s.gen == 0 { // wrapped: clear the stamps once every 4 billion texts
		clear(s.stamp)
		s.gen = 1
	}
	s.used = s.used[:0]
}

// add counts one occurrence of feature h with weight w.
func (s *hashScratch) add(h uint64, w float32) {
	mask := uint64(len(s.keys) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		if s.stamp[i] != s.gen {
			s.stamp[i] = s.gen
			s.keys[i] = h
			s.vals[i] = w
			s.cnts[i] = 1
			s.used = append(s.used, int32(i))
			return
		}
		if s.keys[i] == h {
			s.cnts[i]++
			return
		}
	}
}

func (e *HashEmbedder) embedOne(s *hashScratch, text string, v []float32) {
	s.toks = tokenize(s.toks[:0], text)
	// About 3 character n-grams per byte of a word, plus words and bigrams.
	s.reset(3*len(text) + 2*len(s.toks) + 16)
	var prev uint64
	havePrev := false
	for _, t := range s.toks {
		hw := hashString(seedWord, t.text)
		switch {
		case t.whole:
			s.add(hw, hashWordWeight)
			continue // compounds take no part in bigrams: their parts do
		case t.stopword:
			s.add(hw, hashStopWeight)
		default:
			s.add(hw, hashWordWeight)
			addCharGrams(s, t.raw)
		}
		if havePrev {
			s.add(mix64(prev*31^hw^seedBigram), hashBigramWeight)
		}
		prev, havePrev = hw, true
	}
	clear(v)
	dim := uint64(len(v))
	for _, i := range s.used {
		h := s.keys[i]
		w := s.vals[i] * (1 + float32(math.Log(float64(s.cnts[i]))))
		b := (h >> 32) * dim >> 32
		if h&1 == 0 {
			v[b] += w
		} else {
			v[b] -= w
		}
	}
	normalize(v)
}

// addCharGrams adds the 3-, 4- and 5-grams of "<w>" (runes, with boundary
// marks so that prefixes and suffixes are features of their own).
func addCharGrams(s *hashScratch, w string) {
	var offs [maxTokenLen + 3]int // rune start offsets in "<w>"
	var buf [maxTokenLen + 2]byte
	b := append(buf[:0], '<')
	b = append(b, w...)
	b = append(b, '>')
	n := 0
	for i := range string(b) { // no allocation: the conversion is only ranged over
		offs[n] = i
		n++
	}
	offs[n] = len(b)
	for g := 3; g <= 5; g++ {
		for i := 0; i+g <= n; i++ {
			s.add(hashBytes(seedChar+uint64(g), b[offs[i]:offs[i+g]]), hashCharWeight)
		}
	}
}

// FNV-1a, finished with a 64-bit mixer so that the low and high bits used for
// the sign and the bucket are both well spread.
func hashString(seed uint64, s string) uint64 {
	h := uint64(14695981039346656037) ^ seed
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return mix64(h)
}

func hashBytes(seed uint64, s []byte) uint64 {
	h := uint64(14695981039346656037) ^ seed
	for _, c := range s {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return mix64(h)
}

// mix64 is the splitmix64 finalizer.
func mix64(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

// normalize scales v to unit length in place; the zero vector stays zero.
func normalize(v []float32) {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	if ss == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(ss))
	for i := range v {
		v[i] *= inv
	}
}
