package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// captureRun runs f with os.Stdout redirected and returns what it printed.
func captureRun(t *testing.T, f func() int) (string, int) {
	t.Helper()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	old := os.Stdout
	os.Stdout = w
	done := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); done <- b }()
	code := f()
	os.Stdout = old
	w.Close()
	return string(<-done), code
}

func TestSynthAndRunJSON(t *testing.T) {
	model := filepath.Join(t.TempDir(), "tiny.gguf")
	require.Equal(t, 0, runSynth([]string{"--out", model, "--preset", "tiny", "--layers", "1", "--type", "Q8_0", "--seed", "9", "-q"}))

	out, code := captureRun(t, func() int {
		return runRun([]string{"--model", model, "--prompt", "Hello world", "-n", "3", "--json"})
	})
	require.Equal(t, 0, code)
	var res runOutput
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.Equal(t, 1, res.PromptTokens[0], "BOS first")
	require.Len(t, res.PromptTop, len(res.PromptTokens))
	require.Len(t, res.Tokens, 3)
	require.Equal(t, "length", res.Stop)
	last := res.PromptTop[len(res.PromptTop)-1]
	require.Equal(t, last[0].ID, res.Tokens[0].ID, "greedy picks the top token after the prompt")
	for _, tok := range res.Tokens {
		require.Len(t, tok.Top, 5)
		require.Equal(t, tok.Top[0].ID, tok.ID)
		for i := 1; i < 5; i++ {
			require.LessOrEqual(t, tok.Top[i].Logprob, tok.Top[i-1].Logprob)
		}
		require.Less(t, tok.Top[0].Logprob, 0.0)
	}

	text, code := captureRun(t, func() int {
		return runRun([]string{"--model", model, "--prompt", "Hello world", "-n", "3", "--chat"})
	})
	require.Equal(t, 0, code)
	require.NotEmpty(t, text)
}

func TestRunUsage(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"no model", []string{"--prompt", "x"}, 2},
		{"no prompt", []string{"--model", "m.gguf"}, 2},
		{"bad flag", []string{"--nope"}, 2},
		{"missing file", []string{"--model", filepath.Join(t.TempDir(), "none.gguf"), "--prompt", "x"}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, code := captureRun(t, func() int { return runRun(tc.args) })
			require.Equal(t, tc.code, code)
		})
	}
	require.Equal(t, 2, runSynth([]string{"--out", filepath.Join(t.TempDir(), "m.gguf"), "--type", "Q9"}))
	require.Equal(t, 2, runSynth([]string{}))
}
