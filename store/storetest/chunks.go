package storetest

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/store"
)

func testCommitChunks(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	d := newDoc("d1", "default", "a.md")
	d.Status = store.StatusReady
	cs := newChunks(d, 5, 1, 8)
	got := commit(t, c, d, cs) // the document did not exist: CommitChunks creates it
	want := d
	want.Chunks = 5
	requireDoc(t, want, got)

	stored, err := c.Chunks(ctx, "d1")
	require.NoError(t, err)
	requireChunks(t, cs, stored)

	found, err := c.FindDocument(ctx, "default", "a.md")
	require.NoError(t, err)
	require.Equal(t, 5, found.Chunks)
}

func testCommitReplace(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	a, b := newDoc("a", "default", "a.md"), newDoc("b", "default", "b.md")
	commit(t, c, b, newChunks(b, 4, 1, 8))

	tests := []struct {
		n, gen int
	}{
		{5, 1}, {3, 2}, {7, 3}, {0, 4}, {2, 5},
	}
	var prev []store.Chunk
	for _, tc := range tests {
		cs := newChunks(a, tc.n, tc.gen, 8)
		got := commit(t, c, a, cs)
		require.Equal(t, tc.n, got.Chunks, "gen %d", tc.gen)

		stored, err := c.Chunks(ctx, "a")
		require.NoError(t, err)
		requireChunks(t, cs, stored)
		for _, old := range prev {
			_, err := c.GetChunk(ctx, old.ID)
			require.ErrorIs(t, err, store.ErrNotFound, "chunk %q of an old version must be gone", old.ID)
		}
		for _, ch := range cs {
			g, err := c.GetChunk(ctx, ch.ID)
			require.NoError(t, err)
			requireChunk(t, ch, g)
		}
		prev = cs
	}

	// The other document was never touched.
	stored, err := c.Chunks(ctx, "b")
	require.NoError(t, err)
	requireChunks(t, newChunks(b, 4, 1, 8), stored)
}

func testCommitSameIDs(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	d := newDoc("d1", "default", "a.md")
	cs := newChunks(d, 4, 1, 8)
	commit(t, c, d, cs)
	// Same ids, new content and one fewer chunk.
	cs2 := newChunks(d, 3, 2, 8)
	for i := range cs2 {
		cs2[i].ID = cs[i].ID
	}
	commit(t, c, d, cs2)
	stored, err := c.Chunks(ctx, "d1")
	require.NoError(t, err)
	requireChunks(t, cs2, stored)
	_, err = c.GetChunk(ctx, cs[3].ID)
	require.ErrorIs(t, err, store.ErrNotFound)
}

func testCommitUnsorted(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	d := newDoc("d1", "default", "a.md")
	cs := newChunks(d, 6, 1, 4)
	cs[1].Seq, cs[4].Seq = 4, 1 // gaps are fine too: seq 10
	cs[5].Seq = 10
	shuffled := []store.Chunk{cs[5], cs[2], cs[0], cs[4], cs[3], cs[1]}
	commit(t, c, d, shuffled)
	stored, err := c.Chunks(ctx, "d1")
	require.NoError(t, err)
	require.Equal(t, []string{cs[0].ID, cs[4].ID, cs[2].ID, cs[3].ID, cs[1].ID, cs[5].ID}, ids(stored), "Chunks returns Seq order")
}

func testCommitKeepsChunkCount(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	d := newDoc("d1", "default", "a.md")
	commit(t, c, d, newChunks(d, 6, 1, 4))
	// A status update through PutDocument keeps the stored count.
	d.Status, d.Chunks = store.StatusIngesting, 0
	put(t, c, d)
	got, err := c.GetDocument(ctx, "d1")
	require.NoError(t, err)
	require.Equal(t, 6, got.Chunks)
	require.Equal(t, store.StatusIngesting, got.Status)
	// CommitChunks sets it from what it stores, whatever the caller says.
	d.Chunks = 99
	got = commit(t, c, d, newChunks(d, 2, 2, 4))
	require.Equal(t, 2, got.Chunks)
}

// testCollectionMove: a document's chunks always carry its collection.
func testCollectionMove(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	d := newDoc("d1", "a", "x.md")
	commit(t, c, d, newChunks(d, 3, 1, 4))
	v := version(t, c)

	moved := d
	moved.Collection = "b"
	require.ErrorIs(t, c.PutDocument(ctx, moved), store.ErrInvalid, "PutDocument cannot strand chunks in the old collection")
	require.Equal(t, v, version(t, c))

	got := commit(t, c, moved, newChunks(moved, 2, 2, 4))
	require.Equal(t, "b", got.Collection)
	stored, err := c.Chunks(ctx, "d1")
	require.NoError(t, err)
	requireChunks(t, newChunks(moved, 2, 2, 4), stored)
	_, err = c.FindDocument(ctx, "a", "x.md")
	require.ErrorIs(t, err, store.ErrNotFound)
	list, err := c.ListDocuments(ctx, store.DocumentFilter{Collection: "a"})
	require.NoError(t, err)
	require.Empty(t, list)

	// Without chunks, a document may move freely.
	e := newDoc("e", "a", "y.md")
	put(t, c, e)
	e.Collection = "b"
	put(t, c, e)
	found, err := c.FindDocument(ctx, "b", "y.md")
	require.NoError(t, err)
	require.Equal(t, "e", found.ID)
}

func testChunkIDConflict(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	a, b := newDoc("a", "default", "a.md"), newDoc("b", "default", "b.md")
	ca := newChunks(a, 3, 1, 4)
	commit(t, c, a, ca)
	commit(t, c, b, newChunks(b, 2, 1, 4))
	v := version(t, c)

	cb := newChunks(b, 3, 2, 4)
	cb[2].ID = ca[1].ID // taken by document a
	err := c.CommitChunks(ctx, b, cb)
	require.ErrorIs(t, err, store.ErrConflict)
	require.Equal(t, v, version(t, c))

	// Nothing of the refused commit is visible: b keeps its old chunks.
	stored, err := c.Chunks(ctx, "b")
	require.NoError(t, err)
	requireChunks(t, newChunks(b, 2, 1, 4), stored)
	got, err := c.GetChunk(ctx, ca[1].ID)
	require.NoError(t, err)
	require.Equal(t, "a", got.DocID)
}

func testChunkFields(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	d := newDoc("d1", "team", "a.pdf")
	cs := []store.Chunk{
		{ID: "x0", Seq: 0, Text: "no pages, no headings, no vector"},
		{ID: "x1", Seq: 1, Text: "pages", PageStart: 3, PageEnd: 5, CharStart: 10, CharEnd: 2000,
			HeadingPath: []string{"Chapter 1", "Section 1.2", "", "Deep › heading"}},
		{ID: "x2", DocID: "d1", Collection: "team", Seq: 2, Text: "", Embedding: []float32{1}},
		{ID: "x3", Seq: 3, Text: "  leading and trailing space\n\n", HeadingPath: []string{}},
	}
	commit(t, c, d, cs)
	stored, err := c.Chunks(ctx, "d1")
	require.NoError(t, err)
	want := make([]store.Chunk, len(cs))
	copy(want, cs)
	for i := range want {
		want[i].DocID, want[i].Collection = "d1", "team" // filled in from the document
	}
	requireChunks(t, want, stored)
}

func testEmbeddingsBitExact(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	special := []float32{
		0, float32(math.Copysign(0, -1)), 1, -1,
		math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
		math.Float32frombits(0x007fffff), // largest subnormal
		float32(math.Inf(1)), float32(math.Inf(-1)),
		1.0 / 3, float32(math.Pi), 1e-30, 6.1e-5,
	}
	tests := []struct {
		name string
		vec  []float32
	}{
		{"special", special},
		{"dim1", []float32{0.25}},
		{"dim384", newChunks(newDoc("x", "default", "x"), 1, 7, 384)[0].Embedding},
		{"dim1024", newChunks(newDoc("x", "default", "x"), 1, 8, 1024)[0].Embedding},
		{"none", nil},
	}
	d := newDoc("d1", "default", "a.md")
	cs := make([]store.Chunk, len(tests))
	for i, tc := range tests {
		cs[i] = store.Chunk{ID: "e-" + tc.name, Seq: i, Text: tc.name, Embedding: tc.vec}
	}
	commit(t, c, d, cs)
	for i, tc := range tests {
		got, err := c.GetChunk(ctx, "e-"+tc.name)
		require.NoError(t, err)
		require.Equal(t, bits(tc.vec), bits(got.Embedding), tc.name)
		require.Equal(t, i, got.Seq)
	}
	seen := 0
	require.NoError(t, c.ForEachChunk(ctx, func(ch store.Chunk) error {
		require.Equal(t, bits(cs[ch.Seq].Embedding), bits(ch.Embedding))
		seen++
		return nil
	}))
	require.Equal(t, len(tests), seen)
}

func testLargeText(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	d := newDoc("d1", "default", "big.md")
	big := strings.Repeat("Большой текст with ünïcödé and emoji 🙂. ", 1<<20/48)
	require.Greater(t, len(big), 1<<20-64)
	cs := []store.Chunk{
		{ID: "big", Seq: 0, Text: big, HeadingPath: []string{strings.Repeat("h", 10000)},
			Embedding: newChunks(d, 1, 1, 4096)[0].Embedding},
		{ID: "small", Seq: 1, Text: "after the big one"},
	}
	commit(t, c, d, cs)
	got, err := c.GetChunk(ctx, "big")
	require.NoError(t, err)
	require.Equal(t, len(big), len(got.Text))
	require.True(t, big == got.Text, "large text differs")
	stored, err := c.Chunks(ctx, "d1")
	require.NoError(t, err)
	cs[0].DocID, cs[1].DocID = "d1", "d1"
	cs[0].Collection, cs[1].Collection = "default", "default"
	requireChunks(t, cs, stored)
}

func testManyChunks(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	d := newDoc("d1", "default", "long.pdf")
	cs := newChunks(d, 3000, 1, 16)
	commit(t, c, d, cs)
	stored, err := c.Chunks(ctx, "d1")
	require.NoError(t, err)
	requireChunks(t, cs, stored)
	// Replace with fewer; all of the old ones go.
	cs2 := newChunks(d, 1000, 2, 16)
	got := commit(t, c, d, cs2)
	require.Equal(t, 1000, got.Chunks)
	n := 0
	require.NoError(t, c.ForEachChunk(ctx, func(ch store.Chunk) error {
		require.Equal(t, cs2[n].ID, ch.ID)
		n++
		return nil
	}))
	require.Equal(t, 1000, n)
}

func testGetChunk(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	a, b := newDoc("a", "default", "a.md"), newDoc("b", "team", "b.md")
	ca, cb := newChunks(a, 3, 1, 8), newChunks(b, 3, 1, 8)
	commit(t, c, a, ca)
	commit(t, c, b, cb)
	for _, want := range append(ca, cb...) {
		got, err := c.GetChunk(ctx, want.ID)
		require.NoError(t, err)
		requireChunk(t, want, got)
	}
}

func testDelete(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	a, b := newDoc("a", "default", "a.md"), newDoc("b", "default", "b.md")
	ca, cb := newChunks(a, 4, 1, 8), newChunks(b, 3, 1, 8)
	commit(t, c, a, ca)
	commit(t, c, b, cb)

	require.NoError(t, c.DeleteDocument(ctx, "a"))
	_, err := c.GetDocument(ctx, "a")
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = c.FindDocument(ctx, "default", "a.md")
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = c.Chunks(ctx, "a")
	require.ErrorIs(t, err, store.ErrNotFound)
	for _, ch := range ca {
		_, err := c.GetChunk(ctx, ch.ID)
		require.ErrorIs(t, err, store.ErrNotFound)
	}
	require.ErrorIs(t, c.DeleteDocument(ctx, "a"), store.ErrNotFound, "deleting twice")

	var seen []string
	require.NoError(t, c.ForEachChunk(ctx, func(ch store.Chunk) error {
		seen = append(seen, ch.ID)
		return nil
	}))
	require.Equal(t, ids(cb), seen, "only b's chunks remain")
	all, err := c.ListDocuments(ctx, store.DocumentFilter{})
	require.NoError(t, err)
	require.Equal(t, []string{"default:b.md"}, names(all))

	// Name and chunk ids are free again.
	commit(t, c, a, ca)
	stored, err := c.Chunks(ctx, "a")
	require.NoError(t, err)
	requireChunks(t, ca, stored)

	// A document without chunks can be deleted too.
	put(t, c, newDoc("e", "default", "e.md"))
	require.NoError(t, c.DeleteDocument(ctx, "e"))
}

func testUnknownIDs(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	d := newDoc("d1", "default", "a.md")
	commit(t, c, d, newChunks(d, 2, 1, 4))
	for _, id := range []string{"nope", "", "d", "d1 ", "d1/g1/c", "d1/g1/c0/"} {
		_, err := c.GetDocument(ctx, id)
		require.ErrorIs(t, err, store.ErrNotFound, "GetDocument(%q)", id)
		_, err = c.Chunks(ctx, id)
		require.ErrorIs(t, err, store.ErrNotFound, "Chunks(%q)", id)
		_, err = c.GetChunk(ctx, id)
		require.ErrorIs(t, err, store.ErrNotFound, "GetChunk(%q)", id)
		require.ErrorIs(t, c.DeleteDocument(ctx, id), store.ErrNotFound, "DeleteDocument(%q)", id)
	}
	_, err := c.FindDocument(ctx, "default", "b.md")
	require.ErrorIs(t, err, store.ErrNotFound)
}
