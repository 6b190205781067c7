package citations

import (
	_ "embed"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The support check and the relevance gate compare words, not meanings:
// lower-cased, stopwords removed, lightly stemmed so that "configure",
// "configured" and "configuration" meet, while numbers and identifiers
// ("4.5.0", "--no-sauce", "R_PAPERSIZE", "usePlugin") are kept whole and
// must match exactly.

// term is one word of a text as the comparisons see it.
type term struct {
	norm   string // lower-case, stemmed unless key
	number bool   // digits, possibly dotted: "3", "4.5.0", "0.25"
	key    bool   // an identifier, acronym, flag or number: must match as is
}

// terms splits text into its content terms, stopwords left out.
func terms(text string) []term {
	var out []term
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			i += size
			continue
		}
		start := i
		for i < len(text) {
			r, size = utf8.DecodeRuneInString(text[i:])
			if isWordRune(r) {
				i += size
				continue
			}
			// A connector joins two word runes: "4.5.0", "R_HOME",
			// "no-sauce", "commander's".
			if (r == '.' || r == '_' || r == '-' || r == '−' || r == '\'' || r == '’') && i+size < len(text) {
				next, _ := utf8.DecodeRuneInString(text[i+size:])
				if isWordRune(next) {
					i += size
					continue
				}
			}
			break
		}
		out = appendTerms(out, text[start:i], isFlag(text[:start]))
	}
	return out
}

// isFlag reports whether the text before a word ends in an option's
// dashes: " -v", "--telemetry" (pdftotext writes "−" for "-").
func isFlag(before string) bool {
	before = before[max(0, len(before)-8):] // "−" is 3 bytes; 2 dashes and a space at most
	before = strings.ReplaceAll(before, "−", "-")
	n := len(before)
	switch {
	case n >= 2 && before[n-1] == '-' && before[n-2] == '-':
		return true
	case n == 1 && before[0] == '-':
		return true
	case n >= 2 && before[n-1] == '-' && isSpaceByte(before[n-2]):
		return true
	}
	return false
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func isSpaceByte(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// appendTerms classifies one raw word (connectors included) and appends its
// terms. flag is true when the word was written as a command-line option.
func appendTerms(out []term, raw string, flag bool) []term {
	// Possessives: "commander's" is "commander".
	if strings.ContainsAny(raw, "'’−") {
		for _, s := range []string{"'s", "’s"} {
			raw = strings.TrimSuffix(raw, s)
		}
		raw = apostrophes.Replace(raw)
	}
	if raw == "" {
		return out
	}
	lower := strings.ToLower(raw)
	if isNumber(lower) {
		return append(out, term{norm: lower, number: true, key: true})
	}
	if n := strings.TrimPrefix(lower, "v"); n != lower && isNumber(n) {
		// "v2.20.3" is the version 2.20.3.
		return append(out, term{norm: n, number: true, key: true})
	}
	hasDigit := strings.IndexFunc(raw, unicode.IsDigit) >= 0
	switch {
	case strings.ContainsRune(raw, '.') && !hasDigit:
		// "program.opts" and "e.g": the parts are words of their own.
		for _, part := range strings.Split(raw, ".") {
			out = appendTerms(out, part, false)
		}
		return out
	case strings.ContainsRune(raw, '-') && !hasDigit && !flag:
		// "built-in" is "built" and "in"; "--no-sauce" stays whole.
		for _, part := range strings.Split(raw, "-") {
			out = appendTerms(out, part, false)
		}
		return out
	}
	if utf8.RuneCountInString(raw) < 2 {
		return out // "-v", "a", "I": too short to mean anything alone
	}
	key := flag || hasDigit || strings.ContainsRune(raw, '_') || isAcronym(raw) || isCamel(raw)
	if key {
		return append(out, term{norm: lower, key: true})
	}
	if utf8.RuneCountInString(lower) < 2 || stopwords[lower] {
		return out
	}
	return append(out, term{norm: stem(lower)})
}

var apostrophes = strings.NewReplacer("'", "", "’", "", "−", "-")

// isNumber reports digits with single dots between them: "3", "4.5.0".
func isNumber(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			if s[i-1] == '.' {
				return false
			}
			continue
		}
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isAcronym is two or more letters, all upper case: "CUDA", "NUT", "GPU".
func isAcronym(s string) bool {
	n := 0
	for _, r := range s {
		if !unicode.IsUpper(r) {
			return false
		}
		n++
	}
	return n >= 2
}

// isCamel is a lower-case letter followed by an upper-case one:
// "usePlugin", "LaTeX", "iPhone".
func isCamel(s string) bool {
	prevLower := false
	for _, r := range s {
		if prevLower && unicode.IsUpper(r) {
			return true
		}
		prevLower = unicode.IsLower(r)
	}
	return false
}

// stem strips common English endings, the same way on both sides of a
// comparison, so it only has to be consistent, not linguistically right.
func stem(w string) string {
	n := len(w)
	switch {
	case n > 7 && strings.HasSuffix(w, "ations"):
		w = w[:n-6]
	case n > 6 && strings.HasSuffix(w, "ation"):
		w = w[:n-5]
	case n > 4 && strings.HasSuffix(w, "ies"):
		w = w[:n-3] + "y"
	case n > 4 && strings.HasSuffix(w, "sses"):
		w = w[:n-2]
	case n > 5 && strings.HasSuffix(w, "ing"):
		w = w[:n-3]
	case n > 4 && strings.HasSuffix(w, "ed") && !strings.HasSuffix(w, "eed"):
		w = w[:n-2]
	case n > 5 && strings.HasSuffix(w, "ly"):
		w = w[:n-2]
	case n > 3 && strings.HasSuffix(w, "es") && strings.ContainsAny(w[n-3:n-2], "sxz"):
		w = w[:n-2]
	case n > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		w = w[:n-1]
	}
	// "running" -> "runn" -> "run"; "configure" and "configur(ed)" meet.
	if n := len(w); n > 3 && w[n-1] == w[n-2] && !strings.ContainsRune("aeiouls", rune(w[n-1])) {
		w = w[:n-1]
	}
	if n := len(w); n > 3 && w[n-1] == 'e' {
		w = w[:n-1]
	}
	return w
}

// stopwords are function words and the verbs every question uses ("how do
// I get", "tell me"): they say nothing about the documents.
var stopwords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a about above after again against all also am an and any are as at be because
	been before being below between both but by can cannot could did do does doing done down during each either
	etc few for from further had has have having he her here hers herself him himself his how i if in into is it
	its itself just me more most my myself no nor not now of off on once one only or other our ours ourselves out
	over own same she should so some such than that the their theirs them themselves then there these they this
	those through to too under until up very was we were what when where which while who whom whose why will
	with would you your yours yourself yourselves may might must shall us let lets
	get gets got use uses using used want wants need needs tell know please thing things way ways whats hows
	instead like eg ie e g yes ok okay sure`) {
		stopwords[w] = true
	}
}

//go:embed commonwords.txt
var commonWordsTxt string

// common holds the stems of the most common English words (see
// commonwords.README.md): a word found there says little about what a
// question or a sentence is about.
var common = func() map[string]bool {
	m := make(map[string]bool, 11000)
	for _, w := range strings.Fields(commonWordsTxt) {
		m[stem(w)] = true
	}
	return m
}()

// specific reports whether a term names something: an identifier, a
// number or a word outside common English.
func (t term) specific() bool { return t.key || !common[t.norm] }
