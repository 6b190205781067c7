package embedded

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/quirehq/quire/store"
)

// Benchmark corpus: 100 documents of 1000 chunks, 384-dim vectors (the
// size of MiniLM/bge-small) and ~1 KB of text each.
const (
	benchDocs      = 100
	benchPerDoc    = 1000
	benchDim       = 384
	benchTextBytes = 1000
)

func benchChunks(d store.Document, n int) []store.Chunk {
	text := strings.Repeat("The quick brown fox jumps over the lazy dog. ", benchTextBytes/45+1)[:benchTextBytes]
	out := make([]store.Chunk, n)
	for i := range out {
		emb := make([]float32, benchDim)
		for j := range emb {
			emb[j] = float32(i*benchDim+j) / 1e6
		}
		out[i] = store.Chunk{
			ID: fmt.Sprintf("%s#%d", d.ID, i), Seq: i, Text: text,
			PageStart: i/4 + 1, PageEnd: i/4 + 1, CharStart: i * 1000, CharEnd: i*1000 + 999,
			HeadingPath: []string{"Chapter", "Section"}, Embedding: emb,
		}
	}
	return out
}

var (
	benchOnce sync.Once
	benchCat  *Catalog
	benchDir  string
	benchErr  error
)

// benchCatalog builds the 100k-chunk catalog once per test binary run.
func benchCatalog(b *testing.B) *Catalog {
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "quire-bench-")
		if benchErr != nil {
			return
		}
		benchCat, benchErr = Open(filepath.Join(benchDir, "catalog.db"))
		if benchErr != nil {
			return
		}
		for i := range benchDocs {
			d := store.Document{ID: fmt.Sprintf("doc-%03d", i), Name: fmt.Sprintf("doc-%03d.md", i)}
			if benchErr = benchCat.CommitChunks(context.Background(), d, benchChunks(d, benchPerDoc)); benchErr != nil {
				return
			}
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchCat
}

func BenchmarkForEachChunk100k(b *testing.B) {
	c := benchCatalog(b)
	ctx := context.Background()
	cpu0 := cpuTime()
	b.ResetTimer()
	var n int
	for b.Loop() {
		n = 0
		var sum float32
		if err := c.ForEachChunk(ctx, func(ch store.Chunk) error {
			n++
			sum += ch.Embedding[0]
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if n != benchDocs*benchPerDoc {
			b.Fatalf("visited %d chunks, want %d", n, benchDocs*benchPerDoc)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "chunks/s")
	b.ReportMetric((cpuTime()-cpu0).Seconds()*1e3/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(dataSize(b, c))/float64(n), "file-bytes/chunk")
}

// dataSize is the file's used size: bbolt preallocates up to 16 MB past it.
func dataSize(b *testing.B, c *Catalog) int64 {
	var size int64
	if err := c.db.View(func(tx *bolt.Tx) error { size = tx.Size(); return nil }); err != nil {
		b.Fatal(err)
	}
	return size
}

// BenchmarkCommitChunks commits new documents of per chunks each; every
// commit is one fsynced transaction.
func BenchmarkCommitChunks(b *testing.B) {
	for _, per := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("chunks=%d", per), func(b *testing.B) {
			c, err := Open(filepath.Join(b.TempDir(), "catalog.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			ctx := context.Background()
			tmpl := benchChunks(store.Document{ID: "x"}, per)
			cpu0 := cpuTime()
			i := 0
			for b.Loop() {
				d := store.Document{ID: fmt.Sprintf("doc-%d", i), Name: fmt.Sprintf("doc-%d.md", i)}
				chunks := make([]store.Chunk, per)
				for j, ch := range tmpl {
					ch.ID = fmt.Sprintf("%s#%d", d.ID, j)
					chunks[j] = ch
				}
				if err := c.CommitChunks(ctx, d, chunks); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(per)*float64(b.N)/b.Elapsed().Seconds(), "chunks/s")
			b.ReportMetric((cpuTime()-cpu0).Seconds()*1e3/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(dataSize(b, c))/float64(per*b.N), "file-bytes/chunk")
		})
	}
}
