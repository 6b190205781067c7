//go:build !noasm

#include "textflag.h"

// The Q4_0 tile kernels (repack_tile_q4_0_amd64.go): AVX512F/BW/VL and
// AVX512VNNI, in llama.cpp's repacked float order (repack.go).
//
// A packed group is 16 weight rows, q4_0TileBlock (576) bytes per block:
// eight 64-byte vectors k = 0..7 whose int32 lane L = 4i+m holds row
// i+4m's four unsigned nibbles (0..15, as bytes) at block positions
// 4k..4k+3 (the low nibbles of bytes 4k..4k+3 for k < 4, the high nibbles
// of bytes 4(k-4)..4(k-4)+3 for k >= 4), then the 16 rows' d_w as float32
// in the same lane order.
//
// A tile q4_0Pre (8 bytes) holds d_a as float32 and -8*Σy of one
// activation block; a chunk of eight activation rows keeps them as
// [block][row] (64 bytes per block).

// PACK_QUAD loads the nibble bytes of rows r, r+1, r+2, r+3 (offsets
// from SI in the int32 table at AX) into the four 128-bit lanes of Z, and
// shifts their d_w halves into the low words of R12, R13, R14, DX.
#define PACK_QUAD(r, X, Z) \
	MOVLQSX (4*r)(AX), R8; \
	MOVLQSX (4*r+4)(AX), R9; \
	MOVLQSX (4*r+8)(AX), R10; \
	MOVLQSX (4*r+12)(AX), R11; \
	VMOVDQU 2(SI)(R8*1), X; \
	VINSERTI32X4 $1, 2(SI)(R9*1), Z, Z; \
	VINSERTI32X4 $2, 2(SI)(R10*1), Z, Z; \
	VINSERTI32X4 $3, 2(SI)(R11*1), Z, Z; \
	SHLQ $16, R12; \
	SHLQ $16, R13; \
	SHLQ $16, R14; \
	SHLQ $16, DX; \
	MOVW (SI)(R8*1), R12; \
	MOVW (SI)(R9*1), R13; \
	MOVW (SI)(R10*1), R14; \
	MOVW (SI)(R11*1), DX

// func q4_0TilePack(w *byte, off *[16]int32, nb int, dst *byte)
//
// Packs the 16 rows at w+off[r] (r = 0..15) into dst, nb blocks, in lane
// order: lane L = 4i+m of a vector holds row i+4m (a 4x4 dword transpose
// in each 128-bit lane of the rows loaded four to a register). Per block
// the nibble dwords k = 0-3 (vector k, its high nibbles vector k+4) and
// d_w, whose halves collect in R12 (lanes 0-3: rows 0, 4, 8, 12), R13, R14
// and DX (the quads loaded last to first, each shifting its rows' halves
// in at the bottom). Registers: SI the block in row 0's frame, AX off, DI
// dst, CX blocks left; Z30 bytes 0x0f.
TEXT ·q4_0TilePack(SB), NOSPLIT, $0-32
	MOVQ w+0(FP), SI
	MOVQ off+8(FP), AX
	MOVQ nb+16(FP), CX
	MOVQ dst+24(FP), DI
	MOVL $0x0f0f0f0f, BX
	VPBROADCASTD BX, Z30
	TESTQ CX, CX
	JEQ pack_done

pack_loop:
	PACK_QUAD(12, X3, Z3)
	PACK_QUAD(8, X2, Z2)
	PACK_QUAD(4, X1, Z1)
	PACK_QUAD(0, X0, Z0)
	VMOVQ R12, X8
	VPINSRQ $1, R13, X8, X8
	VMOVQ R14, X9
	VPINSRQ $1, DX, X9, X9
	VINSERTI128 $1, X9, Y8, Y8
	VCVTPH2PS Y8, Z8
	VPUNPCKLDQ Z1, Z0, Z4      // rows i, i+4: dwords 0, 1
	VPUNPCKHDQ Z1, Z0, Z5      // dwords 2, 3
	VPUNPCKLDQ Z3, Z2, Z6      // rows i+8, i+12
	VPUNPCKHDQ Z3, Z2, Z7
	VPUNPCKLQDQ Z6, Z4, Z0     // dword 0 of rows i, i+4, i+8, i+12
	VPUNPCKHQDQ Z6, Z4, Z1
	VPUNPCKLQDQ Z7, Z5, Z2
	VPUNPCKHQDQ Z7, Z5, Z3
	VPSRLD $4, Z0, Z4
	VPSRLD $4, Z1, Z5
	VPSRLD $4, Z2, Z6
	VPSRLD $4, Z3, Z7
	VPANDD Z30, Z0, Z0
	VPANDD Z30, Z1, Z1
	VPANDD Z30, Z2, Z2
	VPANDD Z30, Z3, Z3
	VPANDD Z30, Z4, Z4
	VPANDD Z30, Z5, Z5
	VPANDD Z30, Z6, Z6
	VPANDD Z30, Z7, Z7
	VMOVDQU32 Z0, 0(DI)
	VMOVDQU32 Z1, 64(DI)
	VMOVDQU32 Z2, 128(DI)
	VMOVDQU32 Z3, 192(DI)
	VMOVDQU32 Z4, 256(DI)
	VMOVDQU32 Z5, 320(DI)
	VMOVDQU32 Z6, 384(DI)
	VMOVDQU32 Z7, 448(DI)
	VMOVUPS Z8, 512(DI)
	ADDQ $18, SI
	ADDQ $576, DI
	DECQ CX
	JNZ pack_loop

pack_done:
	VZEROUPPER
	RET

// func q4_0TilePrep(a *byte, nb int, pre *q4_0Pre, stride int) (slow int)
//
// pre (stride bytes apart per block) gets d_a and -8*Σy of each of the nb
// activation blocks at a; slow is nonzero when one of them holds a -128.
// Registers: DI activations, CX blocks left, R11 pre, DX stride, BX slow;
// Y15 int16 ones, Y13 bytes 0x08, Y12 bytes 0x80.
TEXT ·q4_0TilePrep(SB), NOSPLIT, $0-40
	MOVQ a+0(FP), DI
	MOVQ nb+8(FP), CX
	MOVQ pre+16(FP), R11
	MOVQ stride+24(FP), DX
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
	JEQ tprep_done

tprep_loop:
	VMOVDQU 2(DI), Y0
	VPMADDUBSW Y0, Y13, Y1     // 8*(y[2i]+y[2i+1])
	VPMADDWD Y15, Y1, Y1       // 8 int32
	VEXTRACTI128 $1, Y1, X2
	VPADDD X2, X1, X1
	VPSHUFD $0x4e, X1, X2
	VPADDD X2, X1, X1
	VPSHUFD $0xb1, X1, X2
	VPADDD X2, X1, X1
	VMOVD X1, AX
	NEGL AX
	MOVL AX, 4(R11)            // -8*Σy
	VPCMPEQB Y12, Y0, Y2
	VPMOVMSKB Y2, R9           // bytes equal to -128
	ORL R9, BX
	MOVWLZX (DI), AX
	VMOVD AX, X3
	VCVTPH2PS X3, X3
	VMOVSS X3, 0(R11)
	ADDQ $34, DI
	ADDQ DX, R11
	DECQ CX
	JNZ tprep_loop

tprep_done:
	MOVQ BX, slow+32(FP)
	VZEROUPPER
	RET

// TILE_ACT runs activation row A (its block at A+DX, its q4_0Pre at po(BX))
// against the block's weights in Z0-Z7 and d_w in Z8: I = -8*Σy + Σ q*y
// (lane r: row r), then F += float(I) * (d_w*d_a); T scratch.
#define TILE_ACT(A, po, I, T, F) \
	VPBROADCASTD po+4(BX), I; \
	VPDPBUSD.BCST 2(A)(DX*1), Z0, I; \
	VPDPBUSD.BCST 6(A)(DX*1), Z1, I; \
	VPDPBUSD.BCST 10(A)(DX*1), Z2, I; \
	VPDPBUSD.BCST 14(A)(DX*1), Z3, I; \
	VPDPBUSD.BCST 18(A)(DX*1), Z4, I; \
	VPDPBUSD.BCST 22(A)(DX*1), Z5, I; \
	VPDPBUSD.BCST 26(A)(DX*1), Z6, I; \
	VPDPBUSD.BCST 30(A)(DX*1), Z7, I; \
	VCVTDQ2PS I, I; \
	VMULPS.BCST po(BX), Z8, T; \
	VFMADD231PS I, T, F

// q4_0TileLaneRow<> is the row of each lane of a packed group (the
// transpose is its own inverse, so it also puts lane r back to row r).
DATA q4_0TileLaneRow<>+0(SB)/4, $0
DATA q4_0TileLaneRow<>+4(SB)/4, $4
DATA q4_0TileLaneRow<>+8(SB)/4, $8
DATA q4_0TileLaneRow<>+12(SB)/4, $12
DATA q4_0TileLaneRow<>+16(SB)/4, $1
DATA q4_0TileLaneRow<>+20(SB)/4, $5
DATA q4_0TileLaneRow<>+24(SB)/4, $9
DATA q4_0TileLaneRow<>+28(SB)/4, $13
DATA q4_0TileLaneRow<>+32(SB)/4, $2
DATA q4_0TileLaneRow<>+36(SB)/4, $6
DATA q4_0TileLaneRow<>+40(SB)/4, $10
DATA q4_0TileLaneRow<>+44(SB)/4, $14
DATA q4_0TileLaneRow<>+48(SB)/4, $3
DATA q4_0TileLaneRow<>+52(SB)/4, $7
DATA q4_0TileLaneRow<>+56(SB)/4, $11
DATA q4_0TileLaneRow<>+60(SB)/4, $15
GLOBL q4_0TileLaneRow<>(SB), RODATA|NOPTR, $64

// TILE_STORE puts the accumulator F back in row order and stores its
// lanes in K1 to the output row at o(AX).
#define TILE_STORE(F, o) \
	VPERMPS F, Z27, F; \
	MOVQ o(AX), R8; \
	VMOVUPS F, K1, (R8)

// TILE_PREFETCH fetches five lines at AX into L2 and advances it: the
// next group's weight rows, for q4_0TilePack (its 16 rows are 4.5 lines
// per block, streams too short for the hardware prefetcher).
#define TILE_PREFETCH \
	PREFETCHT1 (AX); \
	PREFETCHT1 64(AX); \
	PREFETCHT1 128(AX); \
	PREFETCHT1 192(AX); \
	PREFETCHT1 256(AX); \
	ADDQ $320, AX

// func q4_0TileVNNI(wt *byte, nb int, a *[8]*byte, pre *q4_0Pre, out *[8]*float32, mask int, pf uintptr)
//
// For the packed group at wt (rows r = 0..15) against the eight activation
// rows a[i] (no -128 in them), prepared in pre, over nb blocks (nb > 0):
// out[i][r] for the rows r whose bit is set in mask, prefetching 320*nb
// bytes from pf. Registers: SI the packed block, BX its q4_0Pre row, DX
// the activation block offset, DI R8-R14 the activation rows, AX the
// prefetch pointer, CX blocks left; Z19-Z26 the float accumulators.
TEXT ·q4_0TileVNNI(SB), NOSPLIT, $0-56
	MOVQ wt+0(FP), SI
	MOVQ nb+8(FP), CX
	MOVQ a+16(FP), AX
	MOVQ 0(AX), DI
	MOVQ 8(AX), R8
	MOVQ 16(AX), R9
	MOVQ 24(AX), R10
	MOVQ 32(AX), R11
	MOVQ 40(AX), R12
	MOVQ 48(AX), R13
	MOVQ 56(AX), R14
	MOVQ pre+24(FP), BX
	MOVQ pf+48(FP), AX
	XORQ DX, DX
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	VPXORD Z24, Z24, Z24
	VPXORD Z25, Z25, Z25
	VPXORD Z26, Z26, Z26

tile_loop:
	VMOVDQU32 0(SI), Z0
	VMOVDQU32 64(SI), Z1
	VMOVDQU32 128(SI), Z2
	VMOVDQU32 192(SI), Z3
	VMOVDQU32 256(SI), Z4
	VMOVDQU32 320(SI), Z5
	VMOVDQU32 384(SI), Z6
	VMOVDQU32 448(SI), Z7
	VMOVUPS 512(SI), Z8
	TILE_ACT(DI, 0, Z9, Z17, Z19)
	TILE_ACT(R8, 8, Z10, Z18, Z20)
	TILE_ACT(R9, 16, Z11, Z17, Z21)
	TILE_ACT(R10, 24, Z12, Z18, Z22)
	TILE_ACT(R11, 32, Z13, Z17, Z23)
	TILE_ACT(R12, 40, Z14, Z18, Z24)
	TILE_ACT(R13, 48, Z15, Z17, Z25)
	TILE_ACT(R14, 56, Z16, Z18, Z26)
	TILE_PREFETCH
	ADDQ $576, SI
	ADDQ $64, BX
	ADDQ $34, DX
	DECQ CX
	JNZ tile_loop

	MOVQ mask+40(FP), AX
	KMOVW AX, K1
	VMOVDQU32 q4_0TileLaneRow<>(SB), Z27
	MOVQ out+32(FP), AX
	TILE_STORE(Z19, 0)
	TILE_STORE(Z20, 8)
	TILE_STORE(Z21, 16)
	TILE_STORE(Z22, 24)
	TILE_STORE(Z23, 32)
	TILE_STORE(Z24, 40)
	TILE_STORE(Z25, 48)
	TILE_STORE(Z26, 56)
	VZEROUPPER
	RET

// func q4_0Tile4VNNI(wt *byte, nb int, a *[4]*byte, pre *q4_0Pre, out *[4]*float32, mask int, pf uintptr)
//
// q4_0TileVNNI for four activation rows (pre still 64 bytes per block, of
// which the first 32 are read), for the last rows of a batch.
TEXT ·q4_0Tile4VNNI(SB), NOSPLIT, $0-56
	MOVQ wt+0(FP), SI
	MOVQ nb+8(FP), CX
	MOVQ a+16(FP), AX
	MOVQ 0(AX), DI
	MOVQ 8(AX), R8
	MOVQ 16(AX), R9
	MOVQ 24(AX), R10
	MOVQ pre+24(FP), BX
	MOVQ pf+48(FP), AX
	XORQ DX, DX
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22

tile4_loop:
	VMOVDQU32 0(SI), Z0
	VMOVDQU32 64(SI), Z1
	VMOVDQU32 128(SI), Z2
	VMOVDQU32 192(SI), Z3
	VMOVDQU32 256(SI), Z4
	VMOVDQU32 320(SI), Z5
	VMOVDQU32 384(SI), Z6
	VMOVDQU32 448(SI), Z7
	VMOVUPS 512(SI), Z8
	TILE_ACT(DI, 0, Z9, Z17, Z19)
	TILE_ACT(R8, 8, Z10, Z18, Z20)
	TILE_ACT(R9, 16, Z11, Z17, Z21)
	TILE_ACT(R10, 24, Z12, Z18, Z22)
	TILE_PREFETCH
	ADDQ $576, SI
	ADDQ $64, BX
	ADDQ $34, DX
	DECQ CX
	JNZ tile4_loop

	MOVQ mask+40(FP), AX
	KMOVW AX, K1
	VMOVDQU32 q4_0TileLaneRow<>(SB), Z27
	MOVQ out+32(FP), AX
	TILE_STORE(Z19, 0)
	TILE_STORE(Z20, 8)
	TILE_STORE(Z21, 16)
	TILE_STORE(Z22, 24)
	VZEROUPPER
	RET
