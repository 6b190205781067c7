//go:build ignore

// gen extracts the Mistral 7B v0.1/v0.2 vocabulary from the npm package
// mistral-tokenizer-js and writes it as vocab_v1.txt.gz: the 32000 pieces,
// one per line, in id order. Scores and token types are derived in code
// (see vocab.go).
//
//	go run gen.go /work/noderef/node_modules/mistral-tokenizer-js/mistral-tokenizer.js
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"os"
	"regexp"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run gen.go path/to/mistral-tokenizer.js")
		os.Exit(2)
	}
	src, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail(err)
	}
	m := regexp.MustCompile(`const vocab_base64 = "([A-Za-z0-9+/=]+)"`).FindSubmatch(src)
	if m == nil {
		fail(fmt.Errorf("no vocab_base64 string in %s", os.Args[1]))
	}
	raw, err := base64.StdEncoding.DecodeString(string(m[1]))
	if err != nil {
		fail(err)
	}
	pieces := strings.Split(string(raw), "\n")
	if len(pieces) != 32000 {
		fail(fmt.Errorf("%d pieces, want 32000", len(pieces)))
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write([]byte(strings.Join(pieces, "\n")))
	if err := zw.Close(); err != nil {
		fail(err)
	}
	if err := os.WriteFile("vocab_v1.txt.gz", buf.Bytes(), 0o644); err != nil {
		fail(err)
	}
	fmt.Printf("wrote vocab_v1.txt.gz: %d pieces, %d bytes\n", len(pieces), buf.Len())
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}
