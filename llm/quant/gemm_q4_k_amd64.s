//go:build !noasm

#include "textflag.h"

// Q4_K weights x four rows of Q8_K activations (layouts in q4_k_amd64.s).
//
// Each super-block's scales, mins, d, dmin and nibbles are decoded once and
// used for four activation rows. Every row keeps its own int32 lanes and
// its own float accumulators (acc, accm, on the stack), updated with the
// very operations of q4KDotAVX2 in the same order, so each result is
// bit-identical to the single-row kernel's.

// G4K_UNPACK is Q4K_UNPACK of q4_k_amd64.s: scales 0-3 in R11, 4-7 in
// R10, mins 0-3 in R9, 4-7 in R8, from the 12 bytes at 4(SI).
#define G4K_UNPACK \
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

// G4K_MINS is the mins term for the row at P: bsum pairs (int16) times
// the mins in X15, accm(mo) = fma(-(dmin*d_a), prod, accm), dmin in X11.
#define G4K_MINS(P, mo) \
	VMOVDQU 260(P), Y6; \
	VEXTRACTI128 $1, Y6, X7; \
	VPHADDW X7, X6, X6; \
	VPMADDWD X6, X15, X7; \
	VCVTDQ2PS X7, X7; \
	VBROADCASTSS (P), X10; \
	VMULPS X10, X11, X6; \
	VMOVUPS mo(SP), X9; \
	VFNMADD231PS X7, X6, X9; \
	VMOVUPS X9, mo(SP)

// G4K_ROW multiplies the decoded nibbles (Y0 low, Y1 high) with the row
// at P, scales them (Y2, Y3) and adds the int32 lanes to L.
#define G4K_ROW(P, yl, yh, L) \
	VPMADDUBSW yl(P), Y0, Y10; \
	VPMADDUBSW yh(P), Y1, Y11; \
	VPMADDWD Y2, Y10, Y10; \
	VPMADDWD Y3, Y11, Y11; \
	VPADDD Y10, L, L; \
	VPADDD Y11, L, L

// G4K_STEP decodes one 64-element chunk and its two scales once and runs
// it against the four rows.
#define G4K_STEP(qo, yl, yh, ml, mh) \
	VMOVDQU qo(SI), Y0; \
	VPSRLW $4, Y0, Y1; \
	VPAND Y14, Y0, Y0; \
	VPAND Y14, Y1, Y1; \
	VPSHUFB g4kScaleShuf<>+ml(SB), Y12, Y2; \
	VPSHUFB g4kScaleShuf<>+mh(SB), Y12, Y3; \
	G4K_ROW(DI, yl, yh, Y6); \
	G4K_ROW(R12, yl, yh, Y7); \
	G4K_ROW(R13, yl, yh, Y8); \
	G4K_ROW(R14, yl, yh, Y9)

// G4K_ACC does acc(ao) = fma(d_w*d_a, float(L), acc) for the row at P,
// d_w in Y4.
#define G4K_ACC(P, L, ao) \
	VBROADCASTSS (P), Y10; \
	VMULPS Y10, Y4, Y10; \
	VCVTDQ2PS L, L; \
	VMOVUPS ao(SP), Y11; \
	VFMADD231PS L, Y10, Y11; \
	VMOVUPS Y11, ao(SP)

// G4K_SUM stores hsum_float_8(acc) + ((accm0+accm2)+(accm1+accm3)) at
// oo(AX).
#define G4K_SUM(ao, mo, oo) \
	VMOVUPS ao(SP), Y8; \
	VEXTRACTF128 $1, Y8, X0; \
	VADDPS X8, X0, X0; \
	VMOVHLPS X0, X0, X1; \
	VADDPS X1, X0, X0; \
	VMOVSHDUP X0, X1; \
	VADDSS X1, X0, X0; \
	VMOVUPS mo(SP), X9; \
	VMOVHLPS X9, X9, X1; \
	VADDPS X1, X9, X1; \
	VMOVSHDUP X1, X2; \
	VADDSS X2, X1, X1; \
	VADDSS X1, X0, X0; \
	VMOVSS X0, oo(AX)

// func q4KDot4AVX2(w, a0, a1, a2, a3 *byte, nb int, out *[4]float32)
//
// Registers: SI weights, DI R12 R13 R14 the four activation rows, CX
// super-blocks left; Y6-Y9 the rows' int32 lanes; Y14 bytes 0x0f; Y12 the
// 8 int16 scales in both halves; X15 the mins, X11 dmin, Y4 d (floats);
// Y0-Y3 the decoded chunk and its scales; Y10, Y11 scratch. Stack: acc of
// row i at 32i, accm at 128+16i.
TEXT ·q4KDot4AVX2(SB), NOSPLIT, $192-56
	MOVQ w+0(FP), SI
	MOVQ a0+8(FP), DI
	MOVQ a1+16(FP), R12
	MOVQ a2+24(FP), R13
	MOVQ a3+32(FP), R14
	MOVQ nb+40(FP), CX
	VXORPS Y0, Y0, Y0
	VMOVUPS Y0, 0(SP)
	VMOVUPS Y0, 32(SP)
	VMOVUPS Y0, 64(SP)
	VMOVUPS Y0, 96(SP)
	VMOVUPS Y0, 128(SP)
	VMOVUPS Y0, 160(SP)
	MOVL $0x0f0f0f0f, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	TESTQ CX, CX
	JEQ g4k_sum

g4k_loop:
	G4K_UNPACK
	VMOVD R11, X5
	VPINSRD $1, R10, X5, X5
	VPINSRD $2, R9, X5, X5
	VPINSRD $3, R8, X5, X5
	VPMOVZXBW X5, Y5            // int16: scales 0-7 | mins 0-7
	VEXTRACTI128 $1, Y5, X15    // mins
	VPBROADCASTW 2(SI), X11
	VCVTPH2PS X11, X11          // dmin
	G4K_MINS(DI, 128)
	G4K_MINS(R12, 144)
	G4K_MINS(R13, 160)
	G4K_MINS(R14, 176)

	VPERMQ $0x44, Y5, Y12       // scales in both 128-bit halves
	VPXOR Y6, Y6, Y6
	VPXOR Y7, Y7, Y7
	VPXOR Y8, Y8, Y8
	VPXOR Y9, Y9, Y9
	G4K_STEP(16, 4, 36, 0, 32)
	G4K_STEP(48, 68, 100, 64, 96)
	G4K_STEP(80, 132, 164, 128, 160)
	G4K_STEP(112, 196, 228, 192, 224)

	VPBROADCASTW (SI), X4
	VCVTPH2PS X4, Y4            // d_w
	G4K_ACC(DI, Y6, 0)
	G4K_ACC(R12, Y7, 32)
	G4K_ACC(R13, Y8, 64)
	G4K_ACC(R14, Y9, 96)
	ADDQ $144, SI
	ADDQ $292, DI
	ADDQ $292, R12
	ADDQ $292, R13
	ADDQ $292, R14
	DECQ CX
	JNZ g4k_loop

g4k_sum:
	MOVQ out+48(FP), AX
	G4K_SUM(0, 128, 0)
	G4K_SUM(32, 144, 4)
	G4K_SUM(64, 160, 8)
	G4K_SUM(96, 176, 12)
	VZEROUPPER
	RET

// g4kScaleShuf: for sub-block s, 32 bytes selecting int16 scale s into
// every word of a 128-bit half (get_scale_shuffle_k4).
DATA g4kScaleShuf<>+0(SB)/8, $0x0100010001000100
DATA g4kScaleShuf<>+8(SB)/8, $0x0100010001000100
DATA g4kScaleShuf<>+16(SB)/8, $0x0100010001000100
DATA g4kScaleShuf<>+24(SB)/8, $0x0100010001000100
DATA g4kScaleShuf<>+32(SB)/8, $0x0302030203020302
DATA g4kScaleShuf<>+40(SB)/8, $0x0302030203020302
DATA g4kScaleShuf<>+48(SB)/8, $0x0302030203020302
DATA g4kScaleShuf<>+56(SB)/8, $0x0302030203020302
DATA g4kScaleShuf<>+64(SB)/8, $0x0504050405040504
DATA g4kScaleShuf<>+72(SB)/8, $0x0504050405040504
DATA g4kScaleShuf<>+80(SB)/8, $0x0504050405040504
DATA g4kScaleShuf<>+88(SB)/8, $0x0504050405040504
DATA g4kScaleShuf<>+96(SB)/8, $0x0706070607060706
DATA g4kScaleShuf<>+104(SB)/8, $0x0706070607060706
DATA g4kScaleShuf<>+112(SB)/8, $0x0706070607060706
DATA g4kScaleShuf<>+120(SB)/8, $0x0706070607060706
DATA g4kScaleShuf<>+128(SB)/8, $0x0908090809080908
DATA g4kScaleShuf<>+136(SB)/8, $0x0908090809080908
DATA g4kScaleShuf<>+144(SB)/8, $0x0908090809080908
DATA g4kScaleShuf<>+152(SB)/8, $0x0908090809080908
DATA g4kScaleShuf<>+160(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA g4kScaleShuf<>+168(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA g4kScaleShuf<>+176(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA g4kScaleShuf<>+184(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA g4kScaleShuf<>+192(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA g4kScaleShuf<>+200(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA g4kScaleShuf<>+208(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA g4kScaleShuf<>+216(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA g4kScaleShuf<>+224(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA g4kScaleShuf<>+232(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA g4kScaleShuf<>+240(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA g4kScaleShuf<>+248(SB)/8, $0x0f0e0f0e0f0e0f0e
GLOBL g4kScaleShuf<>(SB), RODATA|NOPTR, $256

// The eight-row kernel below needs AVX-512 (BW, VL) for registers
// Y16-Y31: the eight rows' int32 lanes live in Y16-Y23 and their float
// accumulators in Y24-Y31, so the decoded block is shared by twice as many
// rows and acc never goes through memory. Rows are a, a+stride, ...,
// a+7*stride.

// G8K_ROW is G4K_ROW for the row at (B) with VNNI's VPDPWSSD doing the
// scale multiply and the add in one instruction (the same int32 sums:
// VPMADDWD's pair sums cannot overflow here); G8K_ROWI for the row at
// (B)(I*S).
#define G8K_ROW(B, yl, yh, L) \
	VPMADDUBSW yl(B), Y0, Y10; \
	VPMADDUBSW yh(B), Y1, Y11; \
	VPDPWSSD Y2, Y10, L; \
	VPDPWSSD Y3, Y11, L

#define G8K_ROWI(B, I, S, yl, yh, L) \
	VPMADDUBSW yl(B)(I*S), Y0, Y10; \
	VPMADDUBSW yh(B)(I*S), Y1, Y11; \
	VPDPWSSD Y2, Y10, L; \
	VPDPWSSD Y3, Y11, L

#define G8K_STEP(qo, yl, yh, ml, mh) \
	VMOVDQU qo(SI), Y0; \
	VPSRLW $4, Y0, Y1; \
	VPAND Y14, Y0, Y0; \
	VPAND Y14, Y1, Y1; \
	VPSHUFB g4kScaleShuf<>+ml(SB), Y12, Y2; \
	VPSHUFB g4kScaleShuf<>+mh(SB), Y12, Y3; \
	G8K_ROW(DI, yl, yh, Y16); \
	G8K_ROWI(DI, R12, 1, yl, yh, Y17); \
	G8K_ROWI(DI, R12, 2, yl, yh, Y18); \
	G8K_ROWI(DI, R13, 1, yl, yh, Y19); \
	G8K_ROW(R14, yl, yh, Y20); \
	G8K_ROWI(R14, R12, 1, yl, yh, Y21); \
	G8K_ROWI(R14, R12, 2, yl, yh, Y22); \
	G8K_ROWI(R14, R13, 1, yl, yh, Y23)

// G8K_MINS2 is G4K_MINS for two rows at once, row A in the low 128 bits
// and row B in the high ones (the same operations per lane): pair sums
// hadd(A) | hadd(B) after the VPERMQ, mins in both halves in Y15, dmin in
// Y11, accm of A at mo(SP) and of B at mo+16(SP).
#define G8K_MINS2(PA, PB, mo) \
	LEAQ PA, BX; \
	LEAQ PB, DX; \
	VMOVDQU 260(BX), Y6; \
	VMOVDQU 260(DX), Y7; \
	VPHADDW Y7, Y6, Y6; \
	VPERMQ $0xd8, Y6, Y6; \
	VPMADDWD Y6, Y15, Y7; \
	VCVTDQ2PS Y7, Y7; \
	VBROADCASTSS (BX), X10; \
	VBROADCASTSS (DX), X9; \
	VINSERTF128 $1, X9, Y10, Y10; \
	VMULPS Y10, Y11, Y6; \
	VMOVUPS mo(SP), Y9; \
	VFNMADD231PS Y7, Y6, Y9; \
	VMOVUPS Y9, mo(SP)

// G8K_ACC is G4K_ACC with the accumulator A in a register.
#define G8K_ACC(P, L, A) \
	VBROADCASTSS P, Y10; \
	VMULPS Y10, Y4, Y10; \
	VCVTDQ2PS L, L; \
	VFMADD231PS L, Y10, A

// G8K_SUM is G4K_SUM with acc in register A.
#define G8K_SUM(A, mo, oo) \
	VMOVAPS A, Y8; \
	VEXTRACTF128 $1, Y8, X0; \
	VADDPS X8, X0, X0; \
	VMOVHLPS X0, X0, X1; \
	VADDPS X1, X0, X0; \
	VMOVSHDUP X0, X1; \
	VADDSS X1, X0, X0; \
	VMOVUPS mo(SP), X9; \
	VMOVHLPS X9, X9, X1; \
	VADDPS X1, X9, X1; \
	VMOVSHDUP X1, X2; \
	VADDSS X2, X1, X1; \
	VADDSS X1, X0, X0; \
	VMOVSS X0, oo(AX)

// func q4KDot8AVX512(w, a *byte, stride, nb int, out *[8]float32)
//
// Registers: SI weights, DI row 0, R14 row 4, R12 stride, R13 3*stride,
// CX super-blocks left; Y16-Y23 lanes, Y24-Y31 acc; others as in
// q4KDot4AVX2. Stack: accm of row i at 16i.
TEXT ·q4KDot8AVX512(SB), NOSPLIT, $128-40
	MOVQ w+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ stride+16(FP), R12
	MOVQ nb+24(FP), CX
	LEAQ (R12)(R12*2), R13
	LEAQ (DI)(R12*4), R14
	VXORPS Y0, Y0, Y0
	VMOVUPS Y0, 0(SP)
	VMOVUPS Y0, 32(SP)
	VMOVUPS Y0, 64(SP)
	VMOVUPS Y0, 96(SP)
	VPXORD Y24, Y24, Y24
	VPXORD Y25, Y25, Y25
	VPXORD Y26, Y26, Y26
	VPXORD Y27, Y27, Y27
	VPXORD Y28, Y28, Y28
	VPXORD Y29, Y29, Y29
	VPXORD Y30, Y30, Y30
	VPXORD Y31, Y31, Y31
	MOVL $0x0f0f0f0f, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	TESTQ CX, CX
	JEQ g8k_sum

g8k_loop:
	G4K_UNPACK
	VMOVD R11, X5
	VPINSRD $1, R10, X5, X5
	VPINSRD $2, R9, X5, X5
	VPINSRD $3, R8, X5, X5
	VPMOVZXBW X5, Y5            // int16: scales 0-7 | mins 0-7
	VPERMQ $0xee, Y5, Y15       // mins in both halves
	VPBROADCASTW 2(SI), X11
	VCVTPH2PS X11, Y11          // dmin
	G8K_MINS2((DI), (DI)(R12*1), 0)
	G8K_MINS2((DI)(R12*2), (DI)(R13*1), 32)
	G8K_MINS2((R14), (R14)(R12*1), 64)
	G8K_MINS2((R14)(R12*2), (R14)(R13*1), 96)

	VPERMQ $0x44, Y5, Y12       // scales in both 128-bit halves
	VPXORD Y16, Y16, Y16
	VPXORD Y17, Y17, Y17
	VPXORD Y18, Y18, Y18
	VPXORD Y19, Y19, Y19
	VPXORD Y20, Y20, Y20
	VPXORD Y21, Y21, Y21
	VPXORD Y22, Y22, Y22
	VPXORD Y23, Y23, Y23
	G8K_STEP(16, 4, 36, 0, 32)
	G8K_STEP(48, 68, 100, 64, 96)
	G8K_STEP(80, 132, 164, 128, 160)
	G8K_STEP(112, 196, 228, 192, 224)

	VPBROADCASTW (SI), X4
	VCVTPH2PS X4, Y4            // d_w
	G8K_ACC((DI), Y16, Y24)
	G8K_ACC((DI)(R12*1), Y17, Y25)
	G8K_ACC((DI)(R12*2), Y18, Y26)
	G8K_ACC((DI)(R13*1), Y19, Y27)
	G8K_ACC((R14), Y20, Y28)
	G8K_ACC((R14)(R12*1), Y21, Y29)
	G8K_ACC((R14)(R12*2), Y22, Y30)
	G8K_ACC((R14)(R13*1), Y23, Y31)
	ADDQ $144, SI
	ADDQ $292, DI
	ADDQ $292, R14
	DECQ CX
	JNZ g8k_loop

g8k_sum:
	MOVQ out+32(FP), AX
	G8K_SUM(Y24, 0, 0)
	G8K_SUM(Y25, 16, 4)
	G8K_SUM(Y26, 32, 8)
	G8K_SUM(Y27, 48, 12)
	G8K_SUM(Y28, 64, 16)
	G8K_SUM(Y29, 80, 20)
	G8K_SUM(Y30, 96, 24)
	G8K_SUM(Y31, 112, 28)
	VZEROUPPER
	RET
