package citations

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMarkers(t *testing.T) {
	cases := []struct {
		text string
		want []int
	}{
		{"no markers", nil},
		{"a [1] b [2].", []int{1, 2}},
		{"both [2, 1] and [1]", []int{2, 1}},
		{"list [3,4,5]", []int{3, 4, 5}},
		{"not a marker [a] [ ] [1a]", nil},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, Markers(tc.text), tc.text)
	}
}

func TestCitedDropsUnknownNumbers(t *testing.T) {
	srcs := []Source{{N: 1, DocName: "a.pdf"}, {N: 2, DocName: "b.md"}}
	cited, dropped := Cited("x [2] y [7] z [1, 9]", srcs)
	require.Len(t, cited, 2)
	require.Equal(t, 2, cited[0].N)
	require.Equal(t, 1, cited[1].N)
	require.Equal(t, []int{7, 9}, dropped)
}

func TestLabel(t *testing.T) {
	require.Equal(t, "a.pdf, p. 3", Source{DocName: "a.pdf", Page: 3, PageEnd: 3}.Label())
	require.Equal(t, "a.pdf, pp. 3-4", Source{DocName: "a.pdf", Page: 3, PageEnd: 4}.Label())
	require.Equal(t, "r.md > Install > Linux", Source{DocName: "r.md", Headings: []string{"Install", "Linux"}}.Label())
	require.Equal(t, "t.txt", Source{DocName: "t.txt"}.Label())
}
