package pdfrecall

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPageRecall(t *testing.T) {
	tests := []struct {
		name, ours, ref string
		want            float64
		words           int
	}{
		{"identical", "The quick brown fox", "the quick brown fox", 1, 4},
		{"short words ignored", "a an", "a an to", 1, 0},
		{"multiset counts", "echo", "echo echo", 0.5, 2},
		{"glued words miss", "quickbrown", "quick brown", 0, 2},
		{"broken words miss", "q u i c k", "quick", 0, 1},
		{"extra words do not hurt", "alpha beta gamma", "alpha", 1, 1},
		{"unicode letters", "Ешьте ещё", "ешьте", 1, 1},
		{"composed and decomposed accents match", "Gröbner", "Gro\u0308bner", 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, n := PageRecall(tc.ours, tc.ref)
			require.InDelta(t, tc.want, got, 1e-9)
			require.Equal(t, tc.words, n)
		})
	}
}

func TestCompare(t *testing.T) {
	d, err := Compare("doc", []string{"alpha beta", "", "gamma"}, []string{"alpha beta", "", "gamma delta"})
	require.NoError(t, err)
	require.InDelta(t, 0.75, d.Recall, 1e-9)
	require.Equal(t, 3, d.WorstAt)
	_, err = Compare("doc", []string{"a"}, []string{"a", "b"})
	require.Error(t, err)
	require.Equal(t, []string{"delta"}, Missed("gamma", "gamma delta"))
}
