package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/quirehq/quire/llm/chat"
	"github.com/quirehq/quire/llm/sample"
	"github.com/quirehq/quire/rag"
)

// The OpenAI-compatible API. Model "quire-rag" answers from the documents
// with retrieval and citations (in the extra field "quire"); the loaded
// model, under its own name, answers the messages as they are.

// RAGModel is the model name that answers with retrieval and citations.
const RAGModel = "quire-rag"

type oaMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// text reads content given as a string or as an array of text parts.
func (m oaMessage) text() (string, error) {
	var s string
	if err := json.Unmarshal(m.Content, &s); err == nil {
		return s, nil
	}
	var parts []struct{ Type, Text string }
	if err := json.Unmarshal(m.Content, &parts); err != nil {
		return "", fmt.Errorf("message content must be a string or an array of text parts")
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Type != "text" {
			return "", fmt.Errorf("content part type %q is not supported (text only)", p.Type)
		}
		b.WriteString(p.Text)
	}
	return b.String(), nil
}

type oaSampling struct {
	Model               string          `json:"model"`
	Stream              bool            `json:"stream"`
	Temperature         *float64        `json:"temperature"`
	TopP                *float64        `json:"top_p"`
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	Stop                json.RawMessage `json:"stop"`
	Seed                *int64          `json:"seed"`
	FrequencyPenalty    *float64        `json:"frequency_penalty"`
	PresencePenalty     *float64        `json:"presence_penalty"`
}

type oaChatRequest struct {
	oaSampling
	Messages []oaMessage `json:"messages"`
}

type oaCompletionRequest struct {
	oaSampling
	Prompt json.RawMessage `json:"prompt"`
}

// genRequest maps OpenAI's sampling fields onto the engine's. OpenAI's
// default temperature is 1.
func (r oaSampling) genRequest() (rag.GenRequest, error) {
	g := rag.GenRequest{Sample: sample.Params{Temperature: 1}}
	if r.Temperature != nil {
		if *r.Temperature < 0 || *r.Temperature > 2 {
			return g, invalid("temperature must be between 0 and 2")
		}
		g.Sample.Temperature = float32(*r.Temperature)
	}
	if r.TopP != nil {
		if *r.TopP <= 0 || *r.TopP > 1 {
			return g, invalid("top_p must be in (0, 1]")
		}
		g.Sample.TopP = float32(*r.TopP)
	}
	if r.Seed != nil {
		g.Sample.Seed = uint64(*r.Seed)
	}
	if r.FrequencyPenalty != nil {
		g.Sample.FrequencyPenalty = float32(*r.FrequencyPenalty)
	}
	if r.PresencePenalty != nil {
		g.Sample.PresencePenalty = float32(*r.PresencePenalty)
	}
	max := r.MaxTokens
	if r.MaxCompletionTokens != nil {
		max = r.MaxCompletionTokens
	}
	if max != nil {
		if *max < 1 {
			return g, invalid("max_tokens must be at least 1")
		}
		g.MaxTokens = *max
	}
	if len(r.Stop) > 0 && string(r.Stop) != "null" {
		var one string
		if err := json.Unmarshal(r.Stop, &one); err == nil {
			g.Stop = []string{one}
		} else if err := json.Unmarshal(r.Stop, &g.Stop); err != nil {
			return g, invalid("stop must be a string or an array of strings")
		}
		if len(g.Stop) > 4 {
			return g, invalid("at most 4 stop sequences")
		}
	}
	return g, nil
}

func invalid(msg string) error {
	return apiError(http.StatusUnprocessableEntity, "invalid_field", msg)
}

// decodeLenient reads a JSON body, ignoring fields we do not use (OpenAI
// clients send many).
func decodeLenient(c echo.Context, v any) error {
	body := http.MaxBytesReader(c.Response(), c.Request().Body, 4<<20)
	if err := json.NewDecoder(body).Decode(v); err != nil {
		if err == io.EOF {
			return apiError(http.StatusBadRequest, "bad_request", "the request body is empty; send JSON")
		}
		if _, ok := err.(*json.UnmarshalTypeError); ok {
			return apiError(http.StatusUnprocessableEntity, "invalid_field", err.Error())
		}
		return apiError(http.StatusBadRequest, "bad_request", "malformed JSON: "+err.Error())
	}
	return nil
}

// route says who answers a model name: the RAG service or the model.
func (s *Server) route(model string) (useRAG bool, gen rag.Generator, err error) {
	g := s.svc.Generator()
	switch {
	case model == "":
		return false, nil, invalid("model is required: use \"" + RAGModel + "\" or GET /v1/models")
	case model == RAGModel:
		return true, g, nil
	case g != nil && model == g.Name():
		return false, g, nil
	}
	return false, nil, apiError(http.StatusNotFound, "model_not_found", fmt.Sprintf("model %q does not exist here; GET /v1/models lists the models", model))
}

func newID(prefix string) string {
	b := make([]byte, 12)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func (s *Server) openaiModels(c echo.Context) error {
	created := time.Now().Unix()
	data := []map[string]any{{"id": RAGModel, "object": "model", "created": created, "owned_by": "quire"}}
	if g := s.svc.Generator(); g != nil {
		data = append(data, map[string]any{"id": g.Name(), "object": "model", "created": created, "owned_by": "quire"})
	}
	return c.JSON(http.StatusOK, map[string]any{"object": "list", "data": data})
}

// quireExtra is the documented extra field of quire-rag answers.
func quireExtra(a *rag.Answer) map[string]any {
	return map[string]any{
		"citations": a.Citations, "provenance": a.Provenance, "sources": a.Sources,
		"unsupported": a.Unsupported, "dropped_citations": a.DroppedCitations,
		"conversation_id": a.ConversationID, "timing": a.Timing,
	}
}

func finishReason(stop string) string {
	if stop == "length" || stop == "context" {
		return "length"
	}
	return "stop"
}

// oaStream writes OpenAI-style streaming chunks ("data: {...}" lines and a
// final "data: [DONE]").
type oaStream struct{ c echo.Context }

func startOAStream(c echo.Context) *oaStream {
	startSSE(c)
	return &oaStream{c}
}

func (w *oaStream) send(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w.c.Response(), "data: %s\n\n", data); err != nil {
		return err
	}
	w.c.Response().Flush()
	return nil
}

func (w *oaStream) done() {
	fmt.Fprint(w.c.Response(), "data: [DONE]\n\n")
	w.c.Response().Flush()
}

func (w *oaStream) fail(err error) {
	ae := toAPIError(err)
	w.send(map[string]any{"error": map[string]string{"code": ae.Code, "message": ae.Message}})
}

func (s *Server) openaiChat(c echo.Context) error {
	var req oaChatRequest
	if err := decodeLenient(c, &req); err != nil {
		return err
	}
	useRAG, gen, err := s.route(req.Model)
	if err != nil {
		return err
	}
	if len(req.Messages) == 0 {
		return invalid("messages must not be empty")
	}
	msgs := make([]chat.Message, 0, len(req.Messages))
	for _, m := range req.Messages {
		text, err := m.text()
		if err != nil {
			return invalid(err.Error())
		}
		if m.Role != "system" && m.Role != "user" && m.Role != "assistant" {
			return invalid(fmt.Sprintf("message role %q: use system, user or assistant", m.Role))
		}
		msgs = append(msgs, chat.Message{Role: m.Role, Content: text})
	}
	g, err := req.genRequest()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.AskTimeout)
	defer cancel()
	id, created := newID("chatcmpl-"), time.Now().Unix()
	chunk := func(delta map[string]any, finish any, extra map[string]any) map[string]any {
		out := map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": req.Model,
			"choices": []map[string]any{{"index": 0, "delta": delta, "finish_reason": finish}}}
		if extra != nil {
			out["quire"] = extra
		}
		return out
	}
	full := func(content, finish string, usage map[string]int, extra map[string]any) map[string]any {
		out := map[string]any{"id": id, "object": "chat.completion", "created": created, "model": req.Model,
			"choices": []map[string]any{{"index": 0, "message": map[string]string{"role": "assistant", "content": content}, "finish_reason": finish}},
			"usage":   usage}
		if extra != nil {
			out["quire"] = extra
		}
		return out
	}

	if useRAG {
		question := ""
		for i := len(msgs) - 1; i >= 0; i-- {
			if msgs[i].Role == "user" {
				question = msgs[i].Content
				break
			}
		}
		if strings.TrimSpace(question) == "" {
			return invalid("quire-rag needs a user message with the question")
		}
		areq := rag.AskRequest{Question: question}
		if !req.Stream {
			ans, err := s.svc.Ask(ctx, areq, nil)
			if err != nil {
				return err
			}
			return c.JSON(http.StatusOK, full(ans.Answer, "stop", usage(s, question, ans.Answer), quireExtra(ans)))
		}
		st := startOAStream(c)
		st.send(chunk(map[string]any{"role": "assistant", "content": ""}, nil, nil))
		_, err := s.svc.Ask(ctx, areq, func(ev rag.Event) error {
			switch ev.Type {
			case "token":
				return st.send(chunk(map[string]any{"content": ev.Text}, nil, nil))
			case "done":
				return st.send(chunk(map[string]any{}, "stop", quireExtra(ev.Answer)))
			}
			return nil
		})
		if err != nil && ctx.Err() == nil {
			st.fail(err)
		}
		st.done()
		return nil
	}

	g.Messages = msgs
	if !req.Stream {
		var out strings.Builder
		stats, err := gen.Generate(ctx, g, func(t string) error { out.WriteString(t); return nil })
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, full(out.String(), finishReason(stats.StopReason),
			map[string]int{"prompt_tokens": stats.PromptTokens, "completion_tokens": stats.Tokens, "total_tokens": stats.PromptTokens + stats.Tokens}, nil))
	}
	st := startOAStream(c)
	st.send(chunk(map[string]any{"role": "assistant", "content": ""}, nil, nil))
	stats, err := gen.Generate(ctx, g, func(t string) error {
		return st.send(chunk(map[string]any{"content": t}, nil, nil))
	})
	if err != nil {
		if ctx.Err() == nil {
			st.fail(err)
		}
	} else {
		st.send(chunk(map[string]any{}, finishReason(stats.StopReason), nil))
	}
	st.done()
	return nil
}

func usage(s *Server, prompt, completion string) map[string]int {
	count := func(t string) int { return len(strings.Fields(t)) }
	if g := s.svc.Generator(); g != nil {
		count = g.CountTokens
	}
	p, c := count(prompt), count(completion)
	return map[string]int{"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}
}

func (s *Server) openaiCompletions(c echo.Context) error {
	var req oaCompletionRequest
	if err := decodeLenient(c, &req); err != nil {
		return err
	}
	useRAG, gen, err := s.route(req.Model)
	if err != nil {
		return err
	}
	var prompt string
	if err := json.Unmarshal(req.Prompt, &prompt); err != nil {
		var list []string
		if err := json.Unmarshal(req.Prompt, &list); err != nil || len(list) != 1 {
			return invalid("prompt must be a string (or an array of one string)")
		}
		prompt = list[0]
	}
	if strings.TrimSpace(prompt) == "" {
		return invalid("prompt is required")
	}
	g, err := req.genRequest()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.AskTimeout)
	defer cancel()
	id, created := newID("cmpl-"), time.Now().Unix()
	choice := func(text string, finish any) map[string]any {
		return map[string]any{"id": id, "object": "text_completion", "created": created, "model": req.Model,
			"choices": []map[string]any{{"index": 0, "text": text, "logprobs": nil, "finish_reason": finish}}}
	}
	if useRAG {
		ans, err := s.svc.Ask(ctx, rag.AskRequest{Question: prompt}, nil)
		if err != nil {
			return err
		}
		out := choice(ans.Answer, "stop")
		out["usage"] = usage(s, prompt, ans.Answer)
		out["quire"] = quireExtra(ans)
		if req.Stream {
			st := startOAStream(c)
			st.send(out)
			st.done()
			return nil
		}
		return c.JSON(http.StatusOK, out)
	}
	g.Raw = prompt
	if !req.Stream {
		var text strings.Builder
		stats, err := gen.Generate(ctx, g, func(t string) error { text.WriteString(t); return nil })
		if err != nil {
			return err
		}
		out := choice(text.String(), finishReason(stats.StopReason))
		out["usage"] = map[string]int{"prompt_tokens": stats.PromptTokens, "completion_tokens": stats.Tokens, "total_tokens": stats.PromptTokens + stats.Tokens}
		return c.JSON(http.StatusOK, out)
	}
	st := startOAStream(c)
	stats, err := gen.Generate(ctx, g, func(t string) error { return st.send(choice(t, nil)) })
	if err != nil {
		if ctx.Err() == nil {
			st.fail(err)
		}
	} else {
		st.send(choice("", finishReason(stats.StopReason)))
	}
	st.done()
	return nil
}

func (s *Server) openaiEmbeddings(c echo.Context) error {
	var req struct {
		Model string          `json:"model"`
		Input json.RawMessage `json:"input"`
	}
	if err := decodeLenient(c, &req); err != nil {
		return err
	}
	var inputs []string
	var one string
	if err := json.Unmarshal(req.Input, &one); err == nil {
		inputs = []string{one}
	} else if err := json.Unmarshal(req.Input, &inputs); err != nil {
		return invalid("input must be a string or an array of strings")
	}
	if len(inputs) == 0 || len(inputs) > 2048 {
		return invalid("input must hold 1 to 2048 texts")
	}
	emb := s.svc.Embedder()
	vecs, err := emb.Embed(c.Request().Context(), inputs)
	if err != nil {
		return err
	}
	data := make([]map[string]any, len(vecs))
	words := 0
	for i, v := range vecs {
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": v}
		words += len(strings.Fields(inputs[i]))
	}
	return c.JSON(http.StatusOK, map[string]any{"object": "list", "data": data, "model": emb.ID(),
		"usage": map[string]int{"prompt_tokens": words, "total_tokens": words}})
}
