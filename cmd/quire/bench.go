package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quirehq/quire/llm"
)

func init() {
	register("bench", "measure prompt and generation speed of a model, as llama-bench does", cmdBench)
}

// benchResult is what `quire bench --json` prints.
type benchResult struct {
	Model    string  `json:"model"`
	Threads  int     `json:"threads"`
	PP       int     `json:"pp"`
	TG       int     `json:"tg"`
	PPTPS    float64 `json:"pp_tps"`
	TGTPS    float64 `json:"tg_tps"`
	RSSBytes int64   `json:"rss_bytes"`
	LoadS    float64 `json:"load_s"`
}

// cmdBench measures, like llama-bench: prompt tok/s over a p-token prompt
// evaluated in one go, and generation tok/s from an empty context (BOS,
// then n-1 tokens one per step), each the median of reps runs after a
// warm-up; and the process's peak resident memory.
func cmdBench(args []string) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	model := fs.String("model", env("QUIRE_MODEL", ""), "GGUF model (env QUIRE_MODEL)")
	p := fs.Int("p", 128, "prompt tokens")
	n := fs.Int("n", 32, "generated tokens")
	threads := fs.Int("t", runtime.NumCPU(), "threads")
	reps := fs.Int("r", 3, "repetitions (the median is reported)")
	asJSON := fs.Bool("json", false, "print JSON")
	membw := fs.Bool("membw", false, "measure the machine's memory read bandwidth instead (1 GiB, -t threads)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the timed runs to `file` (go tool pprof)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *membw {
		gbs := memoryBandwidth(*threads)
		if *asJSON {
			json.NewEncoder(os.Stdout).Encode(map[string]any{"read_gb_s": gbs, "threads": *threads})
		} else {
			fmt.Printf("memory read bandwidth: %.1f GB/s with %d threads\n", gbs, *threads)
		}
		return 0
	}
	if *model == "" || *p < 1 || *n < 2 || *threads < 1 || *reps < 1 {
		fmt.Fprintln(os.Stderr, "usage: quire bench --model M [-p 128] [-n 32] [-t THREADS] [-r 3] [--json]")
		return 2
	}
	runtime.GOMAXPROCS(*threads)
	start := time.Now()
	m, err := llm.Load(*model, llm.LoadOptions{})
	if err != nil {
		return fail("%v", err)
	}
	defer m.Close()
	load := time.Since(start)
	sess, err := m.NewSession(llm.SessionOptions{Ctx: *p + *n + 8})
	if err != nil {
		return fail("%v", err)
	}
	tok := m.Tokenizer()
	vocab := tok.VocabSize()
	// Prompt tokens as llama-bench makes them: BOS then arbitrary ids.
	prompt := make([]int, *p)
	prompt[0] = tok.BOS()
	for i := 1; i < *p; i++ {
		prompt[i] = 1000 + (i*7919)%(vocab-1000)
	}

	timeIt := func(f func() error) (time.Duration, error) {
		sess.Reset()
		t0 := time.Now()
		err := f()
		return time.Since(t0), err
	}
	pp := func() error { _, err := sess.Eval(prompt, false); return err }
	tg := func() error {
		next := tok.BOS()
		for i := 0; i < *n; i++ {
			out, err := sess.Eval([]int{next}, false)
			if err != nil {
				return err
			}
			next = argmax(out[0])
		}
		return nil
	}
	var ppTimes, tgTimes []time.Duration
	for r := 0; r <= *reps; r++ { // r == 0 is the warm-up
		if r == 1 && *cpuProfile != "" {
			stop, err := startCPUProfile(*cpuProfile)
			if err != nil {
				return fail("%v", err)
			}
			defer stop()
		}
		d, err := timeIt(pp)
		if err != nil {
			return fail("%v", err)
		}
		if r > 0 {
			ppTimes = append(ppTimes, d)
		}
		d, err = timeIt(tg)
		if err != nil {
			return fail("%v", err)
		}
		if r > 0 {
			tgTimes = append(tgTimes, d)
		}
	}
	res := benchResult{
		Model: m.Info().Name, Threads: *threads, PP: *p, TG: *n,
		PPTPS:    float64(*p) / median(ppTimes).Seconds(),
		TGTPS:    float64(*n) / median(tgTimes).Seconds(),
		RSSBytes: peakRSS(),
		LoadS:    load.Seconds(),
	}
	if *asJSON {
		json.NewEncoder(os.Stdout).Encode(res)
		return 0
	}
	fmt.Printf("model %s, %d threads\n", res.Model, res.Threads)
	fmt.Printf("pp%-4d %8.2f tok/s\n", res.PP, res.PPTPS)
	fmt.Printf("tg%-4d %8.2f tok/s\n", res.TG, res.TGTPS)
	fmt.Printf("peak RSS %.0f MiB, load %.2f s\n", float64(res.RSSBytes)/(1<<20), res.LoadS)
	return 0
}

// startCPUProfile starts pprof's CPU profiler writing to path; stop ends it
// and closes the file.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// memoryBandwidth reads a 1 GiB buffer with the given number of goroutines
// (each an 8-way unrolled sum over its share) and returns the best of 5
// passes in GB/s: the roofline for generation, which reads every weight
// once per token.
func memoryBandwidth(threads int) float64 {
	buf := make([]uint64, (1<<30)/8)
	for i := range buf {
		buf[i] = uint64(i)
	}
	best := 0.0
	var sink atomic.Uint64
	for pass := 0; pass < 5; pass++ {
		var wg sync.WaitGroup
		per := len(buf) / threads
		t0 := time.Now()
		for t := 0; t < threads; t++ {
			wg.Add(1)
			go func(part []uint64) {
				defer wg.Done()
				var s0, s1, s2, s3, s4, s5, s6, s7 uint64
				for i := 0; i+8 <= len(part); i += 8 {
					s0 += part[i]
					s1 += part[i+1]
					s2 += part[i+2]
					s3 += part[i+3]
					s4 += part[i+4]
					s5 += part[i+5]
					s6 += part[i+6]
					s7 += part[i+7]
				}
				sink.Add(s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7)
			}(buf[t*per : (t+1)*per])
		}
		wg.Wait()
		if gbs := float64(len(buf)*8) / time.Since(t0).Seconds() / 1e9; gbs > best {
			best = gbs
		}
	}
	return best
}

func argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// peakRSS reads VmHWM from /proc/self/status (0 where there is none).
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			fields := strings.Fields(rest)
			if len(fields) > 0 {
				kb, _ := strconv.ParseInt(fields[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}
