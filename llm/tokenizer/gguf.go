package tokenizer

import (
	"fmt"

	"github.com/quirehq/quire/llm/gguf"
)

// GGUF metadata keys of the tokenizer (llama.cpp's gguf-py constants).
const (
	KeyModel       = "tokenizer.ggml.model"
	KeyTokens      = "tokenizer.ggml.tokens"
	KeyScores      = "tokenizer.ggml.scores"
	KeyTokenType   = "tokenizer.ggml.token_type"
	KeyBOS         = "tokenizer.ggml.bos_token_id"
	KeyEOS         = "tokenizer.ggml.eos_token_id"
	KeyUNK         = "tokenizer.ggml.unknown_token_id"
	KeyAddBOS      = "tokenizer.ggml.add_bos_token"
	KeyAddEOS      = "tokenizer.ggml.add_eos_token"
	KeySpacePrefix = "tokenizer.ggml.add_space_prefix"
	KeyTemplate    = "tokenizer.chat_template"
)

// VocabFromGGUF reads a Vocab from a model's metadata, with llama.cpp's
// defaults for SentencePiece: BOS 1, EOS 2, UNK 0, add BOS, no EOS, add
// the space prefix.
func VocabFromGGUF(f *gguf.File) (Vocab, error) {
	v := Vocab{BOS: 1, EOS: 2, UNK: 0, AddBOS: true}
	var ok bool
	if v.Model, ok = f.String(KeyModel); !ok {
		return v, fmt.Errorf("tokenizer: the model has no %s; it is not a GGUF with a vocabulary", KeyModel)
	}
	if v.Model != "llama" {
		return v, fmt.Errorf("tokenizer: model %q is not supported (only SentencePiece \"llama\")", v.Model)
	}
	if v.Tokens, ok = f.Strings(KeyTokens); !ok {
		return v, fmt.Errorf("tokenizer: %s is missing or not an array of strings", KeyTokens)
	}
	if raw, present := f.Value(KeyScores); present {
		switch s := raw.(type) {
		case []float32:
			v.Scores = s
		case []int32: // llama.cpp accepts integer scores too
			v.Scores = make([]float32, len(s))
			for i, x := range s {
				v.Scores[i] = float32(x)
			}
		default:
			return v, fmt.Errorf("tokenizer: %s is %T, want float32 array", KeyScores, raw)
		}
	}
	if raw, present := f.Value(KeyTokenType); present {
		if v.Types, ok = raw.([]int32); !ok {
			return v, fmt.Errorf("tokenizer: %s is %T, want int32 array", KeyTokenType, raw)
		}
	}
	for _, id := range []struct {
		key string
		dst *int
	}{{KeyBOS, &v.BOS}, {KeyEOS, &v.EOS}, {KeyUNK, &v.UNK}} {
		if _, present := f.Value(id.key); present {
			n, ok := f.Uint(id.key)
			if !ok || n >= uint64(len(v.Tokens)) {
				return v, fmt.Errorf("tokenizer: %s is not a token id", id.key)
			}
			*id.dst = int(n)
		}
	}
	for _, b := range []struct {
		key string
		dst *bool
	}{{KeyAddBOS, &v.AddBOS}, {KeyAddEOS, &v.AddEOS}} {
		if x, ok := f.Bool(b.key); ok {
			*b.dst = x
		}
	}
	if x, ok := f.Bool(KeySpacePrefix); ok {
		v.NoSpacePrefix = !x
	}
	return v, nil
}

// FromGGUF builds the tokenizer of a model file.
func FromGGUF(f *gguf.File) (*Tokenizer, error) {
	v, err := VocabFromGGUF(f)
	if err != nil {
		return nil, err
	}
	return New(v)
}

// SetGGUF writes v's metadata keys (the inverse of VocabFromGGUF).
func (v Vocab) SetGGUF(w *gguf.Writer) {
	w.Set(KeyModel, v.Model)
	w.Set(KeyTokens, v.Tokens)
	if v.Scores != nil {
		w.Set(KeyScores, v.Scores)
	}
	if v.Types != nil {
		w.Set(KeyTokenType, v.Types)
	}
	w.Set(KeyBOS, uint32(v.BOS))
	w.Set(KeyEOS, uint32(v.EOS))
	w.Set(KeyUNK, uint32(v.UNK))
	w.Set(KeyAddBOS, v.AddBOS)
	w.Set(KeyAddEOS, v.AddEOS)
	w.Set(KeySpacePrefix, !v.NoSpacePrefix)
}
