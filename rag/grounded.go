package rag

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/quirehq/quire/citations"
	"github.com/quirehq/quire/llm/chat"
	"github.com/quirehq/quire/retrieval"
	"github.com/quirehq/quire/store"
)

// generate writes a grounded answer with the model: the retrieved sources
// that fit the context are numbered in the prompt, the answer streams with
// its [n] markers turned into citation events as they complete, and every
// sentence is checked for support by the sources it cites.
func (s *Service) generate(ctx context.Context, req AskRequest, conv store.Conversation, hits []retrieval.Hit, sources []citations.Source, emit func(Event) error) (*Answer, error) {
	gen := s.cfg.Generator
	p, err := citations.BuildPrompt(citations.PromptInput{
		Question:      req.Question,
		History:       historyOf(conv.Turns),
		Sources:       sources,
		Count:         gen.CountTokens,
		ContextSize:   gen.ContextSize(),
		AnswerReserve: s.cfg.AnswerReserve,
	})
	if err != nil {
		return nil, err
	}
	msgs := []chat.Message{{Role: "system", Content: p.System}}
	for _, h := range p.History {
		msgs = append(msgs, chat.Message{Role: h.Role, Content: h.Content})
	}
	msgs = append(msgs, chat.Message{Role: "user", Content: p.User})

	byChunk := hitsByChunk(hits)
	ans := &Answer{Provenance: ProvenanceGenerated, Citations: []Citation{}, Model: gen.Name()}
	for _, src := range p.Sources {
		ans.Sources = append(ans.Sources, citationOf(src, byChunk))
	}
	stream := citations.NewStream(p.Sources)
	onText := func(piece string) error {
		text, found := stream.Push(piece)
		if text != "" {
			if err := emit(Event{Type: "token", Text: text}); err != nil {
				return err
			}
		}
		for _, src := range found {
			c := citationOf(src, byChunk)
			ans.Citations = append(ans.Citations, c)
			if err := emit(Event{Type: "citation", Citation: &c}); err != nil {
				return err
			}
		}
		return nil
	}
	reserve := s.cfg.AnswerReserve
	if reserve <= 0 {
		reserve = citations.DefaultAnswerReserve
	}
	stats, err := gen.Generate(ctx, GenRequest{Messages: msgs, MaxTokens: reserve, Sample: s.cfg.Sample}, onText)
	if err != nil {
		return nil, err
	}
	rest, res := stream.Finish()
	if rest != "" {
		if err := emit(Event{Type: "token", Text: rest}); err != nil {
			return nil, err
		}
	}
	ans.Answer = res.Text
	ans.DroppedCitations = res.Dropped
	ans.Unsupported = citations.CheckSupport(res.Text, p.Sources)
	ans.Timing.TTFTMS = stats.TTFT.Milliseconds()
	if gen := stats.Duration - stats.TTFT; stats.Tokens > 1 && gen > 0 {
		ans.Timing.TokensPerS = float64(stats.Tokens-1) / gen.Seconds()
	}
	s.log.Info("answer generated", "model", ans.Model, "prompt_tokens", stats.PromptTokens,
		"reused_tokens", stats.Reused, "tokens", stats.Tokens, "ttft_ms", ans.Timing.TTFTMS,
		"tokens_per_s", fmt.Sprintf("%.1f", ans.Timing.TokensPerS), "stop", stats.StopReason,
		"cited", len(ans.Citations), "unsupported", len(ans.Unsupported), "dropped", len(ans.DroppedCitations))
	return ans, nil
}

// historyOf turns stored turns into prompt history (question, answer).
func historyOf(turns []store.Turn) []citations.Turn {
	var out []citations.Turn
	for _, t := range turns {
		var a Answer
		if json.Unmarshal(t.Answer, &a) != nil || a.Provenance == ProvenanceAbstained {
			continue
		}
		out = append(out, citations.Turn{Role: "user", Content: t.Question}, citations.Turn{Role: "assistant", Content: a.Answer})
	}
	return out
}
