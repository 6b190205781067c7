package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/quirehq/quire/ingest"
)

func init() {
	register("extract", "print a file's extracted text (or its chunks) as JSON", cmdExtract)
}

// cmdExtract runs ingestion's extraction on one file and prints what the
// index would see: {"type":"pdf","pages":[...]} or
// {"type":"markdown","sections":[...]}; with -chunks, the chunks instead.
func cmdExtract(args []string) int {
	fs := flag.NewFlagSet("extract", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: quire extract [flags] FILE\n\nPrints the text Quire extracts from FILE (PDF, Markdown or text) as JSON.")
		fs.PrintDefaults()
	}
	chunks := fs.Bool("chunks", false, "print the chunks instead of pages/sections")
	maxTokens := fs.Int("max-tokens", 300, "chunk budget in tokens (with -chunks)")
	overlap := fs.Int("overlap", 40, "tokens repeated between chunks (with -chunks; negative for none)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	name := fs.Arg(0)
	data, err := os.ReadFile(name)
	if err != nil {
		fmt.Fprintf(os.Stderr, "quire extract: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ex, err := ingest.Extract(ctx, data, name, ingest.Limits{})
	if err != nil {
		fmt.Fprintf(os.Stderr, "quire extract: %v\n", err)
		return 1
	}
	for _, w := range ex.Warnings {
		fmt.Fprintf(os.Stderr, "quire extract: warning: %s\n", w)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	var v any = ex
	if *chunks {
		v = ingest.Chunk(ex, ingest.ChunkOptions{MaxTokens: *maxTokens, Overlap: *overlap})
	}
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(os.Stderr, "quire extract: %v\n", err)
		return 1
	}
	return 0
}
