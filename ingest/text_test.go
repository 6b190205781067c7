package ingest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParagraphBlocks(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"one", []string{"one"}},
		{"one\ntwo\n\nthree", []string{"one\ntwo", "three"}},
		{"\n\n a \n\n\n\n b \n\n", []string{"a", "b"}},
	}
	for _, tt := range tests {
		var got []string
		for _, b := range paragraphBlocks(tt.in, 0, len(tt.in), 0, 0, nil) {
			got = append(got, tt.in[b.start:b.end])
		}
		require.Equal(t, tt.want, got, "%q", tt.in)
	}
}

func TestExtractText(t *testing.T) {
	ex := extractText("Para one,\r\nstill one.\r\n\r\n\r\nPara  two.")
	require.Equal(t, TypeText, ex.Type)
	require.Equal(t, "Para one,\nstill one.\n\nPara two.", ex.Text)
	require.Len(t, ex.blocks, 2)
	chunks := Chunk(ex, ChunkOptions{})
	require.Len(t, chunks, 1)
	require.Equal(t, ex.Text, chunks[0].Text)
	require.Nil(t, chunks[0].HeadingPath)
}
