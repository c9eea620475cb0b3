/* Bits and fields of the EL2 system registers the hypervisor programs or
 * decodes (HCR_EL2, ESR_EL2 and its syndromes, the stage-2 fault address):
 * constants only, so that the host fuzz builds' fake arch/sysreg.h shares
 * them with the real one. */
#ifndef ARCH_SYSREG_BITS_H
#define ARCH_SYSREG_BITS_H

/* HCR_EL2 bits */
#define HCR_VM    (1ULL << 0)
#define HCR_SWIO  (1ULL << 1)
#define HCR_FMO   (1ULL << 3)
#define HCR_IMO   (1ULL << 4)
#define HCR_AMO   (1ULL << 5)
#define HCR_FB    (1ULL << 9)
#define HCR_BSU_IS (1ULL << 10)
#define HCR_TWI   (1ULL << 13)
#define HCR_TWE   (1ULL << 14)
#define HCR_TSC   (1ULL << 19)
#define HCR_TIDCP (1ULL << 20)
#define HCR_RW    (1ULL << 31)

/* ESR_EL2 exception classes */
#define EC_UNKNOWN   0x00u
#define EC_WFX       0x01u
#define EC_HVC64     0x16u
#define EC_SMC64     0x17u
#define EC_SYSREG    0x18u
#define EC_IABT_LOW  0x20u
#define EC_DABT_LOW  0x24u

#define ESR_EC_SHIFT 26
#define ESR_EC(esr)  ((uint32_t)((esr) >> ESR_EC_SHIFT) & 0x3fu)
#define ESR_IL       (1ULL << 25)
#define ESR_ISS(esr) ((uint32_t)((esr) & 0x1ffffffu))
#define ISS_WFX_WFE  1u
#define ISS_DABT_ISV (1u << 24)
#define ISS_DABT_SAS(i) (((i) >> 22) & 3u)
#define ISS_DABT_SSE (1u << 21)
#define ISS_DABT_SF  0x8000u /* bit 15: the target is a 64-bit register */
#define ISS_DABT_SRT(i) (((i) >> 16) & 0x1fu)
#define ISS_DABT_WNR (1u << 6)

/* ISS of a trapped MSR/MRS: Op0 [21:20], Op2 [19:17], Op1 [16:14],
 * CRn [13:10], Rt [9:5], CRm [4:1], read [0]. */
#define SYSREG_KEY(op0, op1, crn, crm, op2) \
    (((op0) << 20) | ((op2) << 17) | ((op1) << 14) | ((crn) << 10) | ((crm) << 1))
#define SYSREG_KEY_MASK 0x3ffc1eu
#define ICC_SGI1R_KEY  SYSREG_KEY(3u, 0u, 12u, 11u, 5u)
#define ICC_ASGI1R_KEY SYSREG_KEY(3u, 0u, 12u, 11u, 6u)
#define ICC_SGI0R_KEY  SYSREG_KEY(3u, 0u, 12u, 11u, 7u)

/* Fault address of a stage-2 abort: HPFAR_EL2 gives the page, FAR the offset. */
#define FAULT_IPA(hpfar, far) ((((hpfar) >> 4) << 12) | ((far) & 0xfffu))

#endif
