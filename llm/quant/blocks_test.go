package quant

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/llm/ggml"
)

// Hand-built blocks: the bytes are laid out here straight from the layout in
// ggml-common.h (not with this package's packers), and the expected values
// come from the format's definition.

// kScales and kMins are 6-bit values chosen so every sub-block position of
// the 12-byte K-quant scales field is exercised, with high bits set in
// sub-blocks 4-7. kScaleBytes is their packing, worked out by hand:
//
//	bytes 0-3:  sc[j] | hi2(sc[j+4])<<6 = 1|1<<6, 10|2<<6, 33|0<<6, 63|3<<6
//	bytes 4-7:  m[j]  | hi2(m[j+4])<<6  = 0|3<<6, 7|0<<6, 21|1<<6, 63|1<<6
//	bytes 8-11: lo4(sc[j+4]) | lo4(m[j+4])<<4 = 1|0<<4, 8|2<<4, 5|15<<4, 15|0<<4
var (
	kScales     = [8]uint8{1, 10, 33, 63, 17, 40, 5, 63}
	kMins       = [8]uint8{0, 7, 21, 63, 48, 2, 31, 16}
	kScaleBytes = [12]byte{65, 138, 33, 255, 192, 7, 85, 127, 1, 40, 245, 15}
)

func TestScaleMinK4(t *testing.T) {
	for j := 0; j < 8; j++ {
		sc, m := scaleMinK4(j, kScaleBytes[:])
		require.Equal(t, kScales[j], sc, "scale %d", j)
		require.Equal(t, kMins[j], m, "min %d", j)
	}
	var q [12]byte
	ls, lm := kScales, kMins
	packScaleMinK4(q[:], &ls, &lm)
	require.Equal(t, kScaleBytes, q)
}

func half(f float32) []byte {
	var b [2]byte
	binary.LittleEndian.PutUint16(b[:], FP32ToFP16(f))
	return b[:]
}

func TestDequantizeHandBuilt(t *testing.T) {
	tests := []struct {
		name  string
		typ   ggml.Type
		block func() []byte
		want  func(i int) float64
	}{
		{
			name: "Q4_0 nibbles",
			typ:  ggml.Q4_0,
			block: func() []byte {
				b := append([]byte{}, half(0.5)...)
				for j := 0; j < 16; j++ {
					b = append(b, byte(j)|byte(15-j)<<4) // element j: j, element j+16: 15-j
				}
				return b
			},
			want: func(i int) float64 {
				if i < 16 {
					return 0.5 * float64(i-8)
				}
				return 0.5 * float64(15-(i-16)-8)
			},
		},
		{
			name: "Q8_0 full int8 range",
			typ:  ggml.Q8_0,
			block: func() []byte {
				b := append([]byte{}, half(-0.25)...)
				for j := 0; j < 32; j++ {
					b = append(b, byte(int8(-128+8*j+j%3)))
				}
				return b
			},
			want: func(i int) float64 { return -0.25 * float64(-128+8*i+i%3) },
		},
		{
			name: "Q4_K every sub-block",
			typ:  ggml.Q4_K,
			block: func() []byte {
				b := append(append(append([]byte{}, half(0.25)...), half(0.125)...), kScaleBytes[:]...)
				qs := make([]byte, 128)
				for i := 0; i < 256; i++ {
					c, l := i/64, i%64
					q := byte((i*7 + 3) % 16)
					if l < 32 {
						qs[32*c+l] |= q
					} else {
						qs[32*c+l-32] |= q << 4
					}
				}
				return append(b, qs...)
			},
			want: func(i int) float64 {
				s := i / 32
				return 0.25*float64(kScales[s])*float64((i*7+3)%16) - 0.125*float64(kMins[s])
			},
		},
		{
			name: "Q5_K every sub-block and high bit",
			typ:  ggml.Q5_K,
			block: func() []byte {
				b := append(append(append([]byte{}, half(0.25)...), half(0.5)...), kScaleBytes[:]...)
				qh := make([]byte, 32)
				qs := make([]byte, 128)
				for i := 0; i < 256; i++ {
					c, l := i/64, i%64
					q := byte((i*11 + 5) % 32)
					bit := uint(2 * c)
					if l < 32 {
						qs[32*c+l] |= q & 15
					} else {
						qs[32*c+l-32] |= (q & 15) << 4
						bit++
					}
					qh[l%32] |= (q >> 4) << bit
				}
				return append(append(b, qh...), qs...)
			},
			want: func(i int) float64 {
				s := i / 32
				return 0.25*float64(kScales[s])*float64((i*11+5)%32) - 0.5*float64(kMins[s])
			},
		},
		{
			name: "Q6_K every sub-block, signed scales",
			typ:  ggml.Q6_K,
			block: func() []byte {
				ql := make([]byte, 128)
				qh := make([]byte, 64)
				for i := 0; i < 256; i++ {
					h, r := i/128, i%128
					quarter, l := r/32, r%32
					q := byte((i*13 + 1) % 64)
					if quarter < 2 {
						ql[64*h+32*quarter+l] |= q & 15
					} else {
						ql[64*h+32*(quarter-2)+l] |= (q & 15) << 4
					}
					qh[32*h+l] |= (q >> 4) << (2 * quarter)
				}
				b := append(ql, qh...)
				for j := 0; j < 16; j++ {
					b = append(b, byte(q6Scale(j)))
				}
				return append(b, half(0.5)...)
			},
			want: func(i int) float64 {
				return 0.5 * float64(q6Scale(i/16)) * float64((i*13+1)%64-32)
			},
		},
		{
			name: "Q8_K",
			typ:  ggml.Q8_K,
			block: func() []byte {
				b := binary.LittleEndian.AppendUint32(nil, math.Float32bits(1.5))
				for j := 0; j < 256; j++ {
					b = append(b, byte(int8(j-128)))
				}
				return append(b, make([]byte, 32)...) // bsums do not enter dequantization
			},
			want: func(i int) float64 { return 1.5 * float64(i-128) },
		},
		{
			name: "F16 specials",
			typ:  ggml.F16,
			block: func() []byte {
				var b []byte
				for _, h := range []uint16{0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x7c00, 0x8000, 0x3555} {
					b = binary.LittleEndian.AppendUint16(b, h)
				}
				return b
			},
			want: func(i int) float64 {
				return []float64{1, -2, 65504, math.Ldexp(1, -24), math.Ldexp(1, -14), math.Inf(1), math.Copysign(0, -1), 1365.0 / 4096}[i]
			},
		},
		{
			name: "BF16",
			typ:  ggml.BF16,
			block: func() []byte {
				var b []byte
				for _, h := range []uint16{0x3f80, 0xc000, 0x7f80, 0x0001, 0x4049} {
					b = binary.LittleEndian.AppendUint16(b, h)
				}
				return b
			},
			want: func(i int) float64 {
				return []float64{1, -2, math.Inf(1), math.Ldexp(1, -133), 3.140625}[i]
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.block()
			require.Len(t, b, tt.typ.RowSize(len(b)/tt.typ.TypeSize()*tt.typ.BlockSize()))
			n := len(b) / tt.typ.TypeSize() * tt.typ.BlockSize()
			got := make([]float32, n)
			require.NoError(t, Dequantize(tt.typ, b, got))
			for i := range got {
				want := tt.want(i)
				require.Equal(t, math.Float64bits(want), math.Float64bits(float64(got[i])), "element %d: got %v want %v", i, got[i], want)
			}
		})
	}
}

func q6Scale(j int) int8 {
	return [16]int8{1, -2, 3, -4, 5, -8, 13, -21, 34, -55, 89, -128, 127, 0, 7, -1}[j]
}

// The field readers agree with the hand layout above.
func TestBlockAccessors(t *testing.T) {
	q4 := make([]byte, 144)
	copy(q4, half(0.25))
	copy(q4[2:], half(0.125))
	copy(q4[4:], kScaleBytes[:])
	for i := 0; i < 256; i++ {
		c, l := i/64, i%64
		if l < 32 {
			q4[16+32*c+l] |= byte(i % 16)
		} else {
			q4[16+32*c+l-32] |= byte(i%16) << 4
		}
	}
	b4 := BlockQ4K(q4)
	require.Equal(t, float32(0.25), b4.D())
	require.Equal(t, float32(0.125), b4.DMin())
	for j := 0; j < 8; j++ {
		sc, m := b4.ScaleMin(j)
		require.Equal(t, kScales[j], sc)
		require.Equal(t, kMins[j], m)
	}
	for i := 0; i < 256; i++ {
		require.Equal(t, uint8(i%16), b4.Q(i), "Q4_K element %d", i)
	}

	x := make([]float32, 256)
	for i := range x {
		x[i] = float32(math.Sin(float64(i))) * 3
	}
	for _, typ := range []ggml.Type{ggml.Q5_K, ggml.Q6_K} {
		q, err := Quantize(typ, x)
		require.NoError(t, err)
		deq := make([]float32, 256)
		require.NoError(t, Dequantize(typ, q, deq))
		for i := range x {
			var v float32
			switch typ {
			case ggml.Q5_K:
				b := BlockQ5K(q)
				sc, m := b.ScaleMin(i / 32)
				v = float32(b.D()*float32(sc))*float32(b.Q(i)) - float32(b.DMin()*float32(m))
			case ggml.Q6_K:
				b := BlockQ6K(q)
				v = float32(b.D()*float32(b.Scale(i/16))) * float32(int(b.Q(i))-32)
			}
			require.Equal(t, deq[i], v, "%v element %d", typ, i)
		}
	}
	q40, err := Quantize(ggml.Q4_0, x[:32])
	require.NoError(t, err)
	q80, err := Quantize(ggml.Q8_0, x[:32])
	require.NoError(t, err)
	for i := 0; i < 32; i++ {
		require.Equal(t, float32(int(BlockQ40(q40).Q(i))-8)*BlockQ40(q40).D(), dq(t, ggml.Q4_0, q40)[i])
		require.Equal(t, float32(BlockQ80(q80).Q(i))*BlockQ80(q80).D(), dq(t, ggml.Q8_0, q80)[i])
	}
}

func dq(t *testing.T, typ ggml.Type, b []byte) []float32 {
	t.Helper()
	out := make([]float32, len(b)/typ.TypeSize()*typ.BlockSize())
	require.NoError(t, Dequantize(typ, b, out))
	return out
}

func TestDequantizeErrors(t *testing.T) {
	tests := []struct {
		name string
		typ  ggml.Type
		src  int
		dst  int
	}{
		{"partial block", ggml.Q4_K, 143, 256},
		{"partial Q8_0 block", ggml.Q8_0, 35, 32},
		{"short destination", ggml.Q4_0, 36, 63},
		{"long destination", ggml.Q6_K, 210, 257},
		{"odd F16 bytes", ggml.F16, 3, 1},
		{"unsupported type", ggml.Q2_K, 84, 256},
		{"unknown type", ggml.Type(99), 4, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Dequantize(tt.typ, make([]byte, tt.src), make([]float32, tt.dst))
			require.Error(t, err)
		})
	}
	_, err := Quantize(ggml.Q4_K, make([]float32, 100))
	require.ErrorContains(t, err, "256-element blocks")
	_, err = Quantize(ggml.Q3_K, make([]float32, 256))
	require.ErrorContains(t, err, "not supported")
}
