// Package tokenizer turns text into token ids and back for SentencePiece
// ("llama") vocabularies, exactly as llama.cpp's llm_tokenizer_spm does, so
// that Quire feeds a model the same ids llama.cpp would.
package tokenizer

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Token types as stored in tokenizer.ggml.token_type (llama.cpp's
// llama_token_type).
const (
	TypeUndefined   = 0
	TypeNormal      = 1
	TypeUnknown     = 2
	TypeControl     = 3
	TypeUserDefined = 4
	TypeUnused      = 5
	TypeByte        = 6
)

// spaceMark is SentencePiece's visible space, U+2581 "▁".
const spaceMark = "\u2581"

// Vocab is everything the tokenizer needs from a model's metadata.
type Vocab struct {
	Model  string    // tokenizer.ggml.model; only "llama" (SentencePiece) is supported
	Tokens []string  // piece text by id
	Scores []float32 // merge priority by id (higher merges first); nil means all 0
	Types  []int32   // Type* by id; nil means all normal
	BOS    int
	EOS    int
	UNK    int
	AddBOS bool
	AddEOS bool
	// NoSpacePrefix turns off SentencePiece's leading "▁" (GGUF
	// tokenizer.ggml.add_space_prefix = false); llama vocabularies add it.
	NoSpacePrefix bool
}

// Tokenizer encodes and decodes text for one vocabulary. It is safe for
// concurrent use.
type Tokenizer struct {
	v        Vocab
	toID     map[string]int
	byteID   [256]int // id of <0xXX>, or -1
	pieces   []string // decoded bytes of each id, as llama_token_to_piece(special=false)
	specials []int    // control, user-defined and unknown ids, longest text first
	maxLen   int
	wordSafe bool // no piece has "▁" after another character: see tokenizeWords
}

// New checks v and builds a Tokenizer.
func New(v Vocab) (*Tokenizer, error) {
	if v.Model != "llama" {
		return nil, fmt.Errorf("tokenizer: model %q is not supported (only SentencePiece \"llama\")", v.Model)
	}
	n := len(v.Tokens)
	if n == 0 {
		return nil, errors.New("tokenizer: the vocabulary is empty")
	}
	if v.Scores != nil && len(v.Scores) < n {
		return nil, fmt.Errorf("tokenizer: %d scores for %d tokens", len(v.Scores), n)
	}
	if v.Types != nil && len(v.Types) < n {
		return nil, fmt.Errorf("tokenizer: %d token types for %d tokens", len(v.Types), n)
	}
	for _, c := range []struct {
		name string
		id   int
	}{{"BOS", v.BOS}, {"EOS", v.EOS}, {"UNK", v.UNK}} {
		if c.id < 0 || c.id >= n {
			return nil, fmt.Errorf("tokenizer: %s id %d is outside the vocabulary of %d", c.name, c.id, n)
		}
	}
	// Own copies, so a caller changing its Vocab cannot change us.
	if v.Scores == nil {
		v.Scores = make([]float32, n)
	} else {
		v.Scores = append([]float32(nil), v.Scores[:n]...)
	}
	if v.Types == nil {
		v.Types = make([]int32, n)
		for i := range v.Types {
			v.Types[i] = TypeNormal
		}
	} else {
		v.Types = append([]int32(nil), v.Types[:n]...)
	}
	v.Tokens = append([]string(nil), v.Tokens...)
	t := &Tokenizer{v: v, toID: make(map[string]int, n), pieces: make([]string, n)}
	for i, s := range v.Tokens {
		if s == "" { // llama.cpp renames empty pieces so they never match
			s = fmt.Sprintf("[EMPTY_%d]", i)
			t.v.Tokens[i] = s
		}
		t.toID[s] = i // a later duplicate wins, as in llama.cpp
		t.maxLen = max(t.maxLen, len(s))
	}
	t.wordSafe = true
	for _, s := range t.v.Tokens {
		for i := strings.Index(s, spaceMark); i >= 0; {
			if i > 0 && !strings.HasSuffix(s[:i], spaceMark) {
				t.wordSafe = false
			}
			j := strings.Index(s[i+len(spaceMark):], spaceMark)
			if j < 0 {
				break
			}
			i += len(spaceMark) + j
		}
	}
	for b := range t.byteID {
		t.byteID[b] = -1
		if id, ok := t.toID[fmt.Sprintf("<0x%02X>", b)]; ok {
			t.byteID[b] = id
		} else if id, ok := t.toID[string([]byte{byte(b)})]; ok {
			t.byteID[b] = id
		}
	}
	for i := range v.Tokens {
		t.pieces[i] = t.decodePiece(i)
		switch v.Types[i] {
		case TypeControl, TypeUserDefined, TypeUnknown:
			t.specials = append(t.specials, i)
		}
	}
	sort.SliceStable(t.specials, func(a, b int) bool {
		return len(t.v.Tokens[t.specials[a]]) > len(t.v.Tokens[t.specials[b]])
	})
	return t, nil
}

// decodePiece is llama_token_to_piece with special=false and no lstrip.
func (t *Tokenizer) decodePiece(id int) string {
	s := t.v.Tokens[id]
	switch t.v.Types[id] {
	case TypeUserDefined:
		return s
	case TypeNormal:
		return strings.ReplaceAll(s, spaceMark, " ")
	case TypeByte:
		if b, ok := parseByte(s); ok {
			return string([]byte{b})
		}
		return s
	}
	return "" // control, unknown, unused, undefined: not text
}

// parseByte reads a "<0xNN>" piece.
func parseByte(s string) (byte, bool) {
	if len(s) != 6 || s[:3] != "<0x" || s[5] != '>' {
		if len(s) == 1 { // byte pieces stored as the byte itself
			return s[0], true
		}
		return 0, false
	}
	var b byte
	for _, c := range s[3:5] {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = byte(c - '0')
		case c >= 'A' && c <= 'F':
			d = byte(c-'A') + 10
		case c >= 'a' && c <= 'f':
			d = byte(c-'a') + 10
		default:
			return 0, false
		}
		b = b<<4 | d
	}
	return b, true
}

// VocabSize is the number of tokens.
func (t *Tokenizer) VocabSize() int { return len(t.v.Tokens) }

// BOS is the beginning-of-sequence id.
func (t *Tokenizer) BOS() int { return t.v.BOS }

// EOS is the end-of-sequence id; generation stops on it.
func (t *Tokenizer) EOS() int { return t.v.EOS }

// AddBOS reports whether the model wants BOS before a prompt.
func (t *Tokenizer) AddBOS() bool { return t.v.AddBOS }

// IsControl reports whether id is a control token (type 3), such as <s>.
func (t *Tokenizer) IsControl(id int) bool {
	return id >= 0 && id < len(t.v.Types) && t.v.Types[id] == TypeControl
}

// Piece is the vocabulary's text for id, as stored (for example "▁Hello",
// "<0x0A>" or "<s>"); "" for an id outside the vocabulary.
func (t *Tokenizer) Piece(id int) string {
	if id < 0 || id >= len(t.v.Tokens) {
		return ""
	}
	return t.v.Tokens[id]
}

// ID finds the id of a piece's text.
func (t *Tokenizer) ID(piece string) (int, bool) {
	id, ok := t.toID[piece]
	return id, ok
}

// Encode tokenizes text as plain text: "<s>" or "[INST]" typed by a user
// become ordinary pieces, never control tokens. With addBOS, BOS comes first.
// It equals llama_tokenize(text, add_special=addBOS, parse_special=false),
// except that EOS is never appended (Mistral vocabularies do not ask for it).
func (t *Tokenizer) Encode(text string, addBOS bool) []int {
	return t.encode(text, addBOS, false)
}

// EncodeSpecial is Encode, except that the text of control tokens ("<s>",
// "[INST]" in a vocabulary where that is a control token) becomes their id.
// It is for templates written by the program, never for user input.
func (t *Tokenizer) EncodeSpecial(text string, addBOS bool) []int {
	return t.encode(text, addBOS, true)
}

// fragment is either raw text (id < 0) or a special token.
type fragment struct {
	text string
	id   int
}

func (t *Tokenizer) encode(text string, addBOS, parseSpecial bool) []int {
	var out []int
	if addBOS {
		out = append(out, t.v.BOS)
	}
	if text == "" {
		return out
	}
	frags := t.partition(text, parseSpecial)
	prevSpecial := true // the first text fragment gets the space prefix
	s := session{t: t}
	for _, f := range frags {
		if f.id >= 0 {
			out = append(out, f.id)
			prevSpecial = true
			continue
		}
		txt := f.text
		if !t.v.NoSpacePrefix && prevSpecial {
			txt = " " + txt
		}
		out = s.tokenizeWords(strings.ReplaceAll(txt, " ", spaceMark), out)
		prevSpecial = false
	}
	return out
}

// partition splits text around special-token text, longest specials first,
// as llama.cpp's tokenizer_st_partition. User-defined tokens are always
// split out; control and unknown tokens only when parseSpecial.
func (t *Tokenizer) partition(text string, parseSpecial bool) []fragment {
	frags := []fragment{{text: text, id: -1}}
	for _, id := range t.specials {
		typ := t.v.Types[id]
		if !parseSpecial && (typ == TypeControl || typ == TypeUnknown) {
			continue
		}
		sp := t.v.Tokens[id]
		var next []fragment
		for _, f := range frags {
			if f.id >= 0 {
				next = append(next, f)
				continue
			}
			rest := f.text
			for {
				i := strings.Index(rest, sp)
				if i < 0 {
					break
				}
				if i > 0 {
					next = append(next, fragment{text: rest[:i], id: -1})
				}
				next = append(next, fragment{id: id})
				rest = rest[i+len(sp):]
			}
			if rest != "" {
				next = append(next, fragment{text: rest, id: -1})
			}
		}
		frags = next
	}
	return frags
}
