// Package citations grounds answers in numbered sources, without a model:
//
//   - Assess (abstain.go) decides from the retrieved passages whether the
//     documents hold anything relevant enough to run the model at all;
//   - BuildPrompt (prompt.go) picks the sources that fit the context by
//     rank, numbers and labels them, and writes the grounded instruction;
//   - Stream (stream.go) finds [n] markers in the answer as it streams and
//     maps them to the sources, dropping numbers that point nowhere;
//   - CheckSupport (support.go) flags answer sentences their cited sources
//     do not back.
//
// Markers and Cited (below) serve the extractive answerer, which writes its
// own markers.
package citations

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Source is one numbered passage offered to the answerer.
type Source struct {
	N        int      `json:"n"` // 1-based marker number
	DocID    string   `json:"doc_id"`
	DocName  string   `json:"doc_name"`
	Path     string   `json:"path"`
	Page     int      `json:"page,omitempty"` // 0 when the document has no pages
	PageEnd  int      `json:"page_end,omitempty"`
	Headings []string `json:"-"`
	ChunkID  string   `json:"chunk_id"`
	Text     string   `json:"-"`
}

// Label names a source for people: "guide.pdf, p. 3", "guide.pdf, pp. 3-4"
// or "README.md > Install".
func (s Source) Label() string {
	switch {
	case s.Page > 0 && s.PageEnd > s.Page:
		return s.DocName + ", pp. " + strconv.Itoa(s.Page) + "-" + strconv.Itoa(s.PageEnd)
	case s.Page > 0:
		return s.DocName + ", p. " + strconv.Itoa(s.Page)
	case len(s.Headings) > 0:
		return s.DocName + " > " + strings.Join(s.Headings, " > ")
	}
	return s.DocName
}

// markerRE matches [1], [2, 3] and [4,5,6].
var markerRE = regexp.MustCompile(`\[(\d+(?:\s*,\s*\d+)*)\]`)

// Markers returns the distinct marker numbers in text, in order of first
// appearance.
func Markers(text string) []int {
	var out []int
	seen := map[int]bool{}
	for _, m := range markerRE.FindAllStringSubmatch(text, -1) {
		for _, part := range strings.Split(m[1], ",") {
			n, err := strconv.Atoi(strings.TrimSpace(part))
			if err != nil || seen[n] {
				continue
			}
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// Cited returns the sources whose numbers appear in text, in marker order,
// and the marker numbers that match no source.
func Cited(text string, sources []Source) (cited []Source, dropped []int) {
	byN := map[int]Source{}
	for _, s := range sources {
		byN[s.N] = s
	}
	for _, n := range Markers(text) {
		if s, ok := byN[n]; ok {
			cited = append(cited, s)
		} else {
			dropped = append(dropped, n)
		}
	}
	sort.Ints(dropped)
	return cited, dropped
}
