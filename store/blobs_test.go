package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func shaHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestBlobsPutOpen(t *testing.T) {
	dir := t.TempDir()
	b, err := OpenBlobs(dir)
	require.NoError(t, err)
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"small", []byte("%PDF-1.7 hello")},
		{"binary 1MiB+", randomBytes(1<<20+17, 1)},
	}
	for _, tc := range tests {
		sha, size, err := b.Put(bytes.NewReader(tc.data))
		require.NoError(t, err, tc.name)
		require.Equal(t, shaHex(tc.data), sha, tc.name)
		require.Equal(t, int64(len(tc.data)), size, tc.name)
		require.Equal(t, filepath.Join(dir, "originals", sha[:2], sha[2:]), b.Path(sha))

		f, err := b.Open(sha)
		require.NoError(t, err, tc.name)
		got, err := io.ReadAll(f)
		require.NoError(t, err)
		require.NoError(t, f.Close())
		require.True(t, bytes.Equal(tc.data, got), tc.name)
	}
	tmp, err := os.ReadDir(filepath.Join(dir, "originals", "tmp"))
	require.NoError(t, err)
	require.Empty(t, tmp, "no temp files left behind")
}

func TestBlobsDedup(t *testing.T) {
	dir := t.TempDir()
	b, err := OpenBlobs(dir)
	require.NoError(t, err)
	data := []byte("same bytes")
	sha1, _, err := b.Put(bytes.NewReader(data))
	require.NoError(t, err)
	st1, err := os.Stat(b.Path(sha1))
	require.NoError(t, err)
	sha2, size, err := b.Put(bytes.NewReader(data))
	require.NoError(t, err)
	require.Equal(t, sha1, sha2)
	require.Equal(t, int64(len(data)), size)
	st2, err := os.Stat(b.Path(sha1))
	require.NoError(t, err)
	require.True(t, os.SameFile(st1, st2), "the stored file is kept, not replaced")
	list, err := b.List()
	require.NoError(t, err)
	require.Equal(t, []string{sha1}, list)
}

func TestBlobsConcurrentPuts(t *testing.T) {
	b, err := OpenBlobs(t.TempDir())
	require.NoError(t, err)
	payloads := [][]byte{randomBytes(5000, 2), randomBytes(70000, 3), []byte("x")}
	var wg sync.WaitGroup
	errs := make(chan error, 24)
	for i := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := payloads[i%len(payloads)]
			sha, _, err := b.Put(bytes.NewReader(p))
			if err == nil && sha != shaHex(p) {
				err = errors.New("wrong hash " + sha)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	list, err := b.List()
	require.NoError(t, err)
	want := []string{shaHex(payloads[0]), shaHex(payloads[1]), shaHex(payloads[2])}
	slices.Sort(want)
	require.Equal(t, want, list)
	for _, p := range payloads {
		got, err := os.ReadFile(b.Path(shaHex(p)))
		require.NoError(t, err)
		require.True(t, bytes.Equal(p, got))
	}
}

type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("connection reset")
	}
	n := min(len(p), r.n)
	r.n -= n
	return n, nil
}

func TestBlobsPutReaderError(t *testing.T) {
	dir := t.TempDir()
	b, err := OpenBlobs(dir)
	require.NoError(t, err)
	_, _, err = b.Put(&failingReader{n: 100000})
	require.ErrorContains(t, err, "connection reset")
	list, err := b.List()
	require.NoError(t, err)
	require.Empty(t, list, "a failed Put stores nothing")
	tmp, err := os.ReadDir(filepath.Join(dir, "originals", "tmp"))
	require.NoError(t, err)
	require.Empty(t, tmp)
}

func TestBlobsRemoveList(t *testing.T) {
	b, err := OpenBlobs(t.TempDir())
	require.NoError(t, err)
	var all []string
	for i := range 5 {
		sha, _, err := b.Put(strings.NewReader(strings.Repeat("z", i+1)))
		require.NoError(t, err)
		all = append(all, sha)
	}
	slices.Sort(all)
	list, err := b.List()
	require.NoError(t, err)
	require.Equal(t, all, list)

	require.NoError(t, b.Remove(all[2]))
	_, err = b.Open(all[2])
	require.ErrorIs(t, err, ErrNotFound)
	require.ErrorIs(t, err, fs.ErrNotExist)
	require.ErrorIs(t, b.Remove(all[2]), ErrNotFound, "removing twice")
	list, err = b.List()
	require.NoError(t, err)
	require.Equal(t, slices.Delete(slices.Clone(all), 2, 3), list)
	_, err = os.Stat(filepath.Dir(b.Path(all[2])))
	if !errors.Is(err, fs.ErrNotExist) {
		// Another blob may share the fan-out folder; then it must stay.
		require.NoError(t, err)
	}
}

func TestBlobsBadHashes(t *testing.T) {
	dir := t.TempDir()
	b, err := OpenBlobs(dir)
	require.NoError(t, err)
	outside := filepath.Join(dir, "secret")
	require.NoError(t, os.WriteFile(outside, []byte("x"), 0o600))
	for _, sha := range []string{
		"", "ab", "../secret", "../../etc/passwd",
		strings.Repeat("A", 64), strings.Repeat("g", 64), strings.Repeat("a", 63), strings.Repeat("a", 65),
		"../" + strings.Repeat("a", 61),
	} {
		_, err := b.Open(sha)
		require.ErrorIs(t, err, ErrInvalid, "Open(%q)", sha)
		require.ErrorIs(t, b.Remove(sha), ErrInvalid, "Remove(%q)", sha)
	}
	_, err = os.Stat(outside)
	require.NoError(t, err)
	_, err = b.Open(strings.Repeat("a", 64))
	require.ErrorIs(t, err, ErrNotFound)
}

func TestBlobsListSkipsStrays(t *testing.T) {
	dir := t.TempDir()
	b, err := OpenBlobs(dir)
	require.NoError(t, err)
	sha, _, err := b.Put(strings.NewReader("real"))
	require.NoError(t, err)
	root := filepath.Join(dir, "originals")
	require.NoError(t, os.WriteFile(filepath.Join(root, "README"), []byte("x"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(root, sha[:2], "short"), []byte("x"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(root, "tmp", "put-123"), []byte("x"), 0o600))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "zz", strings.Repeat("a", 62)), 0o750))
	list, err := b.List()
	require.NoError(t, err)
	require.Equal(t, []string{sha}, list)
}

func TestOpenBlobsRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	_, err := OpenBlobs(dir)
	require.NoError(t, err)
	tmp := filepath.Join(dir, "originals", "tmp")
	stale, fresh := filepath.Join(tmp, "put-old"), filepath.Join(tmp, "put-new")
	require.NoError(t, os.WriteFile(stale, []byte("half"), 0o600))
	require.NoError(t, os.WriteFile(fresh, []byte("in progress"), 0o600))
	old := time.Now().Add(-2 * time.Hour)
	require.NoError(t, os.Chtimes(stale, old, old))

	_, err = OpenBlobs(dir)
	require.NoError(t, err)
	_, err = os.Stat(stale)
	require.ErrorIs(t, err, fs.ErrNotExist, "a temp file from a dead Put is removed")
	_, err = os.Stat(fresh)
	require.NoError(t, err, "a temp file that may belong to a running Put is kept")
}

func TestOpenBlobsBadDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o600))
	_, err := OpenBlobs(file)
	require.ErrorContains(t, err, "open originals store")
}
