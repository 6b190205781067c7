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

// func q4_0DotVNNI(w, a *byte, nb int) float32
//
// AVX-512 VNNI on 256-bit registers (AVX512VL): VPDPBUSD replaces the
// VPMADDUBSW + VPMADDWD pair. Two blocks per iteration, in block order into
// one accumulator: bit-exact.
//
// Registers: SI weights, DI activations, CX block pairs left, DX blocks;
// Y8 accumulator; Y14 bytes 0x0f, Y13 bytes 0x08; Y0-Y5 scratch.
#define Q40_VNNI_BLOCK(wo, ao) \
	VMOVDQU wo+2(SI), X0; \
	VPSRLW $4, X0, X1; \
	VINSERTI128 $1, X1, Y0, Y0; \
	VPAND Y14, Y0, Y0; \
	VPSUBB Y13, Y0, Y0; \
	VMOVDQU ao+2(DI), Y1; \
	VPABSB Y0, Y2; \
	VPSIGNB Y0, Y1, Y1; \
	VPXOR Y3, Y3, Y3; \
	VPDPBUSD Y1, Y2, Y3; \
	VCVTDQ2PS Y3, Y3; \
	VPBROADCASTW wo(SI), X4; \
	VPBROADCASTW ao(DI), X5; \
	VCVTPH2PS X4, Y4; \
	VCVTPH2PS X5, Y5; \
	VMULPS Y5, Y4, Y4; \
	VFMADD231PS Y3, Y4, Y8

TEXT ·q4_0DotVNNI(SB), NOSPLIT, $0-28
	MOVQ w+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ nb+16(FP), DX
	VXORPS Y8, Y8, Y8
	MOVL $0x0f0f0f0f, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	MOVL $0x08080808, AX
	VMOVD AX, X13
	VPBROADCASTD X13, Y13
	MOVQ DX, CX
	SHRQ $1, CX
	JEQ q40vnni_tail

q40vnni_loop:
	Q40_VNNI_BLOCK(0, 0)
	Q40_VNNI_BLOCK(18, 34)
	ADDQ $36, SI
	ADDQ $68, DI
	DECQ CX
	JNZ q40vnni_loop

q40vnni_tail:
	TESTQ $1, DX
	JEQ q40vnni_sum
	Q40_VNNI_BLOCK(0, 0)

q40vnni_sum:
	VEXTRACTF128 $1, Y8, X0    // hsum_float_8
	VADDPS X8, X0, X0
	VMOVHLPS X0, X0, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET
