//go:build !noasm

#include "textflag.h"

// Q4_K weights x Q8_K activations.
//
// Weight super-block (144 bytes): d half at 0, dmin half at 2, 12 bytes of
// packed 6-bit scales and mins at 4..15, 128 bytes of nibbles at 16..143
// (chunk j of 32 bytes: low nibbles are elements 64j..64j+31, high nibbles
// 64j+32..64j+63). Activation block (292 bytes): d float32 at 0, 256 int8
// at 4..259, 16 int16 sums of 16 quants (bsums) at 260..291.
//
// Per super-block, as the portable dotQ4KQ8K: 8 int32 lanes, lane k the
// sum over the 32-element sub-blocks s of sc[s] * (products of bytes
// 4k..4k+3), acc = fma(d_a*d, float(lane), acc); the mins in 4 lanes,
// prod[i] = m[2i]*(bsum pair 2i) + m[2i+1]*(pair 2i+1) with the bsum pairs
// added in int16, accm = fma(-d_a*dmin, float(prod), accm). The result is
// hsum_float_8(acc) + ((accm0+accm2)+(accm1+accm3)): bit-exact.

// Q4K_UNPACK leaves the 8 scales (bytes) in R11 (0-3) and R10 (4-7) and the
// 8 mins in R9 (0-3) and R8 (4-7), from the 12 bytes at 4(SI) (ggml's
// kmask1..3 shuffle; see scaleMinK4).
#define Q4K_UNPACK \
	MOVL 4(SI), AX; \
	MOVL 8(SI), BX; \
	MOVL 12(SI), DX; \
	MOVL DX, R8; \
	SHRL $4, R8; \
	ANDL $0x0f0f0f0f, R8; \
	MOVL BX, R9; \
	SHRL $6, R9; \
	ANDL $0x03030303, R9; \
	SHLL $4, R9; \
	ORL R9, R8; \
	MOVL BX, R9; \
	ANDL $0x3f3f3f3f, R9; \
	MOVL DX, R10; \
	ANDL $0x0f0f0f0f, R10; \
	MOVL AX, R11; \
	SHRL $6, R11; \
	ANDL $0x03030303, R11; \
	SHLL $4, R11; \
	ORL R11, R10; \
	MOVL AX, R11; \
	ANDL $0x3f3f3f3f, R11

// Q4K_STEP does one 64-element chunk: the 32 bytes at qo(SI) against the
// activations at yl(DI) (low nibbles) and yl+32(DI) (high), scales picked
// from Y12 by the shuffles at ml and ml+32, int32 lanes added to Y13.
#define Q4K_STEP(qo, yl, yh, ml, mh) \
	VMOVDQU qo(SI), Y0; \
	VPSRLW $4, Y0, Y1; \
	VPAND Y14, Y0, Y0; \
	VPAND Y14, Y1, Y1; \
	VPMADDUBSW yl(DI), Y0, Y0; \
	VPMADDUBSW yh(DI), Y1, Y1; \
	VPSHUFB k4ScaleShuf<>+ml(SB), Y12, Y2; \
	VPSHUFB k4ScaleShuf<>+mh(SB), Y12, Y3; \
	VPMADDWD Y2, Y0, Y0; \
	VPMADDWD Y3, Y1, Y1; \
	VPADDD Y0, Y13, Y13; \
	VPADDD Y1, Y13, Y13

// func q4KDotAVX2(w, a *byte, nb int) float32
//
// Registers: SI weights, DI activations, CX super-blocks left; Y8 acc,
// X9 accm; Y14 bytes 0x0f; Y12 the 8 int16 scales in both 128-bit halves;
// Y13 the block's int32 lanes; Y5 scales|mins as int16; AX BX DX R8-R11
// the scale unpacking; Y0-Y7, Y10, Y11 scratch.
TEXT ·q4KDotAVX2(SB), NOSPLIT, $0-28
	MOVQ w+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ nb+16(FP), CX
	VXORPS Y8, Y8, Y8
	VXORPS X9, X9, X9
	MOVL $0x0f0f0f0f, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	TESTQ CX, CX
	JEQ q4kavx2_sum

q4kavx2_loop:
	Q4K_UNPACK
	VMOVD R11, X5
	VPINSRD $1, R10, X5, X5
	VPINSRD $2, R9, X5, X5
	VPINSRD $3, R8, X5, X5
	VPMOVZXBW X5, Y5            // int16: scales 0-7 | mins 0-7

	// mins: accm = fma(-d_a*dmin, prod, accm)
	VMOVDQU 260(DI), Y6         // bsums
	VEXTRACTI128 $1, Y6, X7
	VPHADDW X7, X6, X6          // 8 pair sums, int16 (wrapping as _mm_hadd_epi16)
	VEXTRACTI128 $1, Y5, X7     // mins
	VPMADDWD X6, X7, X7         // prod[0..3]
	VCVTDQ2PS X7, X7
	VBROADCASTSS (DI), Y10      // d_a
	VPBROADCASTW 2(SI), X11
	VCVTPH2PS X11, X11
	VMULPS X10, X11, X11        // d_a*dmin
	VFNMADD231PS X7, X11, X9    // accm -= (d_a*dmin)*prod, one rounding

	VPERMQ $0x44, Y5, Y12       // scales in both 128-bit halves
	VPXOR Y13, Y13, Y13
	Q4K_STEP(16, 4, 36, 0, 32)
	Q4K_STEP(48, 68, 100, 64, 96)
	Q4K_STEP(80, 132, 164, 128, 160)
	Q4K_STEP(112, 196, 228, 192, 224)

	VPBROADCASTW (SI), X4
	VCVTPH2PS X4, Y4
	VMULPS Y10, Y4, Y4          // d = d_a*d_w
	VCVTDQ2PS Y13, Y13
	VFMADD231PS Y13, Y4, Y8
	ADDQ $144, SI
	ADDQ $292, DI
	DECQ CX
	JNZ q4kavx2_loop

q4kavx2_sum:
	VEXTRACTF128 $1, Y8, X0     // hsum_float_8(acc)
	VADDPS X8, X0, X0
	VMOVHLPS X0, X0, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0
	VMOVHLPS X9, X9, X1         // (accm0+accm2), (accm1+accm3)
	VADDPS X1, X9, X1
	VMOVSHDUP X1, X2
	VADDSS X2, X1, X1
	VADDSS X1, X0, X0
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// k4ScaleShuf: for sub-block s, 32 bytes selecting int16 scale s into
// every word of a 128-bit half (get_scale_shuffle_k4).
DATA k4ScaleShuf<>+0(SB)/8, $0x0100010001000100
DATA k4ScaleShuf<>+8(SB)/8, $0x0100010001000100
DATA k4ScaleShuf<>+16(SB)/8, $0x0100010001000100
DATA k4ScaleShuf<>+24(SB)/8, $0x0100010001000100
DATA k4ScaleShuf<>+32(SB)/8, $0x0302030203020302
DATA k4ScaleShuf<>+40(SB)/8, $0x0302030203020302
DATA k4ScaleShuf<>+48(SB)/8, $0x0302030203020302
DATA k4ScaleShuf<>+56(SB)/8, $0x0302030203020302
DATA k4ScaleShuf<>+64(SB)/8, $0x0504050405040504
DATA k4ScaleShuf<>+72(SB)/8, $0x0504050405040504
DATA k4ScaleShuf<>+80(SB)/8, $0x0504050405040504
DATA k4ScaleShuf<>+88(SB)/8, $0x0504050405040504
DATA k4ScaleShuf<>+96(SB)/8, $0x0706070607060706
DATA k4ScaleShuf<>+104(SB)/8, $0x0706070607060706
DATA k4ScaleShuf<>+112(SB)/8, $0x0706070607060706
DATA k4ScaleShuf<>+120(SB)/8, $0x0706070607060706
DATA k4ScaleShuf<>+128(SB)/8, $0x0908090809080908
DATA k4ScaleShuf<>+136(SB)/8, $0x0908090809080908
DATA k4ScaleShuf<>+144(SB)/8, $0x0908090809080908
DATA k4ScaleShuf<>+152(SB)/8, $0x0908090809080908
DATA k4ScaleShuf<>+160(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA k4ScaleShuf<>+168(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA k4ScaleShuf<>+176(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA k4ScaleShuf<>+184(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA k4ScaleShuf<>+192(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA k4ScaleShuf<>+200(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA k4ScaleShuf<>+208(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA k4ScaleShuf<>+216(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA k4ScaleShuf<>+224(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA k4ScaleShuf<>+232(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA k4ScaleShuf<>+240(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA k4ScaleShuf<>+248(SB)/8, $0x0f0e0f0e0f0e0f0e
GLOBL k4ScaleShuf<>(SB), RODATA|NOPTR, $256
