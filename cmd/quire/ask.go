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
	register("ask", "answer a question from the documents, with citations", cmdAsk)
}

func cmdAsk(args []string) int {
	fs := flag.NewFlagSet("ask", flag.ContinueOnError)
	var sf serviceFlags
	sf.register(fs)
	k := fs.Int("k", 5, "passages to retrieve")
	asJSON := fs.Bool("json", false, "print the answer as JSON")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: quire ask [flags] QUESTION")
		fs.PrintDefaults()
	}
	if code, ok := parse(fs, args); !ok {
		return code
	}
	q := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(q) == "" {
		fs.Usage()
		return 2
	}
	ctx := context.Background()
	svc, err := sf.backend(ctx, true)
	if err != nil {
		return fail("%v", err)
	}
	defer svc.Close()
	emit := func(ev rag.Event) error {
		if ev.Type == "token" && !*asJSON {
			fmt.Print(ev.Text)
		}
		return nil
	}
	ans, err := svc.Ask(ctx, rag.AskRequest{Question: q, K: *k}, emit)
	if err != nil {
		return fail("%v", err)
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(ans)
		return 0
	}
	fmt.Println()
	if len(ans.Citations) > 0 {
		fmt.Println("\nSources:")
		for _, c := range ans.Citations {
			section := c.Section
			if c.Page != nil {
				section = nil // a page says where; the heading would repeat it
			}
			fmt.Printf("[%d] %s\n", c.N, location(c.Path, c.Page, c.PageEnd, section))
		}
	}
	if len(ans.Unsupported) > 0 {
		fmt.Println("\nNot supported by the cited sources:")
		for _, u := range ans.Unsupported {
			fmt.Printf("  - %q (%s)\n", u.Sentence, u.Reason)
		}
	}
	if len(ans.DroppedCitations) > 0 {
		fmt.Printf("\n(dropped citations that point at no source: %v)\n", ans.DroppedCitations)
	}
	if ans.Provenance == rag.ProvenanceGenerated {
		fmt.Printf("\n(%s: first token after %d ms, %.1f tokens/s)\n", ans.Model, ans.Timing.TTFTMS, ans.Timing.TokensPerS)
	}
	if ans.Provenance == rag.ProvenanceExtractive {
		fmt.Println("\n(extractive answer: quoted from your documents; configure a model for written answers)")
	}
	return 0
}
