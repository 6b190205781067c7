package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"

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
}

func (f *serviceFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dataDir, "data-dir", env("QUIRE_DATA_DIR", "./data"), "data folder (env QUIRE_DATA_DIR)")
	fs.StringVar(&f.collection, "collection", env("QUIRE_COLLECTION", "default"), "collection (env QUIRE_COLLECTION)")
	fs.IntVar(&f.chunk, "chunk-tokens", envInt("QUIRE_CHUNK_TOKENS", 300), "chunk budget in tokens (env QUIRE_CHUNK_TOKENS)")
	fs.IntVar(&f.workers, "workers", envInt("QUIRE_WORKERS", 2), "ingestion workers (env QUIRE_WORKERS)")
}

func (f *serviceFlags) open(ctx context.Context, logger *slog.Logger) (*rag.Service, error) {
	return rag.Open(ctx, rag.Config{
		DataDir:     f.dataDir,
		Collection:  f.collection,
		ChunkTokens: f.chunk,
		Workers:     f.workers,
		Logger:      logger,
	})
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
