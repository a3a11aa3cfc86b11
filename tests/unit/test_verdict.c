/*
 * Unit tests for tracer/lib/verdict.c on synthetic per-run samples: the exact
 * Mann-Whitney distribution against its known values, A/A samples give no
 * verdict, shifted ones do (with an interval around the shift), one run per
 * side and too few runs are weak, exact mode judges one run, and A/A false
 * alarms stay rare over many noisy comparisons.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "tracer/lib/verdict.h"

static uint64_t rng_state;

static double rnd01(void)
{
	uint64_t x = (rng_state += 0x9e3779b97f4a7c15ull);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	x ^= x >> 31;
	return (double)(x >> 11) / 9007199254740992.0;
}

/* Normal noise (Box-Muller), and a heavy tail now and then: a run that met host load. */
static double noisy(double mid, double rel_sd)
{
	double z = sqrt(-2 * log(rnd01() + 1e-300)) * cos(2 * M_PI * rnd01());
	double v = mid * (1 + rel_sd * z);

	if (rnd01() < 0.1)
		v *= 1 + 0.3 * rnd01();
	return v > 0 ? v : 0;
}

static void fill(double *v, unsigned n, double mid, double rel_sd)
{
	for (unsigned i = 0; i < n; i++)
		v[i] = noisy(mid, rel_sd);
}

static const struct vd_opts opts = { .threshold_pct = 5, .alpha = 0.01 };

static void test_mwu_cdf_exact_values(void **state)
{
	(void)state;
	/* 5 and 5: 252 arrangements, one with U = 0, one with U = 1, two with U = 2 */
	assert_true(fabs(vd_mwu_cdf(5, 5, 0) - 1.0 / 252) < 1e-12);
	assert_true(fabs(vd_mwu_cdf(5, 5, 1) - 2.0 / 252) < 1e-12);
	assert_true(fabs(vd_mwu_cdf(5, 5, 2) - 4.0 / 252) < 1e-12);
	/* symmetric about m n / 2 */
	assert_true(fabs(vd_mwu_cdf(5, 5, 12) - 0.5) < 1e-12);
	assert_true(fabs(vd_mwu_cdf(3, 4, 5) + vd_mwu_cdf(3, 4, 6) - 1) < 1e-12);
	assert_true(vd_mwu_cdf(5, 5, 25) == 1);
	assert_true(vd_mwu_cdf(5, 5, -1) == 0);
	/* 1 and 1: U is 0 or 1, equally likely */
	assert_true(fabs(vd_mwu_cdf(1, 1, 0) - 0.5) < 1e-12);
	/* the normal approximation past the exact range is close to it at its edge */
	assert_true(fabs(vd_mwu_cdf(64, 64, 2048) - 0.5) < 0.01);
	assert_true(vd_mwu_cdf(100, 100, 3000) < 1e-6);
}

static void test_same_distribution_gives_no_verdict(void **state)
{
	double b[5] = { 331, 335, 329, 340, 333 }, n[5] = { 334, 330, 338, 332, 336 };
	struct vd_result r;

	(void)state;
	vd_compare(b, 5, n, 5, &opts, &r);
	assert_int_equal(r.call, VD_SAME);
	assert_true(r.lo_pct < 0 && r.hi_pct > 0);
	assert_true(r.p > 0.1);
	assert_true(fabs(r.level - (1 - 2.0 / 252)) < 1e-9);
	vd_compare(n, 5, b, 5, &opts, &r);
	assert_int_equal(r.call, VD_SAME);
}

static void test_shift_up_is_flagged_with_interval_around_it(void **state)
{
	double b[5], n[5];
	struct vd_result r;

	(void)state;
	rng_state = 1;
	fill(b, 5, 1000, 0.01);
	fill(n, 5, 1150, 0.01);
	vd_compare(b, 5, n, 5, &opts, &r);
	assert_int_equal(r.call, VD_UP);
	assert_true(r.change_pct > 10 && r.change_pct < 20);
	assert_true(r.lo_pct > 0 && r.lo_pct <= r.change_pct && r.change_pct <= r.hi_pct);
	assert_true(fabs(r.p - 2.0 / 252) < 1e-9);
	/* the other way round it is down, mirrored */
	vd_compare(n, 5, b, 5, &opts, &r);
	assert_int_equal(r.call, VD_DOWN);
	assert_true(r.change_pct < -8);
}

static void test_significant_but_below_threshold_is_same(void **state)
{
	double b[5] = { 100, 100.1, 100.2, 100.3, 100.4 }, n[5] = { 102, 102.1, 102.2, 102.3, 102.4 };
	struct vd_result r;

	(void)state;
	vd_compare(b, 5, n, 5, &opts, &r);
	assert_true(r.lo_pct > 0);
	assert_int_equal(r.call, VD_SAME);
}

static void test_one_run_per_side_is_weak(void **state)
{
	double b = 100, n = 200;
	struct vd_result r;

	(void)state;
	vd_compare(&b, 1, &n, 1, &opts, &r);
	assert_int_equal(r.call, VD_WEAK);
	assert_true(fabs(r.change_pct - 100) < 1e-9);
	assert_true(isnan(r.lo_pct));
}

static void test_too_few_runs_for_the_level_is_weak(void **state)
{
	double b[4] = { 100, 101, 102, 103 }, n[4] = { 200, 201, 202, 203 };
	struct vd_opts loose = opts;
	struct vd_result r;

	(void)state;
	/* 4 a side: the smallest two-sided tail is 2/70 > 0.01 */
	vd_compare(b, 4, n, 4, &opts, &r);
	assert_int_equal(r.call, VD_WEAK);
	loose.alpha = 0.05;
	vd_compare(b, 4, n, 4, &loose, &r);
	assert_int_equal(r.call, VD_UP);
}

static void test_exact_mode_judges_one_run(void **state)
{
	double b = 331, n = 364, same = 331;
	struct vd_opts ex = opts;
	struct vd_result r;

	(void)state;
	ex.exact = true;
	vd_compare(&b, 1, &n, 1, &ex, &r);
	assert_int_equal(r.call, VD_UP);
	assert_true(r.exact);
	assert_true(fabs(r.change_pct - 100 * (364.0 / 331 - 1)) < 1e-9);
	vd_compare(&b, 1, &same, 1, &ex, &r);
	assert_int_equal(r.call, VD_SAME);
	assert_true(r.change_pct == 0);
	/* an exact change below the threshold is no verdict */
	n = 340;
	vd_compare(&b, 1, &n, 1, &ex, &r);
	assert_int_equal(r.call, VD_SAME);
	assert_true(r.change_pct > 2);
}

static void test_exact_mode_with_varying_runs_falls_back_to_statistics(void **state)
{
	double b[5] = { 100, 103, 99, 101, 102 }, n[5] = { 101, 100, 104, 99, 102 };
	struct vd_opts ex = opts;
	struct vd_result r;

	(void)state;
	ex.exact = true;
	vd_compare(b, 5, n, 5, &ex, &r);
	assert_false(r.exact);
	assert_int_equal(r.call, VD_SAME);
}

static void test_counts_doubled_are_flagged(void **state)
{
	double b[5] = { 4000, 4000, 4000, 4000, 4000 }, n[5] = { 8000, 8000, 8000, 8000, 8000 };
	struct vd_result r;

	(void)state;
	vd_compare(b, 5, n, 5, &opts, &r);
	assert_int_equal(r.call, VD_UP);
	assert_true(fabs(r.change_pct - 100) < 1e-9);
	/* equal counts on both sides: no change at all */
	vd_compare(b, 5, b, 5, &opts, &r);
	assert_int_equal(r.call, VD_SAME);
	assert_true(r.change_pct == 0);
}

/* Ratios below 1 (exits per unit of work) keep their ratio: 0.5 -> 0.75 is +50 %. */
static void test_small_ratios_shift_by_their_ratio(void **state)
{
	double b[5] = { 0.5, 0.5, 0.5, 0.5, 0.5 }, n[5] = { 0.75, 0.75, 0.75, 0.75, 0.75 };
	struct vd_result r;

	(void)state;
	vd_compare(b, 5, n, 5, &opts, &r);
	assert_int_equal(r.call, VD_UP);
	assert_true(fabs(r.change_pct - 50) < 1e-9);
}

/* A class absent from every BASE run and present in every NEW run: up, finite. */
static void test_a_class_that_appears_is_up(void **state)
{
	double b[5] = { 0, 0, 0, 0, 0 }, n[5] = { 40, 42, 41, 40, 43 };
	struct vd_result r;

	(void)state;
	vd_compare(b, 5, n, 5, &opts, &r);
	assert_int_equal(r.call, VD_UP);
	assert_true(isfinite(r.change_pct) && r.change_pct > 100);
}

static void test_missing_runs_are_left_out(void **state)
{
	double b[6] = { 10, NAN, 11, 10, 12, 11 }, n[5] = { NAN, NAN, NAN, NAN, NAN };
	struct vd_result r;

	(void)state;
	vd_compare(b, 6, n, 5, &opts, &r);
	assert_int_equal(r.call, VD_NO_DATA);
	assert_int_equal(r.nb, 5);
	assert_int_equal(r.nn, 0);
}

/* Many A/A comparisons of noisy samples (3 % noise, heavy tail): false alarms stay rare. */
static void test_aa_false_alarms_are_rare(void **state)
{
	double b[5], n[5];
	struct vd_result r;
	unsigned alarms = 0, i;

	(void)state;
	rng_state = 42;
	for (i = 0; i < 2000; i++) {
		fill(b, 5, 500, 0.03);
		fill(n, 5, 500, 0.03);
		vd_compare(b, 5, n, 5, &opts, &r);
		alarms += r.call == VD_UP || r.call == VD_DOWN;
	}
	/* complete separation alone is 2/252 = 0.8 %; the threshold removes most of that */
	assert_true(alarms < 2000 / 100);
}

/*
 * ... and a 15 % shift under that noise is found at least 3 times in 4 with 5
 * runs a side (a run that met host load on the BASE side can hide it: every
 * pair must agree at 99.2 %).
 */
static void test_shift_found_under_noise(void **state)
{
	double b[5], n[5];
	struct vd_result r;
	unsigned found = 0, i;

	(void)state;
	rng_state = 7;
	for (i = 0; i < 500; i++) {
		fill(b, 5, 500, 0.02);
		fill(n, 5, 575, 0.02);
		vd_compare(b, 5, n, 5, &opts, &r);
		found += r.call == VD_UP;
	}
	assert_true(found > 500 * 3 / 4);
}

static void test_large_samples_use_the_normal_approximation(void **state)
{
	static double b[100], n[100];
	struct vd_result r;

	(void)state;
	rng_state = 3;
	fill(b, 100, 100, 0.05);
	fill(n, 100, 120, 0.05);
	vd_compare(b, 100, n, 100, &opts, &r);
	assert_int_equal(r.call, VD_UP);
	assert_true(r.p < 1e-6);
	assert_true(r.level >= 0.99);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mwu_cdf_exact_values),
		cmocka_unit_test(test_same_distribution_gives_no_verdict),
		cmocka_unit_test(test_shift_up_is_flagged_with_interval_around_it),
		cmocka_unit_test(test_significant_but_below_threshold_is_same),
		cmocka_unit_test(test_one_run_per_side_is_weak),
		cmocka_unit_test(test_too_few_runs_for_the_level_is_weak),
		cmocka_unit_test(test_exact_mode_judges_one_run),
		cmocka_unit_test(test_exact_mode_with_varying_runs_falls_back_to_statistics),
		cmocka_unit_test(test_counts_doubled_are_flagged),
		cmocka_unit_test(test_small_ratios_shift_by_their_ratio),
		cmocka_unit_test(test_a_class_that_appears_is_up),
		cmocka_unit_test(test_missing_runs_are_left_out),
		cmocka_unit_test(test_aa_false_alarms_are_rare),
		cmocka_unit_test(test_shift_found_under_noise),
		cmocka_unit_test(test_large_samples_use_the_normal_approximation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
