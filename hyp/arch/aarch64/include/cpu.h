/* What the boot CPU learned about the hardware, and the EL2 configuration. */
#ifndef HYP_ARCH_CPU_H
#define HYP_ARCH_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "hyp/include/run.h"

struct gp_regs;
struct vcpu;

struct cpu_features {
	unsigned pa_bits;     /* from ID_AA64MMFR0_EL1.PARange, capped at 48 */
	unsigned ipa_bits;    /* stage-2 input size: pa_bits */
	unsigned vmid_bits;   /* 8 or 16 (ID_AA64MMFR1_EL1.VMIDBits) */
	bool pauth;           /* FEAT_PAuth: keys switched for the vCPUs that use them */
	bool hcx;             /* FEAT_HCX: HCRX_EL2 exists */
	unsigned nv;          /* ID_AA64MMFR2_EL1.NV: 2 is FEAT_NV2 (el2=on) */
	unsigned mte;         /* ID_AA64PFR1_EL1.MTE: 2 (FEAT_MTE2) or more means tag memory:
	                         EL2 maps RAM Tagged and clears tags with DC GZVA */
	bool mte_guest;       /* guests get MTE (--mte): HCR_EL2.ATA, GCR/RGSR/TFSR* switched */
	unsigned brps, wrps;  /* breakpoints and watchpoints (ID_AA64DFR0_EL1) */
	unsigned nr_lrs;      /* ICH_VTR_EL2.ListRegs + 1 */
	uint64_t midr;
	uint64_t vtcr;        /* VTCR_EL2 for every VM */
	uint64_t cptr_guest;  /* CPTR_EL2 while a guest runs, TFP set */
	uint64_t hcr_guest;   /* HCR_EL2 while a guest runs */
	uint64_t mdcr;        /* MDCR_EL2 (a debugged guest adds TDE) */
	unsigned pmu_n;       /* PMCR_EL0.N: event counters in the hardware */
	uint64_t pmu_guest;   /* the guest counters' bits: the cycle counter, 0..HPMN-1 */
};

extern struct cpu_features cpu;

void cpu_detect_features(void);
void cpu_init_el2(void);          /* per CPU: EL2 controls, traps */
void mmu_init_tables(uint64_t ram_base, uint64_t ram_size);
void mmu_enable(void);            /* per CPU */
/* Offer MTE to guests when @want (HYPCFG_F_MTE) and the CPU has tag memory;
 * false when wanted but the CPU has none. Before any cpu_init_el2(). */
bool cpu_mte_offer(bool want);

void fpsimd_save_regs(void *state);
void fpsimd_load_regs(const void *state);
uint64_t __guest_enter(void *gp_regs);
uint64_t __serror_window(void);   /* entry.S: 1 when a pending SError was taken */
/* vcpu.c, called by entry.S: what the fast path did (enum exit_fast, run.h) */
enum exit_fast __exit_fast(struct gp_regs *regs);
int arch_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context); /* PSCI CPU_ON */
void arch_gdb_uart_rx(void);
/* Around the entry of a vCPU whose VM a debugger attached (debug.c). */
void arch_debug_enter(struct vcpu *v);
void arch_debug_exit(struct vcpu *v);

#endif
