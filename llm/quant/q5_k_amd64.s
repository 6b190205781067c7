//go:build !noasm

#include "textflag.h"

// Q5_K weights x Q8_K activations.
//
// Weight super-block (176 bytes): d half at 0, dmin half at 2, 12 bytes of
// packed 6-bit scales and mins at 4..15, 32 bytes of high bits qh at
// 16..47 (bit 2j of qh[l] is the fifth bit of element 64j+l, bit 2j+1 that
// of element 64j+32+l), 128 bytes of low nibbles at 48..175 laid out as
// Q4_K's. Activation block (292 bytes): as in q4_k_amd64.s.
//
// Per super-block, as the portable dotQ5KQ8K: the 8 int32 lanes and acc as
// in Q4_K (q in 0..31 against int8: VPMADDUBSW pairs stay below 2*31*128,
// no saturation), and the mins as one scalar per block,
// summs = fma(-d_a*dmin, float((p0+p1)+(p2+p3)), summs); the result is
// hsum_float_8(acc) + summs: bit-exact.

// Q5K_UNPACK leaves the 8 scales (bytes) in R11 (0-3) and R10 (4-7) and the
// 8 mins in R9 (0-3) and R8 (4-7), from the 12 bytes at 4(SI) (ggml's
// kmask1..3 shuffle; see scaleMinK4).
#define Q5K_UNPACK \
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

// Q5K_STEP does one 64-element chunk: nibbles at qo(SI), fifth bits from
// bits 0 and 1 of Y6 (then shifted down by 2 for the next chunk).
#define Q5K_STEP(qo, yl, yh, ml, mh) \
	VMOVDQU qo(SI), Y0; \
	VPSRLW $4, Y0, Y1; \
	VPAND Y14, Y0, Y0; \
	VPAND Y14, Y1, Y1; \
	VPSLLW $4, Y6, Y2; \
	VPAND Y11, Y2, Y2; \
	VPOR Y2, Y0, Y0; \
	VPSLLW $3, Y6, Y3; \
	VPAND Y11, Y3, Y3; \
	VPOR Y3, Y1, Y1; \
	VPSRLW $2, Y6, Y6; \
	VPMADDUBSW yl(DI), Y0, Y0; \
	VPMADDUBSW yh(DI), Y1, Y1; \
	VPSHUFB k4ScaleShuf<>+ml(SB), Y12, Y2; \
	VPSHUFB k4ScaleShuf<>+mh(SB), Y12, Y3; \
	VPMADDWD Y2, Y0, Y0; \
	VPMADDWD Y3, Y1, Y1; \
	VPADDD Y0, Y13, Y13; \
	VPADDD Y1, Y13, Y13

// func q5KDotAVX2(w, a *byte, nb int) float32
//
// Registers as q4KDotAVX2, plus Y6 the high bits, Y11 bytes 0x10; X9 holds
// summs in lane 0.
TEXT ·q5KDotAVX2(SB), NOSPLIT, $0-28
	MOVQ w+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ nb+16(FP), CX
	VXORPS Y8, Y8, Y8
	VXORPS X9, X9, X9
	MOVL $0x0f0f0f0f, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	MOVL $0x10101010, AX
	VMOVD AX, X11
	VPBROADCASTD X11, Y11
	TESTQ CX, CX
	JEQ q5kavx2_sum

q5kavx2_loop:
	Q5K_UNPACK
	VMOVD R11, X5
	VPINSRD $1, R10, X5, X5
	VPINSRD $2, R9, X5, X5
	VPINSRD $3, R8, X5, X5
	VPMOVZXBW X5, Y5            // int16: scales 0-7 | mins 0-7

	// mins: summs = fma(-d_a*dmin, (p0+p1)+(p2+p3), summs)
	VMOVDQU 260(DI), Y6         // bsums
	VEXTRACTI128 $1, Y6, X7
	VPHADDW X7, X6, X6          // 8 pair sums, int16
	VEXTRACTI128 $1, Y5, X7     // mins
	VPMADDWD X6, X7, X7         // prod[0..3]
	VPHADDD X7, X7, X7
	VPHADDD X7, X7, X7          // lane 0: the integer sum
	VCVTDQ2PS X7, X7
	VBROADCASTSS (DI), Y10      // d_a
	VPBROADCASTW 2(SI), X4
	VCVTPH2PS X4, X4
	VMULSS X10, X4, X4          // d_a*dmin
	VFNMADD231SS X7, X4, X9     // summs -= (d_a*dmin)*sum, one rounding

	VPERMQ $0x44, Y5, Y12       // scales in both 128-bit halves
	VMOVDQU 16(SI), Y6          // high bits
	VPXOR Y13, Y13, Y13
	Q5K_STEP(48, 4, 36, 0, 32)
	Q5K_STEP(80, 68, 100, 64, 96)
	Q5K_STEP(112, 132, 164, 128, 160)
	Q5K_STEP(144, 196, 228, 192, 224)

	VPBROADCASTW (SI), X4
	VCVTPH2PS X4, Y4
	VMULPS Y10, Y4, Y4          // d = d_a*d_w
	VCVTDQ2PS Y13, Y13
	VFMADD231PS Y13, Y4, Y8
	ADDQ $176, SI
	ADDQ $292, DI
	DECQ CX
	JNZ q5kavx2_loop

q5kavx2_sum:
	VEXTRACTF128 $1, Y8, X0     // hsum_float_8(acc)
	VADDPS X8, X0, X0
	VMOVHLPS X0, X0, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0
	VADDSS X9, X0, X0           // + summs
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
