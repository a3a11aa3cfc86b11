/*
 * Every vCPU increments shared counters, one under a spinlock and one with
 * an exclusive-access atomic add. Meant to run with more vCPUs than physical
 * CPUs: vCPUs are preempted while holding the lock, and the exclusive
 * monitors must survive (or be cleared safely by) the switches. Lost updates
 * show as a total short of the iterations the vCPUs counted for themselves.
 */
#include "libguest.h"

#define RUN_MS	       1000u      /* each vCPU increments for this long... */
#define MAX_ITERATIONS 2000000u /* ...or this many times */

static struct spinlock lock = SPINLOCK_INIT;
/* Protected by lock: two plain variables updated non-atomically. */
static uint64_t locked_count, locked_shadow;
static uint32_t inside;           /* vCPUs inside the critical section: must stay <= 1 */
static uint32_t overlap;          /* times a vCPU found another one inside */
static uint64_t atomic_count;
static uint64_t ready;            /* secondaries waiting for go */
static uint32_t go;
static uint32_t finished[GUEST_MAX_VCPUS];
static uint64_t iterations[GUEST_MAX_VCPUS];

static void worker(void *arg)
{
	unsigned int cpu = smp_processor_id();
	uint64_t end, i;

	(void)arg;
	/* Start together, so the vCPUs really contend. */
	atomic_add_return(&ready, 1);
	smp_notify();
	while (!load_acquire32(&go))
		wfe();

	end = timer_now() + timer_ticks_us(RUN_MS * 1000ull);
	for (i = 0; i < MAX_ITERATIONS && (i % 64 || timer_now() < end); i++) {
		spin_lock(&lock);
		if (inside++)
			overlap++;
		/* Read-modify-write with room for another vCPU to interfere. */
		locked_count = locked_count + 1;
		barrier();
		locked_shadow = locked_shadow + 3;
		inside--;
		spin_unlock(&lock);

		atomic_add_return(&atomic_count, 1);
	}
	iterations[cpu] = i;
	/* Pairs with the load_acquire32() in main(). */
	store_release32(&finished[cpu], 1);
	smp_notify();
}

int main(void)
{
	unsigned int n = boot.nr_vcpus, started = 1;
	uint64_t expected = 0;

	report(n >= 2, "%u vCPUs to contend (at least 2)", n);
	for (unsigned int cpu = 1; cpu < n; cpu++) {
		int32_t r = smp_start(cpu, worker, NULL);

		report(r == PSCI_RET_SUCCESS, "vCPU %u started (%d)", cpu, r);
		if (r != PSCI_RET_SUCCESS)
			break;
		started++;
	}

	/* Everyone else is spinning in worker(): release them together. */
	while (load_acquire64(&ready) != started - 1)
		wfe();
	store_release32(&go, 1);
	smp_notify();
	worker(NULL);

	for (unsigned int cpu = 0; cpu < started; cpu++) {
		while (!load_acquire32(&finished[cpu]))
			wfe();
		report_info("vCPU %u: %lu iterations", cpu, iterations[cpu]);
		expected += iterations[cpu];
		if (cpu)
			report(smp_wait(cpu), "vCPU %u powered off", cpu);
	}

	report(locked_count == expected, "spinlock counter is %lu of %lu", locked_count, expected);
	report(locked_shadow == 3 * expected, "second locked variable is %lu of %lu",
	       locked_shadow, 3 * expected);
	report(overlap == 0, "never two vCPUs inside the critical section (%u overlaps)", overlap);
	report(atomic_count == expected, "LDAXR/STLXR atomic counter is %lu of %lu", atomic_count,
	       expected);
	return report_summary();
}
