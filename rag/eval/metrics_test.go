package eval

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// metrics are the eval's numbers for one system. Hits count within the top
// k results; MRR is by document, over the same top k (0 when absent).
type metrics struct {
	DocHit, PageHit, MRR, LookalikeHit float64
	// LookalikeTop1 is informational: the right version ranked first.
	LookalikeTop1        float64
	N, NPage, NLookalike int
	Misses               []string // ids of questions whose document was not in the top k
	PageMisses           []string // ids of PDF questions whose gold page was not in the top k
}

// pageHit reports whether a result of the gold document covers a gold page.
func pageHit(q question, h hit) bool {
	if h.Doc != q.Doc || h.PageStart == 0 {
		return false
	}
	end := max(h.PageEnd, h.PageStart)
	for _, p := range q.Pages {
		if p >= h.PageStart && p <= end {
			return true
		}
	}
	return false
}

// score computes metrics from each question's ranked results (top k first).
func score(qs []question, ranked [][]hit, k int) metrics {
	var m metrics
	var docHits, pageHits, lookHits, lookTop1 int
	var rr float64
	for i, q := range qs {
		res := ranked[i][:min(k, len(ranked[i]))]
		m.N++
		found := slices.IndexFunc(res, func(h hit) bool { return h.Doc == q.Doc })
		if found >= 0 {
			docHits++
			rr += 1 / float64(found+1)
		} else {
			m.Misses = append(m.Misses, q.ID)
		}
		if len(q.Pages) > 0 {
			m.NPage++
			if slices.ContainsFunc(res, func(h hit) bool { return pageHit(q, h) }) {
				pageHits++
			} else {
				m.PageMisses = append(m.PageMisses, q.ID)
			}
		}
		if q.Lookalike {
			m.NLookalike++
			if found >= 0 {
				lookHits++
			}
			if found == 0 {
				lookTop1++
			}
		}
	}
	frac := func(a, b int) float64 {
		if b == 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	m.DocHit = frac(docHits, m.N)
	m.PageHit = frac(pageHits, m.NPage)
	m.LookalikeHit = frac(lookHits, m.NLookalike)
	m.LookalikeTop1 = frac(lookTop1, m.NLookalike)
	if m.N > 0 {
		m.MRR = rr / float64(m.N)
	}
	return m
}

// table renders the side-by-side comparison the eval prints.
func table(quire, base metrics) string {
	var b strings.Builder
	row := func(name string, a, c string) { fmt.Fprintf(&b, "| %-28s | %8s | %14s |\n", name, a, c) }
	f := func(x float64) string { return fmt.Sprintf("%.3f", x) }
	row("metric", "quire", "textbook BM25")
	row("---", "---", "---")
	row(fmt.Sprintf("hit@5 by document (n=%d)", quire.N), f(quire.DocHit), f(base.DocHit))
	row(fmt.Sprintf("hit@5 by page (n=%d)", quire.NPage), f(quire.PageHit), f(base.PageHit))
	row("MRR@5 by document", f(quire.MRR), f(base.MRR))
	row(fmt.Sprintf("look-alike hit@5 (n=%d)", quire.NLookalike), f(quire.LookalikeHit), f(base.LookalikeHit))
	row("look-alike hit@1", f(quire.LookalikeTop1), f(base.LookalikeTop1))
	return b.String()
}

func TestScore(t *testing.T) {
	qs := []question{
		{ID: "md", Doc: "a.md"},
		{ID: "pdf", Doc: "b.pdf", Pages: []int{4}},
		{ID: "look", Doc: "v2/c.md", Lookalike: true},
		{ID: "miss", Doc: "b.pdf", Pages: []int{9}},
		{ID: "look2", Doc: "v3/c.md", Lookalike: true},
	}
	ranked := [][]hit{
		{{Doc: "x.md"}, {Doc: "a.md"}},                                            // doc at rank 2
		{{Doc: "b.pdf", PageStart: 3, PageEnd: 5}},                                // page 4 within 3..5
		{{Doc: "v1/c.md"}, {Doc: "v3/c.md"}},                                      // look-alike miss
		{{Doc: "b.pdf", PageStart: 8, PageEnd: 8}, {Doc: "b.pdf", PageStart: 10}}, // doc hit, page miss
		{{Doc: "v3/c.md"}, {Doc: "v1/c.md"}},                                      // look-alike at rank 1
	}
	m := score(qs, ranked, 5)
	require.Equal(t, 5, m.N)
	require.Equal(t, 2, m.NPage)
	require.Equal(t, 2, m.NLookalike)
	require.InDelta(t, 4.0/5, m.DocHit, 1e-12)
	require.InDelta(t, 1.0/2, m.PageHit, 1e-12)
	require.InDelta(t, 1.0/2, m.LookalikeHit, 1e-12)
	require.InDelta(t, 1.0/2, m.LookalikeTop1, 1e-12)
	require.InDelta(t, (0.5+1+0+1+1)/5, m.MRR, 1e-12)
	require.Equal(t, []string{"look"}, m.Misses)
	require.Equal(t, []string{"miss"}, m.PageMisses)

	// Only the top k count.
	m = score(qs[:1], ranked[:1], 1)
	require.Zero(t, m.DocHit)

	tests := []struct {
		name string
		h    hit
		want bool
	}{
		{"inside", hit{Doc: "b.pdf", PageStart: 4, PageEnd: 4}, true},
		{"zero end means one page", hit{Doc: "b.pdf", PageStart: 4}, true},
		{"other doc", hit{Doc: "c.pdf", PageStart: 4, PageEnd: 4}, false},
		{"before", hit{Doc: "b.pdf", PageStart: 1, PageEnd: 3}, false},
		{"no page", hit{Doc: "b.pdf"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, pageHit(question{Doc: "b.pdf", Pages: []int{4}}, tc.h))
		})
	}
}
