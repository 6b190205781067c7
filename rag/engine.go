package rag

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/quirehq/quire/llm"
)

// Engine is the Generator backed by the in-process model. It runs up to
// Parallel sequences at once, each in its own session (KV cache); requests
// beyond that wait in a first-come-first-served queue of at most QueueSize
// and are refused with ErrBusy past it. A session keeps its tokens between
// requests, so the shared prefix of the next prompt (template and system
// instruction) is not evaluated again.
type Engine struct {
	model *llm.Model
	name  string
	ctx   int

	slots chan *slot    // idle sessions
	queue chan struct{} // tickets: waiting or running requests
	mu    sync.Mutex    // guards closed
	all   []*slot
}

type slot struct{ sess *llm.Session }

// EngineOptions configure NewEngine. Zero values get defaults.
type EngineOptions struct {
	Ctx       int // tokens per sequence, default 4096
	Parallel  int // sequences at once, default 1
	QueueSize int // requests waiting beyond the running ones, default 16
	F32Cache  bool
}

// NewEngine opens sessions on a loaded model.
func NewEngine(m *llm.Model, o EngineOptions) (*Engine, error) {
	if o.Ctx <= 0 {
		o.Ctx = llm.DefaultCtx
	}
	if o.Parallel <= 0 {
		o.Parallel = 1
	}
	if o.QueueSize < 0 {
		o.QueueSize = 0
	} else if o.QueueSize == 0 {
		o.QueueSize = 16
	}
	info := m.Info()
	name := info.Name
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(info.File), filepath.Ext(info.File))
	}
	e := &Engine{
		model: m, name: name, ctx: o.Ctx,
		slots: make(chan *slot, o.Parallel),
		queue: make(chan struct{}, o.Parallel+o.QueueSize),
	}
	for i := 0; i < o.Parallel; i++ {
		sess, err := m.NewSession(llm.SessionOptions{Ctx: o.Ctx, F32Cache: o.F32Cache})
		if err != nil {
			return nil, fmt.Errorf("allocate the KV cache: %w", err)
		}
		s := &slot{sess: sess}
		e.all = append(e.all, s)
		e.slots <- s
	}
	e.ctx = e.all[0].sess.Ctx()
	return e, nil
}

func (e *Engine) Name() string     { return e.name }
func (e *Engine) ContextSize() int { return e.ctx }

// Model is the loaded model.
func (e *Engine) Model() *llm.Model { return e.model }

// CountTokens counts text as the model's tokenizer does (no BOS).
func (e *Engine) CountTokens(text string) int {
	return len(e.model.Tokenizer().Encode(text, false))
}

// acquire takes a ticket (or fails with ErrBusy) and waits for a session in
// arrival order, until ctx ends.
func (e *Engine) acquire(ctx context.Context) (*slot, func(), error) {
	select {
	case e.queue <- struct{}{}:
	default:
		return nil, nil, ErrBusy
	}
	select {
	case s := <-e.slots:
		return s, func() { e.slots <- s; <-e.queue }, nil
	case <-ctx.Done():
		<-e.queue
		return nil, nil, ctx.Err()
	}
}

// prompt turns a request into token ids with the model's chat template.
func (e *Engine) prompt(req GenRequest) ([]int, error) {
	tok := e.model.Tokenizer()
	if req.Raw != "" || len(req.Messages) == 0 {
		return tok.Encode(req.Raw, tok.AddBOS()), nil
	}
	return e.model.Template().Encode(tok, req.Messages)
}

// Generate implements Generator.
func (e *Engine) Generate(ctx context.Context, req GenRequest, onText func(string) error) (GenStats, error) {
	start := time.Now()
	var st GenStats
	ids, err := e.prompt(req)
	if err != nil {
		return st, err
	}
	st.PromptTokens = len(ids)
	if len(ids) >= e.ctx {
		return st, fmt.Errorf("the prompt has %d tokens and the context only %d: ask a shorter question or raise --ctx", len(ids), e.ctx)
	}
	s, release, err := e.acquire(ctx)
	if err != nil {
		return st, err
	}
	defer release()

	// Reuse the KV cache of the prefix this session already holds; at least
	// one token is evaluated so there are logits to sample from.
	have := s.sess.Tokens()
	common := 0
	for common < len(have) && common < len(ids) && have[common] == ids[common] {
		common++
	}
	if common == len(ids) {
		common--
	}
	s.sess.Truncate(common)
	st.Reused = common

	max := req.MaxTokens
	if room := e.ctx - len(ids); max <= 0 || max > room {
		max = room
	}
	res, err := s.sess.Generate(ctx, ids[common:], llm.GenerateOptions{
		MaxTokens: max,
		Stop:      req.Stop,
		Sample:    req.Sample,
	}, func(t llm.Token) error {
		if st.TTFT == 0 {
			st.TTFT = time.Since(start)
		}
		if t.Text == "" {
			return nil
		}
		return onText(t.Text)
	})
	st.Tokens = len(res.Tokens)
	st.StopReason = string(res.Reason)
	st.Duration = time.Since(start)
	if err != nil {
		// The sequence may be cut anywhere: keep only the prompt prefix that
		// is certainly valid.
		s.sess.Truncate(common)
		return st, err
	}
	return st, nil
}

var _ Generator = (*Engine)(nil)
