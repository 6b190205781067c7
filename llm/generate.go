package llm

import (
	"context"
	"fmt"

	"github.com/quirehq/quire/llm/sample"
)

// GenerateOptions control Generate.
type GenerateOptions struct {
	MaxTokens int      // stop after this many tokens; 0 means until EOS or the context is full
	Stop      []string // stop before any of these strings; they are not emitted
	Sample    sample.Params
	// PromptLogits, if set, receives the logits after every prompt token
	// (position i of prompt); the slice is the callee's.
	PromptLogits func(i int, logits []float32)
}

// Token is one generated token, handed to the callback of Generate.
type Token struct {
	ID   int
	Text string // newly complete UTF-8 text (may be empty while a character is split across tokens, or held back by a stop string)
	// Logits is the raw distribution the token was drawn from, before any
	// sampling transform. It is only valid during the callback.
	Logits []float32
}

// StopReason says why Generate ended.
type StopReason string

const (
	StopEOS     StopReason = "eos"
	StopString  StopReason = "stop"
	StopLength  StopReason = "length"
	StopContext StopReason = "context"
)

// Result summarizes a generation.
type Result struct {
	Tokens []int
	Reason StopReason
}

// Generate evaluates prompt (appended to the session) and then generates
// tokens, calling emit for each. It stops at EOS, a stop string, MaxTokens,
// a full context, an error from emit, or when ctx is cancelled.
func (s *Session) Generate(ctx context.Context, prompt []int, o GenerateOptions, emit func(Token) error) (Result, error) {
	var res Result
	if len(prompt) == 0 {
		return res, fmt.Errorf("generate: empty prompt")
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	out, err := s.eval(ctx, prompt, o.PromptLogits != nil)
	if err != nil {
		return res, err
	}
	if o.PromptLogits != nil {
		for i, l := range out {
			o.PromptLogits(i, l)
		}
	}
	logits := out[len(out)-1]
	sm := sample.New(o.Sample)
	stop := sample.NewStopper(o.Stop)
	dec := s.m.tok.NewStreamDecoder()
	raw := make([]float32, len(logits))
	for {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		copy(raw, logits)
		id := sm.Sample(logits, s.tokens)
		if id == s.m.tok.EOS() {
			res.Reason = StopEOS
			text, _ := stop.Push(dec.Flush())
			return res, emitFinal(emit, text+stop.Flush())
		}
		res.Tokens = append(res.Tokens, id)
		text, stopped := stop.Push(dec.Next(id))
		if err := emit(Token{ID: id, Text: text, Logits: raw}); err != nil {
			return res, err
		}
		if stopped {
			res.Reason = StopString
			return res, nil
		}
		if o.MaxTokens > 0 && len(res.Tokens) >= o.MaxTokens {
			res.Reason = StopLength
			text, _ := stop.Push(dec.Flush())
			return res, emitFinal(emit, text+stop.Flush())
		}
		if s.Pos() >= s.Ctx() {
			res.Reason = StopContext
			text, _ := stop.Push(dec.Flush())
			return res, emitFinal(emit, text+stop.Flush())
		}
		out, err := s.Eval([]int{id}, false)
		if err != nil {
			return res, err
		}
		logits = out[0]
	}
}

// emitFinal hands out text held back until the end (a partial stop string
// or an incomplete character), as a token with ID -1.
func emitFinal(emit func(Token) error, text string) error {
	if text == "" {
		return nil
	}
	return emit(Token{ID: -1, Text: text})
}
