// Package embedded is the default catalog backend: one bbolt file in the
// data folder, no set-up. Every mutation is one bbolt transaction (fsynced
// on commit), so a crash leaves either the old state or the new one.
//
// Layout (buckets):
//
//	meta      "format" -> u64, "version" -> u64
//	docs      doc id -> JSON document
//	names     u16 len(collection) | collection | name -> doc id
//	chunks    u16 len(doc id) | doc id | u32 seq -> binary chunk (see codec.go)
//	chunkids  chunk id -> its key in chunks
package embedded

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/quirehq/quire/store"
)

var (
	bucketMeta     = []byte("meta")
	bucketDocs     = []byte("docs")
	bucketNames    = []byte("names")
	bucketChunks   = []byte("chunks")
	bucketChunkIDs = []byte("chunkids")

	keyFormat  = []byte("format")
	keyVersion = []byte("version")
)

// format is the on-disk layout version written by this code.
const format = 1

// lockTimeout bounds how long Open waits for another process to release
// the file: long enough to ride out a restart, short enough to never look
// like a hang.
const lockTimeout = time.Second

// Chunk values are ~2-3 KB (text plus a 384-dim vector): on 4 KB pages
// each would sit alone on a page. 16 KB pages filled to 95% (keys within a
// document are appended in order) cut the file by a fifth; see the
// benchmarks in bench_test.go. The page size is fixed when the file is
// created.
const (
	pageSize          = 16 << 10
	chunksFillPercent = 0.95
)

// Catalog is a store.Catalog in a single bbolt file.
type Catalog struct {
	db *bolt.DB
}

var _ store.Catalog = (*Catalog)(nil)

// Open opens or creates the catalog file at path (its folder is created if
// missing). If another process has the file open, Open fails within about
// a second with an error wrapping store.ErrLocked.
func Open(path string) (*Catalog, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("open catalog: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      lockTimeout,
		FreelistType: bolt.FreelistMapType,
		PageSize:     pageSize,
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("open catalog %s: %w", path, store.ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open catalog %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketDocs, bucketNames, bucketChunks, bucketChunkIDs} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keyFormat); v != nil {
			if len(v) != 8 {
				return errCorrupt("format record")
			}
			if f := binary.BigEndian.Uint64(v); f != format {
				return fmt.Errorf("catalog format %d is not supported by this quire (it reads format %d); use the quire version that wrote it", f, format)
			}
			return nil
		}
		return meta.Put(keyFormat, binary.BigEndian.AppendUint64(nil, format))
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open catalog %s: %w", path, err)
	}
	return &Catalog{db: db}, nil
}

// Close releases the file. Calls after Close fail.
func (c *Catalog) Close() error {
	return c.db.Close()
}

// Path is the catalog file's path.
func (c *Catalog) Path() string { return c.db.Path() }

// update runs fn in a write transaction that also bumps the version. The
// context is checked before and at the end of fn, so a cancelled call
// commits nothing.
func (c *Catalog) update(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.db.Update(func(tx *bolt.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		meta := tx.Bucket(bucketMeta)
		var v uint64
		if b := meta.Get(keyVersion); len(b) == 8 {
			v = binary.BigEndian.Uint64(b)
		}
		return meta.Put(keyVersion, binary.BigEndian.AppendUint64(nil, v+1))
	})
}

func (c *Catalog) view(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.db.View(fn)
}

// PutDocument inserts or updates d's record. Chunks keeps the number of
// chunks actually stored; Created keeps the first value; zero Created or
// Updated are set to now.
func (c *Catalog) PutDocument(ctx context.Context, d store.Document) error {
	d, err := store.NormalizeDocument(d)
	if err != nil {
		return err
	}
	return c.update(ctx, func(tx *bolt.Tx) error {
		return putDocument(tx, d, -1)
	})
}

// putDocument writes d and its name index entry. nChunks < 0 keeps the
// stored chunk count.
func putDocument(tx *bolt.Tx, d store.Document, nChunks int) error {
	docs, names := tx.Bucket(bucketDocs), tx.Bucket(bucketNames)
	now := time.Now().UTC()
	old, exists, err := getDocument(docs, d.ID)
	if err != nil {
		return err
	}
	nk := nameKey(d.Collection, d.Name)
	if owner := names.Get(nk); owner != nil && string(owner) != d.ID {
		return fmt.Errorf("document %q: collection %q already has %q as document %q: %w",
			d.ID, d.Collection, d.Name, owner, store.ErrConflict)
	}
	if exists {
		if nChunks < 0 && old.Chunks > 0 && old.Collection != d.Collection {
			return fmt.Errorf("document %q: moving it from collection %q to %q would leave its chunks behind; use CommitChunks: %w",
				d.ID, old.Collection, d.Collection, store.ErrInvalid)
		}
		if ok := nameKey(old.Collection, old.Name); !bytes.Equal(ok, nk) {
			if err := names.Delete(ok); err != nil {
				return err
			}
		}
		if d.Created.IsZero() {
			d.Created = old.Created
		}
	}
	if d.Created.IsZero() {
		d.Created = now
	}
	if d.Updated.IsZero() {
		d.Updated = now
	}
	switch {
	case nChunks >= 0:
		d.Chunks = nChunks
	case exists:
		d.Chunks = old.Chunks
	default:
		d.Chunks = 0
	}
	b, err := encodeDocument(d)
	if err != nil {
		return err
	}
	if err := docs.Put([]byte(d.ID), b); err != nil {
		return err
	}
	return names.Put(nk, []byte(d.ID))
}

func getDocument(docs *bolt.Bucket, id string) (store.Document, bool, error) {
	v := docs.Get([]byte(id))
	if v == nil {
		return store.Document{}, false, nil
	}
	d, err := decodeDocument(v)
	return d, err == nil, err
}

// GetDocument returns the document with id, or an error wrapping
// store.ErrNotFound.
func (c *Catalog) GetDocument(ctx context.Context, id string) (store.Document, error) {
	var d store.Document
	err := c.view(ctx, func(tx *bolt.Tx) error {
		var ok bool
		var err error
		d, ok, err = getDocument(tx.Bucket(bucketDocs), id)
		if err == nil && !ok {
			err = fmt.Errorf("document %q: %w", id, store.ErrNotFound)
		}
		return err
	})
	return d, err
}

// FindDocument looks a document up by collection ("" is the default one)
// and name.
func (c *Catalog) FindDocument(ctx context.Context, collection, name string) (store.Document, error) {
	if collection == "" {
		collection = store.DefaultCollection
	}
	var d store.Document
	err := c.view(ctx, func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketNames).Get(nameKey(collection, name))
		if id == nil {
			return fmt.Errorf("document %q in collection %q: %w", name, collection, store.ErrNotFound)
		}
		var ok bool
		var err error
		d, ok, err = getDocument(tx.Bucket(bucketDocs), string(id))
		if err == nil && !ok {
			err = errCorrupt("name index points to a missing document")
		}
		return err
	})
	return d, err
}

// ListDocuments returns the documents matching f, sorted by name (byte
// order), then collection.
func (c *Catalog) ListDocuments(ctx context.Context, f store.DocumentFilter) ([]store.Document, error) {
	out := []store.Document{}
	err := c.view(ctx, func(tx *bolt.Tx) error {
		docs := tx.Bucket(bucketDocs)
		keep := func(d store.Document) bool {
			return (f.Status == "" || d.Status == f.Status) && (f.Collection == "" || d.Collection == f.Collection)
		}
		if f.Collection != "" {
			// One prefix scan of the name index, already in name order.
			p := collectionPrefix(f.Collection)
			cur := tx.Bucket(bucketNames).Cursor()
			for k, id := cur.Seek(p); k != nil && bytes.HasPrefix(k, p); k, id = cur.Next() {
				d, ok, err := getDocument(docs, string(id))
				if err == nil && !ok {
					err = errCorrupt("name index points to a missing document")
				}
				if err != nil {
					return err
				}
				if keep(d) {
					out = append(out, d)
				}
			}
			return nil
		}
		return docs.ForEach(func(_, v []byte) error {
			d, err := decodeDocument(v)
			if err != nil {
				return err
			}
			if keep(d) {
				out = append(out, d)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	if f.Collection == "" {
		slices.SortFunc(out, func(a, b store.Document) int {
			if n := strings.Compare(a.Name, b.Name); n != 0 {
				return n
			}
			return strings.Compare(a.Collection, b.Collection)
		})
	}
	return out, nil
}

// CommitChunks replaces all chunks of d.ID with chunks and writes d (with
// Chunks set to len(chunks)) in one transaction. Chunks with an empty DocID
// or Collection get d's; a chunk id used by another document is refused
// with store.ErrConflict.
func (c *Catalog) CommitChunks(ctx context.Context, d store.Document, chunks []store.Chunk) error {
	d, err := store.NormalizeDocument(d)
	if err != nil {
		return err
	}
	chunks, err = store.NormalizeChunks(d, chunks)
	if err != nil {
		return err
	}
	// Encode outside the transaction: the write lock is held only for the
	// B-tree work.
	keys := make([][]byte, len(chunks))
	vals := make([][]byte, len(chunks))
	for i, ch := range chunks {
		keys[i] = chunkKey(d.ID, ch.Seq)
		vals[i] = encodeChunk(ch)
	}
	return c.update(ctx, func(tx *bolt.Tx) error {
		if err := deleteChunks(tx, d.ID); err != nil {
			return err
		}
		cb, ids := tx.Bucket(bucketChunks), tx.Bucket(bucketChunkIDs)
		cb.FillPercent = chunksFillPercent
		for i, ch := range chunks {
			if owner := ids.Get([]byte(ch.ID)); owner != nil {
				other, _, _ := parseChunkKey(owner)
				return fmt.Errorf("chunk id %q of document %q is already used by document %q: %w",
					ch.ID, d.ID, other, store.ErrConflict)
			}
			if err := cb.Put(keys[i], vals[i]); err != nil {
				return fmt.Errorf("chunk %q: %w", ch.ID, err)
			}
			if err := ids.Put([]byte(ch.ID), keys[i]); err != nil {
				return fmt.Errorf("chunk %q: %w", ch.ID, err)
			}
		}
		return putDocument(tx, d, len(chunks))
	})
}

// deleteChunks removes every chunk of docID and its id index entries.
func deleteChunks(tx *bolt.Tx, docID string) error {
	cb, ids := tx.Bucket(bucketChunks), tx.Bucket(bucketChunkIDs)
	p := docPrefix(docID)
	// Collect first: deleting while a cursor moves can skip keys.
	var keys [][]byte
	var chunkIDs []string
	cur := cb.Cursor()
	for k, v := cur.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = cur.Next() {
		id, err := chunkID(v)
		if err != nil {
			return err
		}
		keys = append(keys, slices.Clone(k))
		chunkIDs = append(chunkIDs, id)
	}
	for i, k := range keys {
		if err := cb.Delete(k); err != nil {
			return err
		}
		if err := ids.Delete([]byte(chunkIDs[i])); err != nil {
			return err
		}
	}
	return nil
}

// DeleteDocument removes a document and all its chunks in one transaction.
func (c *Catalog) DeleteDocument(ctx context.Context, id string) error {
	return c.update(ctx, func(tx *bolt.Tx) error {
		docs := tx.Bucket(bucketDocs)
		d, ok, err := getDocument(docs, id)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("document %q: %w", id, store.ErrNotFound)
		}
		if err := deleteChunks(tx, id); err != nil {
			return err
		}
		if err := tx.Bucket(bucketNames).Delete(nameKey(d.Collection, d.Name)); err != nil {
			return err
		}
		return docs.Delete([]byte(id))
	})
}

// Chunks returns a document's chunks in Seq order, from one snapshot.
// Unknown documents give store.ErrNotFound.
func (c *Catalog) Chunks(ctx context.Context, docID string) ([]store.Chunk, error) {
	out := []store.Chunk{}
	err := c.view(ctx, func(tx *bolt.Tx) error {
		if tx.Bucket(bucketDocs).Get([]byte(docID)) == nil {
			return fmt.Errorf("document %q: %w", docID, store.ErrNotFound)
		}
		p := docPrefix(docID)
		var dec decoder
		cur := tx.Bucket(bucketChunks).Cursor()
		for k, v := cur.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = cur.Next() {
			ch, err := dec.decode(k, v)
			if err != nil {
				return err
			}
			out = append(out, ch)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetChunk returns the chunk with id, or an error wrapping store.ErrNotFound.
func (c *Catalog) GetChunk(ctx context.Context, id string) (store.Chunk, error) {
	var ch store.Chunk
	err := c.view(ctx, func(tx *bolt.Tx) error {
		k := tx.Bucket(bucketChunkIDs).Get([]byte(id))
		if k == nil {
			return fmt.Errorf("chunk %q: %w", id, store.ErrNotFound)
		}
		v := tx.Bucket(bucketChunks).Get(k)
		if v == nil {
			return errCorrupt("chunk id index points to a missing chunk")
		}
		var err error
		ch, err = decodeChunk(k, v)
		return err
	})
	return ch, err
}

// forEachBatch is how many chunks ForEachChunk decodes per read
// transaction (rounded up to whole documents).
const forEachBatch = 1024

// ForEachChunk visits every chunk, ordered by document id then Seq. The
// chunks are read in batches of whole documents, each batch in its own
// read transaction, and fn runs outside any transaction: fn may use the
// catalog (even write to it) without deadlocking, and each document's
// chunks come from one consistent snapshot. Documents committed or deleted
// during the walk may or may not be visited. An error from fn stops the
// walk and is returned as is.
func (c *Catalog) ForEachChunk(ctx context.Context, fn func(store.Chunk) error) error {
	var from []byte // first key of the next batch; nil for the start
	batch := make([]store.Chunk, 0, forEachBatch)
	var dec decoder
	for {
		var err error
		batch, from, err = c.readBatch(ctx, &dec, from, batch[:0])
		if err != nil {
			return err
		}
		for i, ch := range batch {
			if i%64 == 63 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if err := fn(ch); err != nil {
				return err
			}
		}
		if from == nil {
			return nil
		}
	}
}

// readBatch appends to out the chunks from key from on (from the start
// when nil), stopping at a document boundary once forEachBatch chunks are
// read. It returns the key to continue from, or nil at the end.
func (c *Catalog) readBatch(ctx context.Context, dec *decoder, from []byte, out []store.Chunk) ([]store.Chunk, []byte, error) {
	var next []byte
	err := c.view(ctx, func(tx *bolt.Tx) error {
		cur := tx.Bucket(bucketChunks).Cursor()
		var k, v []byte
		if from == nil {
			k, v = cur.First()
		} else {
			k, v = cur.Seek(from)
		}
		var prefix []byte // the current document's key prefix
		for ; k != nil; k, v = cur.Next() {
			if len(k) < 6 {
				return errCorrupt("chunk key too short")
			}
			p := k[:len(k)-4]
			if !bytes.Equal(p, prefix) {
				if len(out) >= forEachBatch {
					next = slices.Clone(k)
					return nil
				}
				prefix = append(prefix[:0], p...)
			}
			ch, err := dec.decode(k, v)
			if err != nil {
				return err
			}
			out = append(out, ch)
		}
		return nil
	})
	return out, next, err
}

// Version returns the number of mutations committed since the file was
// created.
func (c *Catalog) Version(ctx context.Context) (uint64, error) {
	var v uint64
	err := c.view(ctx, func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketMeta).Get(keyVersion); len(b) == 8 {
			v = binary.BigEndian.Uint64(b)
		}
		return nil
	})
	return v, err
}
