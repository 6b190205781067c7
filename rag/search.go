package rag

import (
	"context"
	"errors"
	"path"
	"strings"

	"github.com/quirehq/quire/retrieval"
	"github.com/quirehq/quire/store"
)

// SearchRequest asks for the k best chunks for a query.
type SearchRequest struct {
	Query      string   `json:"query"`
	K          int      `json:"k,omitempty"` // default 5, at most 100
	Collection string   `json:"collection,omitempty"`
	DocIDs     []string `json:"document_ids,omitempty"`
}

// SearchResult is one ranked chunk, as `quire search --json` prints it.
type SearchResult struct {
	DocID   string  `json:"doc_id"`
	DocName string  `json:"doc_name"` // base name of the file
	Path    string  `json:"path"`     // the document's name (relative path)
	Page    *int    `json:"page"`     // 1-based first page; null for non-PDF
	PageEnd *int    `json:"page_end"`
	Section *string `json:"section"` // heading path joined by " > "; null if none
	ChunkID string  `json:"chunk_id"`
	Text    string  `json:"text"`
	Score   float64 `json:"score"`
}

// SearchResponse is the JSON answer of search.
type SearchResponse struct {
	Results []SearchResult `json:"results"`
}

// MaxK bounds how many results a client may ask for.
const MaxK = 100

// ErrEmptyQuery is returned for a blank query.
var ErrEmptyQuery = errors.New("the query is empty")

// Search ranks chunks with BM25 and dense retrieval fused.
func (s *Service) Search(ctx context.Context, req SearchRequest) (*SearchResponse, error) {
	hits, err := s.search(ctx, req)
	if err != nil {
		return nil, err
	}
	out := &SearchResponse{Results: make([]SearchResult, 0, len(hits))}
	for _, h := range hits {
		out.Results = append(out.Results, resultOf(h))
	}
	return out, nil
}

func (s *Service) search(ctx context.Context, req SearchRequest) ([]retrieval.Hit, error) {
	if strings.TrimSpace(req.Query) == "" {
		return nil, ErrEmptyQuery
	}
	k := req.K
	if k <= 0 {
		k = 5
	}
	k = min(k, MaxK)
	return s.index.Search(ctx, retrieval.Query{
		Text:       req.Query,
		K:          k,
		Collection: s.collection(req.Collection),
		DocIDs:     req.DocIDs,
	})
}

func resultOf(h retrieval.Hit) SearchResult {
	r := SearchResult{
		DocID:   h.Chunk.DocID,
		DocName: path.Base(h.Doc.Name),
		Path:    h.Doc.Name,
		ChunkID: h.Chunk.ID,
		Text:    h.Chunk.Text,
		Score:   h.Score,
	}
	r.Page, r.PageEnd, r.Section = locate(h.Chunk)
	return r
}

// locate gives a chunk's page range (nil without pages) and section (nil
// without headings), the shape clients see.
func locate(c store.Chunk) (page, pageEnd *int, section *string) {
	if c.PageStart > 0 {
		p, e := c.PageStart, c.PageEnd
		if e < p {
			e = p
		}
		page, pageEnd = &p, &e
	}
	if len(c.HeadingPath) > 0 {
		sec := strings.Join(c.HeadingPath, " > ")
		section = &sec
	}
	return page, pageEnd, section
}
