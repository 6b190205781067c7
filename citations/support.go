package citations

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The support check flags the sentences of an answer that its cited
// sources do not back. It is lexical, like the relevance gate: a sentence
// is supported when most of its content words (specificity-weighted, as in
// abstain.go) appear in the sources it cites, and every number it states
// appears there exactly. It catches what models get wrong most often in
// grounded answers: a claim with no citation, a citation to the wrong
// source, a number that is not the source's. It does not understand
// negation or paraphrase with new words; a flagged sentence is a prompt
// for the reader to check, not a verdict.

// SupportThreshold is the least specificity-weighted share of a sentence's
// content words that its cited sources must contain. Measured on the
// labelled sentences of support_test.go (TestSupportThreshold prints the
// table): verbatim and paraphrased sentences scored 0.75-1.00; invented
// details and wrong sources 0.00-0.31, contradicted numbers 0.17-0.44
// (those are caught by the number rule anyway). 0.5 sits in the gap.
const SupportThreshold = 0.5

// NotFoundReply is what the prompt tells the model to answer when the
// sources do not hold the answer; the support check does not flag it.
const NotFoundReply = "The documents do not contain the answer."

// Unsupported is a sentence of an answer that its sources do not back.
type Unsupported struct {
	Sentence string `json:"sentence"`
	Reason   string `json:"reason"` // "no citation", "not found in [2]", "number 500 not found in [2]"
}

// CheckSupport splits an answer into sentences and returns those that are
// unsupported, in order. Sentences without content words, introductions
// ending in ":", fenced code and the NotFoundReply are not checked.
func CheckSupport(answer string, sources []Source) []Unsupported {
	byN := map[int]Source{}
	for _, s := range sources {
		byN[s.N] = s
	}
	vocab := map[int]map[string]bool{} // source terms, built on first use
	var out []Unsupported
	for _, sent := range answerSentences(answer) {
		bare := markerRE.ReplaceAllString(sent, " ")
		words := terms(bare)
		if len(words) == 0 || strings.HasSuffix(strings.TrimSpace(bare), ":") || isNotFound(bare) {
			continue
		}
		var cited []int
		for _, n := range Markers(sent) {
			if _, ok := byN[n]; ok {
				cited = append(cited, n)
			}
		}
		if len(cited) == 0 {
			out = append(out, Unsupported{Sentence: sent, Reason: "no citation"})
			continue
		}
		has := func(norm string) bool {
			for _, n := range cited {
				if vocab[n] == nil {
					vocab[n] = map[string]bool{}
					for _, t := range terms(sourceText(byN[n])) {
						vocab[n][t.norm] = true
					}
				}
				if vocab[n][norm] {
					return true
				}
			}
			return false
		}
		where := "[" + joinInts(cited) + "]"
		if u, bad := checkSentence(sent, words, has, where); bad {
			out = append(out, u)
		}
	}
	return out
}

// checkSentence applies the number rule and the coverage threshold.
func checkSentence(sent string, words []term, has func(string) bool, where string) (Unsupported, bool) {
	for _, t := range words {
		if t.number && !has(t.norm) {
			return Unsupported{Sentence: sent, Reason: "number " + t.norm + " not found in " + where}, true
		}
	}
	if coverage(words, func(t term) bool { return has(t.norm) }) < SupportThreshold {
		return Unsupported{Sentence: sent, Reason: "not found in " + where}, true
	}
	return Unsupported{}, false
}

// coverage is the specificity-weighted share of distinct terms that has
// reports present: specific terms weigh 1, common words commonWeight.
// Without terms it is 1: there is nothing to miss.
func coverage(words []term, has func(term) bool) float64 {
	var total, got float64
	seen := map[string]bool{}
	for _, t := range words {
		if seen[t.norm] {
			continue
		}
		seen[t.norm] = true
		w := commonWeight
		if t.specific() {
			w = 1
		}
		total += w
		if has(t) {
			got += w
		}
	}
	if total == 0 {
		return 1
	}
	return got / total
}

func isNotFound(s string) bool {
	norm := func(x string) string { return strings.Join(strings.Fields(strings.ToLower(x)), " ") }
	return strings.HasPrefix(norm(s), strings.TrimSuffix(norm(NotFoundReply), "."))
}

var (
	fenceRE  = regexp.MustCompile("(?s)```.*?(```|$)")
	bulletRE = regexp.MustCompile(`^\s*(?:[-*+•]|\d+[.)]|#+)\s+`)
	// leadMarkersRE matches markers (and spaces) that open a piece of text:
	// in "Claim. [1] Next", "[1]" belongs to "Claim.".
	leadMarkersRE = regexp.MustCompile(`^(?:\s*\[\d+(?:\s*,\s*\d+)*\])+`)
)

// answerSentences splits an answer into sentences: by line (list items,
// paragraphs), then at ". ", "! ", "? " before an upper-case letter, a
// digit, a quote or a bracket. Markers right after a sentence's end stay
// with it. Fenced code is left out.
func answerSentences(answer string) []string {
	answer = fenceRE.ReplaceAllString(answer, "\n")
	var out []string
	for _, line := range strings.Split(answer, "\n") {
		line = bulletRE.ReplaceAllString(line, "")
		rest := strings.TrimSpace(line)
		for rest != "" {
			cut := sentenceEnd(rest)
			sent := rest[:cut]
			rest = rest[cut:]
			if m := leadMarkersRE.FindString(rest); m != "" {
				sent += m
				rest = rest[len(m):]
			}
			rest = strings.TrimSpace(rest)
			if sent = strings.TrimSpace(sent); sent != "" {
				out = append(out, sent)
			}
		}
	}
	return out
}

// sentenceEnd returns the length of the first sentence of s.
func sentenceEnd(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '.' && c != '!' && c != '?' {
			continue
		}
		j := i + 1
		if m := leadMarkersRE.FindString(s[j:]); m != "" {
			j += len(m) // "claim.[1] Next"
		}
		if j >= len(s) || s[j] != ' ' {
			continue
		}
		k := j
		for k < len(s) && s[k] == ' ' {
			k++
		}
		if k == len(s) {
			return len(s)
		}
		r, _ := utf8.DecodeRuneInString(s[k:])
		if unicode.IsUpper(r) || unicode.IsDigit(r) || strings.ContainsRune("\"'“‘([`*", r) {
			if isAbbrev(s[:i]) {
				continue
			}
			return i + 1
		}
	}
	return len(s)
}

// isAbbrev reports whether text ends in an abbreviation whose dot does not
// end a sentence: "e.g", "i.e", "p", "pp", "cf", "vs", "etc" (when followed
// by a capital, "etc." usually does end it, but rarely matters).
func isAbbrev(before string) bool {
	i := strings.LastIndexFunc(before, func(r rune) bool { return !unicode.IsLetter(r) && r != '.' })
	w := strings.ToLower(before[i+1:])
	switch w {
	case "e.g", "i.e", "p", "pp", "cf", "vs", "no", "fig", "sec", "ch", "vol", "mr", "dr", "ms":
		return true
	}
	return false
}
