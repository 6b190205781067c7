// Package quant holds ggml's tensor block formats (F32, F16, BF16, Q4_0,
// Q8_0, Q4_K, Q5_K, Q6_K, Q8_K) in their exact little-endian byte layout:
// dequantization, the reference weight quantizers llama-quantize runs,
// activation quantization as ggml's x86 CPU backend does it, and portable
// dot products. This is the plain-Go reference every SIMD kernel is tested
// against; testdata/ggml_golden.bin.gz holds what llama.cpp's own binaries
// compute on the same inputs, and every path here matches it bit for bit.
package quant

import (
	"encoding/binary"
	"fmt"

	"github.com/quirehq/quire/llm/ggml"
)

// VecDotType is the activation type ggml pairs with weight type t
// (type_traits_cpu[t].vec_dot_type): Q4_0 and Q8_0 take Q8_0 blocks, the
// K-quants take Q8_K, float types take themselves. It returns t itself for
// types this package cannot compute with.
func VecDotType(t ggml.Type) ggml.Type {
	switch t {
	case ggml.Q4_0, ggml.Q8_0:
		return ggml.Q8_0
	case ggml.Q4_K, ggml.Q5_K, ggml.Q6_K:
		return ggml.Q8_K
	}
	return t
}

// checkRow validates that n elements of type t make whole blocks.
func checkRow(t ggml.Type, n int) error {
	if !t.Supported() {
		return fmt.Errorf("quant: type %v is not supported (supported: F32, F16, BF16, Q4_0, Q8_0, Q4_K, Q5_K, Q6_K, Q8_K)", t)
	}
	if bs := t.BlockSize(); n%bs != 0 {
		return fmt.Errorf("quant: %d %v elements is not a whole number of %d-element blocks", n, t, bs)
	}
	return nil
}

// Dequantize expands src, whole blocks of type t, into dst, which must hold
// exactly the blocks' elements.
func Dequantize(t ggml.Type, src []byte, dst []float32) error {
	if !t.Supported() {
		return checkRow(t, 0)
	}
	ts, bs := t.TypeSize(), t.BlockSize()
	if len(src)%ts != 0 {
		return fmt.Errorf("quant: %d bytes of %v is not a whole number of %d-byte blocks", len(src), t, ts)
	}
	if n := len(src) / ts * bs; len(dst) != n {
		return fmt.Errorf("quant: %d bytes of %v hold %d values, destination has room for %d", len(src), t, n, len(dst))
	}
	switch t {
	case ggml.F32:
		dequantizeF32(src, dst)
	case ggml.F16:
		dequantizeF16(src, dst)
	case ggml.BF16:
		dequantizeBF16(src, dst)
	case ggml.Q4_0:
		dequantizeQ4_0(src, dst)
	case ggml.Q8_0:
		dequantizeQ8_0(src, dst)
	case ggml.Q4_K:
		dequantizeQ4K(src, dst)
	case ggml.Q5_K:
		dequantizeQ5K(src, dst)
	case ggml.Q6_K:
		dequantizeQ6K(src, dst)
	case ggml.Q8_K:
		dequantizeQ8K(src, dst)
	}
	return nil
}

// Quantize encodes src as type t with ggml's reference quantizers (the ones
// llama-quantize uses without an importance matrix): quantize_row_q4_0_ref,
// _q8_0_ref, _q4_K_ref, _q5_K_ref, _q6_K_ref, _q8_K_ref, and round-to-nearest-
// even F16/BF16. len(src) must be a multiple of t's block size.
func Quantize(t ggml.Type, src []float32) ([]byte, error) {
	if err := checkRow(t, len(src)); err != nil {
		return nil, err
	}
	dst := make([]byte, t.RowSize(len(src)))
	switch t {
	case ggml.F32:
		quantizeF32(src, dst)
	case ggml.F16:
		quantizeF16Weights(src, dst)
	case ggml.BF16:
		quantizeBF16(src, dst)
	case ggml.Q4_0:
		quantizeQ4_0(src, dst)
	case ggml.Q8_0:
		quantizeQ8_0(src, dst)
	case ggml.Q4_K:
		quantizeQ4K(src, dst)
	case ggml.Q5_K:
		quantizeQ5K(src, dst)
	case ggml.Q6_K:
		quantizeQ6K(src, dst)
	case ggml.Q8_K:
		quantizeQ8K(src, dst)
	}
	return dst, nil
}

// QuantizeActivations converts x to activation type t (a VecDotType result:
// Q8_0, Q8_K, F16, BF16 or F32) into dst, exactly as ggml's x86 CPU backend
// converts src1 before a matrix-vector product: Q8_0 with the AVX path's
// 127/amax multiplier and round-half-even, Q8_K with quantize_row_q8_K_ref
// (round-half-even), F16 with F16C rounding (nearest even), BF16 with
// ggml's nearest-even conversion. dst must be t.RowSize(len(x)) bytes and
// len(x) a multiple of t's block size; anything else is a programming error
// and panics.
func QuantizeActivations(t ggml.Type, x []float32, dst []byte) {
	if err := checkRow(t, len(x)); err != nil {
		panic(err)
	}
	if len(dst) != t.RowSize(len(x)) {
		panic(fmt.Sprintf("quant: QuantizeActivations(%v) of %d values needs %d bytes, got %d", t, len(x), t.RowSize(len(x)), len(dst)))
	}
	switch t {
	case ggml.Q8_0:
		quantizeActQ8_0(x, dst)
	case ggml.Q8_K:
		quantizeQ8K(x, dst)
	case ggml.F16:
		quantizeF16(x, dst)
	case ggml.BF16:
		quantizeBF16(x, dst)
	case ggml.F32:
		quantizeF32(x, dst)
	default:
		panic(fmt.Sprintf("quant: %v is not an activation type", t))
	}
}

// VecDot returns the dot product of one weight row of type t (n elements)
// with activations already converted to VecDotType(t). It returns what
// ggml's vec_dot for t returns in the x86 AVX-512 build, bit for bit (tested
// against the shipped binary): exact integer sums in the kernels' 8 int32
// lanes with one float FMA per block and lane for the quantized types (see
// lanes.go), and the 4x16-lane FMA sums for F32, F16 and BF16 (f16.go).
// Mismatched lengths are a programming error and panic.
func VecDot(t ggml.Type, w []byte, a []byte, n int) float32 {
	at := VecDotType(t)
	if len(w) != t.RowSize(n) || len(a) != at.RowSize(n) || n%t.BlockSize() != 0 || n%at.BlockSize() != 0 {
		panic(fmt.Sprintf("quant: VecDot(%v, n=%d) got %d weight bytes (want %d) and %d activation bytes (want %d)",
			t, n, len(w), t.RowSize(n), len(a), at.RowSize(n)))
	}
	if f := fastDot(t); f != nil {
		return f(w, a, n)
	}
	return vecDot(t, w, a, n)
}

// dotFunc is the fastest kernel for weight type t on this CPU: a SIMD
// kernel where one exists (simd_amd64.go; bit-identical to the portable
// code, as simd_test.go checks), else the portable Go.
func dotFunc(t ggml.Type) func(w, a []byte, n int) float32 {
	if f := fastDot(t); f != nil {
		return f
	}
	return func(w, a []byte, n int) float32 { return vecDot(t, w, a, n) }
}

// vecDot is the portable reference for every weight type: it never
// dispatches to SIMD, so tests compare the kernels against it directly.
func vecDot(t ggml.Type, w, a []byte, n int) float32 {
	switch t {
	case ggml.F32:
		return dotF32(w, a, n)
	case ggml.F16:
		return dotF16(w, a, n)
	case ggml.BF16:
		return dotBF16(w, a, n)
	case ggml.Q4_0:
		return dotQ4_0Q8_0(w, a, n)
	case ggml.Q8_0:
		return dotQ8_0Q8_0(w, a, n)
	case ggml.Q4_K:
		return dotQ4KQ8K(w, a, n)
	case ggml.Q5_K:
		return dotQ5KQ8K(w, a, n)
	case ggml.Q6_K:
		return dotQ6KQ8K(w, a, n)
	}
	panic(fmt.Sprintf("quant: no dot product for weight type %v", t))
}

// MatVec computes out[r] = VecDot(row r) for a rows x cols weight matrix of
// type t stored row-major as in GGUF (row r is bytes
// [r*RowSize(cols), (r+1)*RowSize(cols))), on one thread, with the fastest
// kernel this CPU has. Mismatched lengths panic.
func MatVec(t ggml.Type, w []byte, rows, cols int, a []byte, out []float32) {
	rs := t.RowSize(cols)
	at := VecDotType(t)
	if len(w) != rows*rs || len(out) != rows || len(a) != at.RowSize(cols) || cols%t.BlockSize() != 0 || cols%at.BlockSize() != 0 {
		panic(fmt.Sprintf("quant: MatVec(%v, %dx%d) got %d weight bytes (want %d), %d activation bytes (want %d), %d outputs",
			t, rows, cols, len(w), rows*rs, len(a), at.RowSize(cols), len(out)))
	}
	if k := matVecRows[t]; k != nil {
		k(w, rs, a, cols/t.BlockSize(), out)
		return
	}
	dot := dotFunc(t)
	for r := 0; r < rows; r++ {
		out[r] = dot(w[r*rs:(r+1)*rs], a, cols)
	}
}

// matVecRows holds MatVec's multi-row SIMD loops by weight type (Q8_0 in
// q8_0_fast_amd64.go, Q6_K in q6_k_fast_amd64.go): out[r] = dot(row r, a)
// for len(out) rows rs bytes apart over nb blocks. Empty in builds
// without them; filled only by init functions, so reads need no lock.
var matVecRows = map[ggml.Type]func(w []byte, rs int, a []byte, nb int, out []float32){}

func putLE16(b []byte, v uint16) { binary.LittleEndian.PutUint16(b, v) }
