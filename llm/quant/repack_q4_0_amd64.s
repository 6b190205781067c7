//go:build !noasm

#include "textflag.h"

// Q4_0 weights x Q8_0 activations in llama.cpp's repacked float order (see
// repack_q4_0_amd64.go): per output one float lane, per block
// acc = fma(float(isum), d_w*d_a, acc) with isum exact.
//
// Weight block (18 bytes): d half at 0, nibbles at 2..17 (byte j: element j
// low, element j+16 high). Activation block (34 bytes): d half at 0, 32 int8
// at 2..33. q4_0Pre (8 bytes): d_a float32 at 0, 8*Σy int32 at 4.
//
// Tuned on Zen 4, where these loops are bound by instruction count and
// the two shuffle pipes: lanes are folded by unpack and add (phadd
// measured slower) and the d_w halves gathered through general registers
// (vector word inserts, unpacks of 16-byte loads and VPGATHERDD all
// measured slower).

// The gemv kernels run groups of eight weight rows: R13 the group's first
// row, SI its row 0 and R8 its row 4 at the current block (rows 1-3 and
// 5-7 at +BX, +2*BX, +DX: BX rs, DX 3*rs), DI the activation block, R11
// its q4_0Pre, R10 the prefetch pointer, CX block pairs left, R14 groups
// left, R12 out; Y10 the eight float accumulators (lane i: row i); Y14
// bytes 0x0f, Y13 bytes 0x08. Per block, the activation's elements 0-15 are
// in both halves of Y12 and 16-31 in both halves of Y11; rows r and r+4
// share a register (r low half, r+4 high half), the four pairs give four
// int32 lanes per row, folded by unpack-and-add into one lane per row
// (rows 0-7), converted and FMAed with d_w*d_a.
//
// The fast kernels multiply the nibbles unsigned (q in 0..15, so
// VPMADDUBSW cannot saturate) and subtract 8*Σy; they are exact for y in
// -127..127, all the quantizer makes. The sign kernels compute the
// oracle's |x| * sign(y, x), x = q-8, for activations holding a -128.

// GV_PAIR (AVX2): rows at MA (low half) and MB (high half): R = 4 int32
// lanes per row of Σ q*y. T scratch, Y15 int16 ones.
#define GV_PAIR(MA, MB, R, XR, T) \
	VMOVDQU MA, XR; \
	VINSERTI128 $1, MB, R, R; \
	VPSRLW $4, R, T; \
	VPAND Y14, R, R; \
	VPAND Y14, T, T; \
	VPMADDUBSW Y12, R, R; \
	VPMADDUBSW Y11, T, T; \
	VPADDW T, R, R; \
	VPMADDWD Y15, R, R

// GV_PAIR_SIGN (AVX2): R = 4 int32 lanes per row of |x| * sign(y, x).
// T scratch, Y8 scratch.
#define GV_PAIR_SIGN(MA, MB, R, XR, T) \
	VMOVDQU MA, XR; \
	VINSERTI128 $1, MB, R, R; \
	VPSRLW $4, R, T; \
	VPAND Y14, R, R; \
	VPAND Y14, T, T; \
	VPSUBB Y13, R, R; \
	VPSUBB Y13, T, T; \
	VPSIGNB R, Y12, Y8; \
	VPABSB R, R; \
	VPMADDUBSW Y8, R, R; \
	VPSIGNB T, Y11, Y8; \
	VPABSB T, T; \
	VPMADDUBSW Y8, T, T; \
	VPADDW T, R, R; \
	VPMADDWD Y15, R, R

// GVN_PAIR (AVX512VNNI on 256-bit registers, GFNI): U = 4 int32 lanes per
// row of Σ q*y by VPDPBUSD; the high nibbles by VGF2P8AFFINEQB with the
// matrix in Y9 (bits 4-7 to 0-3), the low ones by VPAND. T scratch.
#define GVN_PAIR(MA, MB, R, XR, T, U) \
	VMOVDQU MA, XR; \
	VINSERTI128 $1, MB, R, R; \
	VGF2P8AFFINEQB $0, Y9, R, T; \
	VPAND Y14, R, R; \
	VPXORD U, U, U; \
	VPDPBUSD Y12, R, U; \
	VPDPBUSD Y11, T, U

// GVN_PAIR_SIGN: U = 4 int32 lanes per row of |x| * sign(y, x). T, Y8
// scratch.
#define GVN_PAIR_SIGN(MA, MB, R, XR, T, U) \
	VMOVDQU MA, XR; \
	VINSERTI128 $1, MB, R, R; \
	VGF2P8AFFINEQB $0, Y9, R, T; \
	VPAND Y14, R, R; \
	VPSUBB Y13, R, R; \
	VPSUBB Y13, T, T; \
	VPXORD U, U, U; \
	VPSIGNB R, Y12, Y8; \
	VPABSB R, R; \
	VPDPBUSD Y8, R, U; \
	VPSIGNB T, Y11, Y8; \
	VPABSB T, T; \
	VPDPBUSD Y8, T, U

// GV_Y loads the activation block at ao(DI).
#define GV_Y(ao) \
	VBROADCASTI128 ao+2(DI), Y12; \
	VBROADCASTI128 ao+18(DI), Y11

// GV_PAIRS and friends run the four pairs of the weight block at wo.
#define GV_PAIRS(wo) \
	GV_PAIR(wo+2(SI), wo+2(R8), Y0, X0, Y4); \
	GV_PAIR(wo+2(SI)(BX*1), wo+2(R8)(BX*1), Y1, X1, Y5); \
	GV_PAIR(wo+2(SI)(BX*2), wo+2(R8)(BX*2), Y2, X2, Y6); \
	GV_PAIR(wo+2(SI)(DX*1), wo+2(R8)(DX*1), Y3, X3, Y7)

#define GV_PAIRS_SIGN(wo) \
	GV_PAIR_SIGN(wo+2(SI), wo+2(R8), Y0, X0, Y4); \
	GV_PAIR_SIGN(wo+2(SI)(BX*1), wo+2(R8)(BX*1), Y1, X1, Y5); \
	GV_PAIR_SIGN(wo+2(SI)(BX*2), wo+2(R8)(BX*2), Y2, X2, Y6); \
	GV_PAIR_SIGN(wo+2(SI)(DX*1), wo+2(R8)(DX*1), Y3, X3, Y7)

#define GVN_PAIRS(wo) \
	GVN_PAIR(wo+2(SI), wo+2(R8), Y0, X0, Y4, Y16); \
	GVN_PAIR(wo+2(SI)(BX*1), wo+2(R8)(BX*1), Y1, X1, Y5, Y17); \
	GVN_PAIR(wo+2(SI)(BX*2), wo+2(R8)(BX*2), Y2, X2, Y6, Y18); \
	GVN_PAIR(wo+2(SI)(DX*1), wo+2(R8)(DX*1), Y3, X3, Y7, Y19)

#define GVN_PAIRS_SIGN(wo) \
	GVN_PAIR_SIGN(wo+2(SI), wo+2(R8), Y0, X0, Y4, Y16); \
	GVN_PAIR_SIGN(wo+2(SI)(BX*1), wo+2(R8)(BX*1), Y1, X1, Y5, Y17); \
	GVN_PAIR_SIGN(wo+2(SI)(BX*2), wo+2(R8)(BX*2), Y2, X2, Y6, Y18); \
	GVN_PAIR_SIGN(wo+2(SI)(DX*1), wo+2(R8)(DX*1), Y3, X3, Y7, Y19)

// GV_TREE4 folds pairs A (rows 0|4), B (1|5), C (2|6), D (3|7) of four
// int32 lanes per row into A = rows 0-7; T scratch.
#define GV_TREE4(A, B, C, D, T) \
	VPUNPCKLDQ B, A, T; \
	VPUNPCKHDQ B, A, A; \
	VPADDD T, A, A; \
	VPUNPCKLDQ D, C, T; \
	VPUNPCKHDQ D, C, C; \
	VPADDD T, C, C; \
	VPUNPCKLQDQ C, A, T; \
	VPUNPCKHQDQ C, A, A; \
	VPADDD T, A, A

// GV_ISUM: the eight isums as floats in Y0 (8*Σy of the block at po
// subtracted); GVN_ISUM the same from the VNNI sums.
#define GV_ISUM(po) \
	GV_TREE4(Y0, Y1, Y2, Y3, Y6); \
	VPBROADCASTD po+4(R11), Y1; \
	VPSUBD Y1, Y0, Y0; \
	VCVTDQ2PS Y0, Y0

#define GV_ISUM_SIGN(po) \
	GV_TREE4(Y0, Y1, Y2, Y3, Y6); \
	VCVTDQ2PS Y0, Y0

#define GVN_ISUM(po) \
	GV_TREE4(Y16, Y17, Y18, Y19, Y20); \
	VPSUBD.BCST po+4(R11), Y16, Y0; \
	VCVTDQ2PS Y0, Y0

#define GVN_ISUM_SIGN(po) \
	GV_TREE4(Y16, Y17, Y18, Y19, Y20); \
	VCVTDQ2PS Y16, Y0

// GV_HALVES gathers eight halves at wo from rows P, P+BX, P+2*BX, P+DX,
// Q, Q+BX, Q+2*BX, Q+DX into X5 through AX and R9 (integer ports, idle
// here).
#define GV_HALVES(wo, P, Q) \
	MOVWQZX wo(P)(DX*1), AX; \
	SHLQ $16, AX; \
	MOVW wo(P)(BX*2), AX; \
	SHLQ $16, AX; \
	MOVW wo(P)(BX*1), AX; \
	SHLQ $16, AX; \
	MOVW wo(P), AX; \
	MOVWQZX wo(Q)(DX*1), R9; \
	SHLQ $16, R9; \
	MOVW wo(Q)(BX*2), R9; \
	SHLQ $16, R9; \
	MOVW wo(Q)(BX*1), R9; \
	SHLQ $16, R9; \
	MOVW wo(Q), R9; \
	VMOVQ AX, X5; \
	VPINSRQ $1, R9, X5, X5

// GV_FMA: acc += isum (Y0) * d_w*d_a for the block at wo, po (the product
// of two halves is exact in float32).
#define GV_FMA(wo, po) \
	GV_HALVES(wo, SI, R8); \
	VCVTPH2PS X5, Y5; \
	VBROADCASTSS po(R11), Y6; \
	VMULPS Y6, Y5, Y5; \
	VFMADD231PS Y0, Y5, Y10

#define GVN_FMA(wo, po) \
	GV_HALVES(wo, SI, R8); \
	VCVTPH2PS X5, Y5; \
	VMULPS.BCST po(R11), Y5, Y5; \
	VFMADD231PS Y0, Y5, Y10

// GV_PREFETCH fetches the next group's rows into L2 two blocks ahead of
// use (R10 walks them at 288 bytes per block pair, the group's bytes when
// the rows are contiguous): each group's rows are short streams that the
// hardware prefetcher starts late (1.4-2x slower from memory without).
#define GV_PREFETCH \
	PREFETCHT1 (R10); \
	PREFETCHT1 64(R10); \
	PREFETCHT1 128(R10); \
	PREFETCHT1 192(R10); \
	PREFETCHT1 256(R10); \
	ADDQ $288, R10

// GV_PREFETCH_ROWS is GV_PREFETCH for Intel (gemvRowPF): the next
// group's eight rows one by one at the offset being read here (R10 row
// 8 of the group, stepping 36 bytes a block pair like SI; R9 scratch),
// eight streams that run a group ahead of the demand loads.
#define GV_PREFETCH_ROWS \
	PREFETCHT1 (R10); \
	PREFETCHT1 (R10)(BX*1); \
	PREFETCHT1 (R10)(BX*2); \
	PREFETCHT1 (R10)(DX*1); \
	LEAQ (R10)(BX*4), R9; \
	PREFETCHT1 (R9); \
	PREFETCHT1 (R9)(BX*1); \
	PREFETCHT1 (R9)(BX*2); \
	PREFETCHT1 (R9)(DX*1); \
	ADDQ $36, R10

// GV_CONSTS loads the arguments kept in registers and the constants (Y15
// int16 ones for the AVX2 kernels, Y9 the GFNI matrix for the VNNI ones).
#define GV_CONSTS \
	MOVQ w+0(FP), R13; \
	MOVQ rs+8(FP), BX; \
	LEAQ (BX)(BX*2), DX; \
	MOVQ groups+40(FP), R14; \
	MOVQ out+48(FP), R12; \
	MOVL $0x0f0f0f0f, AX; \
	VMOVD AX, X14; \
	VPBROADCASTD X14, Y14; \
	MOVL $0x08080808, AX; \
	VMOVD AX, X13; \
	VPBROADCASTD X13, Y13; \
	MOVL $0x00010001, AX; \
	VMOVD AX, X15; \
	VPBROADCASTD X15, Y15; \
	MOVQ $0x1020408000000000, AX; \
	VMOVQ AX, X9; \
	VPBROADCASTQ X9, Y9

// GV_GROUP starts a group: pointers, accumulators, CX = nb/2 (flags set
// by the shift).
#define GV_GROUP \
	MOVQ R13, SI; \
	LEAQ (SI)(BX*4), R8; \
	LEAQ (SI)(BX*8), R10; \
	MOVQ a+16(FP), DI; \
	MOVQ pre+24(FP), R11; \
	VXORPS Y10, Y10, Y10; \
	MOVQ nb+32(FP), CX; \
	SHRQ $1, CX

#define GV_NEXT_PAIR \
	ADDQ $36, SI; \
	ADDQ $36, R8; \
	ADDQ $68, DI; \
	ADDQ $16, R11

// GV_ODD is ZF clear when nb is odd.
#define GV_ODD \
	MOVQ nb+32(FP), AX; \
	TESTQ $1, AX

#define GV_STORE \
	VMOVUPS Y10, (R12); \
	ADDQ $32, R12; \
	LEAQ (R13)(BX*8), R13

// GK_X decodes the weight block at SI into x = q-8 (Y0, element order)
// and |x| (Y1); Y14 bytes 0x0f, Y13 bytes 0x08.
#define GK_X \
	VMOVDQU 2(SI), X0; \
	VPSRLW $4, X0, X1; \
	VINSERTI128 $1, X1, Y0, Y0; \
	VPAND Y14, Y0, Y0; \
	VPSUBB Y13, Y0, Y0; \
	VPABSB Y0, Y1

// GK_ROW: the weight block against the activation block at M: R = 16
// int16 lanes of |x| * sign(y, x).
#define GK_ROW(M, R) \
	VMOVDQU M, R; \
	VPSIGNB Y0, R, R; \
	VPMADDUBSW R, Y1, R

// GKN_ROW: the same as 8 int32 lanes in U by VPDPBUSD.
#define GKN_ROW(M, R, U) \
	VMOVDQU M, R; \
	VPSIGNB Y0, R, R; \
	VPXORD U, U, U; \
	VPDPBUSD R, Y1, U

#define GK_CONSTS \
	MOVL $0x0f0f0f0f, AX; \
	VMOVD AX, X14; \
	VPBROADCASTD X14, Y14; \
	MOVL $0x08080808, AX; \
	VMOVD AX, X13; \
	VPBROADCASTD X13, Y13

// func q4_0RepackPrep(a *byte, nb int, pre *q4_0Pre) (slow int)
//
// slow is nonzero when a block holds a -128. Registers: DI activations,
// CX blocks left, R11 pre, BX slow; Y15 int16 ones, Y13 bytes 0x08, Y12
// bytes 0x80.
TEXT ·q4_0RepackPrep(SB), NOSPLIT, $0-32
	MOVQ a+0(FP), DI
	MOVQ nb+8(FP), CX
	MOVQ pre+16(FP), R11
	XORQ BX, BX
	MOVL $0x00010001, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	MOVL $0x08080808, AX
	VMOVD AX, X13
	VPBROADCASTD X13, Y13
	MOVL $0x80808080, AX
	VMOVD AX, X12
	VPBROADCASTD X12, Y12
	TESTQ CX, CX
	JEQ prep_done

prep_loop:
	VMOVDQU 2(DI), Y0
	VPMADDUBSW Y0, Y13, Y1     // 8*(y[2i]+y[2i+1])
	VPMADDWD Y15, Y1, Y1       // 8 int32
	VEXTRACTI128 $1, Y1, X2
	VPADDD X2, X1, X1
	VPSHUFD $0x4e, X1, X2
	VPADDD X2, X1, X1
	VPSHUFD $0xb1, X1, X2
	VPADDD X2, X1, X1
	VMOVD X1, 4(R11)           // 8*Σy
	VPCMPEQB Y12, Y0, Y2
	VPMOVMSKB Y2, R9           // bytes equal to -128
	ORL R9, BX
	MOVWLZX (DI), AX
	VMOVD AX, X3
	VCVTPH2PS X3, X3
	VMOVSS X3, 0(R11)
	ADDQ $34, DI
	ADDQ $8, R11
	DECQ CX
	JNZ prep_loop

prep_done:
	MOVQ BX, slow+24(FP)
	VZEROUPPER
	RET

// func q4_0GemvAVX2(w *byte, rs int, a *byte, pre *q4_0Pre, nb, groups int, out *float32)
//
// Out[8g+i] for groups of eight rows, activations without -128.
TEXT ·q4_0GemvAVX2(SB), NOSPLIT, $0-56
	GV_CONSTS

gva_group:
	GV_GROUP
	JEQ gva_odd

gva_loop:
	GV_PREFETCH
	GV_Y(0)
	GV_PAIRS(0)
	GV_ISUM(0)
	GV_FMA(0, 0)
	GV_Y(34)
	GV_PAIRS(18)
	GV_ISUM(8)
	GV_FMA(18, 8)
	GV_NEXT_PAIR
	DECQ CX
	JNZ gva_loop

gva_odd:
	GV_ODD
	JEQ gva_store
	GV_Y(0)
	GV_PAIRS(0)
	GV_ISUM(0)
	GV_FMA(0, 0)

gva_store:
	GV_STORE
	DECQ R14
	JNZ gva_group
	VZEROUPPER
	RET

// func q4_0GemvSignAVX2(w *byte, rs int, a *byte, pre *q4_0Pre, nb, groups int, out *float32)
//
// Any activations: the sign products in every block.
TEXT ·q4_0GemvSignAVX2(SB), NOSPLIT, $0-56
	GV_CONSTS

gsa_group:
	GV_GROUP
	JEQ gsa_odd

gsa_loop:
	GV_PREFETCH
	GV_Y(0)
	GV_PAIRS_SIGN(0)
	GV_ISUM_SIGN(0)
	GV_FMA(0, 0)
	GV_Y(34)
	GV_PAIRS_SIGN(18)
	GV_ISUM_SIGN(8)
	GV_FMA(18, 8)
	GV_NEXT_PAIR
	DECQ CX
	JNZ gsa_loop

gsa_odd:
	GV_ODD
	JEQ gsa_store
	GV_Y(0)
	GV_PAIRS_SIGN(0)
	GV_ISUM_SIGN(0)
	GV_FMA(0, 0)

gsa_store:
	GV_STORE
	DECQ R14
	JNZ gsa_group
	VZEROUPPER
	RET

// func q4_0GemvVNNI(w *byte, rs int, a *byte, pre *q4_0Pre, nb, groups int, out *float32)
//
// q4_0GemvAVX2 with VPDPBUSD and GFNI (AVX512VNNI, AVX512VL, GFNI); the
// pairs' sums in Y16-Y19.
TEXT ·q4_0GemvVNNI(SB), NOSPLIT, $0-56
	GV_CONSTS

gvn_group:
	GV_GROUP
	JEQ gvn_odd

gvn_loop:
	GV_PREFETCH
	GV_Y(0)
	GVN_PAIRS(0)
	GVN_ISUM(0)
	GVN_FMA(0, 0)
	GV_Y(34)
	GVN_PAIRS(18)
	GVN_ISUM(8)
	GVN_FMA(18, 8)
	GV_NEXT_PAIR
	DECQ CX
	JNZ gvn_loop

gvn_odd:
	GV_ODD
	JEQ gvn_store
	GV_Y(0)
	GVN_PAIRS(0)
	GVN_ISUM(0)
	GVN_FMA(0, 0)

gvn_store:
	GV_STORE
	DECQ R14
	JNZ gvn_group
	VZEROUPPER
	RET

// func q4_0GemvSignVNNI(w *byte, rs int, a *byte, pre *q4_0Pre, nb, groups int, out *float32)
TEXT ·q4_0GemvSignVNNI(SB), NOSPLIT, $0-56
	GV_CONSTS

gsn_group:
	GV_GROUP
	JEQ gsn_odd

gsn_loop:
	GV_PREFETCH
	GV_Y(0)
	GVN_PAIRS_SIGN(0)
	GVN_ISUM_SIGN(0)
	GVN_FMA(0, 0)
	GV_Y(34)
	GVN_PAIRS_SIGN(18)
	GVN_ISUM_SIGN(8)
	GVN_FMA(18, 8)
	GV_NEXT_PAIR
	DECQ CX
	JNZ gsn_loop

gsn_odd:
	GV_ODD
	JEQ gsn_store
	GV_Y(0)
	GVN_PAIRS_SIGN(0)
	GVN_ISUM_SIGN(0)
	GVN_FMA(0, 0)

gsn_store:
	GV_STORE
	DECQ R14
	JNZ gsn_group
	VZEROUPPER
	RET

// func q4_0GemvRowPFVNNI(w *byte, rs int, a *byte, pre *q4_0Pre, nb, groups int, out *float32)
//
// q4_0GemvVNNI with GV_PREFETCH_ROWS.
TEXT ·q4_0GemvRowPFVNNI(SB), NOSPLIT, $0-56
	GV_CONSTS

gvr_group:
	GV_GROUP
	JEQ gvr_odd

gvr_loop:
	GV_PREFETCH_ROWS
	GV_Y(0)
	GVN_PAIRS(0)
	GVN_ISUM(0)
	GVN_FMA(0, 0)
	GV_Y(34)
	GVN_PAIRS(18)
	GVN_ISUM(8)
	GVN_FMA(18, 8)
	GV_NEXT_PAIR
	DECQ CX
	JNZ gvr_loop

gvr_odd:
	GV_ODD
	JEQ gvr_store
	GV_Y(0)
	GVN_PAIRS(0)
	GVN_ISUM(0)
	GVN_FMA(0, 0)

gvr_store:
	GV_STORE
	DECQ R14
	JNZ gvr_group
	VZEROUPPER
	RET

// func q4_0GemvSignRowPFVNNI(w *byte, rs int, a *byte, pre *q4_0Pre, nb, groups int, out *float32)
TEXT ·q4_0GemvSignRowPFVNNI(SB), NOSPLIT, $0-56
	GV_CONSTS

gsr_group:
	GV_GROUP
	JEQ gsr_odd

gsr_loop:
	GV_PREFETCH_ROWS
	GV_Y(0)
	GVN_PAIRS_SIGN(0)
	GVN_ISUM_SIGN(0)
	GVN_FMA(0, 0)
	GV_Y(34)
	GVN_PAIRS_SIGN(18)
	GVN_ISUM_SIGN(8)
	GVN_FMA(18, 8)
	GV_NEXT_PAIR
	DECQ CX
	JNZ gsr_loop

gsr_odd:
	GV_ODD
	JEQ gsr_store
	GV_Y(0)
	GVN_PAIRS_SIGN(0)
	GVN_ISUM_SIGN(0)
	GVN_FMA(0, 0)

gsr_store:
	GV_STORE
	DECQ R14
	JNZ gsr_group
	VZEROUPPER
	RET

// func q4_0Dot4RepAVX2(w, a0, a1, a2, a3 *byte, nb int, out *[4]float32)
//
// One weight row against four activation rows with the sign products.
// Registers: SI weights, DI R8 R9 R10 the four activation rows, CX blocks
// left; X3 the four accumulators. Each row's 32 products |x|*sign(y, x)
// are in -1024..1016, so the wrapping int16 folding is exact.
TEXT ·q4_0Dot4RepAVX2(SB), NOSPLIT, $0-56
	MOVQ w+0(FP), SI
	MOVQ a0+8(FP), DI
	MOVQ a1+16(FP), R8
	MOVQ a2+24(FP), R9
	MOVQ a3+32(FP), R10
	MOVQ nb+40(FP), CX
	GK_CONSTS
	VXORPS X3, X3, X3
	TESTQ CX, CX
	JEQ gk4_done

gk4_loop:
	GK_X
	GK_ROW(2(DI), Y4)
	GK_ROW(2(R8), Y5)
	GK_ROW(2(R9), Y6)
	GK_ROW(2(R10), Y7)
	VPHADDW Y5, Y4, Y4         // rows 0,1: 4 lanes each per half
	VPHADDW Y7, Y6, Y6         // rows 2,3
	VPHADDW Y6, Y4, Y4         // rows 0-3: 2 lanes each per half
	VEXTRACTI128 $1, Y4, X5
	VPADDW X5, X4, X4
	VPHADDW X4, X4, X4         // rows 0-3 (twice)
	VPMOVSXWD X4, X4
	VCVTDQ2PS X4, X4
	MOVWQZX (R10), AX          // d_a of the four rows
	SHLQ $16, AX
	MOVW (R9), AX
	SHLQ $16, AX
	MOVW (R8), AX
	SHLQ $16, AX
	MOVW (DI), AX
	VMOVQ AX, X6
	VCVTPH2PS X6, X6
	VPBROADCASTW (SI), X7      // d_w
	VCVTPH2PS X7, X7
	VMULPS X7, X6, X6
	VFMADD231PS X4, X6, X3
	ADDQ $18, SI
	ADDQ $34, DI
	ADDQ $34, R8
	ADDQ $34, R9
	ADDQ $34, R10
	DECQ CX
	JNZ gk4_loop

gk4_done:
	MOVQ out+48(FP), AX
	VMOVUPS X3, (AX)
	VZEROUPPER
	RET

// func q4_0Dot8RepAVX2(w, a *byte, stride, nb int, out *[8]float32)
//
// One weight row against eight activation rows stride bytes apart, the
// sign products as in q4_0Dot4RepAVX2, folded in int16 by unpack-and-add.
// Registers: SI weights, DI rows 0-3 and R8 rows 4-7 (BX stride, DX
// 3*stride), CX blocks left; Y3 the eight accumulators.
TEXT ·q4_0Dot8RepAVX2(SB), NOSPLIT, $0-40
	MOVQ w+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ stride+16(FP), BX
	LEAQ (BX)(BX*2), DX
	LEAQ (DI)(BX*4), R8
	MOVQ nb+24(FP), CX
	GK_CONSTS
	VXORPS Y3, Y3, Y3
	TESTQ CX, CX
	JEQ gk8_done

gk8_loop:
	GK_X
	GK_ROW(2(DI), Y4)
	GK_ROW(2(DI)(BX*1), Y5)
	GK_ROW(2(DI)(BX*2), Y6)
	GK_ROW(2(DI)(DX*1), Y7)
	GK_ROW(2(R8), Y8)
	GK_ROW(2(R8)(BX*1), Y9)
	GK_ROW(2(R8)(BX*2), Y10)
	GK_ROW(2(R8)(DX*1), Y11)
	VPUNPCKLWD Y5, Y4, Y12
	VPUNPCKHWD Y5, Y4, Y4
	VPADDW Y12, Y4, Y4
	VPUNPCKLWD Y7, Y6, Y12
	VPUNPCKHWD Y7, Y6, Y6
	VPADDW Y12, Y6, Y6
	VPUNPCKLWD Y9, Y8, Y12
	VPUNPCKHWD Y9, Y8, Y8
	VPADDW Y12, Y8, Y8
	VPUNPCKLWD Y11, Y10, Y12
	VPUNPCKHWD Y11, Y10, Y10
	VPADDW Y12, Y10, Y10
	VPUNPCKLDQ Y6, Y4, Y12
	VPUNPCKHDQ Y6, Y4, Y4
	VPADDW Y12, Y4, Y4
	VPUNPCKLDQ Y10, Y8, Y12
	VPUNPCKHDQ Y10, Y8, Y8
	VPADDW Y12, Y8, Y8
	VPUNPCKLQDQ Y8, Y4, Y12
	VPUNPCKHQDQ Y8, Y4, Y4
	VPADDW Y12, Y4, Y4
	VEXTRACTI128 $1, Y4, X5
	VPADDW X5, X4, X4
	VPMOVSXWD X4, Y4
	VCVTDQ2PS Y4, Y4
	GV_HALVES(0, DI, R8)       // d_a of the eight rows
	VCVTPH2PS X5, Y5
	VPBROADCASTW (SI), X7      // d_w
	VCVTPH2PS X7, Y7
	VMULPS Y7, Y5, Y5
	VFMADD231PS Y4, Y5, Y3
	ADDQ $18, SI
	ADDQ $34, DI
	ADDQ $34, R8
	DECQ CX
	JNZ gk8_loop

gk8_done:
	MOVQ out+32(FP), AX
	VMOVUPS Y3, (AX)
	VZEROUPPER
	RET

// func q4_0Dot8RepVNNI(w, a *byte, stride, nb int, out *[8]float32)
//
// q4_0Dot8RepAVX2 with VPDPBUSD (AVX512VNNI, AVX512VL) into Y16-Y23, folded
// in int32.
TEXT ·q4_0Dot8RepVNNI(SB), NOSPLIT, $0-40
	MOVQ w+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ stride+16(FP), BX
	LEAQ (BX)(BX*2), DX
	LEAQ (DI)(BX*4), R8
	MOVQ nb+24(FP), CX
	GK_CONSTS
	VXORPS Y3, Y3, Y3
	TESTQ CX, CX
	JEQ gk8n_done

gk8n_loop:
	GK_X
	GKN_ROW(2(DI), Y4, Y16)
	GKN_ROW(2(DI)(BX*1), Y5, Y17)
	GKN_ROW(2(DI)(BX*2), Y6, Y18)
	GKN_ROW(2(DI)(DX*1), Y7, Y19)
	GKN_ROW(2(R8), Y8, Y20)
	GKN_ROW(2(R8)(BX*1), Y9, Y21)
	GKN_ROW(2(R8)(BX*2), Y10, Y22)
	GKN_ROW(2(R8)(DX*1), Y11, Y23)
	VPUNPCKLDQ Y17, Y16, Y24
	VPUNPCKHDQ Y17, Y16, Y16
	VPADDD Y24, Y16, Y16
	VPUNPCKLDQ Y19, Y18, Y24
	VPUNPCKHDQ Y19, Y18, Y18
	VPADDD Y24, Y18, Y18
	VPUNPCKLDQ Y21, Y20, Y24
	VPUNPCKHDQ Y21, Y20, Y20
	VPADDD Y24, Y20, Y20
	VPUNPCKLDQ Y23, Y22, Y24
	VPUNPCKHDQ Y23, Y22, Y22
	VPADDD Y24, Y22, Y22
	VPUNPCKLQDQ Y18, Y16, Y24
	VPUNPCKHQDQ Y18, Y16, Y16
	VPADDD Y24, Y16, Y16
	VPUNPCKLQDQ Y22, Y20, Y24
	VPUNPCKHQDQ Y22, Y20, Y20
	VPADDD Y24, Y20, Y20
	VSHUFI64X2 $0x0, Y20, Y16, Y24
	VSHUFI64X2 $0x3, Y20, Y16, Y16
	VPADDD Y24, Y16, Y4
	VCVTDQ2PS Y4, Y4
	GV_HALVES(0, DI, R8)       // d_a of the eight rows
	VCVTPH2PS X5, Y5
	VPBROADCASTW (SI), X7      // d_w
	VCVTPH2PS X7, Y7
	VMULPS Y7, Y5, Y5
	VFMADD231PS Y4, Y5, Y3
	ADDQ $18, SI
	ADDQ $34, DI
	ADDQ $34, R8
	DECQ CX
	JNZ gk8n_loop

gk8n_done:
	MOVQ out+32(FP), AX
	VMOVUPS Y3, (AX)
	VZEROUPPER
	RET
