package citations

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Three passages written for these tests after the bash manual, the
// commander README and R's installation manual.
func supportSources() []Source {
	return []Source{
		{N: 1, DocName: "bash.pdf", Path: "bash/bash.pdf", Page: 30, Text: "HISTSIZE: The number of commands to remember in the command history. " +
			"If the value is 0, commands are not saved in the history list. Numeric values less than zero result in every " +
			"command being saved on the history list (there is no limit). The shell sets the default value to 500 after " +
			"reading any startup files."},
		{N: 2, DocName: "Readme.md", Path: "commander/v8.3.0/Readme.md", Headings: []string{"Options", "Required option"}, Text: "You may " +
			"specify a required (mandatory) option using .requiredOption(). The option must then have a value after parsing, " +
			"usually specified on the command line, or perhaps from a default value (say from environment). The method is " +
			"otherwise the same as .option() in format, taking flags and description, and optional default value or custom processing."},
		{N: 3, DocName: "R-admin.pdf", Path: "R/4.6.2/R-admin.pdf", Page: 12, Text: "The default paper size for PDF and " +
			"PostScript output is set by the environment variable R_PAPERSIZE when R is configured. Valid values are 'a4', " +
			"'letter', 'legal' and 'executive'. If it is unset, the configure script tries to use the paperconf command and " +
			"otherwise falls back to 'a4'."},
	}
}

// labelled are sentences with whether their citation backs them: near
// verbatim, paraphrased (other word order, some new words), wrong source,
// invented detail, contradicted number, no citation.
var labelled = []struct {
	kind, sentence string
	supported      bool
}{
	{"verbatim", "Bash remembers 500 commands in its history by default [1].", true},
	{"verbatim", "If HISTSIZE is 0, commands are not saved in the history list [1].", true},
	{"verbatim", "Use .requiredOption() to specify a mandatory option [2].", true},
	{"verbatim", "Valid values are a4, letter, legal and executive [3].", true},
	{"verbatim", "R_PAPERSIZE sets the default paper size when R is configured [3].", true},
	{"paraphrase", "A negative HISTSIZE means the history has no limit [1].", true},
	{"paraphrase", "After parsing, a required option must have a value, from the command line or a default [2].", true},
	{"paraphrase", "When nothing is set, configure tries paperconf and otherwise uses a4 [3].", true},
	{"paraphrase", "Apart from that, .requiredOption() takes flags and a description just like .option() [2].", true},
	{"paraphrase", "The shell only applies the 500 default once the startup files have been read [1].", true},
	{"two sources", "The history keeps 500 commands [1] and the paper size comes from R_PAPERSIZE [3].", true},
	{"wrong source", "Valid paper sizes are a4, letter, legal and executive [1].", false},
	{"wrong source", "Use .requiredOption() to specify a mandatory option [3].", false},
	{"invented", "Commander also validates required options against a JSON schema before running the action [2].", false},
	{"invented", "HISTSIZE can be synchronized across terminals with the histappend shell option [1].", false},
	{"invented", "On Windows the installer asks for the paper size in a dialog box [3].", false},
	{"contradicted number", "Bash keeps 1000 commands in its history by default [1].", false},
	{"contradicted number", "The required option needs Node.js 18 or later [2].", false},
	{"no citation", "The default paper size is a4.", false},
}

// TestSupportThreshold measures the support score of every labelled
// sentence, prints the table, and checks that SupportThreshold separates
// the supported from the unsupported ones.
func TestSupportThreshold(t *testing.T) {
	srcs := supportSources()
	type row struct {
		kind, sentence string
		supported      bool
		score          float64
		flagged        string
	}
	var rows []row
	for _, l := range labelled {
		var cited []Source
		for _, n := range Markers(l.sentence) {
			cited = append(cited, srcs[n-1])
		}
		r := row{kind: l.kind, sentence: l.sentence, supported: l.supported, score: supportScore(l.sentence, cited)}
		if us := CheckSupport(l.sentence, srcs); len(us) > 0 {
			r.flagged = us[0].Reason
		}
		rows = append(rows, r)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].score > rows[j].score })
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "\n  %.2f %-5v %-20s %-32q %s", r.score, r.supported, r.kind, r.flagged, r.sentence)
	}
	t.Logf("support scores (threshold %.2f):%s", SupportThreshold, b.String())
	for _, r := range rows {
		require.Equal(t, !r.supported, r.flagged != "", "%s: %q scored %.2f, flagged %q", r.kind, r.sentence, r.score, r.flagged)
	}
}

// supportScore is the coverage of a sentence's terms by the given sources,
// the number the threshold is compared with.
func supportScore(sentence string, srcs []Source) float64 {
	vocab := map[string]bool{}
	for _, s := range srcs {
		for _, t := range terms(sourceText(s)) {
			vocab[t.norm] = true
		}
	}
	return coverage(terms(markerRE.ReplaceAllString(sentence, " ")), func(t term) bool { return vocab[t.norm] })
}

func TestCheckSupport(t *testing.T) {
	srcs := supportSources()
	cases := []struct {
		name   string
		answer string
		want   []Unsupported
	}{
		{"all supported", "Bash remembers 500 commands by default [1]. Valid values are a4 and letter [3].", nil},
		{"marker after the period", "Bash remembers 500 commands by default. [1] Valid values are a4 and letter.[3]", nil},
		{"uncited sentence", "Bash remembers 500 commands by default [1]. It is a good default.",
			[]Unsupported{{"It is a good default.", "no citation"}}},
		{"number", "Bash remembers 2000 commands by default [1].",
			[]Unsupported{{"Bash remembers 2000 commands by default [1].", "number 2000 not found in [1]"}}},
		{"wrong source", "Valid values are a4, letter, legal and executive [2].",
			[]Unsupported{{"Valid values are a4, letter, legal and executive [2].", "not found in [2]"}}},
		{"marker to nowhere is no citation", "Bash remembers 500 commands [9].",
			[]Unsupported{{"Bash remembers 500 commands [9].", "no citation"}}},
		{"nothing valid cited: every sentence flagged", "Bash keeps 500 commands [7]. Paper is a4 [0].\n- Required options exist.",
			[]Unsupported{{"Bash keeps 500 commands [7].", "no citation"}, {"Paper is a4 [0].", "no citation"}, {"Required options exist.", "no citation"}}},
		{"two cited sources pooled", "The paper size is a4 and 500 commands are kept [1, 3].", nil},
		{"intro, list and code", "Do this:\n\n- Call .requiredOption() for a mandatory option [2].\n```js\nprogram.requiredOption('-c')\n```\n1. The value comes from the command line [2].", nil},
		{"not-found reply", NotFoundReply, nil},
		{"no content words", "Yes. [1]", nil},
		{"abbreviations do not split", "The value, e.g. 500, is the default [1].", nil},
		{"empty", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, CheckSupport(tc.answer, srcs))
		})
	}
}

func TestAnswerSentences(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"One [1]. Two [2].", []string{"One [1].", "Two [2]."}},
		{"One. [1] Two. [2, 3]", []string{"One. [1]", "Two. [2, 3]"}},
		{"Version 4.5.0 is out [1]. See p. 3 [2].", []string{"Version 4.5.0 is out [1].", "See p. 3 [2]."}},
		{"- a [1]\n- b [2]", []string{"a [1]", "b [2]"}},
		{"## Title\nText.", []string{"Title", "Text."}},
		{"Why? Because [1]! Done", []string{"Why?", "Because [1]!", "Done"}},
		{"x\n```\ncode. More code.\n```\ny", []string{"x", "y"}},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, answerSentences(tc.in), tc.in)
	}
}
