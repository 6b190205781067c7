//go:build !noasm

#include "textflag.h"

// Q4_0 weights x Q8_0 activations.
//
// Weight block (18 bytes): d half at 0, 16 bytes of nibbles at 2..17 (byte
// j: element j in the low nibble, element j+16 in the high one), value
// q-8. Activation block (34 bytes): d half at 0, 32 int8 at 2..33.
// Nibbles are expanded to 32 signed bytes x = q-8 in element order; from
// there it is the Q8_0 kernel: lane[k] = sum over bytes 4k..4k+3 of
// |x| * sign(y, x), acc = fma(d_w*d_a, float(lane), acc).

// func q4_0DotAVX2(w, a *byte, nb int) float32
//
// Registers: SI weights, DI activations, CX blocks left; Y8 accumulator;
// Y15 int16 ones, Y14 bytes 0x0f, Y13 bytes 0x08; Y0-Y4 scratch.
// Same float order as dotQ4_0Q8_0: bit-exact.
TEXT ·q4_0DotAVX2(SB), NOSPLIT, $0-28
	MOVQ w+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ nb+16(FP), CX
	VXORPS Y8, Y8, Y8
	MOVL $0x00010001, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	MOVL $0x0f0f0f0f, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	MOVL $0x08080808, AX
	VMOVD AX, X13
	VPBROADCASTD X13, Y13
	TESTQ CX, CX
	JEQ q40avx2_sum

q40avx2_loop:
	VMOVDQU 2(SI), X0          // 16 bytes of nibbles
	VPSRLW $4, X0, X1          // high nibbles down
	VINSERTI128 $1, X1, Y0, Y0 // elements 0-15 low half, 16-31 high half
	VPAND Y14, Y0, Y0          // q in 0..15
	VPSUBB Y13, Y0, Y0         // x = q-8
	VMOVDQU 2(DI), Y1          // y quants
	VPSIGNB Y0, Y0, Y2         // |x|
	VPSIGNB Y0, Y1, Y1         // y with the sign of x
	VPMADDUBSW Y1, Y2, Y2      // 16 int16 pair sums
	VPMADDWD Y15, Y2, Y2       // 8 int32 lanes
	VCVTDQ2PS Y2, Y2
	VPBROADCASTW (SI), X3      // d_w
	VPBROADCASTW (DI), X4      // d_a
	VCVTPH2PS X3, Y3
	VCVTPH2PS X4, Y4
	VMULPS Y4, Y3, Y3
	VFMADD231PS Y2, Y3, Y8     // acc += d*lane
	ADDQ $18, SI
	ADDQ $34, DI
	DECQ CX
	JNZ q40avx2_loop

q40avx2_sum:
	VEXTRACTF128 $1, Y8, X0    // hsum_float_8
	VADDPS X8, X0, X0
	VMOVHLPS X0, X0, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// func q4_0DotAVX512(w, a *byte, nb int) float32
//
// Two blocks per 512-bit step (lanes 0-7 block 2i, lanes 8-15 block 2i+1,
// accumulated apart: float order differs from the portable one). The 16
// nibble bytes of each block are broadcast to both 128-bit halves of its
// 256-bit half; K2 selects the upper 128 bits of each for a shift by 4.
//
// Registers: SI, DI, CX (pairs); Z8 accumulator, Y9 last odd block's
// accumulator; Z14 bytes 0x0f, Z13 bytes 0x08, Z31 zero, K2 word mask
// 0xff00ff00; Z0-Z6 scratch.
TEXT ·q4_0DotAVX512(SB), NOSPLIT, $0-28
	MOVQ w+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ nb+16(FP), CX
	VPXORD Z8, Z8, Z8
	VXORPS Y9, Y9, Y9
	VPXORD Z31, Z31, Z31
	MOVL $0x0f0f0f0f, AX
	VPBROADCASTD AX, Z14
	MOVL $0x08080808, AX
	VPBROADCASTD AX, Z13
	MOVL $0xff00ff00, AX
	KMOVD AX, K2
	MOVQ CX, DX
	SHRQ $1, CX
	JEQ q40avx512_tail

q40avx512_loop:
	VBROADCASTI128 2(SI), Y0
	VBROADCASTI128 20(SI), Y1
	VINSERTI64X4 $1, Y1, Z0, Z0       // nibbles: b0 b0 b1 b1 (128-bit each)
	VPSRLW $4, Z0, K2, Z0             // high nibbles down in the 2nd copy
	VPANDD Z14, Z0, Z0
	VPSUBB Z13, Z0, Z0                // x = q-8, elements in order
	VMOVDQU 2(DI), Y1
	VINSERTI64X4 $1, 36(DI), Z1, Z1   // y of both blocks
	VPABSB Z0, Z2                     // |x|
	VPMOVB2M Z0, K1                   // x < 0
	VPSUBB Z1, Z31, K1, Z1            // y with the sign of x
	VPXORD Z3, Z3, Z3
	VPDPBUSD Z1, Z2, Z3               // 16 int32 lanes
	VCVTDQ2PS Z3, Z3
	VPBROADCASTW (SI), X4
	VPBROADCASTW 18(SI), X5
	VINSERTI128 $1, X5, Y4, Y4        // d_w of both blocks
	VPBROADCASTW (DI), X5
	VPBROADCASTW 34(DI), X6
	VINSERTI128 $1, X6, Y5, Y5        // d_a of both blocks
	VCVTPH2PS Y4, Z4
	VCVTPH2PS Y5, Z5
	VMULPS Z5, Z4, Z4
	VFMADD231PS Z3, Z4, Z8
	ADDQ $36, SI
	ADDQ $68, DI
	DECQ CX
	JNZ q40avx512_loop

q40avx512_tail:
	TESTQ $1, DX
	JEQ q40avx512_sum
	VMOVDQU 2(SI), X0                 // the last block, 256-bit
	VPSRLW $4, X0, X1
	VINSERTI128 $1, X1, Y0, Y0
	VPAND Y14, Y0, Y0
	VPSUBB Y13, Y0, Y0
	VMOVDQU 2(DI), Y1
	VPABSB Y0, Y2
	VPSIGNB Y0, Y1, Y1
	VPXOR Y3, Y3, Y3
	VPDPBUSD Y1, Y2, Y3
	VCVTDQ2PS Y3, Y3
	VPBROADCASTW (SI), X4
	VPBROADCASTW (DI), X5
	VCVTPH2PS X4, Y4
	VCVTPH2PS X5, Y5
	VMULPS Y5, Y4, Y4
	VFMADD231PS Y3, Y4, Y9

q40avx512_sum:
	VEXTRACTF64X4 $1, Z8, Y0
	VADDPS Y0, Y8, Y8
	VADDPS Y9, Y8, Y8
	VEXTRACTF128 $1, Y8, X0
	VADDPS X8, X0, X0
	VMOVHLPS X0, X0, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET
