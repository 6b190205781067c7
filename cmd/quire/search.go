package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/quirehq/quire/rag"
)

func init() {
	register("search", "rank passages for a query", cmdSearch)
}

func cmdSearch(args []string) int {
	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	var sf serviceFlags
	sf.register(fs)
	k := fs.Int("k", 5, "number of results")
	asJSON := fs.Bool("json", false, "print JSON")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: quire search [--k N] [--json] QUERY")
		fs.PrintDefaults()
	}
	if code, ok := parse(fs, args); !ok {
		return code
	}
	query := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(query) == "" {
		fs.Usage()
		return 2
	}
	if *k < 1 || *k > rag.MaxK {
		fmt.Fprintf(os.Stderr, "quire: --k must be between 1 and %d\n", rag.MaxK)
		return 2
	}
	ctx := context.Background()
	svc, err := sf.backend(ctx, false)
	if err != nil {
		return fail("%v", err)
	}
	defer svc.Close()
	resp, err := svc.Search(ctx, rag.SearchRequest{Query: query, K: *k})
	if err != nil {
		return fail("%v", err)
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(resp); err != nil {
			return fail("%v", err)
		}
		return 0
	}
	if len(resp.Results) == 0 {
		fmt.Println("no results")
	}
	for i, r := range resp.Results {
		fmt.Printf("%d. %s  (score %.3f)\n   %s\n\n", i+1, location(r.Path, r.Page, r.PageEnd, r.Section), r.Score, oneLine(r.Text, 240))
	}
	return 0
}

// location names a passage for people: "guide.pdf, p. 3-4 > Setup".
func location(path string, page, pageEnd *int, section *string) string {
	loc := path
	if page != nil {
		loc += fmt.Sprintf(", p. %d", *page)
		if pageEnd != nil && *pageEnd > *page {
			loc += fmt.Sprintf("-%d", *pageEnd)
		}
	}
	if section != nil {
		loc += " > " + *section
	}
	return loc
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		cut := max
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
