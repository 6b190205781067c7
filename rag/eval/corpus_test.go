package eval

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	corpusDir     = "testdata/corpus"
	questionsFile = "testdata/questions.json"
	// sourcesFile documents the corpus; it is not part of what is searched.
	sourcesFile = "SOURCES.md"
)

// question is one user question with the document (and, for PDFs, the
// pages) that answer it.
type question struct {
	ID        string `json:"id"`
	Question  string `json:"question"`
	Doc       string `json:"doc"`             // path relative to testdata/corpus
	Pages     []int  `json:"pages,omitempty"` // 1-based PDF pages; empty for Markdown
	Lookalike bool   `json:"lookalike,omitempty"`
}

func loadQuestions(t testing.TB) []question {
	t.Helper()
	data, err := os.ReadFile(questionsFile)
	require.NoError(t, err)
	var qs []question
	require.NoError(t, json.Unmarshal(data, &qs), "parse %s", questionsFile)
	return qs
}

// corpusFiles lists the searchable documents (relative, slash-separated).
func corpusFiles(t testing.TB) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(corpusDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		rel, err := filepath.Rel(corpusDir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == sourcesFile {
			return nil
		}
		names = append(names, rel)
		return nil
	})
	require.NoError(t, err)
	return names
}

// stageCorpus links (or copies) the searchable documents into a fresh
// folder, leaving SOURCES.md out, so that ingesting a folder sees exactly
// the documents the questions are about.
func stageCorpus(t testing.TB) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "corpus")
	for _, name := range corpusFiles(t) {
		from := filepath.Join(corpusDir, filepath.FromSlash(name))
		to := filepath.Join(dst, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(to), 0o755))
		if err := os.Link(from, to); err != nil {
			require.NoError(t, copyFile(from, to))
		}
	}
	return dst
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// requirePdftotext fails (never skips) when poppler-utils is missing.
func requirePdftotext(t testing.TB) {
	t.Helper()
	_, err := exec.LookPath("pdftotext")
	require.NoError(t, err, "pdftotext not found: install poppler-utils (apt-get install poppler-utils)")
}

// pdfPages returns each page's text as pdftotext extracts it; pdftotext
// ends every page with a form feed.
func pdfPages(path string) ([]string, error) {
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		return nil, fmt.Errorf("pdftotext %s: %w (install poppler-utils)", path, err)
	}
	pages := strings.Split(string(out), "\f")
	if n := len(pages); n > 0 && strings.TrimSpace(pages[n-1]) == "" {
		pages = pages[:n-1]
	}
	return pages, nil
}

var pageCache sync.Map // corpus name -> []string

// corpusPages is pdfPages for a corpus document, extracted once per test
// binary: both the question check and the baseline need it.
func corpusPages(name string) ([]string, error) {
	if v, ok := pageCache.Load(name); ok {
		return v.([]string), nil
	}
	pages, err := pdfPages(filepath.Join(corpusDir, filepath.FromSlash(name)))
	if err != nil {
		return nil, err
	}
	pageCache.Store(name, pages)
	return pages, nil
}

func isPDF(name string) bool { return strings.EqualFold(filepath.Ext(name), ".pdf") }

// TestQuestionsValid checks the question set against the corpus: every gold
// document exists, every gold page exists and contains text, Markdown gold
// has no pages, ids are unique, and the set is as large as promised.
func TestQuestionsValid(t *testing.T) {
	requirePdftotext(t)
	qs := loadQuestions(t)
	files := corpusFiles(t)
	pageCount := map[string]int{}
	var pdfs, mds int
	for _, f := range files {
		switch {
		case isPDF(f):
			pdfs++
			pages, err := corpusPages(f)
			require.NoError(t, err)
			pageCount[f] = len(pages)
		case strings.EqualFold(filepath.Ext(f), ".md"):
			mds++
		}
	}
	require.GreaterOrEqual(t, len(files), 20, "corpus documents")
	require.GreaterOrEqual(t, pdfs, 12, "corpus PDFs")
	require.GreaterOrEqual(t, mds, 8, "corpus Markdown files")
	require.GreaterOrEqual(t, len(qs), 50, "questions")

	seen := map[string]bool{}
	var lookalike int
	for _, q := range qs {
		t.Run(q.ID, func(t *testing.T) {
			require.NotEmpty(t, q.ID)
			require.False(t, seen[q.ID], "duplicate id")
			seen[q.ID] = true
			require.NotEmpty(t, strings.TrimSpace(q.Question))
			require.Contains(t, files, q.Doc, "gold document must be in the corpus")
			if !isPDF(q.Doc) {
				require.Empty(t, q.Pages, "Markdown gold has no pages")
				return
			}
			require.NotEmpty(t, q.Pages, "PDF gold needs its page(s)")
			for _, p := range q.Pages {
				require.True(t, p >= 1 && p <= pageCount[q.Doc], "page %d outside 1..%d", p, pageCount[q.Doc])
			}
		})
		if q.Lookalike {
			lookalike++
		}
	}
	require.GreaterOrEqual(t, lookalike, 15, "look-alike questions")
}
