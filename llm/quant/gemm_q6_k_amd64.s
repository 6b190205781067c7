//go:build !noasm

#include "textflag.h"

// Q6_K weights x four rows of Q8_K activations (layouts in
// q6_k_amd64.s). Each 32-element run of 6-bit quants and its two scales
// are decoded once and used for four activation rows; every row keeps its
// own int32 lanes and float accumulator (on the stack), with the
// operations of q6KDotAVX2, so each result is bit-identical to it. The
// bsums term starts each row's lanes at -32*(bsum.sc) instead of being
// subtracted at the end: the same int32 value, wrapping included.

// G6K_DOT multiplies the 32 q in Y3 with the four rows at yo, each scaled
// by the two int16 scales the shuffle at mo picks from sc, into Y7-Y9, Y11.
#define G6K_DOT(yo, sc, mo) \
	VPSHUFB g6kScaleShuf<>+mo(SB), sc, Y6; \
	VPMADDUBSW yo(DI), Y3, Y12; \
	VPMADDWD Y6, Y12, Y12; \
	VPADDD Y12, Y7, Y7; \
	VPMADDUBSW yo(R12), Y3, Y12; \
	VPMADDWD Y6, Y12, Y12; \
	VPADDD Y12, Y8, Y8; \
	VPMADDUBSW yo(R13), Y3, Y12; \
	VPMADDWD Y6, Y12, Y12; \
	VPADDD Y12, Y9, Y9; \
	VPMADDUBSW yo(R14), Y3, Y12; \
	VPMADDWD Y6, Y12, Y12; \
	VPADDD Y12, Y11, Y11

// G6K_HALF is Q6K_HALF of q6_k_amd64.s (low bits in Y0 and Y1, top bits in
// Y2) with the 2-bit masks read from memory.
#define G6K_HALF(yo, sc) \
	VPAND Y14, Y0, Y3; \
	VPAND g6kMasks<>+0(SB), Y2, Y4; \
	VPSLLW $4, Y4, Y4; \
	VPOR Y4, Y3, Y3; \
	G6K_DOT(yo, sc, 0); \
	VPAND Y14, Y1, Y3; \
	VPAND g6kMasks<>+32(SB), Y2, Y4; \
	VPSLLW $2, Y4, Y4; \
	VPOR Y4, Y3, Y3; \
	G6K_DOT(yo+32, sc, 32); \
	VPSRLW $4, Y0, Y3; \
	VPAND Y14, Y3, Y3; \
	VPAND g6kMasks<>+64(SB), Y2, Y4; \
	VPOR Y4, Y3, Y3; \
	G6K_DOT(yo+64, sc, 64); \
	VPSRLW $4, Y1, Y3; \
	VPAND Y14, Y3, Y3; \
	VPAND g6kMasks<>+96(SB), Y2, Y4; \
	VPSRLW $2, Y4, Y4; \
	VPOR Y4, Y3, Y3; \
	G6K_DOT(yo+96, sc, 96)

// G6K_BSUMS starts lane register L at -32*(bsum[2k]*sc[2k] +
// bsum[2k+1]*sc[2k+1]) for the row at P (scales as int16 in Y13).
#define G6K_BSUMS(P, L) \
	VPMADDWD 260(P), Y13, Y12; \
	VPSLLD $5, Y12, Y12; \
	VPXOR L, L, L; \
	VPSUBD Y12, L, L

// G6K_ACC does acc(ao) = fma(d_w*d_a, float(L), acc) for the row at P,
// d_w in Y4.
#define G6K_ACC(P, L, ao) \
	VCVTDQ2PS L, L; \
	VBROADCASTSS (P), Y3; \
	VMULPS Y3, Y4, Y3; \
	VMOVUPS ao(SP), Y12; \
	VFMADD231PS L, Y3, Y12; \
	VMOVUPS Y12, ao(SP)

// G6K_SUM stores hsum_float_8(acc at ao) at oo(AX).
#define G6K_SUM(ao, oo) \
	VMOVUPS ao(SP), Y8; \
	VEXTRACTF128 $1, Y8, X0; \
	VADDPS X8, X0, X0; \
	VMOVHLPS X0, X0, X1; \
	VADDPS X1, X0, X0; \
	VMOVSHDUP X0, X1; \
	VADDSS X1, X0, X0; \
	VMOVSS X0, oo(AX)

// func q6KDot4AVX2(w, a0, a1, a2, a3 *byte, nb int, out *[4]float32)
//
// Registers: SI weights, DI R12 R13 R14 the four activation rows, CX
// super-blocks left; Y7 Y8 Y9 Y11 the rows' int32 lanes; Y14 bytes 0x0f;
// Y13 the 16 scales as int16, Y5 and Y10 scales 0-7 and 8-15 in both
// halves; Y0-Y2 the raw bits of a half, Y3 a run's q, Y6 its scales; Y4,
// Y12 scratch. Stack: acc of row i at 32i.
TEXT ·q6KDot4AVX2(SB), NOSPLIT, $128-56
	MOVQ w+0(FP), SI
	MOVQ a0+8(FP), DI
	MOVQ a1+16(FP), R12
	MOVQ a2+24(FP), R13
	MOVQ a3+32(FP), R14
	MOVQ nb+40(FP), CX
	VXORPS Y0, Y0, Y0
	VMOVUPS Y0, 0(SP)
	VMOVUPS Y0, 32(SP)
	VMOVUPS Y0, 64(SP)
	VMOVUPS Y0, 96(SP)
	MOVL $0x0f0f0f0f, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	TESTQ CX, CX
	JEQ g6k_sum

g6k_loop:
	VPMOVSXBW 192(SI), Y13       // the 16 scales as int16
	VPERMQ $0x44, Y13, Y5        // scales 0-7 twice
	VPERMQ $0xee, Y13, Y10       // scales 8-15 twice
	G6K_BSUMS(DI, Y7)
	G6K_BSUMS(R12, Y8)
	G6K_BSUMS(R13, Y9)
	G6K_BSUMS(R14, Y11)

	// half 0: elements 0-127
	VMOVDQU 0(SI), Y0
	VMOVDQU 32(SI), Y1
	VMOVDQU 128(SI), Y2
	G6K_HALF(4, Y5)

	// half 1: elements 128-255
	VMOVDQU 64(SI), Y0
	VMOVDQU 96(SI), Y1
	VMOVDQU 160(SI), Y2
	G6K_HALF(132, Y10)

	VPBROADCASTW 208(SI), X4
	VCVTPH2PS X4, Y4             // d_w
	G6K_ACC(DI, Y7, 0)
	G6K_ACC(R12, Y8, 32)
	G6K_ACC(R13, Y9, 64)
	G6K_ACC(R14, Y11, 96)
	ADDQ $210, SI
	ADDQ $292, DI
	ADDQ $292, R12
	ADDQ $292, R13
	ADDQ $292, R14
	DECQ CX
	JNZ g6k_loop

g6k_sum:
	MOVQ out+48(FP), AX
	G6K_SUM(0, 0)
	G6K_SUM(32, 4)
	G6K_SUM(64, 8)
	G6K_SUM(96, 12)
	VZEROUPPER
	RET

// g6kMasks: bytes 0x03, 0x0c, 0x30, 0xc0, 32 of each (the top-bit pairs
// of the four runs of a half).
DATA g6kMasks<>+0(SB)/8, $0x0303030303030303
DATA g6kMasks<>+8(SB)/8, $0x0303030303030303
DATA g6kMasks<>+16(SB)/8, $0x0303030303030303
DATA g6kMasks<>+24(SB)/8, $0x0303030303030303
DATA g6kMasks<>+32(SB)/8, $0x0c0c0c0c0c0c0c0c
DATA g6kMasks<>+40(SB)/8, $0x0c0c0c0c0c0c0c0c
DATA g6kMasks<>+48(SB)/8, $0x0c0c0c0c0c0c0c0c
DATA g6kMasks<>+56(SB)/8, $0x0c0c0c0c0c0c0c0c
DATA g6kMasks<>+64(SB)/8, $0x3030303030303030
DATA g6kMasks<>+72(SB)/8, $0x3030303030303030
DATA g6kMasks<>+80(SB)/8, $0x3030303030303030
DATA g6kMasks<>+88(SB)/8, $0x3030303030303030
DATA g6kMasks<>+96(SB)/8, $0xc0c0c0c0c0c0c0c0
DATA g6kMasks<>+104(SB)/8, $0xc0c0c0c0c0c0c0c0
DATA g6kMasks<>+112(SB)/8, $0xc0c0c0c0c0c0c0c0
DATA g6kMasks<>+120(SB)/8, $0xc0c0c0c0c0c0c0c0
GLOBL g6kMasks<>(SB), RODATA|NOPTR, $128

// g6kScaleShuf: for runs i = 0..3 of a half, int16 scale 2i into every
// word of the low 128 bits and scale 2i+1 into the high 128 bits.
DATA g6kScaleShuf<>+0(SB)/8, $0x0100010001000100
DATA g6kScaleShuf<>+8(SB)/8, $0x0100010001000100
DATA g6kScaleShuf<>+16(SB)/8, $0x0302030203020302
DATA g6kScaleShuf<>+24(SB)/8, $0x0302030203020302
DATA g6kScaleShuf<>+32(SB)/8, $0x0504050405040504
DATA g6kScaleShuf<>+40(SB)/8, $0x0504050405040504
DATA g6kScaleShuf<>+48(SB)/8, $0x0706070607060706
DATA g6kScaleShuf<>+56(SB)/8, $0x0706070607060706
DATA g6kScaleShuf<>+64(SB)/8, $0x0908090809080908
DATA g6kScaleShuf<>+72(SB)/8, $0x0908090809080908
DATA g6kScaleShuf<>+80(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA g6kScaleShuf<>+88(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA g6kScaleShuf<>+96(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA g6kScaleShuf<>+104(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA g6kScaleShuf<>+112(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA g6kScaleShuf<>+120(SB)/8, $0x0f0e0f0e0f0e0f0e
GLOBL g6kScaleShuf<>(SB), RODATA|NOPTR, $128

// The eight-row kernel below needs AVX-512 (BW, VL, VNNI): the rows'
// int32 lanes live in Y16-Y23 and their float accumulators in Y24-Y31,
// and VPDPWSSD does the scale multiply and the add of a run in one
// instruction (the same int32 sums). Rows are a, a+stride, ...,
// a+7*stride: rows 0-3 from DI, 4-7 from R14, R12 the stride, R13 three.

// G6K8_RUN multiplies the 32 q in Y3 with the row at (B) or (B)(I*S),
// scaled by Y6, into L.
#define G6K8_RUN(yo, B, L) \
	VPMADDUBSW yo(B), Y3, Y12; \
	VPDPWSSD Y6, Y12, L

#define G6K8_RUNI(yo, B, I, S, L) \
	VPMADDUBSW yo(B)(I*S), Y3, Y12; \
	VPDPWSSD Y6, Y12, L

#define G6K8_DOT(yo, sc, mo) \
	VPSHUFB g6kScaleShuf<>+mo(SB), sc, Y6; \
	G6K8_RUN(yo, DI, Y16); \
	G6K8_RUNI(yo, DI, R12, 1, Y17); \
	G6K8_RUNI(yo, DI, R12, 2, Y18); \
	G6K8_RUNI(yo, DI, R13, 1, Y19); \
	G6K8_RUN(yo, R14, Y20); \
	G6K8_RUNI(yo, R14, R12, 1, Y21); \
	G6K8_RUNI(yo, R14, R12, 2, Y22); \
	G6K8_RUNI(yo, R14, R13, 1, Y23)

#define G6K8_HALF(yo, sc) \
	VPAND Y14, Y0, Y3; \
	VPAND g6kMasks<>+0(SB), Y2, Y4; \
	VPSLLW $4, Y4, Y4; \
	VPOR Y4, Y3, Y3; \
	G6K8_DOT(yo, sc, 0); \
	VPAND Y14, Y1, Y3; \
	VPAND g6kMasks<>+32(SB), Y2, Y4; \
	VPSLLW $2, Y4, Y4; \
	VPOR Y4, Y3, Y3; \
	G6K8_DOT(yo+32, sc, 32); \
	VPSRLW $4, Y0, Y3; \
	VPAND Y14, Y3, Y3; \
	VPAND g6kMasks<>+64(SB), Y2, Y4; \
	VPOR Y4, Y3, Y3; \
	G6K8_DOT(yo+64, sc, 64); \
	VPSRLW $4, Y1, Y3; \
	VPAND Y14, Y3, Y3; \
	VPAND g6kMasks<>+96(SB), Y2, Y4; \
	VPSRLW $2, Y4, Y4; \
	VPOR Y4, Y3, Y3; \
	G6K8_DOT(yo+96, sc, 96)

// G6K8_BSUMS is G6K_BSUMS for the row at P (address into BX).
#define G6K8_BSUMS(P, L) \
	LEAQ P, BX; \
	VPMADDWD 260(BX), Y13, Y12; \
	VPSLLD $5, Y12, Y12; \
	VPXORD L, L, L; \
	VPSUBD Y12, L, L

// G6K8_ACC is G6K_ACC with the accumulator A in a register.
#define G6K8_ACC(P, L, A) \
	VCVTDQ2PS L, L; \
	VBROADCASTSS P, Y3; \
	VMULPS Y3, Y4, Y3; \
	VFMADD231PS L, Y3, A

// G6K8_SUM stores hsum_float_8(A) at oo(AX).
#define G6K8_SUM(A, oo) \
	VMOVAPS A, Y8; \
	VEXTRACTF128 $1, Y8, X0; \
	VADDPS X8, X0, X0; \
	VMOVHLPS X0, X0, X1; \
	VADDPS X1, X0, X0; \
	VMOVSHDUP X0, X1; \
	VADDSS X1, X0, X0; \
	VMOVSS X0, oo(AX)

// func q6KDot8AVX512(w, a *byte, stride, nb int, out *[8]float32)
TEXT ·q6KDot8AVX512(SB), NOSPLIT, $0-40
	MOVQ w+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ stride+16(FP), R12
	MOVQ nb+24(FP), CX
	LEAQ (R12)(R12*2), R13
	LEAQ (DI)(R12*4), R14
	VPXORD Y24, Y24, Y24
	VPXORD Y25, Y25, Y25
	VPXORD Y26, Y26, Y26
	VPXORD Y27, Y27, Y27
	VPXORD Y28, Y28, Y28
	VPXORD Y29, Y29, Y29
	VPXORD Y30, Y30, Y30
	VPXORD Y31, Y31, Y31
	MOVL $0x0f0f0f0f, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	TESTQ CX, CX
	JEQ g6k8_sum

g6k8_loop:
	VPMOVSXBW 192(SI), Y13       // the 16 scales as int16
	VPERMQ $0x44, Y13, Y5        // scales 0-7 twice
	VPERMQ $0xee, Y13, Y10       // scales 8-15 twice
	G6K8_BSUMS((DI), Y16)
	G6K8_BSUMS((DI)(R12*1), Y17)
	G6K8_BSUMS((DI)(R12*2), Y18)
	G6K8_BSUMS((DI)(R13*1), Y19)
	G6K8_BSUMS((R14), Y20)
	G6K8_BSUMS((R14)(R12*1), Y21)
	G6K8_BSUMS((R14)(R12*2), Y22)
	G6K8_BSUMS((R14)(R13*1), Y23)

	VMOVDQU 0(SI), Y0
	VMOVDQU 32(SI), Y1
	VMOVDQU 128(SI), Y2
	G6K8_HALF(4, Y5)

	VMOVDQU 64(SI), Y0
	VMOVDQU 96(SI), Y1
	VMOVDQU 160(SI), Y2
	G6K8_HALF(132, Y10)

	VPBROADCASTW 208(SI), X4
	VCVTPH2PS X4, Y4             // d_w
	G6K8_ACC((DI), Y16, Y24)
	G6K8_ACC((DI)(R12*1), Y17, Y25)
	G6K8_ACC((DI)(R12*2), Y18, Y26)
	G6K8_ACC((DI)(R13*1), Y19, Y27)
	G6K8_ACC((R14), Y20, Y28)
	G6K8_ACC((R14)(R12*1), Y21, Y29)
	G6K8_ACC((R14)(R12*2), Y22, Y30)
	G6K8_ACC((R14)(R13*1), Y23, Y31)
	ADDQ $210, SI
	ADDQ $292, DI
	ADDQ $292, R14
	DECQ CX
	JNZ g6k8_loop

g6k8_sum:
	MOVQ out+32(FP), AX
	G6K8_SUM(Y24, 0)
	G6K8_SUM(Y25, 4)
	G6K8_SUM(Y26, 8)
	G6K8_SUM(Y27, 12)
	G6K8_SUM(Y28, 16)
	G6K8_SUM(Y29, 20)
	G6K8_SUM(Y30, 24)
	G6K8_SUM(Y31, 28)
	VZEROUPPER
	RET
