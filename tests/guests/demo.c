/*
 * The demo guest `hypscope run` boots when given no --vm: something worth
 * watching in the live view. Every vCPU spends a few seconds on a mix of the
 * exits a real kernel causes: console MMIO, hypercalls, trapped system
 * registers, an idle loop that waits in WFI for its virtual timer interrupt
 * (through the vGIC's list registers), and IPIs: every few rounds each vCPU
 * sends an SGI to the next one. The boot vCPU prints a progress line each
 * second; at the end the VM powers itself off.
 */
#include "libguest.h"

#define DEMO_SECONDS 5u
#define IDLE_US	     1000u /* one WFI "idle" period per round */
#define IPI_EVERY    4u    /* rounds between two SGIs to the next vCPU */
#define SGI_DEMO     3u
#define INTID_VTIMER 27u
#define CNT_ENABLE   1u

struct demo_counts {
	uint64_t hvc, mmio, wfi, sysreg, rounds, ticks, ipis;
	uint32_t done;
	volatile uint32_t tick; /* set by the timer interrupt */
};

static struct demo_counts counts[GUEST_MAX_VCPUS];
static uint32_t stop;
static struct vm_info vm;

static inline uint32_t uart_flags(void)
{
	return *(volatile uint32_t *)(uintptr_t)(GUEST_UART_IPA + UART_FR);
}

static unsigned int nr_running = 1;

static void demo_irq(void)
{
	struct demo_counts *c = &counts[smp_processor_id()];
	uint32_t intid = gic_ack();

	if (intid == INTID_VTIMER) {
		write_sysreg(0, cntv_ctl_el0); /* the level drops: one tick */
		c->ticks++;
		c->tick = 1;
	} else if (intid < 16) {
		c->ipis++;
	}
	if (intid < 1020)
		gic_eoi(intid);
}

/* This vCPU's side of the interrupt controller: timer and SGIs on. */
static void irq_setup(void)
{
	gic_init();
	irq_set_handler(demo_irq);
	gic_irq_enable(INTID_VTIMER);
	gic_irq_enable(SGI_DEMO);
}

/* Idle until the virtual timer's interrupt, as a tickless kernel would. */
static uint64_t idle(struct demo_counts *c)
{
	uint64_t wfis = 0;

	c->tick = 0;
	write_sysreg((uint32_t)timer_ticks_us(IDLE_US), cntv_tval_el0);
	write_sysreg(CNT_ENABLE, cntv_ctl_el0);
	while (!c->tick) {
		wfi();
		wfis++;
		irq_enable();
		irq_disable();
	}
	return wfis;
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

	c->wfi += idle(c);
	if (nr_running > 1 && c->rounds % IPI_EVERY == 0)
		gic_sgi_send(SGI_DEMO, (uint16_t)(1u << ((smp_processor_id() + 1) % nr_running)));
	c->rounds++;
	(void)sink;
}

static void secondary_loop(void *arg)
{
	struct demo_counts *c = arg;

	irq_setup();
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
		t->ticks += counts[cpu].ticks;
		t->ipis += counts[cpu].ipis;
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
	irq_setup();
	nr_running = boot.nr_vcpus;
	for (unsigned int cpu = 1; cpu < boot.nr_vcpus; cpu++) {
		if (smp_start(cpu, secondary_loop, &counts[cpu]) != PSCI_RET_SUCCESS)
			break;
		n++;
	}
	nr_running = n;
	printf("demo vm%lu: %u vCPUs running: console MMIO, hypercalls, sysreg traps, "
	       "timer interrupts, IPIs\n", vm.slot, n);

	start = timer_now();
	next = start + freq;
	for (unsigned int s = 1; s <= DEMO_SECONDS;) {
		one_round(&counts[0]);
		if (timer_now() < next)
			continue;
		sum(&total, n);
		printf("demo vm%lu: %u/%u s: %lu hypercalls, %lu MMIO, %lu sysreg traps, "
		       "%lu timer interrupts, %lu IPIs\n",
		       vm.slot, s, DEMO_SECONDS, total.hvc, total.mmio, total.sysreg, total.ticks,
		       total.ipis);
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
		report(counts[cpu].rounds > 0 && counts[cpu].ticks == counts[cpu].rounds &&
			       (n == 1 || counts[cpu].ipis > 0),
		       "demo vm%lu: vCPU %u ran %lu rounds, %lu timer interrupts, %lu IPIs", vm.slot,
		       cpu, counts[cpu].rounds, counts[cpu].ticks, counts[cpu].ipis);
	report(n == boot.nr_vcpus, "demo vm%lu: all %u vCPUs started", vm.slot, boot.nr_vcpus);

	if (report_summary())
		guest_exit(1);
	printf("demo vm%lu: done, powering off\n", vm.slot);
	psci_system_off();
}
