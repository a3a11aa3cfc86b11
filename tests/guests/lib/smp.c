/*
 * Spinlocks, atomics and secondary vCPUs.
 *
 * Exclusives only (LDAXR/STLXR): cortex-a57 has no LSE atomics, and the
 * runtime is built with -mno-outline-atomics so GCC never picks for us.
 */
#include "libguest.h"

void spin_lock(struct spinlock *lock)
{
	uint32_t me = smp_processor_id() + 1, seen, fail;

	/*
	 * SEVL primes the event register so the first WFE falls through. A
	 * waiter sleeps in WFE with the lock word in its exclusive monitor; the
	 * owner's releasing store clears the monitor, which is a wake-up event
	 * (Arm ARM, "Wait for Event"). The LDAXR pairs with the STLR in
	 * spin_unlock().
	 */
	asm volatile("	sevl\n"
		     "1:	wfe\n"
		     "2:	ldaxr	%w0, %2\n"
		     "	cbnz	%w0, 1b\n"
		     "	stxr	%w1, %w3, %2\n"
		     "	cbnz	%w1, 2b\n"
		     : "=&r"(seen), "=&r"(fail), "+Q"(lock->owner)
		     : "r"(me)
		     : "memory");
}

void spin_unlock(struct spinlock *lock)
{
	/* Pairs with the LDAXR in spin_lock(). */
	store_release32(&lock->owner, 0);
}

bool spin_is_held_by_me(struct spinlock *lock)
{
	return load_acquire32(&lock->owner) == smp_processor_id() + 1;
}

uint64_t atomic_add_return(uint64_t *p, uint64_t v)
{
	uint64_t result;
	uint32_t fail;

	asm volatile("1:	ldaxr	%0, %2\n"
		     "	add	%0, %0, %3\n"
		     "	stlxr	%w1, %0, %2\n"
		     "	cbnz	%w1, 1b\n"
		     : "=&r"(result), "=&r"(fail), "+Q"(*p)
		     : "r"(v)
		     : "memory");
	return result;
}

/* ------------------------------------------------------------ secondaries */

struct smp_slot {
	void (*fn)(void *);
	void *arg;
	uint64_t context;   /* x0 as the secondary received it */
	uint32_t done;      /* fn returned; written with release */
};

static struct smp_slot slots[GUEST_MAX_VCPUS];

uint64_t smp_expected_context(unsigned int cpu)
{
	/* Upper bits set: a hypervisor that truncates x0 to 32 bits is caught. */
	return 0x8badf00d00000000ull | (0x1111ull * (cpu + 1));
}

uint64_t smp_context_id(void)
{
	return slots[smp_processor_id()].context;
}

int32_t smp_start(unsigned int cpu, void (*fn)(void *), void *arg)
{
	struct smp_slot *slot;

	if (cpu >= GUEST_MAX_VCPUS)
		return PSCI_RET_INVALID_PARAMETERS;
	slot = &slots[cpu];
	slot->fn = fn;
	slot->arg = arg;
	slot->context = 0;
	slot->done = 0;
	/*
	 * The new vCPU reads the slot with its MMU off; make the stores
	 * complete before the CPU_ON call can start it.
	 */
	dsb(ish);
	return psci_cpu_on(cpu, (uintptr_t)secondary_entry, smp_expected_context(cpu));
}

bool smp_wait(unsigned int cpu)
{
	uint64_t deadline;

	/* Pairs with the store_release32() in secondary_start(). */
	while (!load_acquire32(&slots[cpu].done))
		wfe();

	/*
	 * The secondary calls CPU_OFF right after it set done; PSCI may take a
	 * moment to report it OFF. A vCPU that never gets there is a failure.
	 */
	deadline = timer_now() + 2 * timer_freq();
	while (psci_affinity_info(cpu) != PSCI_AFF_OFF) {
		if (timer_now() > deadline) {
			printf("FAIL: vCPU %u never reported OFF after CPU_OFF\n", cpu);
			return false;
		}
		wfe();
	}
	return true;
}

/* Called from secondary_entry in entry.S with the CPU_ON context id. */
void secondary_start(uint64_t context) __noreturn;
void secondary_start(uint64_t context)
{
	struct smp_slot *slot = &slots[smp_processor_id()];

	slot->context = context;
	if (!slot->fn) {
		/* Started by a CPU_ON that smp_start() did not make: nothing to run. */
		printf("FAIL: vCPU %u started with no work (context id %#lx)\n",
		       smp_processor_id(), context);
		guest_exit(GUEST_EXIT_RUNTIME_ERROR);
	}
	slot->fn(slot->arg);

	/* Pairs with the load_acquire32() in smp_wait(). */
	store_release32(&slot->done, 1);
	smp_notify();
	psci_cpu_off();

	printf("FAIL: vCPU %u: PSCI CPU_OFF returned\n", smp_processor_id());
	guest_exit(GUEST_EXIT_RUNTIME_ERROR);
}
