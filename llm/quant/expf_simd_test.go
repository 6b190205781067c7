package quant

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The AVX-512 kernels of SwiGLU and SoftMaxExp (expf_amd64.s) against the
// portable lane-by-lane emulation (level "none"), bit for bit; NaN matches
// any NaN (payloads and signs are not part of the contract). On a CPU or
// build without the avx512vnni level these compare the portable code with
// itself.

// expfSpecials are inputs at the edges of ggml_v_expf: signed zeros,
// infinities, NaN, denormals, the flush to +Inf near 88.72 and to 0 near
// -103.97 (results denormal from about -87.34), and |n| crossing 192
// (x near ±192·ln 2 ≈ ±133.08), each with its float32 neighbours.
func expfSpecials() []float32 {
	inf := float32(math.Inf(1))
	out := []float32{
		0, float32(math.Copysign(0, -1)), inf, -inf, float32(math.NaN()),
		math.Float32frombits(1), math.Float32frombits(0x80000001),
		math.Float32frombits(0x007fffff), math.Float32frombits(0x807fffff),
		math.Float32frombits(0x00400000), math.SmallestNonzeroFloat32 * 1000,
		math.MaxFloat32, -math.MaxFloat32, 1e30, -1e30, 1, -1, 0.5, -0.5,
	}
	centers := []float32{
		88, 88.3762626647949, 88.7228391, 88.73, 89, -87.3365447, -88, -88.7228391,
		-100, -103.278929903431851103, -103.972084, -104, -104.5, -105,
		133.08, -133.08, 192.5 / 1.4426950, -192.5 / 1.4426950, 193.5 / 1.4426950, -193.5 / 1.4426950,
		-110, 100, 150, -150,
	}
	for _, c := range centers {
		for _, s := range []float32{c, -c} {
			b := math.Float32bits(s)
			for d := uint32(0); d < 24; d++ {
				out = append(out, math.Float32frombits(b-12+d))
			}
		}
	}
	// x where x·log2e + r lands on each side of n = ±192.5 (where the
	// round to nearest even steps |n| from 192 to 193).
	for _, n := range []float64{192.5, -192.5, 191.5, -191.5, 193.5, -193.5} {
		x := float32(n / math.Log2E)
		b := math.Float32bits(x)
		for d := uint32(0); d < 64; d++ {
			out = append(out, math.Float32frombits(b-32+d))
		}
	}
	return out
}

// randExpfInputs is n values: uniform over [-110, 100], with specials
// sprinkled in at random places when withSpecials.
func randExpfInputs(rng *rand.Rand, n int, withSpecials bool) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.Float64()*210 - 110)
	}
	if withSpecials {
		sp := expfSpecials()
		for range n / 8 {
			x[rng.IntN(n)] = sp[rng.IntN(len(sp))]
		}
	}
	return x
}

func sameF32(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}

func sameF64(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (a != a && b != b)
}

// expfLengths are the row lengths tested: short, partial blocks, odd
// numbers of blocks (the kernels take two blocks per iteration), and the
// FFN width of Mistral 7B.
var expfLengths = []int{0, 1, 15, 16, 17, 31, 32, 33, 48, 64, 80, 100, 255, 256, 1000, 4096, 4101, 14320, 14336, 14339}

// runSwiGLU runs SwiGLU at level into a fresh y with guard values past n.
func runSwiGLU(level string, x, g []float32) []float32 {
	restore := setSIMDLevel(level)
	defer restore()
	n := len(x)
	y := make([]float32, n+16)
	for i := n; i < len(y); i++ {
		y[i] = -12345
	}
	SwiGLU(y[:n], x, g)
	return y
}

func runSoftMaxExp(level string, x []float32, max float32, rowLen int) ([]float32, float64) {
	restore := setSIMDLevel(level)
	defer restore()
	n := len(x)
	y := make([]float32, n+16)
	for i := n; i < len(y); i++ {
		y[i] = -12345
	}
	sum := SoftMaxExp(y[:n], x, max, rowLen)
	return y, sum
}

func checkSwiGLU(t *testing.T, x, g []float32, what string) {
	t.Helper()
	n := len(x)
	want := runSwiGLU(levelNone, x, g)
	// The portable level is itself the lane-by-lane oracle.
	for i := range n &^ 15 {
		if w := SiLU(x[i]) * g[i]; !sameF32(w, want[i]) {
			t.Fatalf("%s: portable SwiGLU[%d] = %v, SiLU·g = %v", what, i, want[i], w)
		}
	}
	for _, level := range simdLevelsToTest() {
		got := runSwiGLU(level, x, g)
		for i := range got {
			if !sameF32(want[i], got[i]) {
				t.Fatalf("%s %s n=%d: y[%d] (x=%v %#x, g=%v) = %v (%#x), portable %v (%#x)", level, what, n, i,
					x[i%max(n, 1)], math.Float32bits(x[i%max(n, 1)]), g[i%max(n, 1)],
					got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
			}
		}
	}
}

func checkSoftMaxExp(t *testing.T, x []float32, mx float32, rowLen int, what string) {
	t.Helper()
	n := len(x)
	want, wantSum := runSoftMaxExp(levelNone, x, mx, rowLen)
	for i := range n &^ 15 {
		if w := Expf(x[i] - mx); !sameF32(w, want[i]) {
			t.Fatalf("%s: portable SoftMaxExp[%d] = %v, Expf = %v", what, i, want[i], w)
		}
	}
	for _, level := range simdLevelsToTest() {
		got, gotSum := runSoftMaxExp(level, x, mx, rowLen)
		for i := range got {
			if !sameF32(want[i], got[i]) {
				t.Fatalf("%s %s n=%d rowLen=%d max=%v: y[%d] (x=%v %#x) = %v (%#x), portable %v (%#x)", level, what, n, rowLen, mx, i,
					x[i%max(n, 1)], math.Float32bits(x[i%max(n, 1)]), got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
			}
		}
		if !sameF64(wantSum, gotSum) {
			t.Fatalf("%s %s n=%d rowLen=%d max=%v: sum %v (%#x), portable %v (%#x)", level, what, n, rowLen, mx,
				gotSum, math.Float64bits(gotSum), wantSum, math.Float64bits(wantSum))
		}
	}
}

func logExpfLevels(t *testing.T) {
	if len(simdLevelsToTest()) == 0 || simdLevelsAvailable()[len(simdLevelsAvailable())-1] != "avx512vnni" {
		t.Logf("no avx512vnni level here (have %v): the AVX-512 kernels are not exercised", simdLevelsAvailable())
	}
}

// TestSwiGLUSIMD: random rows over [-110, 100] with specials in x and g,
// every length of expfLengths.
func TestSwiGLUSIMD(t *testing.T) {
	logExpfLevels(t)
	rng := rand.New(rand.NewPCG(7, 11))
	for _, n := range expfLengths {
		for rep := range 3 {
			x := randExpfInputs(rng, n, rep > 0)
			g := make([]float32, n)
			for i := range g {
				g[i] = float32(rng.Float64()*6 - 3)
			}
			if rep == 2 {
				sp := expfSpecials()
				for range n / 16 {
					g[rng.IntN(n)] = sp[rng.IntN(len(sp))]
				}
			}
			checkSwiGLU(t, x, g, fmt.Sprintf("random rep %d", rep))
		}
	}
}

// TestSwiGLUSIMDSpecials runs every special value (and its negation) in
// every lane position, g = 1 and g = -2.5.
func TestSwiGLUSIMDSpecials(t *testing.T) {
	logExpfLevels(t)
	sp := expfSpecials()
	for _, gv := range []float32{1, -2.5} {
		for shift := range 16 {
			x := make([]float32, 0, 2*len(sp)+32)
			for range shift {
				x = append(x, 0.5)
			}
			for _, v := range sp {
				x = append(x, v, -v)
			}
			x = x[:len(x)&^15]
			g := make([]float32, len(x))
			for i := range g {
				g[i] = gv
			}
			checkSwiGLU(t, x, g, fmt.Sprintf("specials g=%v shift %d", gv, shift))
		}
	}
}

// TestExpfSIMDSweep runs a strided sweep over all float32 bit patterns
// through both kernels (SoftMaxExp with max 0 is Expf itself).
func TestExpfSIMDSweep(t *testing.T) {
	logExpfLevels(t)
	const stride = 4093 // prime: every mantissa residue class gets hit
	x := make([]float32, 0, 1<<32/stride+16)
	for b := uint64(0); b < 1<<32; b += stride {
		x = append(x, math.Float32frombits(uint32(b)))
	}
	x = x[:len(x)&^15]
	g := make([]float32, len(x))
	for i := range g {
		g[i] = 1
	}
	checkSwiGLU(t, x, g, "sweep")
	// The sum of a sweep is NaN or Inf; compare y, and sums on chunks.
	checkSoftMaxExp(t, x, 0, len(x), "sweep")
	for i := 0; i+256 <= len(x); i += 256 * 97 {
		checkSoftMaxExp(t, x[i:i+256], 0, 256, "sweep chunk")
	}
}

// TestExpfSIMDRoundingEdges runs x where x·log2e is within a few ulps of
// k + 1/2 for every k from -151 to 128: there the fused x·log2e + r of
// vec.h picks n, and an unfused multiply-add (or another rounding) would
// pick its neighbour and change the result's bits.
func TestExpfSIMDRoundingEdges(t *testing.T) {
	logExpfLevels(t)
	var x []float32
	for k := -151; k <= 128; k++ {
		c := math.Float32bits(float32((float64(k) + 0.5) / math.Log2E))
		for d := range uint32(48) {
			x = append(x, math.Float32frombits(c-24+d))
		}
	}
	x = x[:len(x)&^15]
	g := make([]float32, len(x))
	neg := make([]float32, len(x))
	for i := range g {
		g[i] = 1
		neg[i] = -x[i]
	}
	checkSwiGLU(t, neg, g, "rounding edges") // SiLU takes e^-x
	checkSoftMaxExp(t, x, 0, len(x), "rounding edges")
	for i := 0; i+64 <= len(x); i += 64 * 7 {
		checkSoftMaxExp(t, x[i:i+64], 0, 64, "rounding edges chunk")
	}
}

// TestSoftMaxExpSIMD: random rows, max the row's max or another value,
// rowLen equal to len(x) (libm tail), the next multiple of 16 (masked
// padding) or longer, and rows with -Inf entries (causal masks).
func TestSoftMaxExpSIMD(t *testing.T) {
	logExpfLevels(t)
	rng := rand.New(rand.NewPCG(3, 5))
	for _, n := range expfLengths {
		for rep := range 4 {
			x := randExpfInputs(rng, n, rep == 1)
			if rep == 2 {
				for i := range x {
					if rng.IntN(3) == 0 {
						x[i] = float32(math.Inf(-1))
					}
				}
			}
			mx := float32(math.Inf(-1))
			for _, v := range x {
				if v > mx {
					mx = v
				}
			}
			maxes := []float32{mx, 0, float32(rng.Float64()*40 - 20)}
			if rep == 3 {
				maxes = append(maxes, 133.08, -133.08, 88.7, -104, 1e-40)
			}
			for _, m := range maxes {
				for _, rowLen := range []int{n, (n + 15) &^ 15, n + 40} {
					checkSoftMaxExp(t, x, m, rowLen, fmt.Sprintf("rep %d", rep))
				}
			}
		}
	}
}

// TestSoftMaxExpSIMDSpecials: special values in every lane position, max 0
// and max ±0.75.
func TestSoftMaxExpSIMDSpecials(t *testing.T) {
	logExpfLevels(t)
	sp := expfSpecials()
	for _, m := range []float32{0, 0.75, -0.75} {
		for shift := range 16 {
			x := make([]float32, 0, 2*len(sp)+32)
			for range shift {
				x = append(x, -3)
			}
			for _, v := range sp {
				x = append(x, v, -v)
			}
			checkSoftMaxExp(t, x[:len(x)&^15], m, len(x)&^15, fmt.Sprintf("specials max=%v shift %d", m, shift))
			// Finite sums: drop the infinities and NaN, block by block.
			var fin []float32
			for _, v := range x {
				if !math.IsInf(float64(v), 0) && v == v && v < 80 {
					fin = append(fin, v)
				}
			}
			checkSoftMaxExp(t, fin, m, len(fin), fmt.Sprintf("finite specials max=%v shift %d", m, shift))
		}
	}
}

// BenchmarkSwiGLU14336 is one FFN row of Mistral 7B per op, portable
// emulation vs the AVX-512 kernel.
func BenchmarkSwiGLU14336(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 14336
	x := randExpfInputs(rng, n, false)
	for i := range x {
		x[i] /= 10 // FFN gate activations are small
	}
	g := randExpfInputs(rng, n, false)
	y := make([]float32, n)
	for _, level := range simdLevelsAvailable() {
		b.Run(level, func(b *testing.B) {
			restore := setSIMDLevel(level)
			defer restore()
			b.SetBytes(3 * 4 * n)
			for b.Loop() {
				SwiGLU(y, x, g)
			}
		})
	}
}

// BenchmarkSoftMaxExp4096 is one attention row of 4096 positions per op.
func BenchmarkSoftMaxExp4096(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 4096
	x := randExpfInputs(rng, n, false)
	y := make([]float32, n)
	for _, level := range simdLevelsAvailable() {
		b.Run(level, func(b *testing.B) {
			restore := setSIMDLevel(level)
			defer restore()
			for b.Loop() {
				SoftMaxExp(y, x, 100, n)
			}
		})
	}
}
