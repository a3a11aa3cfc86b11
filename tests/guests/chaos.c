/*
 * A guest that misbehaves on purpose. Nothing it does may crash or hang the
 * hypervisor or disturb another VM: the e2e test runs it beside a guest
 * that must still pass. It throws at the hypervisor, in rounds:
 *  - random SMCCC calls (any owner, any function, garbage arguments), HVC and
 *    SMC with random immediates, CPU_ON of its other vCPU at random addresses
 *    (that vCPU then runs garbage: a busy or spinning vCPU beside the others);
 *  - loads and stores of every width at random device-space addresses, in
 *    the GIC and UART windows and far above RAM, and load/store pairs and
 *    writeback forms that carry no syndrome;
 *  - MRS/MSR of random encodings in the trapped spaces (ID, debug, PMU, GIC
 *    SGI, physical timer, RAS, LORegions, implementation defined), and
 *    set/way cache maintenance;
 *  - WFI and WFE storms;
 *  - SDEI calls with arguments near the valid ones: event 0, bound slots,
 *    SPIs no device drives, routing, masking, resets (a handler that only
 *    completes, so a dispatched event changes nothing).
 * Every operation either works or raises an exception the guest takes and
 * skips. It counts them, then exits with status 0 if it is still alive.
 *
 * The run is a seeded fuzzer: the seed is printed, and the VM's command line
 * replays it, "seed=0x..." (with "rounds=N" for a longer or shorter run):
 *	--vm "build/guests/chaos.elf:vcpus=2,cmdline=seed=0x1234 rounds=50000"
 * The sequence of operations follows from the seed alone; only what the
 * garbage vCPU started by CPU_ON does depends on timing.
 */
#include "libguest.h"
#include "sdei.h"

#define ROUNDS 12000 /* default; rounds= on the command line */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64 */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Code built at run time (MRS/MSR/SYS/HVC/SMC with random operands): one
 * instruction and RET. Guest RAM is executable and the MMU is off. */
static uint32_t code[2] __attribute__((aligned(64)));

static uint64_t run_insn(uint32_t insn, uint64_t x1)
{
	register uint64_t r0 __asm__("x0") = 0;
	register uint64_t r1 __asm__("x1") = x1;

	code[0] = insn;
	code[1] = 0xd65f03c0; /* ret */
	/* New instructions: clean to the point of unification, invalidate the
	 * instruction cache, then synchronise (Arm ARM B2.4.4). */
	__asm__ volatile("dc cvau, %0\n dsb ish\n ic ivau, %0\n dsb ish\n isb" ::"r"(code)
			 : "memory");
	__asm__ volatile("blr %2"
			 : "+r"(r0), "+r"(r1)
			 : "r"(code)
			 : "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
			   "x14", "x15", "x16", "x17", "x30", "memory");
	return r0;
}

static unsigned long exceptions, rounds;

static void count(void)
{
	struct exception_info info;

	if (exception_taken(&info))
		exceptions++;
}

/* ---------------------------------------------------------------- calls */

static bool call_ends_vm(uint32_t fid)
{
	/* Ending the VM or suspending are legal but end the experiment. */
	switch (fid) {
	case PSCI_CPU_OFF:
	case PSCI_SYSTEM_OFF:
	case PSCI_SYSTEM_RESET:
	case 0xc4000012u: /* SYSTEM_RESET2 */
	case 0x84000012u:
	case PSCI_CPU_SUSPEND_SMC64:
	case 0x84000001u:
	case 0xc400000cu: /* SYSTEM_SUSPEND */
	case 0x8400000eu:
	case 0xc6000001u: /* HYPSCOPE_HVC_EXIT */
		return true;
	default:
		return false;
	}
}

static void random_call(void)
{
	static const uint32_t owners[] = { 0x80000000u, 0x84000000u, 0xc4000000u, 0x86000000u,
					   0xc6000000u, 0x82000000u, 0xb0000000u, 0xff000000u };
	uint32_t fid = owners[rnd() % 8] | (uint32_t)(rnd() % 0x30);

	if (rnd() % 4 == 0)
		fid = (uint32_t)rnd();
	if (call_ends_vm(fid))
		return;
	expect_exception();
	smccc_hvc(fid, rnd(), rnd(), rnd());
	count();
}

static void random_hvc_smc(void)
{
	uint32_t imm = (uint32_t)(rnd() & 0xffff);
	/* HVC/SMC #imm16 with x0 = an SMCCC id that ends nothing (VERSION). */
	uint32_t insn = (rnd() & 1 ? 0xd4000002u : 0xd4000003u) | imm << 5;

	expect_exception();
	(void)run_insn(insn, 0x80000000u);
	count();
}

/* The SDEI handler: COMPLETE at once. */
void chaos_sdei_handler(void);
__asm__(".text\n"
	".balign 4\n"
	"chaos_sdei_handler:\n"
	"	movz x0, #0x0025\n"
	"	movk x0, #0xc400, lsl #16\n"
	"	hvc #0\n"
	"	b chaos_sdei_handler\n");

static uint64_t sdei_event(void)
{
	switch (rnd() % 4) {
	case 0: return 0;
	case 1: return 1000 + rnd() % 5;
	case 2: return 2000 + rnd() % 5;
	default: return rnd();
	}
}

/* SDEI calls with arguments near the valid ones. Only SPIs 100..127, which
 * no device drives, are bound: the guest's own interrupts stay its own. */
static void random_sdei(void)
{
	uint32_t fn = SDEI_VERSION + (uint32_t)(rnd() % 0x14);
	uint64_t ev = sdei_event();

	switch (fn) {
	case SDEI_EVENT_REGISTER:
		sdei_call(fn, ev, (uint64_t)chaos_sdei_handler, rnd(), rnd() % 3, rnd() % 3);
		break;
	case SDEI_INTERRUPT_BIND:
		sdei_call(fn, rnd() % 2 ? 100 + rnd() % 28 : rnd() % 16, 0, 0, 0, 0);
		break;
	case SDEI_EVENT_SIGNAL:
		sdei_call(fn, rnd() % 8 ? 0 : rnd(), rnd() % 3, 0, 0, 0);
		break;
	case SDEI_EVENT_ROUTING_SET:
	case SDEI_EVENT_GET_INFO:
	case SDEI_EVENT_CONTEXT:
		sdei_call(fn, fn == SDEI_EVENT_CONTEXT ? rnd() % 20 : ev, rnd() % 6, rnd() % 3, 0, 0);
		break;
	default:
		sdei_call(fn, ev, rnd(), rnd(), rnd(), rnd());
		break;
	}
	count();
}

/*
 * CPU_ON of the other vCPU at a random address in the upper half of RAM,
 * below the DTB: zeroes, which decode as UDF. It takes UNDEFs to its unset
 * VBAR_EL1, whose fetch aborts outside RAM, and so on forever: a vCPU that
 * only ever exits, sharing the physical CPUs with everyone else.
 */
static void wild_cpu_on(void)
{
	uint64_t half = boot.ram_size ? boot.ram_size / 2 : 0x100000;
	uint64_t entry = boot.ram_base + half + ((rnd() % (half - 0x20000)) & ~3ull);

	if (boot.nr_vcpus < 2)
		return;
	expect_exception();
	psci_cpu_on(1, entry, rnd());
	count();
}

/* ---------------------------------------------------------------- memory */

static uint64_t random_device_address(void)
{
	switch (rnd() % 5) {
	case 0: return 0x08000000 + (rnd() % 0x00020000); /* GICD and beyond */
	case 1: return 0x080a0000 + (rnd() % 0x00100000); /* GICR frames and beyond */
	case 2: return 0x09000000 + (rnd() % 0x2000);     /* the UART and its neighbour */
	case 3: return rnd() % 0x40000000;                /* anywhere in device space */
	default: return 0x100000000ull + (rnd() % (1ull << 32)); /* far above RAM */
	}
}

static void random_access(void)
{
	uint64_t a = random_device_address() & ~7ull, v = rnd(), p2;

	expect_exception();
	switch (rnd() % 10) {
	case 0: __asm__ volatile("ldrb %w0, [%1]" : "=r"(v) : "r"(a) : "memory"); break;
	case 1: __asm__ volatile("ldrh %w0, [%1]" : "=r"(v) : "r"(a) : "memory"); break;
	case 2: __asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(a) : "memory"); break;
	case 3: __asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(a) : "memory"); break;
	case 4: __asm__ volatile("strb %w0, [%1]" ::"r"(v), "r"(a) : "memory"); break;
	case 5: __asm__ volatile("str %w0, [%1]" ::"r"(v), "r"(a) : "memory"); break;
	case 6: __asm__ volatile("str %0, [%1]" ::"r"(v), "r"(a) : "memory"); break;
	case 7: __asm__ volatile("ldp %0, %1, [%2]" : "=r"(v), "=r"(p2) : "r"(a) : "memory"); break;
	case 8: __asm__ volatile("stp %0, %0, [%1]" ::"r"(v), "r"(a) : "memory"); break;
	default: __asm__ volatile("ldr %0, [%1], #8" : "=r"(v), "+r"(a) : : "memory"); break;
	}
	count();
}

/* ---------------------------------------------------------------- registers */

/* op0:2 op1:3 CRn:4 CRm:4 op2:3 of a random encoding in a trapped space. */
static uint32_t random_sysreg_encoding(void)
{
	static const uint8_t spaces[][3] = {
		/* op0, op1, CRn */
		{ 3, 0, 0 },   /* ID registers */
		{ 2, 0, 0 },   /* debug: breakpoints, watchpoints, MDSCR */
		{ 2, 0, 1 },   /* debug: OS lock */
		{ 2, 0, 7 },   /* debug: claim tags */
		{ 3, 3, 9 },   /* PMU */
		{ 3, 3, 14 },  /* timers (physical: emulated) and PMU event counters */
		{ 3, 0, 12 },  /* GIC CPU interface, SGIs */
		{ 3, 0, 5 },   /* RAS */
		{ 3, 0, 10 },  /* LORegions, MAIR/AMAIR */
		{ 3, 0, 15 },  /* implementation defined */
		{ 3, 1, 15 },  /* implementation defined */
		{ 3, 0, 1 },   /* ACTLR and friends */
	};
	const uint8_t *s = spaces[rnd() % (sizeof(spaces) / sizeof(spaces[0]))];
	uint32_t crm = (uint32_t)(rnd() % 16), op2 = (uint32_t)(rnd() % 8);

	return (uint32_t)(s[0] - 2) << 19 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 12 | crm << 8 |
	       op2 << 5;
}

static bool dangerous_write(uint32_t enc)
{
	/* Writes that would break this guest itself rather than test the
	 * hypervisor: ICC_PMR/IGRPEN/CTLR/SRE (interrupt delivery), the
	 * registers of its own translation and vectors. */
	uint32_t op1 = (enc >> 16) & 7, crn = (enc >> 12) & 15;

	return (op1 == 0 && crn == 10) || (op1 == 0 && crn == 12) || (op1 == 0 && crn == 1);
}

static void random_sysreg(void)
{
	uint32_t enc = random_sysreg_encoding();
	bool write = rnd() & 1;

	if (write && dangerous_write(enc))
		write = false;
	expect_exception();
	if (write)
		(void)run_insn(0xd5100000u | enc | 1, rnd()); /* MSR <enc>, x1 */
	else
		(void)run_insn(0xd5300000u | enc, 0);          /* MRS x0, <enc> */
	count();
}

static void set_way_maintenance(void)
{
	static const uint32_t ops[] = { 0xd5087640u, 0xd5087a40u, 0xd5087e40u }; /* DC ISW/CSW/CISW, x0 */

	expect_exception();
	(void)run_insn(ops[rnd() % 3] | 1, rnd()); /* with x1 */
	count();
}

static void wfx_storm(void)
{
	for (unsigned i = 0; i < 8; i++) {
		if (rnd() & 1)
			__asm__ volatile("wfe");
		else
			__asm__ volatile("sevl\n wfe\n wfe");
	}
}

int main(void)
{
	struct vm_info vi;
	uint64_t t0 = read_sysreg(cntvct_el0), nr_rounds = ROUNDS;

	/* asked either way, so a replay makes the same calls as the run it replays */
	bool have_vi = hypscope_vm_info(&vi);

	if (!boot_arg_u64("seed", &rng_state)) {
		rng_state = 0x9e3779b97f4a7c15ull ^ t0;
		if (have_vi)
			rng_state ^= vi.serial * 0xbf58476d1ce4e5b9ull;
	}
	if (!rng_state)
		rng_state = 1; /* xorshift's one fixed point */
	if (boot_arg_u64("rounds", &nr_rounds) && (nr_rounds == 0 || nr_rounds > 100000000))
		nr_rounds = ROUNDS;
	report_info("chaos: %lu rounds, seed 0x%lx (replay: cmdline=seed=0x%lx)",
		    (unsigned long)nr_rounds, (unsigned long)rng_state,
		    (unsigned long)rng_state);

	for (uint64_t i = 0; i < nr_rounds; i++) {
		switch (rnd() % 16) {
		case 0: case 1: case 2: random_call(); break;
		case 3: if (i % 2) random_hvc_smc(); else random_sdei(); break;
		case 4: if (i % 64 == 0) wild_cpu_on(); else random_call(); break;
		case 5: case 6: case 7: case 8: case 9: random_access(); break;
		case 10: case 11: case 12: random_sysreg(); break;
		case 13: set_way_maintenance(); break;
		default: wfx_storm(); break;
		}
		rounds++;
	}
	report(rounds == nr_rounds && exceptions > 0, "chaos: survived %lu rounds, %lu faults taken",
	       rounds, exceptions);
	/* Still running, still served: the hypervisor answers a plain call. */
	report(psci_version() == 0x10001, "chaos: PSCI still answers after the storm");
	return report_summary();
}
