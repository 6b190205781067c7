package retrieval

import (
	"math"
	"strings"
)

// The BM25 fields of a chunk. The document's name and title are repeated in
// every chunk of the document, so that "acme q3 2023 revenue" ranks the
// revenue passage of the Q3 2023 filing above the same passage of the Q2
// filing, and "install guide v2.4" prefers the v2.4 manual.
const (
	fieldText = iota
	fieldHeading
	fieldName
	fieldTitle
	numFields
)

// posting is one chunk slot that contains a term, with the term's count in
// each field (saturated at 255: BM25 saturates long before).
type posting struct {
	slot int32
	tf   [numFields]uint8
}

// bm25 is an inverted index scored with BM25F (Robertson & Zaragoza, 2009):
// per-field counts are length-normalized, weighted and summed before the k1
// saturation, so a term in the title and the text does not count twice as a
// term in the text alone.
//
// Removing a chunk keeps its postings until the next compaction (the index
// skips dead slots), but document frequencies and field lengths are updated at
// once, so scores are exact at all times.
type bm25 struct {
	terms  map[string]int32
	lists  [][]posting
	df     []int32             // live chunks per term
	flen   [][numFields]uint16 // per slot, tokens per field
	sumLen [numFields]float64  // over live slots
	live   int

	scratch []token // tokenizer buffer, used under the index's write lock
	counts  map[string]*[numFields]uint8
}

func newBM25() *bm25 {
	return &bm25{terms: map[string]int32{}, counts: map[string]*[numFields]uint8{}}
}

// chunkFields are the texts of one chunk's BM25 fields.
type chunkFields [numFields]string

// fieldsOf returns the BM25 fields of a chunk of doc. The document name is
// indexed as is: the tokenizer splits it on / _ - . and also keeps it whole.
func fieldsOf(c *entry, d *docRec) chunkFields {
	return chunkFields{
		fieldText:    c.chunk.Text,
		fieldHeading: strings.Join(c.chunk.HeadingPath, " \n "),
		fieldName:    d.doc.Name,
		fieldTitle:   d.doc.Title,
	}
}

// terms counts the BM25 terms of fields: stop words are dropped, compounds
// count whole and by parts. The returned map is reused by the next call.
func (ix *bm25) termCounts(fields chunkFields) (map[string]*[numFields]uint8, [numFields]uint16) {
	for k := range ix.counts {
		delete(ix.counts, k)
	}
	var lens [numFields]uint16
	for f, text := range fields {
		ix.scratch = tokenize(ix.scratch[:0], text)
		for _, t := range ix.scratch {
			if t.stopword {
				continue
			}
			if lens[f] < math.MaxUint16 {
				lens[f]++
			}
			c := ix.counts[t.text]
			if c == nil {
				c = new([numFields]uint8)
				ix.counts[t.text] = c
			}
			if c[f] < math.MaxUint8 {
				c[f]++
			}
		}
	}
	return ix.counts, lens
}

// add indexes a chunk in slot, which must be the next slot (slots only grow
// between compactions).
func (ix *bm25) add(slot int32, fields chunkFields) {
	counts, lens := ix.termCounts(fields)
	for term, tf := range counts {
		id, ok := ix.terms[term]
		if !ok {
			id = int32(len(ix.lists))
			ix.terms[strings.Clone(term)] = id // term may point into a large text
			ix.lists = append(ix.lists, nil)
			ix.df = append(ix.df, 0)
		}
		ix.lists[id] = append(ix.lists[id], posting{slot: slot, tf: *tf})
		ix.df[id]++
	}
	for len(ix.flen) <= int(slot) {
		ix.flen = append(ix.flen, [numFields]uint16{})
	}
	ix.flen[slot] = lens
	for f := range lens {
		ix.sumLen[f] += float64(lens[f])
	}
	ix.live++
}

// remove forgets the chunk in slot; fields must be what was added.
func (ix *bm25) remove(slot int32, fields chunkFields) {
	counts, _ := ix.termCounts(fields)
	for term := range counts {
		if id, ok := ix.terms[term]; ok {
			ix.df[id]--
		}
	}
	lens := ix.flen[slot]
	for f := range lens {
		ix.sumLen[f] -= float64(lens[f])
	}
	ix.flen[slot] = [numFields]uint16{}
	ix.live--
}

// compact drops the postings of dead slots and renumbers the others with
// remap (old slot -> new slot, -1 for dead). Terms left without postings are
// forgotten.
func (ix *bm25) compact(remap []int32, newSlots int) {
	for term, id := range ix.terms {
		l := ix.lists[id][:0]
		for _, p := range ix.lists[id] {
			if ns := remap[p.slot]; ns >= 0 {
				p.slot = ns
				l = append(l, p)
			}
		}
		if len(l) == 0 {
			delete(ix.terms, term)
			ix.lists[id] = nil
			continue
		}
		ix.lists[id] = l
	}
	flen := make([][numFields]uint16, newSlots)
	for old, ns := range remap {
		if ns >= 0 && old < len(ix.flen) {
			flen[ns] = ix.flen[old]
		}
	}
	ix.flen = flen
}

// BM25 settings, in Params.
type bm25Params struct {
	k1, b   float64
	weights [numFields]float64
}

// bmScratch is per-query working memory, pooled by the index: a score
// accumulator of one float per slot (all zero between queries) and the list
// of slots it touched.
type bmScratch struct {
	acc     []float32
	touched []int32
}

// search scores every chunk that f accepts and that contains a query term,
// and returns the n best.
func (ix *bm25) search(query string, n int, p bm25Params, f *filter, sc *bmScratch) []scored {
	if ix.live == 0 || n <= 0 {
		return nil
	}
	toks := tokenize(nil, query)
	seen := make(map[string]bool, len(toks))
	var avg [numFields]float64
	for fi := range avg {
		avg[fi] = ix.sumLen[fi] / float64(ix.live)
		if avg[fi] <= 0 {
			avg[fi] = 1
		}
	}
	acc, touched := sc.acc, sc.touched[:0]
	N := float64(ix.live)
	for _, t := range toks {
		if t.stopword || seen[t.text] {
			continue
		}
		seen[t.text] = true
		id, ok := ix.terms[t.text]
		if !ok || ix.df[id] <= 0 {
			continue
		}
		df := float64(ix.df[id])
		idf := math.Log(1 + (N-df+0.5)/(df+0.5))
		for _, post := range ix.lists[id] {
			if !f.ok(post.slot) {
				continue
			}
			lens := &ix.flen[post.slot]
			var tfw float64
			for fi, tf := range post.tf {
				if tf == 0 {
					continue
				}
				norm := 1 - p.b + p.b*float64(lens[fi])/avg[fi]
				tfw += p.weights[fi] * float64(tf) / norm
			}
			s := float32(idf * tfw * (p.k1 + 1) / (p.k1 + tfw))
			if acc[post.slot] == 0 {
				touched = append(touched, post.slot)
			}
			acc[post.slot] += s
		}
	}
	t := newTopK(n, f.tie)
	for _, s := range touched {
		t.push(scored{acc[s], s})
		acc[s] = 0
	}
	sc.touched = touched
	return t.sorted()
}
