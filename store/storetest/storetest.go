// Package storetest is the conformance suite every store.Catalog backend
// runs, so that the embedded store and PostgreSQL behave the same:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Catalog { ... })
//	}
//
// Times in fixtures are whole microseconds in UTC, the finest PostgreSQL
// keeps; names sort in byte order (use COLLATE "C" in SQL).
package storetest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/store"
)

// Opener returns a new, empty catalog for one subtest. Run closes it when
// the subtest ends (Close may therefore be called twice and must not fail
// the second time in a way that panics).
type Opener func(t *testing.T) store.Catalog

// Run runs every conformance test against catalogs made by open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, c store.Catalog)
	}{
		{"PutGet", testPutGet},
		{"PutUpdate", testPutUpdate},
		{"Defaults", testDefaults},
		{"Find", testFind},
		{"Rename", testRename},
		{"NameConflict", testNameConflict},
		{"List", testList},
		{"ListFilter", testListFilter},
		{"UnicodeNames", testUnicodeNames},
		{"InvalidInput", testInvalidInput},
		{"CommitChunks", testCommitChunks},
		{"CommitReplace", testCommitReplace},
		{"CommitSameIDs", testCommitSameIDs},
		{"CommitUnsorted", testCommitUnsorted},
		{"CommitKeepsChunkCount", testCommitKeepsChunkCount},
		{"ChunkIDConflict", testChunkIDConflict},
		{"CollectionMove", testCollectionMove},
		{"ChunkFields", testChunkFields},
		{"EmbeddingsBitExact", testEmbeddingsBitExact},
		{"LargeText", testLargeText},
		{"ManyChunks", testManyChunks},
		{"GetChunk", testGetChunk},
		{"Delete", testDelete},
		{"UnknownIDs", testUnknownIDs},
		{"ForEachChunk", testForEachChunk},
		{"ForEachChunkError", testForEachChunkError},
		{"ForEachChunkReentrant", testForEachChunkReentrant},
		{"Version", testVersion},
		{"ContextCancelled", testContextCancelled},
		{"ForEachChunkCancel", testForEachChunkCancel},
		{"Concurrency", testConcurrency},
		{"UseAfterClose", testUseAfterClose},
		{"Conversations", testConversations},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := open(t)
			require.NotNil(t, c, "open returned no catalog")
			t.Cleanup(func() { _ = c.Close() })
			tc.fn(t, c)
		})
	}
}

// base is a fixed time with microsecond precision.
var base = time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)

// newDoc is a valid document record; fields are derived from id and name.
func newDoc(id, collection, name string) store.Document {
	return store.Document{
		ID:         id,
		Collection: collection,
		Name:       name,
		Type:       "markdown",
		Title:      "Title of " + name,
		SHA256:     fmt.Sprintf("%064x", len(name)),
		Size:       int64(100 + len(name)),
		Pages:      0,
		Status:     store.StatusReady,
		Embedder:   "hash-v1-8",
		Created:    base,
		Updated:    base.Add(time.Minute),
	}
}

// newChunks makes n chunks for d whose text and vectors depend on gen, so
// that two versions of a document can be told apart.
func newChunks(d store.Document, n, gen, dim int) []store.Chunk {
	out := make([]store.Chunk, n)
	for i := range out {
		emb := make([]float32, dim)
		for j := range emb {
			emb[j] = float32(math.Sin(float64(gen*1000+i*37+j))) / 3
		}
		out[i] = store.Chunk{
			ID:          fmt.Sprintf("%s/g%d/c%d", d.ID, gen, i),
			DocID:       d.ID,
			Collection:  d.Collection,
			Seq:         i,
			Text:        fmt.Sprintf("gen %d chunk %d of %s: lorem ipsum dolor sit amet", gen, i, d.Name),
			PageStart:   i + 1,
			PageEnd:     i + 2,
			HeadingPath: []string{"Intro", fmt.Sprintf("Part %d", i)},
			CharStart:   i * 100,
			CharEnd:     i*100 + 99,
			Embedding:   emb,
		}
	}
	return out
}

// normDoc puts a document in a comparable form: times in UTC without a
// monotonic reading.
func normDoc(d store.Document) store.Document {
	d.Created = d.Created.UTC()
	d.Updated = d.Updated.UTC()
	return d
}

func requireDoc(t *testing.T, want, got store.Document) {
	t.Helper()
	require.Equal(t, normDoc(want), normDoc(got))
}

// requireChunks compares chunk lists field by field; embeddings bit for bit.
func requireChunks(t *testing.T, want, got []store.Chunk) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		requireChunk(t, want[i], got[i])
	}
}

func requireChunk(t *testing.T, want, got store.Chunk) {
	t.Helper()
	wb, gb := bits(want.Embedding), bits(got.Embedding)
	want.Embedding, got.Embedding = nil, nil
	if len(want.HeadingPath) == 0 {
		want.HeadingPath = nil
	}
	if len(got.HeadingPath) == 0 {
		got.HeadingPath = nil
	}
	require.Equal(t, want, got)
	require.Equal(t, wb, gb, "embedding of chunk %q differs", want.ID)
}

// bits gives a vector's exact bit patterns; nil and empty compare equal.
func bits(v []float32) []uint32 {
	if len(v) == 0 {
		return nil
	}
	out := make([]uint32, len(v))
	for i, f := range v {
		out[i] = math.Float32bits(f)
	}
	return out
}

func version(t *testing.T, c store.Catalog) uint64 {
	t.Helper()
	v, err := c.Version(context.Background())
	require.NoError(t, err)
	return v
}

func commit(t *testing.T, c store.Catalog, d store.Document, chunks []store.Chunk) store.Document {
	t.Helper()
	require.NoError(t, c.CommitChunks(context.Background(), d, chunks))
	got, err := c.GetDocument(context.Background(), d.ID)
	require.NoError(t, err)
	return got
}

func put(t *testing.T, c store.Catalog, docs ...store.Document) {
	t.Helper()
	for _, d := range docs {
		require.NoError(t, c.PutDocument(context.Background(), d))
	}
}

func names(docs []store.Document) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.Collection + ":" + d.Name
	}
	return out
}

func ids(chunks []store.Chunk) []string {
	out := make([]string, len(chunks))
	for i, c := range chunks {
		out[i] = c.ID
	}
	return out
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
