//go:build !noasm

#include "textflag.h"

// Q8_0 weights x Q8_0 activations.
//
// Block (34 bytes, both sides): d half at 0, 32 int8 quants at 2..33.
// Per block the 8 int32 lanes are lane[k] = sum over bytes 4k..4k+3 of
// |x| * sign(y, x) (ggml's sign trick: an unsigned x signed byte product
// instruction needs one unsigned operand; y = -128 against a negative x
// stays -128, as the portable signedDot32 reproduces), converted to float
// and accumulated as acc = fma(d_w*d_a, lane, acc).

// func q8_0DotAVX2(w, a *byte, nb int) float32
//
// Registers: SI weights, DI activations, CX blocks left; Y8 the 8-lane
// float accumulator; Y15 int16 ones (VPMADDWD sums byte-pair products into
// int32); Y0-Y4 scratch. Same float order as dotQ8_0Q8_0: bit-exact.
TEXT ·q8_0DotAVX2(SB), NOSPLIT, $0-28
	MOVQ w+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ nb+16(FP), CX
	VXORPS Y8, Y8, Y8
	MOVL $0x00010001, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	TESTQ CX, CX
	JEQ q80avx2_sum

q80avx2_loop:
	VMOVDQU 2(SI), Y0          // x quants
	VMOVDQU 2(DI), Y1          // y quants
	VPSIGNB Y0, Y0, Y2         // |x| (unsigned operand)
	VPSIGNB Y0, Y1, Y1         // y with the sign of x
	VPMADDUBSW Y1, Y2, Y2      // 16 int16: pair sums, no saturation (|x| <= 128, |y| <= 128)
	VPMADDWD Y15, Y2, Y2       // 8 int32 lanes of 4 products
	VCVTDQ2PS Y2, Y2
	VPBROADCASTW (SI), X3      // d_w
	VPBROADCASTW (DI), X4      // d_a
	VCVTPH2PS X3, Y3
	VCVTPH2PS X4, Y4
	VMULPS Y4, Y3, Y3          // d = d_w*d_a, rounded once as in the reference
	VFMADD231PS Y2, Y3, Y8     // acc += d*lane
	ADDQ $34, SI
	ADDQ $34, DI
	DECQ CX
	JNZ q80avx2_loop

q80avx2_sum:
	// hsum_float_8: ((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7))
	VEXTRACTF128 $1, Y8, X0
	VADDPS X8, X0, X0
	VMOVHLPS X0, X0, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// func q8_0DotAVX512(w, a *byte, nb int) float32
//
// Two blocks per step in 512-bit registers: lanes 0-7 of a zmm hold block
// 2i, lanes 8-15 block 2i+1, so the odd blocks accumulate apart from the
// even ones (the float order differs from the portable one; integers do
// not). Sign trick with AVX-512 masks: K1 = (x < 0), y negated under K1
// (0 - (-128) wraps to -128 as VPSIGNB does), then VPDPBUSD(|x|, y).
//
// Registers: SI, DI, CX as above (CX counts pairs); Z8 the 16-lane
// accumulator, Y9 the accumulator of a last odd block; Z31 zero; Z0-Z6
// scratch.
TEXT ·q8_0DotAVX512(SB), NOSPLIT, $0-28
	MOVQ w+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ nb+16(FP), CX
	VPXORD Z8, Z8, Z8
	VXORPS Y9, Y9, Y9
	VPXORD Z31, Z31, Z31
	MOVQ CX, DX
	SHRQ $1, CX
	JEQ q80avx512_tail

q80avx512_loop:
	VMOVDQU 2(SI), Y0
	VINSERTI64X4 $1, 36(SI), Z0, Z0   // x of blocks 2i, 2i+1
	VMOVDQU 2(DI), Y1
	VINSERTI64X4 $1, 36(DI), Z1, Z1   // y of blocks 2i, 2i+1
	VPABSB Z0, Z2                     // |x|
	VPMOVB2M Z0, K1                   // x < 0
	VPSUBB Z1, Z31, K1, Z1            // y with the sign of x
	VPXORD Z3, Z3, Z3
	VPDPBUSD Z1, Z2, Z3               // 16 int32 lanes of 4 products
	VCVTDQ2PS Z3, Z3
	VPBROADCASTW (SI), X4
	VPBROADCASTW 34(SI), X5
	VINSERTI128 $1, X5, Y4, Y4        // d_w of both blocks as 2x8 halves
	VPBROADCASTW (DI), X5
	VPBROADCASTW 34(DI), X6
	VINSERTI128 $1, X6, Y5, Y5        // d_a of both blocks
	VCVTPH2PS Y4, Z4
	VCVTPH2PS Y5, Z5
	VMULPS Z5, Z4, Z4                 // d per block
	VFMADD231PS Z3, Z4, Z8
	ADDQ $68, SI
	ADDQ $68, DI
	DECQ CX
	JNZ q80avx512_loop

q80avx512_tail:
	TESTQ $1, DX
	JEQ q80avx512_sum
	VMOVDQU 2(SI), Y0                 // the last block, 256-bit
	VMOVDQU 2(DI), Y1
	VPABSB Y0, Y2
	VPSIGNB Y0, Y1, Y1
	VPXOR Y3, Y3, Y3
	VPDPBUSD Y1, Y2, Y3
	VCVTDQ2PS Y3, Y3
	VPBROADCASTW (SI), X4
	VPBROADCASTW (DI), X5
	VCVTPH2PS X4, Y4
	VCVTPH2PS X5, Y5
	VMULPS Y5, Y4, Y4
	VFMADD231PS Y3, Y4, Y9

q80avx512_sum:
	VEXTRACTF64X4 $1, Z8, Y0
	VADDPS Y0, Y8, Y8                 // odd blocks' lanes onto the even ones'
	VADDPS Y9, Y8, Y8
	VEXTRACTF128 $1, Y8, X0
	VADDPS X8, X0, X0
	VMOVHLPS X0, X0, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET
