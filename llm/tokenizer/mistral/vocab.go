// Package mistral holds the Mistral 7B vocabularies as tokenizer.Vocab
// values, so tests and tools can tokenize like Mistral without a model file.
package mistral

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/quirehq/quire/llm/tokenizer"
)

// Regenerate vocab_v1.txt.gz with MISTRAL_TOKENIZER_JS set to the path of
// mistral-tokenizer.js from the npm package mistral-tokenizer-js 1.0.0.
//go:generate go run gen.go $MISTRAL_TOKENIZER_JS

// vocabV1 is the 32000 pieces of Mistral 7B v0.1/v0.2, one per line, from
// mistral-tokenizer-js (see LICENSE and gen.go).
//
//go:embed vocab_v1.txt.gz
var vocabV1 []byte

var pieces = sync.OnceValues(func() ([]string, error) {
	zr, err := gzip.NewReader(bytes.NewReader(vocabV1))
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	p := strings.Split(string(raw), "\n")
	if len(p) != SizeV1 {
		return nil, fmt.Errorf("embedded vocabulary has %d pieces, want %d", len(p), SizeV1)
	}
	return p, nil
})

// Vocabulary sizes.
const (
	SizeV1 = 32000
	SizeV3 = 32768
)

// V3Controls are the first control tokens V3 adds, at ids 32000 onwards.
var V3Controls = []string{
	"[INST]", "[/INST]", "[TOOL_CALLS]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]",
	"[TOOL_RESULTS]", "[/TOOL_RESULTS]",
}

// V1 is the real Mistral 7B v0.1/v0.2 vocabulary (32000 pieces).
//
// The source has pieces and merges but no scores; these scores reproduce
// its merge order and equal those of published Mistral and LLaMA GGUFs
// (checked against llama.cpp's ggml-vocab-llama-spm.gguf in the tests):
// 0 for <unk>, <s>, </s> and the 256 byte pieces, -(id-259) for normal
// pieces, -1e9 for pieces made only of "▁". Types: <unk> unknown, <s> and
// </s> control, <0x00>..<0xFF> byte, all others normal.
func V1() tokenizer.Vocab {
	p, err := pieces()
	if err != nil {
		panic("mistral: " + err.Error()) // the embedded file is part of the build
	}
	v := tokenizer.Vocab{
		Model:  "llama",
		Tokens: append([]string(nil), p...),
		Scores: make([]float32, len(p)),
		Types:  make([]int32, len(p)),
		BOS:    1, EOS: 2, UNK: 0,
		AddBOS: true,
	}
	for id, s := range p {
		v.Scores[id], v.Types[id] = scoreAndType(id, s)
	}
	return v
}

// V3 is a synthetic stand-in for the Mistral 7B v0.3 vocabulary (32768
// pieces), which no package here ships: V1 followed by 768 control tokens,
// V3Controls and then "[control_N]". It has v0.3's size and its
// [INST]/[/INST] control tokens, so the V3 chat template and vocabulary
// detection can be tested; its ids are not those of the real v0.3, whose
// control tokens sit at ids 3 onwards, so do not use it with real v0.3
// weights (read the vocabulary from the GGUF instead).
func V3() tokenizer.Vocab {
	v := V1()
	for i := SizeV1; i < SizeV3; i++ {
		name := fmt.Sprintf("[control_%d]", i-SizeV1)
		if k := i - SizeV1; k < len(V3Controls) {
			name = V3Controls[k]
		}
		v.Tokens = append(v.Tokens, name)
		v.Scores = append(v.Scores, 0)
		v.Types = append(v.Types, tokenizer.TypeControl)
	}
	return v
}

// scoreAndType derives a piece's SentencePiece score and token type from
// its id, for the layout shared by the LLaMA and Mistral vocabularies:
// <unk>, <s>, </s>, 256 byte pieces, then normal pieces by merge rank.
func scoreAndType(id int, piece string) (float32, int32) {
	switch {
	case id == 0:
		return 0, tokenizer.TypeUnknown
	case id <= 2:
		return 0, tokenizer.TypeControl
	case id <= 258:
		return 0, tokenizer.TypeByte
	case strings.Trim(piece, "\u2581") == "":
		return -1e9, tokenizer.TypeNormal
	}
	return float32(-(id - 259)), tokenizer.TypeNormal
}
