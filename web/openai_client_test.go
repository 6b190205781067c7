package web

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOpenAINodeClient runs the official openai npm client against the
// server (streaming and not). It needs node and `npm ci` in
// web/openai-client, which `make test-deps` does; it fails, never skips,
// without them.
func TestOpenAINodeClient(t *testing.T) {
	node, err := exec.LookPath("node")
	require.NoError(t, err, "node is needed for the openai client test: install Node.js 20")
	dir, err := filepath.Abs("openai-client")
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(dir, "node_modules", "openai"))
	require.NoError(t, err, "the openai package is missing: run `make test-deps` (npm ci --prefix web/openai-client)")

	e := newModelEnv(t)
	cmd := exec.Command(node, "client.mjs", e.ts.URL, "tiny-scripted")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))

	var got struct {
		Models []string
		Rag    struct {
			Content, Finish string
			Quire           struct {
				Provenance string
				Citations  []struct {
					DocName string `json:"doc_name"`
				}
			}
		}
		RagStream struct {
			Content   string
			Chunks    int
			Citations int
		}
		Direct struct {
			Content string
			Usage   struct {
				CompletionTokens int `json:"completion_tokens"`
			}
		}
		DirectStream struct{ Content string }
		Completion   struct{ Object string }
		Embeddings   []int
		UnknownModel any
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &got), string(out))
	require.Equal(t, []string{"quire-rag", "tiny-scripted"}, got.Models)
	require.Equal(t, scriptedAnswer, strings.TrimSpace(got.Rag.Content))
	require.Equal(t, "stop", got.Rag.Finish)
	require.Equal(t, "generated", got.Rag.Quire.Provenance)
	require.Len(t, got.Rag.Quire.Citations, 1)
	require.Equal(t, "manual.pdf", got.Rag.Quire.Citations[0].DocName)
	require.Equal(t, scriptedAnswer, strings.TrimSpace(got.RagStream.Content))
	require.Greater(t, got.RagStream.Chunks, 5, "the answer streams")
	require.Equal(t, 1, got.RagStream.Citations)
	require.Equal(t, scriptedAnswer, strings.TrimSpace(got.Direct.Content))
	require.Positive(t, got.Direct.Usage.CompletionTokens)
	require.Equal(t, scriptedAnswer, strings.TrimSpace(got.DirectStream.Content))
	require.Equal(t, "text_completion", got.Completion.Object)
	require.Equal(t, []int{384, 384}, got.Embeddings)
	require.EqualValues(t, 404, got.UnknownModel)
}
