package retrieval

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/quirehq/quire/store"
	"github.com/stretchr/testify/require"
)

func TestSnapshotRoundTrip(t *testing.T) {
	emb := NewHashEmbedder(96)
	docs, chunks := genCorpus(t, 11, 25, 5, 40, emb)
	docs[3].Created = time.Date(2024, 5, 6, 7, 8, 9, 10, time.UTC)
	docs[3].Error = "previous attempt failed"
	ix := buildIndex(t, emb, docs, chunks)
	// Leave dead slots behind: Save must skip them.
	ix.Remove(docs[0].ID)
	require.NoError(t, ix.Upsert(docs[1], chunks[1][:2]))
	ix.SetParams(Params{NameWeight: 3})

	path := filepath.Join(t.TempDir(), "index.snap")
	require.NoError(t, ix.Save(path, 42))
	got, version, err := Load(path, emb)
	require.NoError(t, err)
	require.Equal(t, uint64(42), version)
	require.Equal(t, ix.Len(), got.Len())
	got.SetParams(ix.Params()) // parameters are configuration, not snapshot data

	for _, q := range []Query{
		{Text: "server configuration"},
		{Text: "revenue quarter fiscal", Mode: ModeBM25, K: 30},
		{Text: "install guide widget", Mode: ModeDense, K: 30},
		{Text: "backup", Collection: "finance"},
		{Text: "token", DocIDs: []string{docs[1].ID, docs[4].ID}},
	} {
		a := mustSearch(t, ix, q)
		b := mustSearch(t, got, q)
		require.Equal(t, a, b, "query %+v", q)
	}
	// Every document and chunk survives field by field.
	for i, d := range docs[1:] {
		hits := mustSearch(t, got, Query{Text: "the system", DocIDs: []string{d.ID}, K: 10, Mode: ModeDense})
		require.NotEmpty(t, hits)
		require.Equal(t, d.ID, hits[0].Doc.ID)
		require.True(t, d.Created.Equal(hits[0].Doc.Created))
		h := hits[0]
		h.Doc.Created, h.Doc.Updated, d.Created, d.Updated = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		require.Equal(t, d, h.Doc)
		want := chunks[i+1][h.Chunk.Seq]
		require.Equal(t, want.Text, h.Chunk.Text)
		require.Equal(t, want.HeadingPath, h.Chunk.HeadingPath)
		require.Equal(t, want.PageStart, h.Chunk.PageStart)
	}
	// A loaded index keeps working as an index.
	require.NoError(t, got.Upsert(docs[0], chunks[0]))
	require.Equal(t, ix.Len()+len(chunks[0]), got.Len())
	// Saving over an existing snapshot replaces it and leaves no temp file.
	require.NoError(t, got.Save(path, 43))
	_, version, err = Load(path, emb)
	require.NoError(t, err)
	require.Equal(t, uint64(43), version)
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	require.Len(t, entries, 1)
}

func TestSnapshotEmpty(t *testing.T) {
	emb := NewHashEmbedder(32)
	path := filepath.Join(t.TempDir(), "empty.snap")
	require.NoError(t, NewIndex(emb).Save(path, 0))
	ix, v, err := Load(path, emb)
	require.NoError(t, err)
	require.Zero(t, v)
	require.Zero(t, ix.Len())
	require.Empty(t, mustSearch(t, ix, Query{Text: "anything"}))
}

func TestSnapshotRejects(t *testing.T) {
	emb := NewHashEmbedder(32)
	ix := NewIndex(emb)
	d := store.Document{ID: "d", Name: "d.md", Title: "Doc"}
	require.NoError(t, ix.Upsert(d, mkChunks(t, emb, d, "alpha beta gamma", "delta epsilon")))
	dir := t.TempDir()
	path := filepath.Join(dir, "ok.snap")
	require.NoError(t, ix.Save(path, 7))
	good, err := os.ReadFile(path)
	require.NoError(t, err)

	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o644))
		return p
	}
	flip := func(at int) []byte {
		b := append([]byte(nil), good...)
		b[at] ^= 0x40
		return b
	}
	for _, tc := range []struct {
		name string
		path string
		emb  Embedder
		msg  string
	}{
		{"other embedder", path, NewHashEmbedder(64), "embedder"},
		{"flipped byte in the text", write("flip1", flip(len(good)/3)), emb, "reindex"},
		{"flipped byte in the vectors", write("flip2", flip(len(good)-200)), emb, "reindex"},
		{"flipped checksum", write("flip3", flip(len(good)-1)), emb, "checksum"},
		{"truncated", write("trunc", good[:len(good)/2]), emb, "reindex"},
		{"trailing bytes", write("trail", append(append([]byte(nil), good...), 0)), emb, "reindex"},
		{"empty file", write("empty", nil), emb, "too short"},
		{"not a snapshot", write("text", []byte("hello, this is a text file and not an index")), emb, "not a Quire index"},
		{"huge count", write("huge", hugeCount(good)), emb, "exceeds the file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Load(tc.path, tc.emb)
			require.ErrorIs(t, err, ErrSnapshot)
			require.ErrorContains(t, err, tc.msg)
			require.ErrorContains(t, err, "reindex")
		})
	}
	_, _, err = Load(filepath.Join(dir, "missing"), emb)
	require.ErrorIs(t, err, os.ErrNotExist)
}

// hugeCount sets the document count, right after the header, to 2^32-1.
func hugeCount(good []byte) []byte {
	b := append([]byte(nil), good...)
	off := len(snapMagic) + 4 + 8 + 4 + len("hash-v1-32") + 4
	b[off], b[off+1], b[off+2], b[off+3] = 0xff, 0xff, 0xff, 0xff
	return b
}
