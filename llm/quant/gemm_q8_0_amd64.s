//go:build !noasm

#include "textflag.h"

// Q8_0 weights x eight rows of Q8_0 activations (layouts in q8_0_amd64.s)
// with AVX-512 VNNI on 256-bit registers.
//
// Per weight block, x and |x| are loaded and made once. Per row: y with
// the sign of x (VPSIGNB, ggml's sign trick: y = -128 against a negative x
// stays -128), lane[k] = VPDPBUSD(|x|, y) into a zeroed register (8 int32
// lanes of 4 products each), float(lane), and acc = fma(d, float(lane),
// acc) with d = d_w*d_a (rounded once, as in the reference). These are the
// operations of q8_0DotVNNI in the same order, so each row's result is
// bit-identical to it and to the portable dotQ8_0Q8_0.
//
// The eight rows' d are made together: their halves d_a gathered with
// scalar loads into one vector, converted and multiplied by d_w in one
// VMULPS, and stored on the stack, from where each row's FMA broadcasts its
// own d (EVEX embedded broadcast: no shuffle). A 4-byte load from a
// 32-byte store still in flight does not forward on this Zen 4 and stalls,
// so the d of block b+7 are made while block b runs, in a ring of 8 slots:
// 10% faster than broadcasting with VPERMPS from a register, 20% faster
// than loading the d of the current block. Two rows per 512-bit register
// measured slower (the sign trick then needs a masked VPSUBB and the two
// rows' d a VPERMPS per pair); the shared work per block is small next to
// the four operations per row and block (VPSIGNB, VPDPBUSD, VCVTDQ2PS,
// VFMADD231PS), which bound the speed.

// G8Q_ROW runs the block (x in Y0, |x| in Y1) against the quants at P into
// accumulator A, with d at do(SP)(R11*1); T, U scratch.
#define G8Q_ROW(P, do, A, T, U) \
	VMOVDQU P, T; \
	VPSIGNB Y0, T, T; \
	VPXOR U, U, U; \
	VPDPBUSD T, Y1, U; \
	VCVTDQ2PS U, U; \
	VFMADD231PS.BCST do(SP)(R11*1), U, A

// G8Q_D makes the eight d of the block at byte offset o from the current
// one (row j's d_a at o(row j), d_w at o(SI)) and stores them in the slot
// at (SP)(R8*1). AX, BX, R12, R13, Y2, Y3 scratch.
#define G8Q_D(o) \
	MOVWLZX o(DI), AX; \
	MOVWLZX o(DI)(DX*1), BX; \
	SHLL $16, BX; \
	ORL BX, AX; \
	MOVWLZX o(DI)(DX*2), BX; \
	SHLQ $32, BX; \
	ORQ BX, AX; \
	MOVWLZX o(DI)(R9*1), BX; \
	SHLQ $48, BX; \
	ORQ BX, AX; \
	MOVWLZX o(R10), R12; \
	MOVWLZX o(R10)(DX*1), R13; \
	SHLL $16, R13; \
	ORL R13, R12; \
	MOVWLZX o(R10)(DX*2), R13; \
	SHLQ $32, R13; \
	ORQ R13, R12; \
	MOVWLZX o(R10)(R9*1), R13; \
	SHLQ $48, R13; \
	ORQ R13, R12; \
	VMOVQ AX, X3; \
	VPINSRQ $1, R12, X3, X3; \
	VCVTPH2PS X3, Y3; \
	VPBROADCASTW o(SI), X2; \
	VCVTPH2PS X2, Y2; \
	VMULPS Y2, Y3, Y3; \
	VMOVUPS Y3, (SP)(R8*1)

// G8Q_BLOCK runs the current block against the eight rows, reading the d
// from the slot at R11, and steps to the next block and slot. The weights
// 1 KiB ahead are prefetched (5-7% faster in MatMulRows; prefetching the
// activation rows measured slower).
#define G8Q_BLOCK \
	PREFETCHT0 1024(SI); \
	VMOVDQU 2(SI), Y0; \
	VPABSB Y0, Y1; \
	G8Q_ROW(2(DI), 0, Y8, Y4, Y5); \
	G8Q_ROW(2(DI)(DX*1), 4, Y9, Y6, Y7); \
	G8Q_ROW(2(DI)(DX*2), 8, Y10, Y4, Y5); \
	G8Q_ROW(2(DI)(R9*1), 12, Y11, Y6, Y7); \
	G8Q_ROW(2(R10), 16, Y12, Y4, Y5); \
	G8Q_ROW(2(R10)(DX*1), 20, Y13, Y6, Y7); \
	G8Q_ROW(2(R10)(DX*2), 24, Y14, Y4, Y5); \
	G8Q_ROW(2(R10)(R9*1), 28, Y15, Y6, Y7); \
	ADDQ $32, R11; \
	ANDQ $255, R11; \
	ADDQ $34, SI; \
	ADDQ $34, DI; \
	ADDQ $34, R10

// G8Q_SUM stores hsum_float_8(A) at oo(AX):
// ((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7)).
#define G8Q_SUM(A, XA, oo) \
	VEXTRACTF128 $1, A, X0; \
	VADDPS XA, X0, X0; \
	VMOVHLPS X0, X0, X1; \
	VADDPS X1, X0, X0; \
	VMOVSHDUP X0, X1; \
	VADDSS X1, X0, X0; \
	VMOVSS X0, oo(AX)

// func q8_0Dot8AVX512(w, a *byte, stride, nb int, out *[8]float32)
//
// Registers: SI weights; DI rows 0-3 and R10 rows 4-7 (row j at base +
// (j%4)*stride: DX stride, R9 3*stride); CX blocks run with the d made
// 7 blocks ahead, R14 the last min(nb, 7) blocks (their d made before the
// loop); R8 the slot written, R11 the slot read (byte offsets in the ring
// at 0-255(SP)); AX, BX, R12, R13, R15 scratch; Y8-Y15 the rows'
// accumulators; Y0 x, Y1 |x|, Y2 d_w, Y3 the eight d; Y4-Y7 scratch.
TEXT ·q8_0Dot8AVX512(SB), NOSPLIT, $256-40
	MOVQ w+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ stride+16(FP), DX
	MOVQ nb+24(FP), CX
	LEAQ (DX)(DX*2), R9
	LEAQ (DI)(DX*4), R10
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15
	XORQ R8, R8
	XORQ R11, R11
	TESTQ CX, CX
	JLE g8q_sum
	MOVQ $7, R14
	CMPQ CX, R14
	CMOVQLT CX, R14            // R14 = min(nb, 7)
	SUBQ R14, CX
	MOVQ R14, R15

g8q_ahead:                         // the d of blocks 0 .. R14-1
	G8Q_D(0)
	ADDQ $32, R8
	ADDQ $34, SI
	ADDQ $34, DI
	ADDQ $34, R10
	DECQ R15
	JNZ g8q_ahead
	IMUL3Q $34, R14, R15
	SUBQ R15, SI
	SUBQ R15, DI
	SUBQ R15, R10
	TESTQ CX, CX
	JEQ g8q_tail

g8q_loop:                          // block b, making the d of block b+7
	G8Q_D(238)
	ADDQ $32, R8
	ANDQ $255, R8
	G8Q_BLOCK
	DECQ CX
	JNZ g8q_loop

g8q_tail:
	G8Q_BLOCK
	DECQ R14
	JNZ g8q_tail

g8q_sum:
	MOVQ out+32(FP), AX
	G8Q_SUM(Y8, X8, 0)
	G8Q_SUM(Y9, X9, 4)
	G8Q_SUM(Y10, X10, 8)
	G8Q_SUM(Y11, X11, 12)
	G8Q_SUM(Y12, X12, 16)
	G8Q_SUM(Y13, X13, 20)
	G8Q_SUM(Y14, X14, 24)
	G8Q_SUM(Y15, X15, 28)
	VZEROUPPER
	RET
