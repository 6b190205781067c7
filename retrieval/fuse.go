package retrieval

import "sort"

// DefaultRRFK is the k of reciprocal-rank fusion, from Cormack, Clarke and
// Büttcher (2009) and used as is by most hybrid retrievers: large enough that
// the first few ranks of either list do not drown the other list.
const DefaultRRFK = 60

// fused is a chunk slot ranked by reciprocal-rank fusion, with its rank in
// each input list (1-based; 0 when it was not in that list).
type fused struct {
	slot       int32
	score      float64
	bm25Rank   int
	denseRank  int
	bm25Score  float32 // the inputs' own scores, 0 when absent
	denseScore float32
}

// fuseRRF merges two rankings (best first) by weighted reciprocal-rank
// fusion: score = sum over lists of w/(k + rank), with weight wBM25 for the
// BM25 list and wDense for the dense one. Ties go to the better best rank,
// then by tie (nil: lower slot first), so the order is deterministic.
func fuseRRF(k, wBM25, wDense float64, bm25, dense []scored, tie func(a, b int32) bool) []fused {
	bySlot := make(map[int32]int, len(bm25)+len(dense))
	var out []fused
	add := func(list []scored, isDense bool) {
		w := wBM25
		if isDense {
			w = wDense
		}
		for i, c := range list {
			j, ok := bySlot[c.slot]
			if !ok {
				j = len(out)
				bySlot[c.slot] = j
				out = append(out, fused{slot: c.slot})
			}
			out[j].score += w / (k + float64(i+1))
			if isDense {
				out[j].denseRank, out[j].denseScore = i+1, c.score
			} else {
				out[j].bm25Rank, out[j].bm25Score = i+1, c.score
			}
		}
	}
	add(bm25, false)
	add(dense, true)
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.score != b.score {
			return a.score > b.score
		}
		if ba, bb := bestRank(a), bestRank(b); ba != bb {
			return ba < bb
		}
		if tie != nil {
			return tie(a.slot, b.slot)
		}
		return a.slot < b.slot
	})
	return out
}

func bestRank(f fused) int {
	switch {
	case f.bm25Rank == 0:
		return f.denseRank
	case f.denseRank == 0:
		return f.bm25Rank
	default:
		return min(f.bm25Rank, f.denseRank)
	}
}
