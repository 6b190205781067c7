//go:build !noasm

#include "textflag.h"

// Q8_0 and Q4_0 weights x four rows of Q8_0 activations (layouts in
// q8_0_amd64.s and q4_0_amd64.s). Each weight block's 32 signed bytes x,
// |x| and d_w are made once; per row, lane[k] = sum over bytes 4k..4k+3 of
// |x| * sign(y, x) and acc = fma(d_w*d_a, float(lane), acc), the
// operations of the single-row kernels in the same order, so every result
// is bit-identical to them. The two integer paths (VPMADDUBSW+VPMADDWD,
// VNNI's VPDPBUSD) give the same lanes; AVX2 is used at both levels.

// G80_ROW runs the block (x in Y0, |x| in Y2, d_w in Y3) against the row
// at ao(P) into accumulator A; Y1, Y4 scratch, Y15 int16 ones.
#define G80_ROW(P, ao, A) \
	VMOVDQU ao+2(P), Y1; \
	VPSIGNB Y0, Y1, Y1; \
	VPMADDUBSW Y1, Y2, Y1; \
	VPMADDWD Y15, Y1, Y1; \
	VCVTDQ2PS Y1, Y1; \
	VPBROADCASTW ao(P), X4; \
	VCVTPH2PS X4, Y4; \
	VMULPS Y4, Y3, Y4; \
	VFMADD231PS Y1, Y4, A

// G80_ROWS runs the block against the four rows.
#define G80_ROWS \
	G80_ROW(DI, 0, Y8); \
	G80_ROW(R12, 0, Y9); \
	G80_ROW(R13, 0, Y10); \
	G80_ROW(R14, 0, Y11)

// G80_SUM stores hsum_float_8(A) at oo(AX).
#define G80_SUM(A, XA, oo) \
	VEXTRACTF128 $1, A, X0; \
	VADDPS XA, X0, X0; \
	VMOVHLPS X0, X0, X1; \
	VADDPS X1, X0, X0; \
	VMOVSHDUP X0, X1; \
	VADDSS X1, X0, X0; \
	VMOVSS X0, oo(AX)

#define G80_PROLOGUE \
	MOVQ w+0(FP), SI; \
	MOVQ a0+8(FP), DI; \
	MOVQ a1+16(FP), R12; \
	MOVQ a2+24(FP), R13; \
	MOVQ a3+32(FP), R14; \
	MOVQ nb+40(FP), CX; \
	VXORPS Y8, Y8, Y8; \
	VXORPS Y9, Y9, Y9; \
	VXORPS Y10, Y10, Y10; \
	VXORPS Y11, Y11, Y11; \
	MOVL $0x00010001, AX; \
	VMOVD AX, X15; \
	VPBROADCASTD X15, Y15

#define G80_EPILOGUE \
	MOVQ out+48(FP), AX; \
	G80_SUM(Y8, X8, 0); \
	G80_SUM(Y9, X9, 4); \
	G80_SUM(Y10, X10, 8); \
	G80_SUM(Y11, X11, 12); \
	VZEROUPPER; \
	RET

// func q8_0Dot4AVX2(w, a0, a1, a2, a3 *byte, nb int, out *[4]float32)
//
// Registers: SI weights, DI R12 R13 R14 the four rows, CX blocks left;
// Y8-Y11 the rows' accumulators; Y0 x, Y2 |x|, Y3 d_w; Y15 int16 ones.
TEXT ·q8_0Dot4AVX2(SB), NOSPLIT, $0-56
	G80_PROLOGUE
	TESTQ CX, CX
	JEQ g80_sum

g80_loop:
	VMOVDQU 2(SI), Y0
	VPSIGNB Y0, Y0, Y2
	VPBROADCASTW (SI), X3
	VCVTPH2PS X3, Y3
	G80_ROWS
	ADDQ $34, SI
	ADDQ $34, DI
	ADDQ $34, R12
	ADDQ $34, R13
	ADDQ $34, R14
	DECQ CX
	JNZ g80_loop

g80_sum:
	G80_EPILOGUE

// func q4_0Dot4AVX2(w, a0, a1, a2, a3 *byte, nb int, out *[4]float32)
//
// As q8_0Dot4AVX2, the nibbles expanded to x = q-8 in element order as in
// q4_0DotAVX2; Y14 bytes 0x0f, Y13 bytes 0x08.
TEXT ·q4_0Dot4AVX2(SB), NOSPLIT, $0-56
	G80_PROLOGUE
	MOVL $0x0f0f0f0f, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	MOVL $0x08080808, AX
	VMOVD AX, X13
	VPBROADCASTD X13, Y13
	TESTQ CX, CX
	JEQ g40_sum

g40_loop:
	VMOVDQU 2(SI), X0
	VPSRLW $4, X0, X1
	VINSERTI128 $1, X1, Y0, Y0
	VPAND Y14, Y0, Y0
	VPSUBB Y13, Y0, Y0
	VPSIGNB Y0, Y0, Y2
	VPBROADCASTW (SI), X3
	VCVTPH2PS X3, Y3
	G80_ROWS
	ADDQ $18, SI
	ADDQ $34, DI
	ADDQ $34, R12
	ADDQ $34, R13
	ADDQ $34, R14
	DECQ CX
	JNZ g40_loop

g40_sum:
	G80_EPILOGUE
