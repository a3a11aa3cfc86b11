/*
 * Unit tests for tui/source_live.c: the live view's source on a RAM file laid
 * out as the hypervisor would (control block, per-CPU rings by formats/ring.c's
 * producer, status block), shared with the test through the file as QEMU's
 * memory-backend-file is. What is checked is how often the rings are drained:
 * seldom when they fill slowly, in proportion when they fill fast, as often
 * as possible after a loss, and every record still reaches the model.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "formats/hypcfg.h"
#include "formats/ring.h"
#include "tracer/lib/hypstat.h"
#include "tui/model.h"
#include "tui/source.h"

#include "tests/ringram.h"

struct machine {
	char path[64];
	uint8_t *ram;
	struct ring prod[NCPUS];
	uint64_t ts;
};

/* A booted machine whose RAM is a shared file, its rings in overwrite mode. */
static struct machine *machine_new(void)
{
	struct machine *m = calloc(1, sizeof(*m));
	int fd;

	assert_non_null(m);
	snprintf(m->path, sizeof(m->path), "/tmp/hypscope-test-source-XXXXXX");
	fd = mkstemp(m->path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)RAM_LEN), 0);
	m->ram = mmap(NULL, RAM_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(m->ram != MAP_FAILED);
	close(fd);
	m->ts = 1000;

	ringram_write_cfg(m->ram, HYPCFG_TRACE_OVERWRITE);
	ringram_boot(m->ram, m->prod, HYPCFG_TRACE_OVERWRITE);
	return m;
}

static void machine_free(struct machine *m)
{
	munmap(m->ram, RAM_LEN);
	unlink(m->path);
	free(m);
}

/* n exit records of VM 0 vCPU cpu on cpu's ring; their bytes. */
static uint64_t emit(struct machine *m, unsigned cpu, unsigned n)
{
	struct trace_exit *e;
	unsigned i;

	for (i = 0; i < n; i++) {
		e = ring_reserve(&m->prod[cpu], sizeof(*e));
		assert_non_null(e);
		/* the ring filled the header's size and sequence number in */
		e->hdr.type = TRACE_EXIT;
		e->hdr.ts = m->ts += 10;
		e->hdr.vmid = 1;
		e->hdr.vmid_gen = 1;
		e->hdr.vm = 0;
		e->hdr.vcpu = (uint16_t)cpu;
		e->hdr.reserved = 0;
		e->esr = 0x16ull << 26;
		e->elr = 0x40000000;
		e->far = e->hpfar = 0;
		e->cost = 100;
		e->insn = 0;
		e->exit_class = 0x16;
		e->outcome = 0;
		e->flags = 0;
		ring_commit(&m->prod[cpu]);
	}
	return (uint64_t)n * sizeof(*e);
}

/* CLOCK_MONOTONIC in seconds: the clock the source was opened at. */
static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct top_source *open_live(struct machine *m, struct top_model *tm)
{
	struct top_source *s;
	char err[256];
	int ret = top_source_live(&s, m->path, false, 0, tm, err, sizeof(err));

	if (ret)
		fail_msg("top_source_live: %d %s", ret, err);
	return s;
}

static void test_quiet_rings_are_drained_seldom(void **state)
{
	struct machine *m = machine_new();
	struct top_model *tm = top_model_new();
	struct top_source *s = open_live(m, tm);
	double t = mono();

	(void)state;
	assert_int_equal(top_source_pump(s, t + 0.01, 20), 0);
	assert_true(top_source_poll_s(s) == 0.05);
	/* a few records in 50 ms: far from filling a ring */
	emit(m, 0, 10);
	emit(m, 1, 10);
	assert_int_equal(top_source_pump(s, t + 0.06, 20), 20);
	assert_true(top_source_poll_s(s) == 0.05);
	assert_int_equal(tm->all.st->records, 20);
	top_source_destroy(s);
	top_model_destroy(tm);
	machine_free(m);
}

static void test_a_filling_ring_is_drained_in_proportion(void **state)
{
	struct machine *m = machine_new();
	struct top_model *tm = top_model_new();
	struct top_source *s = open_live(m, tm);
	double t = mono(), want, got;
	uint64_t bytes;

	(void)state;
	assert_int_equal(top_source_pump(s, t + 0.01, 20), 0);
	/* CPU 1 fills a quarter of its ring in 20 ms: drain again when it holds an eighth */
	bytes = emit(m, 1, RING_SIZE / 4 / sizeof(struct trace_exit));
	emit(m, 0, 5);
	assert_true(top_source_pump(s, t + 0.03, 20) > 0);
	want = 0.02 * 0.125 / ((double)bytes / (double)m->prod[1].data_size);
	got = top_source_poll_s(s);
	assert_true(got > want * 0.99 && got < want * 1.01);
	assert_true(got > 0.005 && got < 0.05);
	/* a pump right after it measures no rate: the pace stays */
	assert_int_equal(top_source_pump(s, t + 0.031, 20), 0);
	assert_true(top_source_poll_s(s) == got);
	/* faster than an eighth of the ring per 5 ms: as often as possible */
	emit(m, 0, RING_SIZE / 2 / sizeof(struct trace_exit));
	assert_true(top_source_pump(s, t + 0.04, 20) > 0);
	assert_true(top_source_poll_s(s) == 0.005);
	top_source_destroy(s);
	top_model_destroy(tm);
	machine_free(m);
}

static void test_a_loss_drains_as_often_as_possible_until_it_stops(void **state)
{
	struct machine *m = machine_new();
	struct top_model *tm = top_model_new();
	struct top_source *s = open_live(m, tm);
	double t = mono();
	unsigned per_ring = RING_SIZE / sizeof(struct trace_exit);

	(void)state;
	assert_int_equal(top_source_pump(s, t + 0.01, 20), 0);
	/* twice what the ring holds, slowly enough that the rate alone would not hurry */
	emit(m, 0, 2 * per_ring);
	assert_true(top_source_pump(s, t + 100, 20) > 0);
	top_source_tick(s);
	assert_true(tm->all.st->lost > 0);
	assert_true(top_source_poll_s(s) == 0.005);
	/* nothing more lost, nothing new: back to the slowest pace */
	assert_int_equal(top_source_pump(s, t + 100.05, 20), 0);
	assert_true(top_source_poll_s(s) == 0.05);
	top_source_destroy(s);
	top_model_destroy(tm);
	machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quiet_rings_are_drained_seldom),
		cmocka_unit_test(test_a_filling_ring_is_drained_in_proportion),
		cmocka_unit_test(test_a_loss_drains_as_often_as_possible_until_it_stops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
