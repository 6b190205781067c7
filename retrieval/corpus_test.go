package retrieval

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/quirehq/quire/store"
	"github.com/stretchr/testify/require"
)

// corpusWords is a technical-manual vocabulary; generated text draws from it
// with a Zipf-like skew so that posting lists have realistic lengths (a few
// huge, most short).
var corpusWords = strings.Fields(`system configure configuration server client request response
	database index query search document page chapter section table figure value parameter option
	default install installation upgrade version release note security update patch vulnerability
	network port address host connection timeout retry error warning message log file folder path
	user account permission role access token key certificate encryption password backup restore
	memory disk storage volume cache buffer thread process worker queue job schedule task event
	report revenue quarter fiscal year growth margin income expense cost customer market product
	sales forecast risk compliance policy audit control governance board director officer share
	model training inference embedding vector tokenizer layer weight tensor kernel matrix batch
	performance latency throughput benchmark metric monitor alert dashboard service deployment
	container cluster node replica shard partition migration schema column row record field type
	input output format parser reader writer stream pipeline stage filter sort merge join group
	engine driver module package library function method interface struct object class instance
	network protocol packet frame header payload checksum signature hash digest compression archive
	printer scanner device firmware hardware sensor battery power voltage current temperature fan
	manual guide tutorial reference appendix glossary overview introduction summary conclusion
	install remove enable disable start stop restart reload reset verify check validate test run
	quickly slowly safely correctly automatically manually carefully always never often usually`)

// rareWords is a long tail of 30,000 made-up words ("kotamu", "resivo"),
// drawn with a Zipf law: real corpora have a large vocabulary of rare terms,
// which keeps most posting lists short.
var rareWords = func() []string {
	cons, vows := "bdfgklmnprstvz", "aeiou"
	out := make([]string, 30000)
	for i := range out {
		var b []byte
		for x := i + 15; x > 0; x /= 70 {
			d := x % 70
			b = append(b, cons[d%14], vows[d/14])
		}
		out[i] = string(b)
	}
	return out
}()

// sentence returns n words of generated text: about half from the technical
// vocabulary (skewed towards its first words), half from the Zipf tail.
func sentence(r *rand.Rand, n int) string {
	zipf := rand.NewZipf(r, 1.1, 2, uint64(len(rareWords)-1))
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		if r.IntN(2) == 0 {
			b.WriteString(rareWords[zipf.Uint64()])
		} else {
			// Squaring a uniform draw favours the first words.
			u := r.Float64()
			b.WriteString(corpusWords[int(u*u*float64(len(corpusWords)))])
		}
		if i%12 == 11 {
			b.WriteString(". The")
		}
	}
	return b.String()
}

// genCorpus makes nDocs documents of chunksPerDoc chunks of ~wordsPerChunk
// words each, with names, titles, headings and versions like real manuals
// and filings, spread over two collections. Vectors come from emb.
func genCorpus(t testing.TB, seed uint64, nDocs, chunksPerDoc, wordsPerChunk int, emb Embedder) ([]store.Document, [][]store.Chunk) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	docs := make([]store.Document, nDocs)
	chunks := make([][]store.Chunk, nDocs)
	kinds := []string{"manuals/widget-v%d.%d/install_guide.md", "filings/acme-%d-q%d-report.pdf", "notes/meeting_%d_%d.md"}
	for i := range docs {
		coll := "default"
		if i%5 == 0 {
			coll = "finance"
		}
		name := fmt.Sprintf(kinds[i%len(kinds)], 1+r.IntN(2030), 1+r.IntN(4)) + fmt.Sprintf("#%d", i)
		d := store.Document{
			ID: fmt.Sprintf("doc%05d", i), Collection: coll, Name: name, Type: "markdown",
			Title: strings.ToUpper(sentence(r, 3)[:1]) + sentence(r, 4), Status: store.StatusReady,
			Chunks: chunksPerDoc, Embedder: emb.ID(),
		}
		docs[i] = d
		texts := make([]string, chunksPerDoc)
		for j := range texts {
			texts[j] = sentence(r, wordsPerChunk-10+r.IntN(20))
		}
		vecs, err := emb.Embed(context.Background(), texts)
		require.NoError(t, err)
		cs := make([]store.Chunk, chunksPerDoc)
		for j := range cs {
			cs[j] = store.Chunk{
				ID: fmt.Sprintf("%s-c%03d", d.ID, j), DocID: d.ID, Collection: coll, Seq: j,
				Text: texts[j], PageStart: j + 1, PageEnd: j + 1,
				HeadingPath: []string{d.Title, sentence(r, 2)}, Embedding: vecs[j],
			}
		}
		chunks[i] = cs
	}
	return docs, chunks
}

// buildIndex makes an index over a generated corpus.
func buildIndex(t testing.TB, emb Embedder, docs []store.Document, chunks [][]store.Chunk) *Index {
	t.Helper()
	ix := NewIndex(emb)
	for i, d := range docs {
		require.NoError(t, ix.Upsert(d, chunks[i]))
	}
	return ix
}

// mkChunks embeds texts as the chunks of doc.
func mkChunks(t testing.TB, emb Embedder, doc store.Document, texts ...string) []store.Chunk {
	t.Helper()
	vecs, err := emb.Embed(context.Background(), texts)
	require.NoError(t, err)
	cs := make([]store.Chunk, len(texts))
	for i, text := range texts {
		cs[i] = store.Chunk{ID: fmt.Sprintf("%s#%d", doc.ID, i), DocID: doc.ID, Seq: i, Text: text, Embedding: vecs[i]}
	}
	return cs
}
