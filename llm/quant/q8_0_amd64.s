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

// func q8_0DotVNNI(w, a *byte, nb int) float32
//
// AVX-512 VNNI on 256-bit registers (AVX512VL), as ggml's Zen 4 build
// runs it: VPDPBUSD does the unsigned x signed byte products and their sum
// into int32 lanes in one instruction. Two blocks per loop iteration into
// the one accumulator, in block order: the float order of the portable
// code, so bit-exact. (512-bit versions of this kernel measured no faster
// on this Zen 4, whose AVX-512 units are 256 bits wide, and cannot keep
// the portable float order without serializing their two halves.)
//
// Registers: SI weights, DI activations, CX block pairs left, DX blocks;
// Y8 accumulator; Y0-Y7 scratch.
TEXT ·q8_0DotVNNI(SB), NOSPLIT, $0-28
	MOVQ w+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ nb+16(FP), DX
	VXORPS Y8, Y8, Y8
	MOVQ DX, CX
	SHRQ $1, CX
	JEQ q80vnni_tail

q80vnni_loop:
	VMOVDQU 2(SI), Y0          // block 2i: x, y
	VMOVDQU 2(DI), Y1
	VPABSB Y0, Y2              // |x|
	VPSIGNB Y0, Y1, Y1         // y with the sign of x
	VPXOR Y3, Y3, Y3
	VPDPBUSD Y1, Y2, Y3        // 8 int32 lanes of 4 products
	VCVTDQ2PS Y3, Y3
	VPBROADCASTW (SI), X4
	VPBROADCASTW (DI), X5
	VCVTPH2PS X4, Y4
	VCVTPH2PS X5, Y5
	VMULPS Y5, Y4, Y4          // d = d_w*d_a
	VFMADD231PS Y3, Y4, Y8
	VMOVDQU 36(SI), Y0         // block 2i+1
	VMOVDQU 36(DI), Y1
	VPABSB Y0, Y2
	VPSIGNB Y0, Y1, Y1
	VPXOR Y3, Y3, Y3
	VPDPBUSD Y1, Y2, Y3
	VCVTDQ2PS Y3, Y3
	VPBROADCASTW 34(SI), X4
	VPBROADCASTW 34(DI), X5
	VCVTPH2PS X4, Y4
	VCVTPH2PS X5, Y5
	VMULPS Y5, Y4, Y4
	VFMADD231PS Y3, Y4, Y8
	ADDQ $68, SI
	ADDQ $68, DI
	DECQ CX
	JNZ q80vnni_loop

q80vnni_tail:
	TESTQ $1, DX
	JEQ q80vnni_sum
	VMOVDQU 2(SI), Y0          // the last, odd block
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
	VFMADD231PS Y3, Y4, Y8

q80vnni_sum:
	VEXTRACTF128 $1, Y8, X0    // hsum_float_8
	VADDPS X8, X0, X0
	VMOVHLPS X0, X0, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET
