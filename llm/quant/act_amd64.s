//go:build !noasm

#include "textflag.h"

// Activation conversions (act.go). Each kernel produces exactly the bytes
// of the portable Go it replaces; act_test.go checks them against it.

// BCAST32(imm, X, Y) broadcasts a 32-bit constant into Y (AX clobbered).
#define BCAST32(imm, X, Y) \
	MOVL imm, AX \
	VMOVD AX, X \
	VPBROADCASTD X, Y

// func actQ8_0AVX2(x *float32, dst *byte, nb int) (ok bool)
//
// quantizeActQ8_0 over nb blocks of 32. amax is the integer max of the
// |x| bit patterns (the same order as float max for non-NaN values); a
// block holding a NaN gives ok = false (the portable code's sequential
// maxps depends on where the NaN is, so the caller redoes the row).
// d = amax/127 as a half (VCVTPS2PH, nearest even), id = 127/amax or 0,
// q = VCVTPS2DQ(x*id) (nearest even, out of range -> INT32_MIN) saturated
// to int8 by two signed packs, as ggml's AVX2 quantize_row_q8_0.
// SI x, DI dst, CX blocks left; Y15 abs mask, X14 127.0, Y13 the dword
// order after the packs, X12 running max of amax bits, X11 zero.
TEXT ·actQ8_0AVX2(SB), NOSPLIT, $0-25
	MOVQ x+0(FP), SI
	MOVQ dst+8(FP), DI
	MOVQ nb+16(FP), CX
	BCAST32($0x7fffffff, X15, Y15)
	MOVL $0x42fe0000, AX // 127.0
	VMOVD AX, X14
	MOVQ $0x0703060205010400, AX
	VMOVQ AX, X13
	VPMOVZXBD X13, Y13 // 0, 4, 1, 5, 2, 6, 3, 7
	VPXOR X12, X12, X12
	VPXOR X11, X11, X11

q80_loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VPAND Y15, Y0, Y4
	VPAND Y15, Y1, Y5
	VPAND Y15, Y2, Y6
	VPAND Y15, Y3, Y7
	VPMAXUD Y5, Y4, Y4
	VPMAXUD Y7, Y6, Y6
	VPMAXUD Y6, Y4, Y4
	VEXTRACTI128 $1, Y4, X5
	VPMAXUD X5, X4, X4
	VPSHUFD $0x4e, X4, X5
	VPMAXUD X5, X4, X4
	VPSHUFD $0xb1, X4, X5
	VPMAXUD X5, X4, X4 // amax in every lane
	VPMAXUD X4, X12, X12

	VDIVSS X14, X4, X5 // amax/127
	VCVTPS2PH $0, X5, X5
	VMOVD X5, AX
	MOVW AX, (DI)

	VDIVSS X4, X14, X6     // 127/amax
	VPCMPEQD X11, X4, X7   // amax == 0
	VPANDN X6, X7, X6      // then id = 0
	VBROADCASTSS X6, Y6
	VMULPS Y6, Y0, Y0
	VMULPS Y6, Y1, Y1
	VMULPS Y6, Y2, Y2
	VMULPS Y6, Y3, Y3
	VCVTPS2DQ Y0, Y0
	VCVTPS2DQ Y1, Y1
	VCVTPS2DQ Y2, Y2
	VCVTPS2DQ Y3, Y3
	VPACKSSDW Y1, Y0, Y0
	VPACKSSDW Y3, Y2, Y2
	VPACKSSWB Y2, Y0, Y0
	VPERMD Y0, Y13, Y0
	VMOVDQU Y0, 2(DI)

	ADDQ $128, SI
	ADDQ $34, DI
	DECQ CX
	JNZ q80_loop

	VMOVD X12, AX
	CMPL AX, $0x7f800000
	SETLS ok+24(FP)
	VZEROUPPER
	RET

// func actQ8KMaxAVX2(x *float32) int
//
// The index of the first of 256 values of largest magnitude, NaNs left out
// (as quantizeQ8K's strict > skips them), or -1 when that magnitude is 0.
// |x| bit patterns compare as the floats do; NaN patterns are zeroed.
TEXT ·actQ8KMaxAVX2(SB), NOSPLIT, $0-16
	MOVQ x+0(FP), SI
	BCAST32($0x7fffffff, X15, Y15)
	BCAST32($0x7f800000, X14, Y14)
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	MOVQ SI, DI
	MOVQ $8, CX

q8kmax_loop:
	VPAND (DI), Y15, Y4
	VPAND 32(DI), Y15, Y5
	VPAND 64(DI), Y15, Y6
	VPAND 96(DI), Y15, Y7
	VPCMPGTD Y14, Y4, Y8
	VPCMPGTD Y14, Y5, Y9
	VPCMPGTD Y14, Y6, Y10
	VPCMPGTD Y14, Y7, Y11
	VPANDN Y4, Y8, Y4
	VPANDN Y5, Y9, Y5
	VPANDN Y6, Y10, Y6
	VPANDN Y7, Y11, Y7
	VPMAXUD Y4, Y0, Y0
	VPMAXUD Y5, Y1, Y1
	VPMAXUD Y6, Y2, Y2
	VPMAXUD Y7, Y3, Y3
	ADDQ $128, DI
	DECQ CX
	JNZ q8kmax_loop

	VPMAXUD Y1, Y0, Y0
	VPMAXUD Y3, Y2, Y2
	VPMAXUD Y2, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPMAXUD X1, X0, X0
	VPSHUFD $0x4e, X0, X1
	VPMAXUD X1, X0, X0
	VPSHUFD $0xb1, X0, X1
	VPMAXUD X1, X0, X0
	VMOVD X0, AX
	TESTL AX, AX
	JEQ q8kmax_zero
	VPBROADCASTD X0, Y0

	// A NaN's pattern is above amax, so only real values match.
	XORQ BX, BX

q8kmax_find:
	VPAND (SI)(BX*4), Y15, Y4
	VPCMPEQD Y0, Y4, Y4
	VMOVMSKPS Y4, AX
	TESTL AX, AX
	JNE q8kmax_found
	ADDQ $8, BX
	JMP q8kmax_find

q8kmax_found:
	BSFL AX, AX
	ADDQ AX, BX
	MOVQ BX, ret+8(FP)
	VZEROUPPER
	RET

q8kmax_zero:
	MOVQ $-1, ret+8(FP)
	VZEROUPPER
	RET

// func actQ8KQuantAVX2(x *float32, dst *byte, iscale float32)
//
// quantizeQ8K's quants and bsums of one block of 256 (dst is the block; the
// caller writes d): q = min(127, nearestInt(iscale*x)) truncated to int8,
// nearestInt being the bits of x + 1.5*2^23 as in ggml's nearest_int.
// bsums are the int16 sums of each 16 quants.
TEXT ·actQ8KQuantAVX2(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ dst+8(FP), DI
	VBROADCASTSS iscale+16(FP), Y15
	BCAST32($0x4b400000, X14, Y14) // 12582912.0
	BCAST32($0x007fffff, X13, Y13)
	BCAST32($0x00400000, X12, Y12)
	BCAST32($127, X11, Y11)
	BCAST32($0xff, X10, Y10)
	MOVQ $0x0703060205010400, AX
	VMOVQ AX, X9
	VPMOVZXBD X9, Y9 // 0, 4, 1, 5, 2, 6, 3, 7
	BCAST32($0x01010101, X8, Y8)
	BCAST32($0x00010001, X7, Y7)
	LEAQ 260(DI), BX
	ADDQ $4, DI
	MOVQ $8, CX

q8kq_loop:
	VMULPS (SI), Y15, Y0
	VMULPS 32(SI), Y15, Y1
	VMULPS 64(SI), Y15, Y2
	VMULPS 96(SI), Y15, Y3
	VADDPS Y14, Y0, Y0
	VADDPS Y14, Y1, Y1
	VADDPS Y14, Y2, Y2
	VADDPS Y14, Y3, Y3
	VPAND Y13, Y0, Y0
	VPAND Y13, Y1, Y1
	VPAND Y13, Y2, Y2
	VPAND Y13, Y3, Y3
	VPSUBD Y12, Y0, Y0
	VPSUBD Y12, Y1, Y1
	VPSUBD Y12, Y2, Y2
	VPSUBD Y12, Y3, Y3
	VPMINSD Y11, Y0, Y0
	VPMINSD Y11, Y1, Y1
	VPMINSD Y11, Y2, Y2
	VPMINSD Y11, Y3, Y3
	VPAND Y10, Y0, Y0 // int8 truncation: the low byte
	VPAND Y10, Y1, Y1
	VPAND Y10, Y2, Y2
	VPAND Y10, Y3, Y3
	VPACKUSDW Y1, Y0, Y0
	VPACKUSDW Y3, Y2, Y2
	VPACKUSWB Y2, Y0, Y0
	VPERMD Y0, Y9, Y0
	VMOVDQU Y0, (DI)

	VPMADDUBSW Y0, Y8, Y1 // pairs of int8 (times unsigned 1) as int16
	VPMADDWD Y7, Y1, Y1   // quads as int32
	VPHADDD Y1, Y1, Y1
	VPHADDD Y1, Y1, Y1    // each 128-bit lane's sum in its dwords
	VMOVD X1, AX
	MOVW AX, (BX)
	VEXTRACTI128 $1, Y1, X1
	VMOVD X1, AX
	MOVW AX, 2(BX)

	ADDQ $128, SI
	ADDQ $32, DI
	ADDQ $4, BX
	DECQ CX
	JNZ q8kq_loop
	VZEROUPPER
	RET

// func f32ToF16AVX2(dst *uint16, src *float32, n int)
//
// VCVTPS2PH with round-to-nearest-even (imm 0) over n, a positive multiple
// of 8, values.
TEXT ·f32ToF16AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

f2h_loop32:
	CMPQ CX, $32
	JLT f2h_loop8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VCVTPS2PH $0, Y0, (DI)
	VCVTPS2PH $0, Y1, 16(DI)
	VCVTPS2PH $0, Y2, 32(DI)
	VCVTPS2PH $0, Y3, 48(DI)
	ADDQ $128, SI
	ADDQ $64, DI
	SUBQ $32, CX
	JMP f2h_loop32

f2h_loop8:
	TESTQ CX, CX
	JEQ f2h_done
	VMOVUPS (SI), Y0
	VCVTPS2PH $0, Y0, (DI)
	ADDQ $32, SI
	ADDQ $16, DI
	SUBQ $8, CX
	JMP f2h_loop8

f2h_done:
	VZEROUPPER
	RET

// func roundF16AVX2(x *float32, n int)
//
// x = float(half(x)) in place, n a positive multiple of 8.
TEXT ·roundF16AVX2(SB), NOSPLIT, $0-16
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX

rh_loop32:
	CMPQ CX, $32
	JLT rh_loop8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VCVTPS2PH $0, Y0, X0
	VCVTPS2PH $0, Y1, X1
	VCVTPS2PH $0, Y2, X2
	VCVTPS2PH $0, Y3, X3
	VCVTPH2PS X0, Y0
	VCVTPH2PS X1, Y1
	VCVTPH2PS X2, Y2
	VCVTPH2PS X3, Y3
	VMOVUPS Y0, (SI)
	VMOVUPS Y1, 32(SI)
	VMOVUPS Y2, 64(SI)
	VMOVUPS Y3, 96(SI)
	ADDQ $128, SI
	SUBQ $32, CX
	JMP rh_loop32

rh_loop8:
	TESTQ CX, CX
	JEQ rh_done
	VMOVUPS (SI), Y0
	VCVTPS2PH $0, Y0, X0
	VCVTPH2PS X0, Y0
	VMOVUPS Y0, (SI)
	ADDQ $32, SI
	SUBQ $8, CX
	JMP rh_loop8

rh_done:
	VZEROUPPER
	RET

// func axpyF16RowsAVX2(lanes *float32, v *byte, stride int, att *float32, n, hd int)
//
// For t < n: lane row t&63 (hd floats, at lanes + (t&63)*4*hd) += att[t] *
// the hd halves at v + t*stride (stride in bytes), each row exactly as
// axpyF16AVX2 does it; hd is a positive multiple of 8.
// DI lanes, SI v row, R8 stride, R9 att, R10 n, R11 hd, R12 bytes per lane
// row, BX t, DX lane row, AX v cursor, CX elements left.
TEXT ·axpyF16RowsAVX2(SB), NOSPLIT, $0-48
	MOVQ lanes+0(FP), DI
	MOVQ v+8(FP), SI
	MOVQ stride+16(FP), R8
	MOVQ att+24(FP), R9
	MOVQ n+32(FP), R10
	MOVQ hd+40(FP), R11
	LEAQ (R11*4), R12
	XORQ BX, BX

axr_row:
	CMPQ BX, R10
	JGE axr_done
	MOVQ BX, DX
	ANDQ $63, DX
	IMULQ R12, DX
	ADDQ DI, DX
	VBROADCASTSS (R9)(BX*4), Y0
	MOVQ SI, AX
	MOVQ R11, CX

axr_loop32:
	CMPQ CX, $32
	JLT axr_loop8
	VCVTPH2PS (AX), Y1
	VCVTPH2PS 16(AX), Y2
	VCVTPH2PS 32(AX), Y3
	VCVTPH2PS 48(AX), Y4
	VFMADD213PS (DX), Y0, Y1
	VFMADD213PS 32(DX), Y0, Y2
	VFMADD213PS 64(DX), Y0, Y3
	VFMADD213PS 96(DX), Y0, Y4
	VMOVUPS Y1, (DX)
	VMOVUPS Y2, 32(DX)
	VMOVUPS Y3, 64(DX)
	VMOVUPS Y4, 96(DX)
	ADDQ $64, AX
	ADDQ $128, DX
	SUBQ $32, CX
	JMP axr_loop32

axr_loop8:
	TESTQ CX, CX
	JEQ axr_next
	VCVTPH2PS (AX), Y1
	VFMADD213PS (DX), Y0, Y1
	VMOVUPS Y1, (DX)
	ADDQ $16, AX
	ADDQ $32, DX
	SUBQ $8, CX
	JMP axr_loop8

axr_next:
	ADDQ R8, SI
	INCQ BX
	JMP axr_row

axr_done:
	VZEROUPPER
	RET

// func ropeAVX2(x, bs, zs *float32, hd, heads int)
//
// Per pair of each head: x0, x1 = fma(x0, bs0, x1*zs0), fma(x0, bs1, x1*zs1)
// for 4 pairs per ymm: the even and odd values duplicated across their pair
// (MOVSLDUP, MOVSHDUP), one multiply, one fused multiply-add. hd is a
// positive multiple of 8. DI head, R8 heads left, SI/DX table cursors,
// AX head cursor, CX elements left.
TEXT ·ropeAVX2(SB), NOSPLIT, $0-40
	MOVQ x+0(FP), DI
	MOVQ bs+8(FP), R9
	MOVQ zs+16(FP), R10
	MOVQ hd+24(FP), R11
	MOVQ heads+32(FP), R8
	TESTQ R8, R8
	JEQ rope_done

rope_head:
	MOVQ DI, AX
	MOVQ R9, SI
	MOVQ R10, DX
	MOVQ R11, CX

rope_loop:
	VMOVUPS (AX), Y0
	VMOVSLDUP Y0, Y1
	VMOVSHDUP Y0, Y2
	VMULPS (DX), Y2, Y2
	VFMADD231PS (SI), Y1, Y2
	VMOVUPS Y2, (AX)
	ADDQ $32, AX
	ADDQ $32, SI
	ADDQ $32, DX
	SUBQ $8, CX
	JNE rope_loop

	LEAQ (DI)(R11*4), DI
	DECQ R8
	JNE rope_head

rope_done:
	VZEROUPPER
	RET

// func f16DotRowsAVX2(out *float32, w, a *byte, stride, rows, n int)
//
// out[t] = f16DotAVX2(row t, a, n) for rows rows stride bytes apart, n a
// positive multiple of 64: the same instructions in the same order (see
// f16_amd64.s), looping over the rows here instead of one call per row.
// DI out, SI row, BX a, R8 stride, R10 rows left, R11 steps of 64;
// AX/DX/CX the step cursors; Y0-Y7 the 4x16 lanes, Y8-Y15 scratch.
TEXT ·f16DotRowsAVX2(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ a+16(FP), BX
	MOVQ stride+24(FP), R8
	MOVQ rows+32(FP), R10
	MOVQ n+40(FP), R11
	SHRQ $6, R11
	TESTQ R10, R10
	JEQ f16r_done

f16r_row:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	MOVQ SI, AX
	MOVQ BX, DX
	MOVQ R11, CX

f16r_step:
	VCVTPH2PS (AX), Y8
	VCVTPH2PS (DX), Y9
	VFMADD231PS Y9, Y8, Y0
	VCVTPH2PS 16(AX), Y10
	VCVTPH2PS 16(DX), Y11
	VFMADD231PS Y11, Y10, Y1
	VCVTPH2PS 32(AX), Y12
	VCVTPH2PS 32(DX), Y13
	VFMADD231PS Y13, Y12, Y2
	VCVTPH2PS 48(AX), Y14
	VCVTPH2PS 48(DX), Y15
	VFMADD231PS Y15, Y14, Y3
	VCVTPH2PS 64(AX), Y8
	VCVTPH2PS 64(DX), Y9
	VFMADD231PS Y9, Y8, Y4
	VCVTPH2PS 80(AX), Y10
	VCVTPH2PS 80(DX), Y11
	VFMADD231PS Y11, Y10, Y5
	VCVTPH2PS 96(AX), Y12
	VCVTPH2PS 96(DX), Y13
	VFMADD231PS Y13, Y12, Y6
	VCVTPH2PS 112(AX), Y14
	VCVTPH2PS 112(DX), Y15
	VFMADD231PS Y15, Y14, Y7
	ADDQ $128, AX
	ADDQ $128, DX
	DECQ CX
	JNZ f16r_step

	VADDPS Y4, Y0, Y0          // acc0+acc2, lanes 0-7
	VADDPS Y6, Y2, Y2          // acc1+acc3, lanes 0-7
	VADDPS Y2, Y0, Y0          // v lanes 0-7
	VADDPS Y5, Y1, Y1          // acc0+acc2, lanes 8-15
	VADDPS Y7, Y3, Y3          // acc1+acc3, lanes 8-15
	VADDPS Y3, Y1, Y1          // v lanes 8-15
	VADDPS Y1, Y0, Y0          // 16 -> 8
	VEXTRACTF128 $1, Y0, X1    // 8 -> 4
	VADDPS X1, X0, X0
	VMOVHLPS X0, X0, X1        // (h0+h2), (h1+h3)
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0
	VMOVSS X0, (DI)
	ADDQ $4, DI
	ADDQ R8, SI
	DECQ R10
	JNZ f16r_row

f16r_done:
	VZEROUPPER
	RET
