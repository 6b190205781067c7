package rag

import (
	"context"
	"errors"
	"time"

	"github.com/quirehq/quire/llm/chat"
	"github.com/quirehq/quire/llm/sample"
)

// Generator writes text token by token from chat messages. Implementations:
// Engine (the in-process model) and scripted generators in tests.
type Generator interface {
	// Name is the model's name as clients see it (GGUF general.name or the
	// file name).
	Name() string
	// CountTokens counts text as the model's tokenizer does.
	CountTokens(text string) int
	// ContextSize is how many tokens a prompt and its answer may use.
	ContextSize() int
	// Generate writes the assistant's reply to msgs, calling onText with
	// each piece of text as soon as it is complete. An error from onText or
	// the end of ctx stops generation at once and frees the model.
	Generate(ctx context.Context, req GenRequest, onText func(string) error) (GenStats, error)
}

// GenRequest is one generation.
type GenRequest struct {
	Messages  []chat.Message
	MaxTokens int // 0: until the end of the context
	Sample    sample.Params
	Stop      []string
	// Raw, if set, is used as the prompt text instead of Messages (the
	// OpenAI completions endpoint); BOS is added as the model says.
	Raw string
}

// GenStats describes a finished generation.
type GenStats struct {
	PromptTokens int
	Tokens       int
	Reused       int           // prompt tokens whose KV cache was reused
	TTFT         time.Duration // from the call to the first token
	Duration     time.Duration
	StopReason   string // "eos", "stop", "length", "context"
}

// ErrBusy is returned when the engine's queue is full; retry later.
var ErrBusy = errors.New("the model is busy: too many requests are waiting")
