package quant

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"hash/fnv"
	"io"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/llm/ggml"
)

// goldenType is what llama.cpp's binaries computed for one type over a
// section's inputs (testdata/ggmlref/gen.c).
type goldenType struct {
	t, at    ggml.Type
	wq, aq   []byte // F32: nil (the inputs themselves)
	deqHash  []uint64
	dots     []float32
	rows, n  int
	w, a     []float32
	sectionN int
}

func readGolden(t *testing.T) (out []goldenType, hashed, matvecs []hashedSection) {
	t.Helper()
	f, err := os.Open("testdata/ggml_golden.bin.gz")
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	data, err := io.ReadAll(zr)
	require.NoError(t, err)
	r := bytes.NewReader(data)
	u32 := func() int {
		var v uint32
		require.NoError(t, binary.Read(r, binary.LittleEndian, &v))
		return int(v)
	}
	floats := func(n int) []float32 {
		v := make([]float32, n)
		require.NoError(t, binary.Read(r, binary.LittleEndian, v))
		return v
	}
	raw := func(n int) []byte {
		v := make([]byte, n)
		_, err := io.ReadFull(r, v)
		require.NoError(t, err)
		return v
	}
	magic := raw(4)
	require.Equal(t, "QGLD", string(magic))
	require.Equal(t, 4, u32(), "golden version")
	nsec := u32()
	for s := 0; s < nsec; s++ {
		rows, n, ntypes := u32(), u32(), u32()
		w, a := floats(rows*n), floats(rows*n)
		for k := 0; k < ntypes; k++ {
			g := goldenType{t: ggml.Type(u32()), at: ggml.Type(u32()), rows: rows, n: n, w: w, a: a, sectionN: s}
			if g.t != ggml.F32 {
				g.wq = raw(rows * g.t.RowSize(n))
				g.aq = raw(rows * g.at.RowSize(n))
			}
			g.deqHash = make([]uint64, rows)
			require.NoError(t, binary.Read(r, binary.LittleEndian, g.deqHash))
			g.dots = floats(rows)
			out = append(out, g)
		}
	}
	nhashed := u32()
	for s := 0; s < nhashed; s++ {
		h := hashedSection{rows: u32(), n: u32()}
		ntypes := u32()
		require.NoError(t, binary.Read(r, binary.LittleEndian, &h.seed))
		for k := 0; k < ntypes; k++ {
			ht := hashedType{t: ggml.Type(u32())}
			require.NoError(t, binary.Read(r, binary.LittleEndian, &ht.hashes))
			h.types = append(h.types, ht)
		}
		hashed = append(hashed, h)
	}
	nmv := u32()
	for s := 0; s < nmv; s++ {
		h := hashedSection{rows: u32(), n: u32()}
		ntypes := u32()
		require.NoError(t, binary.Read(r, binary.LittleEndian, &h.seed))
		for k := 0; k < ntypes; k++ {
			ht := hashedType{t: ggml.Type(u32())}
			require.NoError(t, binary.Read(r, binary.LittleEndian, ht.hashes[:2]))
			h.types = append(h.types, ht)
		}
		matvecs = append(matvecs, h)
	}
	require.Zero(t, r.Len(), "trailing bytes in golden file")
	return out, hashed, matvecs
}

// TestGoldenGGMLMulMat compares a whole matrix-vector product, activation
// quantization included, with ggml's mul_mat graph on the CPU backend: the
// plain layout (vec_dot) with MatVec, and the repacked layout llama.cpp uses
// for Q4_0/Q4_K with MatVecRepacked (hashes[0] and hashes[1]).
func TestGoldenGGMLMulMat(t *testing.T) {
	_, _, matvecs := readGolden(t)
	require.NotEmpty(t, matvecs)
	for _, h := range matvecs {
		st := h.seed
		w := make([]float32, h.rows*h.n)
		x := make([]float32, h.n)
		for r := 0; r < h.rows; r++ {
			genRow(&st, w[r*h.n:(r+1)*h.n], r)
		}
		genRow(&st, x, 5)
		for _, ht := range h.types {
			t.Run(ht.t.String(), func(t *testing.T) {
				wq, err := Quantize(ht.t, w)
				require.NoError(t, err)
				at := VecDotType(ht.t)
				a := make([]byte, at.RowSize(h.n))
				QuantizeActivations(at, x, a)
				out := make([]float32, h.rows)
				MatVec(ht.t, wq, h.rows, h.n, a, out)
				require.Equal(t, ht.hashes[0], fnvFloats(out), "MatVec differs from ggml's mul_mat (plain buffer)")
				if ht.t == ggml.Q4_0 || ht.t == ggml.Q4_K {
					require.NotEqual(t, ht.hashes[0], ht.hashes[1], "the repacked kernel's float order should show")
				}
				MatVecRepacked(ht.t, wq, h.rows, h.n, a, out)
				require.Equal(t, ht.hashes[1], fnvFloats(out), "MatVecRepacked differs from ggml's mul_mat (repack buffer)")
			})
		}
	}
}

// hashedSection is a generated input set (genRow) and, per type, FNV-1a
// hashes of ggml's quantized weights, dequantized weights, activations and
// dot products over all rows.
type hashedSection struct {
	rows, n int
	seed    uint64
	types   []hashedType
}

type hashedType struct {
	t      ggml.Type
	hashes [4]uint64
}

// genRow is gen.c's gen_row: Irwin-Hall sums of four 24-bit uniforms from
// a 64-bit LCG, scaled per row, with rare 16x outliers; every float
// operation is exact or a float32 add, so C and Go agree bit for bit.
func genRow(st *uint64, x []float32, r int) {
	scale := float32(int(1)<<(r%7)) / 64
	for i := range x {
		var s float32
		var o uint64
		for k := 0; k < 4; k++ {
			*st = *st*6364136223846793005 + 1442695040888963407
			s += float32(*st>>40) * 0x1p-24
			o ^= *st
		}
		v := (s - 2) * scale
		if o>>20&255 == 0 {
			v *= 16
		}
		x[i] = v
	}
}

func fnvBytes(b []byte) uint64 {
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}

// TestGoldenGGMLHashed runs Mistral-sized rows (4096, 14336) through every
// path and compares hashes of the results with llama.cpp's.
func TestGoldenGGMLHashed(t *testing.T) {
	_, hashed, _ := readGolden(t)
	require.NotEmpty(t, hashed)
	for _, h := range hashed {
		st := h.seed
		w := make([]float32, h.rows*h.n)
		a := make([]float32, h.rows*h.n)
		for r := 0; r < h.rows; r++ {
			genRow(&st, w[r*h.n:(r+1)*h.n], r)
		}
		for r := 0; r < h.rows; r++ {
			genRow(&st, a[r*h.n:(r+1)*h.n], r+3)
		}
		for _, ht := range h.types {
			t.Run(ht.t.String()+"/n="+itoa(h.n), func(t *testing.T) {
				at := VecDotType(ht.t)
				var wq, aq []byte
				deq := make([]float32, h.rows*h.n)
				dots := make([]float32, h.rows)
				for r := 0; r < h.rows; r++ {
					q, err := Quantize(ht.t, w[r*h.n:(r+1)*h.n])
					require.NoError(t, err)
					require.NoError(t, Dequantize(ht.t, q, deq[r*h.n:(r+1)*h.n]))
					act := make([]byte, at.RowSize(h.n))
					QuantizeActivations(at, a[r*h.n:(r+1)*h.n], act)
					dots[r] = VecDot(ht.t, q, act, h.n)
					wq, aq = append(wq, q...), append(aq, act...)
				}
				require.Equal(t, ht.hashes[0], fnvBytes(wq), "quantized weights differ from ggml")
				require.Equal(t, ht.hashes[1], fnvFloats(deq), "dequantized weights differ from ggml")
				require.Equal(t, ht.hashes[2], fnvBytes(aq), "activations differ from ggml")
				require.Equal(t, ht.hashes[3], fnvFloats(dots), "dot products differ from ggml")
			})
		}
	}
}

func fnvFloats(x []float32) uint64 {
	h := fnv.New64a()
	var b [4]byte
	for _, v := range x {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		h.Write(b[:])
	}
	return h.Sum64()
}

// TestGoldenGGML compares every path with llama.cpp's own binaries
// (node-llama-cpp 3.21.1, libggml-base + the AVX-512 CPU variant) on the
// same inputs: weight quantization and activation conversion byte for byte,
// dequantization and dot products bit for bit.
func TestGoldenGGML(t *testing.T) {
	stored, _, _ := readGolden(t)
	for _, g := range stored {
		t.Run(g.t.String()+"/n="+itoa(g.n), func(t *testing.T) {
			require.Equal(t, VecDotType(g.t), g.at)
			wrs, ars := g.t.RowSize(g.n), g.at.RowSize(g.n)
			for r := 0; r < g.rows; r++ {
				wrow, arow := g.w[r*g.n:(r+1)*g.n], g.a[r*g.n:(r+1)*g.n]
				wq, err := Quantize(g.t, wrow)
				require.NoError(t, err)
				if g.wq != nil {
					require.Equal(t, g.wq[r*wrs:(r+1)*wrs], wq, "row %d: Quantize(%v) differs from ggml", r, g.t)
				}
				deq := make([]float32, g.n)
				require.NoError(t, Dequantize(g.t, wq, deq))
				require.Equal(t, g.deqHash[r], fnvFloats(deq), "row %d: Dequantize(%v) differs from ggml", r, g.t)

				aq := make([]byte, ars)
				QuantizeActivations(g.at, arow, aq)
				if g.aq != nil {
					require.Equal(t, g.aq[r*ars:(r+1)*ars], aq, "row %d: QuantizeActivations(%v) differs from ggml", r, g.at)
				}
				got, want := VecDot(g.t, wq, aq, g.n), g.dots[r]
				same := math.Float32bits(got) == math.Float32bits(want) || (isNaN32(got) && isNaN32(want))
				require.True(t, same, "row %d: %v dot %v must equal ggml's x86 kernel bit for bit (ggml: %v)", r, g.t, got, want)
			}
		})
	}
}

func itoa(n int) string { return string(appendInt(nil, n)) }

func appendInt(b []byte, n int) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

func isNaN32(f float32) bool { return f != f }
