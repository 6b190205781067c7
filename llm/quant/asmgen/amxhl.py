# amxhl.py: the parts amx_q4_k.py and amx_q6_k.py share. Both kernels split
# each weight times its scale into 64h + l (int8 h and l, in tiles T1 and
# T5) and take one super-block's integer sums of 16 activation rows x 16
# weight rows as two tile products.


def tile_sums(p, buf):
    """The tile products of one super-block (4 chunks of 64 bytes: A rows
    at AX, stride BX; h/l at SI, stride CX = 64): h sums in T2, l sums in
    T3, stored at buf and buf+1024."""
    p("""	TILEZERO_T2
	TILEZERO_T3""")
    for c in range(4):
        p("""	TILELOADD_T0_AX_BX
	TILELOADD_T1_SI_CX
	TILELOADD_T5_SI_CX_1024
	TDPBSSD_T2_T0_T1
	TDPBSSD_T3_T0_T5
	ADDQ $1024, AX
	ADDQ $2048, SI""")
    p(f"""	TILESTORED_{buf}_CX_T2
	TILESTORED_{buf}_CX_1024_T3""")


def hl_floats(p, buf, load_dw):
    """acc[m] (Z16+m) += float(64*h + l) * (d_a[m] at DI) * d_w (Z8, loaded
    by load_dw) for the 16 activation rows m of the sums at buf."""
    p(load_dw)
    for m in range(16):
        p(f"""	VPSLLD $6, {64*m}({buf}), Z0
	VPADDD {1024+64*m}({buf}), Z0, Z0
	VCVTDQ2PS Z0, Z0
	VMULPS.BCST {4*m}(DI), Z8, Z1
	VFMADD231PS Z0, Z1, Z{16+m}""")
