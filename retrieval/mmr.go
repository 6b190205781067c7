package retrieval

import "math"

// DefaultMMRLambda weighs relevance against novelty in maximal marginal
// relevance: 1 is pure relevance, 0 pure diversity. 0.7 keeps the ranking
// mostly intact and only pushes out near-duplicates (the same paragraph in
// two versions of a manual, boilerplate repeated on every page).
const DefaultMMRLambda = 0.7

// mmr picks k of the candidates by maximal marginal relevance (Carbonell and
// Goldstein, 1998): each step takes the candidate maximizing
//
//	lambda*rel(i) - (1-lambda)*max_{j picked} sim(i, j)
//
// rel is min-max normalized to [0, 1] first, so that lambda means the same
// whatever the scale of the scores (RRF scores span only a few hundredths).
// It returns indexes into rel, in pick order; ties go to the lower index.
func mmr(rel []float64, sim func(i, j int) float64, k int, lambda float64) []int {
	n := len(rel)
	k = min(k, n)
	if k <= 0 {
		return nil
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range rel {
		lo, hi = min(lo, r), max(hi, r)
	}
	norm := make([]float64, n)
	for i, r := range rel {
		if hi > lo {
			norm[i] = (r - lo) / (hi - lo)
		} else {
			norm[i] = 1
		}
	}
	maxSim := make([]float64, n) // to the picked set
	for i := range maxSim {
		maxSim[i] = math.Inf(-1)
	}
	picked := make([]bool, n)
	out := make([]int, 0, k)
	for len(out) < k {
		best, bestVal := -1, math.Inf(-1)
		for i := 0; i < n; i++ {
			if picked[i] {
				continue
			}
			v := lambda * norm[i]
			if len(out) > 0 {
				v -= (1 - lambda) * maxSim[i]
			}
			if v > bestVal {
				best, bestVal = i, v
			}
		}
		picked[best] = true
		out = append(out, best)
		for i := 0; i < n; i++ {
			if !picked[i] {
				maxSim[i] = max(maxSim[i], sim(i, best))
			}
		}
	}
	return out
}
