/*
 * SDEI (Arm DEN0054) as a guest sees it: VERSION and FEATURES; event 0
 * registered, signalled and completed with every register of the handler's
 * entry and of the resumed context checked; COMPLETE_AND_RESUME; a critical
 * event preempting a normal handler; the physical timer's PPI and the
 * PL011's SPI bound to events and delivered while IRQs are masked, then
 * given back; shared events routed RM_PE and RM_ANY over every vCPU;
 * UNREGISTER inside a handler; CPU_OFF/CPU_ON resetting a vCPU's SDEI
 * state. Booted with sdei=off it checks that every call is NOT_SUPPORTED.
 *
 * Handlers run with IRQs masked and may interrupt anything, including
 * printf: they only record, main() reports.
 */
#include "libguest.h"
#include "sdei.h"

#define ARG0      0xa5a5000000000000ull
#define TIMEOUT_US 2000000u
#define SPI_SHARED 40u  /* no device: raised through GICD_ISPENDR */
#define UART_ICR  0x044u
#define UART_INT_TX (1u << 5)

struct hit {
	struct sdei_frame f;
	uint64_t daif, current_el, spsel;
	uint64_t ctx[19];       /* CONTEXT(0..18) */
	unsigned int cpu;
};

static struct hit last[GUEST_MAX_VCPUS];
static uint32_t hits[GUEST_MAX_VCPUS];
static uint64_t resume_at;
static uint64_t resume_seen[4]; /* ELR_EL1, SPSR_EL1, DAIF, 1 (written by resume_landing) */

/* ---------------------------------------------------------------- helpers */

static void uart_reg_write(uint32_t off, uint32_t v)
{
	mmio_write32(GUEST_UART_IPA + off, v);
}

static uint32_t uart_reg_read(uint32_t off)
{
	return mmio_read32(GUEST_UART_IPA + off);
}

static void record(struct sdei_frame *f, bool with_context)
{
	unsigned int cpu = smp_processor_id();
	struct hit *h = &last[cpu];

	h->f = *f;
	h->daif = read_sysreg(daif);
	h->current_el = read_sysreg(CurrentEL);
	h->spsel = read_sysreg(spsel);
	h->cpu = cpu;
	if (with_context)
		for (unsigned int i = 0; i < 19; i++)
			h->ctx[i] = (uint64_t)sdei1(SDEI_EVENT_CONTEXT, i);
	dsb(ish);
	store_release32(&hits[cpu], hits[cpu] + 1);
}

static uint64_t h_record(struct sdei_frame *f)
{
	record(f, true);
	return 0;
}

static uint64_t h_resume(struct sdei_frame *f)
{
	record(f, false);
	return resume_at;
}

static bool wait_hits(unsigned int cpu, uint32_t n)
{
	return spin_until(load_acquire32(&hits[cpu]) >= n, TIMEOUT_US);
}

/*
 * Loads a pattern into x3..x30, signals event 0 to target with HVC and
 * stores x0..x30 and SP as they are after the call (and the handler that
 * ran on its way back) into out[0..31]. sdei_probe_ret is the instruction
 * after the HVC: the interrupted PC.
 */
void sdei_probe(uint64_t *out, uint64_t target);
extern char sdei_probe_ret[];
asm(".text\n"
    ".balign 4\n"
    ".global sdei_probe\n"
    "sdei_probe:\n"
    "	sub sp, sp, #128\n"
    "	stp x19, x20, [sp, #0]\n"
    "	stp x21, x22, [sp, #16]\n"
    "	stp x23, x24, [sp, #32]\n"
    "	stp x25, x26, [sp, #48]\n"
    "	stp x27, x28, [sp, #64]\n"
    "	stp x29, x30, [sp, #80]\n"
    "	str x0, [sp, #96]\n"
    "	mov x2, x1\n"
    "	mov x1, #0\n"
    "	movz x0, #0x002f\n"
    "	movk x0, #0xc400, lsl #16\n"
    "	mov x3, #0x5d03\n	mov x4, #0x5d04\n	mov x5, #0x5d05\n	mov x6, #0x5d06\n"
    "	mov x7, #0x5d07\n	mov x8, #0x5d08\n	mov x9, #0x5d09\n	mov x10, #0x5d0a\n"
    "	mov x11, #0x5d0b\n	mov x12, #0x5d0c\n	mov x13, #0x5d0d\n	mov x14, #0x5d0e\n"
    "	mov x15, #0x5d0f\n	mov x16, #0x5d10\n	mov x17, #0x5d11\n	mov x18, #0x5d12\n"
    "	mov x19, #0x5d13\n	mov x20, #0x5d14\n	mov x21, #0x5d15\n	mov x22, #0x5d16\n"
    "	mov x23, #0x5d17\n	mov x24, #0x5d18\n	mov x25, #0x5d19\n	mov x26, #0x5d1a\n"
    "	mov x27, #0x5d1b\n	mov x28, #0x5d1c\n	mov x29, #0x5d1d\n	mov x30, #0x5d1e\n"
    "	hvc #0\n"
    ".global sdei_probe_ret\n"
    "sdei_probe_ret:\n"
    "	str x0, [sp, #104]\n"
    "	str x1, [sp, #112]\n"
    "	ldr x0, [sp, #96]\n"
    "	str x2, [x0, #16]\n	str x3, [x0, #24]\n	str x4, [x0, #32]\n	str x5, [x0, #40]\n"
    "	str x6, [x0, #48]\n	str x7, [x0, #56]\n	str x8, [x0, #64]\n	str x9, [x0, #72]\n"
    "	str x10, [x0, #80]\n	str x11, [x0, #88]\n	str x12, [x0, #96]\n	str x13, [x0, #104]\n"
    "	str x14, [x0, #112]\n	str x15, [x0, #120]\n	str x16, [x0, #128]\n	str x17, [x0, #136]\n"
    "	str x18, [x0, #144]\n	str x19, [x0, #152]\n	str x20, [x0, #160]\n	str x21, [x0, #168]\n"
    "	str x22, [x0, #176]\n	str x23, [x0, #184]\n	str x24, [x0, #192]\n	str x25, [x0, #200]\n"
    "	str x26, [x0, #208]\n	str x27, [x0, #216]\n	str x28, [x0, #224]\n	str x29, [x0, #232]\n"
    "	str x30, [x0, #240]\n"
    "	mov x1, sp\n"
    "	str x1, [x0, #248]\n"
    "	ldr x1, [sp, #104]\n"
    "	str x1, [x0, #0]\n"
    "	ldr x1, [sp, #112]\n"
    "	str x1, [x0, #8]\n"
    "	ldp x19, x20, [sp, #0]\n"
    "	ldp x21, x22, [sp, #16]\n"
    "	ldp x23, x24, [sp, #32]\n"
    "	ldp x25, x26, [sp, #48]\n"
    "	ldp x27, x28, [sp, #64]\n"
    "	ldp x29, x30, [sp, #80]\n"
    "	add sp, sp, #128\n"
    "	ret\n");

/* Where COMPLETE_AND_RESUME enters: an IRQ-like entry that records and returns. */
void resume_landing(void);
asm(".text\n"
    ".balign 4\n"
    ".global resume_landing\n"
    "resume_landing:\n"
    "	sub sp, sp, #16\n"
    "	stp x0, x1, [sp]\n"
    "	adrp x0, resume_seen\n"
    "	add x0, x0, :lo12:resume_seen\n"
    "	mrs x1, elr_el1\n"
    "	str x1, [x0]\n"
    "	mrs x1, spsr_el1\n"
    "	str x1, [x0, #8]\n"
    "	mrs x1, daif\n"
    "	str x1, [x0, #16]\n"
    "	mov x1, #1\n"
    "	str x1, [x0, #24]\n"
    "	ldp x0, x1, [sp]\n"
    "	add sp, sp, #16\n"
    "	eret\n");

/* ---------------------------------------------------------------- discovery */

static void test_off(void)
{
	unsigned int bad = 0;

	for (uint32_t fn = SDEI_VERSION; fn <= SDEI_SHARED_RESET; fn++)
		if (sdei_call(fn, 0, (uint64_t)sdei_entry, 0, 0, 0) != SDEI_NOT_SUPPORTED)
			bad++;
	report(bad == 0, "sdei=off: every SDEI call answers NOT_SUPPORTED (%u did not)", bad);
}

static void test_version_features(void)
{
	int64_t v = sdei1(SDEI_VERSION, 0);

	report(v == 0x0001000100000000ll, "VERSION is 1.1, vendor 0 (0x%lx)", (uint64_t)v);
	report(sdei1(SDEI_FEATURES, 0) == (4 << 16 | 4),
	       "FEATURES(BIND_SLOTS): 4 private and 4 shared slots");
	report(sdei1(SDEI_FEATURES, 1) == SDEI_INVALID_PARAMETERS,
	       "FEATURES(1) is INVALID_PARAMETERS");
	report(sdei1(0x84000020u, 0) == SDEI_NOT_SUPPORTED &&
		       sdei1(0x8400002fu, 0) == SDEI_NOT_SUPPORTED &&
		       sdei1(0xc4000033u, 0) == SDEI_NOT_SUPPORTED,
	       "SMC32 forms and IDs past SHARED_RESET are NOT_SUPPORTED");
	report(sdei1(SDEI_EVENT_STATUS, 1) == SDEI_INVALID_PARAMETERS &&
		       sdei1(SDEI_EVENT_ENABLE, 1000) == SDEI_INVALID_PARAMETERS,
	       "events that do not exist are INVALID_PARAMETERS");
	report(sdei_call(SDEI_EVENT_GET_INFO, 0, SDEI_INFO_SIGNALED, 0, 0, 0) == 1 &&
		       sdei_call(SDEI_EVENT_GET_INFO, 0, SDEI_INFO_TYPE, 0, 0, 0) == 0,
	       "GET_INFO: event 0 is private and signalable");
}

/* ---------------------------------------------------------------- event 0 */

static void test_entry_and_exit_registers(void)
{
	unsigned int cpu = smp_processor_id();
	struct hit *h = &last[cpu];
	uint64_t out[32], daif = read_sysreg(daif);
	uint32_t n0 = hits[cpu];
	unsigned int bad_in = 0, bad_out = 0, bad_ctx = 0;

	sdei_set_handler(cpu, h_record);
	report(sdei_register(0, ARG0, 0, 0) == 0, "EVENT_REGISTER(0)");
	report(sdei1(SDEI_EVENT_STATUS, 0) == SDEI_ST_REGISTERED, "STATUS: registered");
	report(sdei1(SDEI_EVENT_ENABLE, 0) == 0, "EVENT_ENABLE(0)");
	report(sdei1(SDEI_EVENT_COMPLETE, 0) == SDEI_DENIED, "COMPLETE outside a handler is DENIED");
	report(sdei1(SDEI_EVENT_CONTEXT, 0) == SDEI_DENIED, "CONTEXT outside a handler is DENIED");

	/* Masked since boot: the signal waits for PE_UNMASK. */
	report(sdei_call(SDEI_EVENT_SIGNAL, 0, cpu, 0, 0, 0) == 0, "EVENT_SIGNAL to itself, masked");
	report(hits[cpu] == n0, "masked: no handler ran");
	report(sdei1(SDEI_PE_UNMASK, 0) == 0 && hits[cpu] == n0 + 1,
	       "the pending signal is dispatched on PE_UNMASK");
	n0 = hits[cpu];

	sdei_probe(out, cpu);
	report(hits[cpu] == n0 + 1, "the handler ran once on the way back from EVENT_SIGNAL");
	report(h->f.x[0] == 0 && h->f.x[1] == ARG0, "entry: x0 = event 0, x1 = the argument");
	report(h->f.x[2] == (uint64_t)sdei_probe_ret,
	       "entry: x2 = interrupted PC, after the HVC (0x%lx)", h->f.x[2]);
	report((h->f.x[3] & 0x3cf) == (daif | 5),
	       "entry: x3 = interrupted PSTATE, EL1h with its DAIF (0x%lx)", h->f.x[3]);
	for (unsigned int r = 4; r < 31; r++)
		bad_in += h->f.x[r] != 0x5d00u + r;
	report(bad_in == 0, "entry: x4..x30 are the interrupted context's (%u differ)", bad_in);
	report(h->f.sp == out[31], "entry: SP is the interrupted SP");
	report(h->daif == 0x3c0 && h->current_el == 4 && h->spsel == 1,
	       "entry: EL1h with D, A, I, F masked (DAIF 0x%lx)", h->daif);
	report(h->ctx[0] == 0 && h->ctx[1] == 0 && h->ctx[2] == cpu,
	       "CONTEXT(0..2): the call's result and arguments");
	for (unsigned int r = 3; r < 18; r++)
		bad_ctx += h->ctx[r] != 0x5d00u + r;
	report(bad_ctx == 0, "CONTEXT(3..17) are the interrupted x3..x17 (%u differ)", bad_ctx);
	report(h->ctx[18] == (uint64_t)SDEI_INVALID_PARAMETERS, "CONTEXT(18) is INVALID_PARAMETERS");
	for (unsigned int r = 3; r < 31; r++)
		bad_out += out[r] != 0x5d00u + r;
	report(out[0] == 0 && out[1] == 0 && out[2] == cpu && bad_out == 0,
	       "after COMPLETE: x0 = EVENT_SIGNAL's result, x1..x30 as before (%u differ)",
	       bad_out);
	report(sdei1(SDEI_EVENT_STATUS, 0) == (SDEI_ST_REGISTERED | SDEI_ST_ENABLED),
	       "STATUS after COMPLETE: registered and enabled");
}

static void test_complete_and_resume(void)
{
	unsigned int cpu = smp_processor_id();
	uint32_t n0 = hits[cpu];
	uint64_t daif = read_sysreg(daif);

	resume_at = (uint64_t)resume_landing;
	sdei_set_handler(cpu, h_resume);
	resume_seen[3] = 0;
	dsb(ish);
	report(sdei_call(SDEI_EVENT_SIGNAL, 0, cpu, 0, 0, 0) == 0 && hits[cpu] == n0 + 1,
	       "EVENT_SIGNAL: handler ran, then COMPLETE_AND_RESUME");
	report(resume_seen[3] == 1, "COMPLETE_AND_RESUME entered the resume address");
	report(resume_seen[0] == last[cpu].f.x[2] && resume_seen[1] == last[cpu].f.x[3],
	       "resume: ELR_EL1/SPSR_EL1 are the interrupted PC/PSTATE (0x%lx 0x%lx)",
	       resume_seen[0], resume_seen[1]);
	report(resume_seen[2] == 0x3c0, "resume: entered with DAIF masked, as an IRQ would be");
	report(read_sysreg(daif) == daif, "the interrupted context continued after ERET");
	sdei_set_handler(cpu, h_record);
}

static uint64_t h_unregister(struct sdei_frame *f)
{
	record(f, false);
	last[smp_processor_id()].ctx[0] = (uint64_t)sdei1(SDEI_EVENT_UNREGISTER, 0);
	last[smp_processor_id()].ctx[1] = (uint64_t)sdei1(SDEI_EVENT_STATUS, 0);
	last[smp_processor_id()].ctx[2] = (uint64_t)sdei1(SDEI_EVENT_ENABLE, 0);
	return 0;
}

static void test_unregister_in_handler(void)
{
	unsigned int cpu = smp_processor_id();
	struct hit *h = &last[cpu];

	sdei_set_handler(cpu, h_unregister);
	sdei_call(SDEI_EVENT_SIGNAL, 0, cpu, 0, 0, 0);
	report(h->ctx[0] == (uint64_t)SDEI_PENDING, "UNREGISTER inside the handler is PENDING");
	report(h->ctx[1] == SDEI_ST_RUNNING, "STATUS then: running, not registered");
	report(h->ctx[2] == (uint64_t)SDEI_DENIED, "ENABLE while unregister-pending is DENIED");
	report(sdei1(SDEI_EVENT_STATUS, 0) == 0, "after COMPLETE: unregistered");
	sdei_set_handler(cpu, h_record);
}

/* ---------------------------------------------------------------- priorities */

static volatile uint64_t order[8];
static volatile unsigned int order_n;
static uint64_t crit_event;

static void note(uint64_t what)
{
	if (order_n < ARRAY_SIZE(order))
		order[order_n++] = what;
	dsb(ish);
}

static unsigned int normal_seen;

static uint64_t h_priorities(struct sdei_frame *f)
{
	unsigned int cpu = smp_processor_id();

	if (f->x[0] == crit_event) {
		note(0xc);
		/* The line goes low: the timer's interrupt is masked (IMASK). */
		write_sysreg(3, cntp_ctl_el0);
		isb();
		record(f, false);
		return 0;
	}
	note(++normal_seen);
	if (normal_seen == 1) {
		uint32_t seen = hits[cpu];

		/* A second event 0 now waits; the timer fires at once. */
		sdei_call(SDEI_EVENT_SIGNAL, 0, cpu, 0, 0, 0);
		write_sysreg(read_sysreg(cntpct_el0), cntp_cval_el0);
		write_sysreg(1, cntp_ctl_el0);
		isb();
		spin_until(load_acquire32(&hits[cpu]) != seen, TIMEOUT_US);
		note(0x1e);
	}
	return 0;
}

static void test_critical_preempts_normal(void)
{
	unsigned int cpu = smp_processor_id();
	int64_t ev;

	gic_irq_set_priority(GIC_INTID_PTIMER, 0x20);
	ev = sdei1(SDEI_INTERRUPT_BIND, GIC_INTID_PTIMER);
	report(ev == 1000, "INTERRUPT_BIND(PPI 30, the physical timer) gives private event 1000");
	report(sdei1(SDEI_INTERRUPT_BIND, GIC_INTID_PTIMER) == ev,
	       "binding it again gives the same event");
	report(sdei1(SDEI_INTERRUPT_BIND, 1) == SDEI_INVALID_PARAMETERS,
	       "INTERRUPT_BIND of an SGI is INVALID_PARAMETERS");
	report(sdei_call(SDEI_EVENT_GET_INFO, ev, SDEI_INFO_PRIORITY, 0, 0, 0) == 1,
	       "GIC priority 0x20: a critical event");
	crit_event = (uint64_t)ev;
	sdei_set_handler(cpu, h_priorities);
	report(sdei_register(ev, 0, 0, 0) == 0 && sdei1(SDEI_EVENT_ENABLE, ev) == 0,
	       "critical event registered and enabled");
	/* Event 0 was unregistered by the test before. */
	sdei_register(0, 1, 0, 0);
	sdei1(SDEI_EVENT_ENABLE, 0);
	order_n = 0;
	sdei_call(SDEI_EVENT_SIGNAL, 0, cpu, 0, 0, 0);
	report(order_n == 4 && order[0] == 1 && order[1] == 0xc && order[2] == 0x1e &&
		       order[3] == 2,
	       "critical preempted the normal handler; the second normal event waited for "
	       "COMPLETE (%u: %lx %lx %lx %lx)",
	       order_n, order[0], order[1], order[2], order[3]);
	report(last[cpu].f.x[0] == (uint64_t)ev && last[cpu].f.x[2] >= (uint64_t)h_priorities,
	       "critical handler interrupted the normal one (x2 0x%lx)", last[cpu].f.x[2]);
	sdei1(SDEI_EVENT_UNREGISTER, 0);

	/* The timer as an NMI: delivered with IRQs masked; the handler
	 * masks the timer (a level line would come back at once). */
	report(irqs_disabled(), "PSTATE.I is set");
	{
		uint32_t n0 = hits[cpu];

		write_sysreg(read_sysreg(cntpct_el0) + timer_ticks_us(1000), cntp_cval_el0);
		write_sysreg(1, cntp_ctl_el0);
		isb();
		report(wait_hits(cpu, n0 + 1) && last[cpu].f.x[0] == (uint64_t)ev,
		       "the physical timer fired as event %ld while IRQs were masked", ev);
	}
	sdei_set_handler(cpu, h_record);
	report(sdei1(SDEI_INTERRUPT_RELEASE, ev) == SDEI_DENIED, "INTERRUPT_RELEASE while registered is DENIED");
	report(sdei1(SDEI_EVENT_UNREGISTER, ev) == 0 && sdei1(SDEI_INTERRUPT_RELEASE, ev) == 0,
	       "UNREGISTER, then INTERRUPT_RELEASE");
	report(sdei1(SDEI_EVENT_STATUS, ev) == SDEI_INVALID_PARAMETERS,
	       "the released event no longer exists");
	/* Back in the GIC: the timer makes PPI 30 pending there. */
	write_sysreg(read_sysreg(cntpct_el0), cntp_cval_el0);
	write_sysreg(1, cntp_ctl_el0);
	isb();
	report(spin_until(gic_irq_pending(GIC_INTID_PTIMER), TIMEOUT_US),
	       "released: the timer's PPI 30 is pending in the GIC again");
	write_sysreg(3, cntp_ctl_el0); /* IMASK lowers the line */
	isb();
	write_sysreg(0, cntp_ctl_el0);
	isb();
	gic_irq_set_priority(GIC_INTID_PTIMER, GIC_PRIO_DEFAULT);
}

/* ---------------------------------------------------------------- the PL011's SPI */

static uint64_t h_uart(struct sdei_frame *f)
{
	/* Quiet the source: TXIM masked lowers the line. */
	uart_reg_write(UART_IMSC, uart_reg_read(UART_IMSC) & ~UART_INT_TX);
	record(f, false);
	return 0;
}

static void test_uart_spi(void)
{
	unsigned int cpu = smp_processor_id();
	uint32_t n0 = hits[cpu];
	int64_t ev = sdei1(SDEI_INTERRUPT_BIND, GIC_INTID_UART);

	report(ev == 2000, "INTERRUPT_BIND(SPI 33, the PL011) gives shared event 2000");
	report(sdei_call(SDEI_EVENT_GET_INFO, ev, SDEI_INFO_TYPE, 0, 0, 0) == 1 &&
		       sdei_call(SDEI_EVENT_GET_INFO, ev, SDEI_INFO_PRIORITY, 0, 0, 0) == 0,
	       "GET_INFO: shared, normal priority (GIC priority 0xa0)");
	sdei_set_handler(cpu, h_uart);
	report(sdei_register(ev, 0, SDEI_RM_PE, cpu) == 0 && sdei1(SDEI_EVENT_ENABLE, ev) == 0,
	       "registered RM_PE to this vCPU, enabled");
	uart_reg_write(UART_IMSC, uart_reg_read(UART_IMSC) | UART_INT_TX);
	report(wait_hits(cpu, n0 + 1) && last[cpu].f.x[0] == (uint64_t)ev,
	       "the PL011's TX interrupt arrived as event %ld with IRQs masked", ev);
	report(!gic_irq_pending(GIC_INTID_UART), "bound: not pending in the GIC");
	report(sdei1(SDEI_EVENT_UNREGISTER, ev) == 0 && sdei1(SDEI_INTERRUPT_RELEASE, ev) == 0,
	       "UNREGISTER and INTERRUPT_RELEASE");
	uart_reg_write(UART_IMSC, uart_reg_read(UART_IMSC) | UART_INT_TX);
	report(spin_until(gic_irq_pending(GIC_INTID_UART), TIMEOUT_US) && hits[cpu] == n0 + 1,
	       "released: INTID 33 is pending in the GIC again, no event");
	uart_reg_write(UART_IMSC, uart_reg_read(UART_IMSC) & ~UART_INT_TX);
	uart_reg_write(UART_ICR, UART_INT_TX);
	sdei_set_handler(cpu, h_record);
}

/* ---------------------------------------------------------------- shared events */

/*
 * How long a handler stays running after it counted its run, in the RM_PE
 * checks: three time slices of the hypervisor's default 10 ms. The sender
 * then sees the count while the event still runs (RUNNING until that vCPU's
 * COMPLETE, when ROUTING_SET is DENIED), as it does now and then without the
 * wait when the handler's vCPU is switched out or its QEMU thread preempted
 * between the count and the COMPLETE: the sender must wait for the COMPLETE
 * before it routes the event elsewhere, and does.
 */
#define LINGER_US 30000u

static uint32_t go_home;
static uint64_t inside;
static uint32_t overlap;
static uint64_t runs_on[GUEST_MAX_VCPUS];
static uint32_t linger_us;

static uint64_t h_shared(struct sdei_frame *f)
{
	unsigned int cpu = smp_processor_id();

	if (atomic_add_return(&inside, 1) != 1)
		overlap++;
	delay_us(200);
	runs_on[cpu]++;
	atomic_add_return(&inside, (uint64_t)-1);
	record(f, false);
	delay_us(load_acquire32(&linger_us));
	return 0;
}

static void shared_worker(void *arg)
{
	unsigned int cpu = smp_processor_id();

	(void)arg;
	sdei_set_handler(cpu, h_shared);
	sdei1(SDEI_PE_UNMASK, 0);
	while (!load_acquire32(&go_home))
		cpu_relax();
	sdei1(SDEI_PE_MASK, 0);
}

static uint64_t total_runs(void)
{
	uint64_t t = 0;

	for (unsigned int i = 0; i < GUEST_MAX_VCPUS; i++)
		t += runs_on[i];
	return t;
}

static void test_shared_routing(void)
{
	unsigned int n = boot.nr_vcpus, busy = 0;
	int64_t ev, ret;
	bool only_target = true;

	sdei_set_handler(0, h_shared);
	for (unsigned int c = 1; c < n; c++)
		smp_start(c, shared_worker, NULL);
	gic_irq_set_edge(SPI_SHARED, true);
	ev = sdei1(SDEI_INTERRUPT_BIND, SPI_SHARED);
	report(ev == 2000, "INTERRUPT_BIND(SPI %u): shared event %ld", SPI_SHARED, ev);
	report(sdei_register(ev, 0, SDEI_RM_PE, 0) == 0, "registered RM_PE to vCPU 0");
	report(sdei_call(SDEI_EVENT_ROUTING_SET, ev, SDEI_RM_PE, n, 0, 0) ==
		       SDEI_INVALID_PARAMETERS,
	       "ROUTING_SET to a vCPU that does not exist is INVALID_PARAMETERS");
	store_release32(&linger_us, LINGER_US);
	for (unsigned int t = 0; t < n; t++) {
		uint64_t before = total_runs(), on_t = runs_on[t];

		sdei1(SDEI_EVENT_DISABLE, ev);
		ret = sdei_call(SDEI_EVENT_ROUTING_SET, ev, SDEI_RM_PE, t, 0, 0);
		if (ret != 0) {
			report_info("RM_PE to vCPU %u: ROUTING_SET answered %ld", t, ret);
			only_target = false;
		}
		sdei1(SDEI_EVENT_ENABLE, ev);
		if (sdei_call(SDEI_EVENT_ROUTING_SET, ev, SDEI_RM_ANY, 0, 0, 0) != SDEI_DENIED)
			only_target = false;
		gic_irq_set_pending(SPI_SHARED);
		if (!spin_until(total_runs() == before + 1, TIMEOUT_US) || runs_on[t] != on_t + 1) {
			report_info("RM_PE to vCPU %u: %lu runs there, %lu in all (1 expected)", t,
				    runs_on[t] - on_t, total_runs() - before);
			only_target = false;
		}
		/* Counted is not completed: the next ROUTING_SET needs it idle. */
		if (!spin_until(!(sdei1(SDEI_EVENT_STATUS, ev) & SDEI_ST_RUNNING), TIMEOUT_US)) {
			report_info("RM_PE to vCPU %u: its handler never completed", t);
			only_target = false;
		}
	}
	store_release32(&linger_us, 0);
	report(only_target, "RM_PE: the event ran on each of the %u vCPUs it was routed to, and "
			    "only there", n);
	sdei1(SDEI_EVENT_DISABLE, ev);
	report(sdei_call(SDEI_EVENT_ROUTING_SET, ev, SDEI_RM_ANY, 0, 0, 0) == 0 &&
		       sdei_call(SDEI_EVENT_GET_INFO, ev, SDEI_INFO_ROUTING_MODE, 0, 0, 0) ==
			       SDEI_RM_ANY,
	       "ROUTING_SET RM_ANY while disabled");
	sdei1(SDEI_EVENT_ENABLE, ev);
	for (unsigned int i = 0; i < 50; i++) {
		uint64_t before = total_runs();

		gic_irq_set_pending(SPI_SHARED);
		delay_us(50);
		gic_irq_set_pending(SPI_SHARED);
		if (!spin_until(total_runs() > before, TIMEOUT_US))
			busy++;
	}
	report(busy == 0 && overlap == 0,
	       "RM_ANY: 100 raises ran %lu handlers, never two at once (%u overlaps, %u lost)",
	       total_runs(), overlap, busy);
	sdei1(SDEI_EVENT_DISABLE, ev);
	/* A handler may still run on another vCPU: then the UNREGISTER is
	 * PENDING until its COMPLETE. */
	if (sdei1(SDEI_EVENT_UNREGISTER, ev) == SDEI_PENDING)
		spin_until(sdei1(SDEI_EVENT_STATUS, ev) == 0, TIMEOUT_US);
	report(sdei1(SDEI_INTERRUPT_RELEASE, ev) == 0, "shared event released");
	store_release32(&go_home, 1);
	for (unsigned int c = 1; c < n; c++)
		report(smp_wait(c), "vCPU %u powered off", c);
	sdei_set_handler(0, h_record);
}

/* ---------------------------------------------------------------- CPU_OFF / CPU_ON */

static uint64_t status_seen[4];

static void reg_worker(void *arg)
{
	unsigned int cpu = smp_processor_id();

	(void)arg;
	sdei_set_handler(cpu, h_record);
	status_seen[0] = (uint64_t)sdei1(SDEI_EVENT_STATUS, 0);
	sdei_register(0, 7, 0, 0);
	sdei1(SDEI_EVENT_ENABLE, 0);
	sdei1(SDEI_PE_UNMASK, 0);
	status_seen[1] = (uint64_t)sdei1(SDEI_EVENT_STATUS, 0);
}

static uint32_t may_unmask;

static void masked_worker(void *arg)
{
	unsigned int cpu = smp_processor_id();

	(void)arg;
	status_seen[2] = (uint64_t)sdei1(SDEI_EVENT_STATUS, 0);
	sdei_register(0, 8, 0, 0);
	sdei1(SDEI_EVENT_ENABLE, 0);
	store_release32((uint32_t *)&status_seen[3], 1);
	while (!load_acquire32(&may_unmask))
		cpu_relax();
	sdei1(SDEI_PE_UNMASK, 0);
	(void)cpu;
}

static void test_cpu_off_on_reset(void)
{
	uint32_t n0;

	if (boot.nr_vcpus < 2) {
		report_skip("CPU_OFF/CPU_ON reset: one vCPU");
		return;
	}
	smp_start(1, reg_worker, NULL);
	report(smp_wait(1), "vCPU 1 registered event 0 and powered off");
	report(status_seen[0] == 0 && status_seen[1] == (SDEI_ST_REGISTERED | SDEI_ST_ENABLED),
	       "vCPU 1: event 0 registered and enabled before CPU_OFF");
	smp_start(1, masked_worker, NULL);
	spin_until(load_acquire32((uint32_t *)&status_seen[3]), TIMEOUT_US);
	report(status_seen[2] == 0, "after CPU_ON: vCPU 1's event 0 is unregistered");
	n0 = hits[1];
	report(sdei_call(SDEI_EVENT_SIGNAL, 0, 1, 0, 0, 0) == 0, "EVENT_SIGNAL to vCPU 1");
	delay_us(20000);
	report(hits[1] == n0, "vCPU 1 started masked: nothing dispatched");
	store_release32(&may_unmask, 1);
	report(wait_hits(1, n0 + 1) && last[1].f.x[0] == 0 && last[1].f.x[1] == 8 &&
		       last[1].cpu == 1,
	       "after its PE_UNMASK the signal ran vCPU 1's handler");
	report(smp_wait(1), "vCPU 1 powered off");
}

int main(void)
{
	int64_t v = sdei1(SDEI_VERSION, 0);

	if (!boot.hypscope) {
		report_skip("not under hypscope");
		return report_summary();
	}
	if (v == SDEI_NOT_SUPPORTED) {
		test_off();
		return report_summary();
	}
	report(gic_init(), "GIC up");
	report_info("SDEI on %u vCPUs", boot.nr_vcpus);
	report(sdei1(SDEI_PRIVATE_RESET, 0) == 0 && sdei1(SDEI_SHARED_RESET, 0) == 0,
	       "PRIVATE_RESET and SHARED_RESET");
	test_version_features();
	test_entry_and_exit_registers();
	test_complete_and_resume();
	test_unregister_in_handler();
	test_critical_preempts_normal();
	test_uart_spi();
	test_shared_routing();
	test_cpu_off_on_reset();
	return report_summary();
}
