//go:build !noasm

#include "textflag.h"

// The Q8_0 tile kernels (tile_q8_0_amd64.go): AVX512F/BW/VL and
// AVX512VNNI, in dotQ8_0Q8_0's float order.
//
// A packed group is 16 weight rows, q8_0TileBlock (576) bytes per block:
// eight 64-byte vectors k = 0..7 whose int32 lane L = 4i+m holds row
// i+4m's quants at block positions 4k..4k+3 plus 128 (x+128 as unsigned
// bytes, for VPDPBUSD), then the 16 rows' d_w as float32 in the same lane
// order.
//
// A prepared activation block (q8_0TilePre, 36 bytes) holds the eight
// int32 -128*(y[4k]+y[4k+1]+y[4k+2]+y[4k+3]) and then d_a as float32, so
// that VPDPBUSD of (x+128) and y starting from it leaves Σ x*y exactly.

// Q8PACK_QUAD loads bytes 0-15 of rows r..r+3 (offsets from SI in the
// int32 table at AX) into the four 128-bit lanes of ZL, bytes 16-31 into
// those of ZH, and shifts their d_w halves into the low words of R12,
// R13, R14, DX.
#define Q8PACK_QUAD(r, XL, ZL, XH, ZH) \
	MOVLQSX (4*r)(AX), R8; \
	MOVLQSX (4*r+4)(AX), R9; \
	MOVLQSX (4*r+8)(AX), R10; \
	MOVLQSX (4*r+12)(AX), R11; \
	VMOVDQU 2(SI)(R8*1), XL; \
	VINSERTI32X4 $1, 2(SI)(R9*1), ZL, ZL; \
	VINSERTI32X4 $2, 2(SI)(R10*1), ZL, ZL; \
	VINSERTI32X4 $3, 2(SI)(R11*1), ZL, ZL; \
	VMOVDQU 18(SI)(R8*1), XH; \
	VINSERTI32X4 $1, 18(SI)(R9*1), ZH, ZH; \
	VINSERTI32X4 $2, 18(SI)(R10*1), ZH, ZH; \
	VINSERTI32X4 $3, 18(SI)(R11*1), ZH, ZH; \
	SHLQ $16, R12; \
	SHLQ $16, R13; \
	SHLQ $16, R14; \
	SHLQ $16, DX; \
	MOVW (SI)(R8*1), R12; \
	MOVW (SI)(R9*1), R13; \
	MOVW (SI)(R10*1), R14; \
	MOVW (SI)(R11*1), DX

// Q8TRANSPOSE transposes the dwords of A, B, C, D in each 128-bit lane
// (A gets dword 0 of A, B, C, D, B dword 1, ...), with T0-T3 scratch.
#define Q8TRANSPOSE(A, B, C, D, T0, T1, T2, T3) \
	VPUNPCKLDQ B, A, T0; \
	VPUNPCKHDQ B, A, T1; \
	VPUNPCKLDQ D, C, T2; \
	VPUNPCKHDQ D, C, T3; \
	VPUNPCKLQDQ T2, T0, A; \
	VPUNPCKHQDQ T2, T0, B; \
	VPUNPCKLQDQ T3, T1, C; \
	VPUNPCKHQDQ T3, T1, D

// func q8_0TilePack(w *byte, off *[16]int32, nb int, dst *byte)
//
// Packs the 16 rows at w+off[r] (r = 0..15) into dst, nb blocks, lane
// L = 4i+m holding row i+4m. Registers: SI the block in row 0's frame, AX
// off, DI dst, CX blocks left; Z30 bytes 0x80.
TEXT ·q8_0TilePack(SB), NOSPLIT, $0-32
	MOVQ w+0(FP), SI
	MOVQ off+8(FP), AX
	MOVQ nb+16(FP), CX
	MOVQ dst+24(FP), DI
	MOVL $0x80808080, BX
	VPBROADCASTD BX, Z30
	TESTQ CX, CX
	JEQ q8pack_done

q8pack_loop:
	Q8PACK_QUAD(12, X3, Z3, X7, Z7)
	Q8PACK_QUAD(8, X2, Z2, X6, Z6)
	Q8PACK_QUAD(4, X1, Z1, X5, Z5)
	Q8PACK_QUAD(0, X0, Z0, X4, Z4)
	VMOVQ R12, X8
	VPINSRQ $1, R13, X8, X8
	VMOVQ R14, X9
	VPINSRQ $1, DX, X9, X9
	VINSERTI128 $1, X9, Y8, Y8
	VCVTPH2PS Y8, Z8
	Q8TRANSPOSE(Z0, Z1, Z2, Z3, Z16, Z17, Z18, Z19)
	Q8TRANSPOSE(Z4, Z5, Z6, Z7, Z20, Z21, Z22, Z23)
	VPXORD Z30, Z0, Z0
	VPXORD Z30, Z1, Z1
	VPXORD Z30, Z2, Z2
	VPXORD Z30, Z3, Z3
	VPXORD Z30, Z4, Z4
	VPXORD Z30, Z5, Z5
	VPXORD Z30, Z6, Z6
	VPXORD Z30, Z7, Z7
	VMOVDQU32 Z0, 0(DI)
	VMOVDQU32 Z1, 64(DI)
	VMOVDQU32 Z2, 128(DI)
	VMOVDQU32 Z3, 192(DI)
	VMOVDQU32 Z4, 256(DI)
	VMOVDQU32 Z5, 320(DI)
	VMOVDQU32 Z6, 384(DI)
	VMOVDQU32 Z7, 448(DI)
	VMOVUPS Z8, 512(DI)
	ADDQ $34, SI
	ADDQ $576, DI
	DECQ CX
	JNZ q8pack_loop

q8pack_done:
	VZEROUPPER
	RET

// func q8_0TilePrep(a *byte, nb int, pre *byte) (slow int)
//
// Writes the q8_0TilePre of each of the nb activation blocks at a to pre
// (36 bytes apart); slow is nonzero when one of them holds a -128.
// Registers: DI activations, CX blocks left, R11 pre, BX slow; Y15 bytes
// 0x01, Y12 bytes 0x80, Y14 zero.
TEXT ·q8_0TilePrep(SB), NOSPLIT, $0-32
	MOVQ a+0(FP), DI
	MOVQ nb+8(FP), CX
	MOVQ pre+16(FP), R11
	XORQ BX, BX
	MOVL $0x01010101, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	MOVL $0x80808080, AX
	VMOVD AX, X12
	VPBROADCASTD X12, Y12
	VPXOR Y14, Y14, Y14
	TESTQ CX, CX
	JEQ q8prep_done

q8prep_loop:
	VMOVDQU 2(DI), Y0
	VPXOR Y1, Y1, Y1
	VPDPBUSD Y0, Y15, Y1       // Σ of four y per int32 lane
	VPSLLD $7, Y1, Y1
	VPSUBD Y1, Y14, Y1         // -128*Σy
	VMOVDQU Y1, 0(R11)
	VPCMPEQB Y12, Y0, Y2
	VPMOVMSKB Y2, R9           // bytes equal to -128
	ORL R9, BX
	MOVWLZX (DI), AX
	VMOVD AX, X3
	VCVTPH2PS X3, X3
	VMOVSS X3, 32(R11)
	ADDQ $34, DI
	ADDQ $36, R11
	DECQ CX
	JNZ q8prep_loop

q8prep_done:
	MOVQ BX, slow+24(FP)
	VZEROUPPER
	RET

// Q8LANE does lane k (weights W) for activation row A (pre P, scale S):
// T = -128*Σy + Σ (x+128)*y = Σ x*y, F += float(T) * S.
#define Q8LANE(k, W, A, P, S, T, F) \
	VPBROADCASTD (4*k)(P), T; \
	VPDPBUSD.BCST (2+4*k)(A), W, T; \
	VCVTDQ2PS T, T; \
	VFMADD231PS S, T, F

// Q8HSUM leaves hsum8 of the accumulators a0..a7 in a0:
// ((a0+a4)+(a2+a6))+((a1+a5)+(a3+a7)).
#define Q8HSUM(a0, a1, a2, a3, a4, a5, a6, a7) \
	VADDPS a4, a0, a0; \
	VADDPS a6, a2, a2; \
	VADDPS a5, a1, a1; \
	VADDPS a7, a3, a3; \
	VADDPS a2, a0, a0; \
	VADDPS a3, a1, a1; \
	VADDPS a1, a0, a0

// q8_0TileLaneRow<> is the row of each lane of a packed group (the
// transpose is its own inverse, so it also puts lane r back to row r).
DATA q8_0TileLaneRow<>+0(SB)/4, $0
DATA q8_0TileLaneRow<>+4(SB)/4, $4
DATA q8_0TileLaneRow<>+8(SB)/4, $8
DATA q8_0TileLaneRow<>+12(SB)/4, $12
DATA q8_0TileLaneRow<>+16(SB)/4, $1
DATA q8_0TileLaneRow<>+20(SB)/4, $5
DATA q8_0TileLaneRow<>+24(SB)/4, $9
DATA q8_0TileLaneRow<>+28(SB)/4, $13
DATA q8_0TileLaneRow<>+32(SB)/4, $2
DATA q8_0TileLaneRow<>+36(SB)/4, $6
DATA q8_0TileLaneRow<>+40(SB)/4, $10
DATA q8_0TileLaneRow<>+44(SB)/4, $14
DATA q8_0TileLaneRow<>+48(SB)/4, $3
DATA q8_0TileLaneRow<>+52(SB)/4, $7
DATA q8_0TileLaneRow<>+56(SB)/4, $11
DATA q8_0TileLaneRow<>+60(SB)/4, $15
GLOBL q8_0TileLaneRow<>(SB), RODATA|NOPTR, $64

// func q8_0TileVNNI(wt *byte, nb int, a0, a1, p0, p1 *byte, o0, o1 *float32, mask int, pf uintptr)
//
// For the packed group at wt (rows r = 0..15) against activation rows a0
// and a1 (no -128 in them), prepared in p0 and p1, over nb > 0 blocks:
// o0[r] and o1[r] for the rows r whose bit is set in mask. When pf is not
// zero it prefetches 576*nb bytes from pf into L2 (the next group).
// Registers: SI the packed block, DI R8 the activation blocks, R9 R10
// their prepared blocks, AX the prefetch pointer, CX blocks left; Z0-Z7
// the block's weights, Z8 its d_w, Z9 Z10 the scales, Z11-Z15 scratch,
// Z16-Z23 and Z24-Z31 the float accumulators of a0 and a1.
TEXT ·q8_0TileVNNI(SB), NOSPLIT, $0-80
	MOVQ wt+0(FP), SI
	MOVQ nb+8(FP), CX
	MOVQ a0+16(FP), DI
	MOVQ a1+24(FP), R8
	MOVQ p0+32(FP), R9
	MOVQ p1+40(FP), R10
	MOVQ pf+72(FP), AX
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	VPXORD Z24, Z24, Z24
	VPXORD Z25, Z25, Z25
	VPXORD Z26, Z26, Z26
	VPXORD Z27, Z27, Z27
	VPXORD Z28, Z28, Z28
	VPXORD Z29, Z29, Z29
	VPXORD Z30, Z30, Z30
	VPXORD Z31, Z31, Z31

q8tile_loop:
	TESTQ AX, AX
	JEQ q8tile_nopf
	PREFETCHT1 (AX)
	PREFETCHT1 64(AX)
	PREFETCHT1 128(AX)
	PREFETCHT1 192(AX)
	PREFETCHT1 256(AX)
	PREFETCHT1 320(AX)
	PREFETCHT1 384(AX)
	PREFETCHT1 448(AX)
	PREFETCHT1 512(AX)
	ADDQ $576, AX

q8tile_nopf:
	VMOVDQU32 0(SI), Z0
	VMOVDQU32 64(SI), Z1
	VMOVDQU32 128(SI), Z2
	VMOVDQU32 192(SI), Z3
	VMOVDQU32 256(SI), Z4
	VMOVDQU32 320(SI), Z5
	VMOVDQU32 384(SI), Z6
	VMOVDQU32 448(SI), Z7
	VMOVUPS 512(SI), Z8
	VMULPS.BCST 32(R9), Z8, Z9
	VMULPS.BCST 32(R10), Z8, Z10
	Q8LANE(0, Z0, DI, R9, Z9, Z11, Z16)
	Q8LANE(0, Z0, R8, R10, Z10, Z12, Z24)
	Q8LANE(1, Z1, DI, R9, Z9, Z13, Z17)
	Q8LANE(1, Z1, R8, R10, Z10, Z14, Z25)
	Q8LANE(2, Z2, DI, R9, Z9, Z15, Z18)
	Q8LANE(2, Z2, R8, R10, Z10, Z11, Z26)
	Q8LANE(3, Z3, DI, R9, Z9, Z12, Z19)
	Q8LANE(3, Z3, R8, R10, Z10, Z13, Z27)
	Q8LANE(4, Z4, DI, R9, Z9, Z14, Z20)
	Q8LANE(4, Z4, R8, R10, Z10, Z15, Z28)
	Q8LANE(5, Z5, DI, R9, Z9, Z11, Z21)
	Q8LANE(5, Z5, R8, R10, Z10, Z12, Z29)
	Q8LANE(6, Z6, DI, R9, Z9, Z13, Z22)
	Q8LANE(6, Z6, R8, R10, Z10, Z14, Z30)
	Q8LANE(7, Z7, DI, R9, Z9, Z15, Z23)
	Q8LANE(7, Z7, R8, R10, Z10, Z11, Z31)
	ADDQ $576, SI
	ADDQ $34, DI
	ADDQ $34, R8
	ADDQ $36, R9
	ADDQ $36, R10
	DECQ CX
	JNZ q8tile_loop

	Q8HSUM(Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23)
	Q8HSUM(Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31)
	MOVQ mask+64(FP), AX
	KMOVW AX, K1
	VMOVDQU32 q8_0TileLaneRow<>(SB), Z0
	VPERMPS Z16, Z0, Z16
	VPERMPS Z24, Z0, Z24
	MOVQ o0+48(FP), AX
	VMOVUPS Z16, K1, (AX)
	MOVQ o1+56(FP), AX
	VMOVUPS Z24, K1, (AX)
	VZEROUPPER
	RET
