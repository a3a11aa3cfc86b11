/*
 * Unit tests for the live view's model and text (tui/model.c, tui/view.c,
 * tui/evtext.c), without a terminal: exits aggregated on top of
 * tracer/lib/stats.c with the rate of the last interval, sorting, filtering,
 * VM and vCPU scopes, vCPU state and time, list register snapshots,
 * histogram bucketing, sparkline binning and scaling, the event log ring.
 */
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
#include "formats/ich_lr.h"
#include "formats/smccc.h"
#include "tui/evtext.h"
#include "tui/model.h"
#include "tui/view.h"

#define HZ 1000000000ull /* 1 GHz counter: a tick is a nanosecond */

/* ---------------------------------------------------------------- records */

static uint64_t seqs[8];

static void hdr(struct trace_hdr *h, uint16_t type, size_t size, unsigned cpu, unsigned vm,
		unsigned vcpu, uint64_t ts)
{
	memset(h, 0, size);
	h->type = type;
	h->size = (uint16_t)size;
	h->cpu = (uint16_t)cpu;
	h->seq = seqs[cpu]++;
	h->ts = ts;
	h->vm = (uint16_t)vm;
	h->vcpu = (uint16_t)vcpu;
	h->vmid = vm == TRACE_NO_VM ? TRACE_NO_VMID : (uint16_t)(vm + 1);
	h->vmid_gen = 1;
}

static void feed_exit(struct top_model *m, unsigned cpu, unsigned vm, unsigned vcpu,
		      unsigned cls, uint64_t ts)
{
	struct trace_exit e;

	hdr(&e.hdr, TRACE_EXIT, sizeof(e), cpu, vm, vcpu, ts);
	e.exit_class = (uint16_t)cls;
	e.esr = cls <= HYP_EXIT_SYNC_LAST ? (uint64_t)cls << ESR_EC_SHIFT : 0;
	e.cost = 100;
	top_model_feed(m, &e.hdr, sizeof(e));
}

static void feed_entry(struct top_model *m, unsigned cpu, unsigned vm, unsigned vcpu, uint64_t ts)
{
	struct trace_entry e;

	hdr(&e.hdr, TRACE_ENTRY, sizeof(e), cpu, vm, vcpu, ts);
	top_model_feed(m, &e.hdr, sizeof(e));
}

/* An exit of class cls at ts and its entry `ns` later. */
static void feed_round(struct top_model *m, unsigned cpu, unsigned vm, unsigned vcpu,
		       unsigned cls, uint64_t ts, uint64_t ns)
{
	feed_exit(m, cpu, vm, vcpu, cls, ts);
	feed_entry(m, cpu, vm, vcpu, ts + ns);
}

static void feed_sched(struct top_model *m, uint16_t type, unsigned cpu, unsigned vm,
		       unsigned vcpu, uint32_t reason, uint64_t ts)
{
	struct trace_sched s;

	hdr(&s.hdr, type, sizeof(s), cpu, vm, vcpu, ts);
	s.reason = reason;
	top_model_feed(m, &s.hdr, sizeof(s));
}

static uint64_t lr(enum ich_lr_state state, uint32_t vintid, bool hw, uint32_t pintid,
		   uint8_t prio)
{
	struct ich_lr l = { .state = state, .hw = hw, .group1 = true, .priority = prio,
			    .vintid = vintid, .pintid = pintid };

	return ich_lr_encode(&l);
}

static void feed_lrs(struct top_model *m, unsigned vm, unsigned vcpu, const uint64_t *lrs,
		     unsigned n, uint32_t hcr, uint64_t ts)
{
	struct trace_vgic_lrs l;

	hdr(&l.hdr, TRACE_VGIC_LRS, sizeof(l), 0, vm, vcpu, ts);
	memcpy(l.lr, lrs, n * sizeof(*lrs));
	l.nr_lrs = (uint8_t)n;
	l.point = TRACE_LRS_FOLD;
	l.hcr = hcr;
	top_model_feed(m, &l.hdr, sizeof(l));
}

static struct top_model *new_model(void)
{
	struct top_model *m = top_model_new();

	assert_non_null(m);
	top_model_set_cntfrq(m, HZ);
	memset(seqs, 0, sizeof(seqs));
	return m;
}

static const struct top_row *find_row(const struct top_row *rows, size_t n, unsigned cls)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rows[i].cls == cls)
			return &rows[i];
	return NULL;
}

/* ------------------------------------------------------------------ rows */

static void test_rows_have_counts_shares_latency_and_the_last_interval_rate(void **state)
{
	struct top_model *m = new_model();
	struct top_row rows[HS_CLASS_ROWS];
	const struct top_row *hvc, *dabt;
	uint64_t t = 1000;
	size_t n;
	int i;

	(void)state;
	top_model_tick(m, 0.0);
	for (i = 0; i < 30; i++, t += 10000)
		feed_round(m, 0, 0, 0, ESR_EC_HVC64, t, 2000);
	for (i = 0; i < 10; i++, t += 10000)
		feed_round(m, 0, 0, 0, ESR_EC_DABT_LOW, t, 8000);
	top_model_tick(m, 2.0); /* 2 s interval: 15/s and 5/s */

	n = top_model_rows(m, rows, HS_CLASS_ROWS);
	assert_int_equal(n, 2);
	hvc = find_row(rows, n, ESR_EC_HVC64);
	dabt = find_row(rows, n, ESR_EC_DABT_LOW);
	assert_non_null(hvc);
	assert_non_null(dabt);
	assert_int_equal(hvc->count, 30);
	assert_true(fabs(hvc->rate - 15.0) < 1e-9);
	assert_true(fabs(dabt->rate - 5.0) < 1e-9);
	assert_true(fabs(hvc->share - 0.75) < 1e-9);
	assert_true(fabs(hvc->avg_ns - 2000) < 1e-9);
	/* every sample is 8000: percentiles are clamped to [min, max] */
	assert_int_equal(dabt->p50_ns, 8000);
	assert_int_equal(dabt->p99_ns, 8000);

	/* a quiet interval: counts stay, rates drop to zero */
	top_model_tick(m, 3.0);
	n = top_model_rows(m, rows, HS_CLASS_ROWS);
	hvc = find_row(rows, n, ESR_EC_HVC64);
	assert_int_equal(hvc->count, 30);
	assert_true(hvc->rate == 0.0);
	assert_true(fabs(m->all.exit_rate) < 1e-9);
	top_model_destroy(m);
}

static void test_rows_sort_by_every_column_and_reverse(void **state)
{
	struct top_model *m = new_model();
	struct top_row rows[HS_CLASS_ROWS];
	uint64_t t = 1000;
	size_t n;
	int i;

	(void)state;
	top_model_tick(m, 0.0);
	/* HVC64: many and fast; SYS64: few and slow; WFX: in between, latest */
	for (i = 0; i < 50; i++, t += 10000)
		feed_round(m, 0, 0, 0, ESR_EC_HVC64, t, 1000);
	for (i = 0; i < 5; i++, t += 100000)
		feed_round(m, 0, 0, 0, ESR_EC_SYS64, t, 50000);
	top_model_tick(m, 1.0);
	for (i = 0; i < 20; i++, t += 10000)
		feed_round(m, 0, 0, 0, ESR_EC_WFX, t, 5000);
	top_model_tick(m, 2.0);

	m->sort = TOP_COL_COUNT;
	n = top_model_rows(m, rows, HS_CLASS_ROWS);
	assert_int_equal(n, 3);
	assert_int_equal(rows[0].cls, ESR_EC_HVC64);
	assert_int_equal(rows[1].cls, ESR_EC_WFX);
	assert_int_equal(rows[2].cls, ESR_EC_SYS64);

	m->sort = TOP_COL_RATE; /* only WFX exited in the last interval */
	top_model_rows(m, rows, HS_CLASS_ROWS);
	assert_int_equal(rows[0].cls, ESR_EC_WFX);

	m->sort = TOP_COL_P99;
	top_model_rows(m, rows, HS_CLASS_ROWS);
	assert_int_equal(rows[0].cls, ESR_EC_SYS64);
	assert_int_equal(rows[2].cls, ESR_EC_HVC64);

	m->sort = TOP_COL_AVG;
	top_model_rows(m, rows, HS_CLASS_ROWS);
	assert_int_equal(rows[0].cls, ESR_EC_SYS64);

	m->sort = TOP_COL_TIME; /* 250 us SYS64, 100 us WFX, 50 us HVC64 */
	top_model_rows(m, rows, HS_CLASS_ROWS);
	assert_int_equal(rows[0].cls, ESR_EC_SYS64);
	assert_int_equal(rows[1].cls, ESR_EC_WFX);

	m->sort = TOP_COL_NAME; /* A to Z */
	top_model_rows(m, rows, HS_CLASS_ROWS);
	assert_string_equal(exit_class_name(rows[0].cls), "HVC64");
	assert_string_equal(exit_class_name(rows[1].cls), "SYS64");
	assert_string_equal(exit_class_name(rows[2].cls), "WFX");

	m->sort_reverse = true;
	top_model_rows(m, rows, HS_CLASS_ROWS);
	assert_string_equal(exit_class_name(rows[0].cls), "WFX");
	m->sort = TOP_COL_COUNT;
	top_model_rows(m, rows, HS_CLASS_ROWS);
	assert_int_equal(rows[0].cls, ESR_EC_SYS64);
	top_model_destroy(m);
}

static void test_filter_narrows_rows_case_insensitively_and_refuses_bad_regex(void **state)
{
	struct top_model *m = new_model();
	struct top_row rows[HS_CLASS_ROWS];
	char err[128];
	uint64_t t = 1000;

	(void)state;
	feed_round(m, 0, 0, 0, ESR_EC_HVC64, t += 1000, 100);
	feed_round(m, 0, 0, 0, ESR_EC_SMC64, t += 1000, 100);
	feed_round(m, 0, 0, 0, ESR_EC_DABT_LOW, t += 1000, 100);
	feed_round(m, 0, 0, 0, HYP_EXIT_IRQ, t += 1000, 100);
	assert_int_equal(top_model_rows(m, rows, HS_CLASS_ROWS), 4);

	assert_int_equal(top_model_set_filter(m, "hvc|smc", err, sizeof(err)), 0);
	assert_int_equal(top_model_rows(m, rows, HS_CLASS_ROWS), 2);
	assert_true(top_model_class_visible(m, ESR_EC_HVC64));
	assert_false(top_model_class_visible(m, ESR_EC_DABT_LOW));

	assert_int_equal(top_model_set_filter(m, "^IRQ$", err, sizeof(err)), 0);
	assert_int_equal(top_model_rows(m, rows, HS_CLASS_ROWS), 1);
	assert_int_equal(rows[0].cls, HYP_EXIT_IRQ);

	/* a bad regex keeps the filter that was there */
	assert_int_not_equal(top_model_set_filter(m, "(unclosed", err, sizeof(err)), 0);
	assert_true(strlen(err) > 0);
	assert_string_equal(m->filter_text, "^IRQ$");
	assert_int_equal(top_model_rows(m, rows, HS_CLASS_ROWS), 1);

	assert_int_equal(top_model_set_filter(m, "", err, sizeof(err)), 0);
	assert_int_equal(top_model_rows(m, rows, HS_CLASS_ROWS), 4);
	top_model_destroy(m);
}

/* ---------------------------------------------------------------- scopes */

static void test_vcpu_scope_pairs_exits_between_other_vms_records(void **state)
{
	struct top_model *m = new_model();
	const struct top_scope *sc;
	uint64_t t = 1000;
	int i;

	(void)state;
	/* two VMs share CPU 0: each scope sees every other record of it */
	for (i = 0; i < 10; i++) {
		feed_exit(m, 0, 0, 0, ESR_EC_HVC64, t += 100);
		feed_exit(m, 0, 1, 0, ESR_EC_SYS64, t += 100);
		feed_entry(m, 0, 0, 0, t += 100);
		feed_entry(m, 0, 1, 0, t += 100);
	}
	top_model_select(m, 0, 0);
	sc = top_model_scope(m);
	assert_ptr_not_equal(sc, &m->all);
	assert_int_equal(sc->st->classes[ESR_EC_HVC64].count, 10);
	assert_int_equal(sc->st->classes[ESR_EC_SYS64].count, 0);
	assert_int_equal(sc->st->classes[ESR_EC_HVC64].time.count, 10);
	assert_int_equal(sc->st->gaps, 0);

	top_model_select(m, 1, TOP_NO_SEL);
	sc = top_model_scope(m);
	assert_int_equal(sc->st->classes[ESR_EC_SYS64].count, 10);
	assert_int_equal(sc->st->classes[ESR_EC_SYS64].time.count, 10);

	top_model_select(m, TOP_NO_SEL, TOP_NO_SEL);
	assert_ptr_equal(top_model_scope(m), &m->all);
	assert_int_equal(m->all.st->total.count, 20);
	top_model_destroy(m);
}

static void test_a_real_gap_reaches_the_scopes_too(void **state)
{
	struct top_model *m = new_model();
	const struct top_scope *sc;

	(void)state;
	feed_exit(m, 0, 0, 0, ESR_EC_HVC64, 1000);
	seqs[0] += 5; /* five records lost on CPU 0 */
	feed_entry(m, 0, 0, 0, 2000);
	assert_int_equal(m->all.st->gaps, 1);
	top_model_select(m, 0, 0);
	sc = top_model_scope(m);
	/* the exit's entry may have been among the lost: no latency sample */
	assert_int_equal(sc->st->classes[ESR_EC_HVC64].time.count, 0);
	assert_int_equal(m->all.st->classes[ESR_EC_HVC64].time.count, 0);
	top_model_destroy(m);
}

static void test_selection_cycles_through_vms_and_vcpus_seen(void **state)
{
	struct top_model *m = new_model();

	(void)state;
	feed_round(m, 0, 0, 0, ESR_EC_HVC64, 1000, 10);
	feed_round(m, 0, 0, 1, ESR_EC_HVC64, 2000, 10);
	feed_round(m, 1, 2, 0, ESR_EC_HVC64, 3000, 10);

	top_model_next_vm(m);
	assert_int_equal(m->sel_vm, 0);
	top_model_next_vm(m);
	assert_int_equal(m->sel_vm, 2);
	top_model_next_vm(m);
	assert_int_equal(m->sel_vm, TOP_NO_SEL);

	/* every vCPU, then all again */
	top_model_next_vcpu(m);
	assert_int_equal(m->sel_vm, 0);
	assert_int_equal(m->sel_vcpu, 0);
	top_model_next_vcpu(m);
	assert_int_equal(m->sel_vcpu, 1);
	top_model_next_vcpu(m);
	assert_int_equal(m->sel_vm, 2);
	assert_int_equal(m->sel_vcpu, 0);
	top_model_next_vcpu(m);
	assert_int_equal(m->sel_vm, TOP_NO_SEL);

	/* within a picked VM: its vCPUs, then the VM */
	top_model_select(m, 0, TOP_NO_SEL);
	top_model_next_vcpu(m);
	top_model_next_vcpu(m);
	assert_int_equal(m->sel_vcpu, 1);
	top_model_next_vcpu(m);
	assert_int_equal(m->sel_vm, 0);
	assert_int_equal(m->sel_vcpu, TOP_NO_SEL);
	top_model_destroy(m);
}

/* ------------------------------------------------------------------ vCPUs */

static void test_vcpu_state_and_guest_and_hyp_time_follow_the_records(void **state)
{
	struct top_model *m = new_model();
	struct top_vcpu *v;

	(void)state;
	feed_sched(m, TRACE_SCHED_IN, 1, 0, 0, TRACE_SCHED_START, 1000);
	feed_entry(m, 1, 0, 0, 1100);                  /* 100 in the hypervisor */
	feed_exit(m, 1, 0, 0, ESR_EC_WFX, 1600);       /* 500 in the guest */
	feed_sched(m, TRACE_WFI_BLOCK, 1, 0, 0, TRACE_SCHED_WFI, 1650);
	feed_sched(m, TRACE_SCHED_OUT, 1, 0, 0, TRACE_SCHED_WFI, 1700); /* 100 more */
	v = &m->vms[0].vcpus[0];
	assert_true(v->seen);
	assert_int_equal(v->state, TOP_VCPU_WFI);
	assert_int_equal(v->pcpu, 1);
	assert_int_equal(v->guest_ticks, 500);
	assert_int_equal(v->hyp_ticks, 200);
	assert_int_equal(v->exits, 1);

	/* blocked time counts nowhere */
	feed_sched(m, TRACE_WFI_WAKE, 0, 0, 0, TRACE_SCHED_TIMER, 9000);
	assert_int_equal(v->state, TOP_VCPU_RUNNING);
	feed_sched(m, TRACE_SCHED_IN, 0, 0, 0, TRACE_SCHED_TIMER, 9100);
	feed_entry(m, 0, 0, 0, 9150);
	assert_int_equal(v->hyp_ticks, 250);
	assert_int_equal(v->pcpu, 0);

	feed_sched(m, TRACE_SCHED_OUT, 0, 0, 0, TRACE_SCHED_CPU_OFF, 9950);
	assert_int_equal(v->state, TOP_VCPU_OFF);
	assert_int_equal(v->guest_ticks, 1300);
	assert_string_equal(top_vcpu_state_name(v->state), "off");
	top_model_destroy(m);
}

static void test_sdei_calls_and_handlers_are_counted_per_vcpu(void **state)
{
	struct top_model *m = new_model();
	struct trace_sdei_call c;
	struct trace_sdei_dispatch d;

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		memset(&c, 0, sizeof(c));
		hdr(&c.hdr, TRACE_SDEI_CALL, sizeof(c), 0, 0, 1, 1000 + i);
		top_model_feed(m, &c.hdr, sizeof(c));
	}
	memset(&d, 0, sizeof(d));
	hdr(&d.hdr, TRACE_SDEI_DISPATCH, sizeof(d), 0, 0, 1, 2000);
	top_model_feed(m, &d.hdr, sizeof(d));
	assert_int_equal(m->vms[0].vcpus[1].sdei_calls, 3);
	assert_int_equal(m->vms[0].vcpus[1].sdei_dispatches, 1);
	assert_int_equal(m->vms[0].vcpus[0].sdei_calls, 0);
	top_model_destroy(m);
}

static void test_status_block_gives_state_times_and_interval_shares(void **state)
{
	struct top_model *m = new_model();
	struct hypstat st;
	struct hypcfg cfg;
	struct top_vcpu *v;
	char buf[32];

	(void)state;
	memset(&st, 0, sizeof(st));
	memset(&cfg, 0, sizeof(cfg));
	cfg.nr_vms = 1;
	strcpy(cfg.vms[0].name, "demo0");
	cfg.vms[0].nr_vcpus = 2;
	st.state = HYPSTAT_RUNNING;
	st.nr_cpus = 2;
	st.cntfrq = HZ;
	st.vmid_bits = 8;
	st.vmid_generation = 3;
	st.vmid_rollovers = 2;
	st.vms[0].state = HYPSTAT_VM_RUNNING;
	st.vms[0].nr_vcpus = 2;
	st.vms[0].vmid = 5;
	st.vms[0].vmid_generation = 3;
	st.vms[0].vcpus[1].state = HYPSTAT_VCPU_WFI;
	st.vms[0].vcpus[1].pcpu = 1;

	top_model_set_status(m, &st, &cfg);
	top_model_tick(m, 0.0);
	st.vms[0].vcpus[1].guest_ticks = HZ / 4; /* a quarter of the next second */
	st.vms[0].vcpus[1].hyp_ticks = HZ / 10;
	st.vms[0].vcpus[1].exits[ESR_EC_HVC64] = 300;
	st.vms[0].vcpus[1].exits[ESR_EC_WFX] = 100;
	top_model_set_status(m, &st, &cfg);
	top_model_tick(m, 1.0);

	assert_string_equal(m->vms[0].name, "demo0");
	assert_string_equal(top_vm_state_name(&m->vms[0], buf, sizeof(buf)), "running");
	v = &m->vms[0].vcpus[1];
	assert_int_equal(v->state, TOP_VCPU_WFI);
	assert_int_equal(v->pcpu, 1);
	assert_int_equal(v->vmid, 5);
	assert_true(fabs(v->exit_rate - 400) < 1e-9);
	assert_true(fabs(v->guest_share - 0.25) < 1e-9);
	assert_true(fabs(v->hyp_share - 0.10) < 1e-9);
	assert_int_equal(m->mach.vmid_generation, 3);
	assert_int_equal(m->mach.vmid_rollovers, 2);

	st.state = HYPSTAT_DONE;
	st.vms[0].state = HYPSTAT_VM_EXITED;
	st.vms[0].exit_status = 3;
	top_model_set_status(m, &st, &cfg);
	assert_true(m->mach.ended);
	assert_string_equal(top_vm_state_name(&m->vms[0], buf, sizeof(buf)), "exited 3");
	assert_int_equal(m->vms[0].vcpus[1].state, TOP_VCPU_OFF);
	top_model_destroy(m);
}

/* ------------------------------------------------------------------- vGIC */

static void test_lr_snapshot_is_kept_per_vcpu_and_the_panel_decodes_it(void **state)
{
	struct top_model *m = new_model();
	struct top_view v;
	struct top_line l;
	struct trace_vgic_maint mt;
	uint64_t lrs[4] = {
		lr(ICH_LR_STATE_PENDING, 27, false, 0, 0xa0),
		lr(ICH_LR_STATE_PENDING_ACTIVE, 30, true, 30, 0x80),
		lr(ICH_LR_STATE_ACTIVE, 1, false, 0, 0x10),
		0,
	};
	size_t n;

	(void)state;
	assert_int_equal(top_view_init(&v, m), 0);
	top_line_init(&l, 100);
	top_view_vgic_line(&v, 0, &l);
	assert_string_equal(l.text, "no vGIC snapshots yet");

	feed_lrs(m, 0, 1, lrs, 4, ICH_HCR_EN | ICH_HCR_UIE, 1000);
	hdr(&mt.hdr, TRACE_VGIC_MAINT, sizeof(mt), 0, 0, 1, 1100);
	mt.misr = ICH_MISR_EOI | ICH_MISR_U;
	top_model_feed(m, &mt.hdr, sizeof(mt));
	hdr(&mt.hdr, TRACE_VGIC_MAINT, sizeof(mt), 0, 0, 1, 1200);
	mt.misr = ICH_MISR_EOI;
	top_model_feed(m, &mt.hdr, sizeof(mt));

	assert_true(m->vms[0].vcpus[1].have_lrs);
	assert_int_equal(m->lrs_snapshots, 1);
	assert_int_equal(m->all.st->maint_causes[ICH_MISR_CAUSE_EOI], 2);
	assert_int_equal(m->all.st->vgic[TRACE_LRS_FOLD].overflow, 1);

	top_view_build(&v, 16, false);
	n = top_view_vgic_nr_lines(&v, 100);
	assert_int_equal(n, 1 + 2); /* one vCPU on one line, two summary lines */
	top_line_init(&l, 100);
	top_view_vgic_line(&v, 0, &l);
	assert_non_null(strstr(l.text, "vm0/1"));
	assert_non_null(strstr(l.text, "out"));
	assert_non_null(strstr(l.text, "P    27       a0"));
	assert_non_null(strstr(l.text, "PA   30 h30   80"));
	assert_non_null(strstr(l.text, "A     1       10"));
	assert_non_null(strstr(l.text, " -"));

	top_line_init(&l, 100);
	top_view_vgic_line(&v, 1, &l);
	assert_non_null(strstr(l.text, "maintenance IRQs 2: EOI 2, U 1"));
	top_line_init(&l, 100);
	top_view_vgic_line(&v, 2, &l);
	assert_non_null(strstr(l.text, "overflow flush 0 fold 1"));

	/* a narrow pane wraps a vCPU's list registers */
	assert_int_equal(top_view_vgic_nr_lines(&v, 50), 2 + 2);
	top_view_release(&v);
	top_model_destroy(m);
}

/* ------------------------------------------------ histograms, sparklines */

static void test_hist_buckets_are_powers_of_two_merged_until_they_fit(void **state)
{
	struct hs_hist h = { 0 };
	struct top_hbucket b[66];
	uint64_t total = 0;
	unsigned n, i, rows;

	(void)state;
	assert_int_equal(top_hist_buckets(&h, 10, b), 0);
	for (i = 0; i < 1000; i++)
		assert_int_equal(hs_hist_add(&h, 1000 + i), 0);  /* 2^9..2^10, 2^10..2^11 */
	assert_int_equal(hs_hist_add(&h, 3), 0);
	assert_int_equal(hs_hist_add(&h, 1u << 20), 0);

	n = top_hist_buckets(&h, 64, b);
	assert_int_equal(n, 21 - 2 + 1); /* 2^1 (for 3) up to 2^20 */
	assert_int_equal(b[0].lo, 2);
	assert_int_equal(b[0].hi, 4);
	assert_int_equal(b[0].count, 1);
	assert_int_equal(b[n - 1].lo, 1u << 20);
	assert_int_equal(b[n - 1].count, 1);

	for (rows = 1; rows <= 20; rows++) {
		n = top_hist_buckets(&h, rows, b);
		assert_true(n >= 1 && n <= rows);
		total = 0;
		for (i = 0; i < n; i++) {
			total += b[i].count;
			assert_true(b[i].lo < b[i].hi);
			assert_int_equal(b[i].hi & (b[i].hi - 1), 0);
			if (i)
				assert_int_equal(b[i].lo, b[i - 1].hi);
		}
		assert_int_equal(total, h.count);
		assert_true(b[0].lo <= 3 && b[n - 1].hi > (1u << 20));
	}
	hs_hist_release(&h);
}

static void test_bar_lengths_scale_to_the_largest_and_show_any_count(void **state)
{
	(void)state;
	assert_int_equal(top_bar_len(0, 100, 40), 0);
	assert_int_equal(top_bar_len(100, 100, 40), 40);
	assert_int_equal(top_bar_len(50, 100, 40), 20);
	assert_int_equal(top_bar_len(1, 1000000, 40), 1);
	assert_int_equal(top_bar_len(5, 0, 40), 0);
	assert_int_equal(top_bar_len(UINT64_MAX - 1, UINT64_MAX, 40), 39);
}

static void test_sparkline_levels_are_eighths_of_the_largest(void **state)
{
	const double v[] = { -1, 0, 1, 50, 99, 100, 12.5, 12.6 };
	uint8_t lev[8];

	(void)state;
	top_spark_levels(v, 8, lev);
	assert_int_equal(lev[0], 0); /* no data */
	assert_int_equal(lev[1], 0); /* zero */
	assert_int_equal(lev[2], 1); /* tiny but not zero */
	assert_int_equal(lev[3], 4);
	assert_int_equal(lev[4], 8);
	assert_int_equal(lev[5], 8);
	assert_int_equal(lev[6], 1);
	assert_int_equal(lev[7], 2);

	const double zeros[3] = { 0, 0, -1 };

	top_spark_levels(zeros, 3, lev);
	assert_int_equal(lev[0] + lev[1] + lev[2], 0);
}

static void test_sparkline_bins_cover_the_last_minute_by_time(void **state)
{
	struct top_model *m = new_model();
	double out[6];
	uint64_t t = 1000;
	int s, i;

	(void)state;
	top_model_tick(m, 0.0);
	/* 60 one-second intervals: s HVC exits in second s */
	for (s = 1; s <= 60; s++) {
		for (i = 0; i < s; i++)
			feed_round(m, 0, 0, 0, ESR_EC_HVC64, t += 100, 10);
		top_model_tick(m, (double)s);
	}
	assert_int_equal(m->all.hist_len, 60);
	/* six bins of ten seconds: the mean of 1..10, 11..20 ... */
	top_scope_spark(&m->all, ESR_EC_HVC64, 60.0, 60.0, 6, out);
	assert_true(fabs(out[0] - 5.5) < 1e-9);
	assert_true(fabs(out[5] - 55.5) < 1e-9);

	/* before the view started nothing covers a bin */
	top_scope_spark(&m->all, ESR_EC_HVC64, 60.0, 120.0, 4, out);
	assert_true(out[0] < 0);
	assert_true(out[1] < 0);
	assert_true(out[2] > 0);

	/* a reset starts the history again */
	top_model_reset(m);
	top_scope_spark(&m->all, ESR_EC_HVC64, 60.0, 60.0, 6, out);
	for (i = 0; i < 6; i++)
		assert_true(out[i] < 0);
	top_model_destroy(m);
}

/* ------------------------------------------------------- reset, event log */

static void test_reset_forgets_counts_and_keeps_state_and_snapshots(void **state)
{
	struct top_model *m = new_model();
	struct top_row rows[HS_CLASS_ROWS];
	uint64_t lrs[1] = { lr(ICH_LR_STATE_PENDING, 27, false, 0, 0xa0) };

	(void)state;
	feed_round(m, 0, 0, 0, ESR_EC_HVC64, 1000, 10);
	feed_lrs(m, 0, 0, lrs, 1, ICH_HCR_EN, 2000);
	top_model_select(m, 0, 0);
	top_model_reset(m);
	assert_int_equal(top_model_rows(m, rows, HS_CLASS_ROWS), 0);
	top_model_select(m, TOP_NO_SEL, TOP_NO_SEL);
	assert_int_equal(top_model_rows(m, rows, HS_CLASS_ROWS), 0);
	assert_true(m->vms[0].vcpus[0].have_lrs);
	assert_true(m->vms[0].vcpus[0].seen);
	assert_int_equal(top_log_end(m), 3);
	top_model_destroy(m);
}

static void test_event_log_keeps_the_newest_records(void **state)
{
	struct top_model *m = new_model();
	const struct trace_hdr *h;
	uint32_t size;
	uint64_t i;

	(void)state;
	for (i = 0; i < TOP_LOG_SLOTS + 10; i++)
		feed_exit(m, 0, 0, 0, ESR_EC_HVC64, 1000 + i);
	assert_int_equal(top_log_end(m), TOP_LOG_SLOTS + 10);
	assert_int_equal(top_log_first(m), 10);
	assert_null(top_log_get(m, 9, &size));
	assert_null(top_log_get(m, TOP_LOG_SLOTS + 10, &size));
	h = top_log_get(m, 10, &size);
	assert_non_null(h);
	assert_int_equal(size, sizeof(struct trace_exit));
	assert_int_equal(h->ts, 1010);
	h = top_log_get(m, TOP_LOG_SLOTS + 9, &size);
	assert_int_equal(h->ts, 1000 + TOP_LOG_SLOTS + 9);
	top_model_destroy(m);
}

static void test_event_text_decodes_records_in_print_columns(void **state)
{
	struct trace_mmio mm;
	struct trace_smccc c;
	struct trace_vgic_lrs l;
	char buf[512];

	(void)state;
	hdr(&mm.hdr, TRACE_MMIO, sizeof(mm), 1, 0, 1, HZ + HZ / 2);
	mm.ipa = GUEST_UART_IPA + 0x18;
	mm.device = TRACE_DEV_UART;
	mm.width = 4;
	mm.value = 0x90;
	top_event_text(buf, sizeof(buf), &mm.hdr, sizeof(mm), HZ, HZ);
	assert_non_null(strstr(buf, "   0.500000000 cpu1  vm0/1    mmio "));
	assert_non_null(strstr(buf, "UART+0x18 UARTFR read 4B value=0x90"));

	hdr(&c.hdr, TRACE_SMCCC, sizeof(c), 0, 0, 0, HZ);
	c.fid = PSCI_CPU_ON_SMC64;
	c.result[0] = (uint64_t)(int64_t)PSCI_RET_ALREADY_ON;
	top_event_text(buf, sizeof(buf), &c.hdr, sizeof(c), HZ, HZ);
	assert_non_null(strstr(buf, "PSCI_CPU_ON_SMC64 hvc"));
	assert_non_null(strstr(buf, "(ALREADY_ON)"));

	hdr(&l.hdr, TRACE_VGIC_LRS, sizeof(l), 0, 0, 0, HZ);
	l.nr_lrs = 4;
	l.lr[2] = lr(ICH_LR_STATE_ACTIVE, 33, true, 33, 0xa0);
	top_event_text(buf, sizeof(buf), &l.hdr, sizeof(l), HZ, HZ);
	assert_non_null(strstr(buf, "vgic_lrs"));
	assert_non_null(strstr(buf, "[LR2 A vintid=33 prio=0xa0 g1 hw pintid=33]"));

	/* a record cut short is named, not decoded */
	top_event_text(buf, sizeof(buf), &l.hdr, 64, HZ, HZ);
	assert_non_null(strstr(buf, "record cut at 64 of 192 bytes"));
}

static void test_number_and_duration_text(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(top_fmt_count(b, sizeof(b), 0), "0");
	assert_string_equal(top_fmt_count(b, sizeof(b), 983), "983");
	assert_string_equal(top_fmt_count(b, sizeof(b), 2.5), "2.5");
	assert_string_equal(top_fmt_count(b, sizeof(b), 12345), "12.3k");
	assert_string_equal(top_fmt_count(b, sizeof(b), 4560000), "4.56M");
	assert_string_equal(top_fmt_count(b, sizeof(b), 999999), "1.00M");
	assert_string_equal(top_fmt_ns(b, sizeof(b), 850), "850ns");
	assert_string_equal(top_fmt_ns(b, sizeof(b), 3200), "3.20us");
	assert_string_equal(top_fmt_ns(b, sizeof(b), 12100000), "12.1ms");
	assert_string_equal(top_fmt_ns(b, sizeof(b), 1.2e9), "1.20s");
}

static void test_exits_lines_expand_into_iss_breakdowns(void **state)
{
	struct top_model *m = new_model();
	struct trace_mmio mm;
	struct top_view v;
	struct top_line l;
	size_t i;
	bool found = false;

	(void)state;
	assert_int_equal(top_view_init(&v, m), 0);
	for (i = 0; i < 3; i++) {
		hdr(&mm.hdr, TRACE_MMIO, sizeof(mm), 0, 0, 0, 1000 + 100 * i);
		mm.ipa = GUEST_UART_IPA + 0x18;
		mm.device = TRACE_DEV_UART;
		mm.width = 4;
		top_model_feed(m, &mm.hdr, sizeof(mm));
		feed_round(m, 0, 0, 0, ESR_EC_DABT_LOW, 1010 + 100 * i, 20);
	}
	feed_round(m, 0, 0, 0, ESR_EC_WFX, 5000, 20);
	top_view_build(&v, 16, false);
	assert_int_equal(v.nr_items, 2);

	v.expanded[ESR_EC_DABT_LOW] = true;
	v.expanded[ESR_EC_WFX] = true;
	top_view_build(&v, 16, false);
	assert_int_equal(v.nr_items, 4);
	for (i = 0; i < v.nr_items; i++) {
		top_line_init(&l, 120);
		top_view_exits_line(&v, i, &l);
		if (v.items[i].kind == TOP_ITEM_MMIO) {
			assert_non_null(strstr(l.text, "UARTFR +0x18 read"));
			assert_non_null(strstr(l.text, "100.0%"));
			found = true;
		}
		if (v.items[i].kind == TOP_ITEM_VCPU)
			assert_non_null(strstr(l.text, "vm0/0"));
	}
	assert_true(found);
	top_view_release(&v);
	top_model_destroy(m);
}

/* A guest hypervisor's guest: L2 exits per second and the share reflected, on wide lines only. */
static void test_vm_lines_show_the_nesting_when_wide(void **state)
{
	struct top_model *m = new_model();
	struct trace_nv_exit e;
	struct top_vmline vl[4];
	struct top_view v;
	struct top_line l;
	size_t n;

	(void)state;
	assert_int_equal(top_view_init(&v, m), 0);
	feed_round(m, 0, 0, 0, ESR_EC_HVC64, 500, 20);
	top_model_tick(m, 0.0);
	for (unsigned i = 0; i < 10; i++) {
		hdr(&e.hdr, TRACE_NV_EXIT, sizeof(e), 0, 0, 0, 1000 + 10 * i);
		e.decision = i < 4 ? TRACE_NV_REFLECTED : TRACE_NV_L0;
		top_model_feed(m, &e.hdr, sizeof(e));
	}
	top_model_tick(m, 2.0);
	assert_int_equal(m->vms[0].vcpus[0].l2_exits, 10);
	assert_int_equal(m->vms[0].vcpus[0].l2_reflected, 4);
	n = top_view_vm_lines(&v, vl, 4);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		top_line_init(&l, 150);
		top_view_vm_line(&v, &vl[i], &l);
		assert_non_null(strstr(l.text, "L2 5/s 40% to L1"));
		top_line_init(&l, 100);
		top_view_vm_line(&v, &vl[i], &l);
		assert_null(strstr(l.text, "L2 "));
	}
	top_view_release(&v);
	top_model_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_have_counts_shares_latency_and_the_last_interval_rate),
		cmocka_unit_test(test_rows_sort_by_every_column_and_reverse),
		cmocka_unit_test(test_filter_narrows_rows_case_insensitively_and_refuses_bad_regex),
		cmocka_unit_test(test_vcpu_scope_pairs_exits_between_other_vms_records),
		cmocka_unit_test(test_a_real_gap_reaches_the_scopes_too),
		cmocka_unit_test(test_selection_cycles_through_vms_and_vcpus_seen),
		cmocka_unit_test(test_vcpu_state_and_guest_and_hyp_time_follow_the_records),
		cmocka_unit_test(test_sdei_calls_and_handlers_are_counted_per_vcpu),
		cmocka_unit_test(test_vm_lines_show_the_nesting_when_wide),
		cmocka_unit_test(test_status_block_gives_state_times_and_interval_shares),
		cmocka_unit_test(test_lr_snapshot_is_kept_per_vcpu_and_the_panel_decodes_it),
		cmocka_unit_test(test_hist_buckets_are_powers_of_two_merged_until_they_fit),
		cmocka_unit_test(test_bar_lengths_scale_to_the_largest_and_show_any_count),
		cmocka_unit_test(test_sparkline_levels_are_eighths_of_the_largest),
		cmocka_unit_test(test_sparkline_bins_cover_the_last_minute_by_time),
		cmocka_unit_test(test_reset_forgets_counts_and_keeps_state_and_snapshots),
		cmocka_unit_test(test_event_log_keeps_the_newest_records),
		cmocka_unit_test(test_event_text_decodes_records_in_print_columns),
		cmocka_unit_test(test_number_and_duration_text),
		cmocka_unit_test(test_exits_lines_expand_into_iss_breakdowns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
