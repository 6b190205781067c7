package ingest

import (
	"unicode"
	"unicode/utf8"
)

// Weights of the ApproxTokens rule, fitted by grid search against the
// Mistral tokenizer on testdata/text/tokens/samples.jsonl (minimising the
// mean, over sources, of the per-paragraph absolute relative error).
const (
	tokShort     = 7   // letters a run of ASCII letters gets for its first token
	tokLetterRun = 5.0 // letters per further token in that run
	tokPunct     = 0.9 // per ASCII punctuation mark ("..." and "()" are often one token)
	tokAccent    = 2.5 // extra per accented Latin letter: such words split badly
	tokCJK       = 1.2 // per Han, kana or Hangul character
	tokOther     = 0.6 // per letter of other scripts (Cyrillic, Greek, ...)
	tokAfterNL   = 0.5 // extra for a word right after a newline (it has no "▁")
	tokCaps      = 0.6 // per letter of an all-capitals run (acronyms split badly)
)

// ApproxTokens estimates how many SentencePiece (Mistral/Llama) tokens s
// becomes, without a model. Per white-space separated word: a run of ASCII
// letters costs 1 + (len-7)/5, at least 1 (camelCase humps are separate
// runs), or 0.6 per letter when it is all capitals (GGUF, AVX); each digit 1 (Llama-family tokenizers split numbers into digits),
// plus 1 for the "▁" piece when a word starts with a digit or a CJK
// character; each ASCII punctuation mark 0.9; an accented Latin letter 2.5
// extra; Han, kana and Hangul 1.2 each; letters of other scripts 0.6;
// common Unicode punctuation 1; other symbols their UTF-8 length (byte
// fallback). A word right after a newline costs 0.5 more. Each newline and
// tab is 1 token, and so is a run of several spaces. A word's sum is
// rounded, with a minimum of 1.
//
// The rule is additive over words, so the chunker can sum the counts of
// the pieces it packs. Measured against the Mistral tokenizer on 263
// paragraphs (TestApproxTokensError): mean absolute error 5-9% per
// paragraph depending on the source (English prose, Markdown, Go code,
// French, Chinese), with totals within about ±7%.
func ApproxTokens(s string) int {
	var t tokenTally
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			if c == ' ' {
				t.endWord()
				t.spaces++
				t.prev = c
				continue
			}
			t.endSpaces()
			switch {
			case c >= 'a' && c <= 'z':
				t.inWord = true
				t.letters++
				// The common case: the rest of a lower-case run.
				for i < len(s) && s[i] >= 'a' && s[i] <= 'z' {
					t.letters++
					i++
				}
				c = s[i-1]
			case c >= 'A' && c <= 'Z':
				if t.letters > 0 && t.prev >= 'a' && t.prev <= 'z' {
					t.endRun() // camelCase hump
				}
				t.inWord = true
				t.letters++
				t.upper++
			case c == '\n' || c == '\t' || c == '\r':
				t.endWord()
				t.total++
				if c == '\n' {
					t.word = tokAfterNL // carried into the next word, if any
				}
			case c >= '0' && c <= '9':
				t.endRun()
				if !t.inWord {
					t.word++ // the "▁" piece before a leading digit
				}
				t.inWord = true
				t.word++
			default:
				t.endRun()
				t.inWord = true
				t.word += tokPunct
			}
			t.prev = c
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		t.prev = 0
		t.endSpaces()
		switch {
		case r == utf8.RuneError && n == 1:
			t.endRun()
			t.inWord = true
			t.word++
		case r >= 0xc0 && r <= 0x24f && r != 0xd7 && r != 0xf7:
			// An accented Latin letter continues the word's letter run.
			t.inWord = true
			t.letters++
			t.word += tokAccent
		case isCJK(r):
			t.endRun()
			if !t.inWord {
				t.word++ // "▁"
			}
			t.inWord = true
			t.word += tokCJK
		case unicode.IsSpace(r):
			t.endWord()
		case unicode.IsLetter(r):
			t.endRun()
			t.inWord = true
			t.word += tokOther
		case r >= 0x2000 && r <= 0x206f || r >= 0x3000 && r <= 0x303f || r >= 0xff00 && r <= 0xffef:
			t.endRun()
			t.inWord = true
			t.word++
		default:
			t.endRun()
			t.inWord = true
			t.word += float64(n)
		}
	}
	t.endWord()
	t.endSpaces()
	return t.total
}

// tokenTally is ApproxTokens' running state; methods rather than closures
// keep it on the stack and let the compiler inline them.
type tokenTally struct {
	total   int
	word    float64 // the current word's cost so far
	inWord  bool
	letters int // length of the current letter run
	upper   int // upper-case letters in it
	spaces  int // length of the current run of spaces
	prev    byte
}

func (t *tokenTally) endRun() {
	if t.letters > 0 {
		if t.upper == t.letters && t.letters >= 2 {
			t.word += max(1, float64(t.letters)*tokCaps)
		} else {
			t.word += max(1, 1+float64(t.letters-tokShort)/tokLetterRun)
		}
		t.letters, t.upper = 0, 0
	}
}

func (t *tokenTally) endWord() {
	t.endRun()
	if t.inWord {
		t.total += max(1, int(t.word+0.5))
	}
	t.word, t.inWord = 0, false
}

// endSpaces counts a run of several spaces as one token.
func (t *tokenTally) endSpaces() {
	if t.spaces > 1 {
		t.total++
	}
	t.spaces = 0
}

// isCJK reports Han, kana and Hangul characters.
func isCJK(r rune) bool {
	return r >= 0x3040 && r <= 0x30ff || // kana
		r >= 0x3400 && r <= 0x4dbf || r >= 0x4e00 && r <= 0x9fff || r >= 0xf900 && r <= 0xfaff || r >= 0x20000 && r <= 0x3ffff || // Han
		r >= 0xac00 && r <= 0xd7af || r >= 0x1100 && r <= 0x11ff // Hangul
}
