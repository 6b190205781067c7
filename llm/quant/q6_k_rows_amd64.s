//go:build !noasm

#include "textflag.h"

// Q6_K weights x one row of Q8_K activations, four weight rows at a time
// (layouts in q6_k_amd64.s), for MatVec.
//
// Each row's super-block runs the operations of the single-row q6KDotAVX2
// in the same float order: the 8 int32 lanes of sc*q*q8 (q unsigned,
// VPMADDUBSW, VPMADDWD with the run's two scales), minus
// 32*(bsum[2k]*sc[2k] + bsum[2k+1]*sc[2k+1]), converted, then
// acc = fma(d_a*d_w, float(lane), acc) and hsum_float_8 at the end; the
// integer sums are exact whatever their order, so each result is
// bit-identical to q6KDotAVX2 and to the portable dotQ6KQ8K. The four rows
// share the activation block, which stays in L1 while they read it.
//
// MatVec streams the matrix from memory. Four rows read side by side are
// four streams, which the hardware prefetchers serve badly (6 GB/s on one
// thread here, against 20-25 for the row-by-row kernel's one sequential
// stream); so each super-block also prefetches, into L2 and in address
// order, the four rows two groups ahead (840 bytes per super-block, the
// group's size over its block count: 14 lines from a pointer stepping 840
// bytes, so that every line is touched), as q8_0_rows_amd64.s does. With
// it the four-row kernels stream as fast as the row-by-row loop on rows of
// 4096, and much faster on rows of 14336 (ffn_down), whose 16 KB
// activation row the row-by-row loop reads again for every row (1.5-2x
// on one and two threads). PREFETCHT0 and a distance of 4 or 16 rows
// measured slower.
//
// The top bits of each run are moved to bits 4-5 by a shift of qh and one
// mask (0x30), which leaves the registers for four accumulators.

// Q6R_HALF does 128 elements of a row: the low bits of runs 0 and 2 in Y0
// (low and high nibbles), of runs 1 and 3 in Y1, the top bits of all four
// in Y2 (bits 0-1, 2-3, 4-5, 6-7); each run's q is built in Y3 (top bits
// in Y4) and dotted by DOT0 (the first run of the block: its lanes start
// Y15) or DOT.
#define Q6R_HALF(yo, sc, DOTA) \
	VPAND Y14, Y0, Y3; \
	VPSLLW $4, Y2, Y4; \
	VPAND Y13, Y4, Y4; \
	VPOR Y4, Y3, Y3; \
	DOTA(yo, sc, 0); \
	VPAND Y14, Y1, Y3; \
	VPSLLW $2, Y2, Y4; \
	VPAND Y13, Y4, Y4; \
	VPOR Y4, Y3, Y3; \
	Q6R_DOT(yo+32, sc, 32); \
	VPSRLW $4, Y0, Y3; \
	VPAND Y14, Y3, Y3; \
	VPAND Y13, Y2, Y4; \
	VPOR Y4, Y3, Y3; \
	Q6R_DOT(yo+64, sc, 64); \
	VPSRLW $4, Y1, Y3; \
	VPAND Y14, Y3, Y3; \
	VPSRLW $2, Y2, Y4; \
	VPAND Y13, Y4, Y4; \
	VPOR Y4, Y3, Y3; \
	Q6R_DOT(yo+96, sc, 96)

// Q6R_DOT multiplies the 32 q in Y3 with the activations at yo(DI),
// scales the pair sums by the two int16 scales the shuffle at mo picks
// from sc (as Q6K_DOT in q6_k_amd64.s) and adds the 8 lanes to Y15;
// Q6R_DOT0 sets Y15 to them.
#define Q6R_DOT(yo, sc, mo) \
	VPMADDUBSW yo(DI), Y3, Y3; \
	VPSHUFB q6RowsScaleShuf<>+mo(SB), sc, Y6; \
	VPMADDWD Y6, Y3, Y3; \
	VPADDD Y3, Y15, Y15

#define Q6R_DOT0(yo, sc, mo) \
	VPMADDUBSW yo(DI), Y3, Y3; \
	VPSHUFB q6RowsScaleShuf<>+mo(SB), sc, Y6; \
	VPMADDWD Y6, Y3, Y15

// Q6R_ROW runs one super-block of the row at P into accumulator ACC: Y7
// the bsums term, Y5 and Y12 the int16 scales 0-7 and 8-15 (each in both
// 128-bit halves), Y15 the lanes; Y3 d_a and Y4 d at the end.
#define Q6R_ROW(P, ACC) \
	VPMOVSXBW 192(P), Y7; \
	VPERMQ $0x44, Y7, Y5; \
	VPERMQ $0xee, Y7, Y12; \
	VPMADDWD 260(DI), Y7, Y7; \
	VPSLLD $5, Y7, Y7; \
	VMOVDQU 0(P), Y0; \
	VMOVDQU 32(P), Y1; \
	VMOVDQU 128(P), Y2; \
	Q6R_HALF(4, Y5, Q6R_DOT0); \
	VMOVDQU 64(P), Y0; \
	VMOVDQU 96(P), Y1; \
	VMOVDQU 160(P), Y2; \
	Q6R_HALF(132, Y12, Q6R_DOT); \
	VPSUBD Y7, Y15, Y15; \
	VCVTDQ2PS Y15, Y15; \
	VBROADCASTSS (DI), Y3; \
	VPBROADCASTW 208(P), X4; \
	VCVTPH2PS X4, Y4; \
	VMULPS Y3, Y4, Y4; \
	VFMADD231PS Y15, Y4, ACC

// Q6R_SUM stores hsum_float_8(A) at oo(AX):
// ((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7)).
#define Q6R_SUM(A, XA, oo) \
	VEXTRACTF128 $1, A, X0; \
	VADDPS XA, X0, X0; \
	VMOVHLPS X0, X0, X1; \
	VADDPS X1, X0, X0; \
	VMOVSHDUP X0, X1; \
	VADDSS X1, X0, X0; \
	VMOVSS X0, oo(AX)

// func q6KRows4AVX2(w *byte, rs int, a *byte, nb int, out *[4]float32)
//
// out[j] = dot(row j at w + j*rs, a) over nb super-blocks, for j = 0..3.
//
// Registers: SI, BX, R8, R10 rows 0-3; DI the activations; CX super-blocks
// left; R11 the prefetch pointer (8 rows ahead); Y8-Y11 the rows'
// accumulators; Y14 0x0f, Y13 0x30 (bytes); the rest as in Q6R_ROW.
TEXT ·q6KRows4AVX2(SB), NOSPLIT, $0-40
	MOVQ w+0(FP), SI
	MOVQ rs+8(FP), DX
	MOVQ a+16(FP), DI
	MOVQ nb+24(FP), CX
	LEAQ (SI)(DX*1), BX
	LEAQ (SI)(DX*2), R8
	LEAQ (BX)(DX*2), R10
	LEAQ (SI)(DX*8), R11
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	MOVL $0x0f0f0f0f, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	MOVL $0x30303030, AX
	VMOVD AX, X13
	VPBROADCASTD X13, Y13
	TESTQ CX, CX
	JLE q6r4avx2_sum

q6r4avx2_loop:
	PREFETCHT1 (R11)
	PREFETCHT1 64(R11)
	PREFETCHT1 128(R11)
	PREFETCHT1 192(R11)
	Q6R_ROW(SI, Y8)
	PREFETCHT1 256(R11)
	PREFETCHT1 320(R11)
	PREFETCHT1 384(R11)
	PREFETCHT1 448(R11)
	Q6R_ROW(BX, Y9)
	PREFETCHT1 512(R11)
	PREFETCHT1 576(R11)
	PREFETCHT1 640(R11)
	Q6R_ROW(R8, Y10)
	PREFETCHT1 704(R11)
	PREFETCHT1 768(R11)
	PREFETCHT1 832(R11)
	Q6R_ROW(R10, Y11)
	ADDQ $840, R11
	ADDQ $210, SI
	ADDQ $210, BX
	ADDQ $210, R8
	ADDQ $210, R10
	ADDQ $292, DI
	DECQ CX
	JNZ q6r4avx2_loop

q6r4avx2_sum:
	MOVQ out+32(FP), AX
	Q6R_SUM(Y8, X8, 0)
	Q6R_SUM(Y9, X9, 4)
	Q6R_SUM(Y10, X10, 8)
	Q6R_SUM(Y11, X11, 12)
	VZEROUPPER
	RET

// The avx512vnni kernel: the same integers in fewer instructions, with
// the 32 vector registers of AVX-512VL. Per 128-element half, the top bits
// are split once into E = qh & 0x33 (runs 0 and 2) and O = qh & 0xcc (runs
// 1 and 3); each run's top bits, shifted to bits 4-5, then have zeros in
// bits 6-7, so one VPTERNLOGD (0xd8: mask 0x0f ? low bits : top bits)
// makes q from them and the low nibble. VPDPWSSD multiplies by the scales
// and adds to the lanes in one instruction. The shuffle masks and d_a
// stay in registers.

// Q6V_HALF does 128 elements of a row (Y0, Y1, Y2 as in Q6R_HALF): q of
// runs 0-3 in Y6, Y16, Y3, Y4 (E in Y3, O in Y4 until then), the scales
// picked into Y19-Y22.
#define Q6V_HALF(yo, sc, DOTA) \
	VPANDD Y13, Y2, Y3; \
	VPANDND Y2, Y13, Y4; \
	VPSLLW $4, Y3, Y6; \
	VPTERNLOGD $0xd8, Y14, Y0, Y6; \
	VPSLLW $2, Y4, Y16; \
	VPTERNLOGD $0xd8, Y14, Y1, Y16; \
	VPSRLW $4, Y0, Y17; \
	VPTERNLOGD $0xd8, Y14, Y17, Y3; \
	VPSRLW $4, Y1, Y18; \
	VPSRLW $2, Y4, Y4; \
	VPTERNLOGD $0xd8, Y14, Y18, Y4; \
	DOTA(yo, sc, Y6, Y24, Y19); \
	Q6V_DOT(yo+32, sc, Y16, Y25, Y20); \
	Q6V_DOT(yo+64, sc, Y3, Y26, Y21); \
	Q6V_DOT(yo+96, sc, Y4, Y27, Y22)

// Q6V_DOT multiplies the 32 q in Q with the activations at yo(DI) and adds
// the pair sums times the two scales the mask M picks from sc into S to
// the lanes Y15; Q6V_DOT0 sets Y15 to them.
#define Q6V_DOT(yo, sc, Q, M, S) \
	VPMADDUBSW yo(DI), Q, Q; \
	VPSHUFB M, sc, S; \
	VPDPWSSD S, Q, Y15

#define Q6V_DOT0(yo, sc, Q, M, S) \
	VPMADDUBSW yo(DI), Q, Q; \
	VPSHUFB M, sc, S; \
	VPMADDWD S, Q, Y15

// Q6V_ROW runs one super-block of the row at P into ACC (registers as in
// Q6R_ROW; d_a in Y28).
#define Q6V_ROW(P, ACC) \
	VPMOVSXBW 192(P), Y7; \
	VPERMQ $0x44, Y7, Y5; \
	VPERMQ $0xee, Y7, Y12; \
	VPMADDWD 260(DI), Y7, Y7; \
	VPSLLD $5, Y7, Y7; \
	VMOVDQU 0(P), Y0; \
	VMOVDQU 32(P), Y1; \
	VMOVDQU 128(P), Y2; \
	Q6V_HALF(4, Y5, Q6V_DOT0); \
	VMOVDQU 64(P), Y0; \
	VMOVDQU 96(P), Y1; \
	VMOVDQU 160(P), Y2; \
	Q6V_HALF(132, Y12, Q6V_DOT); \
	VPSUBD Y7, Y15, Y15; \
	VCVTDQ2PS Y15, Y15; \
	VPBROADCASTW 208(P), X4; \
	VCVTPH2PS X4, Y4; \
	VMULPS Y28, Y4, Y4; \
	VFMADD231PS Y15, Y4, ACC

// The four-row avx512vnni kernels' shared parts. Q6V4_ARGS loads the
// arguments: rows 0-3 at SI, BX, R8, R10 (DX the row stride), the
// activations at DI, CX super-blocks. Q6V4_CONSTS zeroes the accumulators
// Y8-Y11 and loads Y13 (0x33 bytes), Y14 (0x0f bytes) and the scale
// shuffle masks Y24-Y27. Q6V4_NEXT steps every row and the activations
// one super-block and counts it (flags for the loop's JNZ). Q6V4_SUMS
// stores the four results.
#define Q6V4_ARGS \
	MOVQ w+0(FP), SI; \
	MOVQ rs+8(FP), DX; \
	MOVQ a+16(FP), DI; \
	MOVQ nb+24(FP), CX; \
	LEAQ (SI)(DX*1), BX; \
	LEAQ (SI)(DX*2), R8; \
	LEAQ (BX)(DX*2), R10

#define Q6V4_CONSTS \
	VXORPS Y8, Y8, Y8; \
	VXORPS Y9, Y9, Y9; \
	VXORPS Y10, Y10, Y10; \
	VXORPS Y11, Y11, Y11; \
	MOVL $0x0f0f0f0f, AX; \
	VMOVD AX, X14; \
	VPBROADCASTD X14, Y14; \
	MOVL $0x33333333, AX; \
	VMOVD AX, X13; \
	VPBROADCASTD X13, Y13; \
	VMOVDQU64 q6RowsScaleShuf<>+0(SB), Y24; \
	VMOVDQU64 q6RowsScaleShuf<>+32(SB), Y25; \
	VMOVDQU64 q6RowsScaleShuf<>+64(SB), Y26; \
	VMOVDQU64 q6RowsScaleShuf<>+96(SB), Y27

#define Q6V4_NEXT \
	ADDQ $210, SI; \
	ADDQ $210, BX; \
	ADDQ $210, R8; \
	ADDQ $210, R10; \
	ADDQ $292, DI; \
	DECQ CX

#define Q6V4_SUMS \
	MOVQ out+32(FP), AX; \
	Q6R_SUM(Y8, X8, 0); \
	Q6R_SUM(Y9, X9, 4); \
	Q6R_SUM(Y10, X10, 8); \
	Q6R_SUM(Y11, X11, 12); \
	VZEROUPPER

// func q6KRows4VNNI(w *byte, rs int, a *byte, nb int, out *[4]float32)
//
// As q6KRows4AVX2; Y13 0x33, Y14 0x0f (bytes), Y24-Y27 the scale shuffle
// masks of runs 0-3.
TEXT ·q6KRows4VNNI(SB), NOSPLIT, $0-40
	Q6V4_ARGS
	LEAQ (SI)(DX*8), R11
	Q6V4_CONSTS
	TESTQ CX, CX
	JLE q6r4vnni_sum

q6r4vnni_loop:
	VBROADCASTSS (DI), Y28
	PREFETCHT1 (R11)
	PREFETCHT1 64(R11)
	PREFETCHT1 128(R11)
	PREFETCHT1 192(R11)
	Q6V_ROW(SI, Y8)
	PREFETCHT1 256(R11)
	PREFETCHT1 320(R11)
	PREFETCHT1 384(R11)
	PREFETCHT1 448(R11)
	Q6V_ROW(BX, Y9)
	PREFETCHT1 512(R11)
	PREFETCHT1 576(R11)
	PREFETCHT1 640(R11)
	Q6V_ROW(R8, Y10)
	PREFETCHT1 704(R11)
	PREFETCHT1 768(R11)
	PREFETCHT1 832(R11)
	Q6V_ROW(R10, Y11)
	ADDQ $840, R11
	Q6V4_NEXT
	JNZ q6r4vnni_loop

q6r4vnni_sum:
	Q6V4_SUMS
	RET

// func q6KDotVNNI(w, a *byte, nb int) float32
//
// One row with the avx512vnni kernel's super-block (Q6V_ROW), for the rows
// MatVec has left over after the four-row calls: the same result as
// q6KDotAVX2.
TEXT ·q6KDotVNNI(SB), NOSPLIT, $0-28
	MOVQ w+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ nb+16(FP), CX
	VXORPS Y8, Y8, Y8
	MOVL $0x0f0f0f0f, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	MOVL $0x33333333, AX
	VMOVD AX, X13
	VPBROADCASTD X13, Y13
	VMOVDQU64 q6RowsScaleShuf<>+0(SB), Y24
	VMOVDQU64 q6RowsScaleShuf<>+32(SB), Y25
	VMOVDQU64 q6RowsScaleShuf<>+64(SB), Y26
	VMOVDQU64 q6RowsScaleShuf<>+96(SB), Y27
	TESTQ CX, CX
	JLE q6k1vnni_sum

q6k1vnni_loop:
	VBROADCASTSS (DI), Y28
	Q6V_ROW(SI, Y8)
	ADDQ $210, SI
	ADDQ $292, DI
	DECQ CX
	JNZ q6k1vnni_loop

q6k1vnni_sum:
	VEXTRACTF128 $1, Y8, X0
	VADDPS X8, X0, X0
	VMOVHLPS X0, X0, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// q6RowsScaleShuf: q6ScaleShuf of q6_k_amd64.s (file-local there): for
// runs i = 0..3 of a 128-element half, 32 bytes that put int16 scale 2i
// into every word of the low 128 bits and scale 2i+1 into the high 128
// bits (from scales held twice).
DATA q6RowsScaleShuf<>+0(SB)/8, $0x0100010001000100
DATA q6RowsScaleShuf<>+8(SB)/8, $0x0100010001000100
DATA q6RowsScaleShuf<>+16(SB)/8, $0x0302030203020302
DATA q6RowsScaleShuf<>+24(SB)/8, $0x0302030203020302
DATA q6RowsScaleShuf<>+32(SB)/8, $0x0504050405040504
DATA q6RowsScaleShuf<>+40(SB)/8, $0x0504050405040504
DATA q6RowsScaleShuf<>+48(SB)/8, $0x0706070607060706
DATA q6RowsScaleShuf<>+56(SB)/8, $0x0706070607060706
DATA q6RowsScaleShuf<>+64(SB)/8, $0x0908090809080908
DATA q6RowsScaleShuf<>+72(SB)/8, $0x0908090809080908
DATA q6RowsScaleShuf<>+80(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA q6RowsScaleShuf<>+88(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA q6RowsScaleShuf<>+96(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA q6RowsScaleShuf<>+104(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA q6RowsScaleShuf<>+112(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA q6RowsScaleShuf<>+120(SB)/8, $0x0f0e0f0e0f0e0f0e
GLOBL q6RowsScaleShuf<>(SB), RODATA|NOPTR, $128

// func q6KRows4RowPFVNNI(w *byte, rs int, a *byte, nb int, out *[4]float32)
//
// q6KRows4VNNI with the prefetch of gemvRowPF (Intel): each of the four
// rows prefetches, into L2, the row four ahead (R11 = 4*rs) at the offset
// being read, four streams a group ahead of the demand loads, where the
// address-order prefetch above streams 13-20% slower from memory on
// Sapphire Rapids.
TEXT ·q6KRows4RowPFVNNI(SB), NOSPLIT, $0-40
	Q6V4_ARGS
	MOVQ DX, R11
	SHLQ $2, R11
	Q6V4_CONSTS
	TESTQ CX, CX
	JLE q6r4rpf_sum

q6r4rpf_loop:
	VBROADCASTSS (DI), Y28
	PREFETCHT1 (SI)(R11*1)
	PREFETCHT1 64(SI)(R11*1)
	PREFETCHT1 128(SI)(R11*1)
	PREFETCHT1 192(SI)(R11*1)
	Q6V_ROW(SI, Y8)
	PREFETCHT1 (BX)(R11*1)
	PREFETCHT1 64(BX)(R11*1)
	PREFETCHT1 128(BX)(R11*1)
	PREFETCHT1 192(BX)(R11*1)
	Q6V_ROW(BX, Y9)
	PREFETCHT1 (R8)(R11*1)
	PREFETCHT1 64(R8)(R11*1)
	PREFETCHT1 128(R8)(R11*1)
	PREFETCHT1 192(R8)(R11*1)
	Q6V_ROW(R8, Y10)
	PREFETCHT1 (R10)(R11*1)
	PREFETCHT1 64(R10)(R11*1)
	PREFETCHT1 128(R10)(R11*1)
	PREFETCHT1 192(R10)(R11*1)
	Q6V_ROW(R10, Y11)
	Q6V4_NEXT
	JNZ q6r4rpf_loop

q6r4rpf_sum:
	Q6V4_SUMS
	RET
