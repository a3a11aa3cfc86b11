/*
 * hyp/vgic/vits.c and vgic_lpi.c: the ITS as a guest driver programs it,
 * command by command, with its tables in a buffer standing for guest
 * memory; LPI delivery through the redistributors down to the list
 * registers; command errors (ignored, counted, traced) and tables outside
 * guest memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hyp/vgic/vgic.h"
#include "tests/vgic_model.h"
#include "hyp/vgic/vits.h"

#define NR_VCPUS 2u
#define RAM_IPA  0x40000000ull
#define RAM_SIZE 0x80000ull

/* Guest memory layout */
#define CMDQ     (RAM_IPA + 0x00000) /* 4 KiB: 128 commands */
#define DEVTAB   (RAM_IPA + 0x10000) /* 4 KiB: 512 devices */
#define COLLTAB  (RAM_IPA + 0x20000) /* 4 KiB: 512 collections */
#define ITT0     (RAM_IPA + 0x30000)
#define PROPTAB  (RAM_IPA + 0x40000) /* 8 KiB: LPIs 8192..16383 */
#define PENDTAB(n) (RAM_IPA + 0x50000 + 0x10000 * (n))

#define LPI(n) (VGIC_LPI_BASE + (n))
#define RD_CTLR      0x0000
#define RD_PROPBASER 0x0070
#define RD_PENDBASER 0x0078

struct fx {
	struct vgic_vm vm;
	struct vgic_cpu cpu[NR_VCPUS];
	struct vits its;
	uint8_t *ram;
	uint64_t cwriter;
	struct vits_event last;
	unsigned nr_events;
	unsigned kicks[VGIC_MAX_VCPUS];
};

static void count_kick(void *opaque, unsigned vcpu_id)
{
	struct fx *f = opaque;

	f->kicks[vcpu_id]++;
}

static void record_event(void *opaque, unsigned vcpu_id, const struct vits_event *e)
{
	struct fx *f = opaque;

	(void)vcpu_id;
	f->last = *e;
	f->nr_events++;
}

static uint64_t its_rd(struct fx *f, uint64_t off, unsigned size)
{
	uint64_t v = 0x5a5a5a5a5a5a5a5aull;

	assert_true(vits_mmio(&f->its, 0, off, size, false, &v));
	return v;
}

static void its_wr(struct fx *f, uint64_t off, unsigned size, uint64_t v)
{
	assert_true(vits_mmio(&f->its, 0, off, size, true, &v));
}

static void rd_wr(struct fx *f, unsigned vcpu, uint64_t off, uint64_t v)
{
	unsigned size = off == RD_CTLR ? 4 : 8;

	assert_true(vgic_redist_mmio(&f->vm, vcpu * VGIC_REDIST_STRIDE + off, size, true, &v));
}

static uint8_t *gmem(struct fx *f, uint64_t ipa)
{
	return f->ram + (ipa - RAM_IPA);
}

static void set_prop(struct fx *f, unsigned lpi, uint8_t prio, bool enable)
{
	*gmem(f, PROPTAB + lpi - VGIC_LPI_BASE) = (uint8_t)(prio | (enable ? 1 : 0));
}

/* Queue one command (four little-endian words) and move CWRITER past it. */
static void cmd(struct fx *f, uint64_t dw0, uint64_t dw1, uint64_t dw2, uint64_t dw3)
{
	uint64_t dw[4] = {dw0, dw1, dw2, dw3};
	uint8_t *p = gmem(f, CMDQ + f->cwriter);

	for (unsigned i = 0; i < 32; i++)
		p[i] = (uint8_t)(dw[i / 8] >> (8 * (i % 8)));
	f->cwriter = (f->cwriter + 32) % 0x1000;
	its_wr(f, GITS_CWRITER, 8, f->cwriter);
}

static void mapd(struct fx *f, uint32_t dev, uint64_t itt, unsigned size_bits, bool valid)
{
	cmd(f, VITS_CMD_MAPD | (uint64_t)dev << 32, size_bits - 1,
	    (valid ? 1ull << 63 : 0) | itt, 0);
}

static void mapc(struct fx *f, uint16_t icid, unsigned vcpu, bool valid)
{
	cmd(f, VITS_CMD_MAPC, 0, (valid ? 1ull << 63 : 0) | (uint64_t)vcpu << 16 | icid, 0);
}

static void mapti(struct fx *f, uint32_t dev, uint32_t ev, uint32_t intid, uint16_t icid)
{
	cmd(f, VITS_CMD_MAPTI | (uint64_t)dev << 32, ev | (uint64_t)intid << 32, icid, 0);
}

static void devcmd(struct fx *f, unsigned num, uint32_t dev, uint32_t ev)
{
	cmd(f, num | (uint64_t)dev << 32, ev, 0, 0);
}

static struct vgic_irq peek(struct fx *f, unsigned intid)
{
	struct vgic_irq irq;

	assert_true(vgic_irq_peek(&f->vm, 0, intid, &irq));
	return irq;
}

static bool on_ap_list(struct fx *f, unsigned vcpu, unsigned intid)
{
	for (unsigned i = 0; i < f->cpu[vcpu].ap_count; i++)
		if (f->cpu[vcpu].ap_list[i] == intid)
			return true;
	return false;
}

/* The ITS and both redistributors set up as Linux does, nothing mapped. */
static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ram = calloc(1, RAM_SIZE);
	assert_non_null(f->ram);
	vgic_vm_init(&f->vm, NR_VCPUS, count_kick, f);
	for (unsigned i = 0; i < NR_VCPUS; i++)
		assert_true(vgic_cpu_init(&f->vm, &f->cpu[i], i));
	vgic_set_guest_mem(&f->vm, f->ram, RAM_IPA, RAM_SIZE);
	vits_init(&f->its, &f->vm, record_event, f);
	f->vm.ctlr = GICD_CTLR_ENABLE_G1;

	for (unsigned i = 0; i < NR_VCPUS; i++) {
		rd_wr(f, i, RD_PROPBASER, PROPTAB | (VGIC_ID_BITS - 1));
		rd_wr(f, i, RD_PENDBASER, PENDTAB(i));
		rd_wr(f, i, RD_CTLR, GICR_CTLR_ENABLE_LPIS);
	}
	its_wr(f, GITS_BASER + 0, 8, GITS_BASER_VALID | DEVTAB);  /* 4 KiB pages, 1 page */
	its_wr(f, GITS_BASER + 8, 8, GITS_BASER_VALID | COLLTAB);
	its_wr(f, GITS_CBASER, 8, GITS_CBASER_VALID | CMDQ);
	its_wr(f, GITS_CWRITER, 8, 0);
	its_wr(f, GITS_CTLR, 4, GITS_CTLR_ENABLED);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	free(f->ram);
	free(f);
	return 0;
}

/* Device 0 with 256 events, collections 0 -> vCPU 0 and 1 -> vCPU 1, event 5 -> LPI 8200 on collection 0. */
static void map_basic(struct fx *f)
{
	set_prop(f, LPI(8), 0xa0, true);
	mapd(f, 0, ITT0, 8, true);
	mapc(f, 0, 0, true);
	mapc(f, 1, 1, true);
	mapti(f, 0, 5, LPI(8), 0);
	assert_int_equal(f->last.result, VITS_OK);
}

/* ---------------------------------------------------------------- registers */

static void test_registers_describe_the_its(void **state)
{
	struct fx *f = *state;
	uint64_t typer = its_rd(f, GITS_TYPER, 8);

	assert_int_equal(typer & 1, 1);                          /* Physical */
	assert_int_equal((typer >> 4) & 0xf, VITS_ENTRY_SIZE - 1);  /* ITT_entry_size */
	assert_int_equal((typer >> 8) & 0x1f, VITS_EVENT_BITS - 1); /* IDbits */
	assert_int_equal((typer >> 13) & 0x1f, VITS_DEV_BITS - 1);  /* Devbits */
	assert_int_equal(typer & (1ull << 19), 0);               /* PTA: processor numbers */
	assert_int_equal(its_rd(f, GITS_TYPER + 4, 4), typer >> 32);
	assert_int_equal(its_rd(f, GITS_PIDR2, 4) & 0xf0, 0x30);   /* ArchRev: GICv3 */
	assert_int_equal(its_rd(f, GITS_IIDR, 4), vgic_iidr());
	/* BASER0 devices, BASER1 collections, 8-byte entries; the rest RAZ/WI. */
	assert_int_equal((its_rd(f, GITS_BASER, 8) >> 56) & 7, GITS_BASER_TYPE_DEVICE);
	assert_int_equal((its_rd(f, GITS_BASER + 8, 8) >> 56) & 7, GITS_BASER_TYPE_COLLECTION);
	assert_int_equal((its_rd(f, GITS_BASER, 8) >> 48) & 0x1f, 7);
	its_wr(f, GITS_BASER + 16, 8, ~0ull);
	assert_int_equal(its_rd(f, GITS_BASER + 16, 8), 0);
	assert_true(vits_mmio(&f->its, 0, VITS_FRAME_SIZE - 4, 4, false, &(uint64_t){0}));
	assert_false(vits_mmio(&f->its, 0, VITS_FRAME_SIZE, 4, false, &(uint64_t){0}));
}

static void test_baser_indirect_is_raz_wi_and_writes_ignored_while_enabled(void **state)
{
	struct fx *f = *state;
	uint64_t before = its_rd(f, GITS_BASER, 8);

	its_wr(f, GITS_BASER, 8, GITS_BASER_VALID | GITS_BASER_INDIRECT | (RAM_IPA + 0x70000));
	assert_int_equal(its_rd(f, GITS_BASER, 8), before); /* enabled: ignored */
	its_wr(f, GITS_CTLR, 4, 0);
	its_wr(f, GITS_BASER, 8, GITS_BASER_VALID | GITS_BASER_INDIRECT | (RAM_IPA + 0x70000) | 2 << 8);
	assert_int_equal(its_rd(f, GITS_BASER, 8) & GITS_BASER_INDIRECT, 0);
	assert_int_equal(its_rd(f, GITS_BASER, 8) & GITS_BASER_PA_MASK, RAM_IPA + 0x70000);
	assert_int_equal((its_rd(f, GITS_BASER, 8) >> 8) & 3, 2); /* 64 KiB pages */
	assert_int_equal((its_rd(f, GITS_BASER, 8) >> 56) & 7, GITS_BASER_TYPE_DEVICE); /* RO */
}

static void test_cbaser_write_resets_creadr_and_queue_runs_on_enable(void **state)
{
	struct fx *f = *state;

	its_wr(f, GITS_CTLR, 4, 0);
	assert_int_equal(its_rd(f, GITS_CTLR, 4), GITS_CTLR_QUIESCENT);
	mapc(f, 0, 0, true); /* queued while disabled: not run */
	assert_int_equal(f->nr_events, 0);
	assert_int_equal(its_rd(f, GITS_CREADR, 8), 0);
	its_wr(f, GITS_CTLR, 4, GITS_CTLR_ENABLED);
	assert_int_equal(f->nr_events, 1);
	assert_int_equal(its_rd(f, GITS_CREADR, 8), 32);
	assert_int_equal(its_rd(f, GITS_CTLR, 4), GITS_CTLR_ENABLED | GITS_CTLR_QUIESCENT);
	its_wr(f, GITS_CTLR, 4, 0);
	its_wr(f, GITS_CBASER, 8, GITS_CBASER_VALID | CMDQ);
	assert_int_equal(its_rd(f, GITS_CREADR, 8), 0);
}

/* ---------------------------------------------------------------- commands */

static void test_int_makes_the_lpi_pending_on_the_collection_target(void **state)
{
	struct fx *f = *state;

	map_basic(f);
	assert_int_equal(peek(f, LPI(8)).priority, 0xa0);
	assert_true(peek(f, LPI(8)).enabled);
	assert_false(peek(f, LPI(8)).pending_latch);
	devcmd(f, VITS_CMD_INT, 0, 5);
	assert_int_equal(f->last.result, VITS_OK);
	assert_int_equal(f->last.intid, LPI(8));
	assert_int_equal(f->last.target, 0);
	assert_true(peek(f, LPI(8)).pending_latch);
	assert_true(on_ap_list(f, 0, LPI(8)));
	assert_true(vgic_cpu_has_pending(&f->cpu[0]));
	assert_false(vgic_cpu_has_pending(&f->cpu[1]));
	assert_int_equal(its_rd(f, GITS_CREADR, 8), f->cwriter);
	assert_int_equal(f->its.stats.cmds[VITS_CMD_INT], 1);
}

static void test_msi_through_translater_uses_device_zero(void **state)
{
	struct fx *f = *state;

	map_basic(f);
	its_wr(f, GITS_TRANSLATER, 4, 5);
	assert_int_equal(f->last.cmd, VITS_CMD_MSI);
	assert_int_equal(f->last.device, VITS_CPU_DEVICE_ID);
	assert_int_equal(f->last.result, VITS_OK);
	assert_true(peek(f, LPI(8)).pending_latch);
	assert_int_equal(f->its.stats.msis, 1);
	/* A 16-bit write is an MSI too; reads are zero. */
	assert_int_equal(its_rd(f, GITS_TRANSLATER, 4), 0);
	its_wr(f, GITS_TRANSLATER, 2, 6);
	assert_int_equal(f->last.result, VITS_ERR_UNMAPPED_EVENT);
	/* An unmapped device is an error with no effect. */
	assert_int_equal(vits_translate(&f->its, 0, 7, 5), VITS_ERR_UNMAPPED_DEVICE);
}

static void test_flush_loads_the_lpi_into_a_list_register(void **state)
{
	struct fx *f = *state;
	struct ich_lr lr;

	map_basic(f);
	its_wr(f, GITS_TRANSLATER, 4, 5);
	assert_int_equal(vgic_flush(&f->cpu[0], 4), 1);
	ich_lr_decode(f->cpu[0].hw.lr[0], &lr);
	assert_int_equal(lr.vintid, LPI(8));
	assert_int_equal(lr.state, ICH_LR_STATE_PENDING);
	assert_true(lr.group1);
	assert_int_equal(lr.priority, 0xa0);
	assert_false(lr.eoi); /* edge: nothing to resample */
	/* The guest acknowledges and completes it. */
	f->cpu[0].hw.vmcr = 0xff000000u | 2; /* VPMR 0xff, VENG1 */
	assert_int_equal(vgic_vif_ack(&f->cpu[0].hw), LPI(8));
	assert_true(vgic_vif_eoi(&f->cpu[0].hw, LPI(8)));
	vgic_fold(&f->cpu[0], vgic_vif_elrsr(&f->cpu[0].hw), vgic_vif_eisr(&f->cpu[0].hw));
	assert_false(peek(f, LPI(8)).pending_latch);
	assert_false(peek(f, LPI(8)).active);
	assert_int_equal(f->cpu[0].ap_count, 0);
}

static void test_movi_moves_a_pending_lpi_to_the_new_collection(void **state)
{
	struct fx *f = *state;

	map_basic(f);
	devcmd(f, VITS_CMD_INT, 0, 5);
	cmd(f, VITS_CMD_MOVI | 0ull << 32, 5, 1, 0);
	assert_int_equal(f->last.result, VITS_OK);
	assert_int_equal(f->last.target, 1);
	assert_false(on_ap_list(f, 0, LPI(8)));
	assert_true(on_ap_list(f, 1, LPI(8)));
	/* The mapping names the new collection: the next MSI goes to vCPU 1. */
	devcmd(f, VITS_CMD_CLEAR, 0, 5);
	its_wr(f, GITS_TRANSLATER, 4, 5);
	assert_int_equal(f->last.target, 1);
	assert_int_equal(peek(f, LPI(8)).target, 1);
	/* To a collection that is not mapped: an error, nothing moves. */
	cmd(f, VITS_CMD_MOVI, 5, 7, 0);
	assert_int_equal(f->last.result, VITS_ERR_UNMAPPED_COLLECTION);
	assert_int_equal(peek(f, LPI(8)).target, 1);
}

static void test_clear_and_discard(void **state)
{
	struct fx *f = *state;

	map_basic(f);
	devcmd(f, VITS_CMD_INT, 0, 5);
	devcmd(f, VITS_CMD_CLEAR, 0, 5);
	assert_int_equal(f->last.result, VITS_OK);
	assert_false(peek(f, LPI(8)).pending_latch);
	assert_false(on_ap_list(f, 0, LPI(8)));

	devcmd(f, VITS_CMD_INT, 0, 5);
	devcmd(f, VITS_CMD_DISCARD, 0, 5);
	assert_int_equal(f->last.result, VITS_OK);
	assert_false(peek(f, LPI(8)).pending_latch);
	devcmd(f, VITS_CMD_INT, 0, 5);
	assert_int_equal(f->last.result, VITS_ERR_UNMAPPED_EVENT);
	assert_int_equal(vits_translate(&f->its, 0, 0, 5), VITS_ERR_UNMAPPED_EVENT);
	assert_false(peek(f, LPI(8)).pending_latch);
}

static void test_inv_and_invall_reload_priority_and_enable(void **state)
{
	struct fx *f = *state;

	map_basic(f);
	set_prop(f, LPI(8), 0x40, false);
	devcmd(f, VITS_CMD_INT, 0, 5);
	/* Cached: still enabled at 0xa0 until INV. */
	assert_int_equal(peek(f, LPI(8)).priority, 0xa0);
	assert_true(on_ap_list(f, 0, LPI(8)));
	devcmd(f, VITS_CMD_INV, 0, 5);
	assert_int_equal(peek(f, LPI(8)).priority, 0x40);
	assert_false(peek(f, LPI(8)).enabled);
	assert_true(peek(f, LPI(8)).pending_latch); /* pending, held back */
	assert_false(on_ap_list(f, 0, LPI(8)));
	set_prop(f, LPI(8), 0x60, true);
	cmd(f, VITS_CMD_INVALL, 0, 0, 0); /* collection 0 */
	assert_int_equal(f->last.result, VITS_OK);
	assert_int_equal(peek(f, LPI(8)).priority, 0x60);
	assert_true(on_ap_list(f, 0, LPI(8)));
	cmd(f, VITS_CMD_INVALL, 0, 9, 0); /* collection 9 is not mapped */
	assert_int_equal(f->last.result, VITS_ERR_UNMAPPED_COLLECTION);
}

static void test_mapi_uses_the_event_as_intid_and_movall_retargets(void **state)
{
	struct fx *f = *state;

	map_basic(f);
	set_prop(f, LPI(0), 0x80, true);
	mapd(f, 3, ITT0 + 0x1000, 14, true);
	cmd(f, VITS_CMD_MAPI | 3ull << 32, LPI(0), 0, 0);
	assert_int_equal(f->last.result, VITS_OK);
	assert_int_equal(vits_translate(&f->its, 0, 3, LPI(0)), VITS_OK);
	devcmd(f, VITS_CMD_INT, 0, 5);
	assert_true(on_ap_list(f, 0, LPI(0)) && on_ap_list(f, 0, LPI(8)));
	cmd(f, VITS_CMD_MOVALL, 0, 0ull << 16, 1ull << 16);
	assert_int_equal(f->last.result, VITS_OK);
	assert_true(on_ap_list(f, 1, LPI(0)) && on_ap_list(f, 1, LPI(8)));
	assert_int_equal(f->cpu[0].ap_count, 0);
	cmd(f, VITS_CMD_SYNC, 0, 1ull << 16, 0);
	assert_int_equal(f->last.result, VITS_OK);
	cmd(f, VITS_CMD_SYNC, 0, 2ull << 16, 0); /* no vCPU 2 */
	assert_int_equal(f->last.result, VITS_ERR_TARGET);
}

static void test_lpis_wait_for_enable_lpis(void **state)
{
	struct fx *f = *state;

	map_basic(f);
	/* vCPU 1's redistributor with LPIs off: the LPI waits there. */
	rd_wr(f, 1, RD_CTLR, 0);
	cmd(f, VITS_CMD_MOVI, 5, 1, 0);
	devcmd(f, VITS_CMD_INT, 0, 5);
	assert_true(peek(f, LPI(8)).pending_latch);
	assert_false(on_ap_list(f, 1, LPI(8)));
	rd_wr(f, 1, RD_CTLR, GICR_CTLR_ENABLE_LPIS);
	assert_true(on_ap_list(f, 1, LPI(8)));
}

static void test_pending_table_read_when_lpis_are_enabled(void **state)
{
	struct fx *f = *state;

	set_prop(f, LPI(3), 0x20, true);
	rd_wr(f, 1, RD_CTLR, 0);
	/* LPI 8195 pending in vCPU 1's pending table; INTID n is bit n. */
	gmem(f, PENDTAB(1))[LPI(3) / 8] |= 1u << (LPI(3) % 8);
	rd_wr(f, 1, RD_CTLR, GICR_CTLR_ENABLE_LPIS);
	assert_true(peek(f, LPI(3)).pending_latch);
	assert_true(on_ap_list(f, 1, LPI(3)));
	/* With PTZ the table is taken as zero. */
	gmem(f, PENDTAB(0))[LPI(4) / 8] |= 1u << (LPI(4) % 8);
	rd_wr(f, 0, RD_CTLR, 0);
	rd_wr(f, 0, RD_PENDBASER, PENDTAB(0) | GICR_PENDBASER_PTZ);
	rd_wr(f, 0, RD_CTLR, GICR_CTLR_ENABLE_LPIS);
	assert_false(peek(f, LPI(4)).pending_latch);
}

/* ---------------------------------------------------------------- bad arguments */

static void test_command_errors_are_ignored_and_the_queue_goes_on(void **state)
{
	struct fx *f = *state;
	static const uint8_t zero[64];

	mapd(f, 512, ITT0, 8, true); /* beyond the one-page device table */
	assert_int_equal(f->last.result, VITS_ERR_DEVICE_ID);
	mapd(f, 1u << VITS_DEV_BITS, ITT0, 8, true);
	assert_int_equal(f->last.result, VITS_ERR_DEVICE_ID);
	mapd(f, 0, ITT0, VITS_EVENT_BITS + 1, true);
	assert_int_equal(f->last.result, VITS_ERR_SIZE);
	mapc(f, 0, NR_VCPUS, true);
	assert_int_equal(f->last.result, VITS_ERR_TARGET);
	mapc(f, 600, 0, true);
	assert_int_equal(f->last.result, VITS_ERR_COLLECTION_ID);
	mapti(f, 0, 1, LPI(0), 0);
	assert_int_equal(f->last.result, VITS_ERR_UNMAPPED_DEVICE);
	mapd(f, 0, ITT0, 2, true); /* events 0..3 */
	mapti(f, 0, 4, LPI(0), 0);
	assert_int_equal(f->last.result, VITS_ERR_EVENT_ID);
	mapti(f, 0, 1, 8191, 0);
	assert_int_equal(f->last.result, VITS_ERR_INTID);
	mapti(f, 0, 1, LPI(VGIC_NR_LPIS), 0);
	assert_int_equal(f->last.result, VITS_ERR_INTID);
	mapti(f, 0, 1, LPI(0), 600);
	assert_int_equal(f->last.result, VITS_ERR_COLLECTION_ID);
	mapti(f, 0, 1, LPI(0), 0); /* collection 0 not mapped yet: allowed */
	assert_int_equal(f->last.result, VITS_OK);
	devcmd(f, VITS_CMD_INT, 0, 1);
	assert_int_equal(f->last.result, VITS_ERR_UNMAPPED_COLLECTION);
	assert_false(peek(f, LPI(0)).pending_latch);
	cmd(f, 0x02, 0, 0, 0);
	assert_int_equal(f->last.result, VITS_ERR_UNKNOWN_CMD);
	cmd(f, 0x2a, 0, 0, 0); /* a GICv4 command: not implemented */
	assert_int_equal(f->last.result, VITS_ERR_UNKNOWN_CMD);
	/* Every command was consumed; the ITS never stalls. */
	assert_int_equal(its_rd(f, GITS_CREADR, 8), f->cwriter);
	assert_int_equal(its_rd(f, GITS_CREADR, 8) & GITS_CREADR_STALLED, 0);
	assert_true(its_rd(f, GITS_CTLR, 4) & GITS_CTLR_QUIESCENT);
	assert_int_equal(f->its.stats.errors[VITS_ERR_INTID], 2);
	/* Nothing was written outside the tables. */
	assert_memory_equal(gmem(f, ITT0 + 0x1000), zero, sizeof(zero));
}

static void test_tables_outside_guest_memory_are_faults(void **state)
{
	struct fx *f = *state;

	/* An ITT (256-byte aligned) running past the end of guest memory. */
	mapd(f, 0, RAM_IPA + RAM_SIZE - 256, 8, true);
	assert_int_equal(f->last.result, VITS_OK);
	mapc(f, 0, 0, true);
	mapti(f, 0, 31, LPI(0), 0); /* ITE in the last 8 bytes: fine */
	assert_int_equal(f->last.result, VITS_OK);
	mapti(f, 0, 32, LPI(1), 0);
	assert_int_equal(f->last.result, VITS_ERR_TABLE);
	mapd(f, 1, 0x1000, 8, true); /* below guest RAM */
	mapti(f, 1, 0, LPI(1), 0);
	assert_int_equal(f->last.result, VITS_ERR_TABLE);
	mapd(f, 2, 0xfffffffffff00ull, 16, true); /* top of the 52-bit space */
	mapti(f, 2, 0xffff, LPI(1), 0);
	assert_int_equal(f->last.result, VITS_ERR_TABLE);

	/* A device table outside guest memory. */
	its_wr(f, GITS_CTLR, 4, 0);
	its_wr(f, GITS_BASER, 8, GITS_BASER_VALID | 0x0000fffffffff000ull | 0xff);
	its_wr(f, GITS_CTLR, 4, GITS_CTLR_ENABLED);
	mapd(f, 0, ITT0, 8, true);
	assert_int_equal(f->last.result, VITS_ERR_TABLE);
	assert_int_equal(vits_translate(&f->its, 0, 0, 0), VITS_ERR_TABLE);
	/* No device table at all. */
	its_wr(f, GITS_CTLR, 4, 0);
	its_wr(f, GITS_BASER, 8, 0);
	its_wr(f, GITS_CTLR, 4, GITS_CTLR_ENABLED);
	mapd(f, 0, ITT0, 8, true);
	assert_int_equal(f->last.result, VITS_ERR_TABLE);

	/* A command queue outside guest memory: each slot is a fault, consumed. */
	its_wr(f, GITS_CTLR, 4, 0);
	its_wr(f, GITS_CBASER, 8, GITS_CBASER_VALID | 0x1000);
	its_wr(f, GITS_CTLR, 4, GITS_CTLR_ENABLED);
	its_wr(f, GITS_CWRITER, 8, 64);
	assert_int_equal(f->last.result, VITS_ERR_TABLE);
	assert_int_equal(its_rd(f, GITS_CREADR, 8), 64);

	/* LPI configuration table outside guest memory: the LPI reads as disabled. */
	rd_wr(f, 0, RD_CTLR, 0);
	rd_wr(f, 0, RD_PROPBASER, 0x2000 | (VGIC_ID_BITS - 1));
	rd_wr(f, 0, RD_CTLR, GICR_CTLR_ENABLE_LPIS);
	assert_true(vgic_lpi_reload(&f->vm, LPI(0), 0));
	assert_false(peek(f, LPI(0)).enabled);
	assert_true(f->vm.lpi_stats.config_faults > 0);
}

static void test_cwriter_outside_the_queue_is_ignored(void **state)
{
	struct fx *f = *state;

	its_wr(f, GITS_CWRITER, 8, 0x1000); /* the queue is one 4 KiB page */
	assert_int_equal(its_rd(f, GITS_CWRITER, 8), 0);
	assert_int_equal(f->its.stats.bad_cwriter, 1);
	assert_int_equal(f->nr_events, 0);
	/* Queue wrap: the last slot, then the first. */
	f->cwriter = 0x1000 - 32;
	its_wr(f, GITS_CWRITER, 8, f->cwriter);
	assert_int_equal(f->nr_events, 0x1000 / 32 - 1); /* zeroed slots: unknown command 0 */
	assert_int_equal(f->last.result, VITS_ERR_UNKNOWN_CMD);
	mapc(f, 0, 0, true);
	mapc(f, 1, 1, true);
	assert_int_equal(its_rd(f, GITS_CREADR, 8), 32);
	assert_int_equal(f->last.result, VITS_OK);
}

static void test_translation_while_disabled_is_ignored(void **state)
{
	struct fx *f = *state;

	map_basic(f);
	its_wr(f, GITS_CTLR, 4, 0);
	its_wr(f, GITS_TRANSLATER, 4, 5);
	assert_int_equal(f->last.result, VITS_ERR_DISABLED);
	assert_false(peek(f, LPI(8)).pending_latch);
}

static void test_bad_widths_are_raz_wi(void **state)
{
	struct fx *f = *state;
	uint64_t v = 0xff;

	assert_true(vits_mmio(&f->its, 0, GITS_CTLR, 8, false, &v));
	assert_int_equal(v, 0);
	assert_true(vits_mmio(&f->its, 0, GITS_CTLR, 1, true, &(uint64_t){1}));
	assert_int_equal(its_rd(f, GITS_CTLR, 4) & GITS_CTLR_ENABLED, GITS_CTLR_ENABLED);
	assert_true(vits_mmio(&f->its, 0, GITS_CBASER + 2, 4, false, &v));
	assert_int_equal(v, 0);
	assert_true(vits_mmio(&f->its, 0, GITS_TRANSLATER, 1, true, &(uint64_t){5}));
	assert_int_equal(f->its.stats.msis, 0);
	assert_int_equal(f->its.stats.unknown_accesses, 4);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_registers_describe_the_its),
		T(test_baser_indirect_is_raz_wi_and_writes_ignored_while_enabled),
		T(test_cbaser_write_resets_creadr_and_queue_runs_on_enable),
		T(test_int_makes_the_lpi_pending_on_the_collection_target),
		T(test_msi_through_translater_uses_device_zero),
		T(test_flush_loads_the_lpi_into_a_list_register),
		T(test_movi_moves_a_pending_lpi_to_the_new_collection),
		T(test_clear_and_discard),
		T(test_inv_and_invall_reload_priority_and_enable),
		T(test_mapi_uses_the_event_as_intid_and_movall_retargets),
		T(test_lpis_wait_for_enable_lpis),
		T(test_pending_table_read_when_lpis_are_enabled),
		T(test_command_errors_are_ignored_and_the_queue_goes_on),
		T(test_tables_outside_guest_memory_are_faults),
		T(test_cwriter_outside_the_queue_is_ignored),
		T(test_translation_while_disabled_is_ignored),
		T(test_bad_widths_are_raz_wi),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
