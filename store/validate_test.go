package store

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestNormalizeDocument(t *testing.T) {
	local := time.FixedZone("UTC+2", 2*3600)
	in := Document{ID: "d", Name: "a.md", Created: time.Date(2026, 1, 2, 3, 4, 5, 0, local)}
	got, err := NormalizeDocument(in)
	require.NoError(t, err)
	require.Equal(t, DefaultCollection, got.Collection)
	require.Equal(t, time.UTC, got.Created.Location())
	require.True(t, in.Created.Equal(got.Created))
	require.True(t, got.Updated.IsZero(), "zero times stay zero: the backend fills them")

	tests := []struct {
		name string
		d    Document
	}{
		{"no id", Document{Name: "a"}},
		{"no name", Document{ID: "d"}},
		{"bad utf8 collection", Document{ID: "d", Name: "a", Collection: "\xff"}},
		{"nul in embedder", Document{ID: "d", Name: "a", Embedder: "x\x00"}},
		{"negative pages", Document{ID: "d", Name: "a", Pages: -1}},
	}
	for _, tc := range tests {
		_, err := NormalizeDocument(tc.d)
		require.ErrorIs(t, err, ErrInvalid, tc.name)
	}
}

func TestNormalizeChunks(t *testing.T) {
	d := Document{ID: "d", Collection: "c", Name: "a"}
	in := []Chunk{
		{ID: "x2", Seq: 7},
		{ID: "x0", Seq: 0, DocID: "d", Collection: "c"},
		{ID: "x1", Seq: 3},
	}
	got, err := NormalizeChunks(d, in)
	require.NoError(t, err)
	require.Equal(t, []Chunk{
		{ID: "x0", Seq: 0, DocID: "d", Collection: "c"},
		{ID: "x1", Seq: 3, DocID: "d", Collection: "c"},
		{ID: "x2", Seq: 7, DocID: "d", Collection: "c"},
	}, got)
	require.Equal(t, "x2", in[0].ID, "the caller's slice is left alone")
	require.Empty(t, in[0].DocID)

	empty, err := NormalizeChunks(d, nil)
	require.NoError(t, err)
	require.Empty(t, empty)
}
