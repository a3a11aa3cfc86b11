/*
 * Trapped system registers (EC 0x18): sanitised ID registers (HCR_EL2.TID3),
 * debug registers kept per vCPU (MDCR_EL2.TDA/TDOSA/TDRA), the emulated
 * physical timer (CNTHCTL_EL2.EL1PCEN = 0; its registers are hyp/core/timer.c's),
 * set/way cache maintenance
 * (HCR_EL2.TSW), RAZ/WI for ACTLR, RAS and LORegions, and the GIC SGI
 * registers. Anything else gets an UNDEF.
 */
#ifndef HYP_SYSREG_EMUL_H
#define HYP_SYSREG_EMUL_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

enum id_reg {
	ID_PFR0, ID_PFR1, ID_PFR2, ID_ZFR0, ID_SMFR0,
	ID_DFR0, ID_DFR1, ID_AFR0, ID_AFR1,
	ID_ISAR0, ID_ISAR1, ID_ISAR2,
	ID_MMFR0, ID_MMFR1, ID_MMFR2, ID_MMFR3, ID_MMFR4,
	NR_ID_REGS
};

/* What guests read: filled once at boot by id_regs_sanitise(). */
extern uint64_t guest_id_regs[NR_ID_REGS];

/* From the hardware's values, what a guest may see: features whose state is
 * not switched, or that need EL2 controls the hypervisor leaves off, are hidden. */
void id_regs_sanitise(const uint64_t raw[NR_ID_REGS], uint64_t out[NR_ID_REGS]);

/* Handles the trap in v->fault.esr; true: back to the guest. */
bool handle_sysreg_trap(struct vcpu *v);

#endif
