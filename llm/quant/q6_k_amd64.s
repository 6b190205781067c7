//go:build !noasm

#include "textflag.h"

// Q6_K weights x Q8_K activations.
//
// Weight super-block (210 bytes): ql 128 bytes at 0 (low 4 bits), qh 64
// bytes at 128 (top 2 bits), 16 int8 scales at 192, d half at 208. For
// half h and l < 32, with b1 = ql[64h+l], b2 = ql[64h+32+l], c = qh[32h+l]:
//   element 128h+l    = b1 & 15 | (c & 3) << 4
//   element 128h+32+l = b2 & 15 | (c >> 2 & 3) << 4
//   element 128h+64+l = b1 >> 4 | (c >> 4 & 3) << 4
//   element 128h+96+l = b2 >> 4 | (c >> 6) << 4
// each q in 0..63 standing for q-32, sub-blocks of 16 with their own scale.
// Activation block (292 bytes): as in q4_k_amd64.s.
//
// Per super-block, as the portable dotQ6KQ8K: q unsigned against int8
// (VPMADDUBSW pairs below 2*63*128, no saturation), VPMADDWD with the
// scales (lanes 0-3 of a 32-element run take the scale of its first 16
// elements, lanes 4-7 the second's), minus
// 32*(bsum[2k]*sc[2k] + bsum[2k+1]*sc[2k+1]) in lane k,
// acc = fma(d_a*d, float(lane), acc), hsum_float_8: bit-exact.

// Q6K_RUN does one 32-element run: q built in Y3 from the low-bit register
// lo (shifted right by 4 when hishift is 4), the qh bits selected by mask
// mk and moved to bits 4-5, against activations at yo(DI), scales from the
// shuffle at mo.
#define Q6K_RUN(lo, hishift, mk, qhop, qhshift, yo, mo) \
	VPSRLW $hishift, lo, Y3; \
	VPAND Y14, Y3, Y3; \
	VPAND mk, Y2, Y4; \
	qhop $qhshift, Y4, Y4; \
	VPOR Y4, Y3, Y3; \
	VPMADDUBSW yo(DI), Y3, Y3; \
	VPSHUFB q6ScaleShuf<>+mo(SB), X5, X6; \
	VPMOVSXBW X6, Y6; \
	VPMADDWD Y6, Y3, Y3; \
	VPADDD Y3, Y9, Y9

// func q6KDotAVX2(w, a *byte, nb int) float32
//
// Registers: SI weights, DI activations, CX super-blocks left; Y8 acc; Y9
// the block's int32 lanes; X5 the 16 int8 scales; Y7 the bsums term;
// Y0, Y1 low bits, Y2 high bits of the current half; constants Y14 0x0f,
// Y11 0x03, Y12 0x0c, Y13 0x30, Y15 0xc0 (bytes); Y3, Y4, Y6, Y10 scratch.
TEXT ·q6KDotAVX2(SB), NOSPLIT, $0-28
	MOVQ w+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ nb+16(FP), CX
	VXORPS Y8, Y8, Y8
	MOVL $0x0f0f0f0f, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	MOVL $0x03030303, AX
	VMOVD AX, X11
	VPBROADCASTD X11, Y11
	MOVL $0x0c0c0c0c, AX
	VMOVD AX, X12
	VPBROADCASTD X12, Y12
	MOVL $0x30303030, AX
	VMOVD AX, X13
	VPBROADCASTD X13, Y13
	MOVL $0xc0c0c0c0, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	TESTQ CX, CX
	JEQ q6kavx2_sum

q6kavx2_loop:
	VMOVDQU 192(SI), X5          // scales
	VPMOVSXBW X5, Y7
	VPMADDWD 260(DI), Y7, Y7     // bsum[2k]*sc[2k] + bsum[2k+1]*sc[2k+1]
	VPSLLD $5, Y7, Y7            // times 32
	VPXOR Y9, Y9, Y9

	// half 0: elements 0-127
	VMOVDQU 0(SI), Y0
	VMOVDQU 32(SI), Y1
	VMOVDQU 128(SI), Y2
	Q6K_RUN(Y0, 0, Y11, VPSLLW, 4, 4, 0)
	Q6K_RUN(Y1, 0, Y12, VPSLLW, 2, 36, 16)
	Q6K_RUN(Y0, 4, Y13, VPSRLW, 0, 68, 32)
	Q6K_RUN(Y1, 4, Y15, VPSRLW, 2, 100, 48)

	// half 1: elements 128-255
	VMOVDQU 64(SI), Y0
	VMOVDQU 96(SI), Y1
	VMOVDQU 160(SI), Y2
	Q6K_RUN(Y0, 0, Y11, VPSLLW, 4, 132, 64)
	Q6K_RUN(Y1, 0, Y12, VPSLLW, 2, 164, 80)
	Q6K_RUN(Y0, 4, Y13, VPSRLW, 0, 196, 96)
	Q6K_RUN(Y1, 4, Y15, VPSRLW, 2, 228, 112)

	VPSUBD Y7, Y9, Y9
	VCVTDQ2PS Y9, Y9
	VBROADCASTSS (DI), Y10       // d_a
	VPBROADCASTW 208(SI), X4
	VCVTPH2PS X4, Y4
	VMULPS Y10, Y4, Y4           // d = d_a*d_w
	VFMADD231PS Y9, Y4, Y8
	ADDQ $210, SI
	ADDQ $292, DI
	DECQ CX
	JNZ q6kavx2_loop

q6kavx2_sum:
	VEXTRACTF128 $1, Y8, X0      // hsum_float_8
	VADDPS X8, X0, X0
	VMOVHLPS X0, X0, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// q6ScaleShuf: for runs i = 0..7, 16 bytes picking scale 2i into bytes 0-7
// and scale 2i+1 into bytes 8-15 (get_scale_shuffle).
DATA q6ScaleShuf<>+0(SB)/8, $0x0000000000000000
DATA q6ScaleShuf<>+8(SB)/8, $0x0101010101010101
DATA q6ScaleShuf<>+16(SB)/8, $0x0202020202020202
DATA q6ScaleShuf<>+24(SB)/8, $0x0303030303030303
DATA q6ScaleShuf<>+32(SB)/8, $0x0404040404040404
DATA q6ScaleShuf<>+40(SB)/8, $0x0505050505050505
DATA q6ScaleShuf<>+48(SB)/8, $0x0606060606060606
DATA q6ScaleShuf<>+56(SB)/8, $0x0707070707070707
DATA q6ScaleShuf<>+64(SB)/8, $0x0808080808080808
DATA q6ScaleShuf<>+72(SB)/8, $0x0909090909090909
DATA q6ScaleShuf<>+80(SB)/8, $0x0a0a0a0a0a0a0a0a
DATA q6ScaleShuf<>+88(SB)/8, $0x0b0b0b0b0b0b0b0b
DATA q6ScaleShuf<>+96(SB)/8, $0x0c0c0c0c0c0c0c0c
DATA q6ScaleShuf<>+104(SB)/8, $0x0d0d0d0d0d0d0d0d
DATA q6ScaleShuf<>+112(SB)/8, $0x0e0e0e0e0e0e0e0e
DATA q6ScaleShuf<>+120(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL q6ScaleShuf<>(SB), RODATA|NOPTR, $128
