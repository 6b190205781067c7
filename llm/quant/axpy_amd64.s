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
