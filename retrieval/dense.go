package retrieval

import (
	"runtime"
	"sort"
	"sync"
)

// Dense retrieval is an exact scan of our own over one contiguous float32
// matrix (one row per chunk slot), split across the cores, with a bounded
// heap per core. This replaces chromem-go on the query path:
//
//   - chromem's exhaustive search takes ~40 ms at 100k documents (its README)
//     and allocates ~230 times per query; the flat scan here is measured by
//     BenchmarkDense100k and BenchmarkDenseChromem100k side by side.
//   - chromem keeps one *Document (a map of string metadata, a content
//     string, a vector) per chunk; the matrix is 4*dim bytes per chunk and
//     can be written to and read from a snapshot in one piece.
//   - chromem's where-filters are exact string matches over metadata maps;
//     our filters are a collection ordinal and a set of chunk slots.
//
// chromem-go stays as the reference that the scan is tested against
// (dense_test.go): the same vectors must give the same neighbours. Quire's
// vectors are L2-normalized, so the dot product is the cosine similarity, as
// in chromem.

// scored is a candidate: a chunk slot and its score.
type scored struct {
	score float32
	slot  int32
}

// topK keeps the k best candidates seen so far in a min-heap.
type topK struct {
	k   int
	h   []scored
	tie func(a, b int32) bool // order of equal scores; nil: lower slot first
}

func newTopK(k int, tie func(a, b int32) bool) *topK {
	return &topK{k: k, h: make([]scored, 0, k), tie: tie}
}

// better orders candidates: higher score first, then by the tie order, so
// that rankings are deterministic when scores tie.
func (t *topK) better(a, b scored) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	if t.tie != nil && a.slot != b.slot {
		return t.tie(a.slot, b.slot)
	}
	return a.slot < b.slot
}

func (t *topK) push(c scored) {
	if len(t.h) < t.k {
		t.h = append(t.h, c)
		// sift up
		i := len(t.h) - 1
		for i > 0 {
			p := (i - 1) / 2
			if !t.better(t.h[p], t.h[i]) {
				break
			}
			t.h[p], t.h[i] = t.h[i], t.h[p]
			i = p
		}
		return
	}
	if t.k == 0 || !t.better(c, t.h[0]) {
		return
	}
	t.h[0] = c
	// sift down
	i, n := 0, len(t.h)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && t.better(t.h[l], t.h[r]) {
			m = r
		}
		if !t.better(t.h[i], t.h[m]) {
			break
		}
		t.h[i], t.h[m] = t.h[m], t.h[i]
		i = m
	}
}

// sorted returns the kept candidates, best first.
func (t *topK) sorted() []scored {
	out := t.h
	sort.Slice(out, func(i, j int) bool { return t.better(out[i], out[j]) })
	return out
}

// minParallelRows is the number of rows below which a scan stays on one
// goroutine: starting goroutines costs more than scanning a few thousand rows.
const minParallelRows = 8192

// denseSearch returns the n rows of vecs (dim columns) most similar to q,
// considering only the rows that f accepts. When rows is non-nil only those
// rows are scanned (a document filter); otherwise all of them are.
func denseSearch(q, vecs []float32, dim, n int, f *filter, rows []int32) []scored {
	if n <= 0 {
		return nil
	}
	if rows != nil {
		t := newTopK(n, f.tie)
		for _, r := range rows {
			if f.ok(r) {
				t.push(scored{dot(q, vecs[int(r)*dim:int(r+1)*dim]), r})
			}
		}
		return t.sorted()
	}
	total := len(vecs) / dim
	workers := runtime.GOMAXPROCS(0)
	if w := total / minParallelRows; w < workers {
		workers = max(w, 1)
	}
	if workers == 1 {
		t := newTopK(n, f.tie)
		scanRows(q, vecs, dim, 0, total, f, t)
		return t.sorted()
	}
	parts := make([]*topK, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := total*w/workers, total*(w+1)/workers
		parts[w] = newTopK(n, f.tie)
		wg.Add(1)
		go func(t *topK) {
			defer wg.Done()
			scanRows(q, vecs, dim, lo, hi, f, t)
		}(parts[w])
	}
	wg.Wait()
	t := newTopK(n, f.tie)
	for _, p := range parts {
		for _, c := range p.h {
			t.push(c)
		}
	}
	return t.sorted()
}

func scanRows(q, vecs []float32, dim, lo, hi int, f *filter, t *topK) {
	for r := lo; r < hi; r++ {
		if !f.ok(int32(r)) {
			continue
		}
		s := dot(q, vecs[r*dim:(r+1)*dim])
		if len(t.h) == t.k && s < t.h[0].score {
			continue // cheap reject before the heap
		}
		t.push(scored{s, int32(r)})
	}
}

// dotGeneric is the portable dot product, unrolled by 8 into four
// accumulators so that the adds pipeline. It is the reference every faster
// kernel is tested against.
func dotGeneric(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+8 <= len(a); i += 8 {
		aa := a[i : i+8 : i+8]
		bb := b[i : i+8 : i+8]
		s0 += aa[0]*bb[0] + aa[4]*bb[4]
		s1 += aa[1]*bb[1] + aa[5]*bb[5]
		s2 += aa[2]*bb[2] + aa[6]*bb[6]
		s3 += aa[3]*bb[3] + aa[7]*bb[7]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
