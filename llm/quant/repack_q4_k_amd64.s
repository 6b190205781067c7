//go:build !noasm

#include "textflag.h"

// Q4_K weights x Q8_K activations in the float order of ggml's repacked
// GEMV/GEMM (gemvQ4KQ8K; block layouts in q4_k_amd64.s). For each output
// (weight row, activation row) and super-block: sum = Σ_s sc[s]*Σ(q4*q8)
// and summ = Σ_s m[s]*(bsum pair s, added in int16 as _mm_hadd_epi16), in
// int32 lanes added in any order (exact), then
// acc = fma(float(sum), d_w*d_a, acc) and accm = fma(float(summ),
// dmin_w*d_a, accm), one rounding each; the result is acc - accm.
//
// Four outputs share one float vector, interleaved
// [acc0 accm0 acc1 accm1 | acc2 accm2 acc3 accm3]. Each block, output i's
// int32 lanes (sums L, 8 lanes; mins B, 4 or 8 lanes) are folded into
// C = [L02 L13 B02 B13 | L46 L57 B46 B57] (RK_C), two C by VPHADDD into
// D = [s0 m0 s1 m1 | s0' m0' s1' m1'], and the 128-bit halves of two D
// added give [s0 m0 s1 m1 | s2 m2 s3 m3], the exact sums, which are
// converted and FMAed with [d_w0*d_a dmin_w0*d_a d_w1*d_a ...] (each
// product one float32 rounding, as in the oracle).
//
// The integer lanes are those of the vec_dot kernels (q4_k_amd64.s):
// VPMADDUBSW of nibbles and activations (int16 pair sums, at most
// 2*15*128, no saturation), times the sub-block's scale broadcast to every
// word, by VPMADDWD or VNNI's VPDPWSSD.

// RK_UNPACK reads the 12 scale bytes at 4(P) (the 16 bytes from there into
// both 128-bit halves) and leaves in both halves of Y12 the bytes
// [m0-3, m4-7, sc0-3, sc4-7] (RK_UNPACK_B) and the 8 mins as int16 in M
// (an X register): scaleMinK4 in vector form, bytes [q4-7, q8-11>>4, q0-3,
// q8-11] masked to 6, 4, 6, 4 bits, or'ed with
// [0, (q4-7>>6)<<4, 0, (q0-3>>6)<<4]. Y0-Y2 scratch. The constants are
// in memory (AVX2 level) or in Y24-Y28 (RKV_UNPACK).
#define RK_UNPACK_B(P) \
	VBROADCASTI128 4(P), Y0; \
	VPSHUFB rkUnpB<>(SB), Y0, Y1; \
	VPSRLVD rkUnpShift<>(SB), Y1, Y1; \
	VPAND rkUnpMask<>(SB), Y1, Y1; \
	VPSHUFB rkUnpC<>(SB), Y0, Y2; \
	VPSRLD $2, Y2, Y2; \
	VPAND rkUnp30<>(SB), Y2, Y2; \
	VPOR Y2, Y1, Y12

#define RK_UNPACK(P, M) \
	RK_UNPACK_B(P); \
	VPMOVZXBW X12, M

#define RKV_UNPACK(P, M) \
	VBROADCASTI128 4(P), Y0; \
	VPSHUFB Y24, Y0, Y1; \
	VPSRLVD Y25, Y1, Y1; \
	VPANDD Y26, Y1, Y1; \
	VPSHUFB Y27, Y0, Y2; \
	VPSRLD $2, Y2, Y2; \
	VPANDD Y28, Y2, Y2; \
	VPOR Y2, Y1, Y12; \
	VPMOVZXBW X12, M

// RKV_CONSTS loads RKV_UNPACK's constants into Y24-Y28 and the
// scale-broadcast masks of sub-blocks 0-7 into Y16-Y23.
#define RKV_CONSTS \
	VMOVDQU64 rkShuf<>+0(SB), Y16; \
	VMOVDQU64 rkShuf<>+32(SB), Y17; \
	VMOVDQU64 rkShuf<>+64(SB), Y18; \
	VMOVDQU64 rkShuf<>+96(SB), Y19; \
	VMOVDQU64 rkShuf<>+128(SB), Y20; \
	VMOVDQU64 rkShuf<>+160(SB), Y21; \
	VMOVDQU64 rkShuf<>+192(SB), Y22; \
	VMOVDQU64 rkShuf<>+224(SB), Y23; \
	VMOVDQU64 rkUnpB<>(SB), Y24; \
	VMOVDQU64 rkUnpShift<>(SB), Y25; \
	VMOVDQU64 rkUnpMask<>(SB), Y26; \
	VMOVDQU64 rkUnpC<>(SB), Y27; \
	VMOVDQU64 rkUnp30<>(SB), Y28

// RK_NIB decodes the 64-element chunk at qo(P): low nibbles (sub-block
// 2j) in Y0, high (2j+1) in Y1 (Y15 bytes 0x0f), and the two sub-blocks'
// scales, zero-extended from the bytes in Y12, into every word of Y2 and
// Y3 by the masks at rkShuf+ml and +mh.
#define RK_NIB(P, qo, ml, mh) \
	VMOVDQU qo(P), Y0; \
	VPSRLW $4, Y0, Y1; \
	VPAND Y15, Y0, Y0; \
	VPAND Y15, Y1, Y1; \
	VPSHUFB rkShuf<>+ml(SB), Y12, Y2; \
	VPSHUFB rkShuf<>+mh(SB), Y12, Y3

// RK_MUL multiplies the decoded chunk with the activations at yl(A),
// yh(A) and adds sc*(pair sums) to the int32 lanes L (AVX2: VPMADDUBSW,
// VPMADDWD, VPADDD; T0 T1 scratch); RK_MUL0 sets L instead.
#define RK_MUL0(A, yl, yh, L, T0, T1) \
	VPMADDUBSW yl(A), Y0, T0; \
	VPMADDUBSW yh(A), Y1, T1; \
	VPMADDWD Y2, T0, T0; \
	VPMADDWD Y3, T1, T1; \
	VPADDD T1, T0, L

#define RK_MUL(A, yl, yh, L, T0, T1) \
	VPMADDUBSW yl(A), Y0, T0; \
	VPMADDUBSW yh(A), Y1, T1; \
	VPMADDWD Y2, T0, T0; \
	VPMADDWD Y3, T1, T1; \
	VPADDD T0, L, L; \
	VPADDD T1, L, L

// RKV_MUL0 and RKV_MUL are RK_MUL0 and RK_MUL with VNNI's VPDPWSSD (the
// same int32 lanes: a VPMADDWD pair sum cannot overflow here).
#define RKV_MUL0(A, yl, yh, L, T0, T1) \
	VPMADDUBSW yl(A), Y0, T0; \
	VPMADDUBSW yh(A), Y1, T1; \
	VPMADDWD Y2, T0, L; \
	VPDPWSSD Y3, T1, L

#define RKV_MUL(A, yl, yh, L, T0, T1) \
	VPMADDUBSW yl(A), Y0, T0; \
	VPMADDUBSW yh(A), Y1, T1; \
	VPDPWSSD Y2, T0, L; \
	VPDPWSSD Y3, T1, L

// RK_PAIRS leaves the 8 bsum pair sums (int16, wrapping) of the activation
// block at A in X (YX its Y register): bsums 0-7 hadd 8-15; XT scratch.
#define RK_PAIRS(A, X, XT, YX) \
	VMOVDQU 260(A), YX; \
	VEXTRACTI128 $1, YX, XT; \
	VPHADDW XT, X, X

// RK_C folds the sums L (8 lanes) and mins B (4 or 8 lanes) of one
// output into C = [L02 L13 B02 B13 | L46 L57 B46 B57]; L is clobbered.
// (VPHADDD would take one instruction, but twice the time here.)
#define RK_C(L, B, C) \
	VPUNPCKLQDQ B, L, C; \
	VPUNPCKHQDQ B, L, L; \
	VPADDD L, C, C

// RK_ROW_AVX2 computes C for the weight row at P against the activation
// block at DI (pairs in X14): scales and mins, mins times pairs (B in Y9,
// 4 lanes), the four chunks into L = Y8, then C (RK_C).
#define RK_ROW_AVX2(P, C) \
	RK_UNPACK(P, X9); \
	VPMADDWD X14, X9, X9; \
	RK_NIB(P, 16, 0, 32); \
	RK_MUL0(DI, 4, 36, Y8, Y10, Y11); \
	RK_NIB(P, 48, 64, 96); \
	RK_MUL(DI, 68, 100, Y8, Y10, Y11); \
	RK_NIB(P, 80, 128, 160); \
	RK_MUL(DI, 132, 164, Y8, Y10, Y11); \
	RK_NIB(P, 112, 192, 224); \
	RK_MUL(DI, 196, 228, Y8, Y10, Y11); \
	RK_C(Y8, Y9, C)

// RK_ROW_VNNI is RK_ROW_AVX2 with the constants in registers
// (RKV_CONSTS) and VPDPWSSD: the low-nibble products into Y8 and the high
// into Y10 (two dependency chains), added at the end.
#define RKV_CHUNK(P, qo, yl, yh, ML, MH, F) \
	VMOVDQU qo(P), Y0; \
	VPSRLW $4, Y0, Y1; \
	VPAND Y15, Y0, Y0; \
	VPAND Y15, Y1, Y1; \
	VPSHUFB ML, Y12, Y2; \
	VPSHUFB MH, Y12, Y3; \
	VPMADDUBSW yl(DI), Y0, Y0; \
	VPMADDUBSW yh(DI), Y1, Y1; \
	F Y2, Y0, Y8; \
	F Y3, Y1, Y10

#define RK_ROW_VNNI(P, C) \
	RKV_UNPACK(P, X9); \
	VPMADDWD X14, X9, X9; \
	RKV_CHUNK(P, 16, 4, 36, Y16, Y17, VPMADDWD); \
	RKV_CHUNK(P, 48, 68, 100, Y18, Y19, VPDPWSSD); \
	RKV_CHUNK(P, 80, 132, 164, Y20, Y21, VPDPWSSD); \
	RKV_CHUNK(P, 112, 196, 228, Y22, Y23, VPDPWSSD); \
	VPADDD Y10, Y8, Y8; \
	RK_C(Y8, Y9, C)

// RK_FOLD turns C0..C3 (Y4-Y7) into the exact sums
// [s0 m0 s1 m1 | s2 m2 s3 m3] as floats in Y5.
#define RK_FOLD \
	VPHADDD Y5, Y4, Y4; \
	VPHADDD Y7, Y6, Y6; \
	VPERM2I128 $0x20, Y6, Y4, Y5; \
	VPERM2I128 $0x31, Y6, Y4, Y7; \
	VPADDD Y7, Y5, Y5; \
	VCVTDQ2PS Y5, Y5

// RK_GEMV_ACC does acc = fma(sums, [d_w*d_a dmin_w*d_a ...], acc) for
// four weight rows at P0..P3 (d_w, dmin_w halves at 0 and 2), d_a
// broadcast in Y3, sums in Y5.
#define RK_GEMV_ACC(P0, P1, P2, P3, ACC) \
	VMOVD (P0), X0; \
	VPINSRD $1, (P1), X0, X0; \
	VPINSRD $2, (P2), X0, X0; \
	VPINSRD $3, (P3), X0, X0; \
	VCVTPH2PS X0, Y0; \
	VMULPS Y3, Y0, Y0; \
	VFMADD231PS Y5, Y0, ACC

// RK_RESULT stores acc-accm of the four outputs in ACC at P. Y1, Y2
// scratch.
#define RK_RESULT(ACC, P) \
	VMOVSHDUP ACC, Y1; \
	VSUBPS Y1, ACC, Y1; \
	VEXTRACTF128 $1, Y1, X2; \
	VSHUFPS $0x88, X2, X1, X1; \
	VMOVUPS X1, P

#define RK_MASK \
	MOVL $0x0f0f0f0f, R8; \
	VMOVD R8, X15; \
	VPBROADCASTD X15, Y15

// RK_PF9 prefetches the 576 bytes at (P) with PF and advances P. The gemv
// kernels read four rows at once, four short streams the hardware
// prefetchers follow badly (half the speed from memory on 4096-wide rows);
// instead the next group of rows is prefetched as one stream while this
// one is read, into L1 (PREFETCHT0) when the group is small, into L2
// (PREFETCHT1) when it would not fit in L1 beside the current one.
#define RK_PF9(P, PF) \
	PF (P); \
	PF 64(P); \
	PF 128(P); \
	PF 192(P); \
	PF 256(P); \
	PF 320(P); \
	PF 384(P); \
	PF 448(P); \
	PF 512(P); \
	ADDQ $576, P

// RK_GEMV4 is the body of the gemv kernels, four weight rows per group:
// rows at SI, R11, R12, R13 (advanced by 144 a block), activations at DI,
// CX blocks left; group base R8, groups left R9, outputs R10, rs AX,
// prefetch pointer BX (the next group). Y4-Y7 the rows' C, Y13 acc, Y14
// pairs, Y15 bytes 0x0f. ROW is RK_ROW_AVX2 or RK_ROW_VNNI, PF the
// prefetch instruction.
#define RK_GEMV4(ROW, PF) \
	RK_MASK; \
	MOVQ w+0(FP), R8; \
	MOVQ out+32(FP), R10; \
	MOVQ groups+40(FP), R9; \
rk_group: \
	MOVQ rs+8(FP), AX; \
	MOVQ R8, SI; \
	LEAQ (R8)(AX*1), R11; \
	LEAQ (R8)(AX*2), R12; \
	LEAQ (R11)(AX*2), R13; \
	LEAQ (R8)(AX*4), BX; \
	MOVQ a+16(FP), DI; \
	MOVQ nb+24(FP), CX; \
	VXORPS Y13, Y13, Y13; \
rk_block: \
	RK_PF9(BX, PF); \
	RK_PAIRS(DI, X14, X0, Y14); \
	ROW(SI, Y4); \
	ROW(R11, Y5); \
	ROW(R12, Y6); \
	ROW(R13, Y7); \
	RK_FOLD; \
	VBROADCASTSS (DI), Y3; \
	RK_GEMV_ACC(SI, R11, R12, R13, Y13); \
	ADDQ $144, SI; \
	ADDQ $144, R11; \
	ADDQ $144, R12; \
	ADDQ $144, R13; \
	ADDQ $292, DI; \
	DECQ CX; \
	JNZ rk_block; \
	RK_RESULT(Y13, (R10)); \
	ADDQ $16, R10; \
	LEAQ (R8)(AX*4), R8; \
	DECQ R9; \
	JNZ rk_group; \
	VZEROUPPER; \
	RET

// RK_GEMV4_ROWPF is RK_GEMV4 with the prefetch of gemvRowPF (Intel): each
// row prefetches, into L2, the row four ahead (BX = 4*rs) at the offset
// being read (RK_PF3), four streams a group ahead of the demand loads,
// where RK_PF9's address-order stream is 20-30% slower from memory on
// Sapphire Rapids (14336-wide rows).
#define RK_PF3(P) \
	PREFETCHT1 (P)(BX*1); \
	PREFETCHT1 64(P)(BX*1); \
	PREFETCHT1 128(P)(BX*1)

#define RK_GEMV4_ROWPF(ROW) \
	RK_MASK; \
	MOVQ w+0(FP), R8; \
	MOVQ out+32(FP), R10; \
	MOVQ groups+40(FP), R9; \
rkr_group: \
	MOVQ rs+8(FP), AX; \
	MOVQ R8, SI; \
	LEAQ (R8)(AX*1), R11; \
	LEAQ (R8)(AX*2), R12; \
	LEAQ (R11)(AX*2), R13; \
	LEAQ (AX*4), BX; \
	MOVQ a+16(FP), DI; \
	MOVQ nb+24(FP), CX; \
	VXORPS Y13, Y13, Y13; \
rkr_block: \
	RK_PF3(SI); \
	RK_PF3(R11); \
	RK_PF3(R12); \
	RK_PF3(R13); \
	RK_PAIRS(DI, X14, X0, Y14); \
	ROW(SI, Y4); \
	ROW(R11, Y5); \
	ROW(R12, Y6); \
	ROW(R13, Y7); \
	RK_FOLD; \
	VBROADCASTSS (DI), Y3; \
	RK_GEMV_ACC(SI, R11, R12, R13, Y13); \
	ADDQ $144, SI; \
	ADDQ $144, R11; \
	ADDQ $144, R12; \
	ADDQ $144, R13; \
	ADDQ $292, DI; \
	DECQ CX; \
	JNZ rkr_block; \
	RK_RESULT(Y13, (R10)); \
	ADDQ $16, R10; \
	LEAQ (R8)(AX*4), R8; \
	DECQ R9; \
	JNZ rkr_group; \
	VZEROUPPER; \
	RET

// RK_K4_MINS folds the mins of the activation row at A into its lanes L
// (making them C, RK_C): dword s of the bsums plus itself shifted down a
// word is bsum 2s + bsum 2s+1 (int16, wrapping as _mm_hadd_epi16) in its
// low word, times the mins as dwords in Y13 (high words 0). Y0 Y1 scratch.
#define RK_K4_MINS(A, L) \
	VMOVDQU 260(A), Y0; \
	VPSRLD $16, Y0, Y1; \
	VPADDW Y1, Y0, Y0; \
	VPMADDWD Y13, Y0, Y0; \
	RK_C(L, Y0, Y1); \
	VMOVDQA Y1, L

// RK_DA4 leaves [d_a0 d_a0 d_a1 d_a1 | d_a2 d_a2 d_a3 d_a3] in Y1 for the
// activation rows at A0..A3.
#define RK_DA4(A0, A1, A2, A3) \
	VMOVSS (A0), X1; \
	VINSERTPS $0x10, (A1), X1, X1; \
	VINSERTPS $0x20, (A2), X1, X1; \
	VINSERTPS $0x30, (A3), X1, X1; \
	VPMOVZXDQ X1, Y1; \
	VMOVSLDUP Y1, Y1

// RK_K4_STEP decodes chunk qo of the weight row once and runs it against
// the four activation rows (lanes Y4-Y7, one chain per row).
#define RK_K4_STEP(MUL, qo, yl, yh, ml, mh) \
	RK_NIB(SI, qo, ml, mh); \
	MUL(DI, yl, yh, Y4, Y10, Y11); \
	MUL(R12, yl, yh, Y5, Y10, Y11); \
	MUL(R13, yl, yh, Y6, Y10, Y11); \
	MUL(R14, yl, yh, Y7, Y10, Y11)

// RK_K4 is the body of the one-weight-row, four-activation-row kernels:
// weights SI, activation rows DI R12 R13 R14, CX blocks left; Y4-Y7 the
// rows' lanes, then their C; Y12 scales, X13 mins, Y14 acc, Y15 0x0f
// bytes. MUL0 and MUL are RK_MUL0 and RK_MUL or RKV_MUL0 and RKV_MUL.
#define RK_K4(MUL0, MUL) \
	RK_MASK; \
	MOVQ w+0(FP), SI; \
	MOVQ a0+8(FP), DI; \
	MOVQ a1+16(FP), R12; \
	MOVQ a2+24(FP), R13; \
	MOVQ a3+32(FP), R14; \
	MOVQ nb+40(FP), CX; \
	VXORPS Y14, Y14, Y14; \
	TESTQ CX, CX; \
	JEQ rk_sum; \
rk_loop: \
	RK_UNPACK_B(SI); \
	VPMOVZXBD X12, Y13; \
	RK_K4_STEP(MUL0, 16, 4, 36, 0, 32); \
	RK_K4_STEP(MUL, 48, 68, 100, 64, 96); \
	RK_K4_STEP(MUL, 80, 132, 164, 128, 160); \
	RK_K4_STEP(MUL, 112, 196, 228, 192, 224); \
	RK_K4_MINS(DI, Y4); \
	RK_K4_MINS(R12, Y5); \
	RK_K4_MINS(R13, Y6); \
	RK_K4_MINS(R14, Y7); \
	RK_FOLD; \
	VPBROADCASTD (SI), X0; \
	VCVTPH2PS X0, Y0; \
	RK_DA4(DI, R12, R13, R14); \
	VMULPS Y1, Y0, Y0; \
	VFMADD231PS Y5, Y0, Y14; \
	ADDQ $144, SI; \
	ADDQ $292, DI; \
	ADDQ $292, R12; \
	ADDQ $292, R13; \
	ADDQ $292, R14; \
	DECQ CX; \
	JNZ rk_loop; \
rk_sum: \
	MOVQ out+48(FP), AX; \
	RK_RESULT(Y14, (AX)); \
	VZEROUPPER; \
	RET

// RK_K8_STEP is RK_K4_STEP for eight activation rows (DI AX BX DX R14 R8
// R9 R10), lanes Y4-Y11, products in Y16 Y17.
#define RK_K8_STEP(MUL, qo, yl, yh, ml, mh) \
	RK_NIB(SI, qo, ml, mh); \
	MUL(DI, yl, yh, Y4, Y16, Y17); \
	MUL(AX, yl, yh, Y5, Y16, Y17); \
	MUL(BX, yl, yh, Y6, Y16, Y17); \
	MUL(DX, yl, yh, Y7, Y16, Y17); \
	MUL(R14, yl, yh, Y8, Y16, Y17); \
	MUL(R8, yl, yh, Y9, Y16, Y17); \
	MUL(R9, yl, yh, Y10, Y16, Y17); \
	MUL(R10, yl, yh, Y11, Y16, Y17)

// RK_FOLD8 is RK_FOLD for C in Y8-Y11, sums in Y9.
#define RK_FOLD8 \
	VPHADDD Y9, Y8, Y8; \
	VPHADDD Y11, Y10, Y10; \
	VPERM2I128 $0x20, Y10, Y8, Y9; \
	VPERM2I128 $0x31, Y10, Y8, Y11; \
	VPADDD Y11, Y9, Y9; \
	VCVTDQ2PS Y9, Y9

// Gemv kernels: groups*4 outputs, out[i] for the weight row at w+i*rs
// against the activation row a, nb > 0 super-blocks, groups > 0. The
// "L" ones prefetch into L2 (rows too long for L1).

// func q4KGemv4AVX2(w *byte, rs int, a *byte, nb int, out *float32, groups int)
TEXT ·q4KGemv4AVX2(SB), NOSPLIT, $0-48
	RK_GEMV4(RK_ROW_AVX2, PREFETCHT0)

// func q4KGemv4AVX2L(w *byte, rs int, a *byte, nb int, out *float32, groups int)
TEXT ·q4KGemv4AVX2L(SB), NOSPLIT, $0-48
	RK_GEMV4(RK_ROW_AVX2, PREFETCHT1)

// The VNNI one also needs AVX512VL for registers Y16-Y31.

// func q4KGemv4VNNIL(w *byte, rs int, a *byte, nb int, out *float32, groups int)
TEXT ·q4KGemv4VNNIL(SB), NOSPLIT, $0-48
	RKV_CONSTS
	RK_GEMV4(RK_ROW_VNNI, PREFETCHT1)

// func q4KGemv4RowPFVNNI(w *byte, rs int, a *byte, nb int, out *float32, groups int)
TEXT ·q4KGemv4RowPFVNNI(SB), NOSPLIT, $0-48
	RKV_CONSTS
	RK_GEMV4_ROWPF(RK_ROW_VNNI)

// func q4KRDot4AVX2(w, a0, a1, a2, a3 *byte, nb int, out *[4]float32)
TEXT ·q4KRDot4AVX2(SB), NOSPLIT, $0-56
	RK_K4(RK_MUL0, RK_MUL)

// func q4KRDot4VNNI(w, a0, a1, a2, a3 *byte, nb int, out *[4]float32)
TEXT ·q4KRDot4VNNI(SB), NOSPLIT, $0-56
	RK_K4(RKV_MUL0, RKV_MUL)

// func q4KRDot8VNNI(w, a *byte, stride, nb int, out *[8]float32)
//
// RK_K4 for eight activation rows a + i*stride: DI AX BX DX R14 R8 R9 R10,
// CX blocks left; Y4-Y11 the rows' lanes, Y12 scales, X13 mins, Y14
// d_w/dmin_w, Y15 0x0f bytes, Y24 Y25 acc of rows 0-3 and 4-7.
TEXT ·q4KRDot8VNNI(SB), NOSPLIT, $0-40
	RK_MASK
	MOVQ w+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ stride+16(FP), R12
	MOVQ nb+24(FP), CX
	LEAQ (DI)(R12*1), AX
	LEAQ (DI)(R12*2), BX
	LEAQ (AX)(R12*2), DX
	LEAQ (DI)(R12*4), R14
	LEAQ (AX)(R12*4), R8
	LEAQ (BX)(R12*4), R9
	LEAQ (DX)(R12*4), R10
	VPXORD Y24, Y24, Y24
	VPXORD Y25, Y25, Y25
	TESTQ CX, CX
	JEQ rk_sum

rk_loop:
	RK_UNPACK_B(SI)
	VPMOVZXBD X12, Y13
	RK_K8_STEP(RKV_MUL0, 16, 4, 36, 0, 32)
	RK_K8_STEP(RKV_MUL, 48, 68, 100, 64, 96)
	RK_K8_STEP(RKV_MUL, 80, 132, 164, 128, 160)
	RK_K8_STEP(RKV_MUL, 112, 196, 228, 192, 224)
	RK_K4_MINS(DI, Y4)
	RK_K4_MINS(AX, Y5)
	RK_K4_MINS(BX, Y6)
	RK_K4_MINS(DX, Y7)
	RK_K4_MINS(R14, Y8)
	RK_K4_MINS(R8, Y9)
	RK_K4_MINS(R9, Y10)
	RK_K4_MINS(R10, Y11)
	VPBROADCASTD (SI), X0
	VCVTPH2PS X0, Y14
	RK_FOLD
	RK_DA4(DI, AX, BX, DX)
	VMULPS Y1, Y14, Y0
	VFMADD231PS Y5, Y0, Y24
	RK_FOLD8
	RK_DA4(R14, R8, R9, R10)
	VMULPS Y1, Y14, Y0
	VFMADD231PS Y9, Y0, Y25
	ADDQ $144, SI
	ADDQ $292, DI
	ADDQ $292, AX
	ADDQ $292, BX
	ADDQ $292, DX
	ADDQ $292, R14
	ADDQ $292, R8
	ADDQ $292, R9
	ADDQ $292, R10
	DECQ CX
	JNZ rk_loop

rk_sum:
	MOVQ out+32(FP), AX
	RK_RESULT(Y24, (AX))
	RK_RESULT(Y25, 16(AX))
	VZEROUPPER
	RET

// RK_UNPACK's constants, the same in both 128-bit halves: the byte
// gathers [q4-7, q8-11, q0-3, q8-11] and [0, q4-7, 0, q0-3] (0x80: zero),
// the dword shifts and masks.
DATA rkUnpB<>+0(SB)/8, $0x0b0a090807060504
DATA rkUnpB<>+8(SB)/8, $0x0b0a090803020100
DATA rkUnpB<>+16(SB)/8, $0x0b0a090807060504
DATA rkUnpB<>+24(SB)/8, $0x0b0a090803020100
GLOBL rkUnpB<>(SB), RODATA|NOPTR, $32
DATA rkUnpShift<>+0(SB)/8, $0x0000000400000000
DATA rkUnpShift<>+8(SB)/8, $0x0000000000000000
DATA rkUnpShift<>+16(SB)/8, $0x0000000400000000
DATA rkUnpShift<>+24(SB)/8, $0x0000000000000000
GLOBL rkUnpShift<>(SB), RODATA|NOPTR, $32
DATA rkUnpMask<>+0(SB)/8, $0x0f0f0f0f3f3f3f3f
DATA rkUnpMask<>+8(SB)/8, $0x0f0f0f0f3f3f3f3f
DATA rkUnpMask<>+16(SB)/8, $0x0f0f0f0f3f3f3f3f
DATA rkUnpMask<>+24(SB)/8, $0x0f0f0f0f3f3f3f3f
GLOBL rkUnpMask<>(SB), RODATA|NOPTR, $32
DATA rkUnpC<>+0(SB)/8, $0x0706050480808080
DATA rkUnpC<>+8(SB)/8, $0x0302010080808080
DATA rkUnpC<>+16(SB)/8, $0x0706050480808080
DATA rkUnpC<>+24(SB)/8, $0x0302010080808080
GLOBL rkUnpC<>(SB), RODATA|NOPTR, $32
DATA rkUnp30<>+0(SB)/8, $0x3030303030303030
DATA rkUnp30<>+8(SB)/8, $0x3030303030303030
DATA rkUnp30<>+16(SB)/8, $0x3030303030303030
DATA rkUnp30<>+24(SB)/8, $0x3030303030303030
GLOBL rkUnp30<>(SB), RODATA|NOPTR, $32

// rkShuf: for sub-block s, 32 bytes putting byte 8+s (scale s in Y12) in
// the low byte of every word and zero (index 0x80) in the high byte.
DATA rkShuf<>+0(SB)/8, $0x8008800880088008
DATA rkShuf<>+8(SB)/8, $0x8008800880088008
DATA rkShuf<>+16(SB)/8, $0x8008800880088008
DATA rkShuf<>+24(SB)/8, $0x8008800880088008
DATA rkShuf<>+32(SB)/8, $0x8009800980098009
DATA rkShuf<>+40(SB)/8, $0x8009800980098009
DATA rkShuf<>+48(SB)/8, $0x8009800980098009
DATA rkShuf<>+56(SB)/8, $0x8009800980098009
DATA rkShuf<>+64(SB)/8, $0x800a800a800a800a
DATA rkShuf<>+72(SB)/8, $0x800a800a800a800a
DATA rkShuf<>+80(SB)/8, $0x800a800a800a800a
DATA rkShuf<>+88(SB)/8, $0x800a800a800a800a
DATA rkShuf<>+96(SB)/8, $0x800b800b800b800b
DATA rkShuf<>+104(SB)/8, $0x800b800b800b800b
DATA rkShuf<>+112(SB)/8, $0x800b800b800b800b
DATA rkShuf<>+120(SB)/8, $0x800b800b800b800b
DATA rkShuf<>+128(SB)/8, $0x800c800c800c800c
DATA rkShuf<>+136(SB)/8, $0x800c800c800c800c
DATA rkShuf<>+144(SB)/8, $0x800c800c800c800c
DATA rkShuf<>+152(SB)/8, $0x800c800c800c800c
DATA rkShuf<>+160(SB)/8, $0x800d800d800d800d
DATA rkShuf<>+168(SB)/8, $0x800d800d800d800d
DATA rkShuf<>+176(SB)/8, $0x800d800d800d800d
DATA rkShuf<>+184(SB)/8, $0x800d800d800d800d
DATA rkShuf<>+192(SB)/8, $0x800e800e800e800e
DATA rkShuf<>+200(SB)/8, $0x800e800e800e800e
DATA rkShuf<>+208(SB)/8, $0x800e800e800e800e
DATA rkShuf<>+216(SB)/8, $0x800e800e800e800e
DATA rkShuf<>+224(SB)/8, $0x800f800f800f800f
DATA rkShuf<>+232(SB)/8, $0x800f800f800f800f
DATA rkShuf<>+240(SB)/8, $0x800f800f800f800f
DATA rkShuf<>+248(SB)/8, $0x800f800f800f800f
GLOBL rkShuf<>(SB), RODATA|NOPTR, $256

// The one-row gemv kernel (q4KGemv1VNNI): the rows one after another, so
// that the weights are read in address order, one stream that the
// hardware prefetchers follow (with PREFETCHT0 8 KiB ahead, across page
// boundaries: from memory on Zen 5, one thread, 28.8 against 24.7 GB/s
// for 2 KiB, 6 and 12 KiB within 2%; the kernels taking turns in one
// process, medians of 15), where the four-row kernels read four short
// streams. Each
// block's integer sums are taken 128 elements per 512-bit instruction
// (17% faster than 256-bit in L2 on Zen 5: 39 against 33 GB/s, one
// thread), folded to C as in RK_ROW_AVX2, then to [s s m m] and FMAed
// into [acc 0 accm 0] (X13) with [d_w*d_a 0 dmin_w*d_a 0] (the halves
// d_w, dmin_w zero-extended to dwords before the conversion): the same
// float operations per output as RK_GEMV4's lanes.
//
// The activation comes prepared by q4KPrepare, 320 bytes a block,
// 64-byte aligned: the 256 quants in the order of the weights' nibble
// halves ([sb0 sb2 | sb1 sb3 | sb4 sb6 | sb5 sb7], 32 each: a 64-byte
// load of weights at 16+64k holds sub-blocks 4k and 4k+2 in its low
// nibbles and 4k+1, 4k+3 in its high ones), the bsum pairs at 256 and d_a
// at 272.

// rkzShuf: for the nibble vectors [sb0|sb2], [sb1|sb3], [sb4|sb6],
// [sb5|sb7], 64 bytes each: the rkShuf masks of the two sub-blocks, one
// per 256-bit half.
DATA rkzShuf<>+0(SB)/8, $0x8008800880088008
DATA rkzShuf<>+8(SB)/8, $0x8008800880088008
DATA rkzShuf<>+16(SB)/8, $0x8008800880088008
DATA rkzShuf<>+24(SB)/8, $0x8008800880088008
DATA rkzShuf<>+32(SB)/8, $0x800a800a800a800a
DATA rkzShuf<>+40(SB)/8, $0x800a800a800a800a
DATA rkzShuf<>+48(SB)/8, $0x800a800a800a800a
DATA rkzShuf<>+56(SB)/8, $0x800a800a800a800a
DATA rkzShuf<>+64(SB)/8, $0x8009800980098009
DATA rkzShuf<>+72(SB)/8, $0x8009800980098009
DATA rkzShuf<>+80(SB)/8, $0x8009800980098009
DATA rkzShuf<>+88(SB)/8, $0x8009800980098009
DATA rkzShuf<>+96(SB)/8, $0x800b800b800b800b
DATA rkzShuf<>+104(SB)/8, $0x800b800b800b800b
DATA rkzShuf<>+112(SB)/8, $0x800b800b800b800b
DATA rkzShuf<>+120(SB)/8, $0x800b800b800b800b
DATA rkzShuf<>+128(SB)/8, $0x800c800c800c800c
DATA rkzShuf<>+136(SB)/8, $0x800c800c800c800c
DATA rkzShuf<>+144(SB)/8, $0x800c800c800c800c
DATA rkzShuf<>+152(SB)/8, $0x800c800c800c800c
DATA rkzShuf<>+160(SB)/8, $0x800e800e800e800e
DATA rkzShuf<>+168(SB)/8, $0x800e800e800e800e
DATA rkzShuf<>+176(SB)/8, $0x800e800e800e800e
DATA rkzShuf<>+184(SB)/8, $0x800e800e800e800e
DATA rkzShuf<>+192(SB)/8, $0x800d800d800d800d
DATA rkzShuf<>+200(SB)/8, $0x800d800d800d800d
DATA rkzShuf<>+208(SB)/8, $0x800d800d800d800d
DATA rkzShuf<>+216(SB)/8, $0x800d800d800d800d
DATA rkzShuf<>+224(SB)/8, $0x800f800f800f800f
DATA rkzShuf<>+232(SB)/8, $0x800f800f800f800f
DATA rkzShuf<>+240(SB)/8, $0x800f800f800f800f
DATA rkzShuf<>+248(SB)/8, $0x800f800f800f800f
GLOBL rkzShuf<>(SB), RODATA|NOPTR, $256

// RKZ_CONSTS: the masks above in Z16-Z19, RK_UNPACK's constants in every
// 128-bit lane of Z24-Z28, 0x0f bytes in Z15.
#define RKZ_CONSTS \
	VMOVDQU64 rkzShuf<>+0(SB), Z16; \
	VMOVDQU64 rkzShuf<>+64(SB), Z17; \
	VMOVDQU64 rkzShuf<>+128(SB), Z18; \
	VMOVDQU64 rkzShuf<>+192(SB), Z19; \
	VBROADCASTI32X4 rkUnpB<>(SB), Z24; \
	VBROADCASTI32X4 rkUnpShift<>(SB), Z25; \
	VBROADCASTI32X4 rkUnpMask<>(SB), Z26; \
	VBROADCASTI32X4 rkUnpC<>(SB), Z27; \
	VBROADCASTI32X4 rkUnp30<>(SB), Z28; \
	MOVL $0x0f0f0f0f, R11; \
	VPBROADCASTD R11, Z15

// RKZ_UNPACK is RKV_UNPACK with the scale bytes in all four lanes of Z12.
#define RKZ_UNPACK(P, M) \
	VBROADCASTI32X4 4(P), Z0; \
	VPSHUFB Z24, Z0, Z1; \
	VPSRLVD Z25, Z1, Z1; \
	VPANDD Z26, Z1, Z1; \
	VPSHUFB Z27, Z0, Z2; \
	VPSRLD $2, Z2, Z2; \
	VPANDD Z28, Z2, Z2; \
	VPORD Z2, Z1, Z12; \
	VPMOVZXBW X12, M

// RKZ_HALF does the 128 elements at qo(P) against the prepared quants at
// ao(DI) and ao+64(DI): low nibbles into Z8, high into Z10 by F.
#define RKZ_HALF(P, qo, ao, ML, MH, F) \
	VMOVDQU64 qo(P), Z0; \
	VPSRLW $4, Z0, Z1; \
	VPANDD Z15, Z0, Z0; \
	VPANDD Z15, Z1, Z1; \
	VPSHUFB ML, Z12, Z2; \
	VPSHUFB MH, Z12, Z3; \
	VPMADDUBSW ao(DI), Z0, Z0; \
	VPMADDUBSW ao+64(DI), Z1, Z1; \
	F Z2, Z0, Z8; \
	F Z3, Z1, Z10

// RKZ_ROW is RK_ROW_VNNI's C for the block at P against the prepared block at
// DI (pairs at 256).
#define RKZ_ROW(P, C) \
	RKZ_UNPACK(P, X9); \
	VPMADDWD 256(DI), X9, X9; \
	RKZ_HALF(P, 16, 0, Z16, Z17, VPMADDWD); \
	RKZ_HALF(P, 80, 128, Z18, Z19, VPDPWSSD); \
	VPADDD Z10, Z8, Z8; \
	VEXTRACTI64X4 $1, Z8, Y10; \
	VPADDD Y10, Y8, Y8; \
	RK_C(Y8, Y9, C)

// func q4KGemv1VNNI(w *byte, rs int, pre *byte, nb int, out *float32, rows int)
//
// Row at SI (R8 the row base), prepared activation at DI, CX blocks left,
// R9 rows left, outputs at R10. Needs the avx512vnni level.
TEXT ·q4KGemv1VNNI(SB), NOSPLIT, $0-48
	RKZ_CONSTS
	MOVQ w+0(FP), R8
	MOVQ out+32(FP), R10
	MOVQ rows+40(FP), R9
rk1_row:
	MOVQ R8, SI
	MOVQ pre+16(FP), DI
	MOVQ nb+24(FP), CX
	VXORPS X13, X13, X13
rk1_block:
	PREFETCHT0 8192(SI)
	PREFETCHT0 8256(SI)
	PREFETCHT0 8320(SI)
	RKZ_ROW(SI, Y4)
	VEXTRACTI128 $1, Y4, X5
	VPADDD X5, X4, X4
	VPSHUFD $0xb1, X4, X5
	VPADDD X5, X4, X4
	VCVTDQ2PS X4, X4
	VPMOVZXWD (SI), X0
	VCVTPH2PS X0, X0
	VMULPS.BCST 272(DI), X0, X0
	VFMADD231PS X4, X0, X13
	ADDQ $144, SI
	ADDQ $320, DI
	DECQ CX
	JNZ rk1_block
	VMOVHLPS X13, X13, X1
	VSUBSS X1, X13, X1
	VMOVSS X1, (R10)
	ADDQ $4, R10
	ADDQ rs+8(FP), R8
	DECQ R9
	JNZ rk1_row
	VZEROUPPER
	RET
