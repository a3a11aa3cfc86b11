/*
 * tui/source.h: the live view's one source interface, driven the way the
 * panes drive it, over a replayed trace file and over a live machine that
 * has not started yet. The panes only ever see these calls.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tests/tracegen.h"
#include "tui/source.h"

#define CNTFRQ   62500000ull /* tgen_open's counter */
#define NR_LOGS  5           /* records of the test trace, half a second apart */

struct fixture {
	char dir[64];
	char trace[96];
	struct top_model *m;
	struct top_source *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct trace_log rec;
	struct tgen g;
	unsigned i;

	assert_non_null(f);
	scratch_make(f->dir, sizeof(f->dir), "source");
	snprintf(f->trace, sizeof(f->trace), "%s/t.trace", f->dir);
	tgen_open(&g, f->trace, 1);
	for (i = 0; i < NR_LOGS; i++) {
		memset(&rec, 0, sizeof(rec));
		rec.len = (uint32_t)snprintf(rec.text, sizeof(rec.text), "log %u", i);
		tgen_put(&g, 0, &rec, TRACE_LOG, sizeof(rec), 0, 0);
		g.ts[0] += CNTFRQ / 2;
	}
	tgen_close(&g);
	f->m = top_model_new();
	assert_non_null(f->m);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	top_source_destroy(f->s);
	top_model_destroy(f->m);
	assert_int_equal(scratch_remove(f->dir), 0);
	free(f);
	return 0;
}

static void test_a_replay_at_full_speed_feeds_every_record_then_ends(void **state)
{
	struct fixture *f = *state;
	char err[256], buf[256];

	assert_int_equal(top_source_replay(&f->s, f->trace, 0, f->m, err, sizeof(err)), 0);
	assert_true(top_source_plays_back(f->s));
	assert_false(top_source_ended(f->s));
	assert_int_equal(top_source_pump(f->s, 100.0, 50), NR_LOGS);
	assert_int_equal(top_source_pump(f->s, 100.1, 50), 0);
	assert_true(top_source_ended(f->s));
	assert_true(top_source_caught_up(f->s));
	/* the clock is trace seconds: the last record, 2 s after the first */
	assert_true(fabs(top_source_clock(f->s, 100.1) - 2.0) < 1e-9);
	top_source_status(f->s, buf, sizeof(buf));
	assert_string_equal(buf, "end of trace");
	top_source_describe(f->s, 100.1, buf, sizeof(buf));
	assert_string_equal(buf, "replay t.trace max 2.0/2.0s");
	assert_int_equal(top_source_errno(f->s), 0);
}

static void test_a_paused_replay_feeds_only_what_a_step_reaches(void **state)
{
	struct fixture *f = *state;
	char err[256];

	assert_int_equal(top_source_replay(&f->s, f->trace, 1, f->m, err, sizeof(err)), 0);
	top_source_pause(f->s, true, 10.0);
	/* paused: wall-clock time passing plays nothing past the first record */
	assert_int_equal(top_source_pump(f->s, 50.0, 50), 1);
	top_source_step(f->s, 1.0);
	assert_int_equal(top_source_pump(f->s, 60.0, 50), 2); /* at 0.5 s and 1.0 s */
	assert_false(top_source_ended(f->s));
	top_source_set_speed(f->s, 4, 60.0);
	assert_true(top_source_speed(f->s) == 4);
	top_source_pause(f->s, false, 60.0);
	/* 0.25 s of wall clock at x4 is one more second of trace: the rest */
	assert_int_equal(top_source_pump(f->s, 60.25, 50), 2);
	assert_true(top_source_ended(f->s));
}

static void test_a_live_source_plays_nothing_back_and_waits_for_its_machine(void **state)
{
	struct fixture *f = *state;
	char path[128], err[256], buf[256];

	snprintf(path, sizeof(path), "%s/none.ram", f->dir);
	assert_int_equal(top_source_live(&f->s, path, false, 30, f->m, err, sizeof(err)), 0);
	assert_false(top_source_plays_back(f->s));
	assert_true(top_source_speed(f->s) == 0);
	/* playback calls are no-ops; the clock is the wall clock */
	top_source_pause(f->s, true, 5.0);
	top_source_step(f->s, 1.0);
	top_source_set_speed(f->s, 2, 5.0);
	assert_true(top_source_clock(f->s, 123.5) == 123.5);
	assert_int_equal(top_source_pump(f->s, top_source_clock(f->s, 0), 50), 0);
	top_source_tick(f->s);
	assert_false(top_source_ended(f->s));
	top_source_status(f->s, buf, sizeof(buf));
	assert_string_equal(buf, "waiting for the machine");
	top_source_describe(f->s, 0, buf, sizeof(buf));
	assert_true(!strncmp(buf, "live ", 5) && strstr(buf, "none.ram"));
}

static void test_a_live_machine_that_never_appears_is_an_error(void **state)
{
	struct fixture *f = *state;
	char path[128], err[256] = "";

	snprintf(path, sizeof(path), "%s/none.ram", f->dir);
	assert_int_equal(top_source_live(&f->s, path, false, 0, f->m, err, sizeof(err)), -ENOENT);
	assert_null(f->s);
	assert_non_null(strstr(err, "none.ram"));
}

static void test_a_file_that_is_no_trace_is_refused(void **state)
{
	struct fixture *f = *state;
	char err[256] = "";

	assert_true(top_source_replay(&f->s, f->dir, 1, f->m, err, sizeof(err)) < 0);
	assert_null(f->s);
	assert_true(err[0] != '\0');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_replay_at_full_speed_feeds_every_record_then_ends,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_paused_replay_feeds_only_what_a_step_reaches,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_live_source_plays_nothing_back_and_waits_for_its_machine, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_a_live_machine_that_never_appears_is_an_error,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_file_that_is_no_trace_is_refused, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
