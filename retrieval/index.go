package retrieval

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"github.com/quirehq/quire/store"
)

// Search modes.
const (
	ModeHybrid = "hybrid" // BM25 and dense, fused by RRF, diversified by MMR
	ModeBM25   = "bm25"   // BM25 ranking only, no MMR
	ModeDense  = "dense"  // dense ranking only, no MMR
)

// Limits on a query.
const (
	DefaultK = 10
	MaxK     = 1000
)

// Query is one search request. Zero values mean: K = DefaultK, any
// collection, any document, Mode = ModeHybrid.
type Query struct {
	Text       string
	K          int
	Collection string
	DocIDs     []string
	Mode       string
}

// Hit is one ranked chunk. Score is the fused RRF score in hybrid mode (hits
// then come in MMR order, which may differ from Score order), the BM25F score
// in bm25 mode and the cosine similarity in dense mode. BM25Rank and
// DenseRank are the chunk's 1-based rank in each list before fusion, 0 when
// it was not among that list's candidates; BM25Score and Cosine are its
// scores there (0 when absent). RRF scores say nothing about absolute
// relevance, so a caller deciding whether anything relevant was found
// (abstention) should look at these two. Chunk.Embedding is a copy.
type Hit struct {
	Chunk     store.Chunk
	Doc       store.Document
	Score     float64
	BM25Rank  int
	DenseRank int
	BM25Score float64
	Cosine    float64
}

// Params are the ranking knobs, tuned on the evaluation set (rag/eval).
type Params struct {
	K1, B float64 // BM25 saturation and length normalization
	// Field weights of BM25F: a term in a heading, the document's name or
	// its title counts this many times a term in the text.
	TextWeight, HeadingWeight, NameWeight, TitleWeight float64

	RRFK float64 // reciprocal-rank fusion constant
	// DenseWeight is the dense ranking's weight in the fusion, BM25's being
	// 1: how much the embedder is trusted.
	DenseWeight float64
	MMRLambda   float64 // 1 = no diversity
	Candidates  int     // per ranker before fusion, and the MMR pool (at least K)
}

// DefaultParams are the textbook BM25 values (k1 = 1.2, b = 0.75) with
// metadata fields boosted 2x, RRF k = 60 with both rankings weighted 1, and
// MMR lambda = 0.7 over the fused top 50. On rag/eval (89 questions) BM25
// scores the same for k1 in 0.9-1.5, b in 0.4-0.9 and metadata weights 2-4;
// weight 1 for the name and title loses a page hit.
func DefaultParams() Params {
	return Params{
		K1: 1.2, B: 0.75,
		TextWeight: 1, HeadingWeight: 2, NameWeight: 2, TitleWeight: 2,
		RRFK: DefaultRRFK, DenseWeight: 1, MMRLambda: DefaultMMRLambda, Candidates: 50,
	}
}

// Index is the in-memory search index over a catalog's chunks: the chunks
// with their documents, one dense matrix of their vectors and a BM25F
// inverted index. It is derived data: Rebuild makes it from the catalog,
// Save and Load keep it between runs. All methods are safe for concurrent
// use; searches run in parallel, writes take turns.
type Index struct {
	emb Embedder
	dim int

	mu       sync.RWMutex
	params   Params
	entries  []entry   // by slot; slots only grow between compactions
	alive    []bool    // by slot
	slotColl []int32   // by slot: collection ordinal
	vecs     []float32 // by slot: dim floats, L2-normalized
	docs     map[string]*docRec
	colls    map[string]int32
	dead     int
	bm       *bm25

	// compactAt is the number of dead slots that triggers a compaction
	// (also at least a quarter of the live ones); tests lower it.
	compactAt int

	scratch sync.Pool // *bmScratch
}

type entry struct {
	chunk store.Chunk // without Embedding: the vector lives in vecs
	doc   *docRec
}

type docRec struct {
	doc   store.Document
	slots []int32
}

// NewIndex returns an empty index whose vectors come from emb.
func NewIndex(emb Embedder) *Index {
	ix := &Index{
		emb:       emb,
		dim:       emb.Dim(),
		params:    defaultParamsFor(emb),
		docs:      map[string]*docRec{},
		colls:     map[string]int32{},
		bm:        newBM25(),
		compactAt: 4096,
	}
	return ix
}

// HashDenseWeight is the fusion weight of the hashing embedder's ranking.
// Measured on rag/eval (89 questions, 54 with gold pages) on 2026-11-26:
// BM25 alone finds the gold page in the top 5 for 0.944 of the questions;
// hybrid with dense weight 1 for 0.82, 0.25 for 0.89-0.93, 0.1 for 0.93,
// 0.05 for 0.94. Hashed vectors know no synonyms, so on this corpus they
// never beat BM25: at 0.1 they break BM25's ties and fill the list when
// BM25 finds fewer than K chunks, without overruling it. A model embedder
// gets weight 1.
const HashDenseWeight = 0.1

// defaultParamsFor is DefaultParams adjusted to the embedder's strength.
func defaultParamsFor(emb Embedder) Params {
	p := DefaultParams()
	if _, ok := emb.(*HashEmbedder); ok {
		p.DenseWeight = HashDenseWeight
	}
	return p
}

// SetParams changes the ranking knobs; zero fields keep their defaults
// (with the built-in hashing embedder, DenseWeight defaults to
// HashDenseWeight).
func (ix *Index) SetParams(p Params) {
	d := defaultParamsFor(ix.emb)
	for _, f := range []struct {
		v   *float64
		def float64
	}{{&p.K1, d.K1}, {&p.B, d.B}, {&p.TextWeight, d.TextWeight}, {&p.HeadingWeight, d.HeadingWeight},
		{&p.NameWeight, d.NameWeight}, {&p.TitleWeight, d.TitleWeight}, {&p.RRFK, d.RRFK}, {&p.DenseWeight, d.DenseWeight}, {&p.MMRLambda, d.MMRLambda}} {
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if p.Candidates <= 0 {
		p.Candidates = d.Candidates
	}
	ix.mu.Lock()
	ix.params = p
	ix.mu.Unlock()
}

// Params returns the current ranking knobs.
func (ix *Index) Params() Params {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.params
}

// Len is the number of chunks in the index.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.entries) - ix.dead
}

// EmbedderID is the id of the embedder the index's vectors come from.
func (ix *Index) EmbedderID() string { return ix.emb.ID() }

// Upsert replaces every chunk of doc with chunks, which must carry their
// Embedding from this index's embedder. An empty chunks list leaves the
// document known with no chunks. Chunk.DocID and Chunk.Collection default to
// the document's.
func (ix *Index) Upsert(doc store.Document, chunks []store.Chunk) error {
	if doc.ID == "" {
		return errors.New("retrieval: upsert: document has no id")
	}
	if doc.Embedder != "" && doc.Embedder != ix.emb.ID() {
		return fmt.Errorf("retrieval: upsert %s: its vectors come from embedder %q but the index uses %q; reindex the document", doc.Name, doc.Embedder, ix.emb.ID())
	}
	if doc.Collection == "" {
		doc.Collection = store.DefaultCollection
	}
	for i := range chunks {
		c := &chunks[i]
		if c.DocID != "" && c.DocID != doc.ID {
			return fmt.Errorf("retrieval: upsert %s: chunk %s belongs to document %s", doc.Name, c.ID, c.DocID)
		}
		if c.Collection != "" && c.Collection != doc.Collection {
			return fmt.Errorf("retrieval: upsert %s: chunk %s is in collection %q, its document in %q", doc.Name, c.ID, c.Collection, doc.Collection)
		}
		if len(c.Embedding) != ix.dim {
			return fmt.Errorf("retrieval: upsert %s: chunk %s has a %d-dim embedding, the index's embedder %s makes %d; reindex the document", doc.Name, c.ID, len(c.Embedding), ix.emb.ID(), ix.dim)
		}
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.removeLocked(doc.ID)
	ix.addLocked(doc, chunks)
	ix.maybeCompactLocked()
	return nil
}

// Remove forgets a document and its chunks; an unknown id is a no-op.
func (ix *Index) Remove(docID string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.removeLocked(docID)
	ix.maybeCompactLocked()
}

func (ix *Index) collOrdinal(name string) int32 {
	o, ok := ix.colls[name]
	if !ok {
		o = int32(len(ix.colls))
		ix.colls[name] = o
	}
	return o
}

// addLocked appends chunks of a document that is not in the index.
func (ix *Index) addLocked(doc store.Document, chunks []store.Chunk) {
	d := &docRec{doc: doc, slots: make([]int32, 0, len(chunks))}
	ix.docs[doc.ID] = d
	coll := ix.collOrdinal(doc.Collection)
	for _, c := range chunks {
		slot := int32(len(ix.entries))
		c.DocID = doc.ID
		c.Collection = doc.Collection
		vec := c.Embedding
		c.Embedding = nil
		ix.entries = append(ix.entries, entry{chunk: c, doc: d})
		ix.alive = append(ix.alive, true)
		ix.slotColl = append(ix.slotColl, coll)
		ix.vecs = append(ix.vecs, vec...)
		normalize(ix.vecs[len(ix.vecs)-ix.dim:])
		ix.bm.add(slot, fieldsOf(&ix.entries[slot], d))
		d.slots = append(d.slots, slot)
	}
}

func (ix *Index) removeLocked(docID string) {
	d, ok := ix.docs[docID]
	if !ok {
		return
	}
	for _, s := range d.slots {
		ix.bm.remove(s, fieldsOf(&ix.entries[s], d))
		ix.alive[s] = false
		ix.entries[s] = entry{} // let the text go
		clear(ix.vecs[int(s)*ix.dim : int(s+1)*ix.dim])
		ix.dead++
	}
	delete(ix.docs, docID)
}

// maybeCompactLocked squeezes dead slots out once they are many: they cost
// scan time and memory, and BM25 postings of dead slots are only dropped here.
func (ix *Index) maybeCompactLocked() {
	if ix.dead == 0 || ix.dead < ix.compactAt || ix.dead < (len(ix.entries)-ix.dead)/4 {
		return
	}
	ix.compactLocked()
}

func (ix *Index) compactLocked() {
	remap := make([]int32, len(ix.entries))
	n := int32(0)
	for s := range ix.entries {
		if !ix.alive[s] {
			remap[s] = -1
			continue
		}
		remap[s] = n
		if int(n) != s {
			ix.entries[n] = ix.entries[s]
			ix.slotColl[n] = ix.slotColl[s]
			copy(ix.vecs[int(n)*ix.dim:int(n+1)*ix.dim], ix.vecs[s*ix.dim:(s+1)*ix.dim])
		}
		ix.alive[n] = true
		n++
	}
	clear(ix.entries[n:])
	ix.entries = ix.entries[:n]
	ix.alive = ix.alive[:n]
	ix.slotColl = ix.slotColl[:n]
	ix.vecs = ix.vecs[:int(n)*ix.dim]
	for _, d := range ix.docs {
		for i, s := range d.slots {
			d.slots[i] = remap[s]
		}
	}
	ix.bm.compact(remap, int(n))
	ix.dead = 0
}

// filter says which slots a query may return.
type filter struct {
	alive    []bool
	slotColl []int32
	coll     int32    // -1: any collection
	bits     []uint64 // nil: any document
	tie      func(a, b int32) bool
}

func (f *filter) ok(s int32) bool {
	if !f.alive[s] {
		return false
	}
	if f.coll >= 0 && f.slotColl[s] != f.coll {
		return false
	}
	return f.bits == nil || f.bits[s>>6]&(1<<(uint(s)&63)) != 0
}

// Search ranks the chunks for q. A query without words finds nothing; an
// unknown collection or document ids match nothing.
func (ix *Index) Search(ctx context.Context, q Query) ([]Hit, error) {
	if strings.TrimSpace(q.Text) == "" {
		return nil, errors.New("retrieval: search: the query is empty; type a question or keywords")
	}
	switch {
	case q.K == 0:
		q.K = DefaultK
	case q.K < 0 || q.K > MaxK:
		return nil, fmt.Errorf("retrieval: search: k=%d is out of range; ask for 1 to %d results", q.K, MaxK)
	}
	if q.Mode == "" {
		q.Mode = ModeHybrid
	}
	if q.Mode != ModeHybrid && q.Mode != ModeBM25 && q.Mode != ModeDense {
		return nil, fmt.Errorf("retrieval: search: unknown mode %q; use %q, %q or %q", q.Mode, ModeHybrid, ModeBM25, ModeDense)
	}
	var qv []float32
	if q.Mode != ModeBM25 {
		vs, err := ix.emb.Embed(ctx, []string{q.Text})
		if err != nil {
			return nil, fmt.Errorf("retrieval: search: embed the query: %w", err)
		}
		if len(vs) != 1 || len(vs[0]) != ix.dim {
			return nil, fmt.Errorf("retrieval: search: embedder %s returned a bad query vector", ix.emb.ID())
		}
		qv = vs[0]
		if isZero(qv) {
			qv = nil // nothing to compare: no dense ranking
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("retrieval: search: %w", err)
	}

	ix.mu.RLock()
	defer ix.mu.RUnlock()
	p := ix.params
	f := &filter{alive: ix.alive, slotColl: ix.slotColl, coll: -1, tie: ix.byChunkID}
	if q.Collection != "" {
		o, ok := ix.colls[q.Collection]
		if !ok {
			return []Hit{}, nil
		}
		f.coll = o
	}
	var rows []int32
	if len(q.DocIDs) > 0 {
		f.bits = make([]uint64, (len(ix.entries)+63)/64)
		rows = []int32{}
		for _, id := range q.DocIDs {
			if d, ok := ix.docs[id]; ok {
				for _, s := range d.slots {
					if f.bits[s>>6]&(1<<(uint(s)&63)) == 0 {
						f.bits[s>>6] |= 1 << (uint(s) & 63)
						rows = append(rows, s)
					}
				}
			}
		}
	}
	nCand := max(p.Candidates, q.K)
	var bmList, denseList []scored
	if q.Mode != ModeDense {
		sc := ix.getScratch(len(ix.entries))
		bmList = ix.bm.search(q.Text, nCand, bm25Params{k1: p.K1, b: p.B,
			weights: [numFields]float64{p.TextWeight, p.HeadingWeight, p.NameWeight, p.TitleWeight}}, f, sc)
		ix.scratch.Put(sc)
	}
	if qv != nil {
		denseList = denseSearch(qv, ix.vecs, ix.dim, nCand, f, rows)
	}

	var hits []Hit
	switch q.Mode {
	case ModeBM25:
		for i, c := range bmList[:min(q.K, len(bmList))] {
			h := ix.hit(c.slot, float64(c.score), i+1, 0)
			h.BM25Score = float64(c.score)
			hits = append(hits, h)
		}
	case ModeDense:
		for i, c := range denseList[:min(q.K, len(denseList))] {
			h := ix.hit(c.slot, float64(c.score), 0, i+1)
			h.Cosine = float64(c.score)
			hits = append(hits, h)
		}
	default:
		fl := fuseRRF(p.RRFK, 1, p.DenseWeight, bmList, denseList, ix.byChunkID)
		fl = fl[:min(len(fl), nCand)]
		rel := make([]float64, len(fl))
		for i, c := range fl {
			rel[i] = c.score
		}
		sim := func(i, j int) float64 {
			return float64(dot(ix.row(fl[i].slot), ix.row(fl[j].slot)))
		}
		for _, i := range mmr(rel, sim, q.K, p.MMRLambda) {
			c := fl[i]
			h := ix.hit(c.slot, c.score, c.bm25Rank, c.denseRank)
			h.BM25Score, h.Cosine = float64(c.bm25Score), float64(c.denseScore)
			hits = append(hits, h)
		}
	}
	if hits == nil {
		hits = []Hit{}
	}
	return hits, nil
}

// byChunkID orders equal scores by chunk id, so that a ranking does not
// depend on the order in which documents were added.
func (ix *Index) byChunkID(a, b int32) bool {
	return ix.entries[a].chunk.ID < ix.entries[b].chunk.ID
}

func (ix *Index) row(s int32) []float32 {
	return ix.vecs[int(s)*ix.dim : int(s+1)*ix.dim]
}

func (ix *Index) hit(s int32, score float64, bmRank, denseRank int) Hit {
	e := &ix.entries[s]
	c := e.chunk
	c.Embedding = append([]float32(nil), ix.row(s)...)
	c.HeadingPath = append([]string(nil), c.HeadingPath...) // the caller may modify it
	return Hit{Chunk: c, Doc: e.doc.doc, Score: score, BM25Rank: bmRank, DenseRank: denseRank}
}

// getScratch returns BM25 working memory for n slots.
func (ix *Index) getScratch(n int) *bmScratch {
	sc, _ := ix.scratch.Get().(*bmScratch)
	if sc == nil {
		sc = &bmScratch{}
	}
	if cap(sc.acc) < n {
		sc.acc = make([]float32, n, n+n/4)
	}
	sc.acc = sc.acc[:n]
	return sc
}

func isZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// Rebuild makes an index from the catalog: every chunk of every ready
// document. Documents embedded by another embedder (or not at all) are
// re-embedded with emb, so that vectors never mix. A document whose chunks
// cannot be indexed (they name another document or collection) is logged
// and left out; catalog and embedding errors fail the rebuild.
func Rebuild(ctx context.Context, cat store.Catalog, emb Embedder) (*Index, error) {
	docs, err := cat.ListDocuments(ctx, store.DocumentFilter{Status: store.StatusReady})
	if err != nil {
		return nil, fmt.Errorf("retrieval: rebuild: list documents: %w", err)
	}
	byDoc := make(map[string][]store.Chunk, len(docs))
	for _, d := range docs {
		byDoc[d.ID] = nil
	}
	err = cat.ForEachChunk(ctx, func(c store.Chunk) error {
		if cs, ok := byDoc[c.DocID]; ok {
			byDoc[c.DocID] = append(cs, c)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("retrieval: rebuild: read chunks: %w", err)
	}
	sort.Slice(docs, func(i, j int) bool { return docs[i].ID < docs[j].ID })
	ix := NewIndex(emb)
	for _, d := range docs {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("retrieval: rebuild: %w", err)
		}
		cs := byDoc[d.ID]
		sort.Slice(cs, func(i, j int) bool { return cs[i].Seq < cs[j].Seq })
		if needsEmbedding(d, cs, emb) {
			texts := make([]string, len(cs))
			for i, c := range cs {
				texts[i] = c.Text
			}
			vs, err := emb.Embed(ctx, texts)
			if err != nil {
				return nil, fmt.Errorf("retrieval: rebuild: embed %s: %w", d.Name, err)
			}
			for i := range cs {
				cs[i].Embedding = vs[i]
			}
			d.Embedder = emb.ID()
		}
		byDoc[d.ID] = nil // the index has its own copy now
		if err := ix.Upsert(d, cs); err != nil {
			// Bad data in one document must not keep every other one out.
			slog.Warn("retrieval: rebuild: document left out of the index", "doc", d.Name, "id", d.ID, "err", err)
		}
	}
	return ix, nil
}

func needsEmbedding(d store.Document, cs []store.Chunk, emb Embedder) bool {
	if d.Embedder != "" && d.Embedder != emb.ID() {
		return true
	}
	for _, c := range cs {
		if len(c.Embedding) != emb.Dim() {
			return true
		}
	}
	return false
}
