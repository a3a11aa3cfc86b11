/*
 * The guest the GDB stub's end-to-end tests debug (tests/e2e/gdb.sh): two
 * vCPUs, functions with symbols to break in, globals to print, watch and
 * write. What gdb changes shows in what it reports at the end: the argument
 * gdb_break_here() stores comes from x0, which the debugger rewrites to 42,
 * and gdb_magic is 0 unless the debugger wrote it. Run without a debugger
 * it reports those two as failures.
 */
#include "libguest.h"

#define MAGIC 0x600db007u

volatile uint32_t gdb_magic;      /* the debugger writes MAGIC */
volatile uint64_t gdb_watched;    /* written twice by gdb_touch(): a watchpoint sees it */
volatile int gdb_seen_arg;        /* what gdb_break_here() was called with */
volatile uint64_t gdb_counter;    /* the secondary's work */
static uint32_t secondary_done;

__attribute__((noinline)) void gdb_break_here(int n)
{
	gdb_seen_arg = n;
}

__attribute__((noinline)) void gdb_touch(uint64_t v)
{
	gdb_watched = v;
}

/* Code only vCPU 1 runs (the test puts a hardware breakpoint here). */
__attribute__((noinline)) void gdb_secondary_work(unsigned int cpu)
{
	for (unsigned int i = 0; i < 100; i++)
		gdb_counter += cpu;
}

static void secondary(void *arg)
{
	(void)arg;
	gdb_secondary_work(smp_processor_id());
	/* Pairs with the load_acquire32() in main(). */
	store_release32(&secondary_done, 1);
	smp_notify();
}

int main(void)
{
	int32_t r = smp_start(1, secondary, NULL);

	report(r == PSCI_RET_SUCCESS, "vCPU 1 started (%d)", r);
	while (r == PSCI_RET_SUCCESS && !load_acquire32(&secondary_done))
		wfe();
	report(gdb_counter == 100, "vCPU 1 did its work (counter %llu)",
	       (unsigned long long)gdb_counter);
	gdb_break_here(7);
	gdb_touch(0x1234);
	gdb_touch(0x5678);
	report(gdb_seen_arg == 42, "the debugger's register write reached the guest (argument %d)",
	       gdb_seen_arg);
	report(gdb_magic == MAGIC, "the debugger's memory write reached the guest (magic 0x%x)",
	       gdb_magic);
	return report_summary();
}
