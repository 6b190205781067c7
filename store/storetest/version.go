package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/store"
)

func testVersion(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	a, b := newDoc("a", "default", "a.md"), newDoc("b", "default", "b.md")
	steps := []struct {
		name   string
		mutate bool
		run    func() error
	}{
		{"put a", true, func() error { return c.PutDocument(ctx, a) }},
		{"put a again", true, func() error { return c.PutDocument(ctx, a) }},
		{"commit a", true, func() error { return c.CommitChunks(ctx, a, newChunks(a, 3, 1, 4)) }},
		{"commit b (new)", true, func() error { return c.CommitChunks(ctx, b, newChunks(b, 2, 1, 4)) }},
		{"commit a empty", true, func() error { return c.CommitChunks(ctx, a, nil) }},
		{"delete b", true, func() error { return c.DeleteDocument(ctx, "b") }},
		{"get", false, func() error { _, err := c.GetDocument(ctx, "a"); return err }},
		{"find", false, func() error { _, err := c.FindDocument(ctx, "default", "a.md"); return err }},
		{"list", false, func() error { _, err := c.ListDocuments(ctx, store.DocumentFilter{}); return err }},
		{"chunks", false, func() error { _, err := c.Chunks(ctx, "a"); return err }},
		{"foreach", false, func() error { return c.ForEachChunk(ctx, func(store.Chunk) error { return nil }) }},
		{"delete unknown", false, func() error {
			if err := c.DeleteDocument(ctx, "b"); err == nil {
				return errNoError
			}
			return nil
		}},
		{"invalid commit", false, func() error {
			bad := a
			bad.Name = ""
			if err := c.CommitChunks(ctx, bad, nil); err == nil {
				return errNoError
			}
			return nil
		}},
		{"delete a", true, func() error { return c.DeleteDocument(ctx, "a") }},
	}
	v := version(t, c)
	for _, s := range steps {
		require.NoError(t, s.run(), s.name)
		nv := version(t, c)
		if s.mutate {
			require.Greater(t, nv, v, "%s must bump the version", s.name)
		} else {
			require.Equal(t, v, nv, "%s must not change the version", s.name)
		}
		v = nv
	}
}

var errNoError = errors.New("expected an error, got none")

func testContextCancelled(t *testing.T, c store.Catalog) {
	bg := context.Background()
	a := newDoc("a", "default", "a.md")
	commit(t, c, a, newChunks(a, 3, 1, 4))
	v := version(t, c)

	ctx, cancel := context.WithCancel(bg)
	cancel()
	b := newDoc("b", "default", "b.md")
	calls := []struct {
		name string
		run  func() error
	}{
		{"PutDocument", func() error { return c.PutDocument(ctx, b) }},
		{"CommitChunks new", func() error { return c.CommitChunks(ctx, b, newChunks(b, 2, 1, 4)) }},
		{"CommitChunks replace", func() error { return c.CommitChunks(ctx, a, nil) }},
		{"DeleteDocument", func() error { return c.DeleteDocument(ctx, "a") }},
		{"GetDocument", func() error { _, err := c.GetDocument(ctx, "a"); return err }},
		{"FindDocument", func() error { _, err := c.FindDocument(ctx, "default", "a.md"); return err }},
		{"ListDocuments", func() error { _, err := c.ListDocuments(ctx, store.DocumentFilter{}); return err }},
		{"Chunks", func() error { _, err := c.Chunks(ctx, "a"); return err }},
		{"GetChunk", func() error { _, err := c.GetChunk(ctx, "a/g1/c0"); return err }},
		{"ForEachChunk", func() error { return c.ForEachChunk(ctx, func(store.Chunk) error { return nil }) }},
		{"Version", func() error { _, err := c.Version(ctx); return err }},
	}
	for _, call := range calls {
		require.ErrorIs(t, call.run(), context.Canceled, call.name)
	}

	require.Equal(t, v, version(t, c), "cancelled calls commit nothing")
	_, err := c.GetDocument(bg, "b")
	require.ErrorIs(t, err, store.ErrNotFound)
	stored, err := c.Chunks(bg, "a")
	require.NoError(t, err)
	requireChunks(t, newChunks(a, 3, 1, 4), stored)
}

func testUseAfterClose(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	a := newDoc("a", "default", "a.md")
	commit(t, c, a, newChunks(a, 1, 1, 4))
	require.NoError(t, c.Close())
	_, err := c.GetDocument(ctx, "a")
	require.Error(t, err)
	require.Error(t, c.PutDocument(ctx, a))
	require.Error(t, c.ForEachChunk(ctx, func(store.Chunk) error { return nil }))
	_, err = c.Version(ctx)
	require.Error(t, err)
}
