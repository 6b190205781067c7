package ingest

import (
	"math"
	"sort"
	"strings"
	"unicode"
)

// Running headers and footers repeat near the same edge of many pages with
// only digits changing (page numbers, dates). Indexing them would make
// every page match queries for the book title; they are dropped.
const (
	edgeLines      = 2   // lines looked at from the top and from the bottom
	edgeYTol       = 4.0 // points a repeated line may move between pages
	edgeGap        = 1.5 // font sizes of space between a margin line and the body
	minRepeatPages = 3
	maxRepeatNeed  = 8
)

type edgeLine struct {
	page int
	f    *fragment
}

// dropRunningLines marks fragments that recur in a page margin (same text
// up to digits, same place) on enough pages, and page numbers repeated in
// the same place on three pages or more.
func dropRunningLines(pages []pageLayout) {
	n := len(pages)
	if n < minRepeatPages {
		return
	}
	// The same text: on a quarter of the pages, but a chapter's running
	// head repeats only over that chapter, so eight pages are enough in a
	// long book. Text that differs only in its digits ("Chapter 3",
	// "Chapter 4" are headings, "Report 2024, page 7" is a running head)
	// must be on half the pages, page numbers on three.
	exactNeed := int(math.Max(minRepeatPages, math.Min(math.Ceil(float64(n)/4), maxRepeatNeed)))
	digitNeed := int(math.Max(minRepeatPages, math.Ceil(float64(n)/2)))
	exact := map[string][]edgeLine{}
	digits := map[string][]edgeLine{}
	for i, p := range pages {
		for _, f := range edgeFragments(p) {
			key := normalizeEdge(f.text, false)
			if key == "" {
				continue
			}
			exact[key] = append(exact[key], edgeLine{i, f})
			dk := normalizeEdge(f.text, true)
			digits[dk] = append(digits[dk], edgeLine{i, f})
		}
	}
	for _, lines := range exact {
		dropRepeated(lines, exactNeed)
	}
	for key, lines := range digits {
		need := digitNeed
		if isPageNumber(key) {
			need = minRepeatPages
		}
		dropRepeated(lines, need)
	}
}

// dropRepeated clusters lines by position and marks the clusters found on
// at least need distinct pages.
func dropRepeated(lines []edgeLine, need int) {
	sort.Slice(lines, func(a, b int) bool { return lines[a].f.y < lines[b].f.y })
	for start := 0; start < len(lines); {
		end := start + 1
		for end < len(lines) && lines[end].f.y-lines[end-1].f.y <= edgeYTol {
			end++
		}
		distinct := map[int]bool{}
		for _, l := range lines[start:end] {
			distinct[l.page] = true
		}
		if len(distinct) >= need {
			for _, l := range lines[start:end] {
				l.f.drop = true
			}
		}
		start = end
	}
}

// edgeFragments returns the fragments on the outermost lines of a page
// (up to edgeLines from the top and from the bottom) that stand apart from
// the body: a running header or footer sits in the margin, separated by
// more than a line's spacing, while the last rows of a table or the last
// lines of a note do not.
func edgeFragments(p pageLayout) []*fragment {
	type row struct {
		y, size float64
		frags   []*fragment
	}
	var all []*fragment
	for _, b := range p.blocks {
		all = append(all, b.frags...)
	}
	if len(all) < 2 {
		return nil
	}
	sort.Slice(all, func(i, j int) bool { return all[i].y < all[j].y })
	var rows []*row
	for _, f := range all {
		if n := len(rows); n > 0 && f.y-rows[n-1].y <= 1 {
			rows[n-1].frags = append(rows[n-1].frags, f)
			rows[n-1].size = math.Max(rows[n-1].size, f.size)
			continue
		}
		rows = append(rows, &row{y: f.y, size: f.size, frags: []*fragment{f}})
	}
	apart := func(a, b *row) bool {
		return math.Abs(a.y-b.y) > edgeGap*math.Max(a.size, b.size)
	}
	var out []*fragment
	// From the bottom up, then from the top down.
	for i := 0; i < edgeLines && i+1 < len(rows) && apart(rows[i], rows[i+1]); i++ {
		out = append(out, rows[i].frags...)
	}
	for i := len(rows) - 1; i > len(rows)-1-edgeLines && i > 0 && apart(rows[i], rows[i-1]); i-- {
		out = append(out, rows[i].frags...)
	}
	return out
}

// normalizeEdge lowercases and collapses spaces; with digits it also
// turns digit runs into "#" so that "Page 3 of 10" and "Page 4 of 10"
// compare equal.
func normalizeEdge(s string, digits bool) string {
	var b strings.Builder
	prevDigit, prevSpace := false, true
	for _, r := range strings.ToLower(s) {
		switch {
		case digits && unicode.IsDigit(r):
			if !prevDigit {
				b.WriteByte('#')
			}
			prevDigit, prevSpace = true, false
		case unicode.IsSpace(r):
			if !prevSpace {
				b.WriteByte(' ')
			}
			prevDigit, prevSpace = false, true
		default:
			b.WriteRune(r)
			prevDigit, prevSpace = false, false
		}
	}
	return strings.TrimSpace(b.String())
}

// isPageNumber recognises normalized page-number lines: "#", "- # -",
// "page #", "page # of #", "#/#" and lowercase roman numerals.
func isPageNumber(key string) bool {
	switch strings.Trim(key, "-–— ") {
	case "#", "page #", "page # of #", "# of #", "#/#", "# / #", "p. #":
		return true
	}
	if len(key) <= 6 && strings.Trim(key, "ivxlc") == "" {
		return true
	}
	return false
}
