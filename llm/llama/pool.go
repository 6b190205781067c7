package llama

import (
	"runtime"
	"sync/atomic"
	"time"
)

// task is work split into numbered chunks. run(chunk) may be called from any
// worker, each chunk exactly once per Pool.run; chunks must not share
// outputs.
type task interface {
	run(chunk int)
}

// Pool is a fixed set of worker goroutines that a forward pass hands its
// matrix products and attention to, so that no goroutine is started per
// product. Chunks are claimed with an atomic counter (as ggml's threadpool
// does), which balances uneven chunks and a noisy machine without a
// scheduler; the goroutine calling run works too. A Pool runs one task at a
// time: it belongs to one State.
//
// A helper that has finished a task spins for up to spinFor watching for
// the next one before it parks on its channel: generation hands out about
// 250 tasks per token, and waking a parked thread took tens of
// microseconds each on a virtual machine (spinning measured +10% tokens/s
// on the 7B Q4_0 file here). The caller spins likewise until its helpers
// are done. Neither ever blocks while the other holds work, so Go's
// scheduler is not involved between tasks.
type Pool struct {
	threads int
	wake    []chan struct{} // one per helper goroutine
	parked  []atomic.Bool   // helper i is (about to be) blocked on wake[i]

	t      task
	chunks int64
	next   atomic.Int64
	gen    atomic.Int64 // bumped for every task the helpers join
	left   atomic.Int64 // helpers not done with the current task
	closed atomic.Bool
}

// spinFor is how long an idle helper spins before it parks.
const spinFor = 100 * time.Microsecond

// NewPool starts threads-1 helper goroutines (the caller of run is the
// last thread); threads < 1 means GOMAXPROCS.
func NewPool(threads int) *Pool {
	if threads < 1 {
		threads = runtime.GOMAXPROCS(0)
	}
	p := &Pool{threads: threads, parked: make([]atomic.Bool, threads-1), wake: make([]chan struct{}, threads-1)}
	for i := range p.wake {
		p.wake[i] = make(chan struct{}, 1)
	}
	for i := range p.wake {
		go p.worker(i)
	}
	return p
}

// Threads is the number of goroutines that work on each task.
func (p *Pool) Threads() int { return p.threads }

// Close stops the helper goroutines. The Pool must not be used after.
func (p *Pool) Close() {
	if p.closed.Swap(true) {
		return
	}
	for _, ch := range p.wake {
		close(ch)
	}
}

// worker is helper i: it runs each new task's chunks, then waits for the
// next task, spinning first and then parked.
func (p *Pool) worker(i int) {
	var last int64
	for {
		g := p.gen.Load()
		start := time.Now()
		for spins := 0; g == last; spins++ {
			if p.closed.Load() {
				return
			}
			if spins%64 != 63 {
				g = p.gen.Load()
				continue
			}
			if time.Since(start) < spinFor {
				// Let other goroutines on this P run (another session's
				// pool, say): Gosched returns at once when none waits.
				runtime.Gosched()
				g = p.gen.Load()
				continue
			}
			// Park. run clears parked and sends a token when it hands out
			// a task; if a task came between the check and parked being
			// set, take it without waiting, unless run already took the
			// flag (then its token is on the way).
			p.parked[i].Store(true)
			if g = p.gen.Load(); g != last {
				if !p.parked[i].CompareAndSwap(true, false) {
					if _, ok := <-p.wake[i]; !ok {
						return
					}
				}
				break
			}
			if _, ok := <-p.wake[i]; !ok {
				return
			}
			g, start, spins = p.gen.Load(), time.Now(), 0
		}
		last = g
		p.drain()
		p.left.Add(-1)
	}
}

// drain runs chunks until none are left.
func (p *Pool) drain() {
	for {
		c := p.next.Add(1) - 1
		if c >= p.chunks {
			return
		}
		p.t.run(int(c))
	}
}

// run executes chunks 0..chunks-1 of t and returns when all are done. With
// one chunk, or one thread, it runs on the caller alone and involves no
// helper.
func (p *Pool) run(t task, chunks int) {
	if chunks <= 0 {
		return
	}
	if len(p.wake) == 0 || chunks == 1 {
		for c := range chunks {
			t.run(c)
		}
		return
	}
	p.t, p.chunks = t, int64(chunks)
	p.next.Store(0)
	p.left.Store(int64(len(p.wake)))
	p.gen.Add(1)
	for i := range p.wake {
		if p.parked[i].CompareAndSwap(true, false) {
			p.wake[i] <- struct{}{}
		}
	}
	p.drain()
	for spins := 0; p.left.Load() > 0; spins++ {
		if spins%64 == 63 {
			runtime.Gosched() // a helper may be waiting for this thread's P
		}
	}
	p.t = nil
}
