package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/quirehq/quire/llm"
	"github.com/quirehq/quire/llm/gguf"
	"github.com/quirehq/quire/llm/sample"
	"github.com/quirehq/quire/llm/tokenizer"

	"github.com/quirehq/quire/rag"
)

// serviceFlags are the flags every command that opens the data folder shares.
// Each has an environment variable QUIRE_*; a flag given on the command line
// wins over the environment.
type serviceFlags struct {
	dataDir    string
	collection string
	chunk      int
	workers    int

	model    string
	ctxSize  int
	parallel int
	queue    int
	answer   int
	temp     float64
	seed     uint64
	rewrite  bool
	server   string
}

func (f *serviceFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dataDir, "data-dir", env("QUIRE_DATA_DIR", "./data"), "data folder (env QUIRE_DATA_DIR)")
	fs.StringVar(&f.collection, "collection", env("QUIRE_COLLECTION", "default"), "collection (env QUIRE_COLLECTION)")
	fs.IntVar(&f.chunk, "chunk-tokens", envInt("QUIRE_CHUNK_TOKENS", 300), "chunk budget in tokens (env QUIRE_CHUNK_TOKENS)")
	fs.IntVar(&f.workers, "workers", envInt("QUIRE_WORKERS", 2), "ingestion workers (env QUIRE_WORKERS)")
	fs.StringVar(&f.server, "server", env("QUIRE_SERVER", ""), "talk to a running quire serve at this URL instead of opening the data folder (env QUIRE_SERVER)")
	fs.StringVar(&f.model, "model", env("QUIRE_MODEL", ""), "GGUF model for written answers (env QUIRE_MODEL); empty: extractive answers")
	fs.IntVar(&f.ctxSize, "ctx", envInt("QUIRE_CTX", 4096), "context size in tokens (env QUIRE_CTX)")
	fs.IntVar(&f.parallel, "parallel", envInt("QUIRE_PARALLEL", 1), "answers generated at once, each with its own KV cache (env QUIRE_PARALLEL)")
	fs.IntVar(&f.queue, "queue", envInt("QUIRE_QUEUE", 16), "questions that may wait for the model before 429 (env QUIRE_QUEUE)")
	fs.IntVar(&f.answer, "answer-tokens", envInt("QUIRE_ANSWER_TOKENS", 512), "room kept for an answer, in tokens (env QUIRE_ANSWER_TOKENS)")
	fs.Float64Var(&f.temp, "temp", envFloat("QUIRE_TEMP", 0), "sampling temperature of answers; 0 is greedy (env QUIRE_TEMP)")
	fs.Uint64Var(&f.seed, "seed", uint64(envInt("QUIRE_SEED", 0)), "sampling seed (env QUIRE_SEED)")
	fs.BoolVar(&f.rewrite, "rewrite-followups", env("QUIRE_REWRITE_FOLLOWUPS", "") == "1", "let the model rewrite follow-up questions for retrieval (a second generation; env QUIRE_REWRITE_FOLLOWUPS=1)")
}

// openWith opens the service; withModel loads --model when it is set (the
// commands that never answer skip the load).
func (f *serviceFlags) openWith(ctx context.Context, logger *slog.Logger, addr string, withModel bool) (*rag.Service, error) {
	cfg := rag.Config{
		DataDir:          f.dataDir,
		Collection:       f.collection,
		ChunkTokens:      f.chunk,
		Workers:          f.workers,
		Addr:             addr,
		Logger:           logger,
		AnswerReserve:    f.answer,
		Sample:           sample.Params{Temperature: float32(f.temp), Seed: f.seed},
		RewriteFollowUps: f.rewrite,
	}
	if withModel && f.model != "" {
		m, err := loadModel(f.model)
		if err != nil {
			return nil, err
		}
		eng, err := rag.NewEngine(m, rag.EngineOptions{Ctx: f.ctxSize, Parallel: f.parallel, QueueSize: f.queue})
		if err != nil {
			m.Close()
			return nil, err
		}
		cfg.Generator = eng
		cfg.TokenCount = eng.CountTokens
	} else if f.model != "" {
		// Chunks are counted with the model's tokenizer wherever they are
		// made; its vocabulary is all that is read here.
		count, err := modelTokenCounter(f.model)
		if err != nil {
			return nil, err
		}
		cfg.TokenCount = count
	}
	return rag.Open(ctx, cfg)
}

// loadModel maps a GGUF model, with a progress bar on a terminal while its
// pages are read in.
func loadModel(path string) (*llm.Model, error) {
	var opt llm.LoadOptions
	if isTerminal(os.Stderr) {
		var bar *progressbar.ProgressBar
		opt.Progress = func(done, total int64) {
			if bar == nil {
				bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(os.Stderr),
					progressbar.OptionSetDescription("loading "+filepath.Base(path)), progressbar.OptionShowBytes(true),
					progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100*time.Millisecond))
			}
			bar.Set64(done)
		}
	}
	m, err := llm.Load(path, opt)
	if err != nil {
		return nil, fmt.Errorf("%w (check --model / QUIRE_MODEL)", err)
	}
	return m, nil
}

// modelTokenCounter reads only a model's vocabulary (the file stays mapped
// for the life of the command).
func modelTokenCounter(path string) (func(string) int, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read the tokenizer of %s: %w (check --model / QUIRE_MODEL)", path, err)
	}
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read the tokenizer of %s: %w", path, err)
	}
	return func(s string) int { return len(tok.Encode(s, false)) }, nil
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func envFloat(key string, def float64) float64 {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			return n
		}
	}
	return def
}

func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

func envInt(key string, def int) int {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return def
}

// parse parses flags and maps -h and bad flags to exit codes.
func parse(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	return 0, true
}

func fail(format string, a ...any) int {
	fmt.Fprintf(os.Stderr, "quire: "+format+"\n", a...)
	return 1
}

func stderrLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
