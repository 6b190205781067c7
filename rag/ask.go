package rag

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/quirehq/quire/citations"
	"github.com/quirehq/quire/retrieval"
)

// AskRequest is a question.
type AskRequest struct {
	Question string `json:"question"`
	// ConversationID continues a conversation; empty starts a new one.
	ConversationID string   `json:"conversation_id,omitempty"`
	K              int      `json:"k,omitempty"` // passages retrieved, default 5
	Collection     string   `json:"collection,omitempty"`
	DocIDs         []string `json:"document_ids,omitempty"`
}

// Citation is a source the answer cites.
type Citation struct {
	N       int     `json:"n"`
	DocID   string  `json:"doc_id"`
	DocName string  `json:"doc_name"`
	Path    string  `json:"path"`
	Page    *int    `json:"page"`
	PageEnd *int    `json:"page_end"`
	Section *string `json:"section"`
	ChunkID string  `json:"chunk_id"`
	Snippet string  `json:"snippet"`
}

// Timing of an answer. TTFT and tokens/s are set for generated answers.
type Timing struct {
	TTFTMS     int64   `json:"ttft_ms,omitempty"`
	TokensPerS float64 `json:"tokens_per_s,omitempty"`
	TotalMS    int64   `json:"total_ms"`
}

// Provenance says where an answer's text came from.
const (
	ProvenanceExtractive = "extractive" // quoted from the sources, no model
	ProvenanceGenerated  = "generated"
	ProvenanceAbstained  = "abstained" // nothing relevant was found
)

// Answer is the whole answer to a question.
type Answer struct {
	ConversationID string     `json:"conversation_id,omitempty"`
	Answer         string     `json:"answer"`
	Citations      []Citation `json:"citations"`
	Provenance     string     `json:"provenance"`
	Timing         Timing     `json:"timing"`
	// Generated answers also say what was in the prompt, which sentences
	// their sources do not support, and which [n] pointed nowhere.
	Sources          []Citation              `json:"sources,omitempty"`
	Unsupported      []citations.Unsupported `json:"unsupported,omitempty"`
	DroppedCitations []int                   `json:"dropped_citations,omitempty"`
	Model            string                  `json:"model,omitempty"`
}

// Event is one step of a streamed answer.
type Event struct {
	Type     string    // "token", "citation", "done"
	Text     string    // token
	Citation *Citation // citation
	Answer   *Answer   // done
}

// ErrEmptyQuestion is returned for a blank question.
var ErrEmptyQuestion = errors.New("the question is empty")

// NoAnswer is said when retrieval finds nothing relevant.
const NoAnswer = "I could not find anything about this in your documents."

// Ask answers a question from the documents. emit, if not nil, receives the
// answer as it is produced; an error from emit (a client gone) stops it.
// Until a model is configured the answer is extractive: the sentences of
// the retrieved passages that best match the question, quoted with [n]
// markers.
func (s *Service) Ask(ctx context.Context, req AskRequest, emit func(Event) error) (*Answer, error) {
	start := time.Now()
	if strings.TrimSpace(req.Question) == "" {
		return nil, ErrEmptyQuestion
	}
	if emit == nil {
		emit = func(Event) error { return nil }
	}
	conv, err := s.startConversation(ctx, req.ConversationID, req.Collection, req.Question)
	if err != nil {
		return nil, err
	}
	query := s.retrievalQuery(ctx, req.Question, conv.Turns)
	hits, err := s.search(ctx, SearchRequest{Query: query, K: req.K, Collection: req.Collection, DocIDs: req.DocIDs})
	if err != nil {
		return nil, err
	}
	sources := sourcesOf(hits)
	var ans *Answer
	switch {
	case !citations.Assess(query, sources).Relevant:
		// Nothing relevant enough: say so, and never run the model.
		ans, err = s.answerText(NoAnswer, ProvenanceAbstained, nil, nil, emit)
	case s.cfg.Generator != nil:
		ans, err = s.generate(ctx, req, conv, hits, sources, emit)
	default:
		text := extractiveAnswer(req.Question, sources)
		prov := ProvenanceExtractive
		if text == "" {
			text, prov = NoAnswer, ProvenanceAbstained
		}
		ans, err = s.answerText(text, prov, sources, hits, emit)
	}
	if err != nil {
		return nil, err
	}
	ans.ConversationID = conv.ID
	ans.Timing.TotalMS = time.Since(start).Milliseconds()
	if err := s.recordTurn(ctx, conv.ID, req.Question, ans); err != nil {
		return nil, fmt.Errorf("save the conversation: %w", err)
	}
	if err := emit(Event{Type: "done", Answer: ans}); err != nil {
		return nil, err
	}
	return ans, nil
}

// answerText streams a finished text (extractive or abstained) and its
// cited sources.
func (s *Service) answerText(text, provenance string, sources []citations.Source, hits []retrieval.Hit, emit func(Event) error) (*Answer, error) {
	ans := &Answer{Answer: text, Provenance: provenance, Citations: []Citation{}}
	for _, piece := range streamPieces(text) {
		if err := emit(Event{Type: "token", Text: piece}); err != nil {
			return nil, err
		}
	}
	cited, _ := citations.Cited(text, sources)
	byChunk := hitsByChunk(hits)
	for _, src := range cited {
		c := citationOf(src, byChunk)
		ans.Citations = append(ans.Citations, c)
		if err := emit(Event{Type: "citation", Citation: &c}); err != nil {
			return nil, err
		}
	}
	return ans, nil
}

func hitsByChunk(hits []retrieval.Hit) map[string]retrieval.Hit {
	m := make(map[string]retrieval.Hit, len(hits))
	for _, h := range hits {
		m[h.Chunk.ID] = h
	}
	return m
}

func sourcesOf(hits []retrieval.Hit) []citations.Source {
	out := make([]citations.Source, len(hits))
	for i, h := range hits {
		out[i] = citations.Source{
			N: i + 1, DocID: h.Chunk.DocID, DocName: path.Base(h.Doc.Name), Path: h.Doc.Name,
			Page: h.Chunk.PageStart, PageEnd: h.Chunk.PageEnd, Headings: h.Chunk.HeadingPath,
			ChunkID: h.Chunk.ID, Text: h.Chunk.Text,
		}
	}
	return out
}

// citationOf maps a numbered source to its chunk by chunk id (a prompt
// renumbers sources, so the number is not a rank).
func citationOf(src citations.Source, byChunk map[string]retrieval.Hit) Citation {
	h := byChunk[src.ChunkID]
	c := Citation{N: src.N, DocID: src.DocID, DocName: src.DocName, Path: src.Path, ChunkID: src.ChunkID}
	c.Page, c.PageEnd, c.Section = locate(h.Chunk)
	c.Snippet = snippet(h.Chunk.Text, 300)
	return c
}

// streamPieces splits text into word-sized pieces (spaces kept), so that
// an extractive answer streams like a generated one.
func streamPieces(text string) []string {
	var out []string
	start := 0
	for i := 1; i < len(text); i++ {
		if text[i] == ' ' || text[i] == '\n' {
			out = append(out, text[start:i])
			start = i
		}
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

func snippet(text string, max int) string {
	text = strings.Join(strings.Fields(text), " ")
	if len(text) <= max {
		return text
	}
	cut := strings.LastIndexByte(text[:max], ' ')
	if cut < max/2 {
		cut = max
	}
	for cut > 0 && !utf8Start(text[cut]) {
		cut--
	}
	return text[:cut] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
