package retrieval

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func cosine(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestHashEmbedderIdentity(t *testing.T) {
	for _, tc := range []struct {
		dim, wantDim int
		wantID       string
	}{{0, 384, "hash-v1-384"}, {-3, 384, "hash-v1-384"}, {64, 64, "hash-v1-64"}, {1024, 1024, "hash-v1-1024"}} {
		e := NewHashEmbedder(tc.dim)
		require.Equal(t, tc.wantDim, e.Dim())
		require.Equal(t, tc.wantID, e.ID())
	}
}

func TestHashEmbedderDeterministicAndNormalized(t *testing.T) {
	e := NewHashEmbedder(384)
	in := []string{
		"Install the server with the default configuration.",
		"Größe und Länge — Unicode text.",
		"v2.4.1 CVE-2024-1234 Q3 2023",
		"x",
		"",
		"!!! ...",
	}
	a, err := e.Embed(context.Background(), in)
	require.NoError(t, err)
	b, err := NewHashEmbedder(384).Embed(context.Background(), in)
	require.NoError(t, err)
	require.Equal(t, a, b, "two embedders give the same vectors")
	for i, v := range a {
		require.Len(t, v, 384)
		n := math.Sqrt(cosine(v, v))
		if strings.TrimFunc(in[i], func(r rune) bool { return !isWordRune(r) }) == "" {
			require.Zero(t, n, "text without words %q gives the zero vector", in[i])
			continue
		}
		require.InDelta(t, 1, n, 1e-5, "vector %d is L2-normalized", i)
	}
	// A batch large enough to be spread over goroutines gives the same
	// vectors as one text at a time.
	many := make([]string, 300)
	for i := range many {
		many[i] = in[i%len(in)] + strings.Repeat(" word", i%7)
	}
	batch, err := e.Embed(context.Background(), many)
	require.NoError(t, err)
	for i := range many {
		one, err := e.Embed(context.Background(), many[i:i+1])
		require.NoError(t, err)
		require.Equal(t, one[0], batch[i])
	}
}

func TestHashEmbedderSimilarity(t *testing.T) {
	e := NewHashEmbedder(384)
	for _, tc := range []struct{ anchor, near, far string }{
		{"How do I install the server on Linux?", "Installing the server on a Linux machine", "Quarterly revenue grew by ten percent"},
		{"reset the administrator password", "password reset for administrators", "the fan speed depends on temperature"},
		{"configure TLS certificates", "TLS certificate configuration", "meeting notes from Tuesday"},
		{"embedding models", "embedded model", "printer firmware"}, // inflections and character n-grams
	} {
		t.Run(tc.anchor, func(t *testing.T) {
			v, err := e.Embed(context.Background(), []string{tc.anchor, tc.near, tc.far})
			require.NoError(t, err)
			near, far := cosine(v[0], v[1]), cosine(v[0], v[2])
			t.Logf("near %.3f far %.3f", near, far)
			require.Greater(t, near, far+0.1, "near %.3f, far %.3f", near, far)
		})
	}
}

func TestHashEmbedderCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := NewHashEmbedder(64).Embed(ctx, make([]string, 1000))
	require.ErrorIs(t, err, context.Canceled)
}
