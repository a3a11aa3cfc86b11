/*
 * Benchmark guest: EL2 instructions per null hypercall round trip.
 *
 * HYPSCOPE_HVC_EL2_INSNS reads this physical CPU's count of instructions
 * retired at EL2. Two windows, one empty and one with N null hypercalls,
 * differ by exactly N round trips; under QEMU's -icount the count is the
 * same on every run.
 */
#include "libguest.h"

#define ROUND_TRIPS 2000

static uint64_t el2_insns(void)
{
	return smccc_hvc(HYPSCOPE_HVC_EL2_INSNS, 0, 0, 0).a1;
}

static uint64_t window(unsigned n)
{
	uint64_t start = el2_insns();

	for (unsigned i = 0; i < n; i++)
		smccc_hvc(HYPSCOPE_HVC_NOP, 0, 0, 0);
	return el2_insns() - start;
}

/* EL2 instructions per trace record of one type, emitted n at a time by the hypervisor. */
static uint64_t record_cost_milli(unsigned type, unsigned n)
{
	uint64_t start, mid, end;

	start = el2_insns();
	smccc_hvc(HYPSCOPE_HVC_TRACE_EMIT, type, 0, 0);
	mid = el2_insns();
	smccc_hvc(HYPSCOPE_HVC_TRACE_EMIT, type, n, 0);
	end = el2_insns();
	return ((end - mid) - (mid - start)) * 1000 / n;
}

int main(void)
{
	static const struct { unsigned type; const char *name; } records[] = {
		{ 0x0002, "entry" }, { 0x0001, "exit" }, { 0x0031, "smccc" },
	};
	struct smccc_res r = smccc_hvc(HYPSCOPE_HVC_EL2_INSNS, 0, 0, 0);
	uint64_t empty, full, per_mille;

	if ((int64_t)r.a0 != 0) {
		report(false, "HYPSCOPE_HVC_EL2_INSNS is available (got %ld)", (long)r.a0);
		return report_summary();
	}
	window(ROUND_TRIPS); /* warm up: first-touch effects out of the way */
	empty = window(0);
	full = window(ROUND_TRIPS);
	report(full > empty, "EL2 counts instructions (%lu over %u hypercalls)",
	       (unsigned long)(full - empty), ROUND_TRIPS);
	per_mille = (full - empty) * 1000 / ROUND_TRIPS;
	printf("BENCH el2_insns_per_hvc=%lu.%03lu round_trips=%u\n", (unsigned long)(per_mille / 1000),
	       (unsigned long)(per_mille % 1000), ROUND_TRIPS);
	/* With tracing off the calls emit nothing: the figures are 0. */
	for (unsigned i = 0; i < sizeof(records) / sizeof(records[0]); i++) {
		uint64_t m = record_cost_milli(records[i].type, 1000);

		printf("BENCH el2_insns_per_record_%s=%lu.%03lu\n", records[i].name,
		       (unsigned long)(m / 1000), (unsigned long)(m % 1000));
	}
	return report_summary();
}
