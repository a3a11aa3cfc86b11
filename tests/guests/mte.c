/*
 * MTE for guests (hypscope run --mte). The guest builds its own stage 1:
 * RAM identity-mapped as Normal memory (never tag checked) and the same RAM
 * again 1 GiB higher as Normal Tagged memory (MAIR 0xf0), where the tests
 * run. Arm ARM D10 ("The Memory Tagging Extension") and the registers'
 * descriptions (SCTLR_EL1.TCF/ATA, GCR_EL1, RGSR_EL1, TFSR_EL1).
 *
 *   (default)  IRG under GCR_EL1/RGSR_EL1, STG/LDG, synchronous (data abort,
 *              DFSC 0x11), asynchronous (TFSR_EL1.TF0) and asymmetric (MTE3)
 *              tag-check faults; EL0's checks (TCF0, TFSRE0_EL1) through the
 *              unprivileged LDTR/STTR; with a second vCPU, GCR/RGSR/TFSR/TFSRE0
 *              kept per vCPU across switches on one physical CPU
 *   leak       every allocation tag of a fresh VM's RAM (sampled: one granule
 *              per page, every granule of 4 MiB) reads 0; then the VM tags
 *              them all for the next VM on the same RAM to find
 *   hidden     (run without --mte) the guest sees no MTE: ID_AA64PFR1_EL1.MTE
 *              is 0 and GCR_EL1 is UNDEFINED
 */
#include "libguest.h"

#define SYS_RGSR_EL1   S3_0_C1_C0_5
#define SYS_GCR_EL1    S3_0_C1_C0_6
#define SYS_TFSR_EL1   S3_0_C5_C6_0
#define SYS_TFSRE0_EL1 S3_0_C5_C6_1

#define SCTLR_M	       (1ull << 0)
#define SCTLR_C	       (1ull << 2)
#define SCTLR_I	       (1ull << 12)
#define SCTLR_ITFSB    (1ull << 37) /* TFSR*_EL1 synchronised on exception entry */
#define SCTLR_TCF(m)   ((uint64_t)(m) << 40)
#define SCTLR_TCF0(m)  ((uint64_t)(m) << 38)
#define SCTLR_TCF_MASK SCTLR_TCF(3)
#define SCTLR_ATA0     (1ull << 42) /* EL0 may use allocation tags */
#define SCTLR_ATA      (1ull << 43) /* EL1 may use allocation tags */

#define TCF_NONE  0u
#define TCF_SYNC  1u
#define TCF_ASYNC 2u
#define TCF_ASYMM 3u /* FEAT_MTE3: reads synchronous, writes asynchronous */

#define TFSR_TF0       (1ull << 0) /* a fault in the TTBR0_EL1 region */
#define DFSC_TAG_CHECK 0x11u

/* Stage 1: 1 GiB blocks, 39-bit VA (T0SZ 25). */
#define ATTR_DEVICE   0u /* MAIR 0x00: Device-nGnRnE */
#define ATTR_NORMAL   1u /* MAIR 0xff: Normal write-back */
#define ATTR_TAGGED   2u /* MAIR 0xf0: Normal write-back, Tagged */
#define MAIR_VALUE    ((0x00ull << 0) | (0xffull << 8) | (0xf0ull << 16))
#define PTE_BLOCK     1ull
#define PTE_ATTR(i)   ((uint64_t)(i) << 2)
#define PTE_SH_IS     (3ull << 8)
#define PTE_AF	      (1ull << 10)
#define PTE_PXN	      (1ull << 53)
#define PTE_UXN	      (1ull << 54)
#define PTE_AP_EL0    (1ull << 6)   /* AP 0b01: read/write at EL1 and EL0 */
#define TAGGED_OFFSET 0x40000000ull /* the Tagged alias of RAM: VA = PA + 1 GiB */

#define GRANULE 16u
#define PAGE	4096u

static uint64_t l1_table[512] __aligned(PAGE);
static uint8_t buf[4 * PAGE] __aligned(PAGE);

/* ------------------------------------------------------------ MTE instructions */

static inline uint64_t with_tag(uint64_t p, unsigned tag)
{
	return (p & ~(0xfull << 56)) | ((uint64_t)(tag & 0xf) << 56);
}

static inline unsigned tag_of(uint64_t p)
{
	return (unsigned)(p >> 56) & 0xf;
}

static inline uint64_t irg(uint64_t p, uint64_t exclude)
{
	uint64_t r;

	asm volatile("irg %0, %1, %2" : "=r"(r) : "r"(p), "r"(exclude));
	return r;
}

/* STG: the allocation tag of p's granule becomes p's logical tag. */
static inline void stg(uint64_t p)
{
	asm volatile("stg %0, [%0]" ::"r"(p) : "memory");
}

/* LDG: the allocation tag of p's granule. */
static inline unsigned ldg(uint64_t p)
{
	uint64_t r = p;

	asm volatile("ldg %0, [%1]" : "+r"(r) : "r"(p) : "memory");
	return tag_of(r);
}

static inline uint64_t load64(uint64_t p)
{
	uint64_t v;

	asm volatile("ldr %0, [%1]" : "=r"(v) : "r"(p) : "memory");
	return v;
}

static inline void store64(uint64_t p, uint64_t v)
{
	asm volatile("str %0, [%1]" ::"r"(v), "r"(p) : "memory");
}

/* ------------------------------------------------------------ setup */

static unsigned mte_level(void)
{
	return ID_FIELD(read_sysreg(SYS_ID_AA64PFR1_EL1), 8);
}

static void set_tcf(unsigned mode)
{
	uint64_t s = read_sysreg(sctlr_el1);

	write_sysreg((s & ~SCTLR_TCF_MASK) | SCTLR_TCF(mode), sctlr_el1);
	isb(); /* the new check mode applies to the accesses that follow */
}

static void build_tables(void)
{
	uint64_t ram = 0x40000000ull;

	l1_table[0] = 0 | PTE_BLOCK | PTE_ATTR(ATTR_DEVICE) | PTE_AF | PTE_PXN | PTE_UXN;
	l1_table[1] = ram | PTE_BLOCK | PTE_ATTR(ATTR_NORMAL) | PTE_SH_IS | PTE_AF;
	l1_table[2] = ram | PTE_BLOCK | PTE_ATTR(ATTR_TAGGED) | PTE_SH_IS | PTE_AF | PTE_PXN |
		      PTE_UXN | PTE_AP_EL0; /* for LDTR/STTR: EL0 accesses made at EL1 */
	/* Written with the MMU off (non-cacheable): no stale line may hide it
	 * from the cacheable walks. */
	dsb(sy);
	for (uintptr_t p = (uintptr_t)l1_table; p < (uintptr_t)(l1_table + 512); p += 64)
		asm volatile("dc ivac, %0" ::"r"(p) : "memory");
	dsb(sy);
}

/* This vCPU translates through l1_table, with allocation tag access at EL1. */
static void mmu_on(void)
{
	write_sysreg(MAIR_VALUE, mair_el1);
	/* T0SZ 25, walks write-back inner shareable, 4K granule, no TTBR1
	 * walks (EPD1), 36-bit IPS, TBI0: the top byte holds the logical tag. */
	write_sysreg(25ull | (1ull << 8) | (1ull << 10) | (3ull << 12) | (1ull << 23) |
			 (1ull << 32) | (1ull << 37),
		     tcr_el1);
	write_sysreg((uint64_t)(uintptr_t)l1_table, ttbr0_el1);
	isb();
	asm volatile("tlbi vmalle1\n"
		     "dsb nsh\n"
		     "isb" ::
			 : "memory");
	write_sysreg(read_sysreg(sctlr_el1) | SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_ATA | SCTLR_ITFSB,
		     sctlr_el1);
	isb(); /* what follows runs translated */
}

static uint64_t tagged(const void *p)
{
	return (uint64_t)(uintptr_t)p + TAGGED_OFFSET;
}

/* ------------------------------------------------------------ IRG, GCR_EL1, RGSR_EL1 */

static void test_irg(void)
{
	uint64_t p = tagged(buf);
	unsigned only5 = 0, seen3 = 0, seen9 = 0, other = 0, zero = 0;
	unsigned a[16], b[16], c[16], same = 0, differ = 0;
	uint64_t rgsr0, rgsr1;

	write_sysreg(0xffffull & ~(1ull << 5), SYS_GCR_EL1); /* RRND 0: RGSR_EL1 seeds IRG */
	isb();
	for (unsigned i = 0; i < 100; i++)
		only5 += tag_of(irg(p, 0)) == 5;
	report(only5 == 100, "GCR_EL1.Exclude all but 5: IRG gives tag 5 (%u of 100)", only5);

	/* A seed of 0 would give the same choice every time (RGSR_EL1.SEED is an LFSR). */
	write_sysreg(0xffffull & ~((1ull << 3) | (1ull << 9)), SYS_GCR_EL1);
	write_sysreg(0x5eedull << 8, SYS_RGSR_EL1);
	isb();
	for (unsigned i = 0; i < 200; i++) {
		unsigned t = tag_of(irg(p, 0));

		seen3 += t == 3;
		seen9 += t == 9;
		other += t != 3 && t != 9;
	}
	report(!other && seen3 && seen9,
	       "Exclude all but 3 and 9: IRG gives both, nothing else "
	       "(%u, %u, %u others)",
	       seen3, seen9, other);

	/* IRG's own exclusion mask adds to GCR_EL1's. */
	for (unsigned i = 0; i < 100; i++)
		other += tag_of(irg(p, 1ull << 3)) != 9;
	report(!other, "IRG's exclude operand adds to GCR_EL1.Exclude: only tag 9 left");

	write_sysreg(0xffffull, SYS_GCR_EL1);
	isb();
	for (unsigned i = 0; i < 100; i++)
		zero += tag_of(irg(with_tag(p, 7), 0)) == 0;
	report(zero == 100, "every tag excluded: IRG gives tag 0 (%u of 100)", zero);

	/* The same RGSR_EL1 seed gives the same tags; IRG moves the seed on. */
	write_sysreg(0, SYS_GCR_EL1);
	rgsr0 = (0x1234ull << 8) | 0x6;
	write_sysreg(rgsr0, SYS_RGSR_EL1);
	isb();
	for (unsigned i = 0; i < 16; i++)
		a[i] = tag_of(irg(p, 0));
	rgsr1 = read_sysreg(SYS_RGSR_EL1);
	write_sysreg(rgsr0, SYS_RGSR_EL1);
	isb();
	for (unsigned i = 0; i < 16; i++)
		b[i] = tag_of(irg(p, 0));
	write_sysreg((0xbeefull << 8) | 0x1, SYS_RGSR_EL1);
	isb();
	for (unsigned i = 0; i < 16; i++)
		c[i] = tag_of(irg(p, 0));
	for (unsigned i = 0; i < 16; i++) {
		same += a[i] == b[i];
		differ += a[i] != c[i];
	}
	report(same == 16, "RGSR_EL1 seed %#lx: the same 16 IRG tags twice", rgsr0);
	report(differ > 0, "another seed gives other tags (%u of 16 differ)", differ);
	report(rgsr1 != rgsr0, "IRG moved RGSR_EL1 on (%#lx -> %#lx)", rgsr0, rgsr1);
}

/* ------------------------------------------------------------ STG, LDG */

static void test_stg_ldg(void)
{
	uint64_t p = tagged(buf);
	unsigned ok = 0;

	for (unsigned i = 0; i < 16; i++)
		stg(with_tag(p + i * GRANULE, i));
	for (unsigned i = 0; i < 16; i++)
		ok += ldg(p + i * GRANULE) == i;
	report(ok == 16, "STG then LDG: 16 granules hold tags 0-15 (%u right)", ok);
	report(ldg(p + 16 * GRANULE) == 0, "the granule after them keeps tag 0");
	/* The Normal (untagged) alias of the same RAM: tags read 0, nothing checked. */
	report(ldg((uint64_t)(uintptr_t)buf + GRANULE) == 0,
	       "through the untagged mapping LDG reads 0");
}

/* ------------------------------------------------------------ tag-check faults */

/* An access through the Tagged alias with a logical tag that does not match. */
static bool faulting_access(uint64_t addr, bool write, struct exception_info *ex)
{
	expect_exception();
	if (write)
		store64(addr, 0x5a5a5a5a5a5a5a5aull);
	else
		(void)load64(addr);
	return exception_taken(ex);
}

static void check_sync_fault(const char *mode, uint64_t addr, bool write)
{
	struct exception_info ex;
	uint64_t va_mask = (1ull << 56) - 1;
	bool taken = faulting_access(addr, write, &ex);

	report(taken, "%s: a %s with a mismatched tag takes a synchronous exception", mode,
	       write ? "store" : "load");
	if (!taken)
		return;
	report(ESR_EC(ex.esr) == ESR_EC_DABT_CUR && ESR_DABT_DFSC(ex.esr) == DFSC_TAG_CHECK,
	       "%s %s: ESR_EL1 EC 0x25 DFSC 0x11, tag check fault (ESR %#lx)", mode,
	       write ? "store" : "load", ex.esr);
	report(!!(ex.esr & ESR_DABT_WNR) == write, "%s %s: ESR_EL1.WnR is %u", mode,
	       write ? "store" : "load", write);
	report((ex.far & va_mask) == (addr & va_mask),
	       "%s %s: FAR_EL1 holds the address (%#lx for %#lx)", mode, write ? "store" : "load",
	       ex.far, addr);
}

static uint64_t tfsr_now(void)
{
	/* Asynchronous faults of the accesses before are recorded (Arm ARM
	 * D10.5: a DSB then context synchronization). */
	dsb(sy);
	isb();
	return read_sysreg(SYS_TFSR_EL1);
}

static void check_async_fault(const char *mode, uint64_t addr, bool write)
{
	struct exception_info ex;
	uint64_t tfsr;
	bool taken;

	write_sysreg(0, SYS_TFSR_EL1);
	isb();
	taken = faulting_access(addr, write, &ex);
	tfsr = tfsr_now();
	report(!taken, "%s: a %s with a mismatched tag takes no exception", mode,
	       write ? "store" : "load");
	report(tfsr & TFSR_TF0, "%s %s: TFSR_EL1.TF0 is set (TFSR %#lx)", mode,
	       write ? "store" : "load", tfsr);
}

/* LDTR/STTR: unprivileged, checked as EL0 accesses (SCTLR_EL1.TCF0, TFSRE0_EL1). */
static bool faulting_access_el0(uint64_t addr, bool write, struct exception_info *ex)
{
	uint64_t v = 0x5a5a5a5a5a5a5a5aull;

	expect_exception();
	if (write)
		asm volatile("sttr %0, [%1]" ::"r"(v), "r"(addr) : "memory");
	else
		asm volatile("ldtr %0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return exception_taken(ex);
}

static void set_tcf0(unsigned mode)
{
	uint64_t s = read_sysreg(sctlr_el1);

	write_sysreg((s & ~SCTLR_TCF0(3)) | SCTLR_TCF0(mode) | SCTLR_ATA0, sctlr_el1);
	isb();
}

/* EL0's checks follow TCF0 and record in TFSRE0_EL1, whatever EL1's mode is. */
static void test_el0_faults(void)
{
	uint64_t p = tagged(buf + PAGE), bad = with_tag(p, 0x3);
	struct exception_info ex;
	uint64_t tfsre0, tfsr;
	bool taken;

	set_tcf(TCF_NONE);
	set_tcf0(TCF_ASYNC);
	write_sysreg(0, SYS_TFSRE0_EL1);
	write_sysreg(0, SYS_TFSR_EL1);
	isb();
	taken = faulting_access_el0(bad, true, &ex);
	tfsr = tfsr_now();
	tfsre0 = read_sysreg(SYS_TFSRE0_EL1);
	report(!taken && (tfsre0 & TFSR_TF0) && !tfsr,
	       "EL0 async (TCF0): a mismatched STTR sets TFSRE0_EL1.TF0 only (TFSRE0 %#lx, "
	       "TFSR %#lx)",
	       tfsre0, tfsr);

	set_tcf0(TCF_SYNC);
	taken = faulting_access_el0(bad, false, &ex);
	report(taken && ESR_EC(ex.esr) == ESR_EC_DABT_CUR &&
		   ESR_DABT_DFSC(ex.esr) == DFSC_TAG_CHECK,
	       "EL0 sync (TCF0): a mismatched LDTR is a tag check fault (ESR %#lx)",
	       taken ? ex.esr : 0);
	set_tcf0(TCF_NONE);
	taken = faulting_access_el0(bad, false, &ex);
	report(!taken, "TCF0 none: the mismatched LDTR is not checked");
	write_sysreg(0, SYS_TFSRE0_EL1);
	isb();
}

static void test_faults(unsigned level)
{
	uint64_t p = tagged(buf + PAGE), v;
	uint64_t ok = with_tag(p, 0xa), bad = with_tag(p, 0x3);
	struct exception_info ex;
	unsigned exits = 0;

	stg(ok);
	store64(ok, 0x1122334455667788ull);

	set_tcf(TCF_SYNC);
	v = load64(ok);
	report(v == 0x1122334455667788ull && !faulting_access(ok, true, &ex),
	       "sync: matching tags load and store without a fault");
	check_sync_fault("sync", bad, false);
	check_sync_fault("sync", bad, true);
	report(tfsr_now() == 0, "sync: TFSR_EL1 stays clear");

	set_tcf(TCF_ASYNC);
	check_async_fault("async", bad, true);
	check_async_fault("async", bad, false);
	/* The fault stays recorded across exits to the hypervisor and back. */
	for (unsigned i = 0; i < 20; i++)
		exits += hypscope_nop() == 0;
	report(tfsr_now() & TFSR_TF0, "async: TFSR_EL1.TF0 still set after %u exits", exits);
	write_sysreg(0, SYS_TFSR_EL1);
	report(tfsr_now() == 0, "async: TFSR_EL1 written 0 reads 0");

	if (level >= 3) {
		set_tcf(TCF_ASYMM);
		check_sync_fault("asymmetric", bad, false);
		check_async_fault("asymmetric", bad, true);
	} else {
		report_skip("asymmetric mode needs FEAT_MTE3 (ID_AA64PFR1_EL1.MTE %u)", level);
	}
	set_tcf(TCF_NONE);
	write_sysreg(0, SYS_TFSR_EL1);
	isb();
	report(load64(bad) == 0x5a5a5a5a5a5a5a5aull,
	       "checks off: a mismatched load reads what the matching store wrote");
}

/* ------------------------------------------------------------ per-vCPU state */

#define SWITCH_MS 300u

struct mte_regs {
	uint64_t gcr, rgsr, tfsr, tfsre0;
};

static struct mte_regs mine[2] = {
    {0xffffull & ~(1ull << 5), 0x00abcd05, TFSR_TF0, 0x2},
    {0xffffull & ~(1ull << 10), 0x0012340a, 0x2, TFSR_TF0},
};
static unsigned want_tag[2] = {5, 10};
static uint32_t bad_rounds[2], rounds[2], gaps[2];

static void switch_loop(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg;
	struct mte_regs *r = &mine[me];
	uint64_t p = tagged(buf + 2 * PAGE), start, last, now, gap = timer_ticks_us(2000);

	if (me)
		mmu_on();
	write_sysreg(r->gcr, SYS_GCR_EL1);
	write_sysreg(r->rgsr, SYS_RGSR_EL1);
	write_sysreg(r->tfsr, SYS_TFSR_EL1);
	write_sysreg(r->tfsre0, SYS_TFSRE0_EL1);
	isb();
	start = last = timer_now();
	do {
		bool ok =
		    read_sysreg(SYS_GCR_EL1) == r->gcr && read_sysreg(SYS_TFSR_EL1) == r->tfsr &&
		    read_sysreg(SYS_TFSRE0_EL1) == r->tfsre0 && tag_of(irg(p, 0)) == want_tag[me];

		bad_rounds[me] += !ok;
		rounds[me]++;
		hypscope_nop();
		now = timer_now();
		/* A long gap: another vCPU had this physical CPU meanwhile. */
		gaps[me] += now - last > gap;
		last = now;
	} while (now - start < timer_ticks_us(SWITCH_MS * 1000));
	/* RGSR_EL1 moved on with each IRG, but only this vCPU's IRGs moved it. */
	r->rgsr = read_sysreg(SYS_RGSR_EL1);
}

static void test_switching(void)
{
	bool two = boot.nr_vcpus >= 2;

	if (!two) {
		report_skip("per-vCPU MTE registers need 2 vCPUs");
		return;
	}
	report(smp_start(1, switch_loop, (void *)1) == 0, "vCPU 1 started");
	switch_loop((void *)0);
	report(smp_wait(1), "vCPU 1 finished");
	for (unsigned i = 0; i < 2; i++) {
		report(gaps[i] > 0, "vCPU %u: descheduled %u times in %u ms", i, gaps[i],
		       SWITCH_MS);
		report(bad_rounds[i] == 0 && rounds[i] > 0,
		       "vCPU %u: GCR_EL1, TFSR_EL1, TFSRE0_EL1 and IRG's tag %u kept in %u rounds "
		       "(%u wrong)",
		       i, want_tag[i], rounds[i], bad_rounds[i]);
	}
	report(mine[0].rgsr != mine[1].rgsr, "the vCPUs' RGSR_EL1 differ (%#lx, %#lx)",
	       mine[0].rgsr, mine[1].rgsr);
}

/* ------------------------------------------------------------ no tag leak */

#define DENSE_OFFSET (4ull << 20)
#define DENSE_SIZE   (4ull << 20)

static void test_leak(void)
{
	uint64_t base = boot.ram_base, size = boot.ram_size;
	uint64_t pages = 0, nonzero = 0, first = 0;
	struct vm_info info;

	hypscope_vm_info(&info);
	report(size >= DENSE_OFFSET + DENSE_SIZE, "RAM of %lu MiB holds the dense region",
	       size >> 20);
	if (size < DENSE_OFFSET + DENSE_SIZE)
		return;
	for (uint64_t off = 0; off < size; off += PAGE, pages++) {
		if (ldg(tagged((void *)(uintptr_t)(base + off))) && !nonzero++)
			first = base + off;
	}
	for (uint64_t off = DENSE_OFFSET; off < DENSE_OFFSET + DENSE_SIZE;
	     off += GRANULE, pages++) {
		if (ldg(tagged((void *)(uintptr_t)(base + off))) && !nonzero++)
			first = base + off;
	}
	report(nonzero == 0,
	       "serial %lu: a fresh VM reads every allocation tag 0 (%lu of %lu "
	       "sampled granules non-zero%s)",
	       info.serial, nonzero, pages, nonzero ? ", see below" : "");
	if (nonzero)
		report_info("first non-zero tag at PA %#lx", first);

	/* Leave tags for the next VM on this RAM: every page, every granule of the dense region. */
	for (uint64_t off = 0; off < size; off += PAGE)
		stg(with_tag(tagged((void *)(uintptr_t)(base + off)), 1 + (off / PAGE) % 15));
	for (uint64_t off = DENSE_OFFSET; off < DENSE_OFFSET + DENSE_SIZE; off += GRANULE)
		stg(with_tag(tagged((void *)(uintptr_t)(base + off)), 1 + (off / GRANULE) % 15));
	report(ldg(tagged((void *)(uintptr_t)(base + DENSE_OFFSET))) != 0,
	       "serial %lu: its RAM is tagged for the next VM", info.serial);
}

/* ------------------------------------------------------------ MTE hidden */

static void test_hidden(void)
{
	struct exception_info ex;
	bool taken;

	report(mte_level() == 0, "without --mte: ID_AA64PFR1_EL1.MTE is 0 (%u)", mte_level());
	report(ID_FIELD(read_sysreg(SYS_ID_AA64PFR1_EL1), 40) == 0, "and MTE_frac is 0");
	expect_exception();
	(void)read_sysreg(SYS_GCR_EL1);
	taken = exception_taken(&ex);
	report(taken && ESR_EC(ex.esr) == ESR_EC_UNKNOWN,
	       "without --mte: GCR_EL1 is UNDEFINED (ESR %#lx)", taken ? ex.esr : 0);
}

int main(void)
{
	const char *args = boot.dtb ? fdt_bootargs(boot.dtb) : NULL;
	unsigned level = mte_level();

	if (args && strcmp(args, "hidden") == 0) {
		test_hidden();
		return report_summary();
	}
	report(level >= 2, "ID_AA64PFR1_EL1.MTE is %u: FEAT_MTE2%s", level,
	       level >= 3 ? " and FEAT_MTE3" : "");
	if (level < 2)
		return report_summary();
	build_tables();
	mmu_on();
	if (args && strcmp(args, "leak") == 0) {
		test_leak();
		return report_summary();
	}
	test_irg();
	test_stg_ldg();
	test_faults(level);
	test_el0_faults();
	test_switching();
	return report_summary();
}
