/*
 * Unit tests for tracer/lib/record.c: the drain loop against rings laid out in a
 * host buffer by formats/ring.c's producer, as the hypervisor would: waiting
 * for the boot, draining every CPU into a trace file that reads back
 * identical, exact losses in both ring modes, the final drain, refusals with
 * a clear reason, and `hypscope record` on a RAM file.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "formats/hypcfg.h"
#include "formats/ring.h"
#include "formats/host/tracefile.h"
#include "tracer/hypscope.h"
#include "tracer/lib/hypstat.h"
#include "tracer/lib/record.h"

#include "tests/ringram.h"

struct machine {
	uint8_t *ram;
	struct hypcfg *cfg;
	struct hypstat *st;
	struct ring prod[NCPUS];
	uint64_t ts;
	char dir[64];
	char out[128];
};

/* ---------------------------------------------------------------- helpers */

static struct machine *machine_new(void)
{
	struct machine *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->ram = aligned_alloc(4096, RAM_LEN);
	assert_non_null(m->ram);
	memset(m->ram, 0, RAM_LEN);
	m->cfg = (struct hypcfg *)(m->ram + CFG_OFF);
	m->st = (struct hypstat *)(m->ram + HYPSTAT_FILE_OFFSET);
	m->ts = 1000;
	snprintf(m->dir, sizeof(m->dir), "/tmp/hypscope-test-record-XXXXXX");
	assert_non_null(mkdtemp(m->dir));
	snprintf(m->out, sizeof(m->out), "%s/out.trace", m->dir);
	return m;
}

static void machine_free(struct machine *m)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/ram", m->dir);
	unlink(path);
	unlink(m->out);
	rmdir(m->dir);
	free(m->ram);
	free(m);
}

/* What the host writes before the boot. */
static void write_cfg(struct machine *m, unsigned mode)
{
	ringram_write_cfg(m->ram, mode);
}

/* What the hypervisor does at boot. */
static void boot(struct machine *m, unsigned mode)
{
	ringram_boot(m->ram, m->prod, mode);
}

/* One exit record on cpu; false when the ring dropped it. */
static bool emit(struct machine *m, unsigned cpu, uint64_t cost)
{
	struct trace_exit *e = ring_reserve(&m->prod[cpu], sizeof(*e));

	m->ts += 10;
	if (!e)
		return false;
	e->hdr.type = TRACE_EXIT;
	e->hdr.vmid = 1;
	e->hdr.ts = m->ts;
	e->hdr.vmid_gen = 1;
	e->hdr.vm = 0;
	e->hdr.vcpu = (uint16_t)cpu;
	e->hdr.reserved = 0;
	e->esr = 0x16ull << 26;
	e->elr = 0x40000000 + cost;
	e->far = e->hpfar = 0;
	e->cost = cost;
	e->insn = 0;
	e->exit_class = 0x16;
	e->outcome = 0;
	e->flags = 0;
	ring_commit(&m->prod[cpu]);
	return true;
}

static struct recorder *open_rec(struct machine *m, const struct recorder_opts *o)
{
	struct recorder *r;
	char err[256];
	int ret = recorder_open_mem(&r, m->ram, RAM_LEN, m->out, o, err, sizeof(err));

	if (ret)
		fail_msg("recorder_open_mem: %d %s", ret, err);
	return r;
}

/* Reads the trace file back: total records, losses, and checks the costs run 0, 1, 2... per CPU. */
static void read_back(const char *path, uint64_t *records, uint64_t *lost, bool check_order)
{
	struct tf_reader *rd;
	struct tf_reader_stats st;
	struct tf_record rec;
	uint64_t next[NCPUS] = { 0 }, last_ts = 0;
	char err[256];
	int ret;

	ret = tf_reader_open(&rd, path, err, sizeof(err));
	if (ret)
		fail_msg("tf_reader_open: %s", err);
	assert_int_equal(tf_reader_header(rd)->nr_cpus, NCPUS);
	assert_int_equal(tf_reader_header(rd)->cntfrq, 62500000);
	*records = 0;
	while ((ret = tf_reader_next(rd, &rec)) > 0) {
		const struct trace_exit *e = (const struct trace_exit *)rec.hdr;

		assert_int_equal(rec.hdr->type, TRACE_EXIT);
		assert_true(rec.hdr->ts >= last_ts);
		last_ts = rec.hdr->ts;
		if (check_order) {
			assert_int_equal(e->cost, next[rec.cpu]);
			next[rec.cpu]++;
		}
		(*records)++;
	}
	assert_int_equal(ret, 0);
	tf_reader_stats(rd, &st);
	assert_true(st.trailer_ok);
	assert_int_equal(st.records, *records);
	*lost = st.lost;
	tf_reader_close(rd);
}

/* ------------------------------------------------------------------ tests */

static void test_waits_for_the_boot_then_drains_every_cpu(void **state)
{
	struct machine *m = machine_new();
	struct recorder_totals t;
	struct recorder *r;
	uint64_t records, lost, i;

	(void)state;
	/* QEMU has not loaded the control block yet */
	r = open_rec(m, NULL);
	assert_int_equal(recorder_poll(r), 0);
	assert_false(recorder_attached(r));
	assert_true(recorder_machine_running(r));
	write_cfg(m, HYPCFG_TRACE_DROP);
	assert_int_equal(recorder_poll(r), 0);
	assert_false(recorder_attached(r));
	boot(m, HYPCFG_TRACE_DROP);

	for (i = 0; i < 300; i++) {
		assert_true(emit(m, 0, i));
		if (i < 200)
			assert_true(emit(m, 1, i));
	}
	assert_int_equal(recorder_poll(r), 500);
	assert_true(recorder_attached(r));
	assert_int_equal(recorder_poll(r), 0);
	for (i = 300; i < 350; i++)
		assert_true(emit(m, 0, i));
	m->st->state = HYPSTAT_DONE;
	assert_int_equal(recorder_poll(r), 50);
	assert_false(recorder_machine_running(r));
	assert_int_equal(recorder_close(r, &t), 0);
	assert_int_equal(t.records, 550);
	assert_int_equal(t.lost, 0);
	assert_int_equal(t.cpus[0].records, 350);
	assert_int_equal(t.cpus[1].records, 200);
	assert_int_equal(t.state, HYPSTAT_DONE);
	assert_true(t.bytes > 550 * sizeof(struct trace_exit));
	recorder_destroy(r);

	read_back(m->out, &records, &lost, true);
	assert_int_equal(records, 550);
	assert_int_equal(lost, 0);
	machine_free(m);
}

/* The trace file's description names the machine: its CPUs, trace mode, MTE, VMs. */
static void description_of(unsigned flags, char *desc, size_t len)
{
	struct machine *m = machine_new();
	struct recorder_totals t;
	struct tf_reader *rd;
	struct recorder *r;
	char err[256];

	r = open_rec(m, NULL);
	write_cfg(m, HYPCFG_TRACE_DROP);
	m->cfg->flags = flags;
	boot(m, HYPCFG_TRACE_DROP);
	assert_true(emit(m, 0, 1));
	m->st->state = HYPSTAT_DONE;
	assert_int_equal(recorder_poll(r), 1);
	assert_int_equal(recorder_close(r, &t), 0);
	recorder_destroy(r);
	if (tf_reader_open(&rd, m->out, err, sizeof(err)))
		fail_msg("tf_reader_open: %s", err);
	snprintf(desc, len, "%s", tf_reader_header(rd)->description);
	tf_reader_close(rd);
	machine_free(m);
}

static void test_description_says_when_the_machine_has_mte(void **state)
{
	char desc[TF_DESC_LEN];

	(void)state;
	description_of(HYPCFG_F_MTE, desc, sizeof(desc));
	assert_string_equal(desc, "hypscope record: 2 CPUs, drop mode, MTE on, VMs: guest0");
	description_of(0, desc, sizeof(desc));
	assert_string_equal(desc, "hypscope record: 2 CPUs, drop mode, VMs: guest0");
}

static void test_drop_mode_losses_are_exact_and_in_the_file(void **state)
{
	struct machine *m = machine_new();
	struct recorder_totals t;
	struct recorder *r;
	uint64_t produced = 0, dropped = 0, records, lost, i, round;

	(void)state;
	write_cfg(m, HYPCFG_TRACE_DROP);
	boot(m, HYPCFG_TRACE_DROP);
	r = open_rec(m, NULL);
	assert_true(recorder_attached(r));
	/* bursts larger than the ring between polls: the producer drops the rest */
	for (round = 0; round < 5; round++) {
		for (i = 0; i < 1500; i++) {
			produced++;
			dropped += !emit(m, 0, i);
		}
		assert_true(recorder_poll(r) > 0);
	}
	assert_true(dropped > 0);
	assert_int_equal(recorder_close(r, &t), 0);
	assert_int_equal(t.records + t.lost, produced);
	assert_int_equal(t.lost, dropped);
	assert_int_equal(t.cpus[0].lost, dropped);
	assert_int_equal(t.cpus[1].records, 0);
	recorder_destroy(r);

	read_back(m->out, &records, &lost, false);
	assert_int_equal(records, produced - dropped);
	assert_int_equal(lost, dropped);
	machine_free(m);
}

static void test_overwrite_mode_losses_are_exact_and_in_the_file(void **state)
{
	struct machine *m = machine_new();
	struct recorder_totals t;
	struct recorder *r;
	uint64_t records, lost, i, produced = 0;

	(void)state;
	write_cfg(m, HYPCFG_TRACE_OVERWRITE);
	boot(m, HYPCFG_TRACE_OVERWRITE);
	r = open_rec(m, NULL);
	for (i = 0; i < 100; i++, produced++)
		assert_true(emit(m, 1, i));
	assert_int_equal(recorder_poll(r), 100);
	/* laps the ring: the oldest records are overwritten before the next poll */
	for (i = 0; i < 5000; i++, produced++)
		assert_true(emit(m, 1, i));
	assert_true(recorder_poll(r) > 0);
	assert_int_equal(recorder_close(r, &t), 0);
	assert_true(t.lost > 0);
	assert_int_equal(t.records + t.lost, produced);
	recorder_destroy(r);
	read_back(m->out, &records, &lost, false);
	assert_int_equal(records, t.records);
	assert_int_equal(lost, t.lost);
	machine_free(m);
}

static int count_sink(void *ctx, const struct trace_hdr *rec, uint32_t size)
{
	uint64_t *n = ctx;

	assert_int_equal(rec->type, TRACE_EXIT);
	assert_int_equal(size, sizeof(struct trace_exit));
	(*n)++;
	return 0;
}

static void test_peek_mode_never_writes_and_feeds_the_sink(void **state)
{
	struct machine *m = machine_new();
	struct recorder_opts o = { .mode = RECORDER_PEEK, .sink = count_sink };
	const struct ring_header *h = (const void *)(m->ram + (TRACE_PA - HYP_RAM_BASE));
	uint64_t seen = 0;
	struct recorder *r;
	char err[256];
	int i;

	(void)state;
	o.sink_ctx = &seen;
	write_cfg(m, HYPCFG_TRACE_DROP);
	boot(m, HYPCFG_TRACE_DROP);
	for (i = 0; i < 40; i++)
		emit(m, 0, (uint64_t)i);
	/* no output file: the sink only */
	assert_int_equal(recorder_open_mem(&r, m->ram, RAM_LEN, NULL, &o, err, sizeof(err)), 0);
	assert_int_equal(recorder_poll(r), 40);
	assert_int_equal(seen, 40);
	assert_int_equal(h->cons_pos, 0);
	assert_int_equal(recorder_close(r, NULL), 0);
	recorder_destroy(r);
	assert_int_equal(access(m->out, F_OK), -1);
	machine_free(m);
}

static void expect_refusal(struct machine *m, int code, const char *words)
{
	struct recorder *r = NULL;
	char err[256] = "";
	int ret;

	ret = recorder_open_mem(&r, m->ram, RAM_LEN, m->out, NULL, err, sizeof(err));
	assert_int_equal(ret, code);
	assert_null(r);
	if (!strstr(err, words))
		fail_msg("'%s' does not say '%s'", err, words);
	/* the placeholder output is removed again */
	assert_int_equal(access(m->out, F_OK), -1);
}

static void test_refusals_say_why(void **state)
{
	struct machine *m = machine_new();

	(void)state;
	m->cfg->magic = 0x1234;
	expect_refusal(m, -EINVAL, "not a hypscope machine");
	write_cfg(m, HYPCFG_TRACE_OFF);
	expect_refusal(m, -ENODATA, "tracing is off");
	write_cfg(m, HYPCFG_TRACE_DROP);
	m->cfg->version = HYPCFG_VERSION + 1;
	expect_refusal(m, -EPROTO, "rebuild hypscope and the hypervisor together");
	write_cfg(m, HYPCFG_TRACE_DROP);
	m->cfg->trace_pa = HYP_RAM_BASE + RAM_LEN;
	expect_refusal(m, -EINVAL, "outside the RAM file");
	write_cfg(m, HYPCFG_TRACE_DROP);
	/* booted, but the rings were never laid out (the hypervisor turned tracing off) */
	m->st->version = HYPCFG_VERSION;
	m->st->size = sizeof(*m->st);
	m->st->nr_cpus = NCPUS;
	m->st->state = HYPSTAT_RUNNING;
	m->st->magic = HYPSTAT_MAGIC;
	expect_refusal(m, -ENODATA, "turned tracing off");
	m->st->size = 8;
	expect_refusal(m, -EPROTO, "rebuild hypscope and the hypervisor together");
	m->st->size = sizeof(*m->st);
	m->st->state = HYPSTAT_BADCFG;
	strcpy(m->st->message, "too many vCPUs");
	expect_refusal(m, -EINVAL, "refused the configuration: too many vCPUs");
	machine_free(m);
}

static void test_restarted_ring_is_an_error(void **state)
{
	struct machine *m = machine_new();
	struct recorder *r;
	int i;

	(void)state;
	write_cfg(m, HYPCFG_TRACE_DROP);
	boot(m, HYPCFG_TRACE_DROP);
	r = open_rec(m, NULL);
	for (i = 0; i < 20; i++)
		emit(m, 0, (uint64_t)i);
	assert_int_equal(recorder_poll(r), 20);
	boot(m, HYPCFG_TRACE_DROP); /* the machine rebooted: positions start over */
	emit(m, 0, 0);
	assert_int_equal(recorder_poll(r), -ESTALE);
	assert_non_null(strstr(recorder_error(r), "restarted"));
	assert_int_equal(recorder_close(r, NULL), -ESTALE);
	recorder_destroy(r);
	recorder_destroy(NULL);
	machine_free(m);
}

static void test_never_booted_leaves_no_file(void **state)
{
	struct machine *m = machine_new();
	struct recorder *r = open_rec(m, NULL);

	(void)state;
	assert_int_equal(access(m->out, F_OK), 0);
	assert_int_equal(recorder_close(r, NULL), -ENODATA);
	assert_non_null(strstr(recorder_error(r), "never booted"));
	assert_int_equal(access(m->out, F_OK), -1);
	recorder_destroy(r);
	machine_free(m);
}

/* The RAM as a file, like QEMU's memory-backend-file. */
static void write_ram_file(struct machine *m, char *path, size_t len)
{
	int fd;

	snprintf(path, len, "%s/ram", m->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, m->ram, RAM_LEN), (ssize_t)RAM_LEN);
	close(fd);
}

static int run_cmd(int argc, char **argv)
{
	int saved = dup(STDERR_FILENO), devnull = open("/dev/null", O_WRONLY), ret;

	/* keep the test output clean: the command's messages go nowhere */
	dup2(devnull, STDERR_FILENO);
	ret = cmd_record(argc, argv);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(devnull);
	return ret;
}

static void test_record_command_on_a_ram_file(void **state)
{
	struct machine *m = machine_new();
	char ram[160], *argv[8];
	uint64_t records, lost;
	int i;

	(void)state;
	write_cfg(m, HYPCFG_TRACE_DROP);
	boot(m, HYPCFG_TRACE_DROP);
	for (i = 0; i < 123; i++)
		emit(m, (unsigned)i % 2, (uint64_t)i / 2);
	m->st->state = HYPSTAT_DONE; /* the machine ended: record drains and stops */
	write_ram_file(m, ram, sizeof(ram));

	argv[0] = "record";
	argv[1] = "--attach";
	argv[2] = ram;
	argv[3] = "-o";
	argv[4] = m->out;
	argv[5] = NULL;
	assert_int_equal(run_cmd(5, argv), HS_EXIT_OK);
	read_back(m->out, &records, &lost, true);
	assert_int_equal(records, 123);

	argv[5] = "--mode";
	argv[6] = "sideways";
	assert_int_equal(run_cmd(7, argv), HS_EXIT_USAGE);
	argv[1] = "--attach";
	argv[2] = "/nonexistent/ram";
	assert_int_equal(run_cmd(5, argv), HS_EXIT_USAGE);

	/* a file that is not a machine */
	memset(m->ram + CFG_OFF, 0x5a, 64);
	write_ram_file(m, ram, sizeof(ram));
	argv[2] = ram;
	assert_int_equal(run_cmd(5, argv), HS_EXIT_USAGE);
	machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_waits_for_the_boot_then_drains_every_cpu),
		cmocka_unit_test(test_description_says_when_the_machine_has_mte),
		cmocka_unit_test(test_drop_mode_losses_are_exact_and_in_the_file),
		cmocka_unit_test(test_overwrite_mode_losses_are_exact_and_in_the_file),
		cmocka_unit_test(test_peek_mode_never_writes_and_feeds_the_sink),
		cmocka_unit_test(test_refusals_say_why),
		cmocka_unit_test(test_restarted_ring_is_an_error),
		cmocka_unit_test(test_never_booted_leaves_no_file),
		cmocka_unit_test(test_record_command_on_a_ram_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
