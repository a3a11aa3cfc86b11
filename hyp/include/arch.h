/*
 * What the hypervisor's logic needs from the hardware. hyp/arch/aarch64
 * implements it for EL2; hyp/arch/fake implements it on the host for the
 * unit tests, recording what was asked so tests can assert on it.
 */
#ifndef HYP_ARCH_H
#define HYP_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hyp/include/compiler.h"
#include "hyp/include/vm.h"

#ifdef HYP_EL2
/* On the exit path: single system register reads, inline. */
#include "hyp/arch/aarch64/include/arch_inline.h"
#else
uint64_t arch_counter(void); /* CNTPCT_EL0 */
uint64_t arch_cycles(void);  /* CPU cycles at EL2, for what exit handling costs (32 bits wrap) */
/* CNTV_CTL_EL0 of v, with the hardware's ISTATUS while v is loaded. */
uint64_t arch_vtimer_ctl(const struct vcpu *v);
#endif
uint64_t arch_counter_freq(void); /* CNTFRQ_EL0 */

/* TLB maintenance for guests (Arm ARM D8.14). */
void arch_tlb_flush_guests(void);           /* every VMID, every CPU: TLBI ALLE1IS */
void arch_tlb_flush_vmid(uint64_t vttbr);   /* one VMID, every CPU: TLBI VMALLS12E1IS */

/* Make the data at [pa, pa + size) visible to a guest running with caches off. */
void arch_dcache_clean(uint64_t pa, uint64_t size);

/* Zero RAM before a new VM gets it: the data and, on a machine with MTE tag
 * memory, the allocation tags, so no VM reads another's tags. */
void arch_ram_scrub(uint64_t pa, uint64_t size);

/* Interrupt another physical CPU so that it reschedules (an SGI). */
void arch_kick_cpu(unsigned cpu);

/* A guest EL1 register, wherever it lives right now (hardware when loaded). */
uint64_t vcpu_el1_read(const struct vcpu *v, enum el1_reg r);
void vcpu_el1_write(struct vcpu *v, enum el1_reg r, uint64_t val);

/* Save a guest's live FP/SIMD registers before EL2 code that uses them (libfdt). */
void arch_fpsimd_release(void);

/* Instructions retired at EL2 on this CPU (PMU event counter 0), for benchmarks. */
uint64_t arch_el2_insns(void);

/*
 * The guest PMU in the hardware (hyp/core/vpmu.c): event counters below
 * MDCR_EL2.HPMN by index, 31 the cycle counter (PMCCNTR_EL0, PMCCFILTR_EL0).
 */
uint64_t arch_pmu_read_counter(unsigned idx);
void arch_pmu_write_counter(unsigned idx, uint64_t val);
void arch_pmu_write_type(unsigned idx, uint64_t type);
/* The guest-owned controls: PMCR_EL0 (E, D, LC), which guest counters count
 * and interrupt, PMUSERENR_EL0. All zero stops the guest's counters. */
void arch_pmu_control(uint64_t pmcr, uint64_t cnten, uint64_t inten, uint64_t userenr);
/* The guest counters' overflow flags, cleared in the hardware. */
uint64_t arch_pmu_take_overflow(void);

/* TEST ONLY (HYPCFG_F_TEST_HVC_PAD): retire insns more instructions, rounded down to even. */
void arch_test_pad(uint64_t insns);

/* The instruction at the guest's PC (stage 1 and 2 walked by the MMU), for the trace. */
bool arch_guest_insn(const struct vcpu *v, uint32_t *insn);

/* The physical console (a PL011 the hypervisor owns). */
void arch_console_write(const char *s, size_t n);

/* The GDB stub's UART (the second PL011): bytes to the debugger. */
void arch_gdb_tx(const char *s, size_t n);
/* Hardware breakpoints and watchpoints the CPU offers (ID_AA64DFR0_EL1). */
unsigned arch_debug_brps(void);
unsigned arch_debug_wrps(void);

/* The guest's virtual timer on this CPU (hyp/core/timer.c decides when). */
void arch_vtimer_offset(uint64_t cntvoff);  /* CNTVOFF_EL2: the loading vCPU's VM */
void arch_vtimer_stop(void);                /* CNTV_CTL_EL0 = 0, once the vCPU's copy is saved */
void arch_vtimer_ppi_active(bool active);   /* the physical PPI 27's active state */

/*
 * The guest's own debug registers (struct vdebug, hyp/include/guest_debug.h)
 * into the hardware with MDCR_EL2.TDA cleared for the vCPU (in_hw), and
 * back out (saved, hardware cleared, TDA set again). The vCPU is loaded.
 */
void arch_debug_guest_load(struct vcpu *v);
void arch_debug_guest_save(struct vcpu *v);

/* HCR_EL2 for a freshly created vCPU. */
uint64_t arch_vcpu_hcr(void);

/* Stop the machine: PSCI SYSTEM_OFF to the firmware. */
__noreturn void arch_system_off(void);

#endif
