package citations

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTerms(t *testing.T) {
	cases := []struct {
		in   string
		want []term
	}{
		{"How do I configure the files?", []term{{norm: "configur"}, {norm: "fil"}}},
		{"configured configuration configuring", []term{{norm: "configur"}, {norm: "configur"}, {norm: "configur"}}},
		{"commander's --no-sauce flag", []term{{norm: "commander"}, {norm: "no-sauce", key: true}, {norm: "flag"}}},
		{"R 4.5.0 and v2.20.3, 500.", []term{{norm: "4.5.0", number: true, key: true}, {norm: "2.20.3", number: true, key: true}, {norm: "500", number: true, key: true}}},
		{"R_PAPERSIZE usePlugin CUDA C23", []term{{norm: "r_papersize", key: true}, {norm: "useplugin", key: true}, {norm: "cuda", key: true}, {norm: "c23", key: true}}},
		{"built-in program.opts() e.g.", []term{{norm: "built"}, {norm: "program"}, {norm: "opt"}}},
		{"set −e or -v", []term{{norm: "set"}}},
		{"Kubernetes clusters", []term{{norm: "kubernet"}, {norm: "cluster"}}},
		{"", nil},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, terms(tc.in), tc.in)
	}
}

func TestSpecific(t *testing.T) {
	cases := []struct {
		word     string
		specific bool
	}{
		{"difference", false}, {"work", false}, {"minimum", false}, {"printing", false},
		{"telemetry", true}, {"Kubernetes", true}, {"sanitize", true}, {"CUDA", true}, {"500", true}, {"usePlugin", true},
	}
	for _, tc := range cases {
		ts := terms(tc.word)
		require.Len(t, ts, 1, tc.word)
		require.Equal(t, tc.specific, ts[0].specific(), tc.word)
	}
}
