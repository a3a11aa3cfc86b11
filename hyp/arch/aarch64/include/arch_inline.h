/*
 * The aarch64 arch_inline.h (hyp/include/arch.h includes the arch's own from
 * the include path): the arch functions the exit path calls on every exit,
 * single system register reads, inline at EL2.
 */
#ifndef HYP_ARCH_INLINE_H
#define HYP_ARCH_INLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "hyp/arch/aarch64/include/gic.h"
#include "hyp/arch/aarch64/include/sysreg.h"
#include "hyp/include/percpu.h"

/* This CPU's struct percpu: TPIDR_EL2, set at its boot (setup.c). */
static inline struct percpu *this_cpu(void)
{
	return (struct percpu *)read_sysreg(tpidr_el2);
}

static inline uint64_t arch_counter(void) /* CNTPCT_EL0 */
{
	return read_sysreg(cntpct_el0);
}

/* The hypervisor's cycle counter: PMSELR_EL0 selects it for good (cpu.c),
 * guests' PMSELR_EL0 is emulated. */
static inline uint64_t arch_cycles(void)
{
	return read_sysreg(pmxevcntr_el0);
}

/* Sampled after every exit: the hardware's copy while v is loaded. */
static inline uint64_t arch_vtimer_ctl(const struct vcpu *v)
{
	return v->el1_loaded ? read_sysreg(cntv_ctl_el0) : v->el1[CNTV_CTL_EL0];
}

/* The loading vCPU's timer (every switch): CNTVOFF_EL2, then the physical
 * PPI 27's active state, one store to this CPU's redistributor. */
static inline void arch_vtimer_load(uint64_t cntvoff, bool ppi_active)
{
	write_sysreg(cntvoff, cntvoff_el2);
	gic_set_ppi_active(this_cpu(), GIC_PPI_VTIMER, ppi_active);
}

/* TEST ONLY: inline, so that the exit fast path pays for the pad and little else. */
static inline void arch_test_pad(uint64_t insns)
{
	uint64_t n = insns / 2;

	if (!n)
		return;
	/* two instructions per turn, nothing else: the count is exact under -icount */
	__asm__ volatile("1:	subs	%0, %0, #1\n"
			 "	b.ne	1b"
			 : "+r"(n)
			 :
			 : "cc");
}

#endif
