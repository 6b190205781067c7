package retrieval

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func list(slots ...int32) []scored {
	out := make([]scored, len(slots))
	for i, s := range slots {
		out[i] = scored{score: float32(100 - i), slot: s}
	}
	return out
}

func TestFuseRRF(t *testing.T) {
	for _, tc := range []struct {
		name        string
		bm25, dense []scored
		want        []fused
	}{
		{"empty", nil, nil, nil},
		{"one list keeps its order", list(7, 3), nil, []fused{
			{slot: 7, score: 1.0 / 61, bm25Rank: 1},
			{slot: 3, score: 1.0 / 62, bm25Rank: 2},
		}},
		{"agreement beats a single first place", list(1, 2, 3), list(2, 4, 1), []fused{
			{slot: 2, score: 1.0/62 + 1.0/61, bm25Rank: 2, denseRank: 1},
			{slot: 1, score: 1.0/61 + 1.0/63, bm25Rank: 1, denseRank: 3},
			{slot: 4, score: 1.0 / 62, denseRank: 2},
			{slot: 3, score: 1.0 / 63, bm25Rank: 3},
		}},
		{"ties go to the lower slot", list(9), list(5), []fused{
			{slot: 5, score: 1.0 / 61, denseRank: 1},
			{slot: 9, score: 1.0 / 61, bm25Rank: 1},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := fuseRRF(60, 1, 1, tc.bm25, tc.dense, nil)
			require.Len(t, got, len(tc.want))
			for i := range got {
				require.Equal(t, tc.want[i].slot, got[i].slot, "position %d", i)
				require.InDelta(t, tc.want[i].score, got[i].score, 1e-12)
				require.Equal(t, tc.want[i].bm25Rank, got[i].bm25Rank)
				require.Equal(t, tc.want[i].denseRank, got[i].denseRank)
			}
		})
	}
}

func TestFuseRRFWeighted(t *testing.T) {
	// With the dense list at weight 0.25, BM25's second place beats the
	// dense first place: 1/62 > 0.25/61.
	got := fuseRRF(60, 1, 0.25, list(1, 2), list(3), nil)
	require.Equal(t, []int32{1, 2, 3}, []int32{got[0].slot, got[1].slot, got[2].slot})
	require.InDelta(t, 0.25/61, got[2].score, 1e-12)
	require.Equal(t, float32(100), got[2].denseScore)
	require.Equal(t, float32(99), got[1].bm25Score)
}

func TestParamsDefaults(t *testing.T) {
	ix := NewIndex(NewHashEmbedder(16))
	require.Equal(t, HashDenseWeight, ix.Params().DenseWeight, "the hashing embedder is trusted less")
	ix.SetParams(Params{K1: 2})
	p := ix.Params()
	require.Equal(t, 2.0, p.K1)
	require.Equal(t, 0.75, p.B)
	require.Equal(t, HashDenseWeight, p.DenseWeight)
	require.Equal(t, 50, p.Candidates)
	require.Equal(t, 1.0, NewIndex(otherEmbedder{}).Params().DenseWeight)
}

// otherEmbedder stands for a model embedder: any Embedder but the hashing one.
type otherEmbedder struct{}

func (otherEmbedder) ID() string { return "other-8" }
func (otherEmbedder) Dim() int   { return 8 }
func (otherEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = make([]float32, 8)
		out[i][len(texts[i])%8] = 1
	}
	return out, nil
}

func TestMMR(t *testing.T) {
	// Candidates 0 and 1 are near-duplicates; 2 is different and a bit less relevant.
	simm := [][]float64{
		{1, 0.95, 0.1, 0.2},
		{0.95, 1, 0.1, 0.2},
		{0.1, 0.1, 1, 0.3},
		{0.2, 0.2, 0.3, 1},
	}
	sim := func(i, j int) float64 { return simm[i][j] }
	rel := []float64{1.0, 0.9, 0.8, 0.0}
	for _, tc := range []struct {
		name   string
		k      int
		lambda float64
		want   []int
	}{
		{"lambda 1 is pure relevance", 4, 1, []int{0, 1, 2, 3}},
		// Step 2: cand 1 = 0.7*0.9-0.3*0.95 = 0.345; cand 2 = 0.7*0.8-0.3*0.1 = 0.53.
		{"default lambda skips the duplicate", 2, 0.7, []int{0, 2}},
		// Step 3: cand 1 = 0.63-0.285 = 0.345; cand 3 = 0-0.3*0.3 = -0.09.
		{"the duplicate still beats the irrelevant", 3, 0.7, []int{0, 2, 1}},
		{"lambda 0 is pure diversity after the first", 3, 0, []int{0, 2, 3}},
		{"k larger than the pool", 9, 0.7, []int{0, 2, 1, 3}},
		{"k zero", 0, 0.7, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, mmr(rel, sim, tc.k, tc.lambda))
		})
	}
	// Equal relevance everywhere normalizes to 1, not a division by zero.
	require.Equal(t, []int{0, 2}, mmr([]float64{0.5, 0.5, 0.5}, func(i, j int) float64 {
		if i+j == 1 {
			return 0.99
		}
		return 0
	}, 2, 0.7))
}
