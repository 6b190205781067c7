package quant

import "testing"

// useAMX turns the AMX kernels on for a test and reports true; on a CPU
// (or kernel) without AMX it checks instead that they are off and reports
// false, and the test has nothing more to run.
func useAMX(tb testing.TB) (ok bool, restore func()) {
	if !amxAvailable {
		if amxOn || BatchesInBlockOrder() {
			tb.Fatal("AMX kernels are on without AMX")
		}
		tb.Log("no AMX-INT8 on this CPU (or the kernel refused the tile state): the AVX-512 kernels run instead")
		return false, func() {}
	}
	prev := amxOn
	amxOn = true
	return true, func() { amxOn = prev }
}

// tileVariant is a SIMD level with the AMX kernels off or on.
type tileVariant struct {
	level string
	amx   bool
}

func (v tileVariant) String() string {
	if v.amx {
		return v.level + "+amx"
	}
	return v.level
}

// tileVariants lists every level with AMX off, and avx512vnni with AMX on
// when the CPU has it.
func tileVariants() []tileVariant {
	var vs []tileVariant
	for _, l := range simdLevelsAvailable() {
		vs = append(vs, tileVariant{l, false})
		if amxAvailable && l == amxLevel {
			vs = append(vs, tileVariant{l, true})
		}
	}
	return vs
}

// set forces v; restore puts back what was before.
func (v tileVariant) set() (restore func()) {
	r := setSIMDLevel(v.level)
	prev := amxOn
	amxOn = v.amx
	return func() { amxOn = prev; r() }
}
