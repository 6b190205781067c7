package rag

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/citations"
)

func TestExtractiveAnswerQuotesAndCites(t *testing.T) {
	sources := []citations.Source{
		{N: 1, DocName: "a.pdf", Text: "The warranty covers parts for two years. Labour is not covered after the first year."},
		{N: 2, DocName: "b.md", Text: "Shipping takes five days. Returns are accepted within thirty days of delivery."},
	}
	got := extractiveAnswer("How long does the warranty cover parts?", sources)
	require.Equal(t, "“The warranty covers parts for two years.” [1]", got)

	got = extractiveAnswer("Are returns accepted, and how long does shipping take?", sources)
	require.Contains(t, got, "[2]")
	require.NotContains(t, got, "[1]")
	require.Contains(t, got, "Returns are accepted within thirty days of delivery.")

	require.Empty(t, extractiveAnswer("quantum chromodynamics lattice", sources), "nothing relevant: no answer")
	require.Empty(t, extractiveAnswer("what is the", sources), "only stopwords")
	require.Empty(t, extractiveAnswer("warranty", nil))
}

func TestSplitSentences(t *testing.T) {
	got := splitSentences("First one. Second one! Is it 3 p.m. now? Yes.\n\nNew paragraph without end")
	require.Equal(t, []string{"First one.", "Second one!", "Is it 3 p.m. now?", "Yes.", "New paragraph without end"}, got)
}

func TestSplitSentencesSeparatesHeadings(t *testing.T) {
	got := splitSentences("Operations Manual\nChapter 1: Backups\nThe daemon runs every night and keeps fourteen\nsnapshots on the disk. It never stops.")
	require.Equal(t, []string{"Operations Manual", "Chapter 1: Backups", "The daemon runs every night and keeps fourteen snapshots on the disk.", "It never stops."}, got)
}

func TestStreamPiecesRebuildText(t *testing.T) {
	text := "“A quote.” [1]\n\n“Another.” [2]"
	var joined string
	for _, p := range streamPieces(text) {
		joined += p
	}
	require.Equal(t, text, joined)
	require.Greater(t, len(streamPieces(text)), 3)
}
