package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/quirehq/quire/store"
)

func init() {
	register("docs", "list or remove documents: docs list | docs rm ID...", cmdDocs)
	register("reindex", "rebuild the vector and BM25 indexes from the catalog", cmdReindex)
}

func cmdDocs(args []string) int {
	fs := flag.NewFlagSet("docs", flag.ContinueOnError)
	var sf serviceFlags
	sf.register(fs)
	asJSON := fs.Bool("json", false, "print JSON (list)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: quire docs list [--json] | quire docs rm ID...")
		fs.PrintDefaults()
	}
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	sub, rest := fs.Arg(0), fs.Args()[1:]
	// flags may also follow the subcommand
	if code, ok := parse(fs, rest); !ok {
		return code
	}
	rest = fs.Args()
	ctx := context.Background()
	switch sub {
	case "list", "ls":
		svc, err := sf.backend(ctx, false)
		if err != nil {
			return fail("%v", err)
		}
		defer svc.Close()
		docs, err := svc.Documents(ctx)
		if err != nil {
			return fail("%v", err)
		}
		if *asJSON {
			if docs == nil {
				docs = []store.Document{}
			}
			json.NewEncoder(os.Stdout).Encode(map[string]any{"documents": docs})
			return 0
		}
		if len(docs) == 0 {
			fmt.Println("no documents; add some with: quire ingest PATH")
			return 0
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tTYPE\tPAGES\tCHUNKS\tSTATUS\tUPDATED")
		for _, d := range docs {
			status := d.Status
			if d.Error != "" {
				status += ": " + d.Error
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\n", d.ID, d.Name, d.Type, d.Pages, d.Chunks, status, d.Updated.Format("2006-01-02 15:04"))
		}
		tw.Flush()
		return 0
	case "rm", "delete":
		if len(rest) == 0 {
			fs.Usage()
			return 2
		}
		svc, err := sf.backend(ctx, false)
		if err != nil {
			return fail("%v", err)
		}
		defer svc.Close()
		code := 0
		for _, id := range rest {
			if err := svc.DeleteDocument(ctx, id); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					err = fmt.Errorf("no document with id %s (see quire docs list)", id)
				}
				fmt.Fprintf(os.Stderr, "quire: %v\n", err)
				code = 1
				continue
			}
			fmt.Printf("removed %s\n", id)
		}
		return code
	}
	fmt.Fprintf(os.Stderr, "quire: unknown docs subcommand %q\n", sub)
	fs.Usage()
	return 2
}

func cmdReindex(args []string) int {
	fs := flag.NewFlagSet("reindex", flag.ContinueOnError)
	var sf serviceFlags
	sf.register(fs)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	ctx := context.Background()
	svc, err := sf.openWith(ctx, stderrLogger(), "", false)
	if err != nil {
		return fail("%v", err)
	}
	defer svc.Close()
	if err := svc.Reindex(ctx); err != nil {
		return fail("%v", err)
	}
	fmt.Println("index rebuilt from the catalog")
	return 0
}
