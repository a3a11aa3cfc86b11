/*
 * The demo guest `hypscope run` boots when given no --vm: something worth
 * watching in the live view. Every vCPU spends a few seconds on a mix of the
 * exits a real kernel causes: console MMIO, hypercalls, WFI on the virtual
 * timer (an idle loop) and trapped system registers. The boot vCPU prints a
 * progress line each second; at the end the VM powers itself off.
 */
#include "libguest.h"

#define DEMO_SECONDS 5u
#define IDLE_US	     1000u /* one WFI "idle" period per round */

struct demo_counts {
	uint64_t hvc, mmio, wfi, sysreg, rounds;
	uint32_t done;
};

static struct demo_counts counts[GUEST_MAX_VCPUS];
static uint32_t stop;
static struct vm_info vm;

static inline uint32_t uart_flags(void)
{
	return *(volatile uint32_t *)(uintptr_t)(GUEST_UART_IPA + UART_FR);
}

/* One round: roughly what a lightly loaded kernel does between two ticks. */
static void one_round(struct demo_counts *c)
{
	uint64_t sink = 0;

	for (unsigned int i = 0; i < 4; i++)
		sink += (uint64_t)hypscope_nop();
	sink += (uint64_t)psci_version();
	c->hvc += 5;

	for (unsigned int i = 0; i < 3; i++)
		sink += uart_flags();
	c->mmio += 3;

	/* ID registers (trapped by TID3), the debug and physical timer registers. */
	sink += read_sysreg(id_aa64pfr0_el1);
	sink += read_sysreg(id_aa64isar0_el1);
	sink += read_sysreg(mdscr_el1);
	sink += read_sysreg(cntp_ctl_el0);
	c->sysreg += 4;

	c->wfi += timer_wfi_until(timer_now() + timer_ticks_us(IDLE_US));
	c->rounds++;
	(void)sink;
}

static void secondary_loop(void *arg)
{
	struct demo_counts *c = arg;

	while (!load_acquire32(&stop))
		one_round(c);
	/* Pairs with the load_acquire32() in main(). */
	store_release32(&c->done, 1);
	smp_notify();
}

static void sum(struct demo_counts *t, unsigned int n)
{
	memset(t, 0, sizeof(*t));
	for (unsigned int cpu = 0; cpu < n; cpu++) {
		t->hvc += counts[cpu].hvc;
		t->mmio += counts[cpu].mmio;
		t->wfi += counts[cpu].wfi;
		t->sysreg += counts[cpu].sysreg;
		t->rounds += counts[cpu].rounds;
	}
}

int main(void)
{
	unsigned int n = 1;
	uint64_t freq = timer_freq(), start, next;
	struct demo_counts total;

	hypscope_vm_info(&vm);
	printf("demo vm%lu: hello from hypscope's demo guest (serial %lu, %u vCPUs)\n", vm.slot,
	       vm.serial, boot.nr_vcpus);

	for (unsigned int cpu = 1; cpu < boot.nr_vcpus; cpu++) {
		if (smp_start(cpu, secondary_loop, &counts[cpu]) != PSCI_RET_SUCCESS)
			break;
		n++;
	}
	printf("demo vm%lu: %u vCPUs running: console MMIO, hypercalls, WFI, sysreg traps\n",
	       vm.slot, n);

	start = timer_now();
	next = start + freq;
	for (unsigned int s = 1; s <= DEMO_SECONDS;) {
		one_round(&counts[0]);
		if (timer_now() < next)
			continue;
		sum(&total, n);
		printf("demo vm%lu: %u/%u s: %lu hypercalls, %lu MMIO, %lu WFI, %lu sysreg traps\n",
		       vm.slot, s, DEMO_SECONDS, total.hvc, total.mmio, total.wfi, total.sysreg);
		s++;
		next += freq;
	}

	/* Pairs with the load_acquire32() in secondary_loop(). */
	store_release32(&stop, 1);
	smp_notify();
	for (unsigned int cpu = 1; cpu < n; cpu++) {
		while (!load_acquire32(&counts[cpu].done))
			wfe();
		smp_wait(cpu);
	}
	for (unsigned int cpu = 0; cpu < n; cpu++)
		report(counts[cpu].rounds > 0, "demo vm%lu: vCPU %u ran %lu rounds", vm.slot, cpu,
		       counts[cpu].rounds);
	report(n == boot.nr_vcpus, "demo vm%lu: all %u vCPUs started", vm.slot, boot.nr_vcpus);

	if (report_summary())
		guest_exit(1);
	printf("demo vm%lu: done, powering off\n", vm.slot);
	psci_system_off();
}
