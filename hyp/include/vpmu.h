/*
 * A PMUv3 for guests (Arm ARM D7, "The Performance Monitors Extension").
 *
 * Every guest access to a PMU register traps (MDCR_EL2.TPM, TPMCR) and is
 * emulated on the vCPU's copy, struct vpmu. The hardware does the counting:
 * while the vCPU runs with a counter enabled (or EL0 access granted), its
 * counters 0..n-1 and the cycle counter are loaded into the hardware's, below
 * MDCR_EL2.HPMN; the counters above it are the hypervisor's own (exit cost in
 * cycles, EL2 instructions for the benchmarks). A vCPU that never enables a
 * counter costs one test on load and put.
 *
 * Emulated rather than counted by the hardware: PMSWINC (EL2 writes would be
 * filtered out), the CHAIN event (the odd counter of a chained pair counts the
 * even one's overflows here), the overflow interrupt (PPI 23, a level the
 * vGIC is given: (PMCR.E and PMOVSSET and PMINTENSET) != 0).
 */
#ifndef HYP_VPMU_H
#define HYP_VPMU_H

#include <stdbool.h>
#include <stdint.h>

#define VPMU_MAX_COUNTERS 31u  /* event counters the architecture allows */
#define VPMU_CYCLE        31u  /* the cycle counter's bit and index */

/* PMCR_EL0 (Arm ARM D23.4.x) */
#define PMCR_E  (1ull << 0)
#define PMCR_P  (1ull << 1)
#define PMCR_C  (1ull << 2)
#define PMCR_D  (1ull << 3)
#define PMCR_LC (1ull << 6)
#define PMCR_N_SHIFT 11
#define PMCR_GUEST_RW (PMCR_E | PMCR_D | PMCR_LC)

/* PMEVTYPER<n>_EL0 and PMCCFILTR_EL0 */
#define PMEVTYPER_P    (1ull << 31) /* do not count EL1 */
#define PMEVTYPER_U    (1ull << 30) /* do not count EL0 */
#define PMEVTYPER_NSH  (1ull << 27) /* count EL2 */
#define PMEVTYPER_FILTERS (0x3full << 26) /* P, U, NSK, NSU, NSH, M */
#define PMEVTYPER_EVT  0x3ffull      /* evtCount, 10 bits in PMUv3 for Armv8.0 */

/* Common events (Arm ARM D17.11) */
#define PMU_EVT_SW_INCR   0x00u
#define PMU_EVT_INST_RETIRED 0x08u
#define PMU_EVT_CPU_CYCLES 0x11u
#define PMU_EVT_CHAIN     0x1eu

/* PMUSERENR_EL0: EN, SW, CR, ER */
#define PMUSERENR_MASK 0xfull

#define VGIC_INTID_PMU 23u /* PPI 7 in the device tree, level */

/* What the hardware gives guests, set once at boot (hyp/arch/aarch64/cpu.c). */
struct vpmu_info {
	unsigned nr_counters;  /* event counters a guest gets (MDCR_EL2.HPMN); 0: no PMU shown */
	uint64_t pmcr_id;      /* PMCR_EL0.IMP and IDCODE, as the hardware reads */
	uint64_t ceid0;        /* PMCEID0_EL0: events that really count here */
};

extern struct vpmu_info vpmu_info;

struct vpmu {
	uint64_t pmcr;     /* E, D, LC; N reads vpmu_info.nr_counters; P and C act */
	uint64_t cnten;    /* PMCNTENSET: bit 31 the cycle counter, bits 0..n-1 the event counters */
	uint64_t inten;    /* PMINTENSET */
	uint64_t ovs;      /* PMOVSSET */
	uint64_t selr;     /* PMSELR_EL0.SEL */
	uint64_t userenr;  /* PMUSERENR_EL0 */
	uint64_t ccfiltr;  /* PMCCFILTR_EL0 */
	uint64_t ccntr;    /* PMCCNTR_EL0, while not loaded */
	uint64_t evtyper[VPMU_MAX_COUNTERS];
	uint64_t evcntr[VPMU_MAX_COUNTERS]; /* while not loaded; chained odd counters always */
	bool loaded;       /* the hardware counts for this vCPU */
	bool level;        /* the overflow interrupt line as last given to the vGIC */
};

struct vcpu;
struct esr_sysreg;

/* Worth the hardware: something counts, or EL0 may reach the registers. */
static inline bool vpmu_live(const struct vpmu *p)
{
	return ((p->pmcr & PMCR_E) && p->cnten) || p->userenr;
}

/* The guest's counters go into the hardware (vCPU load) and come back out
 * (put). Most vCPUs count nothing: a switch tests vpmu_live() before the
 * load and p->loaded before the put, inline, and calls neither then. */
void vpmu_load(struct vcpu *v);
void vpmu_put(struct vcpu *v);
/* The physical PMU interrupt fired while v ran: fold the overflows in. */
void vpmu_overflow(struct vcpu *v);
/* A trapped access to a PMU register: false if it is not one, or UNDEFINED. */
bool vpmu_is_reg(const struct esr_sysreg *s);
bool vpmu_access(struct vcpu *v, const struct esr_sysreg *s, uint64_t *val);

#endif
