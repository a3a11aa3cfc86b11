/*
 * hyp/vgic: the GICD frame and the GICR frames as a guest driver sees them:
 * register values, set/clear semantics, access widths, routing, reserved
 * offsets, and the redistributor identification and WAKER handshake.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hyp/vgic/vgic.h"

#define NR_VCPUS 4u

/* GICD offsets */
#define CTLR       0x0000
#define TYPER      0x0004
#define IIDR       0x0008
#define TYPER2     0x000c
#define IGROUPR    0x0080
#define ISENABLER  0x0100
#define ICENABLER  0x0180
#define ISPENDR    0x0200
#define ICPENDR    0x0280
#define ISACTIVER  0x0300
#define ICACTIVER  0x0380
#define IPRIORITYR 0x0400
#define ITARGETSR  0x0800
#define ICFGR      0x0c00
#define IGRPMODR   0x0d00
#define NSACR      0x0e00
#define IROUTER(n) (0x6000 + 8 * (n))
#define PIDR2      0xffe8

/* GICR offsets within one vCPU's frames */
#define RD_CTLR    0x0000
#define RD_TYPER   0x0008
#define RD_WAKER   0x0014
#define RD_PROPBASER 0x0070
#define SGI_BASE   0x10000

struct fx {
	struct vgic_vm vm;
	struct vgic_cpu cpu[NR_VCPUS];
	unsigned kicks[VGIC_MAX_VCPUS];
};

static void count_kick(void *opaque, unsigned vcpu_id)
{
	struct fx *f = opaque;

	f->kicks[vcpu_id]++;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	vgic_vm_init(&f->vm, NR_VCPUS, count_kick, f);
	for (unsigned i = 0; i < NR_VCPUS; i++)
		assert_true(vgic_cpu_init(&f->vm, &f->cpu[i], i));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static uint64_t rd(struct fx *f, uint64_t off, unsigned size)
{
	uint64_t v = 0x5a5a5a5a5a5a5a5aull;

	assert_true(vgic_dist_mmio(&f->vm, 0, off, size, false, &v));
	return v;
}

static void wr(struct fx *f, uint64_t off, unsigned size, uint64_t v)
{
	assert_true(vgic_dist_mmio(&f->vm, 0, off, size, true, &v));
}

static uint64_t rrd(struct fx *f, unsigned vcpu, uint64_t off, unsigned size)
{
	uint64_t v = 0x5a5a5a5a5a5a5a5aull;

	assert_true(vgic_redist_mmio(&f->vm, vcpu * VGIC_REDIST_STRIDE + off, size, false, &v));
	return v;
}

static void rwr(struct fx *f, unsigned vcpu, uint64_t off, unsigned size, uint64_t v)
{
	assert_true(vgic_redist_mmio(&f->vm, vcpu * VGIC_REDIST_STRIDE + off, size, true, &v));
}

static struct vgic_irq peek(struct fx *f, unsigned vcpu, unsigned intid)
{
	struct vgic_irq irq;

	assert_true(vgic_irq_peek(&f->vm, vcpu, intid, &irq));
	return irq;
}

/* ---------------------------------------------------------------- identification */

static void test_ctlr_enables_groups_with_are_and_ds_fixed(void **state)
{
	struct fx *f = *state;

	assert_int_equal(rd(f, CTLR, 4), GICD_CTLR_ARE | GICD_CTLR_DS);
	/* What Linux writes: ARE_NS | EnableGrp1A | EnableGrp1 (DS = 0 names). */
	wr(f, CTLR, 4, (1u << 4) | (1u << 1) | (1u << 0));
	assert_int_equal(rd(f, CTLR, 4),
			 GICD_CTLR_ARE | GICD_CTLR_DS | GICD_CTLR_ENABLE_G0 | GICD_CTLR_ENABLE_G1);
	/* ARE and DS cannot be cleared; RWP never reads 1. */
	wr(f, CTLR, 4, GICD_CTLR_ENABLE_G1);
	assert_int_equal(rd(f, CTLR, 4), GICD_CTLR_ARE | GICD_CTLR_DS | GICD_CTLR_ENABLE_G1);
	assert_int_equal(rd(f, CTLR, 4) & GICD_CTLR_RWP, 0);
}

static void test_typer_describes_spis_idbits_and_lpis(void **state)
{
	struct fx *f = *state;
	uint64_t typer = rd(f, TYPER, 4);

	/* ITLinesNumber: 32 * (N + 1) INTIDs. */
	assert_int_equal(32 * ((typer & 0x1f) + 1), VGIC_NR_IRQS);
	assert_int_equal((typer >> 19) & 0x1f, 13); /* IDbits: 14 bits, LPIs 8192..16383 */
	assert_int_equal(typer & (1u << 17), 1u << 17); /* LPIS */
	assert_int_equal(typer & (1u << 16), 0);     /* MBIS */
	assert_int_equal(typer & (1u << 10), 0);     /* SecurityExtn */
	assert_int_equal(typer & (1u << 8), 0);      /* ESPI */
	assert_int_equal(typer & (1u << 25), 1u << 25); /* No1N */
	assert_int_equal(rd(f, TYPER2, 4), 0);
}

static void test_id_registers(void **state)
{
	struct fx *f = *state;

	assert_int_equal(rd(f, IIDR, 4) & 0xfff, 0x43b);
	assert_int_equal((rd(f, PIDR2, 4) >> 4) & 0xf, 3); /* ArchRev: GICv3 */
	assert_int_equal(rd(f, 0xfff0, 4), 0x0d);          /* CIDR0 */
	assert_int_equal(rd(f, 0xfffc, 4), 0xb1);          /* CIDR3 */
	assert_int_equal(rrd(f, 2, PIDR2, 4), rd(f, PIDR2, 4));
	assert_int_equal(rrd(f, 2, 0x0004, 4), rd(f, IIDR, 4));
}

/* ---------------------------------------------------------------- per-interrupt registers */

static void test_set_and_clear_enable(void **state)
{
	struct fx *f = *state;

	wr(f, ISENABLER + 4, 4, 0x00010001); /* INTIDs 32 and 48 */
	assert_int_equal(rd(f, ISENABLER + 4, 4), 0x00010001);
	assert_int_equal(rd(f, ICENABLER + 4, 4), 0x00010001);
	assert_true(peek(f, 0, 48).enabled);
	/* Zeros have no effect on either register. */
	wr(f, ISENABLER + 4, 4, 0);
	wr(f, ICENABLER + 4, 4, 0x00000001);
	assert_int_equal(rd(f, ISENABLER + 4, 4), 0x00010000);
	assert_false(peek(f, 0, 32).enabled);
	assert_true(peek(f, 0, 48).enabled);
}

static void test_set_and_clear_pending_and_active(void **state)
{
	struct fx *f = *state;

	wr(f, ISPENDR + 8, 4, 1u << 3); /* INTID 67 */
	assert_int_equal(rd(f, ISPENDR + 8, 4), 1u << 3);
	assert_int_equal(rd(f, ICPENDR + 8, 4), 1u << 3);
	wr(f, ICPENDR + 8, 4, 1u << 3);
	assert_int_equal(rd(f, ISPENDR + 8, 4), 0);

	wr(f, CTLR, 4, GICD_CTLR_ENABLE_G1);
	wr(f, ISACTIVER + 8, 4, 1u << 5); /* INTID 69 */
	assert_int_equal(rd(f, ICACTIVER + 8, 4), 1u << 5);
	assert_int_equal(f->kicks[0], 0); /* active, not pending: nothing to deliver */
	assert_true(peek(f, 0, 69).active);
	assert_int_equal(peek(f, 0, 69).ap_vcpu, 0); /* active needs an LR */
	wr(f, ICACTIVER + 8, 4, 1u << 5);
	assert_int_equal(rd(f, ISACTIVER + 8, 4), 0);
	assert_int_equal(peek(f, 0, 69).ap_vcpu, VGIC_NO_VCPU);
}

static void test_clear_pending_leaves_level_line_pending(void **state)
{
	struct fx *f = *state;

	vgic_inject(&f->vm, 0, 40, true); /* level (reset), line high */
	wr(f, ICPENDR + 4, 4, 1u << 8);
	assert_int_equal(rd(f, ISPENDR + 4, 4), 1u << 8);
	vgic_inject(&f->vm, 0, 40, false);
	assert_int_equal(rd(f, ISPENDR + 4, 4), 0);
}

/* What the timer's load asks: pending, active or a high line, and nothing else. */
static void test_owned_means_pending_active_or_line_high(void **state)
{
	struct fx *f = *state;
	const struct vgic_irq *irq = vgic_get_irq(&f->vm, 0, 67);

	assert_non_null(irq);
	assert_false(vgic_irq_owned(irq));
	wr(f, ISPENDR + 8, 4, 1u << 3); /* INTID 67: pending */
	assert_true(vgic_irq_owned(irq));
	wr(f, ICPENDR + 8, 4, 1u << 3);
	assert_false(vgic_irq_owned(irq));
	wr(f, ISACTIVER + 8, 4, 1u << 3); /* active */
	assert_true(vgic_irq_owned(irq));
	wr(f, ICACTIVER + 8, 4, 1u << 3);
	assert_false(vgic_irq_owned(irq));
	vgic_inject(&f->vm, 0, 67, true); /* level, line high */
	assert_true(vgic_irq_owned(irq));
	vgic_inject(&f->vm, 0, 67, false);
	assert_false(vgic_irq_owned(irq));
}

static void test_group_register_reads_back(void **state)
{
	struct fx *f = *state;

	assert_int_equal(rd(f, IGROUPR + 4, 4), 0xffffffff); /* reset: Group 1 */
	wr(f, IGROUPR + 4, 4, 0xffff0000);
	assert_int_equal(rd(f, IGROUPR + 4, 4), 0xffff0000);
	assert_false(peek(f, 0, 32).group1);
	assert_true(peek(f, 0, 63).group1);
}

static void test_priority_byte_and_word_access(void **state)
{
	struct fx *f = *state;

	wr(f, IPRIORITYR + 41, 1, 0xa0);
	assert_int_equal(peek(f, 0, 41).priority, 0xa0);
	assert_int_equal(rd(f, IPRIORITYR + 40, 4), 0x0000a000);
	wr(f, IPRIORITYR + 44, 4, 0x80604020);
	assert_int_equal(rd(f, IPRIORITYR + 44, 1), 0x20);
	assert_int_equal(rd(f, IPRIORITYR + 47, 1), 0x80);
	assert_int_equal(peek(f, 0, 46).priority, 0x60);
	/* Only 5 priority bits: the low three are RAZ/WI. */
	wr(f, IPRIORITYR + 50, 1, 0xff);
	assert_int_equal(rd(f, IPRIORITYR + 50, 1), 0xf8);
	/* Halfword access is not allowed: RAZ/WI, counted. */
	wr(f, IPRIORITYR + 52, 2, 0xffff);
	assert_int_equal(peek(f, 0, 52).priority, 0);
	assert_int_equal(f->vm.dist_stats.bad_size_writes, 1);
}

static void test_icfgr_configures_edge_and_level(void **state)
{
	struct fx *f = *state;

	assert_int_equal(rd(f, ICFGR + 8, 4), 0); /* SPIs reset level */
	/* INTID 33 edge (bit 3), INTID 47 edge (bit 31); reserved even bits ignored. */
	wr(f, ICFGR + 8, 4, (1u << 3) | (1u << 31) | 0x55555555);
	assert_int_equal(rd(f, ICFGR + 8, 4), (1u << 3) | (1u << 31));
	assert_true(peek(f, 0, 33).edge);
	assert_true(peek(f, 0, 47).edge);
	assert_false(peek(f, 0, 34).edge);
}

static void test_banked_registers_are_raz_wi_in_the_distributor(void **state)
{
	struct fx *f = *state;

	/* With ARE, GICD_*R0 and IPRIORITYR0-7 belong to the redistributors. */
	wr(f, ISENABLER, 4, 0xffffffff);
	wr(f, IPRIORITYR + 4, 4, 0x80808080);
	assert_int_equal(rd(f, ISENABLER, 4), 0);
	assert_false(peek(f, 0, 0).enabled);
	assert_int_equal(peek(f, 0, 4).priority, 0);
	/* Defined registers: not counted as unknown. */
	assert_int_equal(f->vm.dist_stats.unknown_writes, 0);
}

static void test_modifier_nsacr_and_targets_are_raz_wi(void **state)
{
	struct fx *f = *state;

	wr(f, IGRPMODR + 4, 4, 0xffffffff);
	wr(f, NSACR + 8, 4, 0xffffffff);
	wr(f, ITARGETSR + 40, 1, 0xff);
	assert_int_equal(rd(f, IGRPMODR + 4, 4), 0);
	assert_int_equal(rd(f, NSACR + 8, 4), 0);
	assert_int_equal(rd(f, ITARGETSR + 40, 1), 0);
	assert_int_equal(f->vm.dist_stats.unknown_writes + f->vm.dist_stats.unknown_reads, 0);
}

static void test_interrupts_beyond_the_implemented_range_are_raz_wi(void **state)
{
	struct fx *f = *state;

	wr(f, ISENABLER + VGIC_NR_IRQS / 8, 4, 0xffffffff);
	assert_int_equal(rd(f, ISENABLER + VGIC_NR_IRQS / 8, 4), 0);
	wr(f, IROUTER(VGIC_NR_IRQS), 8, 1);
	assert_int_equal(rd(f, IROUTER(VGIC_NR_IRQS), 8), 0);
}

/* ---------------------------------------------------------------- routing */

static void test_irouter_routes_spi_to_the_named_vcpu(void **state)
{
	struct fx *f = *state;
	struct vgic_irq irq;

	wr(f, CTLR, 4, GICD_CTLR_ENABLE_G1);
	wr(f, ISENABLER + 4, 4, 1u << 13); /* INTID 45 */
	wr(f, IROUTER(45), 8, 2);          /* Aff0 = 2 */
	assert_int_equal(rd(f, IROUTER(45), 8), 2);
	vgic_inject(&f->vm, 0, 45, true);

	irq = peek(f, 0, 45);
	assert_int_equal(irq.target, 2);
	assert_int_equal(irq.ap_vcpu, 2);
	assert_int_equal(f->kicks[2], 1);
	assert_int_equal(f->kicks[0] + f->kicks[1] + f->kicks[3], 0);
	assert_int_equal(f->cpu[2].ap_count, 1);
	assert_int_equal(f->cpu[0].ap_count, 0);

	/* Re-routed while pending and not in an LR: moves at once. */
	wr(f, IROUTER(45), 8, 3);
	assert_int_equal(peek(f, 0, 45).ap_vcpu, 3);
	assert_int_equal(f->cpu[2].ap_count, 0);
	assert_int_equal(f->kicks[3], 1);
}

static void test_irouter_halves_and_unmatched_affinity(void **state)
{
	struct fx *f = *state;

	wr(f, CTLR, 4, GICD_CTLR_ENABLE_G1);
	wr(f, ISENABLER + 4, 4, 1u << 14); /* INTID 46 */
	/* Aff3 = 1 in the upper half: no vCPU has it, delivered nowhere. */
	wr(f, IROUTER(46) + 4, 4, 0x01);
	assert_int_equal(rd(f, IROUTER(46), 8), 0x0000000100000000ull);
	assert_int_equal(rd(f, IROUTER(46) + 4, 4), 0x01);
	vgic_inject(&f->vm, 0, 46, true);
	assert_int_equal(peek(f, 0, 46).target, VGIC_NO_VCPU);
	for (unsigned i = 0; i < NR_VCPUS; i++)
		assert_int_equal(f->cpu[i].ap_count, 0);

	/* IRM (bit 31) is RAZ/WI; the lower half names vCPU 1, upper cleared. */
	wr(f, IROUTER(46) + 4, 4, 0);
	wr(f, IROUTER(46), 4, 0x80000001);
	assert_int_equal(rd(f, IROUTER(46), 8), 1);
	assert_int_equal(peek(f, 0, 46).ap_vcpu, 1);
	assert_int_equal(f->kicks[1], 1);
}

static void test_group_disabled_in_distributor_holds_interrupts_back(void **state)
{
	struct fx *f = *state;

	wr(f, ISENABLER + 4, 4, 1u << 8); /* INTID 40, Group 1 */
	vgic_inject(&f->vm, 0, 40, true);
	assert_int_equal(f->cpu[0].ap_count, 0);
	assert_int_equal(f->kicks[0], 0);
	wr(f, CTLR, 4, GICD_CTLR_ENABLE_G1);
	assert_int_equal(f->cpu[0].ap_count, 1);
	assert_int_equal(f->kicks[0], 1);
	wr(f, CTLR, 4, GICD_CTLR_ENABLE_G1); /* no change, no kick */
	assert_int_equal(f->kicks[0], 1);
	wr(f, CTLR, 4, GICD_CTLR_ENABLE_G0); /* Group 1 off again */
	assert_int_equal(f->cpu[0].ap_count, 0);
}

/* ---------------------------------------------------------------- reserved offsets and widths */

static void test_unknown_offsets_read_zero_ignore_writes_and_are_counted(void **state)
{
	struct fx *f = *state;
	struct vgic_vm before;

	wr(f, CTLR, 4, GICD_CTLR_ENABLE_G1);
	memcpy(&before, &f->vm, sizeof(before));
	assert_int_equal(rd(f, 0x0020, 4), 0);  /* reserved */
	assert_int_equal(rd(f, 0x0040, 4), 0);  /* SETSPI_NSR: no MBIS */
	assert_int_equal(rd(f, 0x6000, 8), 0);  /* IROUTER0..31: reserved */
	assert_int_equal(rd(f, 0x7ffc, 4), 0);
	wr(f, 0x0020, 4, 0xffffffff);
	wr(f, 0x1000, 4, 0xffffffff);           /* IGROUPR<n>E: no extended SPIs */
	assert_int_equal(f->vm.dist_stats.unknown_reads, 4);
	assert_int_equal(f->vm.dist_stats.unknown_writes, 2);
	/* Nothing else changed. */
	before.dist_stats = f->vm.dist_stats;
	assert_memory_equal(&before, &f->vm, sizeof(before));
}

static void test_bad_widths_are_raz_wi_and_counted(void **state)
{
	struct fx *f = *state;

	assert_int_equal(rd(f, TYPER, 1), 0);           /* byte access to a word register */
	assert_int_equal(rd(f, ISENABLER + 4, 8), 0);   /* 64-bit to a word register */
	wr(f, ISENABLER + 4, 2, 0xffff);
	wr(f, CTLR + 1, 1, 0xff);
	wr(f, IROUTER(40) + 2, 4, 1);                   /* misaligned */
	assert_int_equal(rd(f, ISENABLER + 4, 4), 0);
	assert_int_equal(rd(f, CTLR, 4) & 3, 0);
	assert_int_equal(f->vm.dist_stats.bad_size_reads, 2);
	assert_int_equal(f->vm.dist_stats.bad_size_writes, 3);
	assert_int_equal(f->vm.dist_stats.unknown_reads, 0);
}

static void test_outside_the_frame_is_not_handled(void **state)
{
	struct fx *f = *state;
	uint64_t v = 0;

	assert_false(vgic_dist_mmio(&f->vm, 0, VGIC_DIST_SIZE, 4, false, &v));
	assert_false(vgic_redist_mmio(&f->vm, NR_VCPUS * VGIC_REDIST_STRIDE, 4, false, &v));
}

/* ---------------------------------------------------------------- redistributors */

static void test_redistributor_typer_names_each_vcpu_and_marks_the_last(void **state)
{
	struct fx *f = *state;

	for (unsigned i = 0; i < NR_VCPUS; i++) {
		uint64_t typer = rrd(f, i, RD_TYPER, 8);

		assert_int_equal(typer >> 32, i);          /* Affinity_Value = MPIDR Aff0 */
		assert_int_equal((typer >> 8) & 0xffff, i); /* Processor_Number */
		assert_int_equal(typer & GICR_TYPER_LAST, i == NR_VCPUS - 1 ? GICR_TYPER_LAST : 0);
		assert_int_equal(typer & 1, 1);              /* PLPIS */
		/* 32-bit halves. */
		assert_int_equal(rrd(f, i, RD_TYPER, 4), typer & 0xffffffff);
		assert_int_equal(rrd(f, i, RD_TYPER + 4, 4), typer >> 32);
	}
}

static void test_waker_handshake(void **state)
{
	struct fx *f = *state;

	assert_int_equal(rrd(f, 1, RD_WAKER, 4),
			 GICR_WAKER_PROCESSOR_SLEEP | GICR_WAKER_CHILDREN_ASLEEP);
	rwr(f, 1, RD_WAKER, 4, 0);
	assert_int_equal(rrd(f, 1, RD_WAKER, 4) & GICR_WAKER_CHILDREN_ASLEEP, 0);
	assert_int_equal(rrd(f, 1, RD_WAKER, 4), 0);
	/* Only vCPU 1's redistributor woke up. */
	assert_int_equal(rrd(f, 0, RD_WAKER, 4) & GICR_WAKER_CHILDREN_ASLEEP,
			 GICR_WAKER_CHILDREN_ASLEEP);
	rwr(f, 1, RD_WAKER, 4, GICR_WAKER_PROCESSOR_SLEEP);
	assert_int_equal(rrd(f, 1, RD_WAKER, 4),
			 GICR_WAKER_PROCESSOR_SLEEP | GICR_WAKER_CHILDREN_ASLEEP);
}

static void test_lpi_ctlr_and_propbaser_read_back_and_lock_when_enabled(void **state)
{
	struct fx *f = *state;

	rwr(f, 0, RD_PROPBASER, 8, 0x4000100d);     /* PA 0x40001000, IDbits 13 */
	rwr(f, 0, RD_PROPBASER + 0x8, 8, 0x4000000000510000ull); /* PENDBASER, PTZ */
	assert_int_equal(rrd(f, 0, RD_PROPBASER, 8), 0x4000100d);
	assert_int_equal(rrd(f, 0, RD_PROPBASER + 0x8, 8), 0x510000); /* PTZ reads as 0 */
	assert_int_equal(rrd(f, 1, RD_PROPBASER, 8), 0);  /* banked per redistributor */
	rwr(f, 0, RD_CTLR, 4, 1); /* EnableLPIs */
	assert_int_equal(rrd(f, 0, RD_CTLR, 4), 1);
	rwr(f, 0, RD_PROPBASER, 4, 0x50000000);      /* ignored while enabled */
	assert_int_equal(rrd(f, 0, RD_PROPBASER, 8), 0x4000100d);
	assert_int_equal(f->vm.redist_stats.unknown_writes, 0);
	assert_int_equal(rrd(f, 0, 0x0100, 4), 0); /* reserved in RD_base */
	assert_int_equal(f->vm.redist_stats.unknown_reads, 1);
}

static void test_sgi_frame_registers_bank_per_vcpu(void **state)
{
	struct fx *f = *state;

	rwr(f, 2, SGI_BASE + 0x0100, 4, 0x08000001); /* ISENABLER0: SGI 0, PPI 27 */
	rwr(f, 2, SGI_BASE + 0x0400 + 27, 1, 0xa0);   /* IPRIORITYR6, byte 3 */
	assert_int_equal(rrd(f, 2, SGI_BASE + 0x0100, 4), 0x08000001);
	assert_int_equal(rrd(f, 2, SGI_BASE + 0x0418, 4), 0xa0000000);
	assert_int_equal(rrd(f, 1, SGI_BASE + 0x0100, 4), 0);
	assert_true(peek(f, 2, 27).enabled);
	assert_false(peek(f, 1, 27).enabled);
	assert_int_equal(peek(f, 2, 27).priority, 0xa0);

	rwr(f, 2, SGI_BASE + 0x0180, 4, 0x00000001); /* ICENABLER0 */
	assert_int_equal(rrd(f, 2, SGI_BASE + 0x0100, 4), 0x08000000);

	rwr(f, 2, SGI_BASE + 0x0080, 4, 0xfffffffe); /* IGROUPR0: SGI 0 in Group 0 */
	assert_false(peek(f, 2, 0).group1);
	assert_true(peek(f, 3, 0).group1);

	rwr(f, 2, SGI_BASE + 0x0200, 4, 1u << 20);  /* ISPENDR0: PPI 20 */
	assert_int_equal(rrd(f, 2, SGI_BASE + 0x0280, 4), 1u << 20);
	rwr(f, 2, SGI_BASE + 0x0300, 4, 1u << 21);  /* ISACTIVER0 */
	assert_int_equal(rrd(f, 2, SGI_BASE + 0x0380, 4), 1u << 21);
	assert_int_equal(rrd(f, 3, SGI_BASE + 0x0380, 4), 0);
}

static void test_sgi_config_is_read_only_edge_ppi_config_writable(void **state)
{
	struct fx *f = *state;

	assert_int_equal(rrd(f, 0, SGI_BASE + 0x0c00, 4), 0xaaaaaaaa); /* ICFGR0 */
	rwr(f, 0, SGI_BASE + 0x0c00, 4, 0);
	assert_int_equal(rrd(f, 0, SGI_BASE + 0x0c00, 4), 0xaaaaaaaa);
	assert_int_equal(rrd(f, 0, SGI_BASE + 0x0c04, 4), 0);          /* ICFGR1: PPIs level */
	rwr(f, 0, SGI_BASE + 0x0c04, 4, 2u << (2 * (23 - 16)));
	assert_true(peek(f, 0, 23).edge);
	assert_false(peek(f, 0, 22).edge);
}

static void test_spi_routed_to_a_vcpu_before_it_exists_reaches_it_once_attached(void **state)
{
	struct fx *f = *state;
	struct vgic_vm vm;
	struct vgic_cpu c0, c1;
	uint64_t v;

	(void)f;
	vgic_vm_init(&vm, 2, NULL, NULL);
	v = GICD_CTLR_ENABLE_G1;
	assert_true(vgic_dist_mmio(&vm, 0, CTLR, 4, true, &v));
	v = 1u << 9;
	assert_true(vgic_dist_mmio(&vm, 0, ISENABLER + 4, 4, true, &v));
	vgic_inject(&vm, 0, 41, true); /* reset routing: vCPU 0, not attached yet */
	assert_true(vgic_cpu_init(&vm, &c0, 0));
	assert_int_equal(c0.ap_count, 1);
	assert_int_equal(c0.ap_list[0], 41);
	v = GICD_CTLR_ENABLE_G1;
	assert_true(vgic_dist_mmio(&vm, 0, CTLR, 4, true, &v));
	v = 1u << 8;
	assert_true(vgic_dist_mmio(&vm, 0, ISENABLER + 4, 4, true, &v));
	v = 1;
	assert_true(vgic_dist_mmio(&vm, 0, IROUTER(40), 8, true, &v));
	vgic_inject(&vm, 0, 40, true);
	assert_int_equal(c0.ap_count, 1);

	assert_true(vgic_cpu_init(&vm, &c1, 1));
	assert_int_equal(c1.ap_count, 1);
	assert_int_equal(c1.ap_list[0], 40);
	assert_false(vgic_cpu_init(&vm, &c1, 2));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ctlr_enables_groups_with_are_and_ds_fixed),
		T(test_typer_describes_spis_idbits_and_lpis),
		T(test_id_registers),
		T(test_set_and_clear_enable),
		T(test_owned_means_pending_active_or_line_high),
		T(test_set_and_clear_pending_and_active),
		T(test_clear_pending_leaves_level_line_pending),
		T(test_group_register_reads_back),
		T(test_priority_byte_and_word_access),
		T(test_icfgr_configures_edge_and_level),
		T(test_banked_registers_are_raz_wi_in_the_distributor),
		T(test_modifier_nsacr_and_targets_are_raz_wi),
		T(test_interrupts_beyond_the_implemented_range_are_raz_wi),
		T(test_irouter_routes_spi_to_the_named_vcpu),
		T(test_irouter_halves_and_unmatched_affinity),
		T(test_group_disabled_in_distributor_holds_interrupts_back),
		T(test_unknown_offsets_read_zero_ignore_writes_and_are_counted),
		T(test_bad_widths_are_raz_wi_and_counted),
		T(test_outside_the_frame_is_not_handled),
		T(test_redistributor_typer_names_each_vcpu_and_marks_the_last),
		T(test_waker_handshake),
		T(test_lpi_ctlr_and_propbaser_read_back_and_lock_when_enabled),
		T(test_sgi_frame_registers_bank_per_vcpu),
		T(test_sgi_config_is_read_only_edge_ppi_config_writable),
		T(test_spi_routed_to_a_vcpu_before_it_exists_reaches_it_once_attached),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
