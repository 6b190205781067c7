//go:build !noasm

#include "textflag.h"

// func axpyF16AVX2(dst *float32, v *byte, a float32, n int)
// DI dst, SI v (F16), Y0 a broadcast, CX elements left (a multiple of 8).
TEXT ·axpyF16AVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ v+8(FP), SI
	VBROADCASTSS a+16(FP), Y0
	MOVQ n+24(FP), CX

axpy_loop32:
	CMPQ CX, $32
	JLT axpy_loop8
	VCVTPH2PS (SI), Y1
	VCVTPH2PS 16(SI), Y2
	VCVTPH2PS 32(SI), Y3
	VCVTPH2PS 48(SI), Y4
	VFMADD213PS (DI), Y0, Y1
	VFMADD213PS 32(DI), Y0, Y2
	VFMADD213PS 64(DI), Y0, Y3
	VFMADD213PS 96(DI), Y0, Y4
	VMOVUPS Y1, (DI)
	VMOVUPS Y2, 32(DI)
	VMOVUPS Y3, 64(DI)
	VMOVUPS Y4, 96(DI)
	ADDQ $64, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP axpy_loop32

axpy_loop8:
	TESTQ CX, CX
	JEQ axpy_done
	VCVTPH2PS (SI), Y1
	VFMADD213PS (DI), Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ $16, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP axpy_loop8

axpy_done:
	VZEROUPPER
	RET

// H8(l, Y): Y = V_l + V_{l+8}, V_i = (L[i] + L[32+i]) + (L[16+i] + L[48+i]),
// L[i] the 8 floats at SI + i*BX. DX = 16*BX, CX = 48*BX, R9 = 8*BX.
#define H8(l, Yout) \
	MOVQ $l, R8 \
	IMULQ BX, R8 \
	LEAQ (SI)(R8*1), AX \
	VMOVUPS (AX), Y8 \
	VADDPS (AX)(DX*2), Y8, Y8 \
	VMOVUPS (AX)(DX*1), Y9 \
	VADDPS (AX)(CX*1), Y9, Y9 \
	VADDPS Y9, Y8, Y8 \
	LEAQ (AX)(R9*1), R10 \
	VMOVUPS (R10), Y10 \
	VADDPS (R10)(DX*2), Y10, Y10 \
	VMOVUPS (R10)(DX*1), Y11 \
	VADDPS (R10)(CX*1), Y11, Y11 \
	VADDPS Y11, Y10, Y10 \
	VADDPS Y10, Y8, Yout

// func foldLanes64AVX2(out, lanes *float32, stride, steps int)
TEXT ·foldLanes64AVX2(SB), NOSPLIT, $0-32
	MOVQ out+0(FP), DI
	MOVQ lanes+8(FP), SI
	MOVQ stride+16(FP), BX
	MOVQ steps+24(FP), R11
	MOVQ BX, DX
	SHLQ $4, DX
	LEAQ (DX)(DX*2), CX
	MOVQ BX, R9
	SHLQ $3, R9

fold_loop:
	H8(0, Y0)
	H8(1, Y1)
	H8(2, Y2)
	H8(3, Y3)
	H8(4, Y4)
	H8(5, Y5)
	H8(6, Y6)
	H8(7, Y7)
	VADDPS Y4, Y0, Y0
	VADDPS Y5, Y1, Y1
	VADDPS Y6, Y2, Y2
	VADDPS Y7, Y3, Y3
	VADDPS Y2, Y0, Y0
	VADDPS Y3, Y1, Y1
	VADDPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ R11
	JNZ fold_loop
	VZEROUPPER
	RET
