//go:build !noasm

#include "textflag.h"

// ggml_v_expf, ggml_v_silu, ggml_vec_swiglu_f32 and the vector part of
// ggml_vec_soft_max_f32 (llama.cpp's AVX-512 build, ggml-cpu/vec.h and
// vec.cpp) with the same instructions in the same order, so every lane
// rounds exactly as the portable Expf/SiLU in expf.go (the oracle) and as
// llama.cpp. Only AVX-512F instructions are used (the absolute value is
// VPANDD, the 256-bit extract VEXTRACTF64X4; no DQ needed).

// Constants, broadcast once per call:
//   Z16 0x1.8p23 (r)        Z17 0x1.715476p+0 (log2 e)
//   Z18 0x1.62e4p-1         Z19 0x1.7f7d1cp-20  (ln 2, high and low)
//   Z20 0x1.0e4020p-7       Z21 0x1.573e2ep-5
//   Z22 0x1.555e66p-3       Z23 0x1.fffdb6p-2
//   Z24 0x1.ffffecp-1       Z25 1
//   Z26 192                 Z27 0x7fffffff (abs mask)
//   Z28 +Inf                Z29 0
#define EXPF_CONSTS \
	MOVL $0x4B400000, AX; \
	VPBROADCASTD AX, Z16; \
	MOVL $0x3FB8AA3B, AX; \
	VPBROADCASTD AX, Z17; \
	MOVL $0x3F317200, AX; \
	VPBROADCASTD AX, Z18; \
	MOVL $0x35BFBE8E, AX; \
	VPBROADCASTD AX, Z19; \
	MOVL $0x3C072010, AX; \
	VPBROADCASTD AX, Z20; \
	MOVL $0x3D2B9F17, AX; \
	VPBROADCASTD AX, Z21; \
	MOVL $0x3E2AAF33, AX; \
	VPBROADCASTD AX, Z22; \
	MOVL $0x3EFFFEDB, AX; \
	VPBROADCASTD AX, Z23; \
	MOVL $0x3F7FFFF6, AX; \
	VPBROADCASTD AX, Z24; \
	MOVL $0x3F800000, AX; \
	VPBROADCASTD AX, Z25; \
	MOVL $0x43400000, AX; \
	VPBROADCASTD AX, Z26; \
	MOVL $0x7FFFFFFF, AX; \
	VPBROADCASTD AX, Z27; \
	MOVL $0x7F800000, AX; \
	VPBROADCASTD AX, Z28; \
	VPXORD Z29, Z29, Z29

// EXPF(x, out, n, b, u, t, s, kd, kn) sets out = ggml_v_expf(x); n, b, u,
// t, s are scratch zmm, kd and kn scratch mask registers. x is kept.
// vec.h skips the two blends when no lane has |n| > 192 (kortestz); here
// they always run, which gives the same bits without the branch.
// (Go operand order: VFMADD231PS a, b, c is c = b*a + c; VFMADD213PS a,
// b, c is c = b*c + a; VCMPPS $p, a, b, k is k = b p a; VBLENDMPS a, b,
// k, c is c = k ? a : b.)
#define EXPF(x, out, n, b, u, t, s, kd, kn) \
	VMOVAPS      Z16, n /* z = x*log2e + r */; \
	VFMADD231PS  Z17, x, n; \
	VSUBPS       Z16, n, n /* n = z - r */; \
	VMOVAPS      x, b /* b = fnmadd(n, ln2lo, fnmadd(n, ln2hi, x)) */; \
	VFNMADD231PS Z18, n, b; \
	VFNMADD231PS Z19, n, b; \
	VPANDD       Z27, n, u /* d = |n| > 192 (_CMP_GT_OQ) */; \
	VCMPPS       $0x1e, Z26, u, kd; \
	VMULPS       b, b, u /* u = b*b */; \
	VMOVAPS      b, t /* t = fma(fma(c4, b, c3), u, fma(c2, b, c1)) */; \
	VFMADD213PS  Z21, Z20, t; \
	VMOVAPS      b, s; \
	VFMADD213PS  Z23, Z22, s; \
	VFMADD213PS  s, u, t; \
	VMOVAPS      b, s /* j = fma(t, u, fma(c0, b, 1)) */; \
	VFMADD213PS  Z25, Z24, s; \
	VFMADD213PS  s, u, t; \
	VSCALEFPS    n, t, out /* res = j*2^n, rounded once */; \
	VCMPPS       $0x12, Z29, n, kn /* alt = n <= 0 (_CMP_LE_OQ) ? 0 : +Inf */; \
	VBLENDMPS    Z29, Z28, kn, s; \
	VBLENDMPS    s, out, kd, out /* d ? alt : res */

// func swigluAVX512(y, x, gate *float32, nb int)
//
// y[i] = x[i]/(1 + expf(0 - x[i])) * g[i] over nb > 0 blocks of 16, two
// blocks per iteration while they last.
TEXT ·swigluAVX512(SB), NOSPLIT, $0-32
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ gate+16(FP), DX
	MOVQ nb+24(FP), CX
	EXPF_CONSTS

swiglu_loop2:
	CMPQ CX, $2
	JLT  swiglu_tail
	VMOVUPS (SI), Z8
	VMOVUPS 64(SI), Z9
	VSUBPS  Z8, Z29, Z0            // 0 - x
	VSUBPS  Z9, Z29, Z10
	EXPF(Z0, Z1, Z2, Z3, Z4, Z5, Z6, K1, K2)
	EXPF(Z10, Z11, Z12, Z13, Z14, Z15, Z7, K3, K4)
	VADDPS  Z25, Z1, Z1            // 1 + e
	VADDPS  Z25, Z11, Z11
	VDIVPS  Z1, Z8, Z1             // x / (1 + e)
	VDIVPS  Z11, Z9, Z11
	VMULPS  (DX), Z1, Z1           // * g
	VMULPS  64(DX), Z11, Z11
	VMOVUPS Z1, (DI)
	VMOVUPS Z11, 64(DI)
	ADDQ    $128, SI
	ADDQ    $128, DX
	ADDQ    $128, DI
	SUBQ    $2, CX
	JMP     swiglu_loop2

swiglu_tail:
	TESTQ   CX, CX
	JEQ     swiglu_done
	VMOVUPS (SI), Z8
	VSUBPS  Z8, Z29, Z0
	EXPF(Z0, Z1, Z2, Z3, Z4, Z5, Z6, K1, K2)
	VADDPS  Z25, Z1, Z1
	VDIVPS  Z1, Z8, Z1
	VMULPS  (DX), Z1, Z1
	VMOVUPS Z1, (DI)

swiglu_done:
	VZEROUPPER
	RET

// REDUCE16(v, acc) adds _mm512_reduce_add_ps(v) (GCC: 16 -> 8 by halves,
// 8 -> 4, then (h0+h2)+(h1+h3)), widened to double, into X register acc.
// Clobbers Y2, X3, X4 (and the low lanes of Z2-Z4).
#define REDUCE16(vz, vy, acc) \
	VEXTRACTF64X4 $1, vz, Y2; \
	VADDPS        Y2, vy, Y2 /* h8[l] = v[l] + v[l+8] */; \
	VEXTRACTF128  $1, Y2, X3; \
	VADDPS        X3, X2, X3 /* h4[l] = h8[l] + h8[l+4] */; \
	VPERMILPS     $0x4e, X3, X4; \
	VADDPS        X4, X3, X4 /* h0+h2, h1+h3 */; \
	VMOVSHDUP     X4, X3; \
	VADDSS        X3, X4, X3 /* (h0+h2) + (h1+h3) */; \
	VCVTSS2SD     X3, X3, X3; \
	VADDSD        X3, acc, acc

// func softMaxExpAVX512(y, x *float32, max float32, nb int) float64
//
// For nb > 0 blocks of 16: y = expf(x - max), and the sum in double of the
// blocks' float sums, block by block from 0.
TEXT ·softMaxExpAVX512(SB), NOSPLIT, $0-40
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ nb+24(FP), CX
	EXPF_CONSTS
	VBROADCASTSS max+16(FP), Z30
	VXORPD X9, X9, X9

softmax_loop2:
	CMPQ CX, $2
	JLT  softmax_tail
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z10
	VSUBPS  Z30, Z0, Z0            // x - max
	VSUBPS  Z30, Z10, Z10
	EXPF(Z0, Z1, Z2, Z3, Z4, Z5, Z6, K1, K2)
	EXPF(Z10, Z11, Z12, Z13, Z14, Z15, Z7, K3, K4)
	VMOVUPS Z1, (DI)
	VMOVUPS Z11, 64(DI)
	REDUCE16(Z1, Y1, X9)
	REDUCE16(Z11, Y11, X9)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $2, CX
	JMP     softmax_loop2

softmax_tail:
	TESTQ   CX, CX
	JEQ     softmax_done
	VMOVUPS (SI), Z0
	VSUBPS  Z30, Z0, Z0
	EXPF(Z0, Z1, Z2, Z3, Z4, Z5, Z6, K1, K2)
	VMOVUPS Z1, (DI)
	REDUCE16(Z1, Y1, X9)

softmax_done:
	VMOVSD X9, ret+32(FP)
	VZEROUPPER
	RET
