/*
 * Benchmark guest: EL2 instructions per switch between two VMs on one CPU.
 *
 * Run two of it on one physical CPU (tests/bench/el2_exit_cost.sh). Each
 * HYPSCOPE_HVC_YIELD gives the CPU to the other VM, runnable (what a trapped
 * WFE does; QEMU never traps WFE): its vCPU is put (EL1 registers, vGIC,
 * timers, PMU...), the other loaded and entered. The two loop in lockstep, so
 * a window of N yields in one of them spans 2N switches; HYPSCOPE_HVC_EL2_INSNS
 * (this physical CPU's EL2 instructions, exact under QEMU's -icount) around
 * an empty window and a full one gives the cost of one switch.
 */
#include "libguest.h"

#define SWITCHES 1000

static uint64_t el2_insns(void)
{
	return smccc_hvc(HYPSCOPE_HVC_EL2_INSNS, 0, 0, 0).a1;
}

static void yields(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		smccc_hvc(HYPSCOPE_HVC_YIELD, 0, 0, 0);
}

static uint64_t window(unsigned n)
{
	uint64_t start = el2_insns();

	yields(n);
	return el2_insns() - start;
}

int main(void)
{
	struct smccc_res r = smccc_hvc(HYPSCOPE_HVC_EL2_INSNS, 0, 0, 0);
	uint64_t empty, full, per_mille;

	if ((int64_t)r.a0 != 0) {
		report(false, "HYPSCOPE_HVC_EL2_INSNS is available (got %ld)", (long)r.a0);
		return report_summary();
	}
	yields(SWITCHES); /* the other VM up, first-touch effects out of the way */
	empty = window(0);
	full = window(SWITCHES);
	yields(SWITCHES / 4); /* keep the other company while it measures */
	report(full > empty, "EL2 counts instructions (%lu over %u yields)",
	       (unsigned long)(full - empty), SWITCHES);
	per_mille = (full - empty) * 1000 / (2 * SWITCHES);
	printf("BENCH el2_insns_per_switch=%lu.%03lu switches=%u\n", (unsigned long)(per_mille / 1000),
	       (unsigned long)(per_mille % 1000), 2 * SWITCHES);
	return report_summary();
}
