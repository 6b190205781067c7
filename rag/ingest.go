package rag

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/quirehq/quire/ingest"
	"github.com/quirehq/quire/store"
)

// ErrQueueFull is returned by Submit when the ingestion queue is full.
var ErrQueueFull = errors.New("ingestion queue is full; retry later")

// Source is one file handed to the service.
type Source struct {
	Name       string // the document's name: relative path or file name
	Collection string // default: the service's collection
	Data       []byte
}

// IngestResult is the outcome for one file.
type IngestResult struct {
	Name      string
	Doc       store.Document
	Duplicate bool
	Err       error
}

// Progress is a step of one document's ingestion, for progress bars and SSE.
type Progress struct {
	DocID  string `json:"doc_id"`
	Status string `json:"status"`          // queued, ingesting, ready, failed
	Stage  string `json:"stage,omitempty"` // extracting, chunking, embedding, indexing
	Done   int    `json:"done"`            // chunks embedded so far
	Total  int    `json:"total"`           // chunks to embed
	Error  string `json:"error,omitempty"`
}

type job struct{ docID string }

// DocID is a document's id: stable for a (collection, name) pair, so a new
// version of a file keeps its id.
func DocID(collection, name string) string {
	h := sha256.Sum256([]byte(collection + "\x00" + name))
	return hex.EncodeToString(h[:8])
}

func (s *Service) collection(c string) string {
	if c == "" {
		return s.cfg.Collection
	}
	return c
}

// accept stores the original and records the document as queued. The same
// bytes under the same name are a no-op (duplicate).
func (s *Service) accept(ctx context.Context, src Source) (store.Document, bool, error) {
	if strings.TrimSpace(src.Name) == "" {
		return store.Document{}, false, errors.New("a document needs a name")
	}
	if max := s.maxBytes(); int64(len(src.Data)) > max {
		return store.Document{}, false, fmt.Errorf("file is %d bytes, over the limit of %d bytes", len(src.Data), max)
	}
	coll := s.collection(src.Collection)
	sum := sha256.Sum256(src.Data)
	sha := hex.EncodeToString(sum[:])
	id := DocID(coll, src.Name)
	unlock := s.lockDoc(id)
	defer unlock()

	old, err := s.cat.GetDocument(ctx, id)
	switch {
	case err == nil && old.SHA256 == sha && old.Status != store.StatusFailed:
		return old, true, nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return store.Document{}, false, err
	}
	if _, _, err := s.blobs.Put(bytes.NewReader(src.Data)); err != nil {
		return store.Document{}, false, fmt.Errorf("keep original: %w", err)
	}
	now := time.Now().UTC()
	doc := store.Document{
		ID: id, Collection: coll, Name: src.Name, SHA256: sha,
		Size: int64(len(src.Data)), Status: store.StatusQueued,
		Created: now, Updated: now,
	}
	if err == nil { // a new version of an existing document: keep its history
		doc.Created = old.Created
		doc.Type, doc.Pages, doc.Chunks, doc.Title = old.Type, old.Pages, old.Chunks, old.Title
	}
	if err := s.cat.PutDocument(ctx, doc); err != nil {
		return store.Document{}, false, err
	}
	if err == nil && old.SHA256 != sha {
		s.collectBlob(ctx, old.SHA256)
	}
	s.publish(Progress{DocID: id, Status: store.StatusQueued})
	return doc, false, nil
}

func (s *Service) maxBytes() int64 {
	if s.cfg.Limits.MaxBytes > 0 {
		return s.cfg.Limits.MaxBytes
	}
	return 100 << 20
}

// Ingest stores and indexes one file before returning.
func (s *Service) Ingest(ctx context.Context, src Source) IngestResult {
	doc, dup, err := s.accept(ctx, src)
	if err != nil || dup {
		return IngestResult{Name: src.Name, Doc: doc, Duplicate: dup, Err: err}
	}
	doc, err = s.process(ctx, doc.ID)
	return IngestResult{Name: src.Name, Doc: doc, Err: err}
}

// Submit stores a file and queues it for background ingestion; progress is
// published to Subscribe.
func (s *Service) Submit(ctx context.Context, src Source) (store.Document, bool, error) {
	doc, dup, err := s.accept(ctx, src)
	if err != nil || dup {
		return doc, dup, err
	}
	if !s.enqueue(doc.ID) {
		// The document stays queued in the catalog and is picked up at the
		// next start; tell the caller to slow down.
		return doc, false, ErrQueueFull
	}
	return doc, false, nil
}

func (s *Service) worker() {
	defer s.wg.Done()
	for {
		select {
		case <-s.closing:
			return
		case j := <-s.queue:
			if _, err := s.process(context.Background(), j.docID); err != nil {
				s.log.Warn("ingestion failed", "doc", j.docID, "err", err)
			}
			s.pending.Add(-1)
		}
	}
}

// resume queues documents that a previous process accepted but did not
// finish: their originals are kept, so they are redone from the start.
func (s *Service) resume(ctx context.Context) error {
	docs, err := s.cat.ListDocuments(ctx, store.DocumentFilter{})
	if err != nil {
		return err
	}
	for _, d := range docs {
		if d.Status == store.StatusQueued || d.Status == store.StatusIngesting {
			s.log.Info("resuming interrupted ingestion", "doc", d.Name)
			if !s.enqueue(d.ID) {
				return nil
			}
		}
	}
	return nil
}

// enqueue queues a document for a worker; false when the queue is full.
func (s *Service) enqueue(id string) bool {
	s.pending.Add(1)
	select {
	case s.queue <- job{id}:
		return true
	default:
		s.pending.Add(-1)
		return false
	}
}

// WaitIdle blocks until the background queue is empty and no document is
// being ingested, or ctx ends.
func (s *Service) WaitIdle(ctx context.Context) error {
	for {
		s.mu.Lock()
		busy := len(s.working) > 0 || s.pending.Load() > 0
		s.mu.Unlock()
		if !busy {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// process extracts, chunks, embeds and commits one accepted document.
func (s *Service) process(ctx context.Context, id string) (store.Document, error) {
	unlock := s.lockDoc(id)
	defer unlock()
	doc, err := s.cat.GetDocument(ctx, id)
	if err != nil {
		return doc, err
	}
	if doc.Status == store.StatusReady {
		return doc, nil // already done (a duplicate job)
	}
	doc.Status, doc.Error, doc.Updated = store.StatusIngesting, "", time.Now().UTC()
	if err := s.cat.PutDocument(ctx, doc); err != nil {
		return doc, err
	}
	s.publish(Progress{DocID: id, Status: doc.Status, Stage: "extracting"})

	chunks, ex, err := s.build(ctx, &doc)
	if err == nil && len(chunks) == 0 {
		err = errors.New("no text found in the file")
	}
	if err != nil {
		doc.Status, doc.Error, doc.Chunks = store.StatusFailed, err.Error(), 0
		doc.Updated = time.Now().UTC()
		// A failed version has no chunks: stale text of an older version is
		// never served under the new bytes.
		if cerr := s.cat.CommitChunks(context.WithoutCancel(ctx), doc, nil); cerr != nil {
			return doc, errors.Join(err, cerr)
		}
		s.index.Remove(doc.ID)
		s.publish(Progress{DocID: id, Status: doc.Status, Error: doc.Error})
		return doc, err
	}
	doc.Type, doc.Title = string(ex.Type), ex.Title
	doc.Pages = len(ex.Pages)
	doc.Chunks = len(chunks)
	doc.Embedder = s.emb.ID()
	doc.Status, doc.Updated = store.StatusReady, time.Now().UTC()
	s.publish(Progress{DocID: id, Status: store.StatusIngesting, Stage: "indexing", Done: len(chunks), Total: len(chunks)})
	if err := s.cat.CommitChunks(context.WithoutCancel(ctx), doc, chunks); err != nil {
		return doc, fmt.Errorf("commit chunks: %w", err)
	}
	if err := s.index.Upsert(doc, chunks); err != nil {
		// The catalog has the document; the index refused it (a vector of
		// another embedder or size). A reindex rebuilds it from the catalog.
		s.log.Error("index refused the document; run quire reindex", "doc", doc.Name, "err", err)
		return doc, fmt.Errorf("index the chunks: %w (run quire reindex)", err)
	}
	s.publish(Progress{DocID: id, Status: doc.Status, Done: len(chunks), Total: len(chunks)})
	return doc, nil
}

// embedBatch is how many chunks are embedded per call.
const embedBatch = 64

func (s *Service) build(ctx context.Context, doc *store.Document) ([]store.Chunk, *ingest.Extracted, error) {
	data, err := os.ReadFile(s.blobs.Path(doc.SHA256))
	if err != nil {
		return nil, nil, fmt.Errorf("read kept original: %w", err)
	}
	ex, err := ingest.Extract(ctx, data, doc.Name, s.cfg.Limits)
	if err != nil {
		return nil, nil, err
	}
	s.publish(Progress{DocID: doc.ID, Status: store.StatusIngesting, Stage: "chunking"})
	pieces := ingest.Chunk(ex, ingest.ChunkOptions{MaxTokens: s.cfg.ChunkTokens, Count: s.cfg.TokenCount})
	chunks := make([]store.Chunk, len(pieces))
	texts := make([]string, len(pieces))
	prefix := doc.SHA256[:8]
	for i, p := range pieces {
		chunks[i] = store.Chunk{
			ID:          fmt.Sprintf("%s-%s-%d", doc.ID, prefix, i),
			DocID:       doc.ID,
			Collection:  doc.Collection,
			Seq:         i,
			Text:        p.Text,
			PageStart:   p.PageStart,
			PageEnd:     p.PageEnd,
			HeadingPath: p.HeadingPath,
			CharStart:   p.CharStart,
			CharEnd:     p.CharEnd,
		}
		texts[i] = embedText(doc.Name, ex.Title, p.HeadingPath, p.Text)
	}
	for start := 0; start < len(texts); start += embedBatch {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		end := min(start+embedBatch, len(texts))
		vecs, err := s.emb.Embed(ctx, texts[start:end])
		if err != nil {
			return nil, nil, fmt.Errorf("embed chunks: %w", err)
		}
		for i, v := range vecs {
			chunks[start+i].Embedding = v
		}
		s.publish(Progress{DocID: doc.ID, Status: store.StatusIngesting, Stage: "embedding", Done: end, Total: len(texts)})
	}
	return chunks, ex, nil
}

// embedText is what the embedder sees of a chunk: its document's name and
// title and its heading path give short passages their context.
func embedText(name, title string, headings []string, text string) string {
	var b strings.Builder
	b.WriteString(name)
	if title != "" {
		b.WriteString(" | ")
		b.WriteString(title)
	}
	if len(headings) > 0 {
		b.WriteString(" | ")
		b.WriteString(strings.Join(headings, " > "))
	}
	b.WriteString("\n")
	b.WriteString(text)
	return b.String()
}

// lockDoc serializes work on one document id.
func (s *Service) lockDoc(id string) func() {
	for {
		s.mu.Lock()
		if !s.working[id] {
			s.working[id] = true
			s.mu.Unlock()
			return func() {
				s.mu.Lock()
				delete(s.working, id)
				s.mu.Unlock()
			}
		}
		s.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
}

// collectBlob removes an original that no document refers to any more.
func (s *Service) collectBlob(ctx context.Context, sha string) {
	if sha == "" {
		return
	}
	docs, err := s.cat.ListDocuments(ctx, store.DocumentFilter{})
	if err != nil {
		return
	}
	for _, d := range docs {
		if d.SHA256 == sha {
			return
		}
	}
	if err := s.blobs.Remove(sha); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.log.Warn("remove unused original", "sha256", sha, "err", err)
	}
}

// Subscribe returns a channel of a document's progress; call cancel when
// done. Slow readers miss intermediate steps, never the channel's close.
func (s *Service) Subscribe(docID string) (<-chan Progress, func()) {
	ch := make(chan Progress, 16)
	s.mu.Lock()
	s.subs[docID] = append(s.subs[docID], ch)
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		list := s.subs[docID]
		for i, c := range list {
			if c == ch {
				s.subs[docID] = append(list[:i], list[i+1:]...)
				close(ch)
				break
			}
		}
		if len(s.subs[docID]) == 0 {
			delete(s.subs, docID)
		}
	}
}

func (s *Service) publish(p Progress) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range s.subs[p.DocID] {
		select {
		case ch <- p:
		default:
		}
	}
}

// FileProgress reports one file of IngestPaths.
type FileProgress struct {
	Name   string
	Bytes  int64
	Result *IngestResult // nil when the file starts
}

// File is one file found by CollectFiles: its path on disk and its
// document name, or the error met reaching it.
type File struct {
	Path string
	Name string
	Size int64
	Err  error
}

// CollectFiles lists files and folders (recursively; hidden entries
// skipped), sorted by name. A file given directly is named by its base
// name; a file found in a folder by its path relative to that folder.
func CollectFiles(paths []string) []File {
	var items []File
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			items = append(items, File{Path: p, Name: p, Err: err})
			continue
		}
		if !info.IsDir() {
			items = append(items, File{Path: p, Name: filepath.Base(p), Size: info.Size()})
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				items = append(items, File{Path: path, Name: path, Err: err})
				return nil
			}
			if path != p && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() {
				return nil
			}
			rel, _ := filepath.Rel(p, path)
			var size int64
			if fi, _ := d.Info(); fi != nil {
				size = fi.Size()
			}
			items = append(items, File{Path: path, Name: filepath.ToSlash(rel), Size: size})
			return nil
		})
		if err != nil {
			items = append(items, File{Path: p, Name: p, Err: err})
		}
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].Name < items[j].Name })
	return items
}

// IngestPaths ingests the files CollectFiles finds, Workers at a time.
// Every file gets a result; one bad file never stops the others.
func (s *Service) IngestPaths(ctx context.Context, paths []string, progress func(FileProgress)) []IngestResult {
	return ForEachFile(ctx, CollectFiles(paths), s.cfg.Workers, progress, func(f File) IngestResult {
		data, err := readLimited(f.Path, s.maxBytes())
		if err != nil {
			return IngestResult{Name: f.Name, Err: err}
		}
		return s.Ingest(ctx, Source{Name: f.Name, Data: data})
	})
}

// ForEachFile runs ingest on files with the given parallelism, reporting
// progress; files with an error, or met after ctx ends, fail alone.
func ForEachFile(ctx context.Context, files []File, workers int, progress func(FileProgress), ingest func(File) IngestResult) []IngestResult {
	results := make([]IngestResult, len(files))
	var next int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < max(1, workers); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= len(files) {
					return
				}
				f := files[i]
				if progress != nil {
					progress(FileProgress{Name: f.Name, Bytes: f.Size})
				}
				switch {
				case f.Err != nil:
					results[i] = IngestResult{Name: f.Name, Err: f.Err}
				case ctx.Err() != nil:
					results[i] = IngestResult{Name: f.Name, Err: ctx.Err()}
				default:
					results[i] = ingest(f)
				}
				if progress != nil {
					progress(FileProgress{Name: f.Name, Bytes: f.Size, Result: &results[i]})
				}
			}
		}()
	}
	wg.Wait()
	return results
}

func readLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("file is over the limit of %d bytes", max)
	}
	return data, nil
}
