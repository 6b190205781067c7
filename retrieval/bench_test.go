package retrieval

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	chromem "github.com/philippgille/chromem-go"
	"github.com/quirehq/quire/store"
)

// The 100k benchmarks share one generated corpus: 2,000 documents of 50
// chunks of ~150 words (~1 KB), embedded with the 384-dim hashing embedder.
var bench100k struct {
	once   sync.Once
	emb    *HashEmbedder
	docs   []store.Document
	chunks [][]store.Chunk
	ix     *Index
}

func corpus100k(b *testing.B) *Index {
	bench100k.once.Do(func() {
		start := time.Now()
		bench100k.emb = NewHashEmbedder(DefaultHashDim)
		bench100k.docs, bench100k.chunks = genCorpus(b, 100, 2000, 50, 150, bench100k.emb)
		gen := time.Since(start)
		start = time.Now()
		bench100k.ix = buildIndex(b, bench100k.emb, bench100k.docs, bench100k.chunks)
		built := time.Since(start)
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		postings, capacity := 0, 0
		for _, l := range bench100k.ix.bm.lists {
			postings += len(l)
			capacity += cap(l)
		}
		b.Logf("100k corpus: generated and embedded in %v, indexed in %v; heap with corpus and index %d MiB; "+
			"%d terms, %d postings (capacity %d)", gen, built, ms.HeapAlloc>>20, len(bench100k.ix.bm.terms), postings, capacity)
	})
	return bench100k.ix
}

var benchQueries = []string{
	"how do I configure the server port and certificate",
	"quarterly revenue growth and margin",
	"restore a backup after a failed upgrade",
	"install guide widget v2.4",
	"CVE-2024-1234 security patch",
	"latency benchmark throughput",
	"token permission role access",
	"schema migration column record",
}

// BenchmarkSearch100k measures Index.Search over 100k chunks; p50-ms is the
// median single-query latency over the run.
func BenchmarkSearch100k(b *testing.B) {
	ix := corpus100k(b)
	for _, tc := range []struct {
		name string
		q    Query
	}{
		{"hybrid", Query{K: 10}},
		{"bm25", Query{K: 10, Mode: ModeBM25}},
		{"dense", Query{K: 10, Mode: ModeDense}},
		{"hybrid-collection", Query{K: 10, Collection: "finance"}},
		{"hybrid-docs", Query{K: 10, DocIDs: []string{"doc00010", "doc00500", "doc01999"}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			ctx := context.Background()
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				q := tc.q
				q.Text = benchQueries[i%len(benchQueries)]
				t0 := time.Now()
				hits, err := ix.Search(ctx, q)
				lat = append(lat, time.Since(t0))
				if err != nil || len(hits) == 0 {
					b.Fatalf("search %q: %d hits, %v", q.Text, len(hits), err)
				}
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*9/10].Microseconds())/1000, "p90-ms")
			b.ReportMetric((cpuTime()-cpu0).Seconds()*1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkDense100k is the exact scan alone; BenchmarkDenseChromem100k is
// chromem-go's QueryEmbedding on the same vectors, for comparison.
func BenchmarkDense100k(b *testing.B) {
	ix := corpus100k(b)
	q, _ := ix.emb.Embed(context.Background(), benchQueries[:1])
	f := &filter{alive: ix.alive, slotColl: ix.slotColl, coll: -1}
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		denseSearch(q[0], ix.vecs, ix.dim, 50, f, nil)
	}
	b.ReportMetric((cpuTime()-cpu0).Seconds()*1000/float64(b.N), "cpu-ms/op")
}

func BenchmarkDenseChromem100k(b *testing.B) {
	ix := corpus100k(b)
	db := chromem.NewDB()
	col, err := db.CreateCollection("bench", nil, func(context.Context, string) ([]float32, error) {
		return nil, errors.New("vectors only")
	})
	if err != nil {
		b.Fatal(err)
	}
	docs := make([]chromem.Document, 0, len(ix.entries))
	for s := range ix.entries {
		docs = append(docs, chromem.Document{ID: ix.entries[s].chunk.ID, Embedding: ix.row(int32(s)),
			Metadata: map[string]string{"collection": ix.entries[s].chunk.Collection}})
	}
	if err := col.AddDocuments(context.Background(), docs, 2); err != nil {
		b.Fatal(err)
	}
	q, _ := ix.emb.Embed(context.Background(), benchQueries[:1])
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := col.QueryEmbedding(context.Background(), q[0], 50, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuTime()-cpu0).Seconds()*1000/float64(b.N), "cpu-ms/op")
}

// BenchmarkLoad100k reads a 100k-chunk snapshot; the file size is reported.
func BenchmarkLoad100k(b *testing.B) {
	ix := corpus100k(b)
	path := filepath.Join(b.TempDir(), "index.snap")
	t0 := time.Now()
	if err := ix.Save(path, 1); err != nil {
		b.Fatal(err)
	}
	b.Logf("save: %v", time.Since(t0))
	st, _ := os.Stat(path)
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		got, _, err := Load(path, ix.emb)
		if err != nil || got.Len() != ix.Len() {
			b.Fatalf("load: %v", err)
		}
	}
	b.ReportMetric(float64(st.Size())/(1<<20), "MiB")
	b.ReportMetric((cpuTime()-cpu0).Seconds()*1000/float64(b.N), "cpu-ms/op")
}

// BenchmarkEmbed embeds ~1 KB chunks, one batch of 256 per op, on one
// goroutine and on all cores; chunks/s is the throughput.
func BenchmarkEmbed(b *testing.B) {
	docs, chunks := genCorpus(b, 200, 1, 256, 150, NewHashEmbedder(8))
	_ = docs
	texts := make([]string, len(chunks[0]))
	var bytes int64
	for i, c := range chunks[0] {
		texts[i] = c.Text
		bytes += int64(len(c.Text))
	}
	e := NewHashEmbedder(DefaultHashDim)
	for _, tc := range []struct {
		name  string
		batch int
	}{{"one-core", 16}, {"batch256", 256}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(bytes)
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				for j := 0; j < len(texts); j += tc.batch { // batches under 32 stay on one goroutine
					if _, err := e.Embed(context.Background(), texts[j:j+tc.batch]); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N*len(texts))/b.Elapsed().Seconds(), "chunks/s")
			b.ReportMetric(float64(b.N*len(texts))/(cpuTime()-cpu0).Seconds(), "chunks/cpu-s")
		})
	}
}

// BenchmarkIndexBuild measures Upsert throughput (BM25 and the matrix).
func BenchmarkIndexBuild(b *testing.B) {
	emb := NewHashEmbedder(DefaultHashDim)
	docs, chunks := genCorpus(b, 300, 100, 20, 150, emb)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buildIndex(b, emb, docs, chunks)
	}
	b.ReportMetric(float64(b.N*len(docs)*20)/b.Elapsed().Seconds(), "chunks/s")
}
