// AMX instructions as bytes (the Go assembler has no AMX mnemonics), for
// the registers the amx_*.s kernels use. Encodings from GNU as.

// LDTILECFG (DI)
#define LDTILECFG_DI BYTE $0xc4; BYTE $0xe2; BYTE $0x78; BYTE $0x49; BYTE $0x07
// TILERELEASE
#define TILERELEASE BYTE $0xc4; BYTE $0xe2; BYTE $0x78; BYTE $0x49; BYTE $0xc0
// TILEZERO tmm2 / tmm3
#define TILEZERO_T2 BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x49; BYTE $0xd0
#define TILEZERO_T3 BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x49; BYTE $0xd8
// TILELOADD tmm0, (AX)(BX*1) / tmm4, (AX)(BX*1)
#define TILELOADD_T0_AX_BX BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x4b; BYTE $0x04; BYTE $0x18
#define TILELOADD_T4_AX_BX BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x4b; BYTE $0x24; BYTE $0x18
// TILELOADD tmm1, (SI)(CX*1) / tmm5, (SI)(CX*1)
#define TILELOADD_T1_SI_CX BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x4b; BYTE $0x0c; BYTE $0x0e
#define TILELOADD_T5_SI_CX BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x4b; BYTE $0x2c; BYTE $0x0e
// TDPBSSD tmm2, tmm0, tmm1 (tmm2 += tmm0 . tmm1) / tmm3, tmm4, tmm5
#define TDPBSSD_T2_T0_T1 BYTE $0xc4; BYTE $0xe2; BYTE $0x73; BYTE $0x5e; BYTE $0xd0
#define TDPBSSD_T3_T4_T5 BYTE $0xc4; BYTE $0xe2; BYTE $0x53; BYTE $0x5e; BYTE $0xdc
// TILESTORED (DX)(CX*1), tmm2 / (R15)(CX*1), tmm3
#define TILESTORED_DX_CX_T2 BYTE $0xc4; BYTE $0xe2; BYTE $0x7a; BYTE $0x4b; BYTE $0x14; BYTE $0x0a
#define TILESTORED_R15_CX_T3 BYTE $0xc4; BYTE $0xc2; BYTE $0x7a; BYTE $0x4b; BYTE $0x1c; BYTE $0x0f
// TILELOADD tmm5, 1024(SI)(CX*1)
#define TILELOADD_T5_SI_CX_1024 BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x4b; BYTE $0xac; BYTE $0x0e; BYTE $0x00; BYTE $0x04; BYTE $0x00; BYTE $0x00
// TDPBSSD tmm3, tmm0, tmm5
#define TDPBSSD_T3_T0_T5 BYTE $0xc4; BYTE $0xe2; BYTE $0x53; BYTE $0x5e; BYTE $0xd8
// TILESTORED 1024(DX)(CX*1), tmm3
#define TILESTORED_DX_CX_1024_T3 BYTE $0xc4; BYTE $0xe2; BYTE $0x7a; BYTE $0x4b; BYTE $0x9c; BYTE $0x0a; BYTE $0x00; BYTE $0x04; BYTE $0x00; BYTE $0x00
// TILESTORED (R15)(CX*1), tmm2 / 1024(R15)(CX*1), tmm3
#define TILESTORED_R15_CX_T2 BYTE $0xc4; BYTE $0xc2; BYTE $0x7a; BYTE $0x4b; BYTE $0x14; BYTE $0x0f
#define TILESTORED_R15_CX_1024_T3 BYTE $0xc4; BYTE $0xc2; BYTE $0x7a; BYTE $0x4b; BYTE $0x9c; BYTE $0x0f; BYTE $0x00; BYTE $0x04; BYTE $0x00; BYTE $0x00
