/*
 * Unit tests for tracer/lib/stats.c: histogram percentiles within their bound
 * against exact sorting, Mann-Whitney on buckets against the pairwise
 * definition, and the model fed record by record: exits and their
 * in-hypervisor time, breakdowns (MMIO, sysregs, hypercalls, VMIDs, vGIC),
 * losses, table overflow and reset; and a model that defers its sums
 * (and looks the large tables' keys up in batches) settles to the one fed
 * record by record, as does one fed in batches of records.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formats/esr.h"
#include "formats/hypcfg.h"
#include "formats/ich_lr.h"
#include "formats/smccc.h"
#include "formats/sysreg_names.h"
#include "tests/tracegen.h"
#include "tracer/lib/stats.h"

/* ---------------------------------------------------------------- helpers */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The ceil(q * n)-th smallest, the definition hs_hist_quantile() estimates. */
static uint64_t exact_quantile(const uint64_t *sorted, size_t n, double q)
{
	size_t rank = (size_t)ceil(q * (double)n - 1e-9);

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

static void check_quantiles(uint64_t *v, size_t n)
{
	static const double qs[] = { 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999 };
	struct hs_hist h = { 0 };
	uint64_t sum = 0, est, exact;
	size_t i;

	for (i = 0; i < n; i++) {
		assert_int_equal(hs_hist_add(&h, v[i]), 0);
		sum += v[i];
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	assert_int_equal(h.count, n);
	assert_int_equal(h.min, v[0]);
	assert_int_equal(h.max, v[n - 1]);
	assert_int_equal(h.sum, sum);
	assert_int_equal(hs_hist_quantile(&h, 0), v[0]);
	assert_int_equal(hs_hist_quantile(&h, 1), v[n - 1]);
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		est = hs_hist_quantile(&h, qs[i]);
		exact = exact_quantile(v, n, qs[i]);
		if (fabs((double)est - (double)exact) > (double)exact * HS_HIST_REL_ERROR) {
			fail_msg("q=%g: histogram says %llu, exact %llu (bound %.4f)", qs[i],
				 (unsigned long long)est, (unsigned long long)exact,
				 HS_HIST_REL_ERROR);
		}
	}
	hs_hist_release(&h);
}

/* ------------------------------------------------------------- histogram */

static void test_quantiles_within_bound_of_exact_sorting(void **state)
{
	size_t n = 200000, i, d;
	uint64_t *v = malloc(n * sizeof(*v));

	(void)state;
	assert_non_null(v);
	rng_state = 42;
	for (d = 0; d < 5; d++) {
		for (i = 0; i < n; i++) {
			switch (d) {
			case 0: /* uniform over a wide range */
				v[i] = rnd() % 10000000;
				break;
			case 1: /* log-normal-ish: exit costs */
				v[i] = (uint64_t)exp(7.0 + 1.5 * (rnd01() + rnd01() + rnd01() - 1.5));
				break;
			case 2: /* exponential with a heavy tail */
				v[i] = (uint64_t)(-2000.0 * log(1.0 - rnd01())) + 100;
				break;
			case 3: /* small values, recorded exactly */
				v[i] = rnd() % 40;
				break;
			default: /* two modes far apart, and huge values */
				v[i] = (rnd() & 1) ? 300 + rnd() % 10 : (1ull << 50) + rnd() % 1000000;
				break;
			}
		}
		check_quantiles(v, n);
	}
	free(v);
}

static void test_single_value_and_empty_histogram(void **state)
{
	struct hs_hist h = { 0 };

	(void)state;
	assert_int_equal(hs_hist_quantile(&h, 0.5), 0);
	assert_true(hs_hist_mean(&h) == 0.0);
	hs_hist_add(&h, 123456789);
	assert_int_equal(hs_hist_quantile(&h, 0.5), 123456789);
	assert_int_equal(hs_hist_quantile(&h, 0.99), 123456789);
	hs_hist_add(&h, UINT64_MAX);
	assert_int_equal(hs_hist_quantile(&h, 1), UINT64_MAX);
	hs_hist_release(&h);
}

static void test_memory_is_bounded_by_the_bucket_count(void **state)
{
	struct hs_hist h = { 0 };
	unsigned g, used = 0;
	uint64_t i, buf[HS_HIST_SUB];

	(void)state;
	rng_state = 7;
	for (i = 0; i < 1000000; i++)
		hs_hist_add(&h, rnd() >> (rnd() % 64));
	for (g = 0; g < HS_HIST_GROUPS; g++)
		used += hs_hist_group(&h, g, buf) != NULL;
	assert_true(used <= HS_HIST_GROUPS);
	assert_int_equal(h.missed, 0);
	hs_hist_release(&h);
}

static void test_merge_equals_adding_everything(void **state)
{
	struct hs_hist a = { 0 }, b = { 0 }, all = { 0 };
	uint64_t v;
	int i;

	(void)state;
	rng_state = 3;
	for (i = 0; i < 50000; i++) {
		v = rnd() % 100000;
		hs_hist_add(i & 1 ? &a : &b, v);
		hs_hist_add(&all, v);
	}
	assert_int_equal(hs_hist_merge(&a, &b), 0);
	assert_int_equal(a.count, all.count);
	assert_int_equal(a.sum, all.sum);
	assert_int_equal(a.min, all.min);
	assert_int_equal(a.max, all.max);
	assert_int_equal(hs_hist_quantile(&a, 0.5), hs_hist_quantile(&all, 0.5));
	assert_int_equal(hs_hist_quantile(&a, 0.99), hs_hist_quantile(&all, 0.99));
	hs_hist_release(&a);
	hs_hist_release(&b);
	hs_hist_release(&all);
}

static void test_reset_forgets_samples_and_keeps_blocks(void **state)
{
	struct hs_hist h = { 0 };
	const hs_hist_ctr *block;
	uint64_t buf[HS_HIST_SUB];

	(void)state;
	hs_hist_add(&h, 1000);
	hs_hist_add(&h, 2000);
	assert_non_null(hs_hist_group(&h, 6, buf));
	block = h.blocks;
	hs_hist_reset(&h);
	assert_int_equal(h.count, 0);
	assert_non_null(hs_hist_group(&h, 6, buf));
	assert_ptr_equal(h.blocks, block);
	assert_int_equal(hs_hist_bucket_count(&h, 6, 0), 0);
	hs_hist_add(&h, 5);
	assert_int_equal(h.min, 5);
	assert_int_equal(hs_hist_quantile(&h, 0.5), 5);
	hs_hist_release(&h);
}

/* The count of the bucket v falls in. */
static uint64_t bucket_of(const struct hs_hist *h, uint64_t v)
{
	unsigned g, s;

	hs_hist_bucket(v, &g, &s);
	return hs_hist_bucket_count(h, g, s);
}

static void test_counter_carries_exactly_across_its_width(void **state)
{
	const uint64_t wrap = (uint64_t)1 << HS_HIST_CTR_BITS, v = 1000, w = 3000;
	struct hs_hist h = { 0 }, ref = { 0 };
	uint64_t i, buf[HS_HIST_SUB];
	unsigned g, s;

	(void)state;
	/* v counted wrap - 1 times: no carry yet; the next one wraps the counter */
	for (i = 0; i < wrap - 1; i++)
		assert_int_equal(hs_hist_add(&h, v), 0);
	assert_null(h.hi);
	assert_int_equal(bucket_of(&h, v), wrap - 1);
	assert_int_equal(hs_hist_add(&h, v), 0);
	assert_non_null(h.hi);
	assert_int_equal(bucket_of(&h, v), wrap);
	assert_int_equal(hs_hist_add(&h, v), 0);
	assert_int_equal(bucket_of(&h, v), wrap + 1);
	assert_int_equal(hs_hist_add(&h, w), 0);
	assert_int_equal(bucket_of(&h, w), 1);
	hs_hist_bucket(v, &g, &s);
	assert_non_null(hs_hist_group(&h, g, buf));
	assert_int_equal(buf[s], wrap + 1);
	assert_int_equal(buf[(s + 1) % HS_HIST_SUB], 0);
	/* all but the last sample in v's bucket: every quantile below 1 reads it */
	assert_int_equal(hs_hist_quantile(&h, 0.5), hs_hist_quantile(&h, 0.9999));
	assert_true(hs_hist_quantile(&h, 0.5) + 16 > v && hs_hist_quantile(&h, 0.5) < v + 16);
	assert_true(hs_hist_quantile(&h, 0.99999) + 64 > w && hs_hist_quantile(&h, 0.99999) <= w);

	/* the blocks grown at both ends carry their carries along */
	assert_int_equal(hs_hist_add(&h, 7), 0);
	assert_int_equal(hs_hist_add(&h, (uint64_t)1 << 40), 0);
	assert_int_equal(bucket_of(&h, v), wrap + 1);
	assert_int_equal(bucket_of(&h, w), 1);
	assert_int_equal(bucket_of(&h, 7), 1);
	assert_int_equal(bucket_of(&h, (uint64_t)1 << 40), 1);
	assert_int_equal(h.count, wrap + 4);
	assert_int_equal(h.missed, 0);

	/* merged counts carry too, once within the low bits and once across */
	assert_int_equal(hs_hist_add(&ref, w), 0);
	for (i = 0; i < wrap - 2; i++)
		assert_int_equal(hs_hist_add(&ref, w), 0);
	assert_null(ref.hi);
	assert_int_equal(hs_hist_merge(&ref, &h), 0);
	assert_int_equal(bucket_of(&ref, w), wrap);
	assert_int_equal(bucket_of(&ref, v), wrap + 1);
	assert_int_equal(ref.count, 2 * wrap + 3);

	hs_hist_reset(&h);
	assert_int_equal(bucket_of(&h, v), 0);
	assert_int_equal(hs_hist_add(&h, v), 0);
	assert_int_equal(bucket_of(&h, v), 1);
	hs_hist_release(&h);
	hs_hist_release(&ref);
}

static void test_merged_counts_stay_exact_past_32_bits(void **state)
{
	struct hs_hist h = { 0 }, copy;
	uint64_t i, n = 3, vals[] = { 5, 100, 1000, 65535, 1u << 20 };
	unsigned k, r;

	(void)state;
	for (k = 0; k < 5; k++)
		for (i = 0; i < 3; i++)
			assert_int_equal(hs_hist_add(&h, vals[k]), 0);
	/* doubled 40 times: 3 << 40 samples a bucket, past 2^32 and the counters' width */
	for (r = 0; r < 40; r++) {
		memset(&copy, 0, sizeof(copy));
		assert_int_equal(hs_hist_merge(&copy, &h), 0);
		assert_int_equal(hs_hist_merge(&h, &copy), 0);
		hs_hist_release(&copy);
		n *= 2;
		for (k = 0; k < 5; k++)
			assert_int_equal(bucket_of(&h, vals[k]), n);
	}
	assert_int_equal(n, (uint64_t)3 << 40);
	assert_int_equal(h.count, 5 * n);
	assert_int_equal(h.missed, 0);
	/* 0.2 of the samples a value: the quantiles fall where they did with 3 each */
	assert_int_equal(hs_hist_quantile(&h, 0.1), 5);
	assert_int_equal(hs_hist_quantile(&h, 0.3), hs_hist_quantile(&h, 0.21));
	assert_true(hs_hist_quantile(&h, 0.3) >= 100 && hs_hist_quantile(&h, 0.3) < 104);
	assert_true(hs_hist_quantile(&h, 0.7) >= 65535 - 2048 && hs_hist_quantile(&h, 0.7) <= 65535);
	assert_int_equal(hs_hist_quantile(&h, 0.9), 1u << 20);
	/* one more sample on top of the carried count */
	assert_int_equal(hs_hist_add(&h, 1000), 0);
	assert_int_equal(bucket_of(&h, 1000), n + 1);
	hs_hist_release(&h);
}

/* U of b by the definition: pairs with b > a, ties counting half. */
static double brute_u(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
	double u = 0;
	size_t i, j;

	for (i = 0; i < na; i++)
		for (j = 0; j < nb; j++)
			u += b[j] > a[i] ? 1.0 : b[j] == a[i] ? 0.5 : 0.0;
	return u;
}

static void test_mann_whitney_matches_the_pairwise_definition(void **state)
{
	uint64_t a[300], b[200];
	struct hs_hist ha = { 0 }, hb = { 0 };
	struct hs_mwu m;
	size_t i;

	(void)state;
	rng_state = 11;
	/* values below HS_HIST_SUB sit in buckets of their own: U is exact */
	for (i = 0; i < 300; i++)
		hs_hist_add(&ha, a[i] = rnd() % 20);
	for (i = 0; i < 200; i++)
		hs_hist_add(&hb, b[i] = rnd() % 24);
	hs_hist_mann_whitney(&ha, &hb, &m);
	assert_true(fabs(m.u - brute_u(a, 300, b, 200)) < 1e-6);
	assert_true(m.prob_greater > 0.5);
	hs_hist_release(&ha);
	hs_hist_release(&hb);
}

static void test_mann_whitney_tells_a_shift_from_noise(void **state)
{
	struct hs_hist base = { 0 }, same = { 0 }, slow = { 0 };
	struct hs_mwu m;
	double v;
	int i;

	(void)state;
	rng_state = 5;
	for (i = 0; i < 20000; i++) {
		v = exp(8.0 + 0.4 * (rnd01() + rnd01() + rnd01() - 1.5));
		hs_hist_add(&base, (uint64_t)v);
		v = exp(8.0 + 0.4 * (rnd01() + rnd01() + rnd01() - 1.5));
		hs_hist_add(&same, (uint64_t)v);
		hs_hist_add(&slow, (uint64_t)(v * 1.3));
	}
	hs_hist_mann_whitney(&base, &same, &m);
	assert_true(m.p > 0.001);
	assert_true(fabs(m.prob_greater - 0.5) < 0.02);
	hs_hist_mann_whitney(&base, &slow, &m);
	assert_true(m.p < 1e-9);
	assert_true(m.prob_greater > 0.6);
	assert_true(m.z > 0);
	hs_hist_release(&base);
	hs_hist_release(&same);
	hs_hist_release(&slow);
}

/* ------------------------------------------------------------- the model */

struct feeder {
	struct hs_stats *s;
	uint64_t seq[4];
};

static void hdr(struct trace_hdr *h, unsigned type, size_t size, unsigned cpu, uint64_t ts,
		unsigned vm, unsigned vcpu, struct feeder *f)
{
	memset(h, 0, size);
	h->type = (uint16_t)type;
	h->size = (uint16_t)size;
	h->cpu = (uint16_t)cpu;
	h->seq = f->seq[cpu]++;
	h->ts = ts;
	h->vm = (uint16_t)vm;
	h->vcpu = (uint16_t)vcpu;
	h->vmid = 1;
}

static void feed(struct feeder *f, const void *rec)
{
	const struct trace_hdr *h = rec;

	assert_int_equal(hs_stats_feed(f->s, h, h->size), 0);
}

static void exit_at(struct feeder *f, unsigned cpu, uint64_t ts, unsigned vm, unsigned vcpu,
		    unsigned cls, uint64_t esr, uint64_t pc, uint64_t cost, bool injected)
{
	struct trace_exit e;

	hdr(&e.hdr, TRACE_EXIT, sizeof(e), cpu, ts, vm, vcpu, f);
	e.esr = esr ? esr : (uint64_t)cls << ESR_EC_SHIFT;
	e.elr = pc;
	e.cost = cost;
	e.exit_class = (uint16_t)cls;
	e.outcome = injected ? TRACE_EXIT_INJECTED : TRACE_EXIT_HANDLED;
	feed(f, &e);
}

static void entry_at(struct feeder *f, unsigned cpu, uint64_t ts, unsigned vm, unsigned vcpu)
{
	struct trace_entry e;

	hdr(&e.hdr, TRACE_ENTRY, sizeof(e), cpu, ts, vm, vcpu, f);
	feed(f, &e);
}

static struct hs_stats *new_stats(unsigned groups, uint32_t max_pcs)
{
	struct hs_stats_opts o = { .groups = groups, .max_pcs = max_pcs, .cntfrq = 62500000 };
	struct hs_stats *s = hs_stats_new(&o);

	assert_non_null(s);
	return s;
}

/* SDEI: dispatches by cause, completions and resumes, handler time in ns, refused calls. */
static void test_sdei_events_calls_and_handler_time(void **state)
{
	struct feeder f = { .s = new_stats(0, 0) };
	struct hs_stats *s = f.s;
	struct trace_sdei_dispatch d;
	struct trace_sdei_complete c;
	struct trace_sdei_call call;
	const struct hs_sdei_event *e0 = &s->sdei.ev[0], *e1 = &s->sdei.ev[1];
	static const int64_t results[] = { 0, -3, -2, -2, -1, -5, 0x40004 };

	(void)state;
	for (unsigned i = 0; i < 10; i++) {
		hdr(&d.hdr, TRACE_SDEI_DISPATCH, sizeof(d), 0, 1000 + 100 * i, 0, 1, &f);
		d.event_num = i < 7 ? 0 : 2000;
		d.cause = i < 5 ? TRACE_SDEI_CAUSE_SIGNAL : i < 7 ? TRACE_SDEI_CAUSE_HOST
								 : TRACE_SDEI_CAUSE_INTERRUPT;
		feed(&f, &d);
		hdr(&c.hdr, TRACE_SDEI_COMPLETE, sizeof(c), 0, 1050 + 100 * i, 0, 1, &f);
		c.event_num = d.event_num;
		c.kind = i == 3 ? TRACE_SDEI_COMPLETE_RESUME : TRACE_SDEI_COMPLETE_RESTORE;
		/* 62.5 MHz: 625 ticks are 10 us, 6250 are 100 us */
		c.handler_ticks = i < 7 ? 625 : 6250;
		feed(&f, &c);
	}
	for (unsigned i = 0; i < sizeof(results) / sizeof(results[0]); i++) {
		hdr(&call.hdr, TRACE_SDEI_CALL, sizeof(call), 0, 5000 + i, 0, 0, &f);
		call.fn = i == 6 ? 0x10 : 0x1;
		call.result = results[i];
		feed(&f, &call);
	}
	assert_true(e0->used && e0->event == 0 && e1->used && e1->event == 2000);
	assert_false(s->sdei.ev[2].used);
	assert_int_equal(e0->dispatches, 7);
	assert_int_equal(e0->by_cause[TRACE_SDEI_CAUSE_SIGNAL], 5);
	assert_int_equal(e0->by_cause[TRACE_SDEI_CAUSE_HOST], 2);
	assert_int_equal(e0->completes, 6);
	assert_int_equal(e0->resumes, 1);
	assert_int_equal(e0->handler.count, 7);
	assert_int_equal(e0->handler.min, 10000);
	assert_int_equal(e1->dispatches, 3);
	assert_int_equal(e1->by_cause[TRACE_SDEI_CAUSE_INTERRUPT], 3);
	assert_int_equal(e1->handler.max, 100000);
	assert_int_equal(s->sdei.calls[1], 6);
	assert_int_equal(s->sdei.calls[0x10], 1);
	assert_int_equal(s->sdei.denied, 1);
	assert_int_equal(s->sdei.invalid, 2);
	assert_int_equal(s->sdei.not_supported, 1);
	assert_int_equal(s->sdei.pending, 1);
	assert_int_equal(hs_stats_count(s, TRACE_SDEI_CALL), 7);
	hs_stats_destroy(s);
}

static void test_its_commands_errors_and_lpis(void **state)
{
	struct feeder f = { .s = new_stats(0, 0) };
	struct hs_stats *s = f.s;
	struct trace_its r;
	/* cmd, result, record type */
	static const struct { uint8_t cmd, result; uint16_t type; } recs[] = {
		{ 0x08, 0, TRACE_ITS_CMD }, { 0x09, 0, TRACE_ITS_CMD }, { 0x0a, 0, TRACE_ITS_CMD },
		{ 0x0a, 8, TRACE_ITS_CMD }, { 0x2a, 11, TRACE_ITS_CMD }, { 0x03, 0, TRACE_ITS_CMD },
		{ 0x03, 0, TRACE_ITS_LPI }, { TRACE_ITS_MSI, 0, TRACE_ITS_LPI },
		{ TRACE_ITS_MSI, 0, TRACE_ITS_LPI }, { TRACE_ITS_MSI, 4, TRACE_ITS_LPI },
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		memset(&r, 0, sizeof(r));
		hdr(&r.hdr, recs[i].type, sizeof(r), 0, 1000 + i, 0, 0, &f);
		r.cmd = recs[i].cmd;
		r.result = recs[i].result;
		feed(&f, &r);
	}
	assert_int_equal(hs_stats_count(s, TRACE_ITS_CMD), 6);
	assert_int_equal(hs_stats_count(s, TRACE_ITS_LPI), 4);
	assert_int_equal(s->its.cmds[0x0a], 2);
	assert_int_equal(s->its.cmds[0x08], 1);
	assert_int_equal(s->its.cmds[HS_ITS_CMDS], 1); /* 0x2a: not a GICv3 command */
	assert_int_equal(s->its.cmd_errors, 2);
	assert_int_equal(s->its.lpis_int, 1);
	assert_int_equal(s->its.lpis_msi, 2);
	assert_int_equal(s->its.msis_dropped, 1);
	hs_stats_reset(s);
	assert_int_equal(s->its.lpis_msi, 0);
	hs_stats_destroy(s);
}

static void test_exits_are_counted_by_class_with_time_to_next_entry(void **state)
{
	struct feeder f = { .s = new_stats(HS_GROUP_ALL, 0) };
	struct hs_stats *s = f.s;
	uint64_t ts = 1000;
	int i;

	(void)state;
	for (i = 0; i < 100; i++) {
		entry_at(&f, 0, ts, 0, 0);
		/* HVC: 10 ticks in the hypervisor, 500 cycles */
		exit_at(&f, 0, ts + 100, 0, 0, ESR_EC_HVC64, 0, 0x40001000, 500, false);
		entry_at(&f, 0, ts + 110, 0, 0);
		/* data abort on vCPU 1 of VM 1, CPU 1: 20 ticks, 900 cycles */
		exit_at(&f, 1, ts + 120, 1, 1, ESR_EC_DABT_LOW, 0, 0x40002000, 900, i < 10);
		entry_at(&f, 1, ts + 140, 1, 1);
		ts += 1000;
	}
	assert_int_equal(s->total.count, 200);
	assert_int_equal(s->classes[ESR_EC_HVC64].count, 100);
	assert_int_equal(s->classes[ESR_EC_DABT_LOW].count, 100);
	assert_int_equal(s->classes[ESR_EC_DABT_LOW].failed, 10);
	/* 62.5 MHz: one tick is 16 ns */
	assert_int_equal(s->classes[ESR_EC_HVC64].time.count, 100);
	assert_int_equal(hs_hist_quantile(&s->classes[ESR_EC_HVC64].time, 0.5), 160);
	assert_int_equal(s->classes[ESR_EC_DABT_LOW].time.min, 320);
	assert_int_equal(s->classes[ESR_EC_DABT_LOW].cost.max, 900);
	assert_true(hs_hist_mean(&s->classes[ESR_EC_HVC64].cost) == 500.0);
	/* vCPU 0's entry at the start of each round has no exit before it */
	assert_int_equal(s->unpaired, 100);
	assert_int_equal(hs_stats_count(s, TRACE_EXIT), 200);
	assert_int_equal(hs_stats_count(s, TRACE_ENTRY), 300);
	assert_int_equal(s->records, 500);
	assert_int_equal(s->nr_cpus, 2);
	assert_int_equal(s->first_ts, 1000);
	assert_int_equal(s->last_ts, 1000 + 99 * 1000 + 140);
	hs_stats_destroy(s);
}

static void test_guest_time_runs_from_entry_to_exit(void **state)
{
	struct feeder f = { .s = new_stats(HS_GROUP_VM, 0) };
	struct hs_stats *s = f.s;
	struct hs_ref *refs;
	int i, n;

	(void)state;
	for (i = 0; i < 10; i++) {
		/* VM 0 runs 50 ticks per entry, VM 1 200 */
		entry_at(&f, 0, 1000 + 1000 * (uint64_t)i, 0, 0);
		exit_at(&f, 0, 1050 + 1000 * (uint64_t)i, 0, 0, ESR_EC_HVC64, 0, 0, 1, false);
		entry_at(&f, 1, 1000 + 1000 * (uint64_t)i, 1, 0);
		exit_at(&f, 1, 1200 + 1000 * (uint64_t)i, 1, 0, ESR_EC_HVC64, 0, 0, 1, false);
	}
	/* an exit with no entry before it (a loss) adds nothing */
	f.seq[0] += 2;
	exit_at(&f, 0, 20000, 0, 0, ESR_EC_HVC64, 0, 0, 1, false);
	assert_int_equal(s->total.guest_ns, 10 * (50 + 200) * 16);
	assert_true(fabs(hs_stats_guest_s(s) - 40e-6) < 1e-12);
	n = hs_stats_rows(s, HS_BY_VM, HS_SORT_NAME, &refs);
	assert_int_equal(n, 2);
	assert_int_equal(refs[0].row->guest_ns, 10 * 50 * 16);
	assert_int_equal(refs[1].row->guest_ns, 10 * 200 * 16);
	free(refs);
	n = hs_stats_rows(s, HS_BY_VCPU, HS_SORT_NAME, &refs);
	assert_int_equal(refs[1].row->guest_ns, 10 * 200 * 16);
	free(refs);
	hs_stats_reset(s);
	assert_int_equal(s->total.guest_ns, 0);
	hs_stats_destroy(s);
}

static void test_rows_by_vm_vcpu_and_pc_are_sorted(void **state)
{
	struct feeder f = { .s = new_stats(HS_GROUP_ALL, 0) };
	struct hs_ref *refs;
	int n, i;

	(void)state;
	for (i = 0; i < 30; i++)
		exit_at(&f, 0, 100 + i, 0, i % 2, ESR_EC_WFX, 0, 0x1000 + (i % 3) * 4, 10, false);
	for (i = 0; i < 50; i++)
		exit_at(&f, 1, 200 + i, 2, 0, ESR_EC_SYS64, 0, 0x2000, 20, false);

	n = hs_stats_rows(f.s, HS_BY_VM, HS_SORT_COUNT, &refs);
	assert_int_equal(n, 2);
	assert_int_equal(refs[0].vm, 2);
	assert_int_equal(refs[0].row->count, 50);
	assert_int_equal(refs[1].vm, 0);
	free(refs);

	n = hs_stats_rows(f.s, HS_BY_VCPU, HS_SORT_NAME, &refs);
	assert_int_equal(n, 3);
	assert_int_equal(refs[0].vm, 0);
	assert_int_equal(refs[0].vcpu, 0);
	assert_int_equal(refs[1].vcpu, 1);
	assert_int_equal(refs[1].row->count, 15);
	assert_int_equal(refs[2].vm, 2);
	free(refs);

	n = hs_stats_rows(f.s, HS_BY_PC, HS_SORT_COUNT, &refs);
	assert_int_equal(n, 4);
	assert_int_equal(refs[0].pc, 0x2000);
	for (i = 1; i < 4; i++)
		assert_int_equal(refs[i].row->count, 10);
	free(refs);

	n = hs_stats_rows(f.s, HS_BY_CLASS, HS_SORT_NAME, &refs);
	assert_int_equal(n, 2);
	assert_int_equal(refs[0].cls, ESR_EC_WFX);
	assert_int_equal(refs[1].cls, ESR_EC_SYS64);
	free(refs);
	hs_stats_destroy(f.s);
}

static void test_unkept_table_is_refused(void **state)
{
	struct hs_stats *s = new_stats(0, 0);
	struct hs_ref *refs;

	(void)state;
	assert_int_equal(hs_stats_rows(s, HS_BY_PC, HS_SORT_COUNT, &refs), -EINVAL);
	assert_int_equal(hs_stats_rows(s, HS_BY_VM, HS_SORT_COUNT, &refs), -EINVAL);
	hs_stats_destroy(s);
}

static void test_full_pc_table_piles_into_other(void **state)
{
	struct feeder f = { .s = new_stats(HS_GROUP_PC, 8) };
	struct hs_ref *refs;
	int n, i;

	(void)state;
	for (i = 0; i < 100; i++)
		exit_at(&f, 0, 10 + i, 0, 0, ESR_EC_HVC64, 0, 0x1000 + 4 * (uint64_t)i, 1, false);
	assert_int_equal(f.s->pcs.nr, 8);
	assert_int_equal(f.s->pcs.other.count, 92);
	n = hs_stats_rows(f.s, HS_BY_PC, HS_SORT_COUNT, &refs);
	assert_int_equal(n, 9);
	assert_true(refs[0].other);
	free(refs);
	hs_stats_destroy(f.s);
}

static void test_mmio_breakdown_by_device_register_and_direction(void **state)
{
	struct feeder f = { .s = new_stats(0, 0) };
	const struct hs_keyed_row **rows;
	struct trace_mmio m;
	int i, n;

	(void)state;
	for (i = 0; i < 30; i++) {
		hdr(&m.hdr, TRACE_MMIO, sizeof(m), 0, 100 + 10 * i, 0, 0, &f);
		m.device = TRACE_DEV_UART;
		m.ipa = GUEST_UART_IPA + (i < 20 ? 0x0 : 0x18); /* DR writes, FR reads */
		m.is_write = i < 20;
		m.width = 4;
		m.result = TRACE_MMIO_OK;
		feed(&f, &m);
		exit_at(&f, 0, 101 + 10 * i, 0, 0, ESR_EC_DABT_LOW, 0, 0x4000, 700 + i, false);
	}
	/* the second vCPU's redistributor folds onto the first one's registers */
	hdr(&m.hdr, TRACE_MMIO, sizeof(m), 1, 1000, 0, 1, &f);
	m.device = TRACE_DEV_GICR;
	m.ipa = GUEST_GICR_IPA + GUEST_GICR_STRIDE + 0x14;
	m.is_write = 0;
	m.result = TRACE_MMIO_ABORT;
	feed(&f, &m);

	n = hs_table_sorted(&f.s->mmio, &rows);
	assert_int_equal(n, 3);
	assert_int_equal(rows[0]->key.b, TRACE_DEV_UART);
	assert_int_equal(rows[0]->key.a, 0x0);
	assert_int_equal(rows[0]->key.write, 1);
	assert_int_equal(rows[0]->row.count, 20);
	assert_int_equal(rows[0]->row.cost.count, 20);
	assert_int_equal(rows[0]->row.cost.min, 700);
	assert_int_equal(rows[1]->key.a, 0x18);
	assert_int_equal(rows[1]->key.write, 0);
	assert_int_equal(rows[1]->row.cost.max, 729);
	assert_int_equal(rows[2]->key.b, TRACE_DEV_GICR);
	assert_int_equal(rows[2]->key.a, 0x14);
	assert_int_equal(rows[2]->row.failed, 1);
	assert_int_equal(rows[2]->row.cost.count, 0); /* no exit followed yet */
	free(rows);
	assert_string_equal(hs_device_name(TRACE_DEV_GICD), "GICD");
	hs_stats_destroy(f.s);
}

static void test_sysreg_traps_by_register_and_direction(void **state)
{
	struct feeder f = { .s = new_stats(0, 0) };
	const struct hs_keyed_row **rows;
	uint64_t esr_read = (uint64_t)ESR_EC_SYS64 << ESR_EC_SHIFT | SYSREG_CNTP_CTL_EL0 | 1;
	uint64_t esr_write = (uint64_t)ESR_EC_SYS64 << ESR_EC_SHIFT | SYSREG_CNTP_CTL_EL0 |
			     (3u << 5);
	int i, n;

	(void)state;
	for (i = 0; i < 7; i++)
		exit_at(&f, 0, 10 + i, 0, 0, ESR_EC_SYS64, esr_read, 0x100, 50, false);
	for (i = 0; i < 3; i++)
		exit_at(&f, 0, 20 + i, 0, 0, ESR_EC_SYS64, esr_write, 0x104, 60, i == 0);
	n = hs_table_sorted(&f.s->sysregs, &rows);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0]->key.a, SYSREG_CNTP_CTL_EL0);
	assert_int_equal(rows[0]->key.write, 0); /* the MRS */
	assert_int_equal(rows[0]->row.count, 7);
	assert_int_equal(rows[1]->key.write, 1);
	assert_int_equal(rows[1]->row.failed, 1);
	assert_string_equal(sysreg_name((uint32_t)rows[0]->key.a), "CNTP_CTL_EL0");
	free(rows);
	hs_stats_destroy(f.s);
}

static void test_hypercalls_by_function_with_cost_and_errors(void **state)
{
	struct feeder f = { .s = new_stats(0, 0) };
	const struct hs_keyed_row **rows;
	struct trace_smccc c;
	int i, n;

	(void)state;
	for (i = 0; i < 12; i++) {
		hdr(&c.hdr, TRACE_SMCCC, sizeof(c), 0, 100 + 10 * i, 0, 0, &f);
		c.fid = i < 8 ? PSCI_VERSION : PSCI_CPU_ON_SMC64;
		c.result[0] = i < 8 ? PSCI_VERSION_OF(1, 1) : (uint64_t)(int64_t)PSCI_RET_ALREADY_ON;
		feed(&f, &c);
		exit_at(&f, 0, 101 + 10 * i, 0, 0, ESR_EC_HVC64, 0, 0x100, 1000 + i, false);
	}
	n = hs_table_sorted(&f.s->hypercalls, &rows);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0]->key.a, PSCI_VERSION);
	assert_int_equal(rows[0]->row.count, 8);
	assert_int_equal(rows[0]->row.failed, 0);
	assert_int_equal(rows[0]->row.cost.count, 8);
	assert_int_equal(rows[1]->key.a, PSCI_CPU_ON_SMC64);
	assert_int_equal(rows[1]->row.failed, 4);
	assert_int_equal(rows[1]->row.cost.min, 1008);
	free(rows);
	hs_stats_destroy(f.s);
}

static void test_vmids_vgic_and_losses(void **state)
{
	struct feeder f = { .s = new_stats(0, 0) };
	struct hs_stats *s = f.s;
	struct trace_vmid_rollover r;
	struct trace_vmid_alloc a;
	struct trace_vgic_lrs l;
	struct trace_vgic_maint m;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		hdr(&a.hdr, TRACE_VMID_ALLOC, sizeof(a), 0, 10 + i, 0, TRACE_NO_VCPU, &f);
		a.in_use = (uint32_t)i + 1;
		a.vmid_bits = 3;
		feed(&f, &a);
	}
	hdr(&r.hdr, TRACE_VMID_ROLLOVER, sizeof(r), 0, 20, TRACE_NO_VM, TRACE_NO_VCPU, &f);
	r.flush_cost = 4321;
	r.vmid_bits = 3;
	r.in_use = 7;
	feed(&f, &r);
	assert_int_equal(s->vmid_allocs, 3);
	assert_int_equal(s->vmid_rollovers, 1);
	assert_int_equal(s->flush_cost.max, 4321);
	assert_int_equal(s->vmids_in_use_max, 7);

	/* snapshots with 0..4 LRs in use, the ones with 4 asking for underflow */
	for (i = 0; i < 10; i++) {
		unsigned used = (unsigned)i % 5, j;

		hdr(&l.hdr, TRACE_VGIC_LRS, sizeof(l), 0, 30 + i, 0, 0, &f);
		l.nr_lrs = 4;
		l.point = TRACE_LRS_FLUSH;
		for (j = 0; j < used; j++)
			l.lr[j] = ICH_LR_PENDING_BIT | (32 + j);
		l.hcr = ICH_HCR_EN | (used == 4 ? ICH_HCR_UIE : 0);
		feed(&f, &l);
	}
	assert_int_equal(s->vgic[TRACE_LRS_FLUSH].snapshots, 10);
	assert_int_equal(s->vgic[TRACE_LRS_FLUSH].lrs[0], 2);
	assert_int_equal(s->vgic[TRACE_LRS_FLUSH].lrs[4], 2);
	assert_int_equal(s->vgic[TRACE_LRS_FLUSH].overflow, 2);
	assert_int_equal(s->vgic[TRACE_LRS_FLUSH].nr_lrs, 4);

	hdr(&m.hdr, TRACE_VGIC_MAINT, sizeof(m), 0, 50, 0, 0, &f);
	m.misr = ICH_MISR_EOI | ICH_MISR_NP;
	feed(&f, &m);
	hdr(&m.hdr, TRACE_VGIC_MAINT, sizeof(m), 0, 51, 0, 0, &f);
	m.misr = ICH_MISR_U;
	feed(&f, &m);
	assert_int_equal(s->maint, 2);
	assert_int_equal(s->maint_causes[ICH_MISR_CAUSE_EOI], 1);
	assert_int_equal(s->maint_causes[ICH_MISR_CAUSE_NP], 1);
	assert_int_equal(s->maint_causes[ICH_MISR_CAUSE_U], 1);

	hs_stats_add_lost(s, 3, 17);
	assert_int_equal(s->lost, 17);
	assert_int_equal(s->cpu_lost[3], 17);
	assert_int_equal(s->nr_cpus, 4);
	hs_stats_destroy(s);
}

static void test_sequence_gap_breaks_the_pairing(void **state)
{
	struct feeder f = { .s = new_stats(0, 0) };

	(void)state;
	exit_at(&f, 0, 100, 0, 0, ESR_EC_HVC64, 0, 0, 5, false);
	f.seq[0] += 3; /* three records lost, among them the entry */
	entry_at(&f, 0, 900, 0, 0);
	assert_int_equal(f.s->gaps, 1);
	assert_int_equal(f.s->classes[ESR_EC_HVC64].time.count, 0);
	assert_int_equal(f.s->unpaired, 1);
	hs_stats_destroy(f.s);
}

static void test_vm_destroy_drops_its_pending_exit_and_names_stay(void **state)
{
	struct feeder f = { .s = new_stats(HS_GROUP_VM, 0) };
	struct trace_vm v;
	char buf[64];

	(void)state;
	hdr(&v.hdr, TRACE_VM_CREATE, sizeof(v), 0, 1, 1, TRACE_NO_VCPU, &f);
	strcpy(v.name, "demo1");
	feed(&f, &v);
	exit_at(&f, 0, 10, 1, 0, ESR_EC_HVC64, 0, 0, 5, false);
	hdr(&v.hdr, TRACE_VM_DESTROY, sizeof(v), 0, 20, 1, TRACE_NO_VCPU, &f);
	strcpy(v.name, "demo1");
	feed(&f, &v);
	entry_at(&f, 0, 30, 1, 0);
	assert_int_equal(f.s->classes[ESR_EC_HVC64].time.count, 0);
	assert_string_equal(hs_vm_label(f.s, 1, buf, sizeof(buf)), "vm1 (demo1)");
	assert_string_equal(hs_vm_label(f.s, 2, buf, sizeof(buf)), "vm2");
	hs_stats_reset(f.s);
	assert_string_equal(hs_vm_label(f.s, 1, buf, sizeof(buf)), "vm1 (demo1)");
	hs_stats_destroy(f.s);
}

static void test_reset_keeps_an_exit_waiting_for_its_entry(void **state)
{
	struct feeder f = { .s = new_stats(HS_GROUP_ALL, 0) };
	struct hs_stats *s = f.s;
	struct hs_ref *refs;

	(void)state;
	exit_at(&f, 0, 100, 0, 0, ESR_EC_HVC64, 0, 0x10, 5, false);
	entry_at(&f, 0, 110, 0, 0);
	exit_at(&f, 0, 200, 0, 0, ESR_EC_WFX, 0, 0x20, 7, false);
	hs_stats_reset(s);
	assert_int_equal(s->records, 0);
	assert_int_equal(s->total.count, 0);
	assert_int_equal(s->classes[ESR_EC_HVC64].count, 0);
	assert_int_equal(s->classes[ESR_EC_HVC64].time.count, 0);
	assert_int_equal(hs_stats_rows(s, HS_BY_VM, HS_SORT_COUNT, &refs), 0);
	free(refs);
	entry_at(&f, 0, 250, 0, 0);
	/* the WFX exit from before the reset: its time lands in the new window */
	assert_int_equal(s->classes[ESR_EC_WFX].time.count, 1);
	assert_int_equal(s->classes[ESR_EC_WFX].time.min, 50 * 16);
	assert_int_equal(s->records, 1);
	hs_stats_destroy(s);
}

static void test_short_and_unknown_records_are_skipped(void **state)
{
	struct feeder f = { .s = new_stats(0, 0) };
	uint8_t buf[64] = { 0 };
	struct trace_hdr *h = (struct trace_hdr *)buf;

	(void)state;
	h->type = TRACE_EXIT;
	h->size = 48;
	assert_int_equal(hs_stats_feed(f.s, h, 48), 0);
	assert_int_equal(f.s->short_records, 1);
	assert_int_equal(f.s->total.count, 0);
	h->type = 0x0150; /* an SDEI record: not decoded yet */
	h->size = 48;
	assert_int_equal(hs_stats_feed(f.s, h, 48), 0);
	assert_int_equal(f.s->other_types, 1);
	assert_int_equal(f.s->records, 1);
	hs_stats_destroy(f.s);
}

static void test_ticks_convert_to_ns_at_any_frequency(void **state)
{
	struct hs_stats *s = new_stats(0, 0);

	(void)state;
	assert_int_equal(hs_stats_ticks_to_ns(s, 3), 48);
	hs_stats_set_cntfrq(s, 24000000);
	assert_int_equal(hs_stats_ticks_to_ns(s, 24000000), 1000000000);
	assert_int_equal(hs_stats_ticks_to_ns(s, 3), 125);
	hs_stats_set_cntfrq(s, 1000000000);
	assert_int_equal(hs_stats_ticks_to_ns(s, 12345), 12345);
	hs_stats_destroy(s);
	hs_stats_destroy(NULL);
}

/* ------------------------------------------------------- deferred sums */

static void assert_hist_equal(const struct hs_hist *a, const struct hs_hist *b)
{
	unsigned g;

	assert_int_equal(a->count, b->count);
	assert_int_equal(a->sum, b->sum);
	assert_int_equal(a->missed, b->missed);
	if (a->count) {
		assert_int_equal(a->min, b->min);
		assert_int_equal(a->max, b->max);
	}
	for (g = 0; g < HS_HIST_GROUPS; g++) {
		uint64_t bx[HS_HIST_SUB], by[HS_HIST_SUB];
		const uint64_t *x = hs_hist_group(a, g, bx), *y = hs_hist_group(b, g, by);

		assert_true(!x == !y);
		if (x)
			assert_memory_equal(x, y, HS_HIST_SUB * sizeof(*x));
	}
}

static void assert_row_equal(const struct hs_row *a, const struct hs_row *b)
{
	assert_int_equal(a->count, b->count);
	assert_int_equal(a->failed, b->failed);
	assert_int_equal(a->guest_ns, b->guest_ns);
	assert_hist_equal(&a->cost, &b->cost);
	assert_hist_equal(&a->time, &b->time);
}

static void assert_table_equal(const struct hs_table *a, const struct hs_table *b)
{
	uint32_t i;

	assert_int_equal(a->nr, b->nr);
	assert_int_equal(a->overflowed, b->overflowed);
	for (i = 0; i < a->nr; i++) {
		assert_memory_equal(&a->rows[i].key, &b->rows[i].key, sizeof(a->rows[i].key));
		assert_row_equal(&a->rows[i].row, &b->rows[i].row);
	}
	assert_row_equal(&a->other, &b->other);
}

static uint64_t mix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * Record n of a random stream into buf: exits of every kind by vCPUs with
 * small and large numbers, MMIO, sysregs and hypercalls past the tables'
 * size of the models below, entries, a VM destroyed (n 300000) and a
 * sequence gap (n 400000). x is the generator's state, seq and ts each
 * CPU's.
 */
static void random_record(uint64_t *buf, size_t len, unsigned n, uint64_t *x, uint64_t seq[4],
			  uint64_t ts[4])
{
	static const unsigned classes[] = { ESR_EC_HVC64, ESR_EC_DABT_LOW, ESR_EC_SYS64,
					    ESR_EC_WFX, HYP_EXIT_IRQ, 0x3f, 0x1ff };
	struct trace_hdr *h = (struct trace_hdr *)buf;
	uint64_t r = mix(x);
	unsigned cpu = (unsigned)(r & 3), vm = (unsigned)(r >> 2) % 70;
	unsigned vcpu = (unsigned)(r >> 9) % 20;
	unsigned cls;

	if ((r >> 16) % 500 == 0)
		vcpu = TRACE_NO_VCPU;
	ts[cpu] += 1 + (r >> 20) % 300;
	memset(buf, 0, len);
	switch ((r >> 32) % 6) {
	case 0:
	case 1: {
		struct trace_exit *e = (struct trace_exit *)buf;

		cls = classes[(r >> 40) % 7];
		h->type = TRACE_EXIT;
		h->size = sizeof(*e);
		e->exit_class = (uint16_t)cls;
		e->esr = (uint64_t)(cls & 0x3f) << ESR_EC_SHIFT | (r >> 38 & 0x3fffff);
		e->elr = 0x40000000u + (r >> 48) % 1000 * 4;
		e->cost = (r >> 8) % 100000;
		e->outcome = (r >> 61) ? TRACE_EXIT_HANDLED : TRACE_EXIT_INJECTED;
		e->flags = (r >> 60 & 7) == 5 ? TRACE_EXIT_NO_COST : 0;
		break;
	}
	case 2:
	case 3:
		h->type = TRACE_ENTRY;
		h->size = sizeof(struct trace_entry);
		break;
	case 4: {
		struct trace_mmio *m = (struct trace_mmio *)buf;

		h->type = TRACE_MMIO;
		h->size = sizeof(*m);
		m->device = (r >> 40) % 3 ? TRACE_DEV_UART : TRACE_DEV_GICD;
		m->ipa = (m->device == TRACE_DEV_UART ? GUEST_UART_IPA : GUEST_GICD_IPA) +
			 (r >> 44) % 400;
		m->is_write = (uint8_t)(r >> 60 & 1);
		m->result = (r >> 61) ? TRACE_MMIO_OK : TRACE_MMIO_ABORT;
		break;
	}
	default: {
		struct trace_smccc *c = (struct trace_smccc *)buf;

		h->type = TRACE_SMCCC;
		h->size = sizeof(*c);
		c->fid = 0x84000000u + (uint32_t)((r >> 40) % 300);
		c->result[0] = (r >> 60) ? 0 : (uint64_t)-2;
		break;
	}
	}
	if (n == 300000) {
		struct trace_vm *v = (struct trace_vm *)buf;

		h->type = TRACE_VM_DESTROY;
		h->size = sizeof(*v);
		vm = 3;
		vcpu = TRACE_NO_VCPU;
	}
	if (n == 400000)
		seq[cpu] += 5;
	h->cpu = (uint16_t)cpu;
	h->seq = seq[cpu]++;
	h->ts = ts[cpu];
	h->vm = (uint16_t)vm;
	h->vcpu = (uint16_t)vcpu;
}

/* Models a and b (b settled) hold the same exits, tables and counts. */
static void assert_models_equal(const struct hs_stats *a, const struct hs_stats *b)
{
	unsigned i;

	assert_row_equal(&a->total, &b->total);
	for (i = 0; i < HS_CLASS_ROWS; i++)
		assert_row_equal(&a->classes[i], &b->classes[i]);
	assert_table_equal(&a->vms, &b->vms);
	assert_table_equal(&a->vcpus, &b->vcpus);
	assert_table_equal(&a->pcs, &b->pcs);
	assert_table_equal(&a->mmio, &b->mmio);
	assert_table_equal(&a->sysregs, &b->sysregs);
	assert_table_equal(&a->hypercalls, &b->hypercalls);
	assert_int_equal(a->records, b->records);
	assert_int_equal(a->unpaired, b->unpaired);
	assert_int_equal(a->gaps, b->gaps);
	assert_int_equal(a->nomem, 0);
	assert_int_equal(b->nomem, 0);
	assert_null(b->cells);
}

/*
 * A model that defers its sums and then settles is the model fed record by
 * record: every row, table (in its order, overflow included) and count,
 * from random_record()'s stream; enough samples for the logs of the large
 * tables to fill and be counted before the end.
 */
static void test_deferred_sums_settle_to_the_same_model(void **state)
{
	struct hs_stats_opts o = { .groups = HS_GROUP_ALL, .max_pcs = 300, .max_keys = 200,
				   .cntfrq = 62500000 };
	struct hs_stats *a = hs_stats_new(&o), *b = hs_stats_new(&o);
	uint64_t buf[TRACE_MAX_RECORD / 8], x = 7, seq[4] = { 0 }, ts[4] = { 0 };
	struct trace_hdr *h = (struct trace_hdr *)buf;
	unsigned n;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(hs_stats_defer(b), 0);
	for (n = 0; n < 600000; n++) {
		random_record(buf, sizeof(buf), n, &x, seq, ts);
		assert_int_equal(hs_stats_feed(a, h, h->size), 0);
		assert_int_equal(hs_stats_feed(b, h, h->size), 0);
	}
	assert_int_equal(hs_stats_settle(b), 0);
	assert_true(a->mmio.overflowed);
	assert_true(a->sysregs.overflowed);
	assert_true(a->pcs.overflowed);
	assert_true(a->hypercalls.overflowed);
	assert_true(a->vms.overflowed);
	assert_models_equal(a, b);
	/* settled, it counts record by record again */
	assert_int_equal(hs_stats_feed(b, h, h->size), 0);
	assert_int_equal(hs_stats_feed(a, h, h->size), 0);
	assert_row_equal(&a->total, &b->total);
	hs_stats_destroy(a);
	hs_stats_destroy(b);
}

/*
 * Exits of one vCPU and class, all of one cost and one time, past the
 * histograms' counter width: the deferring model's cell wraps its counters,
 * and the total, class and vCPU rows summed from it when it settles carry,
 * as the rows of the model that counts as it goes wrap their own.
 */
static void test_deferred_rows_past_the_counters_width_settle_exactly(void **state)
{
	struct feeder fa = { .s = new_stats(HS_GROUP_ALL, 0) };
	struct feeder fb = { .s = new_stats(HS_GROUP_ALL, 0) };
	const uint64_t n = 3 * ((uint64_t)1 << HS_HIST_CTR_BITS) + 5;
	uint64_t i, ts = 1000;
	unsigned g, s;

	(void)state;
	assert_int_equal(hs_stats_defer(fb.s), 0);
	for (i = 0; i < n; i++) {
		/* 10 ticks in the hypervisor: 160 ns */
		exit_at(&fa, 0, ts, 0, 0, ESR_EC_HVC64, 0, 0x40001000, 500, false);
		exit_at(&fb, 0, ts, 0, 0, ESR_EC_HVC64, 0, 0x40001000, 500, false);
		entry_at(&fa, 0, ts + 10, 0, 0);
		entry_at(&fb, 0, ts + 10, 0, 0);
		ts += 100;
	}
	assert_int_equal(hs_stats_settle(fb.s), 0);
	assert_models_equal(fa.s, fb.s);
	hs_hist_bucket(500, &g, &s);
	assert_int_equal(hs_hist_bucket_count(&fb.s->total.cost, g, s), n);
	assert_int_equal(hs_hist_bucket_count(&fb.s->classes[ESR_EC_HVC64].cost, g, s), n);
	assert_int_equal(hs_hist_bucket_count(&fb.s->vcpus.rows[0].row.cost, g, s), n);
	hs_hist_bucket(160, &g, &s);
	assert_int_equal(hs_hist_bucket_count(&fb.s->total.time, g, s), n);
	assert_int_equal(hs_hist_bucket_count(&fb.s->pcs.rows[0].row.time, g, s), n);
	assert_int_equal(hs_hist_quantile(&fb.s->total.time, 0.5), 160);
	assert_int_equal(fb.s->nomem, 0);
	hs_stats_destroy(fa.s);
	hs_stats_destroy(fb.s);
}

/*
 * hs_stats_feed_batch() builds the model hs_stats_feed() builds record by
 * record, in batches of 1 to 300 records, from random_record()'s stream
 * with, now and then, what the batch's run of plain records must leave to
 * hs_stats_feed(): a record too short for its type, a type this version does
 * not decode, a CPU past HS_MAX_CPUS, a sequence gap, a sequence number that
 * goes back, a CPU's first record; and a batch before which the model was
 * reset (its next record is the first again). Both the model that counts as
 * it goes and the one that defers.
 */
static void test_batches_feed_the_model_record_by_record_does(void **state)
{
	struct hs_stats_opts o = { .groups = HS_GROUP_ALL, .max_pcs = 300, .max_keys = 200,
				   .cntfrq = 62500000 };
	enum { NR = 200000, SLOT = 128 };
	uint64_t *bufs = calloc(NR, SLOT), x = 5, y = 9, seq[4] = { 0 }, ts[4] = { 0 }, r;
	struct tf_record *rec = calloc(NR, sizeof(*rec));
	struct trace_hdr *h;
	unsigned n, i, k, defer, batches = 0;

	(void)state;
	assert_non_null(bufs);
	assert_non_null(rec);
	for (n = 0; n < NR; n++) {
		h = (struct trace_hdr *)(bufs + (size_t)n * (SLOT / 8));
		/* from n 1000 on, as n + 299000: the VM destroyed and the gap come in */
		random_record((uint64_t *)h, SLOT, n < 1000 ? n : n + 299000, &x, seq, ts);
		r = mix(&y) % 1000;
		if (r == 0)
			h->size = 16; /* too short for any type */
		else if (r == 6)
			h->size = sizeof(*h); /* a header alone: too short for all but a few */
		else if (r == 1)
			h->type = 0x00ff;
		else if (r == 2)
			h->cpu = (uint16_t)(HS_MAX_CPUS + h->cpu);
		else if (r == 3)
			h->seq += 3;
		else if (r == 4)
			h->seq -= 2;
		else if (r == 5)
			h->cpu = 4 + (uint16_t)(mix(&y) % 8); /* first of its CPU, or not */
		rec[n] = (struct tf_record){ .hdr = h, .size = h->size, .cpu = h->cpu };
	}
	for (defer = 0; defer < 2; defer++) {
		struct hs_stats *a = hs_stats_new(&o), *b = hs_stats_new(&o);

		assert_non_null(a);
		assert_non_null(b);
		if (defer) {
			assert_int_equal(hs_stats_defer(a), 0);
			assert_int_equal(hs_stats_defer(b), 0);
		}
		for (n = 0; n < NR; n += k) {
			k = 1 + (unsigned)(mix(&y) % 300);
			if (k > NR - n)
				k = NR - n;
			if (++batches % 97 == 0 && !defer) {
				hs_stats_reset(a);
				hs_stats_reset(b);
			}
			for (i = n; i < n + k; i++)
				assert_int_equal(hs_stats_feed(a, rec[i].hdr, rec[i].size), 0);
			assert_int_equal(hs_stats_feed_batch(b, rec + n, k), 0);
		}
		assert_int_equal(hs_stats_settle(a), 0);
		assert_int_equal(hs_stats_settle(b), 0);
		assert_true(a->short_records);
		assert_true(a->other_types);
		assert_true(a->gaps);
		assert_models_equal(a, b);
		assert_int_equal(a->first_ts, b->first_ts);
		assert_int_equal(a->last_ts, b->last_ts);
		assert_int_equal(a->nr_cpus, b->nr_cpus);
		assert_int_equal(a->other_types, b->other_types);
		assert_int_equal(a->short_records, b->short_records);
		assert_memory_equal(a->cpu_records, b->cpu_records, sizeof(a->cpu_records));
		assert_memory_equal(a->next_seq, b->next_seq, sizeof(a->next_seq));
		assert_memory_equal(a->seq_known, b->seq_known, sizeof(a->seq_known));
		assert_memory_equal(a->by_type_index, b->by_type_index, sizeof(a->by_type_index));
		assert_memory_equal(a->vm_names, b->vm_names, sizeof(a->vm_names));
		hs_stats_destroy(a);
		hs_stats_destroy(b);
	}
	free(bufs);
	free(rec);
}

/* Feed one record to both models. */
static void feed_both(struct hs_stats *a, struct hs_stats *b, const struct trace_hdr *h)
{
	assert_int_equal(hs_stats_feed(a, h, h->size), 0);
	assert_int_equal(hs_stats_feed(b, h, h->size), 0);
}

/*
 * The MMIO and sysreg tables of a deferring model look their records up in
 * batches, a part of the hash index at a time: the keys still take rows in
 * the order first seen, so that the same keys overflow into the table's
 * `other` row when it fills in the middle of a batch whose keys hash all
 * over the index, and an MMIO access whose exit comes after its batch was
 * looked up still gets that exit's cost. Compared with the model fed record
 * by record, row by row in the rows' order.
 */
static void test_batched_lookups_keep_first_seen_rows_and_costs(void **state)
{
	struct hs_stats_opts o = { .max_keys = 300, .cntfrq = 62500000 };
	struct hs_stats *a = hs_stats_new(&o), *b = hs_stats_new(&o);
	uint64_t seq[3] = { 0 }, ts = 0, x = 11, r, keys;
	struct trace_mmio m[3];
	struct trace_exit e;
	unsigned n, v;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(hs_stats_defer(b), 0);
	/*
	 * Three vCPUs on three CPUs, each access's exit after the other vCPUs'
	 * accesses (a batch, of a power of two, then ends between an access
	 * and its exit); the keys seen grow slowly, so that the tables fill
	 * after several batches were looked up.
	 */
	for (n = 0; n < 300000; n++) {
		keys = 40 + n / 768;
		for (v = 0; v < 3; v++) {
			r = mix(&x);
			memset(&m[v], 0, sizeof(m[v]));
			m[v].hdr = (struct trace_hdr){ .type = TRACE_MMIO, .size = sizeof(m[v]),
						       .cpu = (uint16_t)v, .seq = seq[v]++,
						       .ts = ++ts, .vcpu = (uint16_t)v };
			m[v].device = TRACE_DEV_UART;
			m[v].ipa = GUEST_UART_IPA + r % keys * 4;
			m[v].is_write = (uint8_t)(r >> 20 & 1);
			m[v].result = r >> 21 & 7 ? TRACE_MMIO_OK : TRACE_MMIO_ABORT;
			feed_both(a, b, &m[v].hdr);
		}
		for (v = 0; v < 3; v++) {
			r = mix(&x);
			memset(&e, 0, sizeof(e));
			e.hdr = (struct trace_hdr){ .type = TRACE_EXIT, .size = sizeof(e),
						    .cpu = (uint16_t)v, .seq = seq[v]++, .ts = ++ts,
						    .vcpu = (uint16_t)v };
			/* every other exit a sysreg trap, of as many registers as MMIO keys */
			e.exit_class = n & 1 ? ESR_EC_SYS64 : ESR_EC_DABT_LOW;
			/* the key's CRm in ISS bits 4:1, the rest from CRn (bit 10) up */
			e.esr = (uint64_t)e.exit_class << ESR_EC_SHIFT | (r % keys & 0xf) << 1 |
				(r % keys >> 4) << 10 | (r >> 20 & 1);
			e.cost = 100 + (r >> 24) % 5000;
			e.outcome = r >> 40 & 7 ? TRACE_EXIT_HANDLED : TRACE_EXIT_INJECTED;
			e.flags = (r >> 44) % 50 ? 0 : TRACE_EXIT_NO_COST;
			feed_both(a, b, &e.hdr);
		}
	}
	assert_int_equal(hs_stats_settle(b), 0);
	assert_int_equal(a->mmio.nr, 300);
	assert_int_equal(a->sysregs.nr, 300);
	assert_true(a->mmio.overflowed);
	assert_true(a->sysregs.overflowed);
	assert_true(a->mmio.other.cost.count);
	assert_table_equal(&a->mmio, &b->mmio);
	assert_table_equal(&a->sysregs, &b->sysregs);
	assert_int_equal(a->nomem, 0);
	assert_int_equal(b->nomem, 0);
	hs_stats_destroy(a);
	hs_stats_destroy(b);
}

/*
 * A deferring model reset with MMIO accesses and sysreg traps waiting for
 * their lookup: their keys keep their rows, their counts go with the reset,
 * and an access's exit after the reset still brings its cost, as in the
 * model fed record by record.
 */
static void test_reset_of_a_deferring_model_looks_up_what_waits(void **state)
{
	struct hs_stats_opts o = { .cntfrq = 62500000 };
	struct hs_stats *a = hs_stats_new(&o), *b = hs_stats_new(&o);
	struct trace_mmio m;
	struct trace_exit e;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(hs_stats_defer(b), 0);
	memset(&e, 0, sizeof(e));
	e.hdr = (struct trace_hdr){ .type = TRACE_EXIT, .size = sizeof(e), .seq = 0, .ts = 10 };
	e.exit_class = ESR_EC_SYS64;
	e.esr = (uint64_t)ESR_EC_SYS64 << ESR_EC_SHIFT | SYSREG_CNTP_CTL_EL0 | 1;
	e.cost = 40;
	feed_both(a, b, &e.hdr);
	memset(&m, 0, sizeof(m));
	m.hdr = (struct trace_hdr){ .type = TRACE_MMIO, .size = sizeof(m), .seq = 1, .ts = 20 };
	m.device = TRACE_DEV_UART;
	m.ipa = GUEST_UART_IPA + 0x18;
	feed_both(a, b, &m.hdr);
	hs_stats_reset(a);
	hs_stats_reset(b);
	e.hdr.seq = 2;
	e.hdr.ts = 30;
	e.exit_class = ESR_EC_DABT_LOW;
	e.esr = (uint64_t)ESR_EC_DABT_LOW << ESR_EC_SHIFT;
	e.cost = 700;
	feed_both(a, b, &e.hdr);
	assert_int_equal(hs_stats_settle(b), 0);
	assert_int_equal(b->mmio.nr, 1);
	assert_int_equal(b->mmio.rows[0].row.count, 0);
	assert_int_equal(b->mmio.rows[0].row.cost.count, 1);
	assert_int_equal(b->mmio.rows[0].row.cost.min, 700);
	assert_int_equal(b->sysregs.nr, 1);
	assert_int_equal(b->sysregs.rows[0].row.count, 0);
	assert_table_equal(&a->mmio, &b->mmio);
	assert_table_equal(&a->sysregs, &b->sysregs);
	hs_stats_destroy(a);
	hs_stats_destroy(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantiles_within_bound_of_exact_sorting),
		cmocka_unit_test(test_single_value_and_empty_histogram),
		cmocka_unit_test(test_memory_is_bounded_by_the_bucket_count),
		cmocka_unit_test(test_merge_equals_adding_everything),
		cmocka_unit_test(test_reset_forgets_samples_and_keeps_blocks),
		cmocka_unit_test(test_counter_carries_exactly_across_its_width),
		cmocka_unit_test(test_merged_counts_stay_exact_past_32_bits),
		cmocka_unit_test(test_mann_whitney_matches_the_pairwise_definition),
		cmocka_unit_test(test_mann_whitney_tells_a_shift_from_noise),
		cmocka_unit_test(test_exits_are_counted_by_class_with_time_to_next_entry),
		cmocka_unit_test(test_sdei_events_calls_and_handler_time),
		cmocka_unit_test(test_its_commands_errors_and_lpis),
		cmocka_unit_test(test_guest_time_runs_from_entry_to_exit),
		cmocka_unit_test(test_rows_by_vm_vcpu_and_pc_are_sorted),
		cmocka_unit_test(test_unkept_table_is_refused),
		cmocka_unit_test(test_full_pc_table_piles_into_other),
		cmocka_unit_test(test_mmio_breakdown_by_device_register_and_direction),
		cmocka_unit_test(test_sysreg_traps_by_register_and_direction),
		cmocka_unit_test(test_hypercalls_by_function_with_cost_and_errors),
		cmocka_unit_test(test_vmids_vgic_and_losses),
		cmocka_unit_test(test_sequence_gap_breaks_the_pairing),
		cmocka_unit_test(test_vm_destroy_drops_its_pending_exit_and_names_stay),
		cmocka_unit_test(test_reset_keeps_an_exit_waiting_for_its_entry),
		cmocka_unit_test(test_short_and_unknown_records_are_skipped),
		cmocka_unit_test(test_ticks_convert_to_ns_at_any_frequency),
		cmocka_unit_test(test_deferred_sums_settle_to_the_same_model),
		cmocka_unit_test(test_deferred_rows_past_the_counters_width_settle_exactly),
		cmocka_unit_test(test_batched_lookups_keep_first_seen_rows_and_costs),
		cmocka_unit_test(test_reset_of_a_deferring_model_looks_up_what_waits),
		cmocka_unit_test(test_batches_feed_the_model_record_by_record_does),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
