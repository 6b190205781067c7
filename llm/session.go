package llm

import (
	"context"
	"fmt"

	"github.com/quirehq/quire/llm/ggml"
	"github.com/quirehq/quire/llm/llama"
)

// SessionOptions size a Session.
type SessionOptions struct {
	Ctx int // KV cache positions; 0 means DefaultCtx (capped at the model's training context)
	// F32Cache keeps keys and values in float32 instead of llama.cpp's
	// default F16 (a bool, because ggml.F32 is the zero ggml.Type).
	F32Cache bool
}

// DefaultCtx is the context length of a Session when none is given.
const DefaultCtx = 4096

// Session is one sequence being evaluated: its tokens so far and their KV
// cache. It is not safe for concurrent use.
type Session struct {
	m      *Model
	st     *llama.State
	kc     *llama.Cache
	tokens []int
}

// NewSession allocates a KV cache for o.Ctx positions.
func (m *Model) NewSession(o SessionOptions) (*Session, error) {
	if o.Ctx < 0 {
		return nil, fmt.Errorf("context length %d must not be negative", o.Ctx)
	}
	if o.Ctx == 0 {
		o.Ctx = DefaultCtx
		if c := m.net.CtxTrain; c > 0 && c < o.Ctx {
			o.Ctx = c
		}
	}
	kvType := ggml.F16
	if o.F32Cache {
		kvType = ggml.F32
	}
	kc, err := llama.NewCache(m.net.Config, o.Ctx, kvType)
	if err != nil {
		return nil, err
	}
	return &Session{m: m, st: m.net.NewState(o.Ctx), kc: kc}, nil
}

// Eval appends tokens to the sequence and returns the logits after the last
// one, or after every one when allLogits is set. The returned slices are the
// caller's.
func (s *Session) Eval(tokens []int, allLogits bool) ([][]float32, error) {
	return s.eval(context.Background(), tokens, allLogits)
}

// eval is Eval that stops between batches when ctx is done, so a long
// prompt can be cancelled.
func (s *Session) eval(ctx context.Context, tokens []int, allLogits bool) ([][]float32, error) {
	if len(tokens) == 0 {
		return nil, fmt.Errorf("eval: no tokens")
	}
	if n := len(s.tokens) + len(tokens); n > s.kc.Len {
		return nil, fmt.Errorf("eval: %d tokens do not fit in the %d-token context", n, s.kc.Len)
	}
	var out [][]float32
	step := llama.MaxBatch
	if allLogits {
		step = 1 // Forward returns the logits of its last token only
	}
	for i := 0; i < len(tokens); i += step {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		batch := tokens[i:min(i+step, len(tokens))]
		want := allLogits || i+len(batch) == len(tokens)
		logits, err := s.m.net.Forward(s.st, s.kc, batch, len(s.tokens), want)
		if err != nil {
			return out, fmt.Errorf("eval: %w", err)
		}
		s.tokens = append(s.tokens, batch...)
		if want {
			out = append(out, append([]float32(nil), logits...))
		}
	}
	return out, nil
}

// Pos is the number of tokens in the sequence (the next token's position).
func (s *Session) Pos() int { return len(s.tokens) }

// Tokens is the sequence so far; the slice must not be modified.
func (s *Session) Tokens() []int { return s.tokens }

// Ctx is the capacity of the KV cache in tokens.
func (s *Session) Ctx() int { return s.kc.Len }

// Reset empties the sequence; the cache memory is kept.
func (s *Session) Reset() { s.tokens = s.tokens[:0] }

// Truncate keeps the first n tokens, so a shared prefix can be reused and
// only the rest evaluated again.
func (s *Session) Truncate(n int) {
	if n >= 0 && n < len(s.tokens) {
		s.tokens = s.tokens[:n]
	}
}
