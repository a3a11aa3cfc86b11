/*
 * Self-hosted debug of the guest itself (Arm ARM D2): with its own
 * exception vectors, at EL1 and at EL0, every hardware breakpoint and
 * watchpoint ID_AA64DFR0_EL1 announces, software step over a few
 * instructions, BRK with its immediate, the OS lock, and a second vCPU that
 * never touches debug and meets none of it.
 *
 * Each debug exception must arrive at EL1 with its ESR_EL1 class
 * (breakpoint 0x30/0x31, step 0x32/0x33, watchpoint 0x34/0x35 with FAR_EL1
 * and WnR, BRK 0x3c). With gdb=1 on the command line (tests/e2e/gdb_selfdebug.sh)
 * the guest stops at a mark for the debugger first and checks its own
 * watchpoint while the debugger's breakpoint is set.
 */
#include "libguest.h"

#define MDSCR_SS  (1ull << 0)
#define MDSCR_KDE (1ull << 13)
#define MDSCR_MDE (1ull << 15)
#define OSLSR_OSLK (1ull << 1)

/* DBGBCR: E, PMC (bit 1 EL1, bit 2 EL0), BAS = 0b1111 (an A64 instruction) */
#define BCR_E	  (1ull << 0)
#define BCR_EL1	  (1ull << 1)
#define BCR_EL0	  (1ull << 2)
#define BCR_BAS	  (0xfull << 5)
/* DBGWCR: E, PAC, LSC (bit 3 load, bit 4 store), BAS over 8 bytes */
#define WCR_LOAD  (1ull << 3)
#define WCR_STORE (1ull << 4)
#define WCR_BAS8  (0xffull << 5)
#define WCR_E_EL1 ((1ull << 0) | (1ull << 1))
#define WCR_E_EL0 ((1ull << 0) | (1ull << 2))

#define EC_BREAKPT_LOW 0x30u
#define EC_BREAKPT_CUR 0x31u
#define EC_SOFTSTP_LOW 0x32u
#define EC_SOFTSTP_CUR 0x33u
#define EC_WATCHPT_LOW 0x34u
#define EC_WATCHPT_CUR 0x35u
#define EC_SVC64       0x15u
#define EC_BRK64       0x3cu
#define ESR_WNR	       (1ull << 6)
#define ESR_SS_ISV     (1ull << 24)
#define PSR_SS	       (1ull << 21)

/* ------------------------------------------------------------ vectors */

/* The frame the vectors save: x0..x30, ELR_EL1, SPSR_EL1. */
struct frame {
	uint64_t x[31];
	uint64_t elr;
	uint64_t spsr;
	uint64_t pad;
};
_Static_assert(sizeof(struct frame) == 34 * 8, "FRAME below");

uint64_t sd_handle(struct frame *f, uint64_t vec);
void sd_vectors(void);
void run_el0(uint64_t entry, uint64_t sp, uint64_t spsr);
void step_el1(uint64_t entry);
void el0_target(void);
void el0_store(void);
void el0_steps(void);
void el0_brk(void);
void el1_target(void);
void el1_steps(void);
void el1_steps_end(void);
void el0_steps_end(void);
extern uint64_t el0_watched;

/*
 * A vector saves the frame on SP_EL1 and calls sd_handle(); a non-zero
 * answer means the EL0 code is finished: the stack goes back to where
 * run_el0() left it and run_el0() returns.
 */
asm(".macro sd_vector idx\n"
    "	.balign 0x80\n"
    "	sub	sp, sp, #(34 * 8)\n"
    "	stp	x0, x1, [sp, #0]\n"
    "	mov	x1, #\\idx\n"
    "	b	sd_common\n"
    ".endm\n"
    "	.text\n"
    "	.balign 0x800\n"
    "	.global sd_vectors\n"
    "sd_vectors:\n"
    "	sd_vector 0\n sd_vector 1\n sd_vector 2\n sd_vector 3\n"
    "	sd_vector 4\n sd_vector 5\n sd_vector 6\n sd_vector 7\n"
    "	sd_vector 8\n sd_vector 9\n sd_vector 10\n sd_vector 11\n"
    "	sd_vector 12\n sd_vector 13\n sd_vector 14\n sd_vector 15\n"
    "sd_common:\n"
    "	stp	x2, x3, [sp, #16]\n"
    "	stp	x4, x5, [sp, #32]\n"
    "	stp	x6, x7, [sp, #48]\n"
    "	stp	x8, x9, [sp, #64]\n"
    "	stp	x10, x11, [sp, #80]\n"
    "	stp	x12, x13, [sp, #96]\n"
    "	stp	x14, x15, [sp, #112]\n"
    "	stp	x16, x17, [sp, #128]\n"
    "	stp	x18, x19, [sp, #144]\n"
    "	stp	x20, x21, [sp, #160]\n"
    "	stp	x22, x23, [sp, #176]\n"
    "	stp	x24, x25, [sp, #192]\n"
    "	stp	x26, x27, [sp, #208]\n"
    "	stp	x28, x29, [sp, #224]\n"
    "	mrs	x2, elr_el1\n"
    "	mrs	x3, spsr_el1\n"
    "	stp	x30, x2, [sp, #240]\n"
    "	str	x3, [sp, #256]\n"
    "	mov	x0, sp\n"
    "	bl	sd_handle\n"
    "	cbnz	x0, el0_finished\n"
    "	ldp	x30, x2, [sp, #240]\n"
    "	ldr	x3, [sp, #256]\n"
    "	msr	elr_el1, x2\n"
    "	msr	spsr_el1, x3\n"
    "	ldp	x0, x1, [sp, #0]\n"
    "	ldp	x2, x3, [sp, #16]\n"
    "	ldp	x4, x5, [sp, #32]\n"
    "	ldp	x6, x7, [sp, #48]\n"
    "	ldp	x8, x9, [sp, #64]\n"
    "	ldp	x10, x11, [sp, #80]\n"
    "	ldp	x12, x13, [sp, #96]\n"
    "	ldp	x14, x15, [sp, #112]\n"
    "	ldp	x16, x17, [sp, #128]\n"
    "	ldp	x18, x19, [sp, #144]\n"
    "	ldp	x20, x21, [sp, #160]\n"
    "	ldp	x22, x23, [sp, #176]\n"
    "	ldp	x24, x25, [sp, #192]\n"
    "	ldp	x26, x27, [sp, #208]\n"
    "	ldp	x28, x29, [sp, #224]\n"
    "	add	sp, sp, #(34 * 8)\n"
    "	eret\n"
    /* run_el0(entry, sp_el0, spsr): callee-saved registers kept on this stack */
    "	.global run_el0\n"
    "run_el0:\n"
    "	stp	x29, x30, [sp, #-96]!\n"
    "	stp	x19, x20, [sp, #16]\n"
    "	stp	x21, x22, [sp, #32]\n"
    "	stp	x23, x24, [sp, #48]\n"
    "	stp	x25, x26, [sp, #64]\n"
    "	stp	x27, x28, [sp, #80]\n"
    "	adrp	x9, el0_saved_sp\n"
    "	mov	x10, sp\n"
    "	str	x10, [x9, :lo12:el0_saved_sp]\n"
    "	msr	sp_el0, x1\n"
    "	msr	elr_el1, x0\n"
    "	msr	spsr_el1, x2\n"
    "	eret\n"
    "el0_finished:\n"
    "	adrp	x9, el0_saved_sp\n"
    "	ldr	x10, [x9, :lo12:el0_saved_sp]\n"
    "	mov	sp, x10\n"
    "	ldp	x19, x20, [sp, #16]\n"
    "	ldp	x21, x22, [sp, #32]\n"
    "	ldp	x23, x24, [sp, #48]\n"
    "	ldp	x25, x26, [sp, #64]\n"
    "	ldp	x27, x28, [sp, #80]\n"
    "	ldp	x29, x30, [sp], #96\n"
    "	ret\n"
    /* step_el1(entry): ERET to entry at EL1h with PSTATE.SS set; it returns here */
    "	.global step_el1\n"
    "step_el1:\n"
    "	stp	x29, x30, [sp, #-16]!\n"
    "	msr	elr_el1, x0\n"
    "	mov	x9, #0x1c5\n" /* EL1h, A I F masked, D clear */
    "	orr	x9, x9, #(1 << 21)\n" /* SS */
    "	msr	spsr_el1, x9\n"
    "	adr	x30, 1f\n"
    "	eret\n"
    "1:	ldp	x29, x30, [sp], #16\n"
    "	ret\n"
    /* EL1 code the tests put breakpoints on and step through */
    "	.global el1_target\n"
    "el1_target:\n"
    "	nop\n"
    "	ret\n"
    "	.global el1_steps\n"
    "el1_steps:\n"
    "	mov	x1, #1\n"
    "	mov	x2, #2\n"
    "	add	x3, x1, x2\n"
    "	.global el1_steps_end\n"
    "el1_steps_end:\n"
    "	ret\n"
    /* EL0 code: each ends with SVC, which hands control back to EL1 */
    "	.global el0_target\n"
    "el0_target:\n"
    "	nop\n"
    "	svc	#0\n"
    "	.global el0_store\n"
    "el0_store:\n"
    "	adrp	x1, el0_watched\n"
    "	mov	x2, #7\n"
    "	str	x2, [x1, :lo12:el0_watched]\n"
    "	svc	#0\n"
    "	.global el0_steps\n"
    "el0_steps:\n"
    "	mov	x1, #1\n"
    "	mov	x2, #2\n"
    "	add	x3, x1, x2\n"
    "	.global el0_steps_end\n"
    "el0_steps_end:\n"
    "	svc	#0\n"
    "	.global el0_brk\n"
    "el0_brk:\n"
    "	brk	#0x5a\n"
    "	svc	#0\n");

uint64_t el0_saved_sp;
uint64_t el0_watched __aligned(8);
static uint64_t el1_watched __aligned(8);
static uint8_t el0_stack[4096] __aligned(16);

#define MAX_HITS 8

struct hit {
	uint64_t esr, far, elr, vec;
};

static struct {
	struct hit hit[MAX_HITS];
	unsigned n;
	unsigned step_budget; /* steps to take before MDSCR_EL1.SS is cleared */
	unsigned unexpected;
} rec;

static void rec_reset(void)
{
	memset(&rec, 0, sizeof(rec));
}

uint64_t sd_handle(struct frame *f, uint64_t vec)
{
	uint64_t esr = read_sysreg(esr_el1), far = read_sysreg(far_el1);
	unsigned ec = ESR_EC(esr);

	if (ec == EC_SVC64 && vec == 8)
		return 1; /* the EL0 code is done */
	if (rec.n < MAX_HITS)
		rec.hit[rec.n] = (struct hit){ esr, far, f->elr, vec };
	rec.n++;
	switch (ec) {
	case EC_BREAKPT_LOW:
	case EC_BREAKPT_CUR:
	case EC_WATCHPT_LOW:
	case EC_WATCHPT_CUR:
	case EC_BRK64:
		f->elr += 4; /* past the instruction (a watched access is not made) */
		break;
	case EC_SOFTSTP_LOW:
	case EC_SOFTSTP_CUR:
		if (rec.step_budget && --rec.step_budget) {
			f->spsr |= PSR_SS; /* one more instruction */
		} else {
			write_sysreg(read_sysreg(mdscr_el1) & ~MDSCR_SS, mdscr_el1);
			isb(); /* no step is pending when the ERET goes back */
		}
		break;
	default:
		rec.unexpected++;
		printf("FAIL: unexpected exception: vector %lu ESR_EL1 %#lx ELR %#lx FAR %#lx\n", vec,
		       esr, f->elr, far);
		guest_exit(GUEST_EXIT_RUNTIME_ERROR);
	}
	return 0;
}

/* ------------------------------------------------------------ registers by index */

#define DBG_CASE(n, kind, val) case n: write_sysreg(val, dbg##kind##n##_el1); break
#define DBG_SWITCH(kind, idx, val)                                                                  \
	switch (idx) {                                                                             \
		DBG_CASE(0, kind, val); DBG_CASE(1, kind, val); DBG_CASE(2, kind, val);            \
		DBG_CASE(3, kind, val); DBG_CASE(4, kind, val); DBG_CASE(5, kind, val);            \
		DBG_CASE(6, kind, val); DBG_CASE(7, kind, val); DBG_CASE(8, kind, val);            \
		DBG_CASE(9, kind, val); DBG_CASE(10, kind, val); DBG_CASE(11, kind, val);          \
		DBG_CASE(12, kind, val); DBG_CASE(13, kind, val); DBG_CASE(14, kind, val);         \
		DBG_CASE(15, kind, val);                                                           \
	}

static void set_bp(unsigned i, uint64_t addr, uint64_t ctl)
{
	DBG_SWITCH(bvr, i, addr);
	DBG_SWITCH(bcr, i, ctl);
	isb(); /* in force for the instructions that follow */
}

static void set_wp(unsigned i, uint64_t addr, uint64_t ctl)
{
	DBG_SWITCH(wvr, i, addr);
	DBG_SWITCH(wcr, i, ctl);
	isb();
}

static void set_mdscr(uint64_t v)
{
	write_sysreg(v, mdscr_el1);
	isb();
}

static void debug_unmask(void)
{
	asm volatile("msr daifclr, #8" ::: "memory"); /* PSTATE.D */
	isb();
}

static void debug_mask(void)
{
	asm volatile("msr daifset, #8" ::: "memory");
	isb();
}

static void call_el1_target(void)
{
	((void (*)(void))el1_target)();
}

static void run_at_el0(void (*fn)(void), bool step)
{
	/* EL0t, interrupts masked; SS armed for the first instruction when stepping */
	run_el0((uint64_t)fn, (uint64_t)(el0_stack + sizeof(el0_stack)),
		0x3c0 | (step ? PSR_SS : 0));
}

static bool one_hit(unsigned ec, uint64_t elr)
{
	return rec.n == 1 && ESR_EC(rec.hit[0].esr) == ec && rec.hit[0].elr == elr;
}

/* ------------------------------------------------------------ EL1 */

static void test_el1_breakpoints(unsigned brps)
{
	unsigned ok = 0;

	set_mdscr(MDSCR_MDE | MDSCR_KDE);
	debug_unmask();
	for (unsigned i = 0; i < brps; i++) {
		rec_reset();
		set_bp(i, (uint64_t)el1_target, BCR_E | BCR_EL1 | BCR_BAS);
		call_el1_target();
		set_bp(i, 0, 0);
		if (one_hit(EC_BREAKPT_CUR, (uint64_t)el1_target) &&
		    (rec.hit[0].esr & ESR_IL) && (rec.hit[0].esr & 0x3f) == 0x22)
			ok++;
		else
			printf("  breakpoint %u: %u hits, ESR_EL1 %#lx ELR %#lx\n", i, rec.n,
			       rec.hit[0].esr, rec.hit[0].elr);
	}
	report(ok == brps, "EL1: each of the %u breakpoints fires, ESR_EL1.EC 0x31 at its address",
	       brps);

	/* Not at EL1 without KDE, nor with PSTATE.D set. */
	rec_reset();
	set_bp(0, (uint64_t)el1_target, BCR_E | BCR_EL1 | BCR_BAS);
	set_mdscr(MDSCR_MDE);
	call_el1_target();
	report(rec.n == 0, "EL1: no breakpoint exception without MDSCR_EL1.KDE (%u)", rec.n);
	set_mdscr(MDSCR_MDE | MDSCR_KDE);
	debug_mask();
	call_el1_target();
	report(rec.n == 0, "EL1: no breakpoint exception with PSTATE.D set (%u)", rec.n);
	debug_unmask();
	set_bp(0, 0, 0);
}

static void test_el1_watchpoints(unsigned wrps)
{
	unsigned ok = 0;
	volatile uint64_t *p = &el1_watched;

	for (unsigned i = 0; i < wrps; i++) {
		rec_reset();
		set_wp(i, (uint64_t)p, WCR_E_EL1 | WCR_STORE | WCR_BAS8);
		*p = i;
		set_wp(i, 0, 0);
		if (rec.n == 1 && ESR_EC(rec.hit[0].esr) == EC_WATCHPT_CUR &&
		    rec.hit[0].far == (uint64_t)p && (rec.hit[0].esr & ESR_WNR))
			ok++;
		else
			printf("  watchpoint %u: %u hits, ESR_EL1 %#lx FAR %#lx\n", i, rec.n,
			       rec.hit[0].esr, rec.hit[0].far);
	}
	report(ok == wrps,
	       "EL1: each of the %u watchpoints fires on a store: EC 0x35, FAR_EL1 the address, WnR 1",
	       wrps);

	rec_reset();
	set_wp(0, (uint64_t)p, WCR_E_EL1 | WCR_LOAD | WCR_BAS8);
	*p = 1; /* a store: not watched */
	(void)*p;
	set_wp(0, 0, 0);
	report(rec.n == 1 && ESR_EC(rec.hit[0].esr) == EC_WATCHPT_CUR &&
		       !(rec.hit[0].esr & ESR_WNR) && rec.hit[0].far == (uint64_t)p,
	       "EL1: a load watchpoint fires on the load only, WnR 0 (%u hits, ESR %#lx)", rec.n,
	       rec.hit[0].esr);
}

static void test_el1_step(void)
{
	const uint64_t base = (uint64_t)el1_steps;
	bool elrs = true;

	rec_reset();
	rec.step_budget = 3;
	/* SS with PSTATE.SS clear where the step is enabled would be taken at
	 * once (active-pending): set it with PSTATE.D masked, and the ERET in
	 * step_el1() unmasks D and sets PSTATE.SS together. */
	debug_mask();
	set_mdscr(MDSCR_KDE | MDSCR_SS);
	step_el1(base);
	for (unsigned i = 0; i < 3 && i < rec.n; i++)
		elrs &= rec.hit[i].elr == base + 4 * (i + 1) &&
			ESR_EC(rec.hit[i].esr) == EC_SOFTSTP_CUR && (rec.hit[i].esr & ESR_SS_ISV);
	for (unsigned i = 0; !elrs && i < rec.n && i < MAX_HITS; i++)
		printf("  step %u: ESR_EL1 %#lx ELR %#lx (base %#lx)\n", i, rec.hit[i].esr,
		       rec.hit[i].elr, base);
	report(rec.n == 3 && elrs,
	       "EL1: software step: 3 steps, EC 0x33, ELR_EL1 the next instruction each time (%u)",
	       rec.n);
	report((uint64_t)el1_steps_end == base + 12, "EL1: the last step stopped at the end");
	set_mdscr(MDSCR_MDE | MDSCR_KDE);
}

static void test_el1_brk(void)
{
	uint64_t at;

	rec_reset();
	asm volatile("adr %0, 1f\n"
		     "1:	brk	#0x1234" : "=r"(at) :: "memory");
	report(one_hit(EC_BRK64, at) && (rec.hit[0].esr & 0xffff) == 0x1234,
	       "EL1: BRK #0x1234: EC 0x3c, ISS the immediate (ESR_EL1 %#lx)", rec.hit[0].esr);
}

static void test_os_lock(void)
{
	uint64_t at;

	set_mdscr(MDSCR_MDE | MDSCR_KDE);
	set_bp(1, (uint64_t)el1_target, BCR_E | BCR_EL1 | BCR_BAS);
	write_sysreg(1, oslar_el1);
	isb();
	report(read_sysreg(oslsr_el1) & OSLSR_OSLK, "OS lock: OSLAR_EL1 = 1 sets OSLSR_EL1.OSLK");
	rec_reset();
	call_el1_target();
	report(rec.n == 0, "OS lock: a breakpoint does not fire while locked (%u)", rec.n);
	rec_reset();
	asm volatile("adr %0, 1f\n"
		     "1:	brk	#0x77" : "=r"(at) :: "memory");
	report(one_hit(EC_BRK64, at), "OS lock: BRK still reaches EL1 while locked");
	/* Registers written while locked keep their values (the OS saving them). */
	set_bp(2, (uint64_t)el1_target + 4, BCR_E | BCR_EL1 | BCR_BAS);
	write_sysreg(0, oslar_el1);
	isb();
	report(!(read_sysreg(oslsr_el1) & OSLSR_OSLK), "OS lock: OSLAR_EL1 = 0 unlocks");
	report(read_sysreg(dbgbvr2_el1) == (uint64_t)el1_target + 4,
	       "OS lock: DBGBVR2_EL1 written while locked keeps its value");
	rec_reset();
	call_el1_target();
	report(rec.n == 2 && rec.hit[0].elr == (uint64_t)el1_target &&
		       rec.hit[1].elr == (uint64_t)el1_target + 4,
	       "OS lock: after unlock both breakpoints fire (%u)", rec.n);
	set_bp(1, 0, 0);
	set_bp(2, 0, 0);
}

/* ------------------------------------------------------------ EL0 */

static void test_el0(void)
{
	/* EL0 needs MDE only: KDE concerns EL1. */
	set_mdscr(MDSCR_MDE);
	rec_reset();
	set_bp(0, (uint64_t)el0_target, BCR_E | BCR_EL0 | BCR_BAS);
	run_at_el0(el0_target, false);
	set_bp(0, 0, 0);
	report(one_hit(EC_BREAKPT_LOW, (uint64_t)el0_target) && rec.hit[0].vec == 8,
	       "EL0: breakpoint: EC 0x30 at its address, taken to EL1's lower-EL vector");

	rec_reset();
	set_wp(1, (uint64_t)&el0_watched, WCR_E_EL0 | WCR_STORE | WCR_BAS8);
	run_at_el0(el0_store, false);
	set_wp(1, 0, 0);
	report(rec.n == 1 && ESR_EC(rec.hit[0].esr) == EC_WATCHPT_LOW &&
		       rec.hit[0].far == (uint64_t)&el0_watched && (rec.hit[0].esr & ESR_WNR) &&
		       rec.hit[0].elr == (uint64_t)el0_store + 8,
	       "EL0: watchpoint: EC 0x34, FAR_EL1 %#lx, WnR 1, ELR the STR", rec.hit[0].far);

	/* An EL1 breakpoint does not fire at EL0, and an EL0 one not at EL1. */
	rec_reset();
	set_bp(0, (uint64_t)el0_target, BCR_E | BCR_EL1 | BCR_BAS);
	set_bp(1, (uint64_t)el1_target, BCR_E | BCR_EL0 | BCR_BAS);
	set_mdscr(MDSCR_MDE | MDSCR_KDE);
	run_at_el0(el0_target, false);
	call_el1_target();
	set_bp(0, 0, 0);
	set_bp(1, 0, 0);
	report(rec.n == 0, "EL0/EL1: breakpoints honour DBGBCR.PMC (%u hits)", rec.n);
}

static void test_el0_step(void)
{
	const uint64_t base = (uint64_t)el0_steps;
	bool elrs = true;

	rec_reset();
	rec.step_budget = 3;
	set_mdscr(MDSCR_SS);
	run_at_el0(el0_steps, true);
	for (unsigned i = 0; i < 3 && i < rec.n; i++)
		elrs &= rec.hit[i].elr == base + 4 * (i + 1) &&
			ESR_EC(rec.hit[i].esr) == EC_SOFTSTP_LOW;
	report(rec.n == 3 && elrs && (uint64_t)el0_steps_end == base + 12,
	       "EL0: software step: 3 steps, EC 0x32, ELR_EL1 the next instruction each time (%u)",
	       rec.n);
}

static void test_el0_brk(void)
{
	rec_reset();
	set_mdscr(0);
	run_at_el0(el0_brk, false);
	report(one_hit(EC_BRK64, (uint64_t)el0_brk) && (rec.hit[0].esr & 0xffff) == 0x5a,
	       "EL0: BRK #0x5a: EC 0x3c, ISS the immediate, from the lower-EL vector");
}

/* ------------------------------------------------------------ the other vCPU */

static volatile uint32_t other_done;
static uint64_t other_mark __aligned(8);

/* vCPU 1 runs the code and stores to the data vCPU 0 watches, with PSTATE.D
 * clear: had any of vCPU 0's debug state reached it, its runtime vectors
 * would report an unexpected exception and fail the guest. */
static void other_vcpu(void *arg)
{
	(void)arg;
	asm volatile("msr daifclr, #8" ::: "memory");
	isb();
	for (unsigned i = 0; i < 2000; i++) {
		call_el1_target();
		store_release64(&other_mark, i);
	}
	store_release32((uint32_t *)&other_done, 1);
}

static void test_other_vcpu(void)
{
	if (boot.nr_vcpus < 2) {
		report_skip("one vCPU: the untouched vCPU is not checked");
		return;
	}
	set_mdscr(MDSCR_MDE | MDSCR_KDE);
	set_bp(3, (uint64_t)el1_target, BCR_E | BCR_EL1 | BCR_EL0 | BCR_BAS);
	set_wp(2, (uint64_t)&other_mark, WCR_E_EL1 | WCR_STORE | WCR_BAS8);
	debug_unmask(); /* the EL0 tests came back through an exception: D is set */
	report(smp_start(1, other_vcpu, NULL) == 0, "vCPU 1 started");
	/* vCPU 0 keeps its breakpoint live while vCPU 1 runs (time-sliced on one CPU). */
	rec_reset();
	for (unsigned i = 0; i < 100; i++)
		call_el1_target();
	while (!load_acquire32((const uint32_t *)&other_done))
		call_el1_target();
	report(smp_wait(1), "vCPU 1 finished without a debug exception");
	report(rec.n >= 100 && ESR_EC(rec.hit[0].esr) == EC_BREAKPT_CUR,
	       "vCPU 0 kept hitting its own breakpoint meanwhile (%u hits)", rec.n);
	set_bp(3, 0, 0);
	set_wp(2, 0, 0);
}

/* ------------------------------------------------------------ under gdb */

/* gdb (tests/e2e/gdb_selfdebug.sh) breaks at gdb_mark; the guest watches
 * gdb_watched itself: both must fire, each to its owner. */
void gdb_mark(void);
void __attribute__((noinline)) gdb_mark(void)
{
	asm volatile("nop" ::: "memory");
}

static uint64_t gdb_watched __aligned(8);

static void test_with_gdb(void)
{
	volatile uint64_t *p = &gdb_watched;

	set_mdscr(MDSCR_MDE | MDSCR_KDE);
	debug_unmask();
	set_wp(0, (uint64_t)p, WCR_E_EL1 | WCR_STORE | WCR_BAS8);
	rec_reset();
	gdb_mark(); /* gdb's breakpoint */
	*p = 42;
	set_wp(0, 0, 0);
	report(rec.n == 1 && ESR_EC(rec.hit[0].esr) == EC_WATCHPT_CUR &&
		       rec.hit[0].far == (uint64_t)p && (rec.hit[0].esr & ESR_WNR),
	       "gdb attached: the guest's own watchpoint still fires: EC 0x35, FAR_EL1 %#lx (%u)",
	       rec.hit[0].far, rec.n);
	report(*p == 0, "gdb attached: the watched store was skipped by the guest's handler");
	rec_reset();
	set_bp(0, (uint64_t)el1_target, BCR_E | BCR_EL1 | BCR_BAS);
	call_el1_target();
	set_bp(0, 0, 0);
	report(one_hit(EC_BREAKPT_CUR, (uint64_t)el1_target),
	       "gdb attached: the guest's own breakpoint still fires (%u)", rec.n);
	/* Its own steps, at EL1 and from EL1 into EL0, and BRKs. */
	test_el1_step();
	test_el0_step();
	test_el1_brk();
	test_el0_brk();
	gdb_mark();
}

int main(void)
{
	uint64_t dfr0 = read_sysreg(id_aa64dfr0_el1);
	unsigned brps = ID_FIELD(dfr0, 12) + 1, wrps = ID_FIELD(dfr0, 20) + 1;
	uint64_t gdb = 0;

	write_sysreg((uint64_t)sd_vectors, vbar_el1);
	isb(); /* this guest's own vectors from here on */
	report_info("ID_AA64DFR0_EL1 %#lx: %u breakpoints, %u watchpoints", dfr0, brps, wrps);
	report(ID_FIELD(dfr0, 0) >= 6, "DebugVer says Armv8 debug (%lu)", ID_FIELD(dfr0, 0));

	if (boot_arg_u64("gdb", &gdb) && gdb) {
		test_with_gdb();
	} else {
		test_el1_breakpoints(brps);
		test_el1_watchpoints(wrps);
		test_el1_step();
		test_el1_brk();
		test_os_lock();
		test_el0();
		test_el0_step();
		test_el0_brk();
		test_other_vcpu();
	}
	set_mdscr(0);
	write_sysreg((uint64_t)exception_vectors, vbar_el1);
	isb();
	return report_summary();
}
