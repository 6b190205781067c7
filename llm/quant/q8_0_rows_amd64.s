//go:build !noasm

#include "textflag.h"

// Q8_0 weights x one row of Q8_0 activations, four weight rows at a time
// (layouts in q8_0_amd64.s), for MatVec.
//
// Per block, y and d_a are loaded once for the four rows, and their four
// d_w are gathered with scalar loads, converted and multiplied by d_a in
// one VMULPS (d = d_w*d_a, rounded once as in the reference); each row's
// d is broadcast from that vector. Per row: |x|, y with the sign of x
// (ggml's sign trick), the 8 int32 lanes of 4 products, float(lane) and
// acc = fma(d, float(lane), acc): the operations of the single-row kernels
// in the same order, so each result is bit-identical to them and to the
// portable dotQ8_0Q8_0. The VNNI kernel sums the products with VPDPBUSD,
// the AVX2 one with VPMADDUBSW+VPMADDWD (the same integers: no pair sum
// saturates, |x| <= 128 and |y| <= 128).
//
// MatVec streams the matrix from memory. Four rows read side by side are
// four streams, which the hardware prefetchers serve worse than the one
// sequential stream of row-by-row kernels (12 GB/s against 20 on one
// thread here); so each block also prefetches, into L2 and in address
// order, the four rows two groups ahead (136 bytes of them per block, the
// group's size over its block count), which brings the streaming rate back
// to that of the sequential stream, and the shared loads and conversions
// make the kernel 1.3-1.6x faster than four single-row calls when the
// rows are in cache.

// R4_ROW runs the row at P (its quants at P) with d in D into accumulator
// A: Y1 y, Y0 x, Y5 |x|, Y6 the signed operand, Y7 the lanes. DOT is the
// integer dot product of the level.
#define R4_ROW(P, D, A, DOT) \
	VMOVDQU P, Y0; \
	VPABSB Y0, Y5; \
	VPSIGNB Y0, Y1, Y6; \
	DOT; \
	VCVTDQ2PS Y7, Y7; \
	VFMADD231PS Y7, D, A

// R4_VNNI: Y7 = VPDPBUSD(|x|, y') into zero.
#define R4_VNNI \
	VPXOR Y7, Y7, Y7; \
	VPDPBUSD Y6, Y5, Y7

// R4_AVX2: Y7 = pair sums in int16, then summed in pairs into int32 (Y15
// int16 ones).
#define R4_AVX2 \
	VPMADDUBSW Y6, Y5, Y7; \
	VPMADDWD Y15, Y7, Y7

// R4_SUM stores hsum_float_8(A) at oo(AX):
// ((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7)).
#define R4_SUM(A, XA, oo) \
	VEXTRACTF128 $1, A, X0; \
	VADDPS XA, X0, X0; \
	VMOVHLPS X0, X0, X1; \
	VADDPS X1, X0, X0; \
	VMOVSHDUP X0, X1; \
	VADDSS X1, X0, X0; \
	VMOVSS X0, oo(AX)

// Registers: SI row 0 (row j at SI + j*DX: DX rs, R9 3*rs); DI the
// activations; CX blocks left; R11 the prefetch pointer (8 rows ahead);
// AX, BX scratch; Y8-Y11 the rows' accumulators; Y12-Y14 VPERMPS indices
// 1-3; Y15 int16 ones (AVX2 only); Y1 y, Y2 d_a, Y3 the four d, Y4 a row's
// d; Y0, Y5-Y7 scratch.
#define R4_PROLOGUE \
	MOVQ w+0(FP), SI; \
	MOVQ rs+8(FP), DX; \
	MOVQ a+16(FP), DI; \
	MOVQ nb+24(FP), CX; \
	LEAQ (DX)(DX*2), R9; \
	LEAQ (SI)(DX*8), R11; \
	VXORPS Y8, Y8, Y8; \
	VXORPS Y9, Y9, Y9; \
	VXORPS Y10, Y10, Y10; \
	VXORPS Y11, Y11, Y11; \
	MOVL $1, AX; \
	VMOVD AX, X12; \
	VPBROADCASTD X12, Y12; \
	VPADDD Y12, Y12, Y13; \
	VPADDD Y12, Y13, Y14; \
	MOVL $0x00010001, AX; \
	VMOVD AX, X15; \
	VPBROADCASTD X15, Y15

// R4_BODY is the block without the prefetch.
#define R4_BODY(DOT) \
	MOVWLZX (SI), AX; \
	MOVWLZX (SI)(DX*1), BX; \
	SHLL $16, BX; \
	ORL BX, AX; \
	MOVWLZX (SI)(DX*2), BX; \
	SHLQ $32, BX; \
	ORQ BX, AX; \
	MOVWLZX (SI)(R9*1), BX; \
	SHLQ $48, BX; \
	ORQ BX, AX; \
	VMOVQ AX, X3; \
	VCVTPH2PS X3, X3; \
	VPBROADCASTW (DI), X2; \
	VCVTPH2PS X2, X2; \
	VMULPS X2, X3, X3; \
	VMOVDQU 2(DI), Y1; \
	VBROADCASTSS X3, Y4; \
	R4_ROW(2(SI), Y4, Y8, DOT); \
	VPERMPS Y3, Y12, Y4; \
	R4_ROW(2(SI)(DX*1), Y4, Y9, DOT); \
	VPERMPS Y3, Y13, Y4; \
	R4_ROW(2(SI)(DX*2), Y4, Y10, DOT); \
	VPERMPS Y3, Y14, Y4; \
	R4_ROW(2(SI)(R9*1), Y4, Y11, DOT); \
	ADDQ $34, SI; \
	ADDQ $34, DI

// R4_BLOCK runs one block of the four rows with the integer dot DOT and
// steps to the next.
#define R4_BLOCK(DOT) \
	PREFETCHT1 (R11); \
	PREFETCHT1 64(R11); \
	PREFETCHT1 128(R11); \
	ADDQ $136, R11; \
	R4_BODY(DOT)

// R4_BLOCK_ROWPF is R4_BLOCK with the prefetch of gemvRowPF (Intel): the
// next group's four rows one by one at the offset being read (R11 row 4,
// stepping 34 bytes a block like SI), four streams a group ahead of the
// demand loads, where R4_BLOCK's address-order prefetch streams 15-35%
// slower from memory on Sapphire Rapids.
#define R4_BLOCK_ROWPF(DOT) \
	PREFETCHT1 (R11); \
	PREFETCHT1 (R11)(DX*1); \
	PREFETCHT1 (R11)(DX*2); \
	PREFETCHT1 (R11)(R9*1); \
	ADDQ $34, R11; \
	R4_BODY(DOT)

#define R4_EPILOGUE \
	MOVQ out+32(FP), AX; \
	R4_SUM(Y8, X8, 0); \
	R4_SUM(Y9, X9, 4); \
	R4_SUM(Y10, X10, 8); \
	R4_SUM(Y11, X11, 12); \
	VZEROUPPER; \
	RET

// func q8_0Rows4VNNI(w *byte, rs int, a *byte, nb int, out *[4]float32)
//
// out[j] = dot(row j at w + j*rs, a) over nb blocks, for j = 0..3.
TEXT ·q8_0Rows4VNNI(SB), NOSPLIT, $0-40
	R4_PROLOGUE
	TESTQ CX, CX
	JLE r4vnni_sum

r4vnni_loop:
	R4_BLOCK(R4_VNNI)
	DECQ CX
	JNZ r4vnni_loop

r4vnni_sum:
	R4_EPILOGUE

// func q8_0Rows4AVX2(w *byte, rs int, a *byte, nb int, out *[4]float32)
TEXT ·q8_0Rows4AVX2(SB), NOSPLIT, $0-40
	R4_PROLOGUE
	TESTQ CX, CX
	JLE r4avx2_sum

r4avx2_loop:
	R4_BLOCK(R4_AVX2)
	DECQ CX
	JNZ r4avx2_loop

r4avx2_sum:
	R4_EPILOGUE

// func q8_0Rows4RowPFVNNI(w *byte, rs int, a *byte, nb int, out *[4]float32)
//
// q8_0Rows4VNNI with R4_BLOCK_ROWPF.
TEXT ·q8_0Rows4RowPFVNNI(SB), NOSPLIT, $0-40
	R4_PROLOGUE
	LEAQ (SI)(DX*4), R11
	TESTQ CX, CX
	JLE r4rpf_sum

r4rpf_loop:
	R4_BLOCK_ROWPF(R4_VNNI)
	DECQ CX
	JNZ r4rpf_loop

r4rpf_sum:
	R4_EPILOGUE
