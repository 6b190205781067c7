package llama

import "testing"

// nopTask is a task with no work, to time the hand-off alone.
type nopTask struct{}

func (nopTask) run(int) {}

// BenchmarkPoolDispatch times one two-chunk task on two threads: the cost
// of one hand-off to the pool and back, paid about 225 times per generated
// token of a 7B model.
func BenchmarkPoolDispatch(b *testing.B) {
	p := NewPool(2)
	defer p.Close()
	var t nopTask
	for b.Loop() {
		p.run(t, 2)
	}
}
