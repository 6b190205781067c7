package citations

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAssess(t *testing.T) {
	top := supportSources()
	cases := []struct {
		question string
		relevant bool
		missing  []string
	}{
		{"How many commands does bash keep in its history by default?", true, nil},
		{"What does HISTSIZE do?", true, nil},
		{"In commander 8.3.0, how do I make an option mandatory?", true, nil},
		{"Which values can R_PAPERSIZE take in R 4.6.2?", true, nil},
		{"What does the --telemetry flag do?", false, []string{"telemetry"}},
		{"Can commander 9.5.0 make an option mandatory?", false, []string{"9.5.0"}},
		{"How do I configure R to use CUDA?", false, []string{"cuda"}},
		{"How do I bake sourdough bread?", false, []string{"sourdough"}},
		{"Who wrote the novel Pride and Prejudice?", false, nil},
		{"what is it?", true, nil},
		// Only common words, a quarter of them found: below MinCoverage.
		{"Which diary or journal does the shell keep?", false, nil},
	}
	for _, tc := range cases {
		t.Run(tc.question, func(t *testing.T) {
			r := Assess(tc.question, top)
			require.Equal(t, tc.relevant, r.Relevant, "%+v", r)
			require.Equal(t, tc.relevant, Relevant(tc.question, top))
			require.Equal(t, tc.missing, r.Missing)
			require.Equal(t, tc.relevant, r.Reason == "", r.Reason)
		})
	}
	r := Assess("anything", nil)
	require.False(t, r.Relevant)
	require.NotEmpty(t, r.Reason)
}

func TestAssessPerDocumentAndPrefix(t *testing.T) {
	top := []Source{
		{N: 1, Path: "R/R-data.pdf", Text: "Package mongolite is a client for MongoDB databases."},
		{N: 2, Path: "glpk/gmpl.pdf", Text: "The table statement of MathProg reads CSV files."},
		{N: 3, Path: "latex/acmart.pdf", Text: "The acmart template uses booktabs for tables; separate header rows with midrule."},
		{N: 4, Path: "glpk/gmpl.pdf", Text: "Data can also come from ODBC and MySQL databases."},
	}
	cases := []struct {
		question string
		relevant bool
		doc      string
	}{
		// Both words are found, but in two unrelated documents.
		{"How do I read a MongoDB database from MathProg?", false, ""},
		// Two passages of one document pool their words.
		{"Can MathProg read tables from MySQL databases?", true, "glpk/gmpl.pdf"},
		// "ACM" begins "acmart".
		{"Which package does the ACM template use for tables?", true, "latex/acmart.pdf"},
	}
	for _, tc := range cases {
		t.Run(tc.question, func(t *testing.T) {
			r := Assess(tc.question, top)
			require.Equal(t, tc.relevant, r.Relevant, "%+v", r)
			if tc.relevant {
				require.Equal(t, tc.doc, r.Document)
			}
		})
	}
}
