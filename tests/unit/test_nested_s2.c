/*
 * hyp/core/nested_s2.c: the walk of L1's stage-2 tables (4, 16 and 64 KiB
 * granules, blocks, every fault kind at its level), the stage-2 abort built
 * for L1 (checked against values worked out by hand from the Arm ARM's
 * ESR_EL2 and HPFAR_EL2 layouts), and the shadow tables: filled from both
 * stages with the intersection of permissions, MMIO left to L0, faults L1's
 * tables cause reflected, L1's TLBIs dropping what they cover, VTTBR and VTCR
 * changes, pool exhaustion, and the trace records.
 *
 * L1's memory is a host buffer standing for L1 IPAs [L1_RAM, + L1_MEM);
 * L0's stage 2 maps [L1_RAM, L1_RAM_END) to L0_PA (PAs never dereferenced).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formats/ring.h"
#include "formats/trace.h"
#include "hyp/arch/fake/fake.h"
#include "hyp/include/nested_s2.h"
#include "hyp/include/run.h"
#include "hyp/include/stage2.h"
#include "hyp/include/vm.h"
#include "hyp/include/vmid.h"
#include "tests/hostvm.h"

#define L1_RAM      0x40000000ull
#define L1_MEM      (256u * 1024u)          /* what the test backs with memory */
#define L1_RAM_END  0x80000000ull           /* what L0 maps as RAM */
#define L0_PA       0x880000000ull
#define POOL_PAGES  32u
#define RING_SIZE   (64u * 1024u)

/* 4 KiB granule, 39-bit IPA (T0SZ 25), start at level 1 (SL0 1), PS 40 bits. */
#define VTCR_4K  (25ull | 1ull << 6 | 2ull << 16)
#define VTTBR_A  (L1_RAM | 5ull << 48)
#define VTTBR_B  ((L1_RAM + 0x10000) | 6ull << 48)

/* Stage-2 leaf attributes as L1 writes them. */
#define RW  (S2_MEMATTR_NORMAL_WB | S2_AP_RW | S2_SH_INNER | S2_AF)
#define RO  (S2_MEMATTR_NORMAL_WB | 1ull << 6 | S2_SH_INNER | S2_AF)

static uint8_t *l1mem;
static uint64_t l1_next;          /* bump for L1's table pages */
static void *pool;
static struct nested_s2 ns;
static struct ns2_l0 l0;
static struct vm tvm;
static struct vcpu *const v = &tvm.vcpus[0];
static struct vcpu *const v1 = &tvm.vcpus[1];
static struct vmid_allocator ids;
static void *ring_mem;
static struct ring ring;
static struct ring_consumer cons;

static int l1_read(void *ctx, uint64_t ipa, uint64_t *val)
{
	(void)ctx;
	if (ipa < L1_RAM || ipa + 8 > L1_RAM + L1_MEM)
		return -EFAULT;
	memcpy(val, l1mem + (ipa - L1_RAM), 8);
	return 0;
}

static int l0_translate(void *ctx, uint64_t ipa, uint64_t *pa, uint64_t *desc)
{
	(void)ctx;
	if (ipa < L1_RAM || ipa >= L1_RAM_END)
		return -ENOENT;
	*pa = L0_PA + (ipa - L1_RAM);
	*desc = (*pa & ~0x1fffffull) | S2_NORMAL_RWX | PTE_BLOCK;
	return 0;
}

static uint64_t *l1_word(uint64_t ipa)
{
	assert_true(ipa >= L1_RAM && ipa + 8 <= L1_RAM + L1_MEM);
	return (uint64_t *)(void *)(l1mem + (ipa - L1_RAM));
}

/* A zeroed table page of L1's. */
static uint64_t l1_table(void)
{
	uint64_t ipa = l1_next;

	l1_next += 4096;
	memset(l1_word(ipa), 0, 4096);
	return ipa;
}

/* L1's 4 KiB-granule mapping of ipa at level (3 page, 2 or 1 block), from root at level 1. */
static void l1_map(uint64_t root, uint64_t ipa, uint64_t out, unsigned level, uint64_t attrs)
{
	uint64_t table = root;

	for (unsigned l = 1; l < level; l++) {
		uint64_t *e = l1_word(table + ((ipa >> (12 + 9 * (3 - l))) & 0x1ff) * 8);

		if (!(*e & 1))
			*e = l1_table() | 3;
		table = *e & PTE_ADDR_MASK;
	}
	*l1_word(table + ((ipa >> (12 + 9 * (3 - level))) & 0x1ff) * 8) =
		out | attrs | (level == 3 ? 3 : 1);
}

static int setup(void **state)
{
	(void)state;
	fake_reset();
	l1mem = calloc(1, L1_MEM);
	pool = aligned_alloc(4096, POOL_PAGES * 4096);
	assert_non_null(l1mem);
	assert_non_null(pool);
	memset(pool, 0xee, POOL_PAGES * 4096);
	l1_next = L1_RAM;
	assert_int_equal(l1_table(), L1_RAM); /* VTTBR_A's root */
	assert_int_equal(l1_table(), L1_RAM + 0x1000);
	l1_next = L1_RAM + 0x20000;
	l0 = (struct ns2_l0){ l1_read, l0_translate, NULL };
	assert_int_equal(nested_s2_init(&ns, virt_to_phys(pool), POOL_PAGES * 4096, 40, &l0), 0);
	memset(&tvm, 0, sizeof(tvm));
	for (unsigned i = 0; i < 2; i++) {
		tvm.vcpus[i].id = i;
		tvm.vcpus[i].vm = &tvm;
	}
	vmid_allocator_init(&ids, 8);
	if (!ring_mem)
		ring_mem = aligned_alloc(4096, RING_SIZE);
	assert_int_equal(ring_init(&ring, ring_mem, RING_SIZE, 0, RING_MODE_DROP), 0);
	assert_int_equal(ring_consumer_init(&cons, ring_mem, RING_SIZE, 0), 0);
	v->trace_ring = &ring;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nested_s2_destroy(&ns, &ids);
	free(l1mem);
	free(pool);
	return 0;
}

/* ---------------------------------------------------------------- walk */

static void walk(uint64_t vtcr, uint64_t vttbr, uint64_t ipa, struct ns2_walk *w)
{
	ns2_walk(&l0, vtcr, vttbr, 40, ipa, w);
}

static void test_walk_4k_page_and_block(void **state)
{
	struct ns2_walk w;

	(void)state;
	l1_map(L1_RAM, 0x200000, L1_RAM + 0x30000, 3, RO);
	l1_map(L1_RAM, 0x40000000, 0x60000000, 2, RW | S2_XN);
	walk(VTCR_4K, VTTBR_A, 0x200abc, &w);
	assert_int_equal(w.fault, NS2_OK);
	assert_int_equal(w.level, 3);
	assert_int_equal(w.out, L1_RAM + 0x30abc);
	assert_int_equal(w.size, 4096);
	assert_true(w.r);
	assert_false(w.w);
	assert_true(w.x);
	walk(VTCR_4K, VTTBR_A, 0x40123456, &w);
	assert_int_equal(w.fault, NS2_OK);
	assert_int_equal(w.level, 2);
	assert_int_equal(w.out, 0x60123456);
	assert_int_equal(w.size, 2u << 20);
	assert_true(w.w);
	assert_false(w.x);
}

static void test_walk_faults_carry_their_level(void **state)
{
	struct ns2_walk w;

	(void)state;
	l1_map(L1_RAM, 0x200000, L1_RAM + 0x30000, 3, RW);
	/* level 1 empty */
	walk(VTCR_4K, VTTBR_A, 0x80000000, &w);
	assert_int_equal(w.fault, NS2_TRANSLATION);
	assert_int_equal(w.level, 1);
	/* level 2 table there, entry empty */
	walk(VTCR_4K, VTTBR_A, 0x400000, &w);
	assert_int_equal(w.fault, NS2_TRANSLATION);
	assert_int_equal(w.level, 2);
	/* level 3 table there, entry empty */
	walk(VTCR_4K, VTTBR_A, 0x201000, &w);
	assert_int_equal(w.fault, NS2_TRANSLATION);
	assert_int_equal(w.level, 3);
	/* AF clear */
	l1_map(L1_RAM, 0x202000, L1_RAM + 0x31000, 3, RW & ~S2_AF);
	walk(VTCR_4K, VTTBR_A, 0x202000, &w);
	assert_int_equal(w.fault, NS2_ACCESS_FLAG);
	assert_int_equal(w.level, 3);
	/* the "block" encoding at level 3 is reserved: a translation fault */
	*l1_word(l1_next - 4096 + 3 * 8) = (L1_RAM + 0x32000) | RW | 1;
	walk(VTCR_4K, VTTBR_A, 0x203000, &w);
	assert_int_equal(w.fault, NS2_TRANSLATION);
	assert_int_equal(w.level, 3);
	/* a level-2 table outside L1's RAM: external abort on the walk at level 2 */
	*l1_word(L1_RAM + 8 * 3) = 0x10000000 | 3;
	walk(VTCR_4K, VTTBR_A, 0xc0000000, &w);
	assert_int_equal(w.fault, NS2_WALK_EXTERNAL);
	assert_int_equal(w.level, 2);
	/* an output address beyond PS (40 bits): address size fault */
	l1_map(L1_RAM, 0x204000, 1ull << 41, 3, RW);
	walk(VTCR_4K, VTTBR_A, 0x204000, &w);
	assert_int_equal(w.fault, NS2_ADDR_SIZE);
	assert_int_equal(w.level, 3);
}

static void test_walk_bad_vtcr_or_ipa_faults_at_level_0(void **state)
{
	struct ns2_walk w;

	(void)state;
	l1_map(L1_RAM, 0x200000, L1_RAM + 0x30000, 3, RW);
	/* an IPA beyond the 39-bit input */
	walk(VTCR_4K, VTTBR_A, 1ull << 39, &w);
	assert_int_equal(w.fault, NS2_TRANSLATION);
	assert_int_equal(w.level, 0);
	/* T0SZ 16 (48 bits) starting at level 1: more than 16 tables */
	ns2_walk(&l0, 16 | 1ull << 6 | 2ull << 16, VTTBR_A, 48, 0x200000, &w);
	assert_int_equal(w.fault, NS2_TRANSLATION);
	assert_int_equal(w.level, 0);
	/* SL0 3 with 4 KiB (level 3 start needs FEAT_TTST) */
	walk(25 | 3ull << 6 | 2ull << 16, VTTBR_A, 0x200000, &w);
	assert_int_equal(w.fault, NS2_TRANSLATION);
	assert_int_equal(w.level, 0);
	/* more IPA bits than L0 offers */
	ns2_walk(&l0, VTCR_4K, VTTBR_A, 36, 0x200000, &w);
	assert_int_equal(w.fault, NS2_TRANSLATION);
	assert_int_equal(w.level, 0);
}

/* Two concatenated start tables: 40 bits (T0SZ 24) from level 1. */
static void test_walk_concatenated_start_tables(void **state)
{
	struct ns2_walk w;
	uint64_t t2 = l1_table(), t3 = l1_table();

	(void)state;
	/* IPA 0x8000200000: level-1 index 512, in the second root page */
	*l1_word(L1_RAM + 512 * 8) = t2 | 3;
	*l1_word(t2 + 1 * 8) = t3 | 3;
	*l1_word(t3) = (L1_RAM + 0x30000) | RW | 3;
	walk(24 | 1ull << 6 | 2ull << 16, VTTBR_A, 0x8000200010, &w);
	assert_int_equal(w.fault, NS2_OK);
	assert_int_equal(w.out, L1_RAM + 0x30010);
}

/* 64 KiB granule, 42-bit IPA (T0SZ 22), SL0 1: level 2 resolves [41:29], level 3 [28:16]. */
static void test_walk_64k_granule(void **state)
{
	uint64_t vtcr = 22 | 1ull << 6 | 1ull << 14 | 2ull << 16;
	uint64_t root = L1_RAM + 0x10000, t3 = L1_RAM + 0x20000;
	uint64_t ipa = 3ull << 29 | 5ull << 16 | 0x1234;
	struct ns2_walk w;

	(void)state;
	memset(l1_word(root), 0, 0x10000);
	memset(l1_word(t3), 0, 0x10000);
	*l1_word(root + 3 * 8) = t3 | 3;
	*l1_word(t3 + 5 * 8) = 0x50000000 | RW | 3;
	ns2_walk(&l0, vtcr, root, 42, ipa, &w);
	assert_int_equal(w.fault, NS2_OK);
	assert_int_equal(w.level, 3);
	assert_int_equal(w.size, 0x10000);
	assert_int_equal(w.out, 0x50001234);
	/* a 512 MiB block at level 2 */
	*l1_word(root + 4 * 8) = 0x60000000 | RW | 1;
	ns2_walk(&l0, vtcr, root, 42, 4ull << 29 | 0x123456, &w);
	assert_int_equal(w.fault, NS2_OK);
	assert_int_equal(w.level, 2);
	assert_int_equal(w.out, 0x60123456);
}

/* 16 KiB granule, 36-bit IPA (T0SZ 28), SL0 1: level 2 resolves [35:25], level 3 [24:14]. */
static void test_walk_16k_granule(void **state)
{
	uint64_t vtcr = 28 | 1ull << 6 | 2ull << 14 | 2ull << 16;
	uint64_t root = L1_RAM + 0x10000, t3 = L1_RAM + 0x14000;
	struct ns2_walk w;

	(void)state;
	memset(l1_word(root), 0, 0x8000);
	*l1_word(root + 7 * 8) = t3 | 3;
	*l1_word(t3 + 9 * 8) = 0x50004000 | RW | 3;
	walk(vtcr, root, 7ull << 25 | 9ull << 14 | 0x3ff8, &w);
	assert_int_equal(w.fault, NS2_OK);
	assert_int_equal(w.size, 0x4000);
	assert_int_equal(w.out, 0x50004000 + 0x3ff8);
	/* level 2 entry 8 missing */
	walk(vtcr, root, 8ull << 25, &w);
	assert_int_equal(w.fault, NS2_TRANSLATION);
	assert_int_equal(w.level, 2);
}

/* ------------------------------------------------------------ syndrome */

/*
 * ESR_EL2 (Arm ARM D19.2): EC [31:26], IL [25], ISV [24], SAS [23:22],
 * SSE [21], SRT [20:16], SF [15], AR [14], VNCR [13], SET [12:11], FnV [10],
 * EA [9], CM [8], S1PTW [7], WnR [6], DFSC [5:0]. HPFAR_EL2.FIPA [39:4] =
 * IPA[47:12].
 */
static void test_syndrome_data_abort_with_isv(void **state)
{
	struct ns2_walk w = { .fault = NS2_PERMISSION, .level = 2 };
	struct ns2_syndrome s;

	(void)state;
	/* EC 0x24, IL, ISV, SAS word, SRT x3, VNCR and EA set (L0's, must go),
	 * WnR, DFSC 0x07 (L0's shadow: translation, level 3) */
	ns2_syndrome(0x93832247, 0xffff000012345678ull, 0x12345678, &w, &s);
	assert_int_equal(s.esr, 0x9383004e); /* DFSC 0x0e: permission, level 2 */
	assert_int_equal(s.far, 0xffff000012345678ull);
	assert_int_equal(s.hpfar, 0x123450);
}

static void test_syndrome_data_abort_without_isv(void **state)
{
	struct ns2_walk w = { .fault = NS2_TRANSLATION, .level = 1 };
	struct ns2_syndrome s;

	(void)state;
	/* no ISV: SRT bits that happen to be set are dropped; CM, S1PTW kept */
	ns2_syndrome(0x92030187, 0x1000, 0xabcdef000ull, &w, &s);
	assert_int_equal(s.esr, 0x92000185);
	assert_int_equal(s.hpfar, 0xabcdef0);
}

static void test_syndrome_instruction_abort(void **state)
{
	struct ns2_walk w = { .fault = NS2_ACCESS_FLAG, .level = 3 };
	struct ns2_syndrome s;

	(void)state;
	/* EC 0x20, IL, FnV (kept), bit 6 set (no WnR in an IFSC: dropped), IFSC 6 */
	ns2_syndrome(0x82000446, 0x40001000, 0x80001000, &w, &s);
	assert_int_equal(s.esr, 0x8200040b);
	assert_int_equal(s.hpfar, 0x800010);
	/* each fault kind's status code, at level 1 */
	assert_int_equal(ns2_fsc(NS2_TRANSLATION, 1), 0x05);
	assert_int_equal(ns2_fsc(NS2_ACCESS_FLAG, 1), 0x09);
	assert_int_equal(ns2_fsc(NS2_PERMISSION, 1), 0x0d);
	assert_int_equal(ns2_fsc(NS2_ADDR_SIZE, 1), 0x01);
	assert_int_equal(ns2_fsc(NS2_WALK_EXTERNAL, 1), 0x15);
}

/* -------------------------------------------------------------- faults */

#define ESR_DABT_READ  0x92000007ull /* EC 0x24, IL, DFSC translation level 3 */
#define ESR_DABT_WRITE 0x92000047ull
#define ESR_IABT       0x82000007ull

/* A stage-2 abort at L2 IPA ipa (HPFAR and FAR as the hardware gives them). */
static struct ns2_fault_info fault(uint64_t esr, uint64_t ipa)
{
	struct ns2_fault_info fi;

	assert_int_equal(nested_s2_fault(&ns, v, VTCR_4K, VTTBR_A, esr, 0xffff800000000000ull |
					 ipa, (ipa >> 12) << 4, &fi), 0);
	return fi;
}

static uint64_t shadow_leaf(uint64_t vttbr, uint64_t ipa, uint64_t *pa)
{
	struct ns2_shadow *sh = nested_s2_enter(&ns, v, vttbr, VTCR_4K);
	uint64_t desc = 0;

	if (nested_s2_lookup(sh, ipa, pa, &desc))
		return 0;
	return desc;
}

static void test_fault_fills_from_both_stages(void **state)
{
	struct ns2_fault_info fi;
	uint64_t pa, d;

	(void)state;
	l1_map(L1_RAM, 0x200000, L1_RAM + 0x30000, 3, RO);
	fi = fault(ESR_DABT_READ, 0x200010);
	assert_int_equal(fi.result, NS2_FILLED);
	assert_int_equal(fi.l1_ipa, L1_RAM + 0x30010);
	d = shadow_leaf(VTTBR_A, 0x200010, &pa);
	assert_int_equal(pa, L0_PA + 0x30010);
	/* read-only from L1, read-write from L0: read-only */
	assert_int_equal((d >> 6) & 3, 1);
	assert_true(d & S2_AF);
	assert_int_equal((d >> 2) & 0xf, 0xf);
	assert_int_equal(ns.fills, 1);
	/* L1 says device memory, no execute: so does the shadow */
	l1_map(L1_RAM, 0x201000, L1_RAM + 0x31000, 3,
	       (1ull << 2) | S2_AP_RW | S2_AF | S2_XN); /* MemAttr 0b0001: Device-nGnRE */
	assert_int_equal(fault(ESR_DABT_WRITE, 0x201000).result, NS2_FILLED);
	d = shadow_leaf(VTTBR_A, 0x201000, &pa);
	assert_int_equal((d >> 2) & 0xf, 1);
	assert_int_equal((d >> 6) & 3, 3);
	assert_true(d & S2_XN);
}

static void test_fault_l1_refusal_is_reflected(void **state)
{
	struct ns2_fault_info fi;
	uint64_t pa;

	(void)state;
	l1_map(L1_RAM, 0x200000, L1_RAM + 0x30000, 3, RO);
	/* a write to L1's read-only page: permission fault, level 3 */
	fi = fault(ESR_DABT_WRITE, 0x200008);
	assert_int_equal(fi.result, NS2_REFLECT);
	assert_int_equal(fi.syn.esr, 0x9200004f);
	assert_int_equal(fi.syn.far, 0xffff800000200008ull);
	assert_int_equal(fi.syn.hpfar, 0x2000);
	assert_int_equal(shadow_leaf(VTTBR_A, 0x200000, &pa), 0);
	/* nothing mapped at level 2 */
	fi = fault(ESR_IABT, 0x600000);
	assert_int_equal(fi.result, NS2_REFLECT);
	assert_int_equal(fi.syn.esr, 0x82000006);
	assert_int_equal(fi.syn.hpfar, 0x6000);
	assert_int_equal(ns.reflected, 2);
	/* not an abort */
	assert_int_equal(nested_s2_fault(&ns, v, VTCR_4K, VTTBR_A, 0x5a000000, 0, 0, &fi),
			 -EINVAL);
}

static void test_fault_on_l0_device_is_mmio(void **state)
{
	struct ns2_fault_info fi;
	uint64_t pa;

	(void)state;
	/* L1 passes its UART (not RAM to L0) through to L2 */
	l1_map(L1_RAM, 0x9000000, 0x9000000, 3, RW);
	fi = fault(ESR_DABT_WRITE, 0x9000018);
	assert_int_equal(fi.result, NS2_MMIO);
	assert_int_equal(fi.l1_ipa, 0x9000018);
	assert_int_equal(shadow_leaf(VTTBR_A, 0x9000000, &pa), 0);
	assert_int_equal(ns.l0_handled, 1);
}

static void test_raised_permission_replaces_the_entry(void **state)
{
	uint64_t pa;
	unsigned flushes;

	(void)state;
	l1_map(L1_RAM, 0x200000, L1_RAM + 0x30000, 3, RO);
	assert_int_equal(fault(ESR_DABT_READ, 0x200000).result, NS2_FILLED);
	nested_s2_vttbr(nested_s2_enter(&ns, v, VTTBR_A, VTCR_4K), &ids, 0);
	flushes = fake.tlb_flush_ipa;
	/* L1 makes it writable (no TLBI needed to raise a permission) */
	l1_map(L1_RAM, 0x200000, L1_RAM + 0x30000, 3, RW);
	assert_int_equal(fault(ESR_DABT_WRITE, 0x200008).result, NS2_FILLED);
	assert_int_equal((shadow_leaf(VTTBR_A, 0x200000, &pa) >> 6) & 3, 3);
	/* break before make: the old entry was flushed, that page only */
	assert_int_equal(fake.tlb_flush_ipa, flushes + 1);
	assert_int_equal(fake.last_flush_ipa, 0x200008);
	assert_int_equal(fake.last_flush_size, 4096);
}

/* --------------------------------------------------------- invalidation */

static void test_tlbi_decode(void **state)
{
	enum ns2_tlbi_op op;
	uint64_t ipa, size;

	(void)state;
	/* IPAS2E1IS, Xt = IPA >> 12 with TTL 0b0111: 4 KiB granule, level 3 */
	assert_true(ns2_tlbi_decode(4, 8, 0, 1, 0x12345ull | 7ull << 44, &op, &ipa, &size));
	assert_int_equal(op, NS2_TLBI_IPA);
	assert_int_equal(ipa, 0x12345000);
	assert_int_equal(size, 4096);
	/* IPAS2LE1 with TTL 0b0110: level 2, 2 MiB */
	assert_true(ns2_tlbi_decode(4, 8, 4, 5, 0x200ull | 6ull << 44, &op, &ipa, &size));
	assert_int_equal(size, 2u << 20);
	/* no TTL hint */
	assert_true(ns2_tlbi_decode(4, 8, 4, 1, 0x200, &op, &ipa, &size));
	assert_int_equal(size, 0);
	assert_true(ns2_tlbi_decode(4, 8, 3, 6, 0, &op, &ipa, &size));
	assert_int_equal(op, NS2_TLBI_VMALLS12);
	assert_true(ns2_tlbi_decode(4, 9, 7, 4, 0, &op, &ipa, &size)); /* ALLE1NXS */
	assert_int_equal(op, NS2_TLBI_ALL);
	assert_true(ns2_tlbi_decode(0, 8, 3, 0, 0, &op, &ipa, &size));
	assert_int_equal(op, NS2_TLBI_VMALLE1);
	/* VAE1 and ALLE2 are no stage-2 maintenance */
	assert_false(ns2_tlbi_decode(0, 8, 7, 1, 0, &op, &ipa, &size));
	assert_false(ns2_tlbi_decode(4, 8, 7, 0, 0, &op, &ipa, &size));
	assert_false(ns2_tlbi_decode(4, 7, 0, 1, 0, &op, &ipa, &size));
}

static void test_tlbi_ipa_drops_what_it_covers(void **state)
{
	uint64_t pa;
	unsigned i;

	(void)state;
	l1_map(L1_RAM, 0x200000, L1_RAM + 0x30000, 3, RW);
	l1_map(L1_RAM, 0x201000, L1_RAM + 0x31000, 3, RW);
	fault(ESR_DABT_READ, 0x200000);
	fault(ESR_DABT_READ, 0x201000);
	nested_s2_vttbr(nested_s2_enter(&ns, v, VTTBR_A, VTCR_4K), &ids, 0);
	/* L1 remaps the first page and invalidates it, with a TTL of 4 KiB */
	l1_map(L1_RAM, 0x200000, L1_RAM + 0x32000, 3, RW);
	assert_int_equal(nested_s2_tlbi(&ns, v, NS2_TLBI_IPA, VTTBR_A, 0x200000, 4096), 1);
	assert_int_equal(shadow_leaf(VTTBR_A, 0x200000, &pa), 0);
	assert_int_not_equal(shadow_leaf(VTTBR_A, 0x201000, &pa), 0);
	/* L0's TLB: that page, in the shadow's own VMID */
	assert_int_equal(fake.tlb_flush_ipa, 1);
	assert_int_equal(fake.last_flush_ipa, 0x200000);
	assert_int_equal(fake.last_flush_vttbr >> 48, 1);
	/* L2 sees the new mapping */
	assert_int_equal(fault(ESR_DABT_READ, 0x200000).result, NS2_FILLED);
	shadow_leaf(VTTBR_A, 0x200000, &pa);
	assert_int_equal(pa, L0_PA + 0x32000);
	/* without a hint, the whole 1 GiB a block of L1's could have covered */
	assert_int_equal(nested_s2_tlbi(&ns, v, NS2_TLBI_IPA, VTTBR_A, 0x3ff000, 0), 2);
	assert_int_equal(fake.tlb_flush_ipa, 3);
	/* more pages than are worth flushing one by one: the whole VMID */
	for (unsigned i = 0; i < 20; i++) {
		l1_map(L1_RAM, 0x300000 + i * 4096ull, L1_RAM + 0x30000, 3, RW);
		fault(ESR_DABT_READ, 0x300000 + i * 4096ull);
	}
	i = fake.tlb_flush_vmid;
	assert_int_equal(nested_s2_tlbi(&ns, v, NS2_TLBI_IPA, VTTBR_A, 0x300000, 0), 20);
	assert_int_equal(fake.tlb_flush_vmid, i + 1);
	assert_int_equal(fake.tlb_flush_ipa, 3);
	/* another VMID's invalidation leaves these alone */
	fault(ESR_DABT_READ, 0x200000);
	assert_int_equal(nested_s2_tlbi(&ns, v, NS2_TLBI_IPA, VTTBR_B, 0x200000, 0), 0);
	assert_int_not_equal(shadow_leaf(VTTBR_A, 0x200000, &pa), 0);
}

static void test_tlbi_vmid_and_all(void **state)
{
	struct ns2_fault_info fi;
	uint64_t pa;

	(void)state;
	l1_map(L1_RAM, 0x200000, L1_RAM + 0x30000, 3, RW);
	l1_map(L1_RAM + 0x10000, 0x200000, L1_RAM + 0x31000, 3, RW);
	fault(ESR_DABT_READ, 0x200000);
	assert_int_equal(nested_s2_fault(&ns, v, VTCR_4K, VTTBR_B, ESR_DABT_READ, 0x200000,
					 0x2000, &fi), 0);
	assert_int_equal(fi.result, NS2_FILLED);
	/* VMALLE1: L2's stage 1 only, the shadow pages stay */
	assert_int_equal(nested_s2_tlbi(&ns, v, NS2_TLBI_VMALLE1, VTTBR_A, 0, 0), 0);
	assert_int_not_equal(shadow_leaf(VTTBR_A, 0x200000, &pa), 0);
	/* VMALLS12E1: all of VMID 5, none of VMID 6 */
	assert_int_equal(nested_s2_tlbi(&ns, v, NS2_TLBI_VMALLS12, VTTBR_A, 0, 0), 1);
	assert_int_equal(shadow_leaf(VTTBR_A, 0x200000, &pa), 0);
	assert_int_not_equal(shadow_leaf(VTTBR_B, 0x200000, &pa), 0);
	assert_int_equal(pa, L0_PA + 0x31000);
	/* ALLE1: everything, and the pool is whole again */
	assert_int_equal(nested_s2_tlbi(&ns, v, NS2_TLBI_ALL, VTTBR_A, 0, 0), 1);
	assert_int_equal(shadow_leaf(VTTBR_B, 0x200000, &pa), 0);
	assert_int_equal(ns.pool.used_pages, 0);
}

static void test_vtcr_change_empties_and_slots_are_evicted(void **state)
{
	unsigned found;
	uint64_t pa;

	(void)state;
	l1_map(L1_RAM, 0x200000, L1_RAM + 0x30000, 3, RW);
	fault(ESR_DABT_READ, 0x200000);
	assert_int_not_equal(shadow_leaf(VTTBR_A, 0x200000, &pa), 0);
	/* same VTTBR, another VTCR (PS): emptied */
	nested_s2_enter(&ns, v, VTTBR_A, VTCR_4K | 1ull << 16);
	assert_int_equal(nested_s2_enter(&ns, v, VTTBR_A, VTCR_4K | 1ull << 16)->entries, 0);
	/* vCPU 1 runs on VTTBR_A; vCPU 0 goes through more VTTBRs than slots */
	nested_s2_enter(&ns, v1, VTTBR_A, VTCR_4K);
	for (unsigned i = 1; i <= 2 * NS2_MAX_SHADOWS; i++)
		nested_s2_enter(&ns, v, VTTBR_A + (uint64_t)i * 0x1000, VTCR_4K);
	assert_true(ns.evictions >= NS2_MAX_SHADOWS);
	/* the one vCPU 1 runs on was never taken */
	found = 0;
	for (unsigned i = 0; i < NS2_MAX_SHADOWS; i++)
		found += ns.sh[i].used && ns.sh[i].l1_vttbr == VTTBR_A;
	assert_int_equal(found, 1);
	nested_s2_leave(&ns, v1);
	for (unsigned i = 0; i < NS2_MAX_SHADOWS; i++)
		assert_int_equal(ns.sh[i].users & 2, 0);
}

static void test_pool_exhaustion_starts_over(void **state)
{
	struct nested_s2 small;
	struct ns2_fault_info fi;
	unsigned i;

	(void)state;
	/* 4 roots and 8 table pages: with a 40-bit shadow, the first page
	 * needs 3 tables, each new 2 MiB one more */
	assert_int_equal(nested_s2_init(&small, virt_to_phys(pool), NS2_MIN_POOL * 4096, 40, &l0),
			 0);
	l1_map(L1_RAM, 0, L1_RAM, 1, RW); /* 1 GiB block: L2 [0, 1 GiB) -> L1 RAM */
	for (i = 0; i < 20; i++) {
		assert_int_equal(nested_s2_fault(&small, v, VTCR_4K, VTTBR_A, ESR_DABT_READ,
						 i << 21, (uint64_t)i << 21 >> 8, &fi), 0);
		assert_int_equal(fi.result, NS2_FILLED);
	}
	assert_true(small.resets >= 2);
	/* the last one is there, the first one went */
	{
		uint64_t pa, d;
		struct ns2_shadow *sh = nested_s2_enter(&small, v, VTTBR_A, VTCR_4K);

		assert_int_equal(nested_s2_lookup(sh, 19u << 21, &pa, &d), 0);
		assert_int_equal(pa, L0_PA + (19u << 21));
		assert_int_not_equal(nested_s2_lookup(sh, 0, &pa, &d), 0);
	}
	/* too small a pool, or a bad IPA size, is refused */
	assert_int_equal(nested_s2_init(&small, virt_to_phys(pool), 4 * 4096, 40, &l0), -EINVAL);
	assert_int_equal(nested_s2_init(&small, virt_to_phys(pool), 32 * 4096, 52, &l0), -EINVAL);
}

/* L0's side for a VM made as the hypervisor makes it: its RAM, its stage 2. */
static void test_vm_side_reads_ram_and_refuses_the_rest(void **state)
{
	struct ns2_l0 vl0;
	struct ns2_walk w;
	struct ns2_fault_info fi;
	struct vm *vm = &vms[0];
	struct vcpu *v0;
	uint64_t *ram, pa, d;
	unsigned free_chunks;

	(void)state;
	hostvm_reset();
	hostvm.cfg.nr_vms = 1;
	hostvm_describe(&hostvm.cfg.vms[0], "l1", 1);
	assert_int_equal(vm_create(0), 0);
	nested_s2_vm_l0(vm, &vl0);
	ram = phys_to_virt(vm->ram_pa);
	/* L1's root at the start of its RAM, a level-2 table after it, a 2 MiB
	 * block of L1 RAM, and a level-2 table pointer outside RAM */
	ram[0] = (GUEST_RAM_IPA + 0x1000) | 3;
	ram[512 + 1] = GUEST_RAM_IPA | RW | 1;
	ram[1] = 0x10000000 | 3;
	ns2_walk(&vl0, VTCR_4K, GUEST_RAM_IPA, 40, 0x200123, &w);
	assert_int_equal(w.fault, NS2_OK);
	assert_int_equal(w.out, GUEST_RAM_IPA + 0x123);
	assert_int_equal(vl0.translate(vl0.ctx, w.out, &pa, &d), 0);
	assert_int_equal(pa, vm->ram_pa + 0x123);
	assert_true(d & S2_AF);
	ns2_walk(&vl0, VTCR_4K, GUEST_RAM_IPA, 40, 0x40000000, &w);
	assert_int_equal(w.fault, NS2_WALK_EXTERNAL);
	assert_int_equal(w.level, 2);
	/* the UART, past the end of RAM: not L0's RAM */
	assert_int_equal(vl0.translate(vl0.ctx, GUEST_UART_IPA, &pa, &d), -ENOENT);
	assert_int_equal(vl0.translate(vl0.ctx, GUEST_RAM_IPA + vm->ram_size, &pa, &d), -ENOENT);
	assert_int_equal(vl0.read(vl0.ctx, GUEST_RAM_IPA + vm->ram_size - 4, &d), -EFAULT);

	/* the VM's own shadow state: a chunk, given back at the end */
	free_chunks = guest_pool.free_chunks;
	assert_int_equal(nested_s2_vm_init(vm, 40), 0);
	assert_int_equal(guest_pool.free_chunks, free_chunks - 1);
	ram[512 + 1] = GUEST_RAM_IPA | RW | 1;
	v0 = &vm->vcpus[0];
	assert_int_equal(nested_s2_fault(&vm->ns2, v0, VTCR_4K, GUEST_RAM_IPA, ESR_DABT_READ,
					 0x200123, 0x2000, &fi), 0);
	assert_int_equal(fi.result, NS2_FILLED);
	assert_int_equal(nested_s2_lookup(nested_s2_enter(&vm->ns2, v0, GUEST_RAM_IPA, VTCR_4K),
					  0x200123, &pa, &d), 0);
	assert_int_equal(pa, vm->ram_pa + 0x123);
	nested_s2_vm_free(vm, &vmids);
	nested_s2_vm_free(vm, &vmids); /* once only */
	assert_int_equal(guest_pool.free_chunks, free_chunks);
	hostvm_free();
}

/* --------------------------------------------------------------- trace */

static bool next_s2(struct trace_nv_s2 *out)
{
	uint64_t buf[64];
	int n;

	while ((n = ring_consume(&cons, buf, sizeof(buf))) > 0) {
		const struct trace_hdr *h = (const void *)buf;

		if (h->type != TRACE_NV_S2_FAULT && h->type != TRACE_NV_S2_INVAL)
			continue;
		assert_int_equal(n, sizeof(*out));
		memcpy(out, buf, sizeof(*out));
		return true;
	}
	return false;
}

static void test_records(void **state)
{
	struct trace_nv_s2 e;

	(void)state;
	l1_map(L1_RAM, 0x200000, L1_RAM + 0x30000, 3, RW);
	fault(ESR_DABT_READ, 0x200000);
	fault(ESR_DABT_READ, 0x400000);
	nested_s2_tlbi(&ns, v, NS2_TLBI_IPA, VTTBR_A, 0x200000, 4096);

	assert_true(next_s2(&e));
	assert_int_equal(e.hdr.type, TRACE_NV_S2_FAULT);
	assert_int_equal(e.result, TRACE_NV_S2_FILLED);
	assert_int_equal(e.ipa, 0x200000);
	assert_int_equal(e.out, L1_RAM + 0x30000);
	assert_int_equal(e.vttbr, VTTBR_A);
	assert_int_equal(e.count, 1);
	assert_int_equal(e.level, 3);
	assert_true(next_s2(&e));
	assert_int_equal(e.result, TRACE_NV_S2_REFLECTED);
	assert_int_equal(e.ipa, 0x400000);
	assert_int_equal(e.out, 0);
	assert_int_equal(e.level, 2);
	assert_true(next_s2(&e));
	assert_int_equal(e.hdr.type, TRACE_NV_S2_INVAL);
	assert_int_equal(e.result, TRACE_NV_S2_DROPPED);
	assert_int_equal(e.op, 0);
	assert_int_equal(e.ipa, 0x200000);
	assert_int_equal(e.size, 4096);
	assert_int_equal(e.count, 1);
	assert_false(next_s2(&e));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
		T(test_walk_4k_page_and_block),
		T(test_walk_faults_carry_their_level),
		T(test_walk_bad_vtcr_or_ipa_faults_at_level_0),
		T(test_walk_concatenated_start_tables),
		T(test_walk_64k_granule),
		T(test_walk_16k_granule),
		T(test_syndrome_data_abort_with_isv),
		T(test_syndrome_data_abort_without_isv),
		T(test_syndrome_instruction_abort),
		T(test_fault_fills_from_both_stages),
		T(test_fault_l1_refusal_is_reflected),
		T(test_fault_on_l0_device_is_mmio),
		T(test_raised_permission_replaces_the_entry),
		T(test_tlbi_decode),
		T(test_tlbi_ipa_drops_what_it_covers),
		T(test_tlbi_vmid_and_all),
		T(test_vtcr_change_empties_and_slots_are_evicted),
		T(test_pool_exhaustion_starts_over),
		T(test_vm_side_reads_ram_and_refuses_the_rest),
		T(test_records),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
