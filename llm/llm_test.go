package llm

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/quirehq/quire/llm/chat"
	"github.com/quirehq/quire/llm/ggml"
	"github.com/quirehq/quire/llm/gguf"
	"github.com/quirehq/quire/llm/sample"
	"github.com/quirehq/quire/llm/synth"
	"github.com/stretchr/testify/require"
)

// tinyModel is written once per test binary: F32 weights are the quickest to
// write.
var tinyModel = sync.OnceValues(func() (string, error) {
	dir, err := tempDir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "tiny.gguf")
	c := synth.Tiny()
	c.Layers = 1
	return path, synth.Write(path, c)
})

var tempDirs []string

func tempDir() (string, error) {
	d, err := osMkdirTemp()
	tempDirs = append(tempDirs, d)
	return d, err
}

func loadTiny(t *testing.T) *Model {
	t.Helper()
	path, err := tinyModel()
	require.NoError(t, err)
	m, err := Load(path, LoadOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

func TestLoadInfo(t *testing.T) {
	path, err := tinyModel()
	require.NoError(t, err)
	var calls int
	var last, total int64
	m, err := Load(path, LoadOptions{Progress: func(d, tt int64) { calls++; last, total = d, tt }})
	require.NoError(t, err)
	defer m.Close()
	require.Positive(t, calls)
	require.Equal(t, total, last)
	info := m.Info()
	require.Equal(t, "llama", info.Arch)
	require.Equal(t, 256, info.Dim)
	require.Equal(t, 32000, info.VocabSize)
	require.Equal(t, "F32", info.FileType)
	require.Equal(t, chat.MistralV1, m.Template())
	require.Equal(t, 32000, m.Tokenizer().VocabSize())
}

// rewrite copies a GGUF file through edit, which may change the
// architecture or drop or retype a tensor.
func rewrite(t *testing.T, src string, arch string, drop string, retype string) string {
	t.Helper()
	f, err := gguf.Open(src)
	require.NoError(t, err)
	defer f.Close()
	w := gguf.NewWriter()
	for _, kv := range f.KVs {
		w.Set(kv.Key, kv.Value)
	}
	if arch != "" {
		w.Set("general.architecture", arch)
	}
	for _, tt := range f.Tensors {
		if tt.Name == drop {
			continue
		}
		typ, data := tt.Type, tt.Data
		if tt.Name == retype {
			typ = ggml.Q4_1
			data = make([]byte, typ.RowSize(tt.Dims[0])*tt.Elements()/tt.Dims[0])
		}
		w.AddTensor(tt.Name, typ, tt.Dims, func(out io.Writer) error { _, err := out.Write(data); return err })
	}
	dst := filepath.Join(t.TempDir(), "edited.gguf")
	require.NoError(t, w.WriteFile(dst))
	return dst
}

func TestLoadErrors(t *testing.T) {
	src, err := tinyModel()
	require.NoError(t, err)
	cases := []struct {
		name, arch, drop, retype, msg string
	}{
		{"architecture", "bert", "", "", `architecture "bert" is not supported`},
		{"missing tensor", "", "blk.0.ffn_up.weight", "", "blk.0.ffn_up.weight is missing"},
		{"unsupported type", "", "", "blk.0.attn_q.weight", "type Q4_1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(rewrite(t, src, tc.arch, tc.drop, tc.retype), LoadOptions{})
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.msg)
		})
	}
	_, err = Load(filepath.Join(t.TempDir(), "nope.gguf"), LoadOptions{})
	require.Error(t, err)
}

func TestEvalErrorsAndPrefixReuse(t *testing.T) {
	m := loadTiny(t)
	s, err := m.NewSession(SessionOptions{Ctx: 8})
	require.NoError(t, err)
	_, err = s.Eval([]int{1, 32000}, false)
	require.ErrorContains(t, err, "outside the vocabulary")
	s.Reset()
	_, err = s.Eval(make([]int, 9), false)
	require.ErrorContains(t, err, "do not fit")
	_, err = s.Eval(nil, false)
	require.Error(t, err)

	prompt := []int{1, 415, 2936, 9060, 285, 1142}
	full, err := s.Eval(prompt, true)
	require.NoError(t, err)
	require.Len(t, full, len(prompt))
	require.Equal(t, len(prompt), s.Pos())
	s.Truncate(3)
	require.Equal(t, 3, s.Pos())
	again, err := s.Eval(prompt[3:], true)
	require.NoError(t, err)
	require.Equal(t, full[3:], again, "a truncated prefix must be reusable")
}

func greedyLoop(t *testing.T, m *Model, prompt []int, n int) []int {
	s, err := m.NewSession(SessionOptions{Ctx: 64})
	require.NoError(t, err)
	out, err := s.Eval(prompt, false)
	require.NoError(t, err)
	var ids []int
	for range n {
		id := sample.Greedy(out[0])
		ids = append(ids, id)
		out, err = s.Eval([]int{id}, false)
		require.NoError(t, err)
	}
	return ids
}

func TestGenerate(t *testing.T) {
	m := loadTiny(t)
	prompt := m.Tokenizer().Encode("Once upon a time", true)
	want := greedyLoop(t, m, prompt, 12)
	wantText := m.Tokenizer().Decode(want)

	gen := func(o GenerateOptions, cancelAfter int) (Result, string, error) {
		s, err := m.NewSession(SessionOptions{Ctx: 64})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var text strings.Builder
		n := 0
		res, err := s.Generate(ctx, prompt, o, func(tk Token) error {
			text.WriteString(tk.Text)
			if tk.ID >= 0 {
				require.Len(t, tk.Logits, 32000)
				n++
			}
			if n == cancelAfter {
				cancel()
			}
			return nil
		})
		return res, text.String(), err
	}

	res, text, err := gen(GenerateOptions{MaxTokens: 12}, -1)
	require.NoError(t, err)
	require.Equal(t, want, res.Tokens)
	require.Equal(t, StopLength, res.Reason)
	require.Equal(t, wantText, text)

	// A stop string: everything before it, nothing of it.
	words := strings.Fields(wantText)
	require.GreaterOrEqual(t, len(words), 3, "generated text %q", wantText)
	stop := words[2]
	res, text, err = gen(GenerateOptions{MaxTokens: 12, Stop: []string{stop}}, -1)
	require.NoError(t, err)
	require.Equal(t, StopString, res.Reason)
	require.Equal(t, wantText[:strings.Index(wantText, stop)], text)

	// Cancellation stops after the current token.
	res, _, err = gen(GenerateOptions{MaxTokens: 12}, 3)
	require.True(t, errors.Is(err, context.Canceled), "%v", err)
	require.Equal(t, want[:3], res.Tokens)

	// Context full.
	s, err := m.NewSession(SessionOptions{Ctx: len(prompt) + 2})
	require.NoError(t, err)
	res, err = s.Generate(context.Background(), prompt, GenerateOptions{}, func(Token) error { return nil })
	require.NoError(t, err)
	require.Equal(t, StopContext, res.Reason)
	require.Equal(t, want[:3], res.Tokens)
}
