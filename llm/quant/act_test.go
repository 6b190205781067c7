package quant

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/llm/ggml"
)

// actRows makes rows of n floats of many kinds for the activation
// quantizers: normal values at scales from subnormal to near overflow,
// exact .5 ties, zeros, equal magnitudes of both signs, and rows with
// infinities and NaNs (NaN payloads and signs vary) at random places.
func actRows(rng *rand.Rand, n, count int) [][]float32 {
	var rows [][]float32
	scales := []float64{1, 1e-3, 1e3, 1e-20, 1e20, 1e-38, 1e-42, 1e-45, 1e37, 3e38}
	specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), math.Float32frombits(0xffc00000), math.Float32frombits(0x7f800001),
		math.Float32frombits(0xff812345), math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32,
		-math.SmallestNonzeroFloat32, 127, -127, 0.5, -0.5, 1.5, -2.5}
	for r := 0; r < count; r++ {
		x := make([]float32, n)
		switch kind := r % 8; kind {
		case 0, 1, 2: // normal at a random scale
			s := scales[rng.IntN(len(scales))]
			for i := range x {
				x[i] = float32(rng.NormFloat64() * s)
			}
		case 3: // ties: amax 127 (multiplier 1), x.5 values
			for i := range x {
				x[i] = float32(rng.IntN(254)-127) + 0.5
			}
			x[rng.IntN(n)] = 127 * float32(1-2*rng.IntN(2))
		case 4: // blocks of zeros, and ±m of equal magnitude
			m := float32(rng.NormFloat64())
			for i := range x {
				switch rng.IntN(4) {
				case 0:
					x[i] = m
				case 1:
					x[i] = -m
				case 2:
					x[i] = m * float32(rng.Float64())
				}
			}
			if rng.IntN(2) == 0 {
				clear(x[:n/2])
			}
		case 5: // random bit patterns (many NaNs and infinities)
			for i := range x {
				x[i] = math.Float32frombits(rng.Uint32())
			}
		default: // normal with a few specials
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			for k := rng.IntN(4); k >= 0; k-- {
				x[rng.IntN(n)] = specials[rng.IntN(len(specials))]
			}
		}
		rows = append(rows, x)
	}
	return rows
}

// TestActQ8_0SIMD compares the SIMD Q8_0 activation quantizer with the
// portable loop byte for byte.
func TestActQ8_0SIMD(t *testing.T) {
	if !actSIMD {
		t.Skip("no SIMD kernel in this build")
	}
	rng := rand.New(rand.NewPCG(80, 80))
	for _, n := range []int{32, 64, 96, 4096, 14336} {
		for ri, x := range actRows(rng, n, 400) {
			want := make([]byte, n/32*q8_0Size)
			got := make([]byte, len(want))
			quantizeActQ8_0Go(x, want)
			quantizeActQ8_0(x, got)
			require.Equal(t, want, got, "n=%d row %d", n, ri)
		}
	}
	// The kernel itself hands rows with a NaN back, and only those.
	x := make([]float32, 64)
	for i := range x {
		x[i] = float32(i) - 20
	}
	dst := make([]byte, 2*q8_0Size)
	require.True(t, actQ8_0Kernel(&x[0], &dst[0], 2))
	x[40] = float32(math.Inf(-1))
	require.True(t, actQ8_0Kernel(&x[0], &dst[0], 2))
	x[63] = math.Float32frombits(0xff800001)
	require.False(t, actQ8_0Kernel(&x[0], &dst[0], 2))
}

// TestActQ8KSIMD compares the SIMD Q8_K quantizer with the portable loop
// byte for byte.
func TestActQ8KSIMD(t *testing.T) {
	if !actSIMD {
		t.Skip("no SIMD kernel in this build")
	}
	rng := rand.New(rand.NewPCG(81, 81))
	for _, n := range []int{256, 512, 4096, 14336} {
		for ri, x := range actRows(rng, n, 300) {
			want := make([]byte, n/256*q8KSize)
			got := make([]byte, len(want))
			for i := range got { // stale bytes must be overwritten
				got[i] = byte(rng.Uint32())
			}
			quantizeQ8KGo(x, want)
			quantizeQ8K(x, got)
			require.Equal(t, want, got, "n=%d row %d", n, ri)
		}
	}
	// The first of equal magnitudes sets the sign, wherever it is.
	for _, i := range []int{0, 7, 8, 100, 254} {
		x := make([]float32, 256)
		x[i], x[i+1+(254-i)/2] = -3, 3
		x[(i+257)%256] = float32(math.NaN())
		require.Equal(t, i, actQ8KMaxKernel(&x[0]))
	}
	nan := make([]float32, 256)
	nan[9] = float32(math.NaN())
	require.Equal(t, -1, actQ8KMaxKernel(&nan[0]))
}

// forFloat32s calls check on chunks of float32 bit patterns, on every
// CPU: all 2^32 of them when all is set, else every sign, exponent and top
// 7 mantissa bits (the top 16 bits) with 64 low halves: the rounding
// boundaries of normal and subnormal halves (bits 12 and below, up to bit
// 23 for the smallest) and random ones.
func forFloat32s(all bool, check func(src []float32)) {
	const chunk = 1 << 16
	var lows []uint32
	for _, b := range []uint32{0, 1, 0x0fff, 0x1000, 0x1001, 0x1fff, 0x2000, 0x2001, 0x3000, 0x7fff, 0x8000, 0x8001, 0xc000, 0xefff, 0xf000, 0xffff} {
		lows = append(lows, b)
	}
	rng := rand.New(rand.NewPCG(85, 85))
	for len(lows) < 64 {
		lows = append(lows, rng.Uint32()&0xffff)
	}
	var wg sync.WaitGroup
	procs := runtime.GOMAXPROCS(0)
	for p := 0; p < procs; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := make([]float32, chunk)
			for c := p; c < 1<<16; c += procs {
				hi := uint32(c) << 16
				if all {
					for i := range src {
						src[i] = math.Float32frombits(hi | uint32(i))
					}
					check(src)
					continue
				}
				for i, lo := range lows {
					src[i] = math.Float32frombits(hi | lo)
				}
				check(src[:len(lows)])
			}
		}()
	}
	wg.Wait()
}

// TestF16RowSIMD checks the SIMD float -> half conversion and rounding
// against FP32ToFP16, NaN payloads included: near every rounding boundary
// of every exponent, or every float32 with QUIRE_F16_ALL=1 (about a minute on 2
// cores; it passes).
func TestF16RowSIMD(t *testing.T) {
	if !actSIMD {
		t.Skip("no SIMD kernel in this build")
	}
	var mu sync.Mutex
	var bad []string
	forFloat32s(os.Getenv("QUIRE_F16_ALL") == "1", func(src []float32) {
		h := make([]uint16, len(src))
		r := append([]float32(nil), src...)
		f32ToF16Kernel(&h[0], &src[0], len(src))
		roundF16Kernel(&r[0], len(r))
		for i, v := range src {
			want := FP32ToFP16(v)
			wantR := math.Float32bits(FP16ToFP32(want))
			if h[i] != want || math.Float32bits(r[i]) != wantR {
				mu.Lock()
				if len(bad) < 10 {
					bad = append(bad, fmt.Sprintf("%#08x: half %#04x want %#04x, rounded %#08x want %#08x",
						math.Float32bits(v), h[i], want, math.Float32bits(r[i]), wantR))
				}
				mu.Unlock()
			}
		}
	})
	require.Empty(t, bad)
}

// TestF16RowTails covers the exported row functions with every length
// remainder (the tail runs in Go) and quantizeF16 against FP32ToFP16.
func TestF16RowTails(t *testing.T) {
	rng := rand.New(rand.NewPCG(82, 82))
	for n := 0; n <= 70; n++ {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 1000)
		}
		x = append(x, 1234.5) // must stay untouched
		x = x[:n]
		h := make([]uint16, n)
		FP32ToFP16Row(h, x)
		b := make([]byte, 2*n)
		quantizeF16(x, b)
		r := append([]float32(nil), x...)
		RoundF16(r)
		for i, v := range x {
			require.Equal(t, FP32ToFP16(v), h[i], "n=%d i=%d", n, i)
			require.Equal(t, FP32ToFP16(v), binary.LittleEndian.Uint16(b[2*i:]), "n=%d i=%d", n, i)
			require.Equal(t, FP16ToFP32(FP32ToFP16(v)), r[i], "n=%d i=%d", n, i)
		}
		require.Equal(t, float32(1234.5), x[:n+1][n])
	}
	require.Panics(t, func() { FP32ToFP16Row(make([]uint16, 3), make([]float32, 4)) })
}

// TestDotF16Rows compares the strided rows (AVX-512 rows kernel, AVX2 per
// row, portable) with VecDot per row, on normal values and on halves with
// specials (subnormals, the largest half, infinities, NaN).
func TestDotF16Rows(t *testing.T) {
	rng := rand.New(rand.NewPCG(83, 83))
	specials := []uint16{0x0001, 0x03ff, 0x8001, 0x7bff, 0xfbff, 0x0000, 0x8000, 0x3c00, 0x7c00, 0xfc00, 0x7e00}
	for _, path := range []string{"simd", "go"} {
		for _, n := range []int{0, 1, 63, 64, 128, 130, 256, 512, 576} {
			for _, rows := range []int{1, 5, 70} {
				for _, special := range []bool{false, true} {
					stride := n + rng.IntN(3)*64
					w := make([]uint16, (rows-1)*stride+n)
					for i := range w {
						w[i] = FP32ToFP16(float32(rng.NormFloat64()))
						if special && rng.IntN(8) == 0 {
							w[i] = specials[rng.IntN(len(specials))]
						}
					}
					a := make([]byte, 2*n)
					for i := 0; i < n; i++ {
						h := FP32ToFP16(float32(rng.NormFloat64()))
						if special && rng.IntN(8) == 0 {
							h = specials[rng.IntN(len(specials)-3)] // finite
						}
						putLE16(a[2*i:], h)
					}
					out := make([]float32, rows)
					if path == "go" {
						dotF16RowsGo(out, w, stride, a)
					} else {
						DotF16Rows(out, w, stride, a)
					}
					for r := range out {
						row := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(w[r*stride:]))), 2*n)
						want := vecDot(ggml.F16, row, a, n)
						requireSameDot(t, path, ggml.F16, want, out[r], fmt.Sprintf("n=%d rows=%d r=%d", n, rows, r))
					}
				}
			}
		}
	}
	require.Panics(t, func() { DotF16Rows(make([]float32, 2), make([]uint16, 127), 64, make([]byte, 128)) })
}

func BenchmarkDotF16Rows(b *testing.B) {
	const hd, kvDim, n = 128, 1024, 128
	rng := rand.New(rand.NewPCG(88, 88))
	k := make([]uint16, n*kvDim)
	for i := range k {
		k[i] = FP32ToFP16(float32(rng.NormFloat64()))
	}
	q := make([]byte, 2*hd)
	for i := 0; i < hd; i++ {
		putLE16(q[2*i:], FP32ToFP16(float32(rng.NormFloat64())))
	}
	out := make([]float32, n)
	b.Run("VecDot", func(b *testing.B) {
		for b.Loop() {
			for t := range out {
				out[t] = VecDot(ggml.F16, unsafe.Slice((*byte)(unsafe.Pointer(&k[t*kvDim])), 2*hd), q, hd)
			}
		}
	})
	b.Run("rows", func(b *testing.B) {
		for b.Loop() {
			DotF16Rows(out, k, kvDim, q)
		}
	})
	b.Run("go", func(b *testing.B) {
		for b.Loop() {
			dotF16RowsGo(out, k, kvDim, q)
		}
	})
}

func BenchmarkActQuantize(b *testing.B) {
	rng := rand.New(rand.NewPCG(84, 84))
	x := make([]float32, 4096)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	q80 := make([]byte, 4096/32*q8_0Size)
	q8k := make([]byte, 4096/256*q8KSize)
	h := make([]uint16, 4096)
	r := make([]float32, 4096)
	b.Run("Q8_0/go", func(b *testing.B) {
		for b.Loop() {
			quantizeActQ8_0Go(x, q80)
		}
	})
	b.Run("Q8_0", func(b *testing.B) {
		for b.Loop() {
			quantizeActQ8_0(x, q80)
		}
	})
	b.Run("Q8_K/go", func(b *testing.B) {
		for b.Loop() {
			quantizeQ8KGo(x, q8k)
		}
	})
	b.Run("Q8_K", func(b *testing.B) {
		for b.Loop() {
			quantizeQ8K(x, q8k)
		}
	})
	b.Run("F16/go", func(b *testing.B) {
		for b.Loop() {
			for i, v := range x {
				h[i] = FP32ToFP16(v)
			}
		}
	})
	b.Run("F16", func(b *testing.B) {
		for b.Loop() {
			FP32ToFP16Row(h, x)
		}
	})
	b.Run("RoundF16", func(b *testing.B) {
		for b.Loop() {
			copy(r, x)
			RoundF16(r)
		}
	})
}

// TestAxpyF16Rows compares the rows kernel with the portable multiply-add
// per row (F16 multipliers, for which it is exact), positions past 64
// wrapping onto the same lane rows, and widths with a Go fallback.
func TestAxpyF16Rows(t *testing.T) {
	rng := rand.New(rand.NewPCG(86, 86))
	for _, hd := range []int{8, 64, 100, 128} {
		for _, n := range []int{0, 1, 63, 64, 65, 200} {
			stride := hd + 8*rng.IntN(3)
			v := make([]uint16, max(0, (n-1)*stride+hd))
			for i := range v {
				v[i] = FP32ToFP16(float32(rng.NormFloat64()))
			}
			att := make([]float32, n)
			for i := range att {
				att[i] = FP16ToFP32(FP32ToFP16(rng.Float32()))
			}
			lanes := make([]float32, 64*hd)
			for i := range lanes {
				lanes[i] = float32(rng.NormFloat64())
			}
			want := append([]float32(nil), lanes...)
			for tp, a := range att {
				row := want[(tp%64)*hd:]
				for d := 0; d < hd; d++ {
					row[d] += FP16ToFP32(v[tp*stride+d]) * a
				}
			}
			AxpyF16Rows(lanes, v, stride, att)
			require.Equal(t, want, lanes, "hd=%d n=%d", hd, n)
		}
	}
	require.Panics(t, func() { AxpyF16Rows(make([]float32, 64*8), make([]uint16, 15), 8, make([]float32, 2)) })
}

// TestRotatePairsSIMD compares the SIMD rotation (the CPU's FMA) with
// FMA32 on rotations and on operands built to stress a single rounding:
// near-cancelling sums, products whose sum lands near a float32 midpoint,
// subnormal results and specials (NaN matches any NaN).
func TestRotatePairsSIMD(t *testing.T) {
	if !actSIMD {
		t.Skip("no SIMD kernel in this build")
	}
	rng := rand.New(rand.NewPCG(87, 87))
	const hd, heads = 128, 64
	specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), math.SmallestNonzeroFloat32, 1e-40, math.MaxFloat32}
	x := make([]float32, hd*heads)
	bs := make([]float32, hd)
	zs := make([]float32, hd)
	var as, js [hd]int
	for round := 0; round < 400; round++ {
		kind := round % 6
		for i := 0; i < hd; i += 2 {
			a := float64(rng.Float64() * 2 * math.Pi * float64(rng.IntN(100000)))
			s, c := math.Sincos(a)
			bs[i], bs[i+1], zs[i], zs[i+1] = float32(c), float32(s), -float32(s), float32(c)
			if kind == 4 { // see below
				as[i], js[i] = 15+rng.IntN(9), rng.IntN(21)-10
				bs[i] = float32(math.Ldexp(1-math.Ldexp(1, -as[i]), js[i]))
				bs[i+1], zs[i], zs[i+1] = bs[i], 1, 1
			}
			if kind == 3 { // arbitrary magnitudes
				bs[i], bs[i+1] = float32(rng.NormFloat64()*math.Pow(2, float64(rng.IntN(60)-30))), float32(rng.NormFloat64())
				zs[i], zs[i+1] = float32(rng.NormFloat64()), float32(rng.NormFloat64()*math.Pow(2, float64(rng.IntN(60)-30)))
			}
		}
		for h := 0; h < heads; h++ {
			for i := 0; i < hd; i += 2 {
				k := h*hd + i
				x0, x1 := float32(rng.NormFloat64()*4), float32(rng.NormFloat64()*4)
				switch kind {
				case 1: // x1*zs cancels x0*bs up to the last bits
					if zs[i] != 0 {
						x1 = -x0 * bs[i] / zs[i]
						x1 = math.Float32frombits(math.Float32bits(x1) + uint32(rng.IntN(5)) - 2)
					}
				case 2: // x0 with few mantissa bits, x1 tiny: sums near midpoints
					x0 = float32(rng.IntN(1<<12)) / 64
					x1 = math.Float32frombits(math.Float32bits(x0)&0xff800000 - 24<<23 + uint32(rng.IntN(1<<23)))
					if rng.IntN(50) == 0 {
						x0 = specials[rng.IntN(len(specials))]
					}
				case 4: // bs = (1-2^-a)·2^j, x0 = 1+2^-a: x0*bs = 2^j - 2^(j-2a),
					// and x1 a float32 of ulp 2^(j+1): the exact sum is a hair
					// below a float32 midpoint, onto which a float64 sum
					// rounds (double rounding errs half the time)
					x0 = float32(1 + math.Ldexp(1, -as[i]))
					x1 = float32(math.Ldexp(float64(1<<23+rng.IntN(1<<23)), js[i]+1))
					if rng.IntN(2) == 0 {
						x0, x1 = -x0, -x1
					}
				case 5: // subnormal results
					x0, x1 = float32(rng.NormFloat64()*1e-38), float32(rng.NormFloat64()*1e-38)
				}
				x[k], x[k+1] = x0, x1
			}
		}
		want := append([]float32(nil), x...)
		for h := 0; h < len(want); h += hd {
			for i := 0; i < hd; i += 2 {
				x0, x1 := want[h+i], want[h+i+1]
				want[h+i] = FMA32(x0, bs[i], x1*zs[i])
				want[h+i+1] = FMA32(x0, bs[i+1], x1*zs[i+1])
			}
		}
		ropeKernel(&x[0], &bs[0], &zs[0], hd, heads)
		for i := range x {
			if want[i] != want[i] {
				require.True(t, x[i] != x[i], "round %d i=%d: want NaN, got %v", round, i, x[i])
				continue
			}
			require.Equal(t, math.Float32bits(want[i]), math.Float32bits(x[i]), "round %d kind %d i=%d", round, kind, i)
		}
	}
	require.Panics(t, func() { RotatePairs(make([]float32, 10), make([]float32, 4), make([]float32, 4)) })
}
