//go:build amd64 && !noasm

package quant

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/llm/ggml"
)

// q8_0TileLevel sets the avx512vnni level with the Q8_0 tile kernel on (or
// off), or skips the test when the CPU lacks it.
func q8_0TileLevel(tb testing.TB, on bool) (restore func()) {
	if !slices.Contains(simdLevelsAvailable(), levelAVX512VNNI) {
		tb.Skip("no avx512vnni")
	}
	r := setSIMDLevel(levelAVX512VNNI)
	prev, prevAMX := q8_0TileOn, amxOn
	q8_0TileOn, amxOn = on, false
	return func() { q8_0TileOn, amxOn = prev, prevAMX; r() }
}

// q8_0TileWeights makes rows random Q8_0 weight rows: random quant bytes
// (-128 included), finite random scales.
func q8_0TileWeights(rng *rand.Rand, rows, cols int) []byte {
	var w []byte
	for range rows {
		wr, _ := simdRow(rng, ggml.Q8_0, cols)
		w = append(w, wr...)
	}
	return w
}

// checkQ8_0Tile runs MatMulRows over rows [r0, r1) and compares every
// output with dotQ8_0Q8_0 bit for bit; outputs outside the range must keep
// their NaN.
func checkQ8_0Tile(t *testing.T, w, acts []byte, rows, cols, r0, r1, nAct int, what string) {
	t.Helper()
	rs, as := ggml.Q8_0.RowSize(cols), ggml.Q8_0.RowSize(cols)
	out := make([][]float32, nAct)
	for j := range out {
		out[j] = make([]float32, rows)
		for r := range out[j] {
			out[j][r] = float32(math.NaN())
		}
	}
	MatMulRows(ggml.Q8_0, w, cols, r0, r1, acts, nAct, out)
	for j := range nAct {
		for r := range rows {
			if r < r0 || r >= r1 {
				require.True(t, math.IsNaN(float64(out[j][r])), "%s: row %d outside [%d, %d) written (act %d)", what, r, r0, r1, j)
				continue
			}
			want := dotQ8_0Q8_0(w[r*rs:(r+1)*rs], acts[j*as:(j+1)*as], cols)
			if amxOn {
				want = VecDotBlocks(ggml.Q8_0, w[r*rs:(r+1)*rs], acts[j*as:(j+1)*as], cols)
			}
			requireSameDot(t, levelAVX512VNNI, ggml.Q8_0, want, out[j][r],
				fmt.Sprintf("%s: row %d of [%d, %d), act %d of %d, %d cols", what, r, r0, r1, j, nAct, cols))
		}
	}
}

// TestQ8_0Tile checks the Q8_0 tile kernel of MatMulRows bit for bit
// against dotQ8_0Q8_0: activations as the quantizer makes them, random
// bytes (a -128 in most rows: the k4 path), some rows with a -128 mixed
// with clean ones, 1 to 33 activation rows, row ranges with every
// remainder modulo 16, and the extreme integer sums.
func TestQ8_0Tile(t *testing.T) { testQ8_0Tile(t, false) }

// TestAMXQ8_0Tile is TestQ8_0Tile for the AMX kernel, against
// VecDotBlocks.
func TestAMXQ8_0Tile(t *testing.T) { testQ8_0Tile(t, true) }

func testQ8_0Tile(t *testing.T, amx bool) {
	restore := q8_0TileLevel(t, true)
	defer restore()
	if amx {
		ok, restoreAMX := useAMX(t)
		defer restoreAMX()
		if !ok {
			return
		}
	}
	require.NotNil(t, q8_0TileKernel(), "no Q8_0 tile kernel at avx512vnni")
	rng := rand.New(rand.NewPCG(17, 19))
	as := func(cols int) int { return ggml.Q8_0.RowSize(cols) }
	for _, cols := range []int{32, 64, 96, 4096, 14336} {
		for _, nAct := range []int{1, 2, 3, 7, 8, 9, 16, 17, 32, 33} {
			rows := 1 + rng.IntN(40)
			if cols == 14336 && nAct > 9 {
				rows = 1 + rng.IntN(20)
			}
			w := q8_0TileWeights(rng, rows, cols)
			r0 := rng.IntN(rows)
			r1 := r0 + 1 + rng.IntN(rows-r0)
			acts := q4_0RepackActs(rng, nAct, cols, false)
			checkQ8_0Tile(t, w, acts, rows, cols, r0, r1, nAct, "quantized")
			mixed := q4_0RepackActs(rng, nAct, cols, false)
			for j := range nAct {
				if rng.IntN(3) == 0 {
					b := rng.IntN(cols / 32)
					mixed[j*as(cols)+b*q8_0Size+2+rng.IntN(32)] = 0x80
				}
			}
			checkQ8_0Tile(t, w, mixed, rows, cols, r0, r1, nAct, "with -128")
			random := make([]byte, nAct*as(cols))
			for i := range random {
				random[i] = byte(rng.Uint32())
			}
			for j := range nAct {
				for b := 0; b < cols/32; b++ {
					putLE16(random[j*as(cols)+b*q8_0Size:], FP32ToFP16(float32(rng.NormFloat64()*0.05)))
				}
			}
			checkQ8_0Tile(t, w, random, rows, cols, r0, r1, nAct, "random bytes")
			// Runs of -128 rows (k8) and a clean last row (the tile).
			copy(random[(nAct-1)*as(cols):], q4_0RepackActs(rng, 1, cols, false))
			checkQ8_0Tile(t, w, random, rows, cols, r0, r1, nAct, "random bytes, last row clean")
		}
	}
	const cols = 64
	for rows := 1; rows <= 40; rows++ {
		w := q8_0TileWeights(rng, rows, cols)
		acts := q4_0RepackActs(rng, 9, cols, false)
		checkQ8_0Tile(t, w, acts, rows, cols, 0, rows, 9, "all rows")
		r0 := rng.IntN(rows)
		checkQ8_0Tile(t, w, acts, rows, cols, r0, rows, 9, "tail rows")
	}
	// Extremes: x = -128 or 127 everywhere against y = -127 or 127 (the
	// tile path) and -128 (the sign path), d = 1; and only -128 rows.
	for _, q := range []byte{0x80, 0x7f, 0x81} {
		w := make([]byte, 20*ggml.Q8_0.RowSize(cols))
		for b := 0; b < len(w); b += q8_0Size {
			putLE16(w[b:], FP32ToFP16(1))
			for i := 2; i < q8_0Size; i++ {
				w[b+i] = q
			}
		}
		var acts []byte
		for _, y := range []byte{0x81, 0x7f, 0x80, 0x7f, 0x81} {
			a := make([]byte, as(cols))
			for b := 0; b < len(a); b += q8_0Size {
				putLE16(a[b:], FP32ToFP16(1))
				for i := 2; i < q8_0Size; i++ {
					a[b+i] = y
				}
			}
			acts = append(acts, a...)
		}
		checkQ8_0Tile(t, w, acts, 20, cols, 0, 20, 5, "extremes")
		checkQ8_0Tile(t, w, acts[2*as(cols):3*as(cols)], 20, cols, 1, 19, 1, "only -128")
	}
}

// TestQ8_0TileAllocs checks that the tile kernel allocates nothing per
// call once its scratch is in the pool.
func TestQ8_0TileAllocs(t *testing.T) {
	restore := q8_0TileLevel(t, true)
	defer restore()
	const rows, cols, nAct = 64, 4096, 32
	w := q8_0TileWeights(rand.New(rand.NewPCG(1, 1)), rows, cols)
	acts := q4_0RepackActs(rand.New(rand.NewPCG(1, 2)), nAct, cols, false)
	out := make([][]float32, nAct)
	for j := range out {
		out[j] = make([]float32, rows)
	}
	MatMulRows(ggml.Q8_0, w, cols, 0, rows, acts, nAct, out)
	allocs := testing.AllocsPerRun(20, func() {
		MatMulRows(ggml.Q8_0, w, cols, 0, rows, acts, nAct, out)
	})
	require.Zero(t, allocs)
}

// BenchmarkQ8_0Tile compares MatMulRows for Q8_0 at avx512vnni with the
// tile kernel ("tile") and without it ("k8", the kernels before it) on
// Mistral 7B's shapes, 32 activation rows as the quantizer makes them,
// one thread; ns/pair per weight row x activation row. (BenchmarkMatMulRows
// has random activation bytes: a -128 in nearly every row, the k4 path.)
func BenchmarkQ8_0Tile(b *testing.B) {
	typ := ggml.Q8_0
	for _, sh := range []struct{ rows, cols, nAct int }{
		{4096, 4096, 32}, {1024, 4096, 32}, {14336, 4096, 32}, {4096, 14336, 32}, {4096, 4096, 8},
	} {
		nAct := sh.nAct
		w, _ := gemmBenchMatrix(typ, sh.rows, sh.cols, 0)
		acts := q4_0RepackActs(rand.New(rand.NewPCG(1, 2)), nAct, sh.cols, false)
		out := make([][]float32, nAct)
		for j := range out {
			out[j] = make([]float32, sh.rows)
		}
		pairs := float64(sh.rows * nAct)
		for _, on := range []bool{false, true} {
			name := "k8"
			if on {
				name = "tile"
			}
			b.Run(fmt.Sprintf("%dx%d/act=%d/%s", sh.rows, sh.cols, nAct, name), func(b *testing.B) {
				restore := q8_0TileLevel(b, on)
				defer restore()
				b.ReportAllocs()
				for b.Loop() {
					MatMulRows(typ, w, sh.cols, 0, sh.rows, acts, nAct, out)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/pairs, "ns/pair")
			})
		}
	}
}

// BenchmarkQ8_0TileKernel times q8_0TileVNNI alone on one packed group
// (16 rows x 128 blocks, in L2) and two activation rows; ns/pair per
// weight row x activation row of 4096 columns.
func BenchmarkQ8_0TileKernel(b *testing.B) {
	q8_0TileLevel(b, true)()
	const cols, nb = 4096, 128
	rng := rand.New(rand.NewPCG(3, 4))
	w := q8_0TileWeights(rng, 16, cols)
	acts := q4_0RepackActs(rng, 2, cols, false)
	as := ggml.Q8_0.RowSize(cols)
	s := new(q8_0TileScratch)
	s.grow(nb, 2)
	var off [q8_0TileGroup]int32
	for r := range off {
		off[r] = int32(r * as)
	}
	dst := &s.buf[s.off]
	q8_0TilePack(&w[0], &off, nb, dst)
	q8_0TilePrep(&acts[0], nb, &s.pre[0])
	q8_0TilePrep(&acts[as], nb, &s.pre[nb*q8_0TilePre])
	var o0, o1 [16]float32
	for b.Loop() {
		q8_0TileVNNI(dst, nb, &acts[0], &acts[as], &s.pre[0], &s.pre[nb*q8_0TilePre], &o0[0], &o1[0], 0xffff, 0)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/32, "ns/pair")
}

// BenchmarkQ8_0TilePack times q8_0TilePack alone on 16 rows of 4096
// columns (in cache); ns per group.
func BenchmarkQ8_0TilePack(b *testing.B) {
	q8_0TileLevel(b, true)()
	const cols, nb = 4096, 128
	w := q8_0TileWeights(rand.New(rand.NewPCG(3, 4)), 16, cols)
	s := new(q8_0TileScratch)
	s.grow(nb, 2)
	var off [q8_0TileGroup]int32
	for r := range off {
		off[r] = int32(r * ggml.Q8_0.RowSize(cols))
	}
	for b.Loop() {
		q8_0TilePack(&w[0], &off, nb, &s.buf[s.off])
	}
}
