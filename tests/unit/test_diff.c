/*
 * Unit tests for `hypscope diff`, run as a command on trace files written
 * with tf_writer. Each synthetic run has its own noise: every cost of a run
 * is scaled by one factor (the host was busier or not), as real runs are.
 * A/A runs give no verdict either way; a 30 % slowdown of one class is that
 * class's regression and nothing else; counts are per run or per unit of
 * work, never per second; one run a side is shown but not judged; exact
 * mode judges one run; directories, JSON, JUnit and bad input.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "formats/esr.h"
#include "formats/host/tracefile.h"
#include "tests/tracegen.h"
#include "tracer/hypscope.h"

#define RUNS 5

static char dir[64];

/* ---------------------------------------------------------------- traces */

/* An exit and the entry back, on CPU 0 for VM 0's vCPU 0. */
static void exit_cycle(struct tgen *g, unsigned cls, uint64_t cost, uint64_t guest_ticks)
{
	struct trace_entry en = { 0 };
	struct trace_exit ex = { 0 };

	g->ts[0] += guest_ticks;
	ex.esr = (uint64_t)cls << ESR_EC_SHIFT | 1u << ESR_IL_SHIFT;
	ex.elr = 0x40080000;
	ex.cost = cost;
	ex.exit_class = (uint16_t)cls;
	tgen_put(g, 0, &ex, TRACE_EXIT, sizeof(ex), 0, 0);
	g->ts[0] += 2;
	en.pc = 0x40080004;
	tgen_put(g, 0, &en, TRACE_ENTRY, sizeof(en), 0, 0);
}

/* What one synthetic run does. */
struct shape {
	unsigned units;     /* units of work */
	unsigned hvc;       /* HVC64 exits per unit */
	unsigned dabt;      /* DABT_LOW exits per unit */
	double hvc_slow;    /* HVC64 cost factor */
	double run_noise;   /* spread of the run's own factor: 0.05 is +-5 % */
	uint64_t guest;     /* ticks in the guest between exits */
};

static const struct shape base_shape = { 400, 2, 1, 1.0, 0.05, 100 };

/*
 * One run: per unit, hvc HVC64 exits around 600 cycles, dabt DABT_LOW around
 * 1000, one SYS64 around 350; every cost of the run times its own factor.
 */
static void write_run(const char *path, uint64_t seed, const struct shape *s)
{
	double run, jitter;
	struct tgen g;
	unsigned u, i;

	rng_state = seed;
	run = 1 + s->run_noise * (2 * rnd01() - 1);
	tgen_open(&g, path, 1);
	for (u = 0; u < s->units; u++) {
		jitter = 1 + 0.2 * (rnd01() - 0.5);
		for (i = 0; i < s->hvc; i++)
			exit_cycle(&g, ESR_EC_HVC64, (uint64_t)(600 * s->hvc_slow * run * jitter),
				   s->guest);
		for (i = 0; i < s->dabt; i++)
			exit_cycle(&g, ESR_EC_DABT_LOW, (uint64_t)(1000 * run * jitter), s->guest);
		exit_cycle(&g, ESR_EC_SYS64, (uint64_t)(350 * run * jitter), s->guest);
	}
	tgen_close(&g);
}

/* RUNS runs into dir/name/run-N.trace, seeds from seed on. */
static void write_side(const char *name, uint64_t seed, const struct shape *s)
{
	char path[160];
	unsigned i;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	mkdir(path, 0700);
	for (i = 0; i < RUNS; i++) {
		snprintf(path, sizeof(path), "%s/%s/run-%u.trace", dir, name, i);
		write_run(path, seed + i, s);
	}
}

static int setup(void **state)
{
	(void)state;
	scratch_make(dir, sizeof(dir), "diff");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return scratch_remove(dir);
}

static const char *at(const char *name)
{
	static char bufs[8][160];
	static unsigned next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
	return b;
}

/* Run diff with stdout into dir/out.txt, stderr discarded; its exit status. */
static int diff(const char *first, ...)
{
	char *argv[32];
	va_list ap;
	int argc = 0;
	const char *a;

	argv[argc++] = (char *)"diff";
	va_start(ap, first);
	for (a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	return run_to_file(cmd_diff, argc, argv, at("out.txt"));
}

/* The output of the last diff (or another file of dir); static, overwritten. */
static const char *output(const char *name)
{
	static char buf[1 << 16];
	FILE *f = fopen(at(name), "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void expect(const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("output lacks '%s':\n%s", needle, text);
}

static void expect_not(const char *text, const char *needle)
{
	if (strstr(text, needle))
		fail_msg("output has '%s':\n%s", needle, text);
}

/* The line of a row's verdict: the line starting with name. */
static const char *row(const char *text, const char *name)
{
	static char line[512];
	const char *p = text;
	size_t n;

	while (p && *p) {
		if (!strncmp(p, name, strlen(name)) && p[strlen(name)] == ' ') {
			n = strcspn(p, "\n");
			if (n >= sizeof(line))
				n = sizeof(line) - 1;
			memcpy(line, p, n);
			line[n] = '\0';
			return line;
		}
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	fail_msg("no row %s in:\n%s", name, text);
	return "";
}

/* ---------------------------------------------------------------- tests */

static void test_aa_runs_give_no_verdict_either_way(void **state)
{
	uint64_t seed;

	(void)state;
	for (seed = 100; seed < 140; seed += 10) {
		write_side("a", seed, &base_shape);
		write_side("b", seed + 1000, &base_shape);
		assert_int_equal(diff(at("a"), "--", at("b"), NULL), 0);
		expect(output("out.txt"), "0 regressions, 0 improvements, 3 unchanged, 0 not judged");
		assert_int_equal(diff(at("b"), "--", at("a"), NULL), 0);
		expect(output("out.txt"), "0 regressions, 0 improvements, 3 unchanged, 0 not judged");
	}
}

static void test_slower_hvc_is_that_class_and_nothing_else(void **state)
{
	struct shape slow = base_shape;
	const char *text;

	(void)state;
	slow.hvc_slow = 1.3;
	write_side("base", 1, &base_shape);
	write_side("slow", 501, &slow);
	assert_int_equal(diff(at("base"), "--", at("slow"), NULL), 1);
	text = output("out.txt");
	expect(row(text, "HVC64"), "REGRESSION (slower (p50) +");
	expect(row(text, "DABT_LOW"), "unchanged");
	expect(row(text, "SYS64"), "unchanged");
	expect(text, "1 regressions, 0 improvements, 2 unchanged");

	/* the other way round: an improvement, exit status 0 */
	assert_int_equal(diff(at("slow"), "--", at("base"), NULL), 0);
	text = output("out.txt");
	expect(row(text, "HVC64"), "improvement (faster (p50) -");
	expect(text, "0 regressions, 1 improvements");

	/* a threshold above the change: it does not count */
	assert_int_equal(diff(at("base"), "--", at("slow"), "--threshold", "40", NULL), 0);
}

static void test_counts_are_work_not_rate(void **state)
{
	struct shape fast_guest = base_shape, more_mmio = base_shape, more_work = base_shape;
	const char *text;

	(void)state;
	/* the same work, the guest twice as fast: exits per second double, per run they do not */
	fast_guest.guest = 50;
	write_side("base", 1, &base_shape);
	write_side("fast", 601, &fast_guest);
	assert_int_equal(diff(at("base"), "--", at("fast"), NULL), 0);
	expect(output("out.txt"), "0 regressions, 0 improvements, 3 unchanged");

	/* twice the MMIO per unit of work: more frequent, per run and per HVC64 */
	more_mmio.dabt = 2;
	write_side("mmio", 701, &more_mmio);
	assert_int_equal(diff(at("base"), "--", at("mmio"), NULL), 1);
	expect(row(output("out.txt"), "DABT_LOW"), "REGRESSION (more frequent (exits/run) +100.0%");
	assert_int_equal(diff("--per-exit-of", "HVC64", at("base"), "--", at("mmio"), NULL), 1);
	text = output("out.txt");
	expect(row(text, "DABT_LOW"), "REGRESSION (more frequent (exits/work) +100.0%");
	expect(row(text, "HVC64"), "unchanged");

	/* twice the work, same shape: more exits per run, the same per unit of work */
	more_work.units = 800;
	write_side("work", 801, &more_work);
	assert_int_equal(diff(at("base"), "--", at("work"), NULL), 1);
	assert_int_equal(diff("-w", "HVC64", at("base"), "--", at("work"), NULL), 0);
	expect(output("out.txt"), "0 regressions, 0 improvements, 3 unchanged");
}

static void test_one_run_per_side_is_shown_not_judged(void **state)
{
	struct shape slow = base_shape;
	const char *text;

	(void)state;
	slow.hvc_slow = 2;
	write_run(at("one.trace"), 1, &base_shape);
	write_run(at("two.trace"), 2, &slow);
	assert_int_equal(diff(at("one.trace"), at("two.trace"), NULL), 0);
	text = output("out.txt");
	expect(text, "ONE RUN PER SIDE");
	expect(row(text, "HVC64"), "not judged (one run per side: noise unknown)");
	expect(text, "0 regressions, 0 improvements, 0 unchanged, 3 not judged");
}

static void test_too_few_runs_are_not_judged(void **state)
{
	struct shape slow = base_shape;

	(void)state;
	slow.hvc_slow = 2;
	write_run(at("a1.trace"), 1, &base_shape);
	write_run(at("a2.trace"), 2, &base_shape);
	write_run(at("b1.trace"), 3, &slow);
	write_run(at("b2.trace"), 4, &slow);
	assert_int_equal(diff(at("a1.trace"), at("a2.trace"), "--", at("b1.trace"), at("b2.trace"),
			      NULL),
			 0);
	expect(output("out.txt"), "TOO FEW RUNS");
	expect(output("out.txt"), "3 not judged");
}

static void test_exact_mode_judges_one_run(void **state)
{
	struct shape exact = base_shape, pad = base_shape;
	const char *text;

	(void)state;
	exact.run_noise = 0;
	pad.run_noise = 0;
	pad.hvc_slow = 1.1;
	/* the same seed: the same run, as under -icount */
	write_run(at("e1.trace"), 9, &exact);
	write_run(at("e2.trace"), 9, &exact);
	write_run(at("p.trace"), 9, &pad);
	assert_int_equal(diff("--exact", at("e1.trace"), at("e2.trace"), NULL), 0);
	expect(output("out.txt"), "0 regressions, 0 improvements, 3 unchanged, 0 not judged");
	assert_int_equal(diff("--exact", at("e1.trace"), at("p.trace"), NULL), 1);
	text = output("out.txt");
	expect(row(text, "HVC64"), "REGRESSION (slower");
	expect(row(text, "HVC64"), "exact");
	expect(text, "1 regressions, 0 improvements, 2 unchanged");
}

static void test_json_and_junit(void **state)
{
	struct shape slow = base_shape;
	const char *text;

	(void)state;
	slow.hvc_slow = 1.3;
	write_side("base", 1, &base_shape);
	write_side("slow", 501, &slow);
	assert_int_equal(diff(at("base"), "--", at("slow"), "--format", "json", "--junit",
			      at("junit.xml"), NULL),
			 1);
	text = output("out.txt");
	expect(text, "\"regressions\": 1,");
	expect(text, "\"name\": \"HVC64\", \"verdict\": \"regression\"");
	expect(text, "\"base_runs\": [");
	expect(text, "\"ci_level\": 0.992063");
	text = output("junit.xml");
	expect(text, "<testsuite name=\"hypscope diff\" tests=\"3\" failures=\"1\"");
	expect(text, "<testcase classname=\"hypscope.diff.class\" name=\"HVC64\">");
	expect(text, "<failure type=\"regression\" message=\"slower (p50) +");
	expect_not(text, "name=\"SYS64\">\n    <failure");
}

static void test_by_vcpu_and_vm(void **state)
{
	(void)state;
	write_side("a", 1, &base_shape);
	write_side("b", 1001, &base_shape);
	assert_int_equal(diff("--by", "vcpu", at("a"), "--", at("b"), NULL), 0);
	expect(output("out.txt"), "vm0/vcpu0");
	assert_int_equal(diff("--by", "vm", at("a"), "--", at("b"), NULL), 0);
	expect(output("out.txt"), "0 regressions, 0 improvements, 1 unchanged");
}

static void test_bad_input_exits_2(void **state)
{
	(void)state;
	write_run(at("a.trace"), 1, &base_shape);
	assert_int_equal(diff(at("a.trace"), NULL), HS_EXIT_USAGE);
	assert_int_equal(diff(at("a.trace"), "/nonexistent", NULL), HS_EXIT_USAGE);
	assert_int_equal(diff(at("a.trace"), "--", NULL), HS_EXIT_USAGE);
	assert_int_equal(diff("--", at("a.trace"), NULL), HS_EXIT_USAGE);
	assert_int_equal(diff(at("a.trace"), at("a.trace"), "--threshold", "x", NULL),
			 HS_EXIT_USAGE);
	assert_int_equal(diff(at("a.trace"), at("a.trace"), "--by", "pc", NULL), HS_EXIT_USAGE);
	assert_int_equal(diff(at("a.trace"), at("a.trace"), "--per-exit-of", "NOPE", NULL),
			 HS_EXIT_USAGE);
	/* a work class the runs do not have */
	assert_int_equal(diff(at("a.trace"), at("a.trace"), "--per-exit-of", "WFX", NULL),
			 HS_EXIT_USAGE);
	/* a directory without traces; a file that is not one */
	mkdir(at("empty"), 0700);
	assert_int_equal(diff(at("empty"), "--", at("a.trace"), NULL), HS_EXIT_USAGE);
	assert_int_equal(diff(at("out.txt"), at("a.trace"), NULL), HS_EXIT_USAGE);
	assert_int_equal(diff(at("a.trace"), at("a.trace"), "--junit", "/nonexistent/x.xml", NULL),
			 HS_EXIT_ENV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aa_runs_give_no_verdict_either_way),
		cmocka_unit_test(test_slower_hvc_is_that_class_and_nothing_else),
		cmocka_unit_test(test_counts_are_work_not_rate),
		cmocka_unit_test(test_one_run_per_side_is_shown_not_judged),
		cmocka_unit_test(test_too_few_runs_are_not_judged),
		cmocka_unit_test(test_exact_mode_judges_one_run),
		cmocka_unit_test(test_json_and_junit),
		cmocka_unit_test(test_by_vcpu_and_vm),
		cmocka_unit_test(test_bad_input_exits_2),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
