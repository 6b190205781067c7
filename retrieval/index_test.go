package retrieval

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/quirehq/quire/store"
	"github.com/stretchr/testify/require"
)

// smallIndex holds three documents in two collections.
func smallIndex(t *testing.T) (*Index, *HashEmbedder) {
	t.Helper()
	emb := NewHashEmbedder(128)
	ix := NewIndex(emb)
	for _, d := range []struct {
		doc   store.Document
		texts []string
	}{
		{store.Document{ID: "d1", Collection: "eng", Name: "server.md", Title: "Server"},
			[]string{"Install the server with the package manager.", "Configure the server port and TLS certificate."}},
		{store.Document{ID: "d2", Collection: "eng", Name: "client.md", Title: "Client"},
			[]string{"The client connects to the server port.", "Client retries use exponential backoff."}},
		{store.Document{ID: "d3", Collection: "fin", Name: "q3.pdf", Title: "Q3 report"},
			[]string{"Server hardware costs rose in Q3.", "Revenue grew twelve percent."}},
	} {
		require.NoError(t, ix.Upsert(d.doc, mkChunks(t, emb, d.doc, d.texts...)))
	}
	return ix, emb
}

func docsOf(hits []Hit) []string {
	seen := map[string]bool{}
	var out []string
	for _, h := range hits {
		if !seen[h.Doc.ID] {
			seen[h.Doc.ID] = true
			out = append(out, h.Doc.ID)
		}
	}
	sort.Strings(out)
	return out
}

func TestSearchFilters(t *testing.T) {
	ix, _ := smallIndex(t)
	for _, mode := range []string{ModeHybrid, ModeBM25, ModeDense} {
		for _, tc := range []struct {
			name string
			q    Query
			want []string
		}{
			{"no filter", Query{Text: "server"}, []string{"d1", "d2", "d3"}},
			{"collection", Query{Text: "server", Collection: "fin"}, []string{"d3"}},
			{"documents", Query{Text: "server", DocIDs: []string{"d2", "d3"}}, []string{"d2", "d3"}},
			{"collection and documents", Query{Text: "server", Collection: "eng", DocIDs: []string{"d2", "d3"}}, []string{"d2"}},
			{"unknown collection", Query{Text: "server", Collection: "nope"}, nil},
			{"unknown document", Query{Text: "server", DocIDs: []string{"nope"}}, nil},
		} {
			t.Run(mode+"/"+tc.name, func(t *testing.T) {
				tc.q.Mode = mode
				hits, err := ix.Search(context.Background(), tc.q)
				require.NoError(t, err)
				require.NotNil(t, hits)
				require.Equal(t, tc.want, docsOf(hits))
				for _, h := range hits {
					require.Equal(t, h.Doc.ID, h.Chunk.DocID)
					require.Equal(t, h.Doc.Collection, h.Chunk.Collection)
					require.Len(t, h.Chunk.Embedding, 128)
				}
			})
		}
	}
}

func TestSearchModesAndRanks(t *testing.T) {
	ix, _ := smallIndex(t)
	ctx := context.Background()

	bm, err := ix.Search(ctx, Query{Text: "TLS certificate", Mode: ModeBM25, K: 3})
	require.NoError(t, err)
	require.Equal(t, "d1#1", bm[0].Chunk.ID)
	for i, h := range bm {
		require.Equal(t, i+1, h.BM25Rank)
		require.Zero(t, h.DenseRank)
		if i > 0 {
			require.LessOrEqual(t, h.Score, bm[i-1].Score)
		}
	}

	de, err := ix.Search(ctx, Query{Text: "TLS certificate", Mode: ModeDense, K: 6})
	require.NoError(t, err)
	require.Len(t, de, 6)
	require.Equal(t, "d1#1", de[0].Chunk.ID)
	for i, h := range de {
		require.Equal(t, i+1, h.DenseRank)
		require.Zero(t, h.BM25Rank)
		require.InDelta(t, cosine(de[0].Chunk.Embedding, de[0].Chunk.Embedding), 1, 1e-5)
	}

	hy, err := ix.Search(ctx, Query{Text: "TLS certificate", K: 2})
	require.NoError(t, err)
	require.Len(t, hy, 2)
	require.Equal(t, "d1#1", hy[0].Chunk.ID)
	require.Equal(t, 1, hy[0].BM25Rank)
	require.Equal(t, 1, hy[0].DenseRank)
	require.InDelta(t, 1.0/61+HashDenseWeight/61, hy[0].Score, 1e-12, "weighted RRF, first in both lists")
	require.InDelta(t, bm[0].Score, hy[0].BM25Score, 1e-6, "hybrid hits carry the BM25 score")
	require.InDelta(t, de[0].Score, hy[0].Cosine, 1e-6, "and the cosine")
	require.Equal(t, bm[0].Score, bm[0].BM25Score)
	require.Equal(t, de[0].Score, de[0].Cosine)
	require.Zero(t, bm[0].Cosine)
	require.Zero(t, de[0].BM25Score)
}

func TestSearchBadInput(t *testing.T) {
	ix, _ := smallIndex(t)
	for _, tc := range []struct {
		name string
		q    Query
		msg  string
	}{
		{"empty", Query{Text: "  "}, "empty"},
		{"negative k", Query{Text: "x", K: -1}, "out of range"},
		{"huge k", Query{Text: "x", K: MaxK + 1}, "out of range"},
		{"bad mode", Query{Text: "x", Mode: "fuzzy"}, "unknown mode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ix.Search(context.Background(), tc.q)
			require.ErrorContains(t, err, tc.msg)
		})
	}
	// Punctuation only is a query without words: no hits, no error.
	hits, err := ix.Search(context.Background(), Query{Text: "?!"})
	require.NoError(t, err)
	require.Empty(t, hits)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = ix.Search(ctx, Query{Text: "server"})
	require.ErrorIs(t, err, context.Canceled)
}

func TestUpsertReplacesAndRemove(t *testing.T) {
	ix, emb := smallIndex(t)
	require.Equal(t, 6, ix.Len())
	d1 := store.Document{ID: "d1", Collection: "eng", Name: "server.md", Title: "Server v2"}
	require.NoError(t, ix.Upsert(d1, mkChunks(t, emb, d1, "Kubernetes operators deploy the server.")))
	require.Equal(t, 5, ix.Len())

	// The old text is gone from both rankers; the new one is found.
	for _, mode := range []string{ModeBM25, ModeDense, ModeHybrid} {
		hits, err := ix.Search(context.Background(), Query{Text: "TLS certificate package manager", Mode: mode, DocIDs: []string{"d1"}})
		require.NoError(t, err)
		for _, h := range hits {
			require.Equal(t, "d1#0", h.Chunk.ID)
			require.Equal(t, "Server v2", h.Doc.Title)
		}
	}
	require.Equal(t, []string{"d1#0"}, searchIDs(t, ix, Query{Text: "kubernetes operators", Mode: ModeBM25}))

	ix.Remove("d1")
	ix.Remove("d1") // unknown now: a no-op
	require.Equal(t, 4, ix.Len())
	require.Empty(t, searchIDs(t, ix, Query{Text: "kubernetes operators", Mode: ModeBM25}))
	for _, h := range mustSearch(t, ix, Query{Text: "server", K: 50}) {
		require.NotEqual(t, "d1", h.Doc.ID)
	}
}

func mustSearch(t *testing.T, ix *Index, q Query) []Hit {
	t.Helper()
	hits, err := ix.Search(context.Background(), q)
	require.NoError(t, err)
	return hits
}

func TestUpsertRejects(t *testing.T) {
	ix, emb := smallIndex(t)
	d := store.Document{ID: "x", Name: "x.md"}
	good := mkChunks(t, emb, d, "hello")
	for _, tc := range []struct {
		name   string
		doc    store.Document
		chunks []store.Chunk
		msg    string
	}{
		{"no id", store.Document{Name: "x.md"}, good, "no id"},
		{"other embedder", store.Document{ID: "x", Name: "x.md", Embedder: "bge-small"}, good, "reindex"},
		{"wrong dim", d, []store.Chunk{{ID: "c", Text: "hi", Embedding: make([]float32, 3)}}, "reindex"},
		{"no embedding", d, []store.Chunk{{ID: "c", Text: "hi"}}, "reindex"},
		{"foreign chunk", d, []store.Chunk{{ID: "c", DocID: "y", Embedding: good[0].Embedding}}, "belongs to"},
		{"other collection", d, []store.Chunk{{ID: "c", Collection: "fin", Embedding: good[0].Embedding}}, "collection"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorContains(t, ix.Upsert(tc.doc, tc.chunks), tc.msg)
			require.Equal(t, 6, ix.Len(), "a refused upsert changes nothing")
		})
	}
}

// TestCompaction churns documents until dead slots are squeezed out, and
// checks that results equal those of an index built fresh.
func TestCompaction(t *testing.T) {
	emb := NewHashEmbedder(64)
	docs, chunks := genCorpus(t, 7, 30, 4, 40, emb)
	ix := buildIndex(t, emb, docs, chunks)
	ix.compactAt = 8
	for round := 0; round < 3; round++ {
		for i := 0; i < len(docs); i += 2 {
			ix.Remove(docs[i].ID)
			require.NoError(t, ix.Upsert(docs[i], chunks[i]))
		}
	}
	ix.mu.RLock()
	// 120 chunks, then 3 rounds re-adding 60: without compaction 300 slots.
	require.Less(t, len(ix.entries), 300, "compaction ran")
	require.Equal(t, 120, len(ix.entries)-ix.dead)
	ix.mu.RUnlock()
	fresh := buildIndex(t, emb, docs, chunks)
	for _, q := range []string{"server configuration", "revenue quarter", "install guide", "backup restore token"} {
		for _, mode := range []string{ModeBM25, ModeDense} {
			a := mustSearch(t, ix, Query{Text: q, Mode: mode, K: 20})
			b := mustSearch(t, fresh, Query{Text: q, Mode: mode, K: 20})
			require.Equal(t, len(b), len(a))
			for i := range a {
				require.Equal(t, b[i].Chunk.ID, a[i].Chunk.ID, "%s %q rank %d", mode, q, i)
				require.InDelta(t, b[i].Score, a[i].Score, 1e-4)
			}
		}
	}
}

func TestConcurrentSearchAndUpsert(t *testing.T) {
	emb := NewHashEmbedder(64)
	docs, chunks := genCorpus(t, 8, 40, 3, 30, emb)
	ix := buildIndex(t, emb, docs, chunks)
	ix.compactAt = 4
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				q := Query{Text: "server install revenue", K: 5, Mode: []string{ModeHybrid, ModeBM25, ModeDense}[i%3]}
				if i%4 == 0 {
					q.Collection = "finance"
				}
				hits, err := ix.Search(context.Background(), q)
				if err != nil {
					errs <- err
					return
				}
				for _, h := range hits {
					if h.Chunk.DocID != h.Doc.ID {
						errs <- fmt.Errorf("hit %s has doc %s", h.Chunk.ID, h.Doc.ID)
						return
					}
				}
			}
		}(w)
	}
	snap := filepath.Join(t.TempDir(), "index.snap")
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 3; i++ {
			if err := ix.Save(snap, uint64(i)); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 60; i++ {
			j := i % len(docs)
			if i%3 == 0 {
				ix.Remove(docs[j].ID)
				continue
			}
			if err := ix.Upsert(docs[j], chunks[j]); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	// The last snapshot is a consistent index.
	got, v, err := Load(snap, emb)
	require.NoError(t, err)
	require.Equal(t, uint64(2), v)
	require.NotEmpty(t, mustSearch(t, got, Query{Text: "server install revenue"}))
}

// memCatalog is a catalog in memory, just enough for Rebuild.
type memCatalog struct {
	store.Catalog // methods Rebuild does not call panic
	docs          []store.Document
	chunks        []store.Chunk
	failChunks    bool
}

func (c *memCatalog) ListDocuments(_ context.Context, f store.DocumentFilter) ([]store.Document, error) {
	var out []store.Document
	for _, d := range c.docs {
		if (f.Status == "" || d.Status == f.Status) && (f.Collection == "" || d.Collection == f.Collection) {
			out = append(out, d)
		}
	}
	return out, nil
}

func (c *memCatalog) ForEachChunk(ctx context.Context, fn func(store.Chunk) error) error {
	if c.failChunks {
		return errors.New("disk on fire")
	}
	for _, ch := range c.chunks {
		if err := fn(ch); err != nil {
			return err
		}
	}
	return nil
}

func TestRebuild(t *testing.T) {
	emb := NewHashEmbedder(64)
	docs, chunks := genCorpus(t, 9, 6, 3, 20, emb)
	cat := &memCatalog{}
	for i, d := range docs {
		switch i {
		case 1:
			d.Status = store.StatusIngesting // not indexed
		case 2:
			d.Embedder = "bge-small" // re-embedded
			for j := range chunks[i] {
				chunks[i][j].Embedding = []float32{1, 0, 0}
			}
		case 3:
			for j := range chunks[i] {
				chunks[i][j].Embedding = nil // re-embedded
			}
		case 4:
			chunks[i][0].Collection = "elsewhere" // bad data: left out, logged
		}
		cat.docs = append(cat.docs, d)
		// Reverse order: Rebuild must sort by Seq.
		for j := len(chunks[i]) - 1; j >= 0; j-- {
			cat.chunks = append(cat.chunks, chunks[i][j])
		}
	}
	ix, err := Rebuild(context.Background(), cat, emb)
	require.NoError(t, err)
	require.Equal(t, 12, ix.Len())
	require.Empty(t, mustSearch(t, ix, Query{Text: "server", DocIDs: []string{docs[4].ID}}))
	for _, h := range mustSearch(t, ix, Query{Text: chunks[2][1].Text, Mode: ModeDense, K: 1}) {
		require.Equal(t, chunks[2][1].ID, h.Chunk.ID, "re-embedded vectors are found by their own text")
		require.Equal(t, emb.ID(), h.Doc.Embedder)
	}
	require.Empty(t, mustSearch(t, ix, Query{Text: "server", DocIDs: []string{docs[1].ID}}))

	cat.failChunks = true
	_, err = Rebuild(context.Background(), cat, emb)
	require.ErrorContains(t, err, "disk on fire")
}

func TestHybridDiversity(t *testing.T) {
	// The same passage in three versions of a manual, and one other passage
	// on the topic: hybrid search shows one version and the other passage,
	// where plain BM25 shows the three copies first.
	emb := NewHashEmbedder(256)
	ix := NewIndex(emb)
	dup := "To rotate the encryption keys, run the key rotation command and restart every node."
	for i, v := range []string{"v1", "v2", "v3"} {
		d := store.Document{ID: "m" + v, Name: "manual-" + v + ".md", Title: "Manual"}
		require.NoError(t, ix.Upsert(d, mkChunks(t, emb, d, dup, fmt.Sprintf("Unrelated appendix %d about printers.", i))))
	}
	other := store.Document{ID: "faq", Name: "faq.md", Title: "FAQ"}
	require.NoError(t, ix.Upsert(other, mkChunks(t, emb, other, "Key rotation: nodes pick up new encryption keys after a restart.")))

	bm := mustSearch(t, ix, Query{Text: "rotate encryption keys", Mode: ModeBM25, K: 3})
	require.Equal(t, []string{"mv1", "mv2", "mv3"}, docsOf(bm))
	hy := mustSearch(t, ix, Query{Text: "rotate encryption keys", K: 2})
	require.Len(t, hy, 2)
	require.Equal(t, dup, hy[0].Chunk.Text)
	require.Equal(t, "faq", hy[1].Doc.ID)
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"", "v0.3", "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.1.2.3.4.5.6.7.8", "\xff\xfe.-_", "Größe-2.x", "v.", "-v1-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, tok := range tokenize(nil, s) {
			if tok.text == "" || len(tok.text) > maxTokenLen {
				t.Fatalf("bad token %q from %q", tok.text, s)
			}
		}
	})
}
