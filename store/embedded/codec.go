package embedded

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/quirehq/quire/store"
)

// Keys. Variable-length parts are length-prefixed (not separated), so any
// byte may appear in an id or name and a prefix scan never runs into a
// neighbour whose id merely starts the same way.

// docPrefix is the common prefix of all chunk keys of one document:
// u16 len(docID) | docID.
func docPrefix(docID string) []byte {
	k := make([]byte, 0, 2+len(docID)+4)
	k = binary.BigEndian.AppendUint16(k, uint16(len(docID)))
	return append(k, docID...)
}

// chunkKey is docPrefix | u32 seq (big endian, so keys sort in Seq order).
func chunkKey(docID string, seq int) []byte {
	return binary.BigEndian.AppendUint32(docPrefix(docID), uint32(seq))
}

// parseChunkKey returns the doc id and seq of a chunk key.
func parseChunkKey(k []byte) (string, int, error) {
	if len(k) < 6 {
		return "", 0, errCorrupt("chunk key too short")
	}
	n := int(binary.BigEndian.Uint16(k))
	if len(k) != 2+n+4 {
		return "", 0, errCorrupt("chunk key length mismatch")
	}
	return string(k[2 : 2+n]), int(binary.BigEndian.Uint32(k[2+n:])), nil
}

// nameKey is u16 len(collection) | collection | name, so a collection's
// documents are one prefix scan, sorted by name.
func nameKey(collection, name string) []byte {
	k := make([]byte, 0, 2+len(collection)+len(name))
	k = binary.BigEndian.AppendUint16(k, uint16(len(collection)))
	k = append(k, collection...)
	return append(k, name...)
}

func collectionPrefix(collection string) []byte {
	return nameKey(collection, "")
}

func errCorrupt(what string) error {
	return fmt.Errorf("catalog is corrupt (%s); restore the data folder from a backup", what)
}

// Documents are few and small next to their chunks: JSON keeps them easy
// to evolve and to inspect with bbolt's tools.
func encodeDocument(d store.Document) ([]byte, error) {
	return json.Marshal(d)
}

func decodeDocument(b []byte) (store.Document, error) {
	var d store.Document
	if err := json.Unmarshal(b, &d); err != nil {
		return d, fmt.Errorf("%w: %v", errCorrupt("document record"), err)
	}
	return d, nil
}

// chunkFormat is the first byte of every chunk value.
const chunkFormat = 1

// encodeChunk writes a chunk value. DocID and Seq live in the key.
//
//	u8 format | str ID | str Collection | varint PageStart PageEnd CharStart CharEnd
//	| uvarint n, n*str HeadingPath | str Text | uvarint dim, dim*f32le Embedding
//
// where str is uvarint length then bytes.
func encodeChunk(c store.Chunk) []byte {
	n := 1 + 5*10 + len(c.ID) + len(c.Collection) + 4*10 + 10 + len(c.Text) + 10 + 4*len(c.Embedding)
	for _, h := range c.HeadingPath {
		n += 10 + len(h)
	}
	b := make([]byte, 0, n)
	b = append(b, chunkFormat)
	b = appendString(b, c.ID)
	b = appendString(b, c.Collection)
	b = binary.AppendVarint(b, int64(c.PageStart))
	b = binary.AppendVarint(b, int64(c.PageEnd))
	b = binary.AppendVarint(b, int64(c.CharStart))
	b = binary.AppendVarint(b, int64(c.CharEnd))
	b = binary.AppendUvarint(b, uint64(len(c.HeadingPath)))
	for _, h := range c.HeadingPath {
		b = appendString(b, h)
	}
	b = appendString(b, c.Text)
	b = binary.AppendUvarint(b, uint64(len(c.Embedding)))
	for _, f := range c.Embedding {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// chunkReader decodes a chunk value, remembering the first error.
type chunkReader struct {
	b   []byte
	err error
}

var errShort = errors.New("truncated")

func (r *chunkReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errShort
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *chunkReader) varint() int {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errShort
		return 0
	}
	r.b = r.b[n:]
	return int(v)
}

func (r *chunkReader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = errShort
		return nil
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}

// chunkID reads only the id, for deletes that must also clear the id index.
func chunkID(v []byte) (string, error) {
	if len(v) == 0 || v[0] != chunkFormat {
		return "", errCorrupt("unknown chunk format")
	}
	r := chunkReader{b: v[1:]}
	id := r.bytes()
	if r.err != nil {
		return "", errCorrupt("chunk value " + r.err.Error())
	}
	return string(id), nil
}

// decodeChunk copies everything out of v: v points into bbolt's memory map
// and is only valid during the transaction.
func decodeChunk(k, v []byte) (store.Chunk, error) {
	var d decoder
	return d.decode(k, v)
}

// decoder decodes many chunks cheaply: vectors are carved from shared
// slabs, and the doc id, collection and heading path are reused from the
// previous chunk when equal. Chunks from one decoder therefore share
// memory; callers treat them as read-only.
type decoder struct {
	slab  []float32
	docID string
	coll  string
	heads []string
}

// slabFloats is the size of one vector slab: 256 KiB, 170 vectors of 384.
const slabFloats = 64 << 10

func (d *decoder) vector(n int) []float32 {
	if n > slabFloats/4 {
		return make([]float32, n)
	}
	if len(d.slab) < n {
		d.slab = make([]float32, slabFloats)
	}
	v := d.slab[:n:n]
	d.slab = d.slab[n:]
	return v
}

func (d *decoder) decode(k, v []byte) (store.Chunk, error) {
	var c store.Chunk
	if len(k) < 6 {
		return c, errCorrupt("chunk key too short")
	}
	n := int(binary.BigEndian.Uint16(k))
	if len(k) != 2+n+4 {
		return c, errCorrupt("chunk key length mismatch")
	}
	if id := k[2 : 2+n]; d.docID != string(id) { // no allocation for the comparison
		d.docID = string(id)
	}
	c.DocID, c.Seq = d.docID, int(binary.BigEndian.Uint32(k[2+n:]))
	if len(v) == 0 || v[0] != chunkFormat {
		return c, errCorrupt("unknown chunk format")
	}
	r := chunkReader{b: v[1:]}
	c.ID = string(r.bytes())
	if coll := r.bytes(); d.coll != string(coll) {
		d.coll = string(coll)
	}
	c.Collection = d.coll
	c.PageStart = r.varint()
	c.PageEnd = r.varint()
	c.CharStart = r.varint()
	c.CharEnd = r.varint()
	if nh := r.uvarint(); nh > 0 && r.err == nil {
		if nh > uint64(len(r.b)) {
			return c, errCorrupt("chunk heading count")
		}
		// Most chunks share the previous one's path: compare before copying.
		start, same := r, int(nh) == len(d.heads)
		for i := 0; i < int(nh) && r.err == nil; i++ {
			h := r.bytes()
			same = same && string(h) == d.heads[i]
		}
		if !same {
			r = start
			d.heads = make([]string, nh)
			for i := range d.heads {
				d.heads[i] = string(r.bytes())
			}
		}
		c.HeadingPath = d.heads
	}
	c.Text = string(r.bytes())
	dim := r.uvarint()
	if r.err != nil {
		return c, errCorrupt("chunk value " + r.err.Error())
	}
	if dim*4 != uint64(len(r.b)) {
		return c, errCorrupt("chunk embedding length")
	}
	if dim > 0 {
		c.Embedding = d.vector(int(dim))
		e := r.b
		for i := range c.Embedding {
			c.Embedding[i] = math.Float32frombits(binary.LittleEndian.Uint32(e[4*i:]))
		}
	}
	return c, nil
}
