package citations

import "strings"

// The relevance gate decides, before any model runs, whether the retrieved
// passages can hold the answer. Retrieval always returns its k best
// passages, even for "what is the capital of Australia?", so the gate looks
// at what the question asks for, document by document (the passages of one
// document pooled, with its name and headings):
//
//   - every specific term of the question (a word outside common English,
//     an identifier, an acronym, a number: "telemetry", "CUDA", "9") must
//     appear in the document's passages, alone or as the start of a longer
//     word ("ACM" in "acmart"). A question about something the documents
//     never name cannot be answered from them, however close the rest of
//     the wording is; and "MongoDB" in the R manual with "MathProg" in
//     GLPK's does not answer "how do I read MongoDB from MathProg";
//   - the question's terms, weighted by specificity (common words count
//     commonWeight, specific ones 1), must be found there for at least
//     MinCoverage of their weight.
//
// The question is relevant when one retrieved document passes both. A
// question comparing two documents ("commander 8.3.0 vs 9.5.0") can fail
// the first rule; the gate prefers abstaining to a guess there.
//
// The fused retrieval score is not used: it is reciprocal-rank fusion, a
// function of ranks only, and on the evaluation its top value overlapped
// completely between answerable (0.029-0.033) and unanswerable
// (0.016-0.033) questions. Measured on rag/eval: see abstain_test.go there.

// MinCoverage is the least specificity-weighted share of the question's
// terms a document must contain. On the evaluation (two retrieval versions)
// the answerable questions with no missing specific term had shares of
// 0.43, 0.57, then 0.67 and up; the unanswerable ones that got past the
// specific-term rule had 0.25 to 0.91, so a higher bar would cost about as
// many answers as it saves abstentions.
const MinCoverage = 0.5

// commonWeight is the weight of a common English word relative to a
// specific term: "how do I fix ..." should not fail on "fix".
const commonWeight = 0.25

// minPrefix is the shortest question word matched as a prefix.
const minPrefix = 3

// Relevance is the gate's verdict with its reasons, for logs and for the
// abstained answer.
type Relevance struct {
	Relevant bool
	// Coverage is the specificity-weighted share of the question's terms
	// found in the passages of the best document, 0..1.
	Coverage float64
	// Missing are the question's specific terms the best document's
	// passages do not contain.
	Missing []string
	// Reason says why the question is not relevant; "" when it is.
	Reason string
	// Document is the retrieved document that covers the question best,
	// the one the verdict is about.
	Document string
}

// Assess decides whether the top retrieved passages are relevant enough to
// the question to run the model on them. A question without content words
// ("what is it?") is judged relevant when there are passages: the gate has
// nothing to check it with.
func Assess(question string, top []Source) Relevance {
	if len(top) == 0 {
		return Relevance{Reason: "no passages were retrieved"}
	}
	var qs []term
	seen := map[string]bool{}
	for _, t := range terms(question) {
		if !seen[t.norm] {
			seen[t.norm] = true
			qs = append(qs, t)
		}
	}
	if len(qs) == 0 {
		return Relevance{Relevant: true, Coverage: 1}
	}
	// Passages are pooled by document: the answer may span two chunks of
	// one manual, but terms found in two unrelated documents ("MongoDB" in
	// the R manual, "MathProg" in GLPK's) do not make an answer.
	var docs []string
	found := map[string]map[string]bool{}
	for _, s := range top {
		d := docKey(s)
		if found[d] == nil {
			found[d] = map[string]bool{}
			docs = append(docs, d)
		}
		for _, t := range terms(sourceText(s)) {
			found[d][t.norm] = true
		}
	}
	// A question word also matches a longer word it begins ("ACM" in
	// "acmart", "app" in "application"): the stemmer is light on purpose.
	has := func(d string, t term) bool {
		if found[d][t.norm] {
			return true
		}
		if t.number || len(t.norm) < minPrefix {
			return false
		}
		for w := range found[d] {
			if strings.HasPrefix(w, t.norm) {
				return true
			}
		}
		return false
	}
	var best Relevance
	for i, d := range docs {
		var r Relevance
		r.Document = d
		for _, t := range qs {
			if t.specific() && !has(d, t) {
				r.Missing = append(r.Missing, t.norm)
			}
		}
		r.Coverage = coverage(qs, func(t term) bool { return has(d, t) })
		if i == 0 || len(r.Missing) < len(best.Missing) ||
			len(r.Missing) == len(best.Missing) && r.Coverage > best.Coverage {
			best = r
		}
	}
	switch {
	case len(best.Missing) > 0:
		best.Reason = "no document found mentions " + strings.Join(best.Missing, ", ")
	case best.Coverage < MinCoverage:
		best.Reason = "the passages found share too few of the question's words"
	default:
		best.Relevant = true
	}
	return best
}

// docKey names a source's document.
func docKey(s Source) string {
	switch {
	case s.Path != "":
		return s.Path
	case s.DocID != "":
		return s.DocID
	}
	return s.DocName
}

// Relevant reports whether the model should be run on the passages: the
// verdict of Assess.
func Relevant(question string, top []Source) bool { return Assess(question, top).Relevant }

// sourceText is what a source offers for matching: its text, document name
// and path, and headings.
func sourceText(s Source) string {
	var b strings.Builder
	b.WriteString(s.Text)
	for _, x := range append([]string{s.DocName, s.Path}, s.Headings...) {
		b.WriteByte('\n')
		b.WriteString(x)
	}
	return b.String()
}
