package rag

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/llm"
	"github.com/quirehq/quire/llm/chat"
	"github.com/quirehq/quire/llm/synth"
)

// scriptedModel writes a tiny GGUF whose greedy answer to any chat prompt
// is script, and loads it.
func scriptedModel(t *testing.T, script string) *llm.Model {
	t.Helper()
	path := filepath.Join(t.TempDir(), "scripted.gguf")
	cfg := synth.Config{Name: "tiny", Dim: 64, Layers: 1, Heads: 2, KVHeads: 1, FFN: 128, CtxLen: 4096, Seed: 3}
	require.NoError(t, synth.WriteScripted(path, cfg, script))
	m, err := llm.Load(path, llm.LoadOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

const scriptedAnswer = "The scheduler retries failed jobs three times [1]."

func TestEngineAnswersWithCitationsEndToEnd(t *testing.T) {
	m := scriptedModel(t, scriptedAnswer)
	eng, err := NewEngine(m, EngineOptions{Ctx: 2048})
	require.NoError(t, err)
	s := openWith(t, eng)
	var tokens []string
	ans, err := s.Ask(context.Background(), AskRequest{Question: "How many times does the scheduler retry failed jobs?"}, func(e Event) error {
		if e.Type == "token" {
			tokens = append(tokens, e.Text)
		}
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, ProvenanceGenerated, ans.Provenance)
	require.Equal(t, scriptedAnswer, strings.TrimSpace(ans.Answer))
	require.Greater(t, len(tokens), 5, "the answer streams token by token")
	require.Len(t, ans.Citations, 1)
	require.Equal(t, "notes.md", ans.Citations[0].DocName)
	require.Empty(t, ans.Unsupported, "the sentence is supported by its source")
	require.Positive(t, ans.Timing.TTFTMS+1)
	require.Equal(t, "tiny-scripted", ans.Model)
}

func TestEngineReusesPromptPrefix(t *testing.T) {
	m := scriptedModel(t, "Yes.")
	eng, err := NewEngine(m, EngineOptions{Ctx: 1024})
	require.NoError(t, err)
	msgs := func(q string) []chat.Message {
		return []chat.Message{{Role: "system", Content: "You answer from the sources given to you, and cite them."}, {Role: "user", Content: q}}
	}
	ctx := context.Background()
	var out strings.Builder
	st, err := eng.Generate(ctx, GenRequest{Messages: msgs("first question about backups")}, func(s string) error { out.WriteString(s); return nil })
	require.NoError(t, err)
	require.Equal(t, "Yes.", strings.TrimSpace(out.String()))
	require.Zero(t, st.Reused)
	st, err = eng.Generate(ctx, GenRequest{Messages: msgs("second question about restores")}, func(string) error { return nil })
	require.NoError(t, err)
	require.Greater(t, st.Reused, 10, "the template and system prompt are not evaluated again")
	require.Equal(t, "eos", st.StopReason)
}

func TestEngineQueueRefusesWhenFullAndCancels(t *testing.T) {
	m := scriptedModel(t, "One two three four five six.")
	eng, err := NewEngine(m, EngineOptions{Ctx: 1024, Parallel: 1, QueueSize: -1})
	require.NoError(t, err)
	req := GenRequest{Messages: []chat.Message{{Role: "user", Content: "count"}}}

	started := make(chan struct{})
	release := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		once := sync.Once{}
		eng.Generate(context.Background(), req, func(string) error {
			once.Do(func() { close(started) })
			<-release
			return nil
		})
	}()
	<-started
	_, err = eng.Generate(context.Background(), req, func(string) error { return nil })
	require.ErrorIs(t, err, ErrBusy, "no queue room: refused at once")
	close(release)
	wg.Wait()

	// a cancelled request frees the engine at once
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, err = eng.Generate(ctx, req, func(string) error {
		n++
		if n == 2 {
			cancel()
		}
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	done := make(chan error, 1)
	go func() {
		_, err := eng.Generate(context.Background(), req, func(string) error { return nil })
		done <- err
	}()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("the engine was not freed after a cancel")
	}
}
