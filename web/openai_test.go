package web

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/llm"
	"github.com/quirehq/quire/llm/synth"
	"github.com/quirehq/quire/rag"
)

const scriptedAnswer = "The backup daemon keeps fourteen snapshots [1]."

// newModelEnv serves a service whose model is a tiny synthetic GGUF rigged
// so that greedy decoding writes scriptedAnswer.
func newModelEnv(t *testing.T) *testEnv {
	t.Helper()
	path := filepath.Join(t.TempDir(), "scripted.gguf")
	require.NoError(t, synth.WriteScripted(path, synth.Config{Name: "tiny", Dim: 64, Layers: 1, Heads: 2, KVHeads: 1, FFN: 128, CtxLen: 4096, Seed: 5}, scriptedAnswer))
	m, err := llm.Load(path, llm.LoadOptions{})
	require.NoError(t, err)
	eng, err := rag.NewEngine(m, rag.EngineOptions{Ctx: 2048})
	require.NoError(t, err)
	svc, err := rag.Open(context.Background(), rag.Config{DataDir: t.TempDir(), Generator: eng, TokenCount: eng.CountTokens})
	require.NoError(t, err)
	srv := New(svc, Config{})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ts.Close()
		require.NoError(t, svc.Close())
		m.Close()
	})
	e := &testEnv{t: t, svc: svc, srv: srv, ts: ts}
	ingestFixtures(t, e)
	return e
}

func dataLines(t *testing.T, body string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			out = append(out, line)
		}
	}
	return out
}

func TestOpenAIModelsAndEmbeddings(t *testing.T) {
	e := newModelEnv(t)
	resp, body := e.do("GET", "/v1/models", "", "")
	require.Equal(t, 200, resp.StatusCode)
	var models struct{ Data []struct{ ID string } }
	require.NoError(t, json.Unmarshal(body, &models))
	require.Len(t, models.Data, 2)
	require.Equal(t, "quire-rag", models.Data[0].ID)
	require.Equal(t, "tiny-scripted", models.Data[1].ID)

	resp, body = e.do("POST", "/v1/embeddings", "application/json", `{"model":"x","input":["first text","second text"]}`)
	require.Equal(t, 200, resp.StatusCode, string(body))
	var emb struct {
		Data []struct {
			Index     int
			Embedding []float32
		}
	}
	require.NoError(t, json.Unmarshal(body, &emb))
	require.Len(t, emb.Data, 2)
	require.Len(t, emb.Data[1].Embedding, 384)

	resp, body = e.do("GET", "/api/info", "", "")
	require.Equal(t, 200, resp.StatusCode)
	require.Contains(t, string(body), `"model":"tiny-scripted"`)
}

func TestOpenAIChatWithRAG(t *testing.T) {
	e := newModelEnv(t)
	q := `{"model":"quire-rag","messages":[{"role":"user","content":"How many snapshots does the backup daemon keep?"}]}`
	resp, body := e.do("POST", "/v1/chat/completions", "application/json", q)
	require.Equal(t, 200, resp.StatusCode, string(body))
	var out struct {
		Object  string
		Choices []struct {
			Message      struct{ Role, Content string }
			FinishReason string `json:"finish_reason"`
		}
		Quire struct {
			Provenance string
			Citations  []rag.Citation
		}
	}
	require.NoError(t, json.Unmarshal(body, &out))
	require.Equal(t, "chat.completion", out.Object)
	require.Equal(t, scriptedAnswer, strings.TrimSpace(out.Choices[0].Message.Content))
	require.Equal(t, "generated", out.Quire.Provenance)
	require.Len(t, out.Quire.Citations, 1)
	require.Equal(t, "manual.pdf", out.Quire.Citations[0].DocName)

	resp, body = e.do("POST", "/v1/chat/completions", "application/json", strings.Replace(q, `"quire-rag",`, `"quire-rag","stream":true,`, 1))
	require.Equal(t, 200, resp.StatusCode, string(body))
	lines := dataLines(t, string(body))
	require.Equal(t, "[DONE]", lines[len(lines)-1])
	var text strings.Builder
	var last map[string]any
	for _, l := range lines[:len(lines)-1] {
		var ch struct {
			Choices []struct {
				Delta        struct{ Content string }
				FinishReason *string `json:"finish_reason"`
			}
		}
		require.NoError(t, json.Unmarshal([]byte(l), &ch), l)
		text.WriteString(ch.Choices[0].Delta.Content)
		require.NoError(t, json.Unmarshal([]byte(l), &last))
	}
	require.Equal(t, scriptedAnswer, strings.TrimSpace(text.String()))
	require.Contains(t, last, "quire", "the last chunk carries the citations")
}

func TestOpenAIChatAndCompletionsWithTheModel(t *testing.T) {
	e := newModelEnv(t)
	resp, body := e.do("POST", "/v1/chat/completions", "application/json",
		`{"model":"tiny-scripted","temperature":0,"seed":1,"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say something."}]}`)
	require.Equal(t, 200, resp.StatusCode, string(body))
	var out struct {
		Choices []struct{ Message struct{ Content string } }
		Usage   struct {
			PromptTokens     int `json:"prompt_tokens"`
			CompletionTokens int `json:"completion_tokens"`
		}
	}
	require.NoError(t, json.Unmarshal(body, &out))
	require.Equal(t, scriptedAnswer, strings.TrimSpace(out.Choices[0].Message.Content), "the model answers the messages without retrieval")
	require.Positive(t, out.Usage.PromptTokens)
	require.Positive(t, out.Usage.CompletionTokens)

	resp, body = e.do("POST", "/v1/completions", "application/json", `{"model":"tiny-scripted","prompt":"Once upon a time","max_tokens":3,"temperature":0}`)
	require.Equal(t, 200, resp.StatusCode, string(body))
	var comp struct {
		Object  string
		Choices []struct {
			FinishReason string `json:"finish_reason"`
		}
		Usage struct {
			CompletionTokens int `json:"completion_tokens"`
		}
	}
	require.NoError(t, json.Unmarshal(body, &comp))
	require.Equal(t, "text_completion", comp.Object)
	require.LessOrEqual(t, comp.Usage.CompletionTokens, 3)
}

func TestOpenAIErrors(t *testing.T) {
	e := newModelEnv(t)
	cases := []struct {
		path, body string
		status     int
		code       string
	}{
		{"/v1/chat/completions", `{"model":"gpt-9","messages":[{"role":"user","content":"hi"}]}`, http.StatusNotFound, "model_not_found"},
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":"hi"}]}`, 422, "invalid_field"},
		{"/v1/chat/completions", `{"model":"quire-rag","messages":[]}`, 422, "invalid_field"},
		{"/v1/chat/completions", `{"model":"tiny-scripted","temperature":7,"messages":[{"role":"user","content":"hi"}]}`, 422, "invalid_field"},
		{"/v1/chat/completions", `{"model":"tiny-scripted","messages":[{"role":"tool","content":"hi"}]}`, 422, "invalid_field"},
		{"/v1/chat/completions", `{"model":`, 400, "bad_request"},
		{"/v1/completions", `{"model":"tiny-scripted","prompt":["a","b"]}`, 422, "invalid_field"},
		{"/v1/embeddings", `{"model":"x","input":[]}`, 422, "invalid_field"},
	}
	for _, tc := range cases {
		resp, body := e.do("POST", tc.path, "application/json", tc.body)
		requireError(t, resp, body, tc.status, tc.code)
	}
}

func TestAskSSEWithTheModel(t *testing.T) {
	e := newModelEnv(t)
	req, _ := http.NewRequest("POST", e.ts.URL+"/api/ask", strings.NewReader(`{"question":"How many snapshots does the backup daemon keep?"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	events := readEvents(t, resp.Body)
	var text strings.Builder
	sawCitationAfterMarker := false
	var done rag.Answer
	for _, ev := range events {
		switch ev.name {
		case "token":
			var tok struct{ Text string }
			require.NoError(t, json.Unmarshal([]byte(ev.data), &tok))
			text.WriteString(tok.Text)
		case "citation":
			sawCitationAfterMarker = strings.Contains(text.String(), "[1]")
		case "done":
			require.NoError(t, json.Unmarshal([]byte(ev.data), &done))
		}
	}
	require.True(t, sawCitationAfterMarker, "the citation event follows its marker in the stream")
	require.Equal(t, "generated", done.Provenance)
	require.Equal(t, scriptedAnswer, strings.TrimSpace(done.Answer))
	require.Equal(t, done.Answer, text.String())
	require.NotEmpty(t, done.Sources)
	require.Len(t, done.Citations, 1)
	require.Empty(t, done.Unsupported)
	require.GreaterOrEqual(t, done.Timing.TotalMS, done.Timing.TTFTMS)
}
