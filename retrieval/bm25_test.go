package retrieval

import (
	"context"
	"math"
	"testing"

	"github.com/quirehq/quire/store"
	"github.com/stretchr/testify/require"
)

// searchIDs runs q and returns the chunk ids, best first.
func searchIDs(t *testing.T, ix *Index, q Query) []string {
	t.Helper()
	hits, err := ix.Search(context.Background(), q)
	require.NoError(t, err)
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.Chunk.ID
	}
	return ids
}

func TestBM25ScoreMatchesFormula(t *testing.T) {
	// Three one-field chunks; the score of "apple" in chunk 0 by hand.
	ix := newBM25()
	texts := []string{"apple apple banana", "banana cherry", "apple cherry cherry cherry"}
	for i, s := range texts {
		ix.add(int32(i), chunkFields{fieldText: s})
	}
	alive := []bool{true, true, true}
	f := &filter{alive: alive, slotColl: make([]int32, 3), coll: -1}
	p := bm25Params{k1: 1.2, b: 0.75, weights: [numFields]float64{1, 2, 2, 2}}
	got := ix.search("apple", 10, p, f, &bmScratch{acc: make([]float32, 3)})
	require.Len(t, got, 2)

	avg := (3.0 + 2 + 4) / 3
	idf := math.Log(1 + (3-2+0.5)/(2+0.5))
	want := func(tf, dl float64) float64 {
		tfn := tf / (1 - 0.75 + 0.75*dl/avg)
		return idf * tfn * 2.2 / (1.2 + tfn)
	}
	require.Equal(t, int32(0), got[0].slot)
	require.InDelta(t, want(2, 3), got[0].score, 1e-5)
	require.Equal(t, int32(2), got[1].slot)
	require.InDelta(t, want(1, 4), got[1].score, 1e-5)

	// Removing chunk 0 updates df and lengths at once.
	ix.remove(0, chunkFields{fieldText: texts[0]})
	alive[0] = false
	got = ix.search("apple", 10, p, f, &bmScratch{acc: make([]float32, 3)})
	require.Len(t, got, 1)
	avg = (2.0 + 4) / 2
	idf = math.Log(1 + (2-1+0.5)/(1+0.5))
	tfn := 1 / (1 - 0.75 + 0.75*4/avg)
	require.InDelta(t, idf*tfn*2.2/(1.2+tfn), got[0].score, 1e-5)
}

func TestBM25Ranking(t *testing.T) {
	emb := NewHashEmbedder(64)
	ix := NewIndex(emb)
	add := func(id, name, title string, texts ...string) {
		d := store.Document{ID: id, Name: name, Title: title, Collection: "c"}
		require.NoError(t, ix.Upsert(d, mkChunks(t, emb, d, texts...)))
	}
	add("manual-23", "manuals/widget-v2.3/install.md", "Widget install guide",
		"To install the widget, run the installer and reboot.",
		"Troubleshooting: the fan is loud after installation.")
	add("manual-24", "manuals/widget-v2.4/install.md", "Widget install guide",
		"To install the widget, run the installer and reboot.",
		"Known issues: CVE-2024-1234 affects the updater.")
	add("q2", "filings/acme-2023-q2.pdf", "ACME quarterly report",
		"Revenue grew in the quarter thanks to printer sales.")
	add("q3", "filings/acme-2023-q3.pdf", "ACME quarterly report",
		"Revenue grew in the quarter thanks to printer sales.")
	add("other", "notes/cooking.md", "Pasta",
		"Boil water, add salt, cook the pasta for nine minutes. Revenue is irrelevant here.")

	for _, tc := range []struct {
		name  string
		query string
		first string
	}{
		{"plain terms", "troubleshooting loud fan", "manual-23#1"},
		{"stemmed terms", "installing widgets", "manual-23#0"},
		{"version in the file name picks the manual", "install widget v2.4", "manual-24#0"},
		{"version without v", "install widget 2.3", "manual-23#0"},
		{"cve whole", "CVE-2024-1234", "manual-24#1"},
		{"cve by part", "vulnerability 1234", "manual-24#1"},
		{"quarter in the file name picks the filing", "ACME revenue Q3 2023", "q3#0"},
		{"other quarter", "revenue q2", "q2#0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ids := searchIDs(t, ix, Query{Text: tc.query, Mode: ModeBM25})
			require.NotEmpty(t, ids)
			require.Equal(t, tc.first, ids[0], "ranking %v", ids)
		})
	}
	// Stop words alone find nothing.
	require.Empty(t, searchIDs(t, ix, Query{Text: "the and of", Mode: ModeBM25}))
}

func TestBM25FieldBoost(t *testing.T) {
	// The same text in two documents: the one whose title and heading hold
	// the query term wins, and a higher title weight widens the gap.
	emb := NewHashEmbedder(64)
	ix := NewIndex(emb)
	text := "Steps for the cluster and the replica settings."
	for _, d := range []store.Document{
		{ID: "a", Name: "a.md", Title: "Overview"},
		{ID: "b", Name: "b.md", Title: "Backup"},
	} {
		cs := mkChunks(t, emb, d, text+" backup")
		if d.ID == "b" {
			cs[0].HeadingPath = []string{"Backup", "Schedule"}
		}
		require.NoError(t, ix.Upsert(d, cs))
	}
	score := func() (float64, float64) {
		hits, err := ix.Search(context.Background(), Query{Text: "backup", Mode: ModeBM25})
		require.NoError(t, err)
		require.Len(t, hits, 2)
		require.Equal(t, "b", hits[0].Doc.ID)
		return hits[0].Score, hits[1].Score
	}
	b1, a1 := score()
	ix.SetParams(Params{TitleWeight: 6})
	b2, a2 := score()
	require.Greater(t, b2/a2, b1/a1)
}
