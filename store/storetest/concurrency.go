package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/store"
)

// genSize is how many chunks generation gen of a document has: it varies,
// so that a reader mixing two versions would see a wrong count.
func genSize(gen int) int { return 1 + (gen*7)%11 }

// checkOneVersion fails when chunks of one document come from more than one
// commit, or are not all of that commit's chunks in order.
func checkOneVersion(docID string, chunks []store.Chunk) error {
	if len(chunks) == 0 {
		return nil
	}
	var gen0 int
	for i, ch := range chunks {
		var gen, seq int
		if _, err := fmt.Sscanf(ch.Text, "gen %d chunk %d", &gen, &seq); err != nil {
			return fmt.Errorf("chunk %q: unexpected text %q", ch.ID, ch.Text)
		}
		if i == 0 {
			gen0 = gen
		}
		if gen != gen0 || seq != i || ch.Seq != i || ch.DocID != docID {
			return fmt.Errorf("document %q: chunk %d is gen %d seq %d, first chunk is gen %d: a reader saw two versions at once", docID, i, gen, seq, gen0)
		}
	}
	if want := genSize(gen0); len(chunks) != want {
		return fmt.Errorf("document %q gen %d: %d chunks, want %d", docID, gen0, len(chunks), want)
	}
	return nil
}

func testConcurrency(t *testing.T, c store.Catalog) {
	const (
		writers       = 4
		docsPerWriter = 2
		commits       = 12
		readers       = 3
	)
	ctx := context.Background()
	v0 := version(t, c)

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		errs     []error
		done     atomic.Bool
		mutation atomic.Int64
	)
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	docID := func(w, k int) string { return fmt.Sprintf("w%d-d%d", w, k) }

	var writersWG sync.WaitGroup
	for w := range writers {
		writersWG.Add(1)
		go func() {
			defer writersWG.Done()
			for gen := 1; gen <= commits; gen++ {
				for k := range docsPerWriter {
					d := newDoc(docID(w, k), "default", docID(w, k)+".md")
					if err := c.CommitChunks(ctx, d, newChunks(d, genSize(gen), gen, 8)); err != nil {
						fail(fmt.Errorf("writer %d commit gen %d: %w", w, gen, err))
						return
					}
					mutation.Add(1)
					d.Status = store.StatusReady
					if err := c.PutDocument(ctx, d); err != nil {
						fail(fmt.Errorf("writer %d put: %w", w, err))
						return
					}
					mutation.Add(1)
				}
			}
		}()
	}

	for r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !done.Load(); i++ {
				id := docID(i%writers, (i/writers)%docsPerWriter)
				chunks, err := c.Chunks(ctx, id)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					fail(fmt.Errorf("reader %d chunks: %w", r, err))
					return
				}
				if err := checkOneVersion(id, chunks); err != nil {
					fail(err)
					return
				}
				if len(chunks) > 0 {
					ch, err := c.GetChunk(ctx, chunks[0].ID)
					if err != nil && !errors.Is(err, store.ErrNotFound) {
						fail(fmt.Errorf("reader %d get chunk: %w", r, err))
						return
					}
					if err == nil && ch.DocID != id {
						fail(fmt.Errorf("chunk %q belongs to %q, want %q", ch.ID, ch.DocID, id))
						return
					}
				}
				if _, err := c.ListDocuments(ctx, store.DocumentFilter{}); err != nil {
					fail(fmt.Errorf("reader %d list: %w", r, err))
					return
				}
				if r == 0 && i%4 == 0 {
					byDoc := map[string][]store.Chunk{}
					if err := c.ForEachChunk(ctx, func(ch store.Chunk) error {
						byDoc[ch.DocID] = append(byDoc[ch.DocID], ch)
						return nil
					}); err != nil {
						fail(fmt.Errorf("reader %d foreach: %w", r, err))
						return
					}
					for id, cs := range byDoc {
						if err := checkOneVersion(id, cs); err != nil {
							fail(fmt.Errorf("ForEachChunk: %w", err))
							return
						}
					}
				}
				if _, err := c.Version(ctx); err != nil {
					fail(err)
					return
				}
			}
		}()
	}

	writersWG.Wait()
	done.Store(true)
	wg.Wait()
	require.Empty(t, errs)

	require.GreaterOrEqual(t, version(t, c), v0+uint64(mutation.Load()))
	for w := range writers {
		for k := range docsPerWriter {
			d := newDoc(docID(w, k), "default", docID(w, k)+".md")
			stored, err := c.Chunks(ctx, d.ID)
			require.NoError(t, err)
			requireChunks(t, newChunks(d, genSize(commits), commits, 8), stored)
			got, err := c.GetDocument(ctx, d.ID)
			require.NoError(t, err)
			require.Equal(t, genSize(commits), got.Chunks)
			require.Equal(t, store.StatusReady, got.Status)
		}
	}
}
