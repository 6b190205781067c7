package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/quirehq/quire/llm/synth"
	"github.com/schollz/progressbar/v3"
)

func init() {
	register("synth", "write a synthetic Mistral-architecture GGUF model with random weights", runSynth)
}

func runSynth(args []string) int {
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	out := fs.String("out", "", "output GGUF file (required)")
	preset := fs.String("preset", "tiny", "shape preset: tiny or 7b")
	config := fs.String("config", "", "a whole synth.Config as JSON (overrides the preset; other flags still apply)")
	dim := fs.Int("dim", 0, "embedding length")
	layers := fs.Int("layers", 0, "number of blocks")
	heads := fs.Int("heads", 0, "attention heads")
	kvHeads := fs.Int("kv-heads", 0, "key/value heads (GQA)")
	ffn := fs.Int("ffn", 0, "feed-forward length")
	vocab := fs.String("vocab", "", "v1 (Mistral 32000) or v3 (32768)")
	theta := fs.Float64("rope-theta", 0, "RoPE frequency base")
	ctx := fs.Int("ctx", 0, "training context length (metadata)")
	typ := fs.String("type", "", "weight type: "+strings.Join(synth.Types(), ", "))
	seed := fs.Uint64("seed", 0, "random seed (0 keeps the preset's)")
	scale := fs.Float64("scale", 0, "weight scale (0 keeps the preset's)")
	name := fs.String("name", "", "general.name")
	quiet := fs.Bool("q", false, "no progress bar")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: quire synth --out FILE [--preset tiny|7b] [--config JSON] [--dim N --layers N --heads N --kv-heads N --ffn N --vocab v1|v3 --type T --seed S ...]")
		return 2
	}
	var c synth.Config
	switch *preset {
	case "tiny":
		c = synth.Tiny()
	case "7b":
		c = synth.Mistral7B()
	default:
		fmt.Fprintf(os.Stderr, "quire synth: unknown preset %q (tiny or 7b)\n", *preset)
		return 2
	}
	if *config != "" {
		c = synth.Config{}
		if err := json.Unmarshal([]byte(*config), &c); err != nil {
			fmt.Fprintf(os.Stderr, "quire synth: --config: %v\n", err)
			return 2
		}
	}
	setInt := func(dst *int, v int) {
		if v != 0 {
			*dst = v
		}
	}
	setInt(&c.Dim, *dim)
	setInt(&c.Layers, *layers)
	setInt(&c.Heads, *heads)
	setInt(&c.KVHeads, *kvHeads)
	setInt(&c.FFN, *ffn)
	setInt(&c.CtxLen, *ctx)
	if *vocab != "" {
		c.Vocab = *vocab
	}
	if *theta != 0 {
		c.RopeTheta = *theta
	}
	if *typ != "" {
		c.Type = *typ
	}
	if *seed != 0 {
		c.Seed = *seed
	}
	if *scale != 0 {
		c.WeightScale = *scale
	}
	if *name != "" {
		c.Name = *name
	}
	if err := c.Check(); err != nil {
		fmt.Fprintf(os.Stderr, "quire synth: %v\n", err)
		return 2
	}
	var bar *progressbar.ProgressBar
	if !*quiet {
		c.Progress = func(done, total int64) {
			if total < 64<<20 {
				return // small files are written before a bar would help
			}
			if bar == nil {
				bar = progressbar.DefaultBytes(total, "writing "+*out)
			}
			bar.Set64(done)
		}
	}
	if err := synth.Write(*out, c); err != nil {
		fmt.Fprintf(os.Stderr, "quire synth: %v\n", err)
		return 1
	}
	if bar != nil {
		bar.Finish()
	}
	return 0
}
