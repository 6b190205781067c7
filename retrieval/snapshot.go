package retrieval

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"time"
	"unsafe"

	"github.com/quirehq/quire/store"
)

// Snapshot file format, version 1. Everything is little-endian; strings and
// byte strings are a uint32 length and the bytes.
//
//	"QUIREIDX" magic, uint32 format version, uint64 catalog version,
//	string embedder id, uint32 dim
//	uint32 documents, each: the store.Document fields
//	uint32 chunks, each: uint32 document number and the store.Chunk fields
//	chunks*dim float32: the vectors, row by row
//	uint32 terms, uint64 postings in all, each term: string term, uint32 df,
//	    uint32 postings, postings*(uint32 slot, 4 bytes field counts)
//	chunks*4 uint16: BM25 field lengths
//	uint32 CRC-32C of all the bytes before it
//
// The big arrays are read straight into their final memory and strings are
// carved out of large slabs, so loading costs little more than reading the
// file (BenchmarkLoad100k). Dead slots are never written: a loaded index is
// compact.
const (
	snapMagic   = "QUIREIDX"
	snapVersion = 1
)

// ErrSnapshot marks a snapshot that cannot be used as is (corrupt, another
// format version, another embedder). The fix is always to rebuild the index
// from the catalog (quire reindex).
var ErrSnapshot = errors.New("unusable index snapshot")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// Save writes the index to path atomically (a temporary file in the same
// folder, synced, then renamed over path), recording catalogVersion: the
// catalog version the index reflects.
func (ix *Index) Save(path string, catalogVersion uint64) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("retrieval: save index: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w := &snapWriter{w: bufio.NewWriterSize(f, 1<<20), crc: crc32.New(castagnoli)}
	// The read lock covers writing the bytes to the file, not the fsync:
	// a writer waiting for the lock would hold up every search behind it.
	ix.mu.RLock()
	ix.writeSnapshot(w, catalogVersion)
	if w.err == nil {
		binary.LittleEndian.PutUint32(w.scratch[:4], w.crc.Sum32())
		_, w.err = w.w.Write(w.scratch[:4])
	}
	if w.err == nil {
		w.err = w.w.Flush()
	}
	ix.mu.RUnlock()
	if w.err != nil {
		return fmt.Errorf("retrieval: save index to %s: %w", path, w.err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("retrieval: save index to %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("retrieval: save index to %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("retrieval: save index to %s: %w", path, err)
	}
	// Make the rename itself durable; a failure here loses at most the
	// snapshot, which the catalog can rebuild, so it is not an error.
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func (ix *Index) writeSnapshot(w *snapWriter, catalogVersion uint64) {
	w.raw([]byte(snapMagic))
	w.u32(snapVersion)
	w.u64(catalogVersion)
	w.str(ix.emb.ID())
	w.u32(uint32(ix.dim))

	// Documents in id order; live slots in slot order, renumbered densely.
	ids := make([]string, 0, len(ix.docs))
	for id := range ix.docs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	docNum := make(map[*docRec]uint32, len(ids))
	w.u32(uint32(len(ids)))
	for i, id := range ids {
		d := ix.docs[id]
		docNum[d] = uint32(i)
		writeDoc(w, &d.doc)
	}
	remap := make([]int32, len(ix.entries))
	live := 0
	for s := range ix.entries {
		remap[s] = -1
		if ix.alive[s] {
			remap[s] = int32(live)
			live++
		}
	}
	w.u32(uint32(live))
	for s := range ix.entries {
		if ix.alive[s] {
			e := &ix.entries[s]
			w.u32(docNum[e.doc])
			writeChunk(w, &e.chunk)
		}
	}
	for s := range ix.entries {
		if ix.alive[s] {
			w.floats(ix.row(int32(s)))
		}
	}
	terms := make([]string, 0, len(ix.bm.terms))
	for t, id := range ix.bm.terms {
		if ix.bm.df[id] > 0 {
			terms = append(terms, t)
		}
	}
	sort.Strings(terms)
	total := 0
	for _, t := range terms {
		for _, p := range ix.bm.lists[ix.bm.terms[t]] {
			if remap[p.slot] >= 0 {
				total++
			}
		}
	}
	w.u32(uint32(len(terms)))
	w.u64(uint64(total))
	var buf []posting
	for _, t := range terms {
		id := ix.bm.terms[t]
		buf = buf[:0]
		for _, p := range ix.bm.lists[id] {
			if ns := remap[p.slot]; ns >= 0 {
				p.slot = ns
				buf = append(buf, p)
			}
		}
		w.str(t)
		w.u32(uint32(ix.bm.df[id]))
		w.u32(uint32(len(buf)))
		w.postings(buf)
	}
	for s := range ix.entries {
		if ix.alive[s] {
			for _, l := range ix.bm.flen[s] {
				w.u16(l)
			}
		}
	}
}

func writeDoc(w *snapWriter, d *store.Document) {
	for _, s := range []string{d.ID, d.Collection, d.Name, d.Type, d.Title, d.SHA256, d.Status, d.Error, d.Embedder} {
		w.str(s)
	}
	w.u64(uint64(d.Size))
	w.u64(uint64(d.Pages))
	w.u64(uint64(d.Chunks))
	w.time(d.Created)
	w.time(d.Updated)
}

func writeChunk(w *snapWriter, c *store.Chunk) {
	w.str(c.ID)
	w.str(c.Collection)
	w.str(c.Text)
	w.u32(uint32(len(c.HeadingPath)))
	for _, h := range c.HeadingPath {
		w.str(h)
	}
	for _, n := range []int{c.Seq, c.PageStart, c.PageEnd, c.CharStart, c.CharEnd} {
		w.u64(uint64(n))
	}
}

// snapWriter writes and checksums; the first error sticks.
type snapWriter struct {
	w       *bufio.Writer
	crc     hash.Hash32
	err     error
	scratch [8]byte
}

func (w *snapWriter) raw(b []byte) {
	if w.err != nil {
		return
	}
	w.crc.Write(b)
	_, w.err = w.w.Write(b)
}

func (w *snapWriter) u16(v uint16) {
	binary.LittleEndian.PutUint16(w.scratch[:2], v)
	w.raw(w.scratch[:2])
}

func (w *snapWriter) u32(v uint32) {
	binary.LittleEndian.PutUint32(w.scratch[:4], v)
	w.raw(w.scratch[:4])
}

func (w *snapWriter) u64(v uint64) {
	binary.LittleEndian.PutUint64(w.scratch[:8], v)
	w.raw(w.scratch[:8])
}

func (w *snapWriter) str(s string) {
	w.u32(uint32(len(s)))
	w.raw(unsafe.Slice(unsafe.StringData(s), len(s)))
}

func (w *snapWriter) time(t time.Time) {
	b, err := t.MarshalBinary()
	if err != nil && w.err == nil {
		w.err = err
	}
	w.u32(uint32(len(b)))
	w.raw(b)
}

func (w *snapWriter) floats(v []float32) {
	if littleEndian {
		w.raw(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*len(v)))
		return
	}
	for _, x := range v {
		w.u32(math.Float32bits(x))
	}
}

func (w *snapWriter) postings(ps []posting) {
	if littleEndian {
		w.raw(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(ps))), 8*len(ps)))
		return
	}
	for _, p := range ps {
		w.u32(uint32(p.slot))
		w.raw(p.tf[:])
	}
}

// Load reads a snapshot written by Save for an index over emb, and returns
// it with the catalog version it reflects. A corrupt file, another format
// version or another embedder gives an error wrapping ErrSnapshot that says
// to reindex.
func Load(path string, emb Embedder) (*Index, uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("retrieval: load index: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, 0, fmt.Errorf("retrieval: load index: %w", err)
	}
	r := &snapReader{r: bufio.NewReaderSize(f, 1<<20), crc: crc32.New(castagnoli), left: st.Size() - 4}
	ix, version, err := readSnapshot(r, emb)
	if err == nil {
		sum := r.crc.Sum32()
		var tail [4]byte
		if _, err2 := io.ReadFull(r.r, tail[:]); err2 != nil || binary.LittleEndian.Uint32(tail[:]) != sum {
			err = errors.New("checksum mismatch")
		} else if _, err2 := r.r.ReadByte(); err2 != io.EOF {
			err = errors.New("trailing bytes")
		}
	}
	if err != nil {
		return nil, 0, fmt.Errorf("retrieval: load index %s: %w: %v; run quire reindex to rebuild it from the catalog", path, ErrSnapshot, err)
	}
	return ix, version, nil
}

func readSnapshot(r *snapReader, emb Embedder) (*Index, uint64, error) {
	if r.left < int64(len(snapMagic)) {
		return nil, 0, errors.New("file too short")
	}
	magic := make([]byte, len(snapMagic))
	r.raw(magic)
	if r.err == nil && string(magic) != snapMagic {
		return nil, 0, errors.New("not a Quire index snapshot")
	}
	if v := r.u32(); r.err == nil && v != snapVersion {
		return nil, 0, fmt.Errorf("format version %d, this build reads %d", v, snapVersion)
	}
	version := r.u64()
	id := r.str()
	dim := int(r.u32())
	if r.err != nil {
		return nil, 0, r.err
	}
	if id != emb.ID() || dim != emb.Dim() {
		return nil, 0, fmt.Errorf("made with embedder %s (dim %d), not %s (dim %d)", id, dim, emb.ID(), emb.Dim())
	}
	ix := NewIndex(emb)

	nd := r.count(8)
	recs := make([]*docRec, 0, nd)
	for i := 0; i < nd && r.err == nil; i++ {
		d := &docRec{doc: readDoc(r)}
		recs = append(recs, d)
		ix.docs[d.doc.ID] = d
		ix.collOrdinal(d.doc.Collection)
	}
	nc := r.count(8)
	if r.err != nil {
		return nil, 0, r.err
	}
	ix.entries = make([]entry, nc)
	ix.alive = make([]bool, nc)
	ix.slotColl = make([]int32, nc)
	for s := 0; s < nc && r.err == nil; s++ {
		dn := int(r.u32())
		if r.err == nil && dn >= len(recs) {
			return nil, 0, fmt.Errorf("chunk %d names document %d of %d", s, dn, len(recs))
		}
		c := readChunk(r)
		if r.err != nil {
			break
		}
		d := recs[dn]
		c.DocID = d.doc.ID
		if c.Collection == d.doc.Collection {
			c.Collection = d.doc.Collection // share the document's string
		}
		ix.entries[s] = entry{chunk: c, doc: d}
		ix.alive[s] = true
		ix.slotColl[s] = ix.colls[d.doc.Collection]
		d.slots = append(d.slots, int32(s))
	}
	if r.err != nil {
		return nil, 0, r.err
	}
	if int64(nc)*int64(dim)*4 > r.left {
		return nil, 0, errors.New("truncated vectors")
	}
	ix.vecs = make([]float32, nc*dim)
	r.floats(ix.vecs)

	bm := ix.bm
	nt := r.count(12)
	total := r.u64()
	if r.err == nil && total > uint64(r.left)/8 {
		return nil, 0, fmt.Errorf("%d postings exceed the file", total)
	}
	all := make([]posting, total)
	bm.lists = make([][]posting, 0, nt)
	bm.df = make([]int32, 0, nt)
	for i := 0; i < nt && r.err == nil; i++ {
		t := r.str()
		df := int32(r.u32())
		np := r.count(8)
		if np > len(all) {
			return nil, 0, fmt.Errorf("postings of %q exceed the total", t)
		}
		ps := all[:np:np] // full slice: a later append reallocates, never spills into the next term
		all = all[np:]
		r.postings(ps)
		for _, p := range ps {
			if p.slot < 0 || int(p.slot) >= nc {
				return nil, 0, fmt.Errorf("posting of %q names chunk %d of %d", t, p.slot, nc)
			}
		}
		bm.terms[t] = int32(len(bm.lists))
		bm.lists = append(bm.lists, ps)
		bm.df = append(bm.df, df)
	}
	if r.err == nil && len(all) != 0 {
		return nil, 0, fmt.Errorf("%d postings missing", len(all))
	}
	bm.flen = make([][numFields]uint16, nc)
	for s := 0; s < nc && r.err == nil; s++ {
		for fi := range numFields {
			l := r.u16()
			bm.flen[s][fi] = l
			bm.sumLen[fi] += float64(l)
		}
	}
	bm.live = nc
	if r.err != nil {
		return nil, 0, r.err
	}
	return ix, version, nil
}

func readDoc(r *snapReader) store.Document {
	var d store.Document
	for _, p := range []*string{&d.ID, &d.Collection, &d.Name, &d.Type, &d.Title, &d.SHA256, &d.Status, &d.Error, &d.Embedder} {
		*p = r.str()
	}
	d.Size = int64(r.u64())
	d.Pages = int(r.u64())
	d.Chunks = int(r.u64())
	d.Created = r.time()
	d.Updated = r.time()
	return d
}

func readChunk(r *snapReader) store.Chunk {
	var c store.Chunk
	c.ID = r.str()
	c.Collection = r.str()
	c.Text = r.str()
	if n := r.count(4); n > 0 {
		if len(r.strs) < n {
			r.strs = make([]string, max(n, 4096))
		}
		c.HeadingPath, r.strs = r.strs[:n:n], r.strs[n:]
		for i := range c.HeadingPath {
			c.HeadingPath[i] = r.str()
		}
	}
	for _, p := range []*int{&c.Seq, &c.PageStart, &c.PageEnd, &c.CharStart, &c.CharEnd} {
		*p = int(int64(r.u64()))
	}
	return c // DocID is set by the caller, from the document
}

// snapReader reads and checksums; the first error sticks, and every length is
// checked against the bytes left so that a corrupt count cannot make Load
// allocate gigabytes.
type snapReader struct {
	r       *bufio.Reader
	crc     hash.Hash32
	err     error
	left    int64 // bytes before the checksum not yet read
	scratch [8]byte
	slab    []byte   // strings are carved from it: one allocation per slabSize
	strs    []string // heading paths are carved from it
}

const slabSize = 1 << 20

func (r *snapReader) raw(b []byte) {
	if r.err != nil {
		clear(b)
		return
	}
	if int64(len(b)) > r.left {
		r.err = errors.New("truncated")
		clear(b)
		return
	}
	if _, err := io.ReadFull(r.r, b); err != nil {
		r.err = fmt.Errorf("truncated: %w", err)
		return
	}
	r.left -= int64(len(b))
	r.crc.Write(b)
}

func (r *snapReader) u16() uint16 {
	r.raw(r.scratch[:2])
	return binary.LittleEndian.Uint16(r.scratch[:2])
}

func (r *snapReader) u32() uint32 {
	r.raw(r.scratch[:4])
	return binary.LittleEndian.Uint32(r.scratch[:4])
}

func (r *snapReader) u64() uint64 {
	r.raw(r.scratch[:8])
	return binary.LittleEndian.Uint64(r.scratch[:8])
}

// count reads a uint32 count of items of at least minSize bytes each.
func (r *snapReader) count(minSize int64) int {
	n := int64(r.u32())
	if r.err == nil && n*minSize > r.left {
		r.err = fmt.Errorf("count %d exceeds the file", n)
	}
	if r.err != nil {
		return 0
	}
	return int(n)
}

func (r *snapReader) str() string {
	n := r.count(1)
	if n == 0 {
		return ""
	}
	var b []byte
	if n > slabSize/8 {
		b = make([]byte, n)
	} else {
		if len(r.slab) < n {
			r.slab = make([]byte, slabSize)
		}
		b, r.slab = r.slab[:n:n], r.slab[n:]
	}
	r.raw(b)
	return unsafe.String(&b[0], n) // b is never written again
}

func (r *snapReader) time() time.Time {
	n := r.count(1)
	b := make([]byte, n)
	r.raw(b)
	var t time.Time
	if r.err == nil {
		if err := t.UnmarshalBinary(b); err != nil {
			r.err = fmt.Errorf("bad time: %w", err)
		}
	}
	return t
}

func (r *snapReader) floats(v []float32) {
	if littleEndian {
		r.raw(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*len(v)))
		return
	}
	for i := range v {
		v[i] = math.Float32frombits(r.u32())
	}
}

func (r *snapReader) postings(ps []posting) {
	if littleEndian {
		r.raw(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(ps))), 8*len(ps)))
		return
	}
	for i := range ps {
		ps[i].slot = int32(r.u32())
		r.raw(ps[i].tf[:])
	}
}
