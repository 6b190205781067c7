package quant

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/llm/ggml"
)

// gemmTypes are the weight types MatMulRows is tested with: every type
// with a four-row kernel and the ones that take the per-pair path.
var gemmTypes = []ggml.Type{ggml.Q4_0, ggml.Q8_0, ggml.Q4_K, ggml.Q5_K, ggml.Q6_K, ggml.F16}

// gemmRandom makes a rows x cols weight matrix and nAct activation rows of
// random quants and finite random scales (simdRow per row).
func gemmRandom(rng *rand.Rand, typ ggml.Type, rows, cols, nAct int) (w, acts []byte) {
	for r := 0; r < rows; r++ {
		wr, _ := simdRow(rng, typ, cols)
		w = append(w, wr...)
	}
	for j := 0; j < nAct; j++ {
		_, a := simdRow(rng, typ, cols)
		acts = append(acts, a...)
	}
	return w, acts
}

// gemmQuantized makes the matrix and activations with the real quantizers
// from Gaussian values (true bsums, realistic scales).
func gemmQuantized(t *testing.T, rng *rand.Rand, typ ggml.Type, rows, cols, nAct int) (w, acts []byte) {
	w, err := Quantize(typ, gaussRow(rng, rows*cols, 0.05))
	require.NoError(t, err)
	at := VecDotType(typ)
	acts = make([]byte, nAct*at.RowSize(cols))
	for j := 0; j < nAct; j++ {
		QuantizeActivations(at, gaussRow(rng, cols, 2), acts[j*at.RowSize(cols):(j+1)*at.RowSize(cols)])
	}
	return w, acts
}

// gemmSentinel marks output entries MatMulRows must not touch.
var gemmSentinel = float32(math.Float32frombits(0x7fc0dead))

// requireGemm runs MatMulRows for rows [r0, r1) at every SIMD level and
// checks every output bit for bit against the portable per-pair dot and
// against VecDot at that level (VecDotBlocks for the AMX kernels), and
// that entries outside [r0, r1) and beyond nAct are untouched.
func requireGemm(t *testing.T, typ ggml.Type, w []byte, cols, r0, r1 int, acts []byte, nAct int, msg string) {
	t.Helper()
	rs, as := typ.RowSize(cols), VecDotType(typ).RowSize(cols)
	for _, variant := range tileVariants() {
		restore := variant.set()
		level := variant.String()
		out := make([][]float32, nAct+1) // one extra row must stay untouched
		for j := range out {
			out[j] = make([]float32, r1+2)
			for r := range out[j] {
				out[j][r] = gemmSentinel
			}
		}
		MatMulRows(typ, w, cols, r0, r1, acts, nAct, out)
		for j := 0; j <= nAct; j++ {
			for r := range out[j] {
				got := out[j][r]
				where := fmt.Sprintf("%s level %s act %d row %d", msg, level, j, r)
				if j == nAct || r < r0 || r >= r1 {
					require.Equal(t, math.Float32bits(gemmSentinel), math.Float32bits(got), "%s: written outside the range", where)
					continue
				}
				wr, a := w[r*rs:(r+1)*rs], acts[j*as:(j+1)*as]
				if variant.amx {
					requireSameDot(t, level, typ, VecDotBlocks(typ, wr, a, cols), got, where+" vs VecDotBlocks")
					continue
				}
				requireSameDot(t, level, typ, vecDot(typ, wr, a, cols), got, where+" vs portable")
				requireSameDot(t, level, typ, VecDot(typ, wr, a, cols), got, where+" vs VecDot")
			}
		}
		restore()
	}
}

func TestMatMulRowsRandom(t *testing.T) {
	for _, typ := range gemmTypes {
		cols := 2 * 256
		if typ.BlockSize() == 32 {
			cols = 7 * 32 // an odd block count
		}
		for nAct := 1; nAct <= 9; nAct++ {
			t.Run(fmt.Sprintf("%v/nAct=%d", typ, nAct), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(typ), uint64(nAct)))
				const rows = 5
				w, acts := gemmRandom(rng, typ, rows, cols, nAct)
				requireGemm(t, typ, w, cols, 0, rows, acts, nAct, "all rows")
			})
		}
	}
}

func TestMatMulRowsQuantized(t *testing.T) {
	for _, typ := range gemmTypes {
		for _, cols := range []int{256, 4096} {
			for _, nAct := range []int{1, 3, 4, 8, 9} {
				t.Run(fmt.Sprintf("%v/cols=%d/nAct=%d", typ, cols, nAct), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(uint64(typ)+100, uint64(cols*nAct)))
					const rows = 6
					w, acts := gemmQuantized(t, rng, typ, rows, cols, nAct)
					requireGemm(t, typ, w, cols, 0, rows, acts, nAct, "quantized")
				})
			}
		}
	}
}

// Row ranges, including ones longer than a tile and empty ones.
func TestMatMulRowsRanges(t *testing.T) {
	tests := []struct{ rows, r0, r1 int }{
		{10, 0, 10}, {10, 3, 7}, {10, 9, 10}, {10, 4, 4}, {10, 0, 0},
		{gemmTileRows + 5, 1, gemmTileRows + 4}, {2*gemmTileRows + 1, 0, 2*gemmTileRows + 1},
	}
	for _, typ := range []ggml.Type{ggml.Q4_K, ggml.Q6_K, ggml.Q4_0, ggml.Q8_0} {
		for _, tc := range tests {
			t.Run(fmt.Sprintf("%v/%d-%d-of-%d", typ, tc.r0, tc.r1, tc.rows), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(typ), uint64(tc.rows*1000+tc.r0*10+tc.r1)))
				cols := typ.BlockSize() * 3
				w, acts := gemmRandom(rng, typ, tc.rows, cols, 6)
				requireGemm(t, typ, w, cols, tc.r0, tc.r1, acts, 6, "range")
			})
		}
	}
}

// Extreme bytes: all quants at their limits (-128 activations, 0xff
// nibbles), where the integer paths could saturate or wrap differently.
func TestMatMulRowsEdgeValues(t *testing.T) {
	for _, typ := range gemmTypes {
		for _, v := range []byte{0x00, 0x80, 0xff, 0x7f} {
			t.Run(fmt.Sprintf("%v/%#x", typ, v), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(typ), uint64(v)))
				cols := typ.BlockSize() * 2
				if typ.BlockSize() == 1 {
					cols = 128
				}
				w, acts := gemmRandom(rng, typ, 3, cols, 5)
				rs, as := typ.RowSize(cols), VecDotType(typ).RowSize(cols)
				for r := 0; r < 3; r++ {
					setScalesOnly(typ, w[r*rs:(r+1)*rs], cols, v)
				}
				for j := 0; j < 5; j++ {
					_, a := simdRow(rng, typ, cols)
					fillQuants(typ, a, v)
					copy(acts[j*as:], a)
				}
				requireGemm(t, typ, w, cols, 0, 3, acts, 5, "edge")
			})
		}
	}
}

// setScalesOnly fills a weight row's quant bytes with v (for the K-quants
// also the packed sub-block scales and mins), keeping its float scales.
func setScalesOnly(typ ggml.Type, w []byte, cols int, v byte) {
	ws := typ.TypeSize()
	for b := 0; b < cols/typ.BlockSize(); b++ {
		blk := w[b*ws : (b+1)*ws]
		switch typ {
		case ggml.Q4_0, ggml.Q8_0:
			fill(blk[2:], v)
		case ggml.Q4_K, ggml.Q5_K:
			fill(blk[4:], v) // scales, mins and quants
		case ggml.Q6_K:
			fill(blk[:208], v)
		}
	}
}

// fillQuants sets an activation row's int8 quants (not its scale) to v.
func fillQuants(typ ggml.Type, a []byte, v byte) {
	switch VecDotType(typ) {
	case ggml.Q8_0:
		for b := 0; b < len(a)/q8_0Size; b++ {
			fill(a[b*q8_0Size+2:(b+1)*q8_0Size], v)
		}
	case ggml.Q8_K:
		for b := 0; b < len(a)/q8KSize; b++ {
			fill(a[b*q8KSize+4:(b+1)*q8KSize], v) // quants and bsums
		}
	}
}

func TestMatMulRowsBadInput(t *testing.T) {
	cols := 256
	rs, as := ggml.Q4_K.RowSize(cols), ggml.Q8_K.RowSize(cols)
	w, acts := make([]byte, 4*rs), make([]byte, 2*as)
	out := [][]float32{make([]float32, 4), make([]float32, 4)}
	tests := []struct {
		name string
		call func()
	}{
		{"short weights", func() { MatMulRows(ggml.Q4_K, w[:3*rs], cols, 0, 4, acts, 2, out) }},
		{"short activations", func() { MatMulRows(ggml.Q4_K, w, cols, 0, 4, acts[:as], 2, out) }},
		{"short output row", func() { MatMulRows(ggml.Q4_K, w, cols, 0, 4, acts, 2, [][]float32{out[0], out[1][:3]}) }},
		{"too few output rows", func() { MatMulRows(ggml.Q4_K, w, cols, 0, 4, acts, 2, out[:1]) }},
		{"partial block", func() { MatMulRows(ggml.Q4_K, w, 100, 0, 1, acts, 1, out) }},
		{"reversed range", func() { MatMulRows(ggml.Q4_K, w, cols, 3, 2, acts, 1, out) }},
		{"negative row", func() { MatMulRows(ggml.Q4_K, w, cols, -1, 2, acts, 1, out) }},
		{"unsupported type", func() { MatMulRows(ggml.Type(200), w, cols, 0, 1, acts, 1, out) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Panics(t, tc.call)
		})
	}
}

// fuzzGemm builds a small matrix and 1-9 activation rows from arbitrary
// bytes (any quants, scales, bsums, NaN and Inf) and checks MatMulRows
// against the portable per-pair dot at every level.
func fuzzGemm(f *testing.F, typ ggml.Type) {
	rng := rand.New(rand.NewPCG(uint64(typ), 5))
	w, a := gemmRandom(rng, typ, 2, typ.BlockSize()*2, 3)
	f.Add(uint8(1), uint8(2), uint8(1), append(w, a...))
	f.Add(uint8(4), uint8(8), uint8(0), []byte{0xff, 0x80, 0x7f, 0x00})
	f.Fuzz(func(t *testing.T, rows, nAct, blocks uint8, data []byte) {
		if len(data) == 0 {
			return
		}
		nr, na, cols := 1+int(rows%6), 1+int(nAct%9), typ.BlockSize()*(1+int(blocks%3))
		rs, as := typ.RowSize(cols), VecDotType(typ).RowSize(cols)
		buf := make([]byte, nr*rs+na*as)
		for i := range buf {
			buf[i] = data[i%len(data)]
		}
		requireGemm(t, typ, buf[:nr*rs], cols, 0, nr, buf[nr*rs:], na, "fuzz")
	})
}

func FuzzMatMulRowsQ4K(f *testing.F)  { fuzzGemm(f, ggml.Q4_K) }
func FuzzMatMulRowsQ6K(f *testing.F)  { fuzzGemm(f, ggml.Q6_K) }
func FuzzMatMulRowsQ4_0(f *testing.F) { fuzzGemm(f, ggml.Q4_0) }
func FuzzMatMulRowsQ8_0(f *testing.F) { fuzzGemm(f, ggml.Q8_0) }
