package retrieval

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func texts(toks []token, keepStop bool) []string {
	var out []string
	for _, t := range toks {
		if t.stopword && !keepStop {
			continue
		}
		out = append(out, t.text)
	}
	return out
}

func TestTokenize(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string // BM25 terms, in order
	}{
		{"words are lowercased and stemmed", "Indexing Queries", []string{"index", "query"}},
		{"stop words are dropped", "the cat and the hat", []string{"cat", "hat"}},
		{"negations stay", "not supported", []string{"not", "support"}},
		{"version with v", "Released v0.3 today", []string{"releas", "v0", "3", "v0.3", "0.3", "today"}},
		{"dotted version", "upgrade to 2.4.1", []string{"upgrad", "2", "4", "1", "2.4.1"}},
		{"year and quarter", "Q3 2023", []string{"q3", "2023"}},
		{"cve id", "CVE-2024-1234 fixed", []string{"cve", "2024", "1234", "cve-2024-1234", "fix"}},
		{"file name", "reports/acme_2023-q3.pdf", []string{"report", "acm", "2023", "q3", "pdf",
			"reports/acme_2023-q3.pdf", "2023-q3.pdf", "2023-q3", "q3.pdf"}},
		{"path with a version", "manuals/widget-v2.4/install_guide.md", []string{"manual", "widget", "v2", "4", "install", "guid", "md",
			"manuals/widget-v2.4/install_guide.md", "widget-v2.4", "v2.4", "2.4", "guide.md"}},
		{"id with an extension", "cve-2024-1234.md", []string{"cve", "2024", "1234", "md", "cve-2024-1234.md", "cve-2024-1234", "1234.md"}},
		{"version with x", "v2.4.x", []string{"v2", "4", "x", "v2.4.x", "2.4.x", "v2.4", "2.4"}},
		{"trailing dot ends a sentence", "see 2.4. Next", []string{"see", "2", "4", "2.4", "next"}},
		{"unicode letters", "Größe Ünïcode", []string{"größ", "ünïcod"}},
		{"punctuation splits", "a,b;c (d)", []string{"b", "c", "d"}},
		{"too long tokens are dropped", strings.Repeat("x", 65) + " ok", []string{"ok"}},
		{"empty", "  \t\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, texts(tokenize(nil, tc.in), false))
		})
	}
}

func TestTokenizeFlagsStopwordsAndWholes(t *testing.T) {
	toks := tokenize(nil, "The v1.2")
	require.Len(t, toks, 5)
	require.True(t, toks[0].stopword)
	require.False(t, toks[1].whole) // "v1"
	require.True(t, toks[3].whole)  // "v1.2"
	require.True(t, toks[4].whole)  // "1.2"
}

func TestStem(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"indexes", "index"}, {"indexed", "index"}, {"indexing", "index"}, {"index", "index"},
		{"queries", "query"}, {"queried", "query"}, {"query", "query"},
		{"running", "run"}, {"runs", "run"}, {"installed", "install"}, {"passes", "pass"},
		{"embed", "emb"}, {"embedded", "emb"}, {"embedding", "emb"}, {"embeds", "emb"}, {"need", "need"}, {"needed", "need"},
		{"configure", "configur"}, {"configured", "configur"}, {"configuring", "configur"},
		{"status", "status"}, {"analysis", "analysis"}, {"class", "class"},
		{"string", "string"}, {"thing", "thing"}, {"bed", "bed"}, {"use", "use"}, {"is", "is"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			require.Equal(t, tc.want, stem(tc.in))
		})
	}
}
