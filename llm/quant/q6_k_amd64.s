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

// Q6K_HALF does 128 elements: the low bits of runs 0 and 2 in Y0 (low and
// high nibbles), of runs 1 and 3 in Y1, the top bits of all four in Y2
// (bits 0-1, 2-3, 4-5, 6-7). Each run's q is built in Y3 with its top bits
// moved to bits 4-5 (Y4) and then dotted by Q6K_DOT.
#define Q6K_HALF(yo, sc) \
	VPAND Y14, Y0, Y3; \
	VPAND Y11, Y2, Y4; \
	VPSLLW $4, Y4, Y4; \
	VPOR Y4, Y3, Y3; \
	Q6K_DOT(yo, sc, 0); \
	VPAND Y14, Y1, Y3; \
	VPAND Y12, Y2, Y4; \
	VPSLLW $2, Y4, Y4; \
	VPOR Y4, Y3, Y3; \
	Q6K_DOT(yo+32, sc, 32); \
	VPSRLW $4, Y0, Y3; \
	VPAND Y14, Y3, Y3; \
	VPAND Y13, Y2, Y4; \
	VPOR Y4, Y3, Y3; \
	Q6K_DOT(yo+64, sc, 64); \
	VPSRLW $4, Y1, Y3; \
	VPAND Y14, Y3, Y3; \
	VPAND Y15, Y2, Y4; \
	VPSRLW $2, Y4, Y4; \
	VPOR Y4, Y3, Y3; \
	Q6K_DOT(yo+96, sc, 96)

// Q6K_DOT multiplies the 32 q in Y3 with the activations at yo(DI), scales
// them by the two int16 scales the shuffle at mo picks from sc (scales 0-7
// or 8-15 held in both 128-bit halves; the run's first scale into the low
// half, its second into the high), and adds the 8 lanes to Y9.
#define Q6K_DOT(yo, sc, mo) \
	VPMADDUBSW yo(DI), Y3, Y3; \
	VPSHUFB q6ScaleShuf<>+mo(SB), sc, Y6; \
	VPMADDWD Y6, Y3, Y3; \
	VPADDD Y3, Y9, Y9

// func q6KDotAVX2(w, a *byte, nb int) float32
//
// Registers: SI weights, DI activations, CX super-blocks left; Y8 acc; Y9
// the block's int32 lanes; Y5 and Y10 int16 scales 0-7 and 8-15, each in
// both 128-bit halves; Y7 the bsums term; Y0, Y1 low bits, Y2 high bits of
// the current half; constants Y14 0x0f, Y11 0x03, Y12 0x0c, Y13 0x30, Y15
// 0xc0 (bytes); Y3, Y4, Y6 scratch.
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
	VPMOVSXBW 192(SI), Y7        // the 16 scales as int16
	VPERMQ $0x44, Y7, Y5         // scales 0-7 twice
	VPERMQ $0xee, Y7, Y10        // scales 8-15 twice
	VPMADDWD 260(DI), Y7, Y7     // bsum[2k]*sc[2k] + bsum[2k+1]*sc[2k+1]
	VPSLLD $5, Y7, Y7            // times 32
	VPXOR Y9, Y9, Y9

	// half 0: elements 0-127
	VMOVDQU 0(SI), Y0
	VMOVDQU 32(SI), Y1
	VMOVDQU 128(SI), Y2
	Q6K_HALF(4, Y5)

	// half 1: elements 128-255
	VMOVDQU 64(SI), Y0
	VMOVDQU 96(SI), Y1
	VMOVDQU 160(SI), Y2
	Q6K_HALF(132, Y10)

	VPSUBD Y7, Y9, Y9
	VCVTDQ2PS Y9, Y9
	VBROADCASTSS (DI), Y3        // d_a
	VPBROADCASTW 208(SI), X4
	VCVTPH2PS X4, Y4
	VMULPS Y3, Y4, Y4            // d = d_a*d_w
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

// q6ScaleShuf: for runs i = 0..3 of a 128-element half, 32 bytes that
// put int16 scale 2i into every word of the low 128 bits and scale 2i+1
// into the high 128 bits (from scales held twice, as Y5 and Y10 are).
DATA q6ScaleShuf<>+0(SB)/8, $0x0100010001000100
DATA q6ScaleShuf<>+8(SB)/8, $0x0100010001000100
DATA q6ScaleShuf<>+16(SB)/8, $0x0302030203020302
DATA q6ScaleShuf<>+24(SB)/8, $0x0302030203020302
DATA q6ScaleShuf<>+32(SB)/8, $0x0504050405040504
DATA q6ScaleShuf<>+40(SB)/8, $0x0504050405040504
DATA q6ScaleShuf<>+48(SB)/8, $0x0706070607060706
DATA q6ScaleShuf<>+56(SB)/8, $0x0706070607060706
DATA q6ScaleShuf<>+64(SB)/8, $0x0908090809080908
DATA q6ScaleShuf<>+72(SB)/8, $0x0908090809080908
DATA q6ScaleShuf<>+80(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA q6ScaleShuf<>+88(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA q6ScaleShuf<>+96(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA q6ScaleShuf<>+104(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA q6ScaleShuf<>+112(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA q6ScaleShuf<>+120(SB)/8, $0x0f0e0f0e0f0e0f0e
GLOBL q6ScaleShuf<>(SB), RODATA|NOPTR, $128
