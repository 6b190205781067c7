package eval

import (
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The baseline is deliberately the textbook method the issue names, so that
// Quire's numbers have a fixed point of comparison: BM25 with k1 0.9 and
// b 0.4 (Anserini's defaults) over lowercase \w+ tokens, no stemming, no
// stopwords; PDFs as pdftotext pages cut into 250-word chunks (a chunk never
// spans two pages), Markdown as 250-word chunks of the raw file.
const (
	bm25K1     = 0.9
	bm25B      = 0.4
	chunkWords = 250
)

var wordRE = regexp.MustCompile(`\w+`)

func bm25Tokens(s string) []string { return wordRE.FindAllString(strings.ToLower(s), -1) }

// hit is one ranked passage: its document and page range (0 for none).
type hit struct {
	Doc       string
	PageStart int
	PageEnd   int
}

type bm25Chunk struct {
	hit
	tf  map[string]int
	len int
}

type bm25Index struct {
	chunks []bm25Chunk
	df     map[string]int
	avgLen float64
}

// chunkWordsOf cuts text into runs of n whitespace-separated words.
func chunkWordsOf(text string, n int) []string {
	words := strings.Fields(text)
	var out []string
	for i := 0; i < len(words); i += n {
		out = append(out, strings.Join(words[i:min(i+n, len(words))], " "))
	}
	return out
}

func (ix *bm25Index) add(h hit, text string) {
	toks := bm25Tokens(text)
	c := bm25Chunk{hit: h, tf: map[string]int{}, len: len(toks)}
	for _, tok := range toks {
		c.tf[tok]++
	}
	for tok := range c.tf {
		ix.df[tok]++
	}
	ix.chunks = append(ix.chunks, c)
}

func (ix *bm25Index) finish() {
	var total int
	for _, c := range ix.chunks {
		total += c.len
	}
	if len(ix.chunks) > 0 {
		ix.avgLen = float64(total) / float64(len(ix.chunks))
	}
}

// idf is the Robertson–Spärck Jones weight with Lucene's +1, which keeps
// it positive for terms in more than half the chunks.
func (ix *bm25Index) idf(term string) float64 {
	n, df := float64(len(ix.chunks)), float64(ix.df[term])
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

func (ix *bm25Index) score(c *bm25Chunk, terms []string) float64 {
	var s float64
	for _, term := range terms {
		tf := float64(c.tf[term])
		if tf == 0 {
			continue
		}
		norm := bm25K1 * (1 - bm25B + bm25B*float64(c.len)/ix.avgLen)
		s += ix.idf(term) * tf * (bm25K1 + 1) / (tf + norm)
	}
	return s
}

// search returns the k best chunks; ties keep corpus order.
func (ix *bm25Index) search(query string, k int) []hit {
	terms := bm25Tokens(query)
	type scored struct {
		i int
		s float64
	}
	var all []scored
	for i := range ix.chunks {
		if s := ix.score(&ix.chunks[i], terms); s > 0 {
			all = append(all, scored{i, s})
		}
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].s > all[b].s })
	var out []hit
	for _, sc := range all[:min(k, len(all))] {
		out = append(out, ix.chunks[sc.i].hit)
	}
	return out
}

// buildBaseline indexes the corpus the textbook way.
func buildBaseline(t testing.TB, names []string) *bm25Index {
	t.Helper()
	ix := &bm25Index{df: map[string]int{}}
	for _, name := range names {
		path := filepath.Join(corpusDir, filepath.FromSlash(name))
		if isPDF(name) {
			pages, err := corpusPages(name)
			require.NoError(t, err)
			for i, page := range pages {
				for _, c := range chunkWordsOf(page, chunkWords) {
					ix.add(hit{Doc: name, PageStart: i + 1, PageEnd: i + 1}, c)
				}
			}
			continue
		}
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		for _, c := range chunkWordsOf(string(data), chunkWords) {
			ix.add(hit{Doc: name}, c)
		}
	}
	ix.finish()
	return ix
}

// TestBM25Textbook pins the baseline's formula on a corpus small enough to
// score by hand, so a wrong baseline cannot make Quire look good.
func TestBM25Textbook(t *testing.T) {
	ix := &bm25Index{df: map[string]int{}}
	ix.add(hit{Doc: "a"}, "the cat sat on the mat")
	ix.add(hit{Doc: "b"}, "the dog sat")
	ix.add(hit{Doc: "c"}, "Cats_and dogs: CAT cat")
	ix.finish()

	require.Equal(t, []string{"cats_and", "dogs", "cat", "cat"}, bm25Tokens("Cats_and dogs: CAT cat"))
	require.InDelta(t, (6.0+3+4)/3, ix.avgLen, 1e-12)

	// By hand: N=3, df(cat)=2 -> idf = ln(1 + 1.5/2.5).
	idfCat := math.Log(1 + 1.5/2.5)
	require.InDelta(t, idfCat, ix.idf("cat"), 1e-12)
	normA := bm25K1 * (1 - bm25B + bm25B*6/ix.avgLen)
	normC := bm25K1 * (1 - bm25B + bm25B*4/ix.avgLen)
	require.InDelta(t, idfCat*1*(bm25K1+1)/(1+normA), ix.score(&ix.chunks[0], []string{"cat"}), 1e-12)
	require.InDelta(t, idfCat*2*(bm25K1+1)/(2+normC), ix.score(&ix.chunks[2], []string{"cat"}), 1e-12)

	tests := []struct {
		query string
		want  []string
	}{
		{"cat", []string{"c", "a"}},
		{"dog", []string{"b"}},
		{"sat", []string{"b", "a"}}, // the shorter chunk wins at equal tf
		{"unicorn", nil},
		{"", nil},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			var got []string
			for _, h := range ix.search(tc.query, 5) {
				got = append(got, h.Doc)
			}
			require.Equal(t, tc.want, got)
		})
	}

	chunks := chunkWordsOf(strings.Repeat("w ", 600), chunkWords)
	require.Len(t, chunks, 3)
	require.Len(t, strings.Fields(chunks[2]), 100)
}
