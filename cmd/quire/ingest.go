package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"

	"github.com/quirehq/quire/rag"
	"github.com/schollz/progressbar/v3"
)

func init() {
	register("ingest", "add files and folders (recursively) to the catalog", cmdIngest)
}

func cmdIngest(args []string) int {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	var sf serviceFlags
	sf.register(fs)
	quiet := fs.Bool("quiet", false, "no progress bar")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: quire ingest [flags] PATH...\n\nExit status: 0 all files ingested, 1 some failed (the others are kept), 2 usage error.")
		fs.PrintDefaults()
	}
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	svc, err := sf.backend(ctx, false)
	if err != nil {
		return fail("%v", err)
	}
	defer svc.Close()

	var bar *progressbar.ProgressBar
	if !*quiet {
		bar = progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(os.Stderr),
			progressbar.OptionSetDescription("ingesting"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("files"),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100_000_000),
		)
	}
	var mu sync.Mutex
	results := svc.IngestPaths(ctx, fs.Args(), func(p rag.FileProgress) {
		if p.Result == nil || bar == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		bar.Describe(p.Name)
		bar.Add(1)
	})
	if bar != nil {
		bar.Finish()
	}
	failed := 0
	for _, r := range results {
		switch {
		case r.Err != nil:
			failed++
			fmt.Printf("FAIL  %s: %s\n", r.Name, strings.TrimPrefix(r.Err.Error(), r.Name+": "))
		case r.Duplicate:
			fmt.Printf("same  %s (unchanged)\n", r.Name)
		default:
			fmt.Printf("ok    %s (%s, %s, %d chunks)\n", r.Name, r.Doc.Type, pagesOf(r.Doc.Pages), r.Doc.Chunks)
		}
	}
	fmt.Printf("\n%d files: %d ingested or unchanged, %d failed\n", len(results), len(results)-failed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}

func pagesOf(n int) string {
	switch n {
	case 0:
		return "no pages"
	case 1:
		return "1 page"
	}
	return fmt.Sprintf("%d pages", n)
}
