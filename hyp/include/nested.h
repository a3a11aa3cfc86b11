/*
 * Nested virtualization (docs/nested.md): a VM with el2=on runs its own
 * hypervisor (L1) at virtual EL2, on FEAT_NV2. L1 really runs at EL1 with
 * HCR_EL2.{NV,NV1,NV2} set and E2H clear (an nVHE guest hypervisor): its
 * VNCR-backed EL2 registers and the EL1 registers of its guest (L2) are
 * loads and stores to the vCPU's VNCR page, the other EL2 registers and
 * ERET trap here (EC 0x18, EC 0x1A). While L1 runs, the real EL1 registers
 * carry its EL2 translation regime (SCTLR_EL1 from its SCTLR_EL2...); while
 * L2 runs, they hold L2's EL1 context, taken from the VNCR page.
 *
 * The decision for each exit of L2 (handled here, in L0, or reflected into
 * virtual EL2) is nested_decide(): a pure function of the exit and of L1's
 * HCR_EL2, tested on the host.
 */
#ifndef HYP_NESTED_H
#define HYP_NESTED_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;
struct esr_sysreg;
struct ns2_shadow;

/* HCR_EL2 bits (Arm ARM D23.2.53): L1 writes them in its virtual HCR_EL2,
 * L0 sets them in the real one. */
#define NV_HCR_VM    (1ull << 0)
#define NV_HCR_FMO   (1ull << 3)
#define NV_HCR_IMO   (1ull << 4)
#define NV_HCR_AMO   (1ull << 5)
#define NV_HCR_TWI   (1ull << 13)
#define NV_HCR_TWE   (1ull << 14)
#define NV_HCR_TID0  (1ull << 15)
#define NV_HCR_TID1  (1ull << 16)
#define NV_HCR_TID2  (1ull << 17)
#define NV_HCR_TID3  (1ull << 18)
#define NV_HCR_TSC   (1ull << 19)
#define NV_HCR_TIDCP (1ull << 20)
#define NV_HCR_TACR  (1ull << 21)
#define NV_HCR_TSW   (1ull << 22)
#define NV_HCR_TPCP  (1ull << 23)
#define NV_HCR_TPU   (1ull << 24)
#define NV_HCR_TTLB  (1ull << 25)
#define NV_HCR_TVM   (1ull << 26)
#define NV_HCR_TGE   (1ull << 27)
#define NV_HCR_TRVM  (1ull << 30)
#define NV_HCR_E2H   (1ull << 34)
#define NV_HCR_NV    (1ull << 42)
#define NV_HCR_NV1   (1ull << 43)
#define NV_HCR_NV2   (1ull << 45)

/* L1's HCR_EL2 trap bits that L0 merges into the real HCR_EL2 while L2
 * runs, so that what L1 asked to see reaches EL2 at all. */
#define NV_HCR_L1_TRAPS                                                                     \
	(NV_HCR_TWI | NV_HCR_TWE | NV_HCR_TID1 | NV_HCR_TID2 | NV_HCR_TID3 | NV_HCR_TSC |     \
	 NV_HCR_TIDCP | NV_HCR_TACR | NV_HCR_TSW | NV_HCR_TPCP | NV_HCR_TPU | NV_HCR_TTLB |  \
	 NV_HCR_TVM | NV_HCR_TRVM)

/*
 * Byte offsets in the VNCR page (Arm ARM D24.2.x, "VNCR_EL2 offsets"; the
 * same table as Linux's vncr_mapping.h): those this hypervisor reads or
 * fills. With NV1 set, the EL1 ones are L2's EL1 registers while L1 runs.
 */
enum vncr_offset {
	VNCR_VTTBR_EL2 = 0x020,
	VNCR_VTCR_EL2 = 0x040,
	VNCR_VMPIDR_EL2 = 0x050,
	VNCR_CNTVOFF_EL2 = 0x060,
	VNCR_HCR_EL2 = 0x078,
	VNCR_HSTR_EL2 = 0x080,
	VNCR_VPIDR_EL2 = 0x088,
	VNCR_TPIDR_EL2 = 0x090,
	VNCR_CPACR_EL1 = 0x100,
	VNCR_CONTEXTIDR_EL1 = 0x108,
	VNCR_SCTLR_EL1 = 0x110,
	VNCR_ACTLR_EL1 = 0x118,
	VNCR_TCR_EL1 = 0x120,
	VNCR_AFSR0_EL1 = 0x128,
	VNCR_AFSR1_EL1 = 0x130,
	VNCR_ESR_EL1 = 0x138,
	VNCR_MAIR_EL1 = 0x140,
	VNCR_AMAIR_EL1 = 0x148,
	VNCR_MDSCR_EL1 = 0x158,
	VNCR_SPSR_EL1 = 0x160,
	VNCR_CNTV_CVAL_EL0 = 0x168,
	VNCR_CNTV_CTL_EL0 = 0x170,
	VNCR_CNTP_CVAL_EL0 = 0x178,
	VNCR_CNTP_CTL_EL0 = 0x180,
	VNCR_TTBR0_EL1 = 0x200,
	VNCR_TTBR1_EL1 = 0x210,
	VNCR_FAR_EL1 = 0x220,
	VNCR_ELR_EL1 = 0x230,
	VNCR_SP_EL1 = 0x240,
	VNCR_VBAR_EL1 = 0x250,
	VNCR_PAGE_SIZE = 0x1000,
};

/*
 * L1's EL2 registers that are not in the VNCR page. The first group traps
 * (EC 0x18) and lives here; the second is what the hardware redirects to
 * the real EL1 registers (ELR_EL2 -> ELR_EL1...): live in the hardware while
 * L1 runs, kept here while L2 runs.
 */
enum vel2_reg {
	VEL2_SCTLR, VEL2_ACTLR, VEL2_CPTR, VEL2_MDCR, VEL2_HACR, VEL2_TTBR0, VEL2_TCR,
	VEL2_MAIR, VEL2_AMAIR, VEL2_VBAR, VEL2_HPFAR, VEL2_CNTHCTL,
	VEL2_FIRST_LIVE,
	VEL2_ELR = VEL2_FIRST_LIVE, VEL2_SPSR, VEL2_ESR, VEL2_FAR, VEL2_AFSR0, VEL2_AFSR1, VEL2_SP,
	NR_VEL2_REGS
};

/* A vCPU's nested state; all zero (vncr NULL) for a VM without el2=on. */
struct nested_vcpu {
	uint64_t *vncr;             /* its VNCR page (hypervisor memory, VNCR_EL2) */
	bool in_l2;                 /* L2 runs; else L1 at virtual EL2 */
	/* L1's stage 2 is on for L2: the shadow it runs on (hyp/core/nested_s2.c);
	 * NULL: L2 runs on the VM's own stage 2. */
	struct ns2_shadow *s2;
	uint64_t el2[NR_VEL2_REGS]; /* enum vel2_reg */
	/* The last L2 exit, for its trace_nv_exit (run.c emits it after the
	 * trace_exit with the cost of both). */
	uint64_t last_detail;
	uint8_t last_decision;      /* enum trace_nv_decision */
	uint8_t last_reason;        /* enum trace_nv_reason */
	uint8_t last_l2_el;
};

/* ------------------------------------------------------- pure rules (host tested) */

struct nv_decision {
	unsigned decision; /* enum trace_nv_decision */
	unsigned reason;   /* enum trace_nv_reason */
	uint64_t detail;   /* the L1 HCR_EL2 bits that asked, for TRACE_NV_WHY_L1_TRAP */
};

/* What becomes of an L2 exit of class cls (formats/exits.h) with syndrome
 * esr, given L1's HCR_EL2 vhcr. */
struct nv_decision nested_decide(unsigned cls, uint64_t esr, uint64_t vhcr);

/* The L1 HCR_EL2 bits that make this L2 system register access trap to
 * L1 (EC 0x18), 0 when none does. */
uint64_t nested_sysreg_traps(const struct esr_sysreg *s, uint64_t vhcr);

/* ERET at virtual EL2 with this SPSR_EL2 (Arm ARM D1.4.5, illegal exception
 * returns): the EL entered (0, 1, or 2 to stay at virtual EL2), or -1 for
 * an illegal return. */
int nested_eret_target(uint64_t spsr, uint64_t vhcr);

/* The real PSTATE after an illegal return at virtual EL2: SPSR's flags,
 * the current mode kept, PSTATE.IL set (Arm ARM D1.4.5). */
uint64_t nested_illegal_pstate(uint64_t spsr, uint64_t pstate);

/* The offset from VBAR_EL2 of the vector for an exception of kind k
 * (enum trace_nv_inject_kind) taken to EL2 from PSTATE mode `mode`
 * (M[3:0] as L1 sees it: EL2h, EL2t, or a lower EL). */
uint64_t nested_vector_offset(unsigned kind, uint64_t mode);

/* L1's SCTLR_EL2 and TCR_EL2 (the EL2 regime, E2H = 0) as the EL1 regime's
 * registers that carry them while L1 runs. */
uint64_t nested_sctlr_el2_to_el1(uint64_t sctlr_el2);
uint64_t nested_tcr_el2_to_el1(uint64_t tcr_el2);

/* ------------------------------------------------------- the vCPU */

/* The VM's vCPUs get their VNCR page and start at virtual EL2: 0 or -ENOMEM. */
int nested_vcpu_init(struct vcpu *v);
void nested_vcpu_free(struct vcpu *v);
/* At reset: virtual EL2, EL2h, registers at their reset values. */
void nested_vcpu_reset(struct vcpu *v);

/* The vCPU was taken onto its CPU: an interrupt for L1 that became
 * pending meanwhile enters virtual EL2 (L1's HCR_EL2.IMO). */
void nested_vcpu_in(struct vcpu *v);

/* An exit of a nested vCPU (handle_exit() sends them all here). */
bool nested_handle_exit(struct vcpu *v, unsigned type);

/* Emits the trace_nv_exit of the L2 exit just handled. */
void nested_trace_exit(const struct vcpu *v, unsigned cls, uint64_t esr, uint64_t elr,
		       uint64_t cost);

/* What a nested vCPU reads in ID register `reg` (enum id_reg): EL2 shown,
 * no nested virtualization of its own (ID_AA64MMFR2_EL1.NV = 0). */
uint64_t nested_id_reg(unsigned reg, uint64_t val);

#endif
