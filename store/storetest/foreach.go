package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/store"
)

// forEachFixture commits documents of very different sizes (more chunks in
// all than any sensible batch) and returns every chunk by id.
func forEachFixture(t *testing.T, c store.Catalog) map[string]store.Chunk {
	want := map[string]store.Chunk{}
	sizes := []int{1, 0, 700, 3, 1500, 2, 40, 1}
	for i, n := range sizes {
		d := newDoc(fmt.Sprintf("doc-%02d", i), "default", fmt.Sprintf("f%02d.md", i))
		cs := newChunks(d, n, i, 8)
		commit(t, c, d, cs)
		for _, ch := range cs {
			want[ch.ID] = ch
		}
	}
	return want
}

func testForEachChunk(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	n := 0
	require.NoError(t, c.ForEachChunk(ctx, func(store.Chunk) error { n++; return nil }))
	require.Zero(t, n, "empty catalog")

	want := forEachFixture(t, c)
	seen := map[string]bool{}
	lastSeq := map[string]int{}
	require.NoError(t, c.ForEachChunk(ctx, func(ch store.Chunk) error {
		require.False(t, seen[ch.ID], "chunk %q visited twice", ch.ID)
		seen[ch.ID] = true
		w, ok := want[ch.ID]
		require.True(t, ok, "unexpected chunk %q", ch.ID)
		requireChunk(t, w, ch)
		if prev, ok := lastSeq[ch.DocID]; ok {
			require.Greater(t, ch.Seq, prev, "a document's chunks come in Seq order")
		}
		lastSeq[ch.DocID] = ch.Seq
		return nil
	}))
	require.Len(t, seen, len(want))
}

func testForEachChunkError(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	want := forEachFixture(t, c)
	stop := errors.New("stop here")
	n := 0
	err := c.ForEachChunk(ctx, func(store.Chunk) error {
		n++
		if n == 10 {
			return fmt.Errorf("visiting: %w", stop)
		}
		return nil
	})
	require.ErrorIs(t, err, stop)
	require.Equal(t, 10, n, "no call after fn fails")
	require.Greater(t, len(want), 10)
}

// testForEachChunkReentrant: fn may call the catalog, reads and writes, as
// an index rebuild that looks documents up does; this must not deadlock.
func testForEachChunkReentrant(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	want := forEachFixture(t, c)
	n := 0
	require.NoError(t, c.ForEachChunk(ctx, func(ch store.Chunk) error {
		n++
		d, err := c.GetDocument(ctx, ch.DocID)
		if err != nil {
			return err
		}
		if ch.Seq == 0 {
			d.Title = "visited"
			return c.PutDocument(ctx, d)
		}
		return nil
	}))
	require.Equal(t, len(want), n)
	docs, err := c.ListDocuments(ctx, store.DocumentFilter{})
	require.NoError(t, err)
	for _, d := range docs {
		if d.Chunks > 0 {
			require.Equal(t, "visited", d.Title, d.ID)
		}
	}
}

func testForEachChunkCancel(t *testing.T, c store.Catalog) {
	want := forEachFixture(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	err := c.ForEachChunk(ctx, func(store.Chunk) error {
		n++
		if n == 1 {
			cancel()
		}
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	require.Less(t, n, len(want)/2, "the walk must stop soon after cancel")
}
