package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/store"
)

func testPutGet(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	docs := []store.Document{
		newDoc("d1", "default", "a.md"),
		newDoc("d2", "team", "guide/b.pdf"),
		func() store.Document {
			d := newDoc("d3", "default", "c.txt")
			d.Type, d.Pages, d.Status, d.Error = "pdf", 12, store.StatusFailed, "page 3: broken xref"
			d.Title, d.Embedder = "", ""
			return d
		}(),
	}
	put(t, c, docs...)
	for _, want := range docs {
		got, err := c.GetDocument(ctx, want.ID)
		require.NoError(t, err)
		requireDoc(t, want, got)
	}
}

func testPutUpdate(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	d := newDoc("d1", "default", "a.md")
	d.Status = store.StatusQueued
	put(t, c, d)

	d.Status, d.Title, d.Updated = store.StatusIngesting, "New title", base.Add(time.Hour)
	put(t, c, d)
	got, err := c.GetDocument(ctx, "d1")
	require.NoError(t, err)
	requireDoc(t, d, got)

	// A zero Created keeps the first one.
	d.Created = time.Time{}
	put(t, c, d)
	got, err = c.GetDocument(ctx, "d1")
	require.NoError(t, err)
	require.True(t, base.Equal(got.Created), "created %v, want %v", got.Created, base)

	all, err := c.ListDocuments(ctx, store.DocumentFilter{})
	require.NoError(t, err)
	require.Len(t, all, 1, "an update must not add a record")
}

func testDefaults(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	d := newDoc("d1", "", "a.md")
	d.Created, d.Updated = time.Time{}, time.Time{}
	before := time.Now().Add(-time.Minute)
	put(t, c, d)
	got, err := c.GetDocument(ctx, "d1")
	require.NoError(t, err)
	require.Equal(t, store.DefaultCollection, got.Collection)
	require.True(t, got.Created.After(before), "zero Created must be set to now, got %v", got.Created)
	require.True(t, got.Updated.After(before), "zero Updated must be set to now, got %v", got.Updated)
	require.Equal(t, 0, got.Chunks)

	// Chunks in PutDocument is ignored: it counts what is stored.
	d.Chunks = 42
	put(t, c, d)
	got, err = c.GetDocument(ctx, "d1")
	require.NoError(t, err)
	require.Equal(t, 0, got.Chunks)
}

func testFind(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	put(t, c,
		newDoc("d1", "default", "a.md"),
		newDoc("d2", "team", "a.md"),
		newDoc("d3", "team", "dir/a.md"),
	)
	tests := []struct {
		collection, name, wantID string
	}{
		{"default", "a.md", "d1"},
		{"", "a.md", "d1"},
		{"team", "a.md", "d2"},
		{"team", "dir/a.md", "d3"},
		{"team", "A.md", ""},
		{"default", "dir/a.md", ""},
		{"other", "a.md", ""},
		{"team", "dir/", ""},
		{"team", "dir", ""},
	}
	for _, tc := range tests {
		got, err := c.FindDocument(ctx, tc.collection, tc.name)
		if tc.wantID == "" {
			require.ErrorIs(t, err, store.ErrNotFound, "%s/%s", tc.collection, tc.name)
			continue
		}
		require.NoError(t, err, "%s/%s", tc.collection, tc.name)
		require.Equal(t, tc.wantID, got.ID)
	}
}

func testRename(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	d := newDoc("d1", "default", "old.md")
	put(t, c, d)
	d.Name = "new.md"
	put(t, c, d)
	_, err := c.FindDocument(ctx, "default", "old.md")
	require.ErrorIs(t, err, store.ErrNotFound, "the old name must be free after a rename")
	got, err := c.FindDocument(ctx, "default", "new.md")
	require.NoError(t, err)
	require.Equal(t, "d1", got.ID)

	// The freed name can be taken by another document.
	put(t, c, newDoc("d2", "default", "old.md"))
	got, err = c.FindDocument(ctx, "default", "old.md")
	require.NoError(t, err)
	require.Equal(t, "d2", got.ID)
}

func testNameConflict(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	first := newDoc("d1", "default", "a.md")
	put(t, c, first)
	v := version(t, c)

	err := c.PutDocument(ctx, newDoc("d2", "default", "a.md"))
	require.ErrorIs(t, err, store.ErrConflict)
	err = c.CommitChunks(ctx, newDoc("d3", "default", "a.md"), nil)
	require.ErrorIs(t, err, store.ErrConflict)

	require.Equal(t, v, version(t, c), "a refused write must not bump the version")
	got, err := c.FindDocument(ctx, "default", "a.md")
	require.NoError(t, err)
	requireDoc(t, first, got)
	for _, id := range []string{"d2", "d3"} {
		_, err = c.GetDocument(ctx, id)
		require.ErrorIs(t, err, store.ErrNotFound)
	}
}

func testList(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	got, err := c.ListDocuments(ctx, store.DocumentFilter{})
	require.NoError(t, err)
	require.Empty(t, got)

	put(t, c,
		newDoc("d1", "default", "c.md"),
		newDoc("d2", "default", "a.md"),
		newDoc("d3", "zeta", "b.md"),
		newDoc("d4", "alpha", "b.md"),
		newDoc("d5", "default", "B.md"),
		newDoc("d6", "default", "a.md.bak"),
	)
	got, err = c.ListDocuments(ctx, store.DocumentFilter{})
	require.NoError(t, err)
	require.Equal(t, []string{
		"default:B.md", "default:a.md", "default:a.md.bak", "alpha:b.md", "zeta:b.md", "default:c.md",
	}, names(got), "sorted by name in byte order, then collection")
	for _, d := range got {
		full, err := c.GetDocument(ctx, d.ID)
		require.NoError(t, err)
		requireDoc(t, full, d)
	}
}

func testListFilter(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	mk := func(id, coll, name, status string) store.Document {
		d := newDoc(id, coll, name)
		d.Status = status
		return d
	}
	put(t, c,
		mk("d1", "default", "a", store.StatusReady),
		mk("d2", "default", "b", store.StatusFailed),
		mk("d3", "team", "c", store.StatusReady),
		mk("d4", "team", "d", store.StatusQueued),
		mk("d5", "team2", "e", store.StatusReady),
		mk("d6", "tea", "f", store.StatusReady),
	)
	tests := []struct {
		f    store.DocumentFilter
		want []string
	}{
		{store.DocumentFilter{}, []string{"default:a", "default:b", "team:c", "team:d", "team2:e", "tea:f"}},
		{store.DocumentFilter{Collection: "team"}, []string{"team:c", "team:d"}},
		{store.DocumentFilter{Collection: "tea"}, []string{"tea:f"}},
		{store.DocumentFilter{Status: store.StatusReady}, []string{"default:a", "team:c", "team2:e", "tea:f"}},
		{store.DocumentFilter{Collection: "team", Status: store.StatusReady}, []string{"team:c"}},
		{store.DocumentFilter{Collection: "default", Status: store.StatusQueued}, []string{}},
		{store.DocumentFilter{Collection: "nope"}, []string{}},
		{store.DocumentFilter{Status: "nope"}, []string{}},
	}
	for _, tc := range tests {
		got, err := c.ListDocuments(ctx, tc.f)
		require.NoError(t, err)
		require.Equal(t, tc.want, names(got), "filter %+v", tc.f)
	}
}

func testUnicodeNames(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	tests := []struct{ id, coll, name string }{
		{"u1", "default", "報告書/第1章.pdf"},
		{"u2", "default", "café.md"},
		{"u3", "default", "cafe\u0301.md"}, // the same word, decomposed: another name
		{"u4", "default", "📄 notes 🚀.md"},
		{"u5", "default", "שלום.txt"},
		{"u6", "Équipe", "résumé.md"},
		{"u7", "default", strings.Repeat("ж", 1000) + ".md"},
		{"u8", "default", "spaces and\ttabs\nnewline.md"},
	}
	for _, tc := range tests {
		put(t, c, newDoc(tc.id, tc.coll, tc.name))
	}
	for _, tc := range tests {
		got, err := c.FindDocument(ctx, tc.coll, tc.name)
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.id, got.ID)
		require.Equal(t, tc.name, got.Name)
		require.Equal(t, tc.coll, got.Collection)
	}
	all, err := c.ListDocuments(ctx, store.DocumentFilter{})
	require.NoError(t, err)
	require.Len(t, all, len(tests))
	got := make([]string, len(all))
	for i, d := range all {
		got[i] = d.Name
	}
	require.Equal(t, sortedCopy(got), got, "names sort in byte order")
}

func testInvalidInput(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	good := newDoc("d1", "default", "a.md")
	put(t, c, good)
	v := version(t, c)

	docTests := []struct {
		name string
		edit func(d *store.Document)
	}{
		{"empty id", func(d *store.Document) { d.ID = "" }},
		{"empty name", func(d *store.Document) { d.Name = "" }},
		{"invalid utf8 name", func(d *store.Document) { d.Name = "a\xff.md" }},
		{"nul in name", func(d *store.Document) { d.Name = "a\x00.md" }},
		{"nul in title", func(d *store.Document) { d.Title = "t\x00" }},
		{"long id", func(d *store.Document) { d.ID = strings.Repeat("x", store.MaxIDLen+1) }},
		{"long name", func(d *store.Document) { d.Name = strings.Repeat("x", store.MaxNameLen+1) }},
		{"long collection", func(d *store.Document) { d.Collection = strings.Repeat("x", store.MaxCollectionLen+1) }},
		{"negative size", func(d *store.Document) { d.Size = -1 }},
	}
	for _, tc := range docTests {
		d := newDoc("d2", "default", "b.md")
		tc.edit(&d)
		require.ErrorIs(t, c.PutDocument(ctx, d), store.ErrInvalid, tc.name)
		require.ErrorIs(t, c.CommitChunks(ctx, d, nil), store.ErrInvalid, tc.name)
	}

	chunkTests := []struct {
		name string
		edit func(cs []store.Chunk)
	}{
		{"empty chunk id", func(cs []store.Chunk) { cs[1].ID = "" }},
		{"duplicate chunk id", func(cs []store.Chunk) { cs[1].ID = cs[0].ID }},
		{"duplicate seq", func(cs []store.Chunk) { cs[1].Seq = cs[0].Seq }},
		{"negative seq", func(cs []store.Chunk) { cs[1].Seq = -1 }},
		{"other document", func(cs []store.Chunk) { cs[1].DocID = "elsewhere" }},
		{"other collection", func(cs []store.Chunk) { cs[1].Collection = "elsewhere" }},
		{"invalid utf8 text", func(cs []store.Chunk) { cs[1].Text = "bad \xc3\x28" }},
		{"nul in text", func(cs []store.Chunk) { cs[1].Text = "a\x00b" }},
		{"nul in heading", func(cs []store.Chunk) { cs[1].HeadingPath = []string{"a\x00"} }},
		{"page end before start", func(cs []store.Chunk) { cs[1].PageStart, cs[1].PageEnd = 3, 2 }},
		{"char end before start", func(cs []store.Chunk) { cs[1].CharStart, cs[1].CharEnd = 9, 2 }},
		{"long chunk id", func(cs []store.Chunk) { cs[1].ID = strings.Repeat("x", store.MaxIDLen+1) }},
	}
	for _, tc := range chunkTests {
		cs := newChunks(good, 3, 1, 4)
		tc.edit(cs)
		require.ErrorIs(t, c.CommitChunks(ctx, good, cs), store.ErrInvalid, tc.name)
	}

	require.Equal(t, v, version(t, c), "refused writes must not bump the version")
	all, err := c.ListDocuments(ctx, store.DocumentFilter{})
	require.NoError(t, err)
	require.Equal(t, []string{"default:a.md"}, names(all))
	got, err := c.Chunks(ctx, "d1")
	require.NoError(t, err)
	require.Empty(t, got)
}
