//go:build amd64 && !noasm

package quant

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/llm/ggml"
)

// q4_0TileLevel sets the avx512vnni level with the tile kernel on (or
// off), or skips the test when the CPU lacks it.
func q4_0TileLevel(tb testing.TB, on bool) (restore func()) {
	if !slices.Contains(simdLevelsAvailable(), levelAVX512VNNI) {
		tb.Skip("no avx512vnni")
	}
	r := setSIMDLevel(levelAVX512VNNI)
	prev, prevAMX := q4_0TileOn, amxOn
	q4_0TileOn, amxOn = on, false
	return func() { q4_0TileOn, amxOn = prev, prevAMX; r() }
}

// checkQ4_0Tile runs MatMulRowsRepacked over rows [r0, r1) and compares
// every output with VecDotRepacked bit for bit; outputs outside the range
// must keep their NaN.
func checkQ4_0Tile(t *testing.T, w, acts []byte, rows, cols, r0, r1, nAct int, what string) {
	t.Helper()
	typ := ggml.Q4_0
	rs, as := typ.RowSize(cols), ggml.Q8_0.RowSize(cols)
	out := make([][]float32, nAct)
	for j := range out {
		out[j] = make([]float32, rows)
		for r := range out[j] {
			out[j][r] = float32(math.NaN())
		}
	}
	MatMulRowsRepacked(typ, w, cols, r0, r1, acts, nAct, out)
	for j := range nAct {
		for r := range rows {
			if r < r0 || r >= r1 {
				require.True(t, math.IsNaN(float64(out[j][r])), "%s: row %d outside [%d, %d) written (act %d)", what, r, r0, r1, j)
				continue
			}
			want := VecDotRepacked(typ, w[r*rs:(r+1)*rs], acts[j*as:(j+1)*as], cols)
			requireSameDot(t, levelAVX512VNNI, typ, want, out[j][r],
				fmt.Sprintf("%s: row %d of [%d, %d), act %d of %d, %d cols", what, r, r0, r1, j, nAct, cols))
		}
	}
}

// TestRepackedQ4_0Tile checks the Q4_0 tile kernel bit for bit against the
// portable VecDotRepacked: activations as the quantizer makes them, some
// rows holding a -128 (those take the sign kernel), 1 to 33 activation
// rows, row ranges with every remainder modulo 16 and across tiles, and
// the extreme integer sums.
func TestRepackedQ4_0Tile(t *testing.T) { testQ4_0Tile(t, false) }

// TestAMXQ4_0Tile is TestRepackedQ4_0Tile for the AMX kernel.
func TestAMXQ4_0Tile(t *testing.T) { testQ4_0Tile(t, true) }

func testQ4_0Tile(t *testing.T, amx bool) {
	restore := q4_0TileLevel(t, true)
	defer restore()
	if amx {
		ok, restoreAMX := useAMX(t)
		defer restoreAMX()
		if !ok {
			return
		}
	}
	k := repackedKernel(ggml.Q4_0)
	require.NotNil(t, k)
	require.NotNil(t, k.tile, "no Q4_0 tile kernel at avx512vnni")
	typ := ggml.Q4_0
	rng := rand.New(rand.NewPCG(11, 13))
	for _, cols := range []int{32, 64, 96, 4096, 14336} {
		for _, nAct := range []int{1, 2, 7, 8, 9, 16, 17, 32, 33} {
			rows := 1 + rng.IntN(40)
			if cols == 14336 && nAct > 9 {
				rows = 1 + rng.IntN(20)
			}
			w, _ := repackMatrix(rng, typ, rows, 0, cols)
			r0 := rng.IntN(rows)
			r1 := r0 + 1 + rng.IntN(rows-r0)
			acts := q4_0RepackActs(rng, nAct, cols, false)
			checkQ4_0Tile(t, w, acts, rows, cols, r0, r1, nAct, "quantized")
			// Some rows with a -128 in some blocks, mixed with clean ones.
			mixed := q4_0RepackActs(rng, nAct, cols, false)
			as := ggml.Q8_0.RowSize(cols)
			for j := range nAct {
				if rng.IntN(3) == 0 {
					b := rng.IntN(cols / 32)
					mixed[j*as+b*q8_0Size+2+rng.IntN(32)] = 0x80
				}
			}
			checkQ4_0Tile(t, w, mixed, rows, cols, r0, r1, nAct, "with -128")
		}
	}
	// Every remainder modulo the 16-row group, and ranges spanning
	// several tile calls (q4_0TileRows) with an unaligned start.
	const cols = 64
	for rows := 1; rows <= 40; rows++ {
		w, _ := repackMatrix(rng, typ, rows, 0, cols)
		acts := q4_0RepackActs(rng, 9, cols, false)
		checkQ4_0Tile(t, w, acts, rows, cols, 0, rows, 9, "all rows")
		r0 := rng.IntN(rows)
		checkQ4_0Tile(t, w, acts, rows, cols, r0, rows, 9, "tail rows")
	}
	rows := 2*q4_0TileRows + 37
	w, _ := repackMatrix(rng, typ, rows, 0, cols)
	acts := q4_0RepackActs(rng, 11, cols, false)
	checkQ4_0Tile(t, w, acts, rows, cols, 5, rows-3, 11, "several tiles")
	// Extremes: x = -8 or 7 everywhere against y = -127 or 127 (the fast
	// path) and -128 (the sign path), d = 1; and all activation rows with a
	// -128 (no fast row at all).
	for _, q := range []byte{0x00, 0xff} {
		w := make([]byte, 20*typ.RowSize(cols))
		for b := 0; b < len(w); b += q4_0Size {
			putLE16(w[b:], FP32ToFP16(1))
			for i := 2; i < q4_0Size; i++ {
				w[b+i] = q
			}
		}
		var acts []byte
		for _, y := range []byte{0x81, 0x7f, 0x80, 0x7f, 0x81} {
			a := make([]byte, ggml.Q8_0.RowSize(cols))
			for b := 0; b < len(a); b += q8_0Size {
				putLE16(a[b:], FP32ToFP16(1))
				for i := 2; i < q8_0Size; i++ {
					a[b+i] = y
				}
			}
			acts = append(acts, a...)
		}
		checkQ4_0Tile(t, w, acts, 20, cols, 0, 20, 5, "extremes")
		as := ggml.Q8_0.RowSize(cols)
		checkQ4_0Tile(t, w, acts[2*as:3*as], 20, cols, 1, 19, 1, "only -128")
	}
}

// TestRepackedQ4_0TileAllocs checks that the tile kernel allocates nothing
// per call once its scratch is in the pool.
func TestRepackedQ4_0TileAllocs(t *testing.T) {
	restore := q4_0TileLevel(t, true)
	defer restore()
	const rows, cols, nAct = 64, 4096, 32
	w, _ := repackMatrix(rand.New(rand.NewPCG(1, 1)), ggml.Q4_0, rows, 0, cols)
	acts := q4_0RepackActs(rand.New(rand.NewPCG(1, 2)), nAct, cols, false)
	out := make([][]float32, nAct)
	for j := range out {
		out[j] = make([]float32, rows)
	}
	MatMulRowsRepacked(ggml.Q4_0, w, cols, 0, rows, acts, nAct, out)
	allocs := testing.AllocsPerRun(20, func() {
		MatMulRowsRepacked(ggml.Q4_0, w, cols, 0, rows, acts, nAct, out)
	})
	require.Zero(t, allocs)
}

// BenchmarkQ4_0Tile compares MatMulRowsRepacked for Q4_0 at avx512vnni
// with the tile kernel ("tile") and without it ("k8", the kernels before
// it) on Mistral 7B's shapes, 32 activation rows as the quantizer makes
// them (and fewer rows on 4096x4096), one thread; ns/pair per weight row
// x activation row.
func BenchmarkQ4_0Tile(b *testing.B) {
	typ := ggml.Q4_0
	for _, sh := range []struct{ rows, cols, nAct int }{
		{4096, 4096, 32}, {1024, 4096, 32}, {14336, 4096, 32}, {4096, 14336, 32},
		{4096, 4096, 1}, {4096, 4096, 2}, {4096, 4096, 4}, {4096, 4096, 8}, {4096, 4096, 13},
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
				restore := q4_0TileLevel(b, on)
				defer restore()
				b.ReportAllocs()
				for b.Loop() {
					MatMulRowsRepacked(typ, w, sh.cols, 0, sh.rows, acts, nAct, out)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/pairs, "ns/pair")
			})
		}
		if sh.nAct != 32 {
			continue
		}
		// As llama's forward calls it: chunks of 128 rows.
		b.Run(fmt.Sprintf("%dx%d/act=%d/tile-chunk128", sh.rows, sh.cols, nAct), func(b *testing.B) {
			restore := q4_0TileLevel(b, true)
			defer restore()
			b.ReportAllocs()
			for b.Loop() {
				for r0 := 0; r0 < sh.rows; r0 += 128 {
					MatMulRowsRepacked(typ, w, sh.cols, r0, min(r0+128, sh.rows), acts, nAct, out)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/pairs, "ns/pair")
		})
	}
}

// BenchmarkQ4_0TileParts times the packing of 16-row groups (walking a
// 4096x4096 matrix, or the same group again) and the eight-row kernel,
// per group-block.
func BenchmarkQ4_0TileParts(b *testing.B) {
	const rows, cols = 4096, 4096
	typ := ggml.Q4_0
	nb, rs := cols/32, typ.RowSize(cols)
	w, _ := gemmBenchMatrix(typ, rows, cols, 0)
	var off [q4_0TileGroup]int32
	for r := range off {
		off[r] = int32(r * rs)
	}
	buf := make([]byte, nb*q4_0TileBlock)
	b.Run("pack", func(b *testing.B) {
		g := 0
		for b.Loop() {
			q4_0TilePack(&w[g*rs], &off, nb, &buf[0])
			g = (g + q4_0TileGroup) % rows
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(nb), "ns/groupblock")
	})
	b.Run("pack-cached", func(b *testing.B) {
		for b.Loop() {
			q4_0TilePack(&w[0], &off, nb, &buf[0])
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(nb), "ns/groupblock")
	})
	acts := q4_0RepackActs(rand.New(rand.NewPCG(1, 2)), 8, cols, false)
	pre := make([]q4_0Pre, nb*8)
	var a [8]*byte
	var res [8][16]float32
	var o [8]*float32
	for i := range a {
		a[i] = &acts[i*ggml.Q8_0.RowSize(cols)]
		q4_0TilePrep(a[i], nb, &pre[i], 64)
		o[i] = &res[i][0]
	}
	b.Run("kernel", func(b *testing.B) {
		for b.Loop() {
			q4_0TileVNNI(&buf[0], nb, &a, &pre[0], &o, 0xffff, uintptr(unsafe.Pointer(&w[0])))
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(nb), "ns/groupblock")
	})
}
