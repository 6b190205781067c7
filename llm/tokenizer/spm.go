package tokenizer

// session is one run of SentencePiece BPE over a text whose spaces are
// already "▁": start from UTF-8 characters and repeatedly merge the adjacent
// pair whose concatenation is the highest-scoring vocabulary piece (ties go
// to the leftmost pair); what never becomes a piece falls back to bytes.
// It follows llama.cpp's llm_tokenizer_spm_session step for step, because
// the order of merges decides the ids.
type session struct {
	t       *Tokenizer
	symbols []symbol
	queue   bigramQueue
}

// symbol is a span of the text in a doubly linked list; n == 0 once merged
// into its left neighbour.
type symbol struct {
	prev, next int
	start, n   int
}

type bigram struct {
	left, right int
	score       float32
	size        int
}

// bigramQueue is a max-heap ordered by before: higher score first, then
// the smaller left index (llama.cpp's llm_bigram_spm comparator). It is
// written out rather than using container/heap to avoid boxing each pair.
type bigramQueue []bigram

func before(a, b bigram) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.left < b.left
}

func (q *bigramQueue) push(b bigram) {
	h := append(*q, b)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !before(h[i], h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	*q = h
}

func (q *bigramQueue) pop() bigram {
	h := *q
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		c := l
		if r := l + 1; r < len(h) && before(h[r], h[l]) {
			c = r
		}
		if !before(h[c], h[i]) {
			break
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
	*q = h
	return top
}

// utf8Len is llama.cpp's unicode_len_utf8: the sequence length announced by
// a lead byte, 1 for ASCII and stray continuation bytes.
func utf8Len(b byte) int {
	switch {
	case b < 0xC0:
		return 1
	case b < 0xE0:
		return 2
	case b < 0xF0:
		return 3
	}
	return 4
}

// tokenizeWords is tokenize, run word by word when that gives the same
// ids: if no piece holds "▁" after another character (t.wordSafe), no merge
// can cross the start of a run of "▁", so each word merges on its own.
// Small heaps make a long text 2-3 times faster (BenchmarkEncode).
func (s *session) tokenizeWords(text string, out []int) []int {
	if !s.t.wordSafe {
		return s.tokenize(text, out)
	}
	start, prevMark := 0, false
	for off := 0; off < len(text); {
		n := min(utf8Len(text[off]), len(text)-off)
		mark := text[off:off+n] == spaceMark
		if mark && !prevMark && off > start {
			out = s.tokenize(text[start:off], out)
			start = off
		}
		prevMark = mark
		off += n
	}
	return s.tokenize(text[start:], out)
}

func (s *session) tokenize(text string, out []int) []int {
	s.symbols = s.symbols[:0]
	s.queue = s.queue[:0]
	for off := 0; off < len(text); {
		n := min(utf8Len(text[off]), len(text)-off)
		i := len(s.symbols)
		next := i + 1
		if off+n == len(text) {
			next = -1
		}
		s.symbols = append(s.symbols, symbol{prev: i - 1, next: next, start: off, n: n})
		off += n
	}
	for i := 1; i < len(s.symbols); i++ {
		s.tryAdd(text, i-1, i)
	}
	for len(s.queue) > 0 {
		b := s.queue.pop()
		l, r := &s.symbols[b.left], &s.symbols[b.right]
		// Skip pairs whose symbols changed since the pair was queued.
		if l.n == 0 || r.n == 0 || l.n+r.n != b.size {
			continue
		}
		l.n += r.n
		r.n = 0
		l.next = r.next
		if r.next >= 0 {
			s.symbols[r.next].prev = b.left
		}
		s.tryAdd(text, l.prev, b.left)
		s.tryAdd(text, b.left, l.next)
	}
	if len(s.symbols) == 0 {
		return out
	}
	for i := 0; i != -1; i = s.symbols[i].next {
		sym := s.symbols[i]
		piece := text[sym.start : sym.start+sym.n]
		if id, ok := s.t.toID[piece]; ok {
			out = append(out, id)
			continue
		}
		// Not a piece: llama.cpp's resegment would look the text up among
		// the merges, but every merge result is a piece, so only unmerged
		// characters get here. Emit their bytes.
		for j := 0; j < len(piece); j++ {
			id := s.t.byteID[piece[j]]
			if id < 0 {
				id = s.t.v.UNK
			}
			out = append(out, id)
		}
	}
	return out
}

func (s *session) tryAdd(text string, left, right int) {
	if left < 0 || right < 0 {
		return
	}
	l, r := s.symbols[left], s.symbols[right]
	size := l.n + r.n
	if size > s.t.maxLen {
		return
	}
	id, ok := s.t.toID[text[l.start:l.start+size]]
	if !ok {
		return
	}
	s.queue.push(bigram{left: left, right: right, score: s.t.v.Scores[id], size: size})
}
