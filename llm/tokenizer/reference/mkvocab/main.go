// Command mkvocab writes the vocabulary-only Mistral GGUFs that
// tokenize.mjs feeds to llama.cpp: mistral-v1.gguf (the real v0.1/v0.2
// vocabulary, with the v0.2 chat template) and mistral-v3.gguf (the
// synthetic 32768 extension).
//
//	go run ./llm/tokenizer/reference/mkvocab DIR
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/quirehq/quire/llm/tokenizer/mistral"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: mkvocab DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	if err := mistral.WriteVocabOnly(filepath.Join(dir, "mistral-v1.gguf"), "mistral-v1-vocab", mistral.V1(), mistral.ChatTemplateV1); err != nil {
		fmt.Fprintln(os.Stderr, "mkvocab:", err)
		os.Exit(1)
	}
	if err := mistral.WriteVocabOnly(filepath.Join(dir, "mistral-v3.gguf"), "mistral-v3-synthetic-vocab", mistral.V3(), ""); err != nil {
		fmt.Fprintln(os.Stderr, "mkvocab:", err)
		os.Exit(1)
	}
}
