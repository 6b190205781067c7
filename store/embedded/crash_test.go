package embedded

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/quirehq/quire/store"
)

// The crash child runs an endless, numbered series of commits: step i
// either adds document n-i (even i) or replaces shared document s-(i/2%3)
// with generation i (odd i). After each commit returns it prints "i", the
// acknowledgement. The parent kills it with SIGKILL and checks that every
// acknowledged step is there and that nothing is half there.

const crashChunkDim = 384

func crashDoc(step int) store.Document {
	var d store.Document
	if step%2 == 0 {
		d = store.Document{ID: fmt.Sprintf("n-%d", step), Name: fmt.Sprintf("new/%d.md", step)}
	} else {
		slot := step / 2 % 3
		d = store.Document{ID: fmt.Sprintf("s-%d", slot), Name: fmt.Sprintf("shared/%d.md", slot)}
	}
	d.Status = store.StatusReady
	d.Title = fmt.Sprintf("step %d", step)
	return d
}

// crashChunks varies the count so that a torn commit would show.
func crashChunks(d store.Document, step int) []store.Chunk {
	n := 5 + step*13%40
	out := make([]store.Chunk, n)
	for i := range out {
		emb := make([]float32, crashChunkDim)
		for j := range emb {
			emb[j] = float32(step*1000+i) + float32(j)/1024
		}
		out[i] = store.Chunk{
			ID:        fmt.Sprintf("%s/%d/%d", d.ID, step, i),
			Seq:       i,
			Text:      fmt.Sprintf("step %d chunk %d %s", step, i, strings.Repeat("x", 500)),
			Embedding: emb,
		}
	}
	return out
}

func crashChild(path string) int {
	c, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	start, err := strconv.Atoi(os.Getenv("QUIRE_EMBEDDED_CRASH_START"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	out := bufio.NewWriter(os.Stdout)
	for step := start; ; step++ {
		d := crashDoc(step)
		if err := c.CommitChunks(context.Background(), d, crashChunks(d, step)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Fprintln(out, step)
		out.Flush()
	}
}

// runCrashChild starts a child at step start, waits for acks acknowledged
// commits, kills it, and returns the last acknowledged step.
func runCrashChild(t *testing.T, path string, start, acks int, delay time.Duration) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envCrashChild+"="+path, "QUIRE_EMBEDDED_CRASH_START="+strconv.Itoa(start))
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())

	last := start - 1
	sc := bufio.NewScanner(stdout)
	for n := 0; n < acks && sc.Scan(); n++ {
		step, err := strconv.Atoi(sc.Text())
		require.NoError(t, err)
		require.Equal(t, last+1, step)
		last = step
	}
	require.NoError(t, sc.Err())
	require.Equal(t, start+acks-1, last, "child stopped early")
	time.Sleep(delay)
	require.NoError(t, cmd.Process.Kill())
	// Acks written before the kill count too.
	for sc.Scan() {
		step, err := strconv.Atoi(sc.Text())
		require.NoError(t, err)
		require.Equal(t, last+1, step)
		last = step
	}
	err = cmd.Wait()
	require.Error(t, err, "the child must have been killed")
	return last
}

func TestCrashKeepsWholeTransactions(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	rng := rand.New(rand.NewPCG(1, 2))
	next := 0
	for round := range 4 {
		acks := 5 + rng.IntN(30)
		delay := time.Duration(rng.IntN(3000)) * time.Microsecond
		lastAck := runCrashChild(t, path, next, acks, delay)

		c, err := Open(path)
		require.NoError(t, err, "round %d: reopen after SIGKILL", round)
		require.NoError(t, checkBolt(c), "round %d", round)
		committed := verifyCrashState(t, c, lastAck)
		t.Logf("round %d: killed after ack of step %d; last committed step %d", round, lastAck, committed)
		v, err := c.Version(ctx)
		require.NoError(t, err)
		require.Equal(t, uint64(committed+1), v, "round %d: one version per committed step", round)
		require.NoError(t, c.Close())
		next = committed + 1
	}
}

// verifyCrashState checks the catalog against the steps and returns the
// last step found committed: lastAck, or lastAck+1 when the kill came
// after the commit but before its acknowledgement.
func verifyCrashState(t *testing.T, c *Catalog, lastAck int) int {
	t.Helper()
	ctx := context.Background()
	committed := lastAck
	next := crashDoc(lastAck + 1)
	if d, err := c.GetDocument(ctx, next.ID); err == nil && d.Title == next.Title {
		committed = lastAck + 1 // killed after the commit, before its ack
	}
	// Nothing beyond committed exists: no new document, no later shared generation.
	for step := committed + 1; step <= committed+6; step++ {
		if step%2 == 0 {
			_, err := c.GetDocument(ctx, crashDoc(step).ID)
			require.ErrorIs(t, err, store.ErrNotFound, "step %d was never committed", step)
		}
	}
	// Every committed step is there, whole: new documents all, shared ones
	// at their latest committed generation.
	latestShared := map[string]int{}
	for step := 0; step <= committed; step++ {
		d := crashDoc(step)
		if step%2 == 1 {
			latestShared[d.ID] = step
			continue
		}
		requireStep(t, c, d.ID, step)
	}
	for id, step := range latestShared {
		requireStep(t, c, id, step)
	}
	all, err := c.ListDocuments(ctx, store.DocumentFilter{})
	require.NoError(t, err)
	require.Len(t, all, (committed+2)/2+len(latestShared))
	n := 0
	require.NoError(t, c.ForEachChunk(ctx, func(store.Chunk) error { n++; return nil }))
	want := 0
	for _, d := range all {
		want += d.Chunks
	}
	require.Equal(t, want, n, "no orphan chunks")
	return committed
}

func requireStep(t *testing.T, c *Catalog, docID string, step int) {
	t.Helper()
	ctx := context.Background()
	d, err := c.GetDocument(ctx, docID)
	require.NoError(t, err, "step %d", step)
	require.Equal(t, fmt.Sprintf("step %d", step), d.Title)
	want := crashChunks(d, step)
	require.Equal(t, len(want), d.Chunks)
	got, err := c.Chunks(ctx, docID)
	require.NoError(t, err)
	require.Len(t, got, len(want), "step %d", step)
	for i := range want {
		require.Equal(t, want[i].ID, got[i].ID)
		require.Equal(t, want[i].Text, got[i].Text)
		require.Equal(t, want[i].Embedding, got[i].Embedding)
		g, err := c.GetChunk(ctx, want[i].ID)
		require.NoError(t, err)
		require.Equal(t, docID, g.DocID)
	}
}

// checkBolt runs bbolt's own consistency check of the file.
func checkBolt(c *Catalog) error {
	return c.db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return fmt.Errorf("bbolt check: %w", err)
		}
		return nil
	})
}
