package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/quirehq/quire/llm/gguf"
	"github.com/quirehq/quire/llm/tokenizer"
)

func init() {
	register("tokenize", "print the token ids of a text under a model's vocabulary", func(args []string) int {
		return runTokenize(args, os.Stdin, os.Stdout, os.Stderr)
	})
}

// runTokenize tokenizes like llama.cpp's llama-tokenize: BOS if the model
// asks for it, control-looking text ("<s>", "[INST]") kept as plain text.
func runTokenize(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tokenize", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("model", os.Getenv("QUIRE_MODEL"), "GGUF model (or vocabulary-only GGUF) whose tokenizer to use (env QUIRE_MODEL)")
	asJSON := fs.Bool("json", false, `print {"tokens":[...]} instead of "id<TAB>piece" lines`)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: quire tokenize --model M [--json] TEXT...   (TEXT - reads standard input)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *model == "" || fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	text := strings.Join(fs.Args(), " ")
	if text == "-" && fs.NArg() == 1 {
		b, err := io.ReadAll(stdin)
		if err != nil {
			fmt.Fprintf(stderr, "quire tokenize: read standard input: %v\n", err)
			return 1
		}
		text = string(b)
	}

	f, err := gguf.Open(*model)
	if err != nil {
		fmt.Fprintf(stderr, "quire tokenize: %v\n", err)
		return 1
	}
	defer f.Close()
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		fmt.Fprintf(stderr, "quire tokenize: %s: %v\n", *model, err)
		return 1
	}
	ids := tok.Encode(text, tok.AddBOS())

	if *asJSON {
		if ids == nil {
			ids = []int{}
		}
		out, _ := json.Marshal(struct {
			Tokens []int `json:"tokens"`
		}{ids})
		fmt.Fprintln(stdout, string(out))
		return 0
	}
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, "%d\t%s\n", id, tok.Piece(id))
	}
	io.WriteString(stdout, b.String())
	return 0
}
