/*
 * The nested-virtualization part of the stats model (tracer/lib/nested.c)
 * and what `report` and `print` show of it, on synthetic traces: L2 exits by
 * class and decision with L0's cost, the round trips of reflected exits
 * through L1 whichever order the ERET's records come in, reasons,
 * injections, the shadow stage 2; no nested section for a trace without
 * nested records; `print`'s level=L1/L2 on exits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formats/esr.h"
#include "formats/exits.h"
#include "formats/host/tracefile.h"
#include "tests/tracegen.h"
#include "tracer/hypscope.h"
#include "tracer/lib/analysis.h"
#include "tracer/lib/nested.h"
#include "tracer/lib/stats.h"

#define TRIPS     10u
#define L0_WFIS   2u  /* per trip */
#define TRIP_TICK 10u /* ticks between the records of a trip */

static char dir[64];

static void exit_rec(struct tgen *g, unsigned cls, unsigned flags, uint64_t cost)
{
	struct trace_exit e = { 0 };

	e.esr = (uint64_t)cls << ESR_EC_SHIFT | 1u << ESR_IL_SHIFT;
	e.elr = 0x80001000;
	e.cost = cost;
	e.exit_class = (uint16_t)cls;
	e.flags = (uint8_t)flags;
	g->ts[0] += TRIP_TICK;
	tgen_put(g, 0, &e, TRACE_EXIT, sizeof(e), 0, 0);
}

static void nv_exit(struct tgen *g, unsigned cls, unsigned decision, unsigned reason,
		    uint64_t cost)
{
	struct trace_nv_exit e = { 0 };

	e.esr = (uint64_t)cls << ESR_EC_SHIFT;
	e.exit_class = (uint16_t)cls;
	e.decision = (uint8_t)decision;
	e.reason = (uint8_t)reason;
	e.cost = cost;
	e.l2_el = 1;
	g->ts[0] += TRIP_TICK;
	tgen_put(g, 0, &e, TRACE_NV_EXIT, sizeof(e), 0, 0);
}

static void nv_eret(struct tgen *g)
{
	struct trace_nv_eret e = { 0 };

	e.pc = 0x80001004;
	e.target = 1;
	g->ts[0] += TRIP_TICK;
	tgen_put(g, 0, &e, TRACE_NV_ERET, sizeof(e), 0, 0);
}

static void nv_s2(struct tgen *g, unsigned type, unsigned result, unsigned op, unsigned count)
{
	struct trace_nv_s2 e = { 0 };

	e.ipa = 0x200000;
	e.result = (uint8_t)result;
	e.op = (uint8_t)op;
	e.count = count;
	g->ts[0] += TRIP_TICK;
	tgen_put(g, 0, &e, type, sizeof(e), 0, 0);
}

/*
 * TRIPS L2 HVCs reflected to L1 (L0 cost 400), each handled by L1 with two
 * trapped system registers (100 cycles each) and its ERET (300): half with
 * the ERET's exit before the TRACE_NV_ERET, half after it. Between them,
 * L0_WFIS L2 WFIs handled in L0 (cost 50). Then 5 shadow pages filled, 2
 * faults reflected, one invalidation of 3 pages.
 */
static void write_nested(const char *path)
{
	struct trace_nv_inject inj = { 0 };
	struct tgen g;

	tgen_open(&g, path, 1);
	for (unsigned i = 0; i < TRIPS; i++) {
		exit_rec(&g, ESR_EC_HVC64, TRACE_EXIT_L2, 700);
		nv_exit(&g, ESR_EC_HVC64, TRACE_NV_REFLECTED, TRACE_NV_WHY_HVC, 400);
		inj.kind = TRACE_NV_INJ_SYNC;
		g.ts[0] += TRIP_TICK;
		tgen_put(&g, 0, &inj, TRACE_NV_INJECT, sizeof(inj), 0, 0);
		exit_rec(&g, ESR_EC_SYS64, TRACE_EXIT_L1, 100);
		exit_rec(&g, ESR_EC_SYS64, TRACE_EXIT_L1, 100);
		if (i % 2) {
			exit_rec(&g, 0x1a, TRACE_EXIT_L1, 300);
			nv_eret(&g);
		} else {
			nv_eret(&g);
			exit_rec(&g, 0x1a, TRACE_EXIT_L1, 300);
		}
		for (unsigned w = 0; w < L0_WFIS; w++) {
			exit_rec(&g, ESR_EC_WFX, TRACE_EXIT_L2, 90);
			nv_exit(&g, ESR_EC_WFX, TRACE_NV_L0, TRACE_NV_WHY_NOT_ASKED, 50);
		}
	}
	for (unsigned i = 0; i < 5; i++)
		nv_s2(&g, TRACE_NV_S2_FAULT, TRACE_NV_S2_FILLED, 0, 1);
	nv_s2(&g, TRACE_NV_S2_FAULT, TRACE_NV_S2_REFLECTED, 0, 0);
	nv_s2(&g, TRACE_NV_S2_FAULT, TRACE_NV_S2_REFLECTED, 0, 0);
	nv_s2(&g, TRACE_NV_S2_INVAL, TRACE_NV_S2_DROPPED, 0, 3);
	tgen_close(&g);
}

/* A VM without el2=on: exits with neither level flag. */
static void write_plain(const char *path)
{
	struct tgen g;

	tgen_open(&g, path, 1);
	for (unsigned i = 0; i < 5; i++)
		exit_rec(&g, ESR_EC_HVC64, 0, 500);
	tgen_close(&g);
}

static int setup(void **state)
{
	(void)state;
	scratch_make(dir, sizeof(dir), "nested");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (getenv("KEEP_NESTED_TRACE")) return 0;
	return scratch_remove(dir);
}

static struct hs_stats *load(const char *path)
{
	struct hs_stats *s = hs_stats_new(NULL);
	struct hs_trace_info info;
	struct hs_err err;

	assert_non_null(s);
	assert_int_equal(hs_load_trace(path, s, &info, &err), 0);
	return s;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static void expect(const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("output lacks '%s':\n%s", needle, text);
}

static char *run_cmd(int (*cmd)(int, char **), const char *out, char **argv, int argc)
{
	assert_int_equal(run_to_file(cmd, argc, argv, out), 0);
	return slurp(out);
}

static void test_model_splits_l2_exits_and_times_round_trips(void **state)
{
	char path[128];
	struct hs_stats *s;
	const struct hs_nested *n;
	const struct hs_nv_class *hvc, *wfx;

	(void)state;
	snprintf(path, sizeof(path), "%s/nested.trace", dir);
	write_nested(path);
	s = load(path);
	n = s->nested;
	assert_non_null(n);
	hvc = &n->cls[ESR_EC_HVC64];
	wfx = &n->cls[ESR_EC_WFX];

	assert_int_equal(hs_nested_l2_exits(n), TRIPS * (1 + L0_WFIS));
	assert_int_equal(n->l2_exits[TRACE_NV_REFLECTED], TRIPS);
	assert_int_equal(hvc->count[TRACE_NV_REFLECTED], TRIPS);
	assert_int_equal(hvc->count[TRACE_NV_L0], 0);
	assert_int_equal(hvc->cost[TRACE_NV_REFLECTED].sum, TRIPS * 400);
	assert_int_equal(wfx->count[TRACE_NV_L0], TRIPS * L0_WFIS);
	assert_int_equal(wfx->cost[TRACE_NV_L0].sum, TRIPS * L0_WFIS * 50);
	assert_int_equal(wfx->trip_cost.count, 0);
	/* each trip: the reflection, two sysreg exits and the ERET's exit,
	 * in either order of the ERET's two records */
	assert_int_equal(hvc->trip_cost.count, TRIPS);
	assert_int_equal(hvc->trip_cost.min, 400 + 100 + 100 + 300);
	assert_int_equal(hvc->trip_cost.max, 400 + 100 + 100 + 300);
	assert_int_equal(hvc->trip_l1_exits, TRIPS * 3);
	/* the NV_EXIT to the NV_ERET: 4 or 5 records of TRIP_TICK at 62.5 MHz (16 ns) */
	assert_int_equal(hvc->trip_ns.min, 4 * TRIP_TICK * 16);
	assert_int_equal(hvc->trip_ns.max, 5 * TRIP_TICK * 16);

	assert_int_equal(n->reasons[TRACE_NV_WHY_HVC], TRIPS);
	assert_int_equal(n->reasons[TRACE_NV_WHY_NOT_ASKED], TRIPS * L0_WFIS);
	assert_int_equal(n->l1_exits, TRIPS * 3);
	assert_int_equal(n->erets, TRIPS);
	assert_int_equal(n->injects[TRACE_NV_INJ_SYNC], TRIPS);
	assert_int_equal(n->s2_faults[TRACE_NV_S2_FILLED], 5);
	assert_int_equal(n->s2_faults[TRACE_NV_S2_REFLECTED], 2);
	assert_int_equal(n->s2_filled_pages, 5);
	assert_int_equal(n->invals[0], 1);
	assert_int_equal(n->inval_pages, 3);
	assert_int_equal(n->vms[0].l2_exits, TRIPS * (1 + L0_WFIS));
	assert_int_equal(n->vms[0].reflected, TRIPS);
	assert_int_equal(n->vms[0].l1_exits, TRIPS * 3);

	/* a reset forgets the counts */
	hs_stats_reset(s);
	assert_int_equal(hs_nested_l2_exits(s->nested), 0);
	assert_int_equal(s->nested->cls[ESR_EC_HVC64].trip_cost.count, 0);
	hs_stats_destroy(s);
}

static void test_model_without_nested_records_has_none(void **state)
{
	char path[128];
	struct hs_stats *s;

	(void)state;
	snprintf(path, sizeof(path), "%s/plain.trace", dir);
	write_plain(path);
	s = load(path);
	assert_null(s->nested);
	assert_int_equal(s->total.count, 5);
	hs_stats_destroy(s);
}

static void test_report_text_and_json(void **state)
{
	char path[128], out[128], *text;
	char *argv[] = { "report", path, "--format", "json", NULL };

	(void)state;
	snprintf(path, sizeof(path), "%s/nested.trace", dir);
	snprintf(out, sizeof(out), "%s/report.out", dir);
	write_nested(path);

	text = run_cmd(cmd_report, out, argv, 2);
	expect(text, "Nested: 30 L2 exits, 20 handled in L0, 10 reflected to L1 (33.3%); "
		     "30 L1 exits; 10 nested ERETs\n");
	/* HVC64 reflected: count, share, L0 cost p50/p99 400, round trip 900,
	 * 3 L1 exits per trip */
	expect(text, "HVC64        reflected         10   33.33 |       400       400 |"
		     "       900       900 |");
	expect(text, "| 3.0\n");
	expect(text, "WFX          l0                20   66.67 |        50        50 |"
		     "         -         - |         -         - | -\n");
	expect(text, "  why: hvc 10, not_asked 20\n");
	expect(text, "  injections into virtual EL2: sync 10\n");
	expect(text, "  shadow stage 2: 7 faults: filled 5, reflected 2 (5 pages filled); "
		     "1 invalidations: ipa 1 (3 pages dropped)\n");
	free(text);

	text = run_cmd(cmd_report, out, argv, 4);
	expect(text, "\"nested\": {\"l2_exits\": 30, \"handled_l0\": 20, \"reflected\": 10, "
		     "\"l1_exits\": 30, \"erets\": 10, \"illegal_erets\": 0, \"classes\": [");
	expect(text, "{\"class\": 22, \"name\": \"HVC64\", \"decision\": \"reflected\", "
		     "\"count\": 10, \"cost_cycles\": {\"samples\": 10, \"min\": 400, ");
	expect(text, "\"round_trip_cycles\": {\"samples\": 10, \"min\": 900, ");
	expect(text, "\"round_trip_l1_exits\": 30}");
	expect(text, "\"s2_faults\": {\"filled\": 5, \"reflected\": 2, \"l0\": 0, \"unknown\": 0}");
	expect(text, "\"s2_invalidations\": {\"ipa\": 1, \"vmid\": 0, \"all\": 0, \"vttbr\": 0, "
		     "\"unknown\": 0}, \"s2_dropped_pages\": 3}");
	free(text);
}

static void test_report_csv(void **state)
{
	char path[128], out[128], *text;
	char *argv[] = { "report", path, "--format", "csv", NULL };

	(void)state;
	snprintf(path, sizeof(path), "%s/nested.trace", dir);
	snprintf(out, sizeof(out), "%s/report.csv", dir);
	write_nested(path);
	text = run_cmd(cmd_report, out, argv, 4);
	/* section,key,name,count,rate,share,failed,cost min,avg,p50,p99,max,time... */
	expect(text, "\nnested_reflected,22,HVC64,10,");
	expect(text, ",33.3333,0,400,400.0,400,400,400,,,,,\n");
	expect(text, "\nnested_l0,1,WFX,20,");
	expect(text, "\nnested_round_trip,22,HVC64,10,");
	expect(text, ",100.0000,0,900,900.0,900,900,900,640,");
	expect(text, "\nnested_reason,not_asked,not_asked,20,");
	expect(text, "\nnested_s2_fault,reflected,reflected,2,");
	expect(text, "\nnested_s2_inval,ipa,ipa,1,");
	free(text);
}

static void test_report_without_nested_records_says_nothing(void **state)
{
	char path[128], out[128], *text;
	char *argv[] = { "report", path, "--format", "json", NULL };
	char *csv[] = { "report", path, "--format", "csv", NULL };

	(void)state;
	snprintf(path, sizeof(path), "%s/plain.trace", dir);
	snprintf(out, sizeof(out), "%s/report.out", dir);
	write_plain(path);
	text = run_cmd(cmd_report, out, argv, 2);
	assert_null(strstr(text, "Nested"));
	free(text);
	text = run_cmd(cmd_report, out, argv, 4);
	assert_null(strstr(text, "\"nested\""));
	free(text);
	text = run_cmd(cmd_report, out, csv, 4);
	assert_null(strstr(text, "nested"));
	free(text);
}

static void test_print_shows_the_level(void **state)
{
	char path[128], out[128], *text, *p;
	char *argv[] = { "print", path, NULL };
	unsigned l1 = 0, l2 = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/nested.trace", dir);
	snprintf(out, sizeof(out), "%s/print.out", dir);
	write_nested(path);
	text = run_cmd(cmd_print, out, argv, 2);
	for (p = text; (p = strstr(p, " level=L1")); p++)
		l1++;
	for (p = text; (p = strstr(p, " level=L2")); p++)
		l2++;
	assert_int_equal(l1, TRIPS * 3);
	assert_int_equal(l2, TRIPS * (1 + L0_WFIS));
	free(text);

	snprintf(path, sizeof(path), "%s/plain.trace", dir);
	write_plain(path);
	text = run_cmd(cmd_print, out, argv, 2);
	expect(text, "HVC64");
	assert_null(strstr(text, "level="));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_splits_l2_exits_and_times_round_trips),
		cmocka_unit_test(test_model_without_nested_records_has_none),
		cmocka_unit_test(test_report_text_and_json),
		cmocka_unit_test(test_report_csv),
		cmocka_unit_test(test_report_without_nested_records_says_nothing),
		cmocka_unit_test(test_print_shows_the_level),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
