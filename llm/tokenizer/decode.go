package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// Decode turns ids back into text as llama.cpp's llama_detokenize does with
// remove_special=false and unparse_special=false: control tokens print
// nothing, "▁" becomes a space, byte pieces are reassembled into the bytes
// they stand for, and the leading space of the first token is dropped when
// the vocabulary adds a space prefix. A leading BOS counts as that first
// token, so text decoded after BOS keeps its space, as in llama.cpp.
// Ids outside the vocabulary are skipped.
func (t *Tokenizer) Decode(ids []int) string {
	var b strings.Builder
	d := t.NewStreamDecoder()
	for _, id := range ids {
		b.WriteString(d.piece(id))
	}
	return b.String()
}

// StreamDecoder decodes generated tokens one at a time. Next returns only
// whole UTF-8 characters: bytes of a character split across byte tokens are
// held back until it is complete. Concatenating every Next and the final
// Flush gives Decode of all the ids.
type StreamDecoder struct {
	t       *Tokenizer
	first   bool
	pending []byte
}

// NewStreamDecoder starts a decoder whose first token is treated as the
// start of the text.
func (t *Tokenizer) NewStreamDecoder() *StreamDecoder {
	return &StreamDecoder{t: t, first: true}
}

func (d *StreamDecoder) piece(id int) string {
	if id < 0 || id >= len(d.t.pieces) {
		return ""
	}
	p := d.t.pieces[id]
	if d.first && !d.t.v.NoSpacePrefix {
		p = strings.TrimPrefix(p, " ")
	}
	d.first = false
	return p
}

// Next adds one token and returns the text that is now complete.
func (d *StreamDecoder) Next(id int) string {
	d.pending = append(d.pending, d.piece(id)...)
	n := completePrefix(d.pending)
	out := string(d.pending[:n])
	d.pending = append(d.pending[:0], d.pending[n:]...)
	return out
}

// Flush returns whatever is held back, complete or not.
func (d *StreamDecoder) Flush() string {
	out := string(d.pending)
	d.pending = d.pending[:0]
	return out
}

// completePrefix is the length of b without a trailing incomplete UTF-8
// sequence that more bytes could still complete. Invalid bytes are passed
// through rather than held forever.
func completePrefix(b []byte) int {
	// A sequence is at most 4 bytes: look for its lead byte in the last 3.
	for k := 1; k <= 3 && k <= len(b); k++ {
		c := b[len(b)-k]
		if c < 0x80 {
			return len(b) // ASCII: nothing incomplete after it
		}
		if c >= 0xC0 { // lead byte
			need := utf8Len(c)
			if need > k && !utf8.FullRune(b[len(b)-k:]) && validPrefix(b[len(b)-k:]) {
				return len(b) - k
			}
			return len(b)
		}
	}
	return len(b)
}

// validPrefix reports whether p (a lead byte and continuation bytes) can
// still become a valid UTF-8 character.
func validPrefix(p []byte) bool {
	if p[0] < 0xC2 || p[0] > 0xF4 {
		return false
	}
	for _, c := range p[1:] {
		if c&0xC0 != 0x80 {
			return false
		}
	}
	if len(p) >= 2 {
		switch p[0] {
		case 0xE0:
			return p[1] >= 0xA0
		case 0xED:
			return p[1] < 0xA0
		case 0xF0:
			return p[1] >= 0x90
		case 0xF4:
			return p[1] < 0x90
		}
	}
	return true
}
