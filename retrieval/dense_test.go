package retrieval

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	chromem "github.com/philippgille/chromem-go"
	"github.com/stretchr/testify/require"
)

func randUnit(r *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	normalize(v)
	return v
}

func TestDot(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 7, 8, 9, 31, 64, 383, 384, 1024} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			a, b := make([]float32, n), make([]float32, n)
			var want float64
			for i := range a {
				a[i], b[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
				want += float64(a[i]) * float64(b[i])
			}
			require.InDelta(t, want, dotGeneric(a, b), 1e-4)
			require.InDelta(t, want, dot(a, b), 1e-4)
		})
	}
}

func TestTopK(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	reverse := func(a, b int32) bool { return a > b }
	for _, k := range []int{0, 1, 5, 100} {
		for _, tie := range []func(a, b int32) bool{nil, reverse} {
			var all []scored
			tk := newTopK(k, tie)
			for i := 0; i < 60; i++ {
				c := scored{float32(r.IntN(20)), int32(i)} // many ties
				all = append(all, c)
				tk.push(c)
			}
			sort.Slice(all, func(i, j int) bool {
				if all[i].score != all[j].score {
					return all[i].score > all[j].score
				}
				if tie != nil {
					return tie(all[i].slot, all[j].slot)
				}
				return all[i].slot < all[j].slot
			})
			require.Equal(t, all[:min(k, len(all))], append([]scored{}, tk.sorted()...), "k=%d", k)
		}
	}
}

func TestDotKernelMatchesGeneric(t *testing.T) {
	t.Logf("AVX2+FMA kernel in use: %v", useAVX2)
	r := rand.New(rand.NewPCG(9, 9))
	for n := 0; n <= 130; n++ {
		a, b := randUnit(r, n), randUnit(r, n)
		require.InDelta(t, dotGeneric(a, b), dot(a, b), 1e-5, "n=%d", n)
	}
}

// TestDenseSearchMatchesChromem checks the flat scan against chromem-go's
// exhaustive search on the same vectors, with and without filters.
func TestDenseSearchMatchesChromem(t *testing.T) {
	const dim, n = 48, 20000 // enough rows for the parallel path
	r := rand.New(rand.NewPCG(5, 6))
	vecs := make([]float32, 0, n*dim)
	alive := make([]bool, n)
	colls := make([]int32, n)
	docs := make([]chromem.Document, n)
	for i := 0; i < n; i++ {
		v := randUnit(r, dim)
		vecs = append(vecs, v...)
		alive[i] = i%17 != 0 // some dead slots
		colls[i] = int32(i % 3)
		docs[i] = chromem.Document{ID: fmt.Sprint(i), Embedding: v,
			Metadata: map[string]string{"coll": fmt.Sprint(i % 3), "alive": fmt.Sprint(alive[i])}}
	}
	db := chromem.NewDB()
	noEmbed := func(context.Context, string) ([]float32, error) {
		return nil, errors.New("the test passes vectors, never text")
	}
	col, err := db.CreateCollection("t", nil, noEmbed)
	require.NoError(t, err)
	require.NoError(t, col.AddDocuments(context.Background(), docs, 2))

	for _, tc := range []struct {
		name  string
		coll  int32
		where map[string]string
	}{
		{"all collections", -1, map[string]string{"alive": "true"}},
		{"collection 1", 1, map[string]string{"alive": "true", "coll": "1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for qi := 0; qi < 5; qi++ {
				q := randUnit(r, dim)
				k := min(10, col.Count()) // chromem refuses k > Count
				want, err := col.QueryEmbedding(context.Background(), q, k, tc.where, nil)
				require.NoError(t, err)
				f := &filter{alive: alive, slotColl: colls, coll: tc.coll}
				got := denseSearch(q, vecs, dim, k, f, nil)
				require.Len(t, got, len(want))
				for i := range want {
					require.Equal(t, want[i].ID, fmt.Sprint(got[i].slot), "rank %d", i)
					require.InDelta(t, want[i].Similarity, got[i].score, 1e-5)
				}
			}
		})
	}

	// A document filter scans only the given rows.
	rows := []int32{5, 17, 40, 41, 1000}
	bits := make([]uint64, (n+63)/64)
	for _, s := range rows {
		bits[s>>6] |= 1 << (uint(s) & 63)
	}
	got := denseSearch(randUnit(r, dim), vecs, dim, 10, &filter{alive: alive, slotColl: colls, coll: -1, bits: bits}, rows)
	require.Len(t, got, 4, "slot 17 is dead")
	for _, c := range got {
		require.Contains(t, rows, c.slot)
		require.NotEqual(t, int32(17), c.slot)
	}
}

// BenchmarkDot384 compares the kernels on one 384-float row.
func BenchmarkDot384(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x, y := randUnit(r, 384), randUnit(r, 384)
	var sink float32
	b.Run("generic", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink += dotGeneric(x, y)
		}
	})
	b.Run("dispatch", func(b *testing.B) { // AVX2+FMA where the CPU has it
		for i := 0; i < b.N; i++ {
			sink += dot(x, y)
		}
	})
	_ = sink
}
