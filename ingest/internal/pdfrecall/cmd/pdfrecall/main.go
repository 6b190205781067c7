// Command pdfrecall compares Quire's PDF extraction with pdftotext on any
// PDFs and prints per-document word recall and pages per second.
//
//	go run ./ingest/internal/pdfrecall/cmd/pdfrecall [-misses] [-dump] file.pdf|dir ...
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/quirehq/quire/ingest"
	"github.com/quirehq/quire/ingest/internal/pdfrecall"
)

func main() {
	fs := flag.NewFlagSet("pdfrecall", flag.ContinueOnError)
	misses := fs.Bool("misses", false, "list the words missed on each page below full recall")
	dump := fs.Bool("dump", false, "print the extracted text of every page")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: pdfrecall [-misses] [-dump] file.pdf|dir ...")
		os.Exit(2)
	}
	var files []string
	for _, a := range fs.Args() {
		if st, err := os.Stat(a); err == nil && st.IsDir() {
			more, _ := filepath.Glob(filepath.Join(a, "*.pdf"))
			files = append(files, more...)
			continue
		}
		files = append(files, a)
	}
	ctx := context.Background()
	var docs []pdfrecall.Doc
	pages, spent := 0, time.Duration(0)
	failed := false
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			failed = true
			continue
		}
		start := time.Now()
		ex, err := ingest.Extract(ctx, data, filepath.Base(f), ingest.Limits{})
		spent += time.Since(start)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			failed = true
			continue
		}
		ref, err := pdfrecall.Pdftotext(ctx, f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		ours := make([]string, len(ex.Pages))
		for i, p := range ex.Pages {
			ours[i] = p.Text
		}
		pages += len(ours)
		d, err := pdfrecall.Compare(filepath.Base(f), ours, ref)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			failed = true
			continue
		}
		docs = append(docs, d)
		for i := range ours {
			if *dump {
				fmt.Printf("==== %s page %d\n%s\n", d.Name, i+1, ours[i])
			}
			if m := pdfrecall.Missed(ours[i], ref[i]); *misses && len(m) > 0 {
				fmt.Printf("---- %s page %d missed: %v\n", d.Name, i+1, m)
			}
		}
		for _, w := range ex.Warnings {
			fmt.Printf("warning: %s: %s\n", d.Name, w)
		}
	}
	table, _ := pdfrecall.Table(docs)
	fmt.Print(table)
	if spent > 0 {
		fmt.Printf("%d pages in %s: %.0f pages/s (extraction and normalization, one goroutine)\n", pages, spent.Round(time.Millisecond), float64(pages)/spent.Seconds())
	}
	if failed {
		os.Exit(1)
	}
}
