package ingest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/quirehq/quire/ingest/internal/pdfrecall"
	"github.com/stretchr/testify/require"
)

// recallFloor is the target: per-page word recall against
// pdftotext (default mode), averaged over documents.
const recallFloor = 0.97

// TestPDFRecall measures word recall against pdftotext on the committed
// real PDFs (testdata/pdf/SOURCES.md) and asserts the floor; -v prints the
// per-document table. Dropped running headers count as misses.
func TestPDFRecall(t *testing.T) {
	files, err := filepath.Glob("testdata/pdf/real/*.pdf")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 10, "real PDFs missing under testdata/pdf/real")
	var docs []pdfrecall.Doc
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		pages, _, _, err := extractPDF(context.Background(), data, Limits{})
		require.NoError(t, err, f)
		ref, err := pdfrecall.Pdftotext(context.Background(), f)
		if errors.Is(err, pdfrecall.ErrNoPdftotext) {
			t.Fatal(err)
		}
		require.NoError(t, err)
		ours := make([]string, len(pages))
		for i, p := range pages {
			require.Equal(t, i+1, p.Number)
			ours[i] = p.Text
		}
		d, err := pdfrecall.Compare(filepath.Base(f), ours, ref)
		require.NoError(t, err)
		docs = append(docs, d)
	}
	table, mean := pdfrecall.Table(docs)
	t.Log("\n" + table)
	require.GreaterOrEqual(t, mean, recallFloor, "mean per-page word recall against pdftotext")
}
