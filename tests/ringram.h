/*
 * The guest-visible RAM of a booted machine as the host tools see it, for the
 * unit tests of what reads it live (the recorder, the live view's source):
 * the configuration page the host writes before the boot, and what the
 * hypervisor sets up at boot, the per-CPU trace rings and then the status
 * block, its magic last. The caller owns the RAM (RAM_LEN bytes, zeroed) and
 * the rings' producers. Header-only, after <cmocka.h>.
 */
#ifndef TESTS_RINGRAM_H
#define TESTS_RINGRAM_H

#include <stdint.h>
#include <string.h>

#include "formats/hypcfg.h"
#include "formats/ring.h"
#include "tracer/lib/hypstat.h"

#define TRACE_PA  (HYPCFG_PA + HYPCFG_AREA_SIZE)
#define RING_SIZE (64u * 1024)
#define NCPUS     2u
#define RAM_LEN   ((size_t)(TRACE_PA - HYP_RAM_BASE) + NCPUS * RING_SIZE)
#define CFG_OFF   (HYPCFG_PA - HYP_RAM_BASE)

/* What the host writes before the boot: one VM, rings in the given mode. */
static inline void ringram_write_cfg(uint8_t *ram, unsigned mode)
{
	struct hypcfg *cfg = (struct hypcfg *)(ram + CFG_OFF);

	cfg->magic = HYPCFG_MAGIC;
	cfg->version = HYPCFG_VERSION;
	cfg->size = sizeof(*cfg);
	cfg->nr_vms = 1;
	cfg->trace_mode = mode;
	cfg->trace_pa = TRACE_PA;
	cfg->trace_size = RING_SIZE;
	cfg->status_pa = HYPSTAT_PA;
	strcpy(cfg->vms[0].name, "guest0");
}

/* What the hypervisor does at boot: rings, then the status block, magic last. */
static inline void ringram_boot(uint8_t *ram, struct ring prod[NCPUS], unsigned mode)
{
	void *base = ram + (TRACE_PA - HYP_RAM_BASE);
	struct hypstat *st = (struct hypstat *)(ram + HYPSTAT_FILE_OFFSET);
	unsigned cpu;

	assert_int_equal(ring_area_init(base, RING_SIZE, NCPUS, mode), 0);
	for (cpu = 0; cpu < NCPUS; cpu++)
		assert_int_equal(ring_area_producer(&prod[cpu], base, RING_SIZE, cpu, mode), 0);
	st->version = HYPCFG_VERSION;
	st->size = sizeof(*st);
	st->state = HYPSTAT_RUNNING;
	st->nr_cpus = NCPUS;
	st->cntfrq = 62500000;
	st->magic = HYPSTAT_MAGIC;
}

#endif
