package rag

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/store"
)

const notesMD = `# Release Notes

## Version 2.0

The scheduler now retries failed jobs three times before giving up.

## Version 1.0

The first release shipped a command-line client and a REST API.
`

const recipesMD = `# Kitchen Recipes

## Bread

Knead the dough for ten minutes and let it rise for two hours in a warm place.

## Soup

Simmer the vegetables for forty minutes before blending the soup.
`

func open(t *testing.T, dir string) *Service {
	t.Helper()
	s, err := Open(context.Background(), Config{DataDir: dir})
	require.NoError(t, err)
	return s
}

func TestIngestSearchAskDelete(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	defer s.Close()

	r := s.Ingest(ctx, Source{Name: "notes/release.md", Data: []byte(notesMD)})
	require.NoError(t, r.Err)
	require.False(t, r.Duplicate)
	require.Equal(t, store.StatusReady, r.Doc.Status)
	require.Equal(t, "markdown", r.Doc.Type)
	require.Positive(t, r.Doc.Chunks)
	require.NoError(t, s.Ingest(ctx, Source{Name: "recipes.md", Data: []byte(recipesMD)}).Err)

	resp, err := s.Search(ctx, SearchRequest{Query: "how long should bread dough rise", K: 3})
	require.NoError(t, err)
	require.NotEmpty(t, resp.Results)
	top := resp.Results[0]
	require.Equal(t, "recipes.md", top.DocName)
	require.Nil(t, top.Page, "Markdown has no pages")
	require.NotNil(t, top.Section)
	require.True(t, strings.HasPrefix(*top.Section, "Kitchen Recipes"), *top.Section)

	ans, err := s.Ask(ctx, AskRequest{Question: "How many times does the scheduler retry failed jobs?"}, nil)
	require.NoError(t, err)
	require.Equal(t, ProvenanceExtractive, ans.Provenance)
	require.Contains(t, ans.Answer, "three times")
	require.Len(t, ans.Citations, 1)
	require.Equal(t, "release.md", ans.Citations[0].DocName)
	require.Equal(t, "notes/release.md", ans.Citations[0].Path)

	// delete removes the document from catalog and index
	require.NoError(t, s.DeleteDocument(ctx, r.Doc.ID))
	_, err = s.Document(ctx, r.Doc.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
	resp, err = s.Search(ctx, SearchRequest{Query: "scheduler retries failed jobs", K: 5})
	require.NoError(t, err)
	for _, res := range resp.Results {
		require.NotEqual(t, r.Doc.ID, res.DocID)
	}
	require.ErrorIs(t, s.DeleteDocument(ctx, r.Doc.ID), store.ErrNotFound)
}

func TestIdentityDuplicateReplaceAndRename(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir)
	defer s.Close()

	first := s.Ingest(ctx, Source{Name: "a.md", Data: []byte(notesMD)})
	require.NoError(t, first.Err)

	same := s.Ingest(ctx, Source{Name: "a.md", Data: []byte(notesMD)})
	require.NoError(t, same.Err)
	require.True(t, same.Duplicate, "same bytes under the same name are a no-op")
	require.Equal(t, first.Doc.ID, same.Doc.ID)

	other := s.Ingest(ctx, Source{Name: "b.md", Data: []byte(notesMD)})
	require.NoError(t, other.Err)
	require.False(t, other.Duplicate, "same bytes under another name are another document")
	require.NotEqual(t, first.Doc.ID, other.Doc.ID)

	replaced := s.Ingest(ctx, Source{Name: "a.md", Data: []byte(recipesMD)})
	require.NoError(t, replaced.Err)
	require.False(t, replaced.Duplicate)
	require.Equal(t, first.Doc.ID, replaced.Doc.ID, "a new version keeps the document's id")
	require.NotEqual(t, first.Doc.SHA256, replaced.Doc.SHA256)
	docs, err := s.Documents(ctx, "")
	require.NoError(t, err)
	require.Len(t, docs, 2)

	chunks, err := s.cat.Chunks(ctx, first.Doc.ID)
	require.NoError(t, err)
	for _, c := range chunks {
		require.NotContains(t, c.Text, "scheduler", "the old version's chunks are gone")
	}
	// the original of the new version is kept; the old bytes are still used by b.md
	_, err = os.Stat(s.blobs.Path(replaced.Doc.SHA256))
	require.NoError(t, err)
	_, err = os.Stat(s.blobs.Path(first.Doc.SHA256))
	require.NoError(t, err)
	// once nothing refers to the old bytes, their original goes
	require.NoError(t, s.DeleteDocument(ctx, other.Doc.ID))
	_, err = os.Stat(s.blobs.Path(first.Doc.SHA256))
	require.True(t, errors.Is(err, os.ErrNotExist))
}

func TestBadFileFailsAloneAndKeepsNoStaleChunks(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	files := map[string][]byte{
		"good.md":   []byte(notesMD),
		"empty.txt": {},
		"bin.md":    {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0},
		"trunc.pdf": []byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog"),
		"also.md":   []byte(recipesMD),
	}
	src := t.TempDir()
	for name, data := range files {
		require.NoError(t, os.WriteFile(filepath.Join(src, name), data, 0o644))
	}
	s := open(t, dir)
	defer s.Close()
	results := s.IngestPaths(ctx, []string{src}, nil)
	require.Len(t, results, 5)
	failed := map[string]string{}
	for _, r := range results {
		if r.Err != nil {
			failed[r.Name] = r.Err.Error()
		}
	}
	require.Len(t, failed, 3, "%v", failed)
	require.Contains(t, failed, "empty.txt")
	require.Contains(t, failed, "bin.md")
	require.Contains(t, failed, "trunc.pdf")
	docs, err := s.Documents(ctx, "")
	require.NoError(t, err)
	ready := 0
	for _, d := range docs {
		if d.Status == store.StatusReady {
			ready++
		}
	}
	require.Equal(t, 2, ready)

	// a good document replaced by broken bytes keeps no chunks of the old text
	r := s.Ingest(ctx, Source{Name: "good.md", Data: []byte("%PDF-1.4 broken")})
	require.Error(t, r.Err)
	chunks, err := s.cat.Chunks(ctx, r.Doc.ID)
	require.NoError(t, err)
	require.Empty(t, chunks)
	resp, err := s.Search(ctx, SearchRequest{Query: "scheduler retries", K: 5})
	require.NoError(t, err)
	for _, res := range resp.Results {
		require.NotEqual(t, r.Doc.ID, res.DocID)
	}
}

func TestIngestPathsNamesAndSkipsHidden(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(src, "sub", ".git"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "sub", "notes.md"), []byte(notesMD), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(src, "sub", ".git", "HEAD.md"), []byte(notesMD), 0o644))
	single := filepath.Join(t.TempDir(), "recipes.md")
	require.NoError(t, os.WriteFile(single, []byte(recipesMD), 0o644))

	s := open(t, t.TempDir())
	defer s.Close()
	results := s.IngestPaths(ctx, []string{src, single, filepath.Join(src, "missing.md")}, nil)
	names := map[string]error{}
	for _, r := range results {
		names[r.Name] = r.Err
	}
	require.Len(t, names, 3)
	require.NoError(t, names["sub/notes.md"])
	require.NoError(t, names["recipes.md"])
	require.Error(t, names[filepath.Join(src, "missing.md")])
}

func TestSecondProcessGetsClearLockError(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	defer s.Close()
	done := make(chan error, 1)
	go func() {
		_, err := Open(context.Background(), Config{DataDir: dir})
		done <- err
	}()
	select {
	case err := <-done:
		require.ErrorIs(t, err, store.ErrLocked)
		require.Contains(t, err.Error(), "pid")
	case <-time.After(10 * time.Second):
		t.Fatal("a second Open on the same data folder hung")
	}
}

func TestRestartResumesInterruptedIngestion(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir)
	// accept without processing: what a process killed mid-ingest leaves
	doc, dup, err := s.accept(ctx, Source{Name: "notes.md", Data: []byte(notesMD)})
	require.NoError(t, err)
	require.False(t, dup)
	doc.Status = store.StatusIngesting
	require.NoError(t, s.cat.PutDocument(ctx, doc))
	require.NoError(t, s.Close())

	s = open(t, dir)
	defer s.Close()
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	require.NoError(t, s.WaitIdle(wctx))
	got, err := s.Document(ctx, doc.ID)
	require.NoError(t, err)
	require.Equal(t, store.StatusReady, got.Status)
	resp, err := s.Search(ctx, SearchRequest{Query: "scheduler retries failed jobs"})
	require.NoError(t, err)
	require.NotEmpty(t, resp.Results)
	require.Equal(t, doc.ID, resp.Results[0].DocID)
}

func TestSnapshotReusedAndRebuiltWhenStale(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir)
	require.NoError(t, s.Ingest(ctx, Source{Name: "notes.md", Data: []byte(notesMD)}).Err)
	require.NoError(t, s.Close())
	snap := filepath.Join(dir, snapshotFile)
	info, err := os.Stat(snap)
	require.NoError(t, err)

	// reopening with a current snapshot loads it (the file is not rewritten
	// before Close)
	s = open(t, dir)
	again, err := os.Stat(snap)
	require.NoError(t, err)
	require.Equal(t, info.ModTime(), again.ModTime())
	resp, err := s.Search(ctx, SearchRequest{Query: "scheduler"})
	require.NoError(t, err)
	require.NotEmpty(t, resp.Results)
	require.NoError(t, s.Close())

	// a corrupt snapshot is rebuilt from the catalog, not trusted
	require.NoError(t, os.WriteFile(snap, []byte("garbage"), 0o644))
	s = open(t, dir)
	defer s.Close()
	resp, err = s.Search(ctx, SearchRequest{Query: "scheduler"})
	require.NoError(t, err)
	require.NotEmpty(t, resp.Results)
	require.NoError(t, s.Reindex(ctx))
}

func TestSubmitPublishesProgress(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	defer s.Close()
	id := DocID(store.DefaultCollection, "notes.md")
	ch, cancel := s.Subscribe(id)
	defer cancel()
	doc, dup, err := s.Submit(ctx, Source{Name: "notes.md", Data: []byte(notesMD)})
	require.NoError(t, err)
	require.False(t, dup)
	require.Equal(t, id, doc.ID)
	var statuses []string
	timeout := time.After(20 * time.Second)
	for {
		select {
		case p := <-ch:
			statuses = append(statuses, p.Status)
			if p.Status == store.StatusReady {
				require.Contains(t, statuses, store.StatusIngesting)
				return
			}
		case <-timeout:
			t.Fatalf("no ready event; got %v", statuses)
		}
	}
}

func TestEmptyQuestionsAndQueries(t *testing.T) {
	s := open(t, t.TempDir())
	defer s.Close()
	_, err := s.Search(context.Background(), SearchRequest{Query: "  "})
	require.ErrorIs(t, err, ErrEmptyQuery)
	_, err = s.Ask(context.Background(), AskRequest{Question: ""}, nil)
	require.ErrorIs(t, err, ErrEmptyQuestion)
}
