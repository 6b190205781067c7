// Package rag is the service that the CLI and the web layer both call:
// Ingest, Search and Ask, over the catalog (store), the indexes (retrieval),
// the loaders (ingest) and, later, the engine (llm).
package rag

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/quirehq/quire/ingest"
	"github.com/quirehq/quire/llm/sample"
	"github.com/quirehq/quire/retrieval"
	"github.com/quirehq/quire/store"
	"github.com/quirehq/quire/store/embedded"
)

// Config is the service's configuration. Zero values get defaults.
type Config struct {
	DataDir     string             // default "./data"
	Collection  string             // default store.DefaultCollection
	Embedder    retrieval.Embedder // default: the built-in hashing embedder
	Workers     int                // background ingestion workers, default 2
	Limits      ingest.Limits      // per-file limits
	ChunkTokens int                // chunk budget, default 300
	// TokenCount counts tokens for chunking; nil uses ingest.ApproxTokens.
	// A configured model's tokenizer goes here.
	TokenCount func(string) int
	// Generator writes answers; nil means extractive answers (no model).
	Generator Generator
	// AnswerReserve is the room kept for an answer in the context, default 512.
	AnswerReserve int
	// Sample is how generated answers are sampled; the zero value is greedy.
	Sample sample.Params
	// RewriteFollowUps asks the model to turn a follow-up question into a
	// standalone retrieval query. Off by default: it costs a second
	// generation on CPU, and the cheap rule (followUpQuery) is used instead.
	RewriteFollowUps bool
	// Addr is recorded in the data folder's lock so that a second process
	// can be told where the owner serves.
	Addr   string
	Logger *slog.Logger
}

// Service is safe for concurrent use.
type Service struct {
	cfg   Config
	log   *slog.Logger
	lock  *store.DirLock
	cat   store.Catalog
	blobs *store.Blobs
	index *retrieval.Index
	emb   retrieval.Embedder

	mu      sync.Mutex // guards ingesting and subs
	working map[string]bool
	subs    map[string][]chan Progress

	queue   chan job
	pending atomic.Int64 // jobs queued or being processed
	wg      sync.WaitGroup
	closing chan struct{}
	closed  bool
}

const (
	catalogFile  = "catalog.db"
	snapshotFile = "index.snap"
)

// Open takes ownership of the data folder (a second process gets an error
// naming the owner), opens the catalog, loads the index snapshot or rebuilds
// it when it is stale, and resumes ingestion that a previous process left
// unfinished.
func Open(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.DataDir == "" {
		cfg.DataDir = "data"
	}
	if cfg.Collection == "" {
		cfg.Collection = store.DefaultCollection
	}
	if cfg.Embedder == nil {
		cfg.Embedder = retrieval.NewHashEmbedder(384)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.ChunkTokens <= 0 {
		cfg.ChunkTokens = 300
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	lock, err := store.LockDir(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if cfg.Addr != "" {
		if err := lock.SetAddr(cfg.Addr); err != nil {
			lock.Close()
			return nil, err
		}
	}
	s := &Service{
		cfg:     cfg,
		log:     cfg.Logger,
		lock:    lock,
		emb:     cfg.Embedder,
		working: map[string]bool{},
		subs:    map[string][]chan Progress{},
		queue:   make(chan job, 4096),
		closing: make(chan struct{}),
	}
	fail := func(err error) (*Service, error) {
		if s.cat != nil {
			s.cat.Close()
		}
		lock.Close()
		return nil, err
	}
	s.cat, err = embedded.Open(filepath.Join(cfg.DataDir, catalogFile))
	if err != nil {
		return fail(fmt.Errorf("open catalog: %w", err))
	}
	s.blobs, err = store.OpenBlobs(cfg.DataDir)
	if err != nil {
		return fail(fmt.Errorf("open originals folder: %w", err))
	}
	if err := s.loadIndex(ctx); err != nil {
		return fail(err)
	}
	for i := 0; i < cfg.Workers; i++ {
		s.wg.Add(1)
		go s.worker()
	}
	if err := s.resume(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// loadIndex loads the snapshot if it matches the catalog's version and the
// embedder, and rebuilds it from the catalog otherwise.
func (s *Service) loadIndex(ctx context.Context) error {
	version, err := s.cat.Version(ctx)
	if err != nil {
		return fmt.Errorf("read catalog version: %w", err)
	}
	path := filepath.Join(s.cfg.DataDir, snapshotFile)
	ix, snapVersion, err := retrieval.Load(path, s.emb)
	switch {
	case err == nil && snapVersion == version:
		s.index = ix
		return nil
	case err != nil && !errors.Is(err, os.ErrNotExist):
		s.log.Warn("index snapshot unusable; rebuilding from the catalog", "err", err)
	}
	return s.rebuild(ctx)
}

func (s *Service) rebuild(ctx context.Context) error {
	version, err := s.cat.Version(ctx)
	if err != nil {
		return err
	}
	ix, err := retrieval.Rebuild(ctx, s.cat, s.emb)
	if err != nil {
		return fmt.Errorf("rebuild index: %w", err)
	}
	s.index = ix
	return s.index.Save(filepath.Join(s.cfg.DataDir, snapshotFile), version)
}

// SaveSnapshot writes the index snapshot for the catalog's current version,
// so the next start loads instead of rebuilding.
func (s *Service) SaveSnapshot(ctx context.Context) error {
	version, err := s.cat.Version(ctx)
	if err != nil {
		return err
	}
	return s.index.Save(filepath.Join(s.cfg.DataDir, snapshotFile), version)
}

// Reindex rebuilds both indexes from the catalog.
func (s *Service) Reindex(ctx context.Context) error {
	return s.rebuild(ctx)
}

// SetAddr records where this process serves, in the data folder's lock, so
// that a second process is told to use it (--server).
func (s *Service) SetAddr(addr string) error { return s.lock.SetAddr(addr) }

// Generator is the configured model, or nil for extractive answers.
func (s *Service) Generator() Generator { return s.cfg.Generator }

// Embedder is the embedder the indexes use.
func (s *Service) Embedder() retrieval.Embedder { return s.emb }

// Catalog exposes the catalog to callers that need records directly.
func (s *Service) Catalog() store.Catalog { return s.cat }

// Close stops the workers (in-flight documents finish or are resumed at the
// next start), saves the index snapshot and releases the data folder.
func (s *Service) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	close(s.closing)
	s.wg.Wait()
	var errs []error
	if s.index != nil {
		errs = append(errs, s.SaveSnapshot(context.Background()))
	}
	errs = append(errs, s.cat.Close(), s.lock.Close())
	return errors.Join(errs...)
}
