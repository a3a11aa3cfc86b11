/*
 * The guest PMU's hardware side (hyp/include/vpmu.h): counters below
 * MDCR_EL2.HPMN reached through PMSELR_EL0, which otherwise selects the
 * hypervisor's cycle counter (arch_cycles()).
 */
#include <stdint.h>

#include "hyp/arch/aarch64/include/cpu.h"
#include "hyp/arch/aarch64/include/sysreg.h"
#include "hyp/include/arch.h"
#include "hyp/include/vpmu.h"

/* The hypervisor's counters, above the guest's (cpu_init_el2()). */
static unsigned hyp_cycles_idx(void)
{
	return cpu.pmu_n - 1;
}

static void select_counter(unsigned idx)
{
	write_sysreg(idx, pmselr_el0);
	__asm__ volatile("isb" ::: "memory"); /* PMSELR_EL0 in force for PMXEV* below */
}

static void select_hyp(void)
{
	write_sysreg(hyp_cycles_idx(), pmselr_el0);
	__asm__ volatile("isb" ::: "memory"); /* arch_cycles() reads the hypervisor's again */
}

uint64_t arch_pmu_read_counter(unsigned idx)
{
	uint64_t val;

	if (idx == VPMU_CYCLE)
		return read_sysreg(pmccntr_el0);
	select_counter(idx);
	val = read_sysreg(pmxevcntr_el0);
	select_hyp();
	return val;
}

void arch_pmu_write_counter(unsigned idx, uint64_t val)
{
	if (idx == VPMU_CYCLE) {
		write_sysreg(val, pmccntr_el0);
		return;
	}
	select_counter(idx);
	write_sysreg(val, pmxevcntr_el0);
	select_hyp();
}

void arch_pmu_write_type(unsigned idx, uint64_t type)
{
	if (idx == VPMU_CYCLE) {
		write_sysreg(type, pmccfiltr_el0);
		return;
	}
	select_counter(idx);
	write_sysreg(type, pmxevtyper_el0);
	select_hyp();
}

void arch_pmu_control(uint64_t pmcr, uint64_t cnten, uint64_t inten, uint64_t userenr)
{
	uint64_t g = cpu.pmu_guest;

	/* Only the guest's bits: the hypervisor's counters stay as they are
	 * (they follow MDCR_EL2.HPME, not PMCR_EL0.E). */
	write_sysreg(g & ~cnten, pmcntenclr_el0);
	write_sysreg(cnten & g, pmcntenset_el0);
	write_sysreg(g & ~inten, pmintenclr_el1);
	write_sysreg(inten & g, pmintenset_el1);
	write_sysreg(userenr, pmuserenr_el0);
	write_sysreg(pmcr & PMCR_GUEST_RW, pmcr_el0);
	/* The counters run, or stop, from here on. */
	__asm__ volatile("isb" ::: "memory");
}

uint64_t arch_pmu_take_overflow(void)
{
	uint64_t ovs = read_sysreg(pmovsset_el0) & cpu.pmu_guest;

	write_sysreg(ovs, pmovsclr_el0);
	/* The flags are clear, and the interrupt line low, before it is
	 * deactivated or the guest entered again. */
	__asm__ volatile("isb" ::: "memory");
	return ovs;
}
