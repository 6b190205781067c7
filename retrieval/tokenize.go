package retrieval

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxTokenLen bounds a token in bytes: longer runs are hashes, base64 or
// junk, and would only bloat the vocabulary.
const maxTokenLen = 64

// token is one unit of text as both BM25 and the hashing embedder see it.
//
// A "compound" is a run of letters and digits joined by single . - _ / :
// characters ("v0.3", "2.4.1", "cve-2024-1234", "q3_report.pdf"). Its parts
// come out as ordinary words (stemmed when purely alphabetic) and the
// compound itself comes out once more, whole and unstemmed, so that it is
// findable both whole and by parts. A version written "v0.3" also yields
// "0.3".
type token struct {
	text     string // lowercased; stemmed when stem is set
	raw      string // lowercased, unstemmed
	whole    bool   // a whole compound (or its v-less variant), not a word
	stopword bool
}

// isConnector reports whether c may join two parts of a compound.
func isConnector(c byte) bool {
	return c == '.' || c == '-' || c == '_' || c == '/' || c == ':'
}

// isWordRune reports whether r belongs to a word: Unicode letters and digits.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// tokenize appends the tokens of s to dst. Words are lowercased; alphabetic
// words are stemmed; stop words are flagged, not dropped (BM25 drops them, the
// embedder keeps them in bigrams).
func tokenize(dst []token, s string) []token {
	s = strings.ToLower(s)
	var spans [32][2]int // byte spans of the parts of the current compound
	i := 0
	for i < len(s) {
		// Skip to the start of a word.
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if !isWordRune(r) {
			i += size
			continue
		}
		np := 0
		for {
			// Read one part.
			ps := i
			for i < len(s) {
				r, size = rune(s[i]), 1
				if r >= utf8.RuneSelf {
					r, size = utf8.DecodeRuneInString(s[i:])
				}
				if !isWordRune(r) {
					break
				}
				i += size
			}
			if np < len(spans) {
				spans[np] = [2]int{ps, i}
				np++
			}
			// A single connector followed by a word character continues the compound.
			if i+1 < len(s) && isConnector(s[i]) {
				r, _ = utf8.DecodeRuneInString(s[i+1:])
				if isWordRune(r) {
					i++
					continue
				}
			}
			break
		}
		for _, sp := range spans[:np] {
			dst = appendWord(dst, s[sp[0]:sp[1]])
		}
		if np > 1 {
			dst = appendCompounds(dst, s, spans[:np])
		}
	}
	return dst
}

// appendCompounds appends the whole compound made of the parts at spans, and
// the smaller compounds inside it that people search for: the segments
// between / _ : ("widget-v2.4" in "manuals/widget-v2.4/guide.md"), the dotted
// runs inside a segment ("v2.4" in "widget-v2.4"), a segment without its file
// extension ("cve-2024-1234" in "cve-2024-1234.md"), and a version without
// its v ("2.4" for "v2.4").
func appendCompounds(dst []token, s string, spans [][2]int) []token {
	var seen [16]string
	ns := 0
	emit := func(lo, hi int) { // parts lo..hi-1
		if hi-lo < 2 {
			return
		}
		t := s[spans[lo][0]:spans[hi-1][1]]
		if len(t) > maxTokenLen {
			return
		}
		for _, v := range seen[:ns] {
			if v == t {
				return
			}
		}
		if ns < len(seen) {
			seen[ns] = t
			ns++
		}
		dst = append(dst, token{text: t, raw: t, whole: true})
		if t[0] == 'v' && t[1] >= '0' && t[1] <= '9' {
			dst = append(dst, token{text: t[1:], raw: t[1:], whole: true})
		}
	}
	// sep is the connector after part k.
	sep := func(k int) byte { return s[spans[k][1]] }
	emit(0, len(spans))
	for lo := 0; lo < len(spans); {
		hi := lo + 1
		for hi < len(spans) && sep(hi-1) != '/' && sep(hi-1) != '_' && sep(hi-1) != ':' {
			hi++
		}
		emit(lo, hi)
		// Without a file extension: a last part of 1-4 letters after a dot.
		if hi-lo > 2 && sep(hi-2) == '.' && isExtension(s[spans[hi-1][0]:spans[hi-1][1]]) {
			emit(lo, hi-1)
		}
		for dl := lo; dl < hi; {
			dh := dl + 1
			for dh < hi && sep(dh-1) == '.' {
				dh++
			}
			emit(dl, dh)
			dl = dh
		}
		lo = hi
	}
	return dst
}

func isExtension(p string) bool {
	if len(p) == 0 || len(p) > 4 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 'a' || p[i] > 'z' {
			return false
		}
	}
	return true
}

// appendWord appends one word, stemmed if it has no digits.
func appendWord(dst []token, w string) []token {
	if len(w) > maxTokenLen {
		return dst
	}
	t := token{text: w, raw: w, stopword: stopwords[w]}
	if !t.stopword && !hasDigit(w) {
		t.text = stem(w)
	}
	return append(dst, t)
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}

// stopwords are common English function words. BM25 ignores them (they carry
// no signal and make posting lists huge); the embedder down-weights them.
// "no", "not", "off", "on" and "up" are kept out on purpose: they change what
// a passage means ("not supported", "turn off").
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about above after again against all am an and any are as at
		be because been before being below between both but by can could did do does doing
		during each few for from further had has have having he her here hers herself him himself
		his how i if in into is it its itself just me more most my myself nor of once only or other
		our ours ourselves over own same she should so some such than that the their theirs them
		themselves then there these they this those through to too under until very was we were what
		when where which while who whom why will with would you your yours yourself yourselves`) {
		m[w] = true
	}
	return m
}()
