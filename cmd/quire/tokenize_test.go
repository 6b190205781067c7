package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quirehq/quire/llm/tokenizer/mistral"
	"github.com/stretchr/testify/require"
)

func TestTokenizeCommand(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "vocab.gguf")
	require.NoError(t, mistral.WriteVocabOnly(model, "test", mistral.V1(), ""))
	corrupt := filepath.Join(dir, "corrupt.gguf")
	require.NoError(t, os.WriteFile(corrupt, []byte("GGUF\x03\x00\x00\x00garbage-garbage-garbage"), 0o644))

	for _, tc := range []struct {
		name     string
		args     []string
		stdin    string
		code     int
		stdout   string
		stderrIn string
	}{
		{"json with BOS", []string{"--model", model, "--json", "Hello world"}, "", 0, `{"tokens":[1,22557,1526]}` + "\n", ""},
		{"control text is plain", []string{"--model", model, "--json", "<s>"}, "", 0, `{"tokens":[1,523,28713,28767]}` + "\n", ""},
		{"words joined", []string{"--model", model, "--json", "Hello", "world"}, "", 0, `{"tokens":[1,22557,1526]}` + "\n", ""},
		{"lines", []string{"--model", model, "Hello world"}, "", 0, "1\t<s>\n22557\t▁Hello\n1526\t▁world\n", ""},
		{"stdin", []string{"--model", model, "--json", "-"}, "Hello world", 0, `{"tokens":[1,22557,1526]}` + "\n", ""},
		{"no text", []string{"--model", model}, "", 2, "", "usage"},
		{"no model", []string{"Hello"}, "", 2, "", "usage"},
		{"bad flag", []string{"--nope"}, "", 2, "", "flag provided but not defined"},
		{"missing file", []string{"--model", filepath.Join(dir, "absent.gguf"), "x"}, "", 1, "", "no such file"},
		{"corrupt file", []string{"--model", corrupt, "x"}, "", 1, "", "malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := runTokenize(tc.args, strings.NewReader(tc.stdin), &out, &errb)
			require.Equal(t, tc.code, code, "stderr: %s", errb.String())
			if tc.code == 0 {
				require.Equal(t, tc.stdout, out.String())
			}
			require.Contains(t, errb.String(), tc.stderrIn)
		})
	}
}
