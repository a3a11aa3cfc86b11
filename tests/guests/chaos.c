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
 *    completes, so a dispatched event changes nothing);
 *  - GIC CPU-interface traffic (ICC_*: SGIs of every kind, acknowledges,
 *    EOIs and deactivations of random INTIDs, binary points);
 *  - ITS traffic: random commands (mostly real types, random fields) in a
 *    command queue it sets up, and GITS register accesses of any offset and
 *    width; the tables and ITTs it hands out lie in its own BSS or outside RAM;
 *  - debug (DBGB*, DBGW*, MDSCR, OSLAR, OSDLR, claim tags) and PMU (PMCR,
 *    PMSELR, PMXEV*, PMEV*, PMCCNTR, enables, overflows) register accesses;
 *  - operations at EL0 (device accesses, HVC/SMC, the PMU, debug, timer and
 *    ICC registers EL0 may or may not touch, behind a random PMUSERENR_EL0);
 *  - its own stage 1 (an identity map) turned on and off, so the rest runs
 *    now translated, now not, at EL1 and at EL0.
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
 * instruction and RET. Guest RAM is executable, the MMU on or off. */
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

static unsigned long exceptions, rounds, el0_ops, mmu_toggles;
static bool mmu_is_on;

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

/* ---------------------------------------------------------------- GIC, ITS */

/* ICC_* system register traffic at the virtual CPU interface: reads of all
 * of it; SGIs of every kind with random targets, acknowledges, EOIs and
 * deactivations of random INTIDs, binary points. The registers that would
 * stop this guest's own interrupt delivery (PMR, IGRPEN, CTLR, SRE) are only
 * read. */
static void random_icc(void)
{
	static const uint16_t reads[] = {
		/* CRm << 3 | op2 in op0 3, op1 0, CRn 12 */
		8 << 3 | 0, 8 << 3 | 2, 8 << 3 | 3, 11 << 3 | 3, 12 << 3 | 0, 12 << 3 | 2,
		12 << 3 | 3, 12 << 3 | 4, 12 << 3 | 5, 12 << 3 | 6, 12 << 3 | 7, 9 << 3 | 0,
		8 << 3 | 4, 11 << 3 | 1,
	};
	static const uint16_t writes[] = {
		11 << 3 | 5, 11 << 3 | 6, 11 << 3 | 7, /* SGI1R, ASGI1R, SGI0R */
		12 << 3 | 1, 11 << 3 | 1, 8 << 3 | 1,  /* EOIR1, DIR, EOIR0 */
		12 << 3 | 3, 8 << 3 | 3,               /* BPR1, BPR0 */
	};
	uint32_t enc;
	uint64_t v = rnd();

	expect_exception();
	if (rnd() & 1) {
		enc = writes[rnd() % (sizeof(writes) / sizeof(writes[0]))];
		if (rnd() % 4 == 0) /* an INTID or a target list near the real ones */
			v &= 0x00ff00ff000fffffull;
		(void)run_insn(0xd5180000u | 12u << 12 | enc << 5 | 1, v);
	} else {
		enc = reads[rnd() % (sizeof(reads) / sizeof(reads[0]))];
		v = run_insn(0xd5380000u | 12u << 12 | enc << 5, 0);
		/* An acknowledged interrupt is ended, so the guest stays as it was. */
		if (enc == (12 << 3 | 0) && v < 1020) { /* IAR1 */
			count();
			expect_exception();
			(void)run_insn(0xd5180000u | 12u << 12 | (12 << 3 | 1) << 5 | 1, v);
		}
	}
	count();
}

#define ITS_BASE	 0x08080000ull
#define GITS_CTLR	 0x0000u
#define GITS_CBASER	 0x0080u
#define GITS_CWRITER	 0x0088u
#define GITS_CREADR	 0x0090u
#define GITS_BASER(n)	 (0x0100u + 8u * (n))
#define GITS_TRANSLATER	 0x10040u
#define ITS_QUEUE_CMDS	 (4096 / 32)
#define ITS_ITT_SIZE	 0x20000u

/*
 * The ITS's memory, all in this guest's own BSS: a one-page command queue,
 * one-page device and collection tables, and room for ITTs. Addresses handed
 * to the ITS are either in here or outside RAM, never elsewhere in RAM: an
 * ITS that obeys them must not write over this guest's code or data.
 */
static struct {
	uint64_t queue[ITS_QUEUE_CMDS][4];
	uint64_t dev_table[512];
	uint64_t coll_table[512];
	uint8_t itt[ITS_ITT_SIZE];
} its_mem __attribute__((aligned(65536)));
static unsigned int its_next; /* next queue slot */
static unsigned long its_commands, its_caught_up;

static uint64_t its_address(uint64_t in_area, uint64_t align)
{
	switch (rnd() % 4) {
	case 0: return (0x100000000ull + rnd() % (1ull << 32)) & ~(align - 1); /* above RAM */
	case 1: return (rnd() % 0x40000000) & ~(align - 1);                  /* device space */
	default: return in_area;
	}
}

static void its_setup(void)
{
	mmio_write64(ITS_BASE + GITS_BASER(0), 1ull << 63 | (uint64_t)(uintptr_t)its_mem.dev_table);
	mmio_write64(ITS_BASE + GITS_BASER(1), 1ull << 63 | (uint64_t)(uintptr_t)its_mem.coll_table);
	mmio_write64(ITS_BASE + GITS_CBASER, 1ull << 63 | (uint64_t)(uintptr_t)its_mem.queue);
	mmio_write64(ITS_BASE + GITS_CWRITER, 0);
	mmio_write32(ITS_BASE + GITS_CTLR, 1);
	its_next = 0;
}

/* A command of a random type (mostly real ones) with random fields, queued
 * and run by moving CWRITER; now and then several at once. */
static void random_its_command(void)
{
	static const uint8_t types[] = { 0x01, 0x03, 0x04, 0x05, 0x08, 0x09, 0x0a, 0x0b,
					 0x0c, 0x0d, 0x0e, 0x0f };
	unsigned int n = rnd() % 8 == 0 ? 1 + rnd() % 8 : 1;

	for (unsigned int i = 0; i < n; i++) {
		uint64_t *c = its_mem.queue[its_next];
		uint64_t type = rnd() % 8 ? types[rnd() % sizeof(types)] : rnd() & 0xff;
		uint64_t dev = rnd() % 4 ? rnd() % 1024 : rnd() & 0xffffffffull;
		uint64_t itt = (uint64_t)(uintptr_t)its_mem.itt + (rnd() % 16) * 256;

		c[0] = dev << 32 | type;
		c[1] = rnd() % 4 ? (rnd() % 16) << 32 | rnd() % 600 : rnd(); /* pINTID/size, EventID */
		c[2] = rnd() % 4 ? 1ull << 63 | its_address(itt, 256) | (rnd() % 16) : rnd();
		if (type == 0x08) /* MAPD: an ITT size that fits the area, or any */
			c[1] = rnd() % 4 ? rnd() % 12 : rnd();
		if (type == 0x0a) /* MAPTI: pINTID near the LPIs, an EventID in the ITT */
			c[1] = (8192 + rnd() % 9000) << 32 | rnd() % 2048;
		c[3] = rnd() % 4 ? 1ull << 63 | rnd() % 4 : rnd(); /* MAPC: valid, RDbase */
		its_next = (its_next + 1) % ITS_QUEUE_CMDS;
	}
	/* The commands are in memory before the CWRITER write that makes the
	 * ITS read them. */
	dsb(sy);
	expect_exception();
	mmio_write64(ITS_BASE + GITS_CWRITER, (uint64_t)its_next * 32);
	count();
	its_commands += n;
	if (mmio_read64(ITS_BASE + GITS_CREADR) == (uint64_t)its_next * 32)
		its_caught_up++; /* the ITS read the queue up to here */
}

/* A GITS register access: any offset, any width; the base registers only
 * ever get addresses in its_mem or outside RAM. */
static void random_its_register(void)
{
	uint64_t off = rnd() % 4 ? rnd() % 0x140 : rnd() % 0x20000, v = rnd();

	if (rnd() % 4 == 0)
		off = GITS_TRANSLATER + rnd() % 8;
	if (off >= GITS_CBASER && off < GITS_CBASER + 8)
		v = (v & 0xf8000000000000ffull) | its_address((uint64_t)(uintptr_t)its_mem.queue, 4096);
	else if (off >= GITS_BASER(0) && off < GITS_BASER(8))
		v = (v & 0xff000000000000ffull) |
		    its_address((uint64_t)(uintptr_t)(off < GITS_BASER(1) ? its_mem.dev_table
									: its_mem.coll_table),
				4096);
	else if (off >= GITS_CWRITER && off < GITS_CREADR + 8)
		v %= 4096 + 64;
	expect_exception();
	switch (rnd() % 6) {
	case 0: (void)mmio_read32(ITS_BASE + (off & ~3ull)); break;
	case 1: (void)mmio_read64(ITS_BASE + (off & ~7ull)); break;
	case 2: (void)mmio_read8(ITS_BASE + off); break;
	case 3: mmio_write32(ITS_BASE + (off & ~3ull), (uint32_t)v); break;
	default: mmio_write64(ITS_BASE + (off & ~7ull), v); break;
	}
	count();
	/* The queue moved elsewhere or was reset: start over at the next SYNC. */
	if (off >= GITS_CBASER && off < GITS_CREADR + 8 && rnd() % 4 == 0)
		its_setup();
}

/* ---------------------------------------------------------------- debug, PMU */

/* Encodings (op0 op1 CRn CRm op2, as in random_sysreg_encoding) of the debug
 * and PMU registers a guest really uses. */
#define ENC(op0, op1, crn, crm, op2) \
	((uint32_t)((op0) - 2) << 19 | (op1) << 16 | (crn) << 12 | (crm) << 8 | (op2) << 5)

static uint32_t debug_pmu_encoding(void)
{
	static const uint32_t fixed[] = {
		ENC(2, 0, 0, 2, 2),   /* MDSCR_EL1 */
		ENC(2, 0, 1, 0, 4),   /* OSLAR_EL1 */
		ENC(2, 0, 1, 1, 4),   /* OSLSR_EL1 */
		ENC(2, 0, 1, 3, 4),   /* OSDLR_EL1 */
		ENC(2, 0, 0, 0, 2),   /* OSDTRRX_EL1 */
		ENC(2, 0, 7, 8, 6),   /* DBGCLAIMSET_EL1 */
		ENC(2, 0, 7, 9, 6),   /* DBGCLAIMCLR_EL1 */
		ENC(3, 3, 9, 12, 0),  /* PMCR_EL0 */
		ENC(3, 3, 9, 12, 1),  /* PMCNTENSET_EL0 */
		ENC(3, 3, 9, 12, 2),  /* PMCNTENCLR_EL0 */
		ENC(3, 3, 9, 12, 3),  /* PMOVSCLR_EL0 */
		ENC(3, 3, 9, 12, 4),  /* PMSWINC_EL0 */
		ENC(3, 3, 9, 12, 5),  /* PMSELR_EL0 */
		ENC(3, 3, 9, 12, 6),  /* PMCEID0_EL0 */
		ENC(3, 3, 9, 12, 7),  /* PMCEID1_EL0 */
		ENC(3, 3, 9, 13, 0),  /* PMCCNTR_EL0 */
		ENC(3, 3, 9, 13, 1),  /* PMXEVTYPER_EL0 */
		ENC(3, 3, 9, 13, 2),  /* PMXEVCNTR_EL0 */
		ENC(3, 3, 9, 14, 0),  /* PMUSERENR_EL0 */
		ENC(3, 3, 9, 14, 3),  /* PMOVSSET_EL0 */
		ENC(3, 0, 9, 14, 1),  /* PMINTENSET_EL1 */
		ENC(3, 0, 9, 14, 2),  /* PMINTENCLR_EL1 */
		ENC(3, 3, 14, 15, 7), /* PMCCFILTR_EL0 */
	};
	uint32_t n = (uint32_t)(rnd() % 32);

	switch (rnd() % 4) {
	case 0: /* DBGBVR/BCR/WVR/WCR<n>, implemented or not */
		return ENC(2, 0, 0, n % 16, 4 + rnd() % 4);
	case 1: /* PMEVCNTR<n>/PMEVTYPER<n>, implemented or not */
		return ENC(3, 3, 14, (rnd() & 1 ? 8 : 12) + n / 8, n % 8);
	default:
		return fixed[rnd() % (sizeof(fixed) / sizeof(fixed[0]))];
	}
}

static void random_debug_pmu(void)
{
	uint32_t enc = debug_pmu_encoding();
	uint64_t v = rnd();

	if (rnd() & 1)
		v &= 0xffff; /* enables, event numbers, counters near wrapping */
	expect_exception();
	if (rnd() & 1)
		(void)run_insn(0xd5100000u | enc | 1, v);
	else
		(void)run_insn(0xd5300000u | enc, 0);
	count();
}

/* ---------------------------------------------------------------- EL0 */

/*
 * What runs at EL0: four instructions built at EL1 in a 2 MiB block of its
 * own, the one block EL0 may reach when this guest's MMU is on (mmu_setup):
 *	LDR x1, =a ; LDR x2, =v ; <the operation> ; SVC #0
 * The SVC returns to el0_run()'s caller. EL0 touches no stack and nothing
 * outside the block: the only exception it can take is the operation's.
 */
#define EL0_BLOCK	 0x200000u
#define EL0_LDR_X1_LIT	 (0x58000000u | 4u << 5 | 1u) /* LDR x1, [pc, #16] */
#define EL0_LDR_X2_LIT	 (0x58000000u | 5u << 5 | 2u) /* LDR x2, [pc, #20] */
#define EL0_SVC0	 0xd4000001u
static uint32_t el0_area[EL0_BLOCK / 4] __attribute__((aligned(EL0_BLOCK)));
static unsigned long el0_ops_mmu; /* of el0_ops, with the MMU on */

static void el0_build(uint32_t insn, uint64_t a, uint64_t v)
{
	el0_area[0] = EL0_LDR_X1_LIT;
	el0_area[1] = EL0_LDR_X2_LIT;
	el0_area[2] = insn;
	el0_area[3] = EL0_SVC0;
	el0_area[4] = (uint32_t)a;
	el0_area[5] = (uint32_t)(a >> 32);
	el0_area[6] = (uint32_t)v;
	el0_area[7] = (uint32_t)(v >> 32);
	/* Written as data, fetched as instructions at EL0. */
	__asm__ volatile("dc cvau, %0\n dsb ish\n ic ivau, %0\n dsb ish\n isb" ::"r"(el0_area)
			 : "memory");
}

/*
 * One operation at EL0: device accesses (EL0 data aborts reach the
 * hypervisor, or with the MMU on this guest's own permission fault), HVC/SMC
 * (UNDEFINED at EL0), and the system registers EL0 may touch or that trap
 * from EL0: PMU (PMUSERENR_EL0 decides), debug communications, timers, ICC.
 * With the MMU on or off.
 */
static void el0_operation(void)
{
	static const uint32_t regs[] = {
		ENC(3, 3, 9, 12, 0), ENC(3, 3, 9, 12, 4), ENC(3, 3, 9, 12, 5), ENC(3, 3, 9, 13, 0),
		ENC(3, 3, 9, 13, 2), ENC(3, 3, 9, 14, 0), ENC(3, 3, 14, 8, 0), ENC(3, 3, 14, 0, 2),
		ENC(3, 3, 14, 2, 1), ENC(2, 3, 0, 1, 0), ENC(2, 3, 0, 4, 0),  ENC(2, 3, 0, 5, 0),
		ENC(3, 0, 12, 11, 5), ENC(3, 0, 12, 12, 0), ENC(3, 3, 4, 2, 1), ENC(3, 0, 0, 0, 5),
	};
	static const uint32_t accesses[] = {
		0xb9400020u, /* LDR w0, [x1] */
		0xf9000022u, /* STR x2, [x1] */
		0x39400020u, /* LDRB w0, [x1] */
	};
	uint32_t kind = (uint32_t)(rnd() % 6), insn;
	uint64_t mdscr, a = 0, v = rnd();

	/* No debug events at EL0: MDSCR_EL1.SS from a random write would step
	 * it forever, and MDE with a random watchpoint or breakpoint would
	 * trap the EL0 instructions before the one meant. PMUSERENR_EL0: the
	 * EL0 PMU doors, at random. */
	expect_exception();
	mdscr = run_insn(0xd5300000u | ENC(2, 0, 0, 2, 2), 0); /* MRS x0, MDSCR_EL1 */
	count();
	expect_exception();
	(void)run_insn(0xd5100001u | ENC(2, 0, 0, 2, 2), mdscr & ~(1ull | 1ull << 15));
	count();
	expect_exception();
	(void)run_insn(0xd5100001u | ENC(3, 3, 9, 14, 0), rnd() & 0xf);
	count();
	if (kind < 3) {
		insn = accesses[kind];
		a = random_device_address() & ~7ull;
	} else if (kind == 3) {
		insn = (rnd() & 1 ? 0xd4000002u : 0xd4000003u) | (uint32_t)(rnd() & 0xffff) << 5;
	} else {
		insn = (rnd() & 1 ? 0xd5100001u : 0xd5300000u) |
		       regs[rnd() % (sizeof(regs) / sizeof(regs[0]))];
		a = v; /* MSR takes x1 */
	}
	el0_build(insn, a, v);
	expect_exception();
	(void)el0_run((uint64_t (*)(void))(uintptr_t)el0_area);
	count();
	el0_ops++;
	if (mmu_is_on)
		el0_ops_mmu++;
}

/* ---------------------------------------------------------------- MMU */

/* This guest's own stage 1: an identity map in 1 GiB blocks, device space
 * below RAM Device-nGnRnE, RAM Normal for EL1 only, nothing above RAM (a
 * translation fault); the GiB holding el0_area in 2 MiB blocks, el0_area's
 * own readable, writable and executable at EL0 (and never executable at
 * EL1: the architecture makes EL0-writable memory PXN anyway). SCTLR_EL1.C
 * and I stay 0, so everything is non-cacheable either way and turning the
 * MMU off needs no cleaning. */
static uint64_t s1_table[512] __attribute__((aligned(4096)));
static uint64_t s1_l2[512] __attribute__((aligned(4096))); /* the GiB holding el0_area */
static uint64_t above_ram;     /* the first 1 GiB block above RAM */
static unsigned long mmu_wrong; /* toggles that did not take */

#define SCTLR_EL1_M (1ull << 0)

static void mmu_setup(void)
{
	uint64_t ram_end = boot.ram_base + (boot.ram_size ? boot.ram_size : 0x8000000);
	uint64_t el0_gb;

	/* block, AF, AttrIndx 0 (device), UXN, PXN */
	s1_table[0] = 0x1ull | 1ull << 10 | 3ull << 53;
	for (uint64_t gb = boot.ram_base >> 30; gb < 512 && gb << 30 < ram_end; gb++)
		s1_table[gb] = gb << 30 | 1ull | 1ull << 2 | 3ull << 8 | 1ull << 10; /* Normal, ISH, AF */
	/* The GiB of el0_area in 2 MiB blocks; AP[1] (bit 6) opens el0_area's
	 * to EL0, PXN (bit 53) closes it to EL1 execution. */
	el0_gb = (uint64_t)(uintptr_t)el0_area >> 30;
	for (uint64_t mb2 = 0; mb2 < 512; mb2++) {
		uint64_t pa = el0_gb << 30 | mb2 << 21;

		s1_l2[mb2] = pa | 1ull | 1ull << 2 | 3ull << 8 | 1ull << 10; /* Normal, ISH, AF */
		if (pa == (uint64_t)(uintptr_t)el0_area)
			s1_l2[mb2] |= 1ull << 6 | 1ull << 53;
	}
	s1_table[el0_gb] = (uint64_t)(uintptr_t)s1_l2 | 3ull; /* table */
	above_ram = ((ram_end + (1ull << 30) - 1) >> 30) << 30;
	dsb(sy); /* the table is written before any walk can read it */
	write_sysreg(0xff00ull, mair_el1); /* Attr0 Device-nGnRnE, Attr1 Normal write-back */
	/* T0SZ 25, non-cacheable walks, 4K granule, no TTBR1 walks, 36-bit IPS */
	write_sysreg(25ull | 1ull << 23 | 1ull << 32, tcr_el1);
	write_sysreg((uint64_t)(uintptr_t)s1_table, ttbr0_el1);
	isb(); /* MAIR, TCR, TTBR0 in force before SCTLR_EL1.M is first set */
}

static void mmu_set(bool on)
{
	uint64_t s = read_sysreg(sctlr_el1);

	if (on) {
		/* No entry from an earlier time on, or from the random TLBIs
		 * and system registers in between, survives: the walk is fresh. */
		__asm__ volatile("tlbi vmalle1\n dsb nsh\n isb" ::: "memory");
		s |= SCTLR_EL1_M;
		mmu_toggles++;
	} else {
		s &= ~SCTLR_EL1_M;
	}
	write_sysreg(s, sctlr_el1);
	isb(); /* what follows runs translated, or not */
	mmu_is_on = on;
	/* Is it? Above RAM translates only with the MMU off. */
	__asm__ volatile("at s1e1r, %0\n isb" ::"r"(above_ram) : "memory");
	if ((read_sysreg(par_el1) & 1) != on)
		mmu_wrong++;
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

	its_setup();
	mmu_setup();
	for (uint64_t i = 0; i < nr_rounds; i++) {
		switch (rnd() % 24) {
		case 0: case 1: case 2: random_call(); break;
		case 3: if (i % 2) random_hvc_smc(); else random_sdei(); break;
		case 4: if (i % 64 == 0) wild_cpu_on(); else random_call(); break;
		case 5: case 6: case 7: case 8: random_access(); break;
		case 9: case 10: case 11: random_sysreg(); break;
		case 12: set_way_maintenance(); break;
		case 13: case 14: wfx_storm(); break;
		case 15: case 16: random_icc(); break;
		case 17: random_its_command(); break;
		case 18: random_its_register(); break;
		case 19: random_debug_pmu(); break;
		case 20: random_sdei(); break;
		case 21: case 22: el0_operation(); break;
		default: if (rnd() % 4 == 0) mmu_set(!mmu_is_on); else random_debug_pmu(); break;
		}
		rounds++;
	}
	if (mmu_is_on)
		mmu_set(false);
	report_info("chaos: %lu ITS commands queued, the ITS caught up %lu times", its_commands,
		    its_caught_up);
	report(mmu_toggles > 0 && mmu_wrong == 0 && el0_ops_mmu > 0 && el0_ops_mmu < el0_ops,
	       "chaos: %lu operations at EL0 (%lu with the MMU on), the MMU turned on %lu times "
	       "(%lu did not take)",
	       el0_ops, el0_ops_mmu, mmu_toggles, mmu_wrong);
	report(rounds == nr_rounds && exceptions > 0, "chaos: survived %lu rounds, %lu faults taken",
	       rounds, exceptions);
	/* Still running, still served: the hypervisor answers a plain call. */
	report(psci_version() == 0x10001, "chaos: PSCI still answers after the storm");
	return report_summary();
}
