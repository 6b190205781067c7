// Package pdfrecall measures PDF text extraction against poppler's
// pdftotext: per-page word recall, where words are runs of three or more
// letters, lowercased, compared as multisets.
package pdfrecall

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Words counts the lowercased runs of 3+ letters in s, after Unicode
// composition (pdftotext writes "o" + U+0308 where a font drew "ö" as
// letter and accent; both are the same word).
func Words(s string) map[string]int {
	s = norm.NFC.String(s)
	out := map[string]int{}
	var cur []rune
	flush := func() {
		if len(cur) >= 3 {
			out[strings.ToLower(string(cur))]++
		}
		cur = cur[:0]
	}
	for _, r := range s {
		if unicode.IsLetter(r) {
			cur = append(cur, r)
			continue
		}
		flush()
	}
	flush()
	return out
}

// PageRecall is |ours ∩ ref| / |ref| over word multisets, with the number
// of reference words; a page without reference words has recall 1.
func PageRecall(ours, ref string) (recall float64, refWords int) {
	o, r := Words(ours), Words(ref)
	hit := 0
	for w, n := range r {
		refWords += n
		hit += min(n, o[w])
	}
	if refWords == 0 {
		return 1, 0
	}
	return float64(hit) / float64(refWords), refWords
}

// Missed lists the reference words (sorted) that ours lacks.
func Missed(ours, ref string) []string {
	o, r := Words(ours), Words(ref)
	var out []string
	for w, n := range r {
		if o[w] < n {
			out = append(out, w)
		}
	}
	sort.Strings(out)
	return out
}

// ErrNoPdftotext says how to get the reference tool.
var ErrNoPdftotext = errors.New("pdftotext not found: install poppler-utils (apt-get install poppler-utils)")

// Pdftotext runs pdftotext in its default mode and splits the output into
// pages at form feeds.
func Pdftotext(ctx context.Context, path string) ([]string, error) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		return nil, ErrNoPdftotext
	}
	out, err := exec.CommandContext(ctx, bin, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		return nil, fmt.Errorf("pdftotext %s: %w", path, err)
	}
	pages := strings.Split(string(out), "\f")
	if n := len(pages); n > 0 && strings.TrimSpace(pages[n-1]) == "" {
		pages = pages[:n-1]
	}
	return pages, nil
}

// Doc is one document's result: the mean of its pages' recall (pages
// without reference words left out) and its worst page.
type Doc struct {
	Name    string
	Pages   int
	Recall  float64
	Worst   float64
	WorstAt int
}

// Compare scores our pages against pdftotext's.
func Compare(name string, ours, ref []string) (Doc, error) {
	if len(ours) != len(ref) {
		return Doc{}, fmt.Errorf("%s: %d pages, pdftotext has %d", name, len(ours), len(ref))
	}
	d := Doc{Name: name, Pages: len(ours), Worst: 1, Recall: 1}
	sum, n := 0.0, 0
	for i := range ours {
		r, total := PageRecall(ours[i], ref[i])
		if total == 0 {
			continue
		}
		sum += r
		n++
		if r < d.Worst {
			d.Worst, d.WorstAt = r, i+1
		}
	}
	if n > 0 {
		d.Recall = sum / float64(n)
	}
	return d, nil
}

// Table formats results with their mean over documents.
func Table(docs []Doc) (string, float64) {
	var b strings.Builder
	fmt.Fprintf(&b, "%-34s %5s %7s %7s\n", "document", "pages", "recall", "worst")
	sum := 0.0
	for _, d := range docs {
		fmt.Fprintf(&b, "%-34s %5d %7.4f %7.4f (p%d)\n", d.Name, d.Pages, d.Recall, d.Worst, d.WorstAt)
		sum += d.Recall
	}
	mean := 0.0
	if len(docs) > 0 {
		mean = sum / float64(len(docs))
	}
	fmt.Fprintf(&b, "%-34s %5s %7.4f\n", "mean over documents", "", mean)
	return b.String(), mean
}
