package rag

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/quirehq/quire/citations"
)

// The extractive answerer quotes the sentences of the retrieved passages
// that share the most informative words with the question. It is the
// answer Quire gives without a model, and never says anything the sources
// do not.

const (
	maxQuoted      = 3   // sentences in an answer
	maxQuotedWords = 120 // words in an answer
	minSentence    = 4   // words in a quotable sentence
)

type sentence struct {
	src   int // index into sources
	text  string
	score float64
}

// extractiveAnswer returns the answer text with [n] markers, or "" when no
// sentence shares an informative word with the question.
func extractiveAnswer(question string, sources []citations.Source) string {
	qterms := map[string]bool{}
	for _, w := range contentWords(question) {
		qterms[w] = true
	}
	if len(qterms) == 0 || len(sources) == 0 {
		return ""
	}
	var cands []sentence
	df := map[string]int{}
	for i, src := range sources {
		for _, s := range splitSentences(src.Text) {
			words := contentWords(s)
			if len(strings.Fields(s)) < minSentence {
				continue
			}
			seen := map[string]bool{}
			for _, w := range words {
				if qterms[w] && !seen[w] {
					seen[w] = true
					df[w]++
				}
			}
			cands = append(cands, sentence{src: i, text: s})
		}
	}
	n := float64(len(cands))
	for i := range cands {
		seen := map[string]bool{}
		var score float64
		for _, w := range contentWords(cands[i].text) {
			if qterms[w] && !seen[w] {
				seen[w] = true
				score += math.Log(1 + n/float64(df[w]))
			}
		}
		if score == 0 {
			continue
		}
		// Coverage of the question matters more than one lucky word; earlier
		// (better ranked) passages break ties.
		coverage := float64(len(seen)) / float64(len(qterms))
		score *= 0.5 + coverage
		score /= 1 + 0.08*float64(cands[i].src)
		cands[i].score = score
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	if len(cands) == 0 || cands[0].score == 0 {
		return ""
	}
	best := cands[0].score
	var picked []sentence
	words := 0
	for _, c := range cands {
		if c.score < best*0.5 || len(picked) == maxQuoted {
			break
		}
		w := len(strings.Fields(c.text))
		if len(picked) > 0 && words+w > maxQuotedWords {
			continue
		}
		dup := false
		for _, p := range picked {
			if p.text == c.text {
				dup = true
			}
		}
		if dup {
			continue
		}
		picked = append(picked, c)
		words += w
	}
	var b strings.Builder
	for i, p := range picked {
		if i > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString("“")
		b.WriteString(p.text)
		b.WriteString("” [")
		b.WriteString(strconv.Itoa(sources[p.src].N))
		b.WriteString("]")
	}
	return b.String()
}

// splitSentences cuts text at sentence ends (. ! ? followed by space and
// an upper-case letter or digit), at blank lines, and after short lines
// without end punctuation (headings and titles), so a heading is never
// glued to the sentence below it.
func splitSentences(text string) []string {
	var out []string
	for _, para := range strings.Split(text, "\n\n") {
		for _, block := range splitHeadingLines(para) {
			out = append(out, splitProse(strings.Join(strings.Fields(block), " "))...)
		}
	}
	return out
}

// splitHeadingLines separates heading-like lines (at most 8 words, no end
// punctuation, followed by a line that starts a new sentence) from the
// wrapped prose around them.
func splitHeadingLines(para string) []string {
	var lines []string
	for _, line := range strings.Split(para, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	var blocks, cur []string
	for i, line := range lines {
		last := line[len(line)-1]
		nextStarts := i+1 == len(lines) || startsSentence(lines[i+1])
		if len(strings.Fields(line)) <= 8 && !strings.ContainsRune(".!?,;:)", rune(last)) && nextStarts {
			if len(cur) > 0 {
				blocks = append(blocks, strings.Join(cur, " "))
				cur = nil
			}
			blocks = append(blocks, line)
			continue
		}
		cur = append(cur, line)
	}
	if len(cur) > 0 {
		blocks = append(blocks, strings.Join(cur, " "))
	}
	return blocks
}

func startsSentence(line string) bool {
	for _, r := range line {
		return unicode.IsUpper(r) || unicode.IsDigit(r)
	}
	return false
}

func splitProse(para string) []string {
	var out []string
	start := 0
	for i := 0; i+2 < len(para); i++ {
		c := para[i]
		if (c == '.' || c == '!' || c == '?') && para[i+1] == ' ' {
			next := rune(para[i+2])
			if unicode.IsUpper(next) || unicode.IsDigit(next) || next == '"' || next == '(' {
				if s := strings.TrimSpace(para[start : i+1]); s != "" {
					out = append(out, s)
				}
				start = i + 2
			}
		}
	}
	if s := strings.TrimSpace(para[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

var stopwords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a about above after again against all am an and any are as at be because been
	before being below between both but by can could did do does doing down during each few for from further had
	has have having he her here hers herself him himself his how i if in into is it its itself just me more most my
	myself no nor not now of off on once only or other our ours ourselves out over own same she should so some such
	than that the their theirs them themselves then there these they this those through to too under until up very
	was we were what when where which while who whom why will with would you your yours yourself yourselves
	get use using used want need tell know please whats hows`) {
		stopwords[w] = true
	}
}

// contentWords lowercases text and returns its words that are not stopwords,
// with a plural "s" stripped so "files" matches "file".
func contentWords(text string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if len(w) < 2 || stopwords[w] {
			continue
		}
		if len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") {
			w = w[:len(w)-1]
		}
		out = append(out, w)
	}
	return out
}
