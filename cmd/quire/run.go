package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/quirehq/quire/llm"
	"github.com/quirehq/quire/llm/chat"
	"github.com/quirehq/quire/llm/sample"
	"github.com/schollz/progressbar/v3"
)

func init() {
	register("run", "generate text from a GGUF model and a prompt", runRun)
}

// logprob is one entry of a top-5 list in --json output.
type logprob struct {
	ID      int     `json:"id"`
	Logprob float64 `json:"logprob"`
}

type runToken struct {
	ID   int       `json:"id"`
	Text string    `json:"text"`
	Top  []logprob `json:"top"`
}

type runOutput struct {
	PromptTokens []int       `json:"prompt_tokens"`
	PromptTop    [][]logprob `json:"prompt_top"`
	Tokens       []runToken  `json:"tokens"`
	Stop         string      `json:"stop"`
}

func runRun(args []string) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	modelPath := fs.String("model", "", "GGUF model file (required)")
	prompt := fs.String("prompt", "", "prompt text (required)")
	n := fs.Int("n", 128, "maximum tokens to generate")
	temp := fs.Float64("temp", 0, "temperature (0: greedy)")
	seed := fs.Uint64("seed", 0, "sampling seed")
	topK := fs.Int("top-k", 0, "top-k (0: off)")
	topP := fs.Float64("top-p", 0, "top-p (0: off)")
	minP := fs.Float64("min-p", 0, "min-p (0: off)")
	repeat := fs.Float64("repeat-penalty", 0, "repetition penalty (0 or 1: off)")
	useChat := fs.Bool("chat", false, "wrap the prompt in the model's chat template as one user turn")
	asJSON := fs.Bool("json", false, "print token ids, texts and top-5 log-probabilities as JSON instead of text")
	ctxLen := fs.Int("ctx", 0, "context length (0: 4096 or the model's, if smaller)")
	kvF32 := fs.Bool("kv-f32", false, "keep the KV cache in float32 instead of F16")
	stats := fs.Bool("stats", false, "print timings and resident memory (VmRSS/VmHWM) to stderr at the end")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *modelPath == "" || *prompt == "" || fs.NArg() > 0 || *n < 0 {
		fmt.Fprintln(os.Stderr, "usage: quire run --model FILE --prompt TEXT [-n N] [--temp T] [--seed S] [--chat] [--json]")
		return 2
	}

	var opt llm.LoadOptions
	var bar *progressbar.ProgressBar
	if st, err := os.Stat(*modelPath); err == nil && st.Size() > 256<<20 {
		opt.Progress = func(done, total int64) {
			if bar == nil {
				bar = progressbar.DefaultBytes(total, "loading")
			}
			bar.Set64(done)
		}
	}
	m, err := llm.Load(*modelPath, opt)
	if bar != nil {
		bar.Finish()
		fmt.Fprintln(os.Stderr)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "quire run: %v\n", err)
		return 1
	}
	defer m.Close()

	tok := m.Tokenizer()
	var ids []int
	if *useChat {
		ids, err = m.Template().Encode(tok, []chat.Message{{Role: "user", Content: *prompt}})
		if err != nil {
			fmt.Fprintf(os.Stderr, "quire run: %v\n", err)
			return 1
		}
	} else {
		ids = tok.Encode(*prompt, tok.AddBOS())
	}
	if len(ids) == 0 {
		fmt.Fprintln(os.Stderr, "quire run: the prompt has no tokens")
		return 2
	}

	s, err := m.NewSession(llm.SessionOptions{Ctx: *ctxLen, F32Cache: *kvF32})
	if err != nil {
		fmt.Fprintf(os.Stderr, "quire run: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	o := llm.GenerateOptions{MaxTokens: *n, Sample: sample.Params{
		Temperature: float32(*temp), Seed: *seed, TopK: *topK, TopP: float32(*topP),
		MinP: float32(*minP), RepeatPenalty: float32(*repeat)}}
	out := runOutput{PromptTokens: ids, PromptTop: [][]logprob{}, Tokens: []runToken{}}
	if *asJSON {
		o.PromptLogits = func(_ int, logits []float32) { out.PromptTop = append(out.PromptTop, top5(logits)) }
	}
	start := time.Now()
	var first time.Duration // prompt evaluated and first token drawn
	emit := func(t llm.Token) error {
		if first == 0 {
			first = time.Since(start)
		}
		if !*asJSON {
			_, err := os.Stdout.WriteString(t.Text)
			return err
		}
		if t.ID < 0 { // text held back until the end
			if k := len(out.Tokens); k > 0 {
				out.Tokens[k-1].Text += t.Text
			}
			return nil
		}
		out.Tokens = append(out.Tokens, runToken{ID: t.ID, Text: t.Text, Top: top5(t.Logits)})
		return nil
	}
	var res llm.Result
	if *n > 0 {
		res, err = s.Generate(ctx, ids, o, emit)
	} else if o.PromptLogits != nil {
		var all [][]float32
		all, err = s.Eval(ids, true)
		for i, l := range all {
			o.PromptLogits(i, l)
		}
		res.Reason = llm.StopLength
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "\nquire run: %v\n", err)
		return 1
	}
	if *stats {
		printStats(len(ids), first, len(res.Tokens), time.Since(start)-first, s.Ctx())
	}
	if *asJSON {
		out.Stop = string(res.Reason)
		enc := json.NewEncoder(os.Stdout)
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(os.Stderr, "quire run: %v\n", err)
			return 1
		}
		return 0
	}
	fmt.Println()
	return 0
}

// printStats reports speed and memory; on Linux VmHWM is the peak resident
// set, which with a memory-mapped model counts the file pages in use.
func printStats(prompt int, first time.Duration, gen int, rest time.Duration, ctx int) {
	fmt.Fprintf(os.Stderr, "prompt: %d tokens, first token after %v (%.2f tok/s)\n", prompt, first.Round(time.Millisecond), float64(prompt)/first.Seconds())
	if gen > 1 {
		fmt.Fprintf(os.Stderr, "generation: %d more tokens in %v (%.2f tok/s)\n", gen-1, rest.Round(time.Millisecond), float64(gen-1)/rest.Seconds())
	}
	fmt.Fprintf(os.Stderr, "context: %d tokens\n", ctx)
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "VmRSS") || strings.HasPrefix(l, "VmHWM") || strings.HasPrefix(l, "RssAnon") || strings.HasPrefix(l, "RssFile") {
				fmt.Fprintln(os.Stderr, strings.Join(strings.Fields(l), " "))
			}
		}
	}
}

// top5 is the five most likely tokens with ln softmax over the whole
// vocabulary of the raw logits.
func top5(logits []float32) []logprob {
	lp := sample.LogSoftmax(logits)
	var top []logprob
	for _, id := range sample.TopK(lp, 5) {
		top = append(top, logprob{ID: id, Logprob: lp[id]})
	}
	return top
}
