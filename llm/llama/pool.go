package llama

import (
	"runtime"
	"sync"
	"sync/atomic"
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
// Helpers block on a channel between tasks rather than spin: a hand-off
// costs about 0.5 µs that way (BenchmarkPoolDispatch), while spinning
// measured 3-50x slower, because Go's scheduler parks the woken caller on
// the spinning helper's P until another P steals it.
type Pool struct {
	threads int
	wake    []chan struct{} // one per helper goroutine
	done    sync.WaitGroup

	t      task
	chunks int64
	next   atomic.Int64
	closed bool
}

// NewPool starts threads-1 helper goroutines (the caller of run is the
// last thread); threads < 1 means GOMAXPROCS.
func NewPool(threads int) *Pool {
	if threads < 1 {
		threads = runtime.GOMAXPROCS(0)
	}
	p := &Pool{threads: threads}
	for range threads - 1 {
		ch := make(chan struct{}, 1)
		p.wake = append(p.wake, ch)
		go p.worker(ch)
	}
	return p
}

// Threads is the number of goroutines that work on each task.
func (p *Pool) Threads() int { return p.threads }

// Close stops the helper goroutines. The Pool must not be used after.
func (p *Pool) Close() {
	if p.closed {
		return
	}
	p.closed = true
	for _, ch := range p.wake {
		close(ch)
	}
}

func (p *Pool) worker(wake chan struct{}) {
	for range wake {
		p.drain()
		p.done.Done()
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
// one chunk, or one thread, it runs on the caller alone and wakes nobody.
func (p *Pool) run(t task, chunks int) {
	if chunks <= 0 {
		return
	}
	helpers := min(len(p.wake), chunks-1)
	if helpers == 0 {
		for c := range chunks {
			t.run(c)
		}
		return
	}
	p.t, p.chunks = t, int64(chunks)
	p.next.Store(0)
	p.done.Add(helpers)
	for _, ch := range p.wake[:helpers] {
		ch <- struct{}{}
	}
	p.drain()
	p.done.Wait()
	p.t = nil
}
