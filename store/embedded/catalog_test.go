package embedded

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/quirehq/quire/store"
	"github.com/quirehq/quire/store/storetest"
)

// Child modes: the test binary re-executes itself with one of these set.
const (
	envCrashChild = "QUIRE_EMBEDDED_CRASH_CHILD" // commit forever, acknowledging each commit
	envHoldChild  = "QUIRE_EMBEDDED_HOLD_CHILD"  // open the catalog and hold it until stdin closes
)

func TestMain(m *testing.M) {
	if path := os.Getenv(envCrashChild); path != "" {
		os.Exit(crashChild(path))
	}
	if path := os.Getenv(envHoldChild); path != "" {
		os.Exit(holdChild(path))
	}
	code := m.Run()
	if benchCat != nil { // built by the benchmarks, shared between them
		benchCat.Close()
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

func openTemp(t *testing.T) *Catalog {
	t.Helper()
	c, err := Open(filepath.Join(t.TempDir(), "catalog.db"))
	require.NoError(t, err)
	return c
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Catalog { return openTemp(t) })
}

func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "dir", "catalog.db") // folders are created
	c, err := Open(path)
	require.NoError(t, err)
	d := store.Document{ID: "d1", Name: "a.md", Status: store.StatusReady}
	chunks := []store.Chunk{
		{ID: "c0", Seq: 0, Text: "first", Embedding: []float32{1, 2, 3}},
		{ID: "c1", Seq: 1, Text: "second", HeadingPath: []string{"H"}, Embedding: []float32{-1, 0.5, 0}},
	}
	require.NoError(t, c.CommitChunks(ctx, d, chunks))
	require.NoError(t, c.PutDocument(ctx, store.Document{ID: "d2", Name: "b.md"}))
	wantDoc, err := c.GetDocument(ctx, "d1")
	require.NoError(t, err)
	wantV, err := c.Version(ctx)
	require.NoError(t, err)
	require.NoError(t, c.Close())

	c, err = Open(path)
	require.NoError(t, err)
	defer c.Close()
	gotDoc, err := c.GetDocument(ctx, "d1")
	require.NoError(t, err)
	require.Equal(t, wantDoc, gotDoc)
	gotV, err := c.Version(ctx)
	require.NoError(t, err)
	require.Equal(t, wantV, gotV)
	got, err := c.Chunks(ctx, "d1")
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, []float32{-1, 0.5, 0}, got[1].Embedding)
	require.Equal(t, []string{"H"}, got[1].HeadingPath)
	all, err := c.ListDocuments(ctx, store.DocumentFilter{})
	require.NoError(t, err)
	require.Len(t, all, 2)
	require.Equal(t, store.DefaultCollection, all[1].Collection)
}

// TestVersionCounts: in this backend the version is exactly the number of
// committed mutations, and it survives a reopen.
func TestVersionCounts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	c, err := Open(path)
	require.NoError(t, err)
	d := store.Document{ID: "d", Name: "d"}
	ops := []func() error{
		func() error { return c.PutDocument(ctx, d) },
		func() error { return c.CommitChunks(ctx, d, []store.Chunk{{ID: "x", Text: "x"}}) },
		func() error { return c.CommitChunks(ctx, d, nil) },
		func() error { return c.DeleteDocument(ctx, "d") },
	}
	for i, op := range ops {
		require.NoError(t, op())
		v, err := c.Version(ctx)
		require.NoError(t, err)
		require.Equal(t, uint64(i+1), v)
	}
	require.NoError(t, c.Close())
	c, err = Open(path)
	require.NoError(t, err)
	defer c.Close()
	v, err := c.Version(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(len(ops)), v)
}

func TestOpenRefusesNewerFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "catalog.db")
	c, err := Open(path)
	require.NoError(t, err)
	require.NoError(t, c.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyFormat, binary.BigEndian.AppendUint64(nil, format+1))
	}))
	require.NoError(t, c.Close())
	_, err = Open(path)
	require.ErrorContains(t, err, "format 2 is not supported")
}

func TestOpenBadFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		setup   func(path string) error
		wantErr string
	}{
		{"not a database", func(p string) error {
			return os.WriteFile(p, []byte("this is a text file, not a catalog, and it is long enough"), 0o600)
		}, "open catalog"},
		{"a folder", func(p string) error { return os.Mkdir(p, 0o750) }, "open catalog"},
	}
	for _, tc := range tests {
		path := filepath.Join(dir, tc.name)
		require.NoError(t, tc.setup(path))
		_, err := Open(path)
		require.ErrorContains(t, err, tc.wantErr, tc.name)
	}
}

// TestOpenLockedByOtherProcess: a second process holding the file makes
// Open fail fast with store.ErrLocked, and succeed once it is gone.
func TestOpenLockedByOtherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "catalog.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envHoldChild+"="+path)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "ready\n", line)

	_, err = Open(path)
	require.ErrorIs(t, err, store.ErrLocked)
	require.ErrorContains(t, err, path)

	require.NoError(t, stdin.Close())
	require.NoError(t, cmd.Wait())
	c, err := Open(path)
	require.NoError(t, err)
	require.NoError(t, c.Close())
}

func holdChild(path string) int {
	c, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer c.Close()
	fmt.Println("ready")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // returns when the parent closes stdin
	return 0
}

// TestDecodeTruncated: a damaged chunk value gives an error, never a panic.
func TestDecodeTruncated(t *testing.T) {
	c := store.Chunk{
		ID: "id", Collection: "col", Text: "some text", PageStart: 1, PageEnd: 300, CharStart: 5, CharEnd: 70000,
		HeadingPath: []string{"a", "bb"}, Embedding: []float32{1, 2, 3},
	}
	k, v := chunkKey("doc", 7), encodeChunk(c)
	got, err := decodeChunk(k, v)
	require.NoError(t, err)
	c.DocID, c.Seq = "doc", 7
	require.Equal(t, c, got)
	for n := range len(v) {
		_, err := decodeChunk(k, v[:n])
		require.Error(t, err, "prefix of %d bytes", n)
	}
	_, err = decodeChunk(k, append(v[:len(v):len(v)], 0))
	require.Error(t, err, "trailing byte")
	for n := range len(k) {
		_, err := decodeChunk(k[:n], v)
		require.Error(t, err, "key prefix of %d bytes", n)
	}
	v2 := append([]byte{}, v...)
	v2[0] = 99
	_, err = decodeChunk(k, v2)
	require.ErrorContains(t, err, "unknown chunk format")
}
