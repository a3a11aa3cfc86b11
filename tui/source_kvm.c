/*
 * The live view's source for this host's KVM (tui/source.h): the BPF
 * collector's records (tracer/lib/kvm/kvm_collect.h) into the model, its
 * per-CPU losses once per interval. It runs until the view quits.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracer/lib/kvm/kvm_collect.h"
#include "tui/source_impl.h"

struct kvm_source {
	struct top_source base;
	char name[PATH_MAX];
	struct kvm_collector *kvm;
	uint64_t lost_seen[HYP_MAX_CPUS];
};

static int kvm_pump(struct top_source *s, double now, unsigned budget_ms)
{
	struct kvm_source *k = top_source_impl(s, struct kvm_source);
	int n;

	(void)now;
	(void)budget_ms; /* one poll takes what the ring buffer holds */
	n = kvm_collector_poll(k->kvm, 0);
	if (n < 0)
		return top_source_fail(s, n, "the KVM collector stopped: %s", strerror(-n));
	return n;
}

static void kvm_tick(struct top_source *s)
{
	struct kvm_source *k = top_source_impl(s, struct kvm_source);
	unsigned cpu;
	uint64_t lost;

	for (cpu = 0; cpu < HYP_MAX_CPUS; cpu++) {
		lost = kvm_collector_cpu_lost(k->kvm, cpu);
		if (lost > k->lost_seen[cpu])
			top_model_add_lost(s->m, cpu, lost - k->lost_seen[cpu]);
		k->lost_seen[cpu] = lost;
	}
}

static bool kvm_ended(const struct top_source *s)
{
	(void)s;
	return false;
}

static void kvm_describe(const struct top_source *s, double now, char *buf, size_t len)
{
	const struct kvm_source *k = top_source_impl(s, const struct kvm_source);

	(void)now;
	snprintf(buf, len, "live %s", k->name);
}

static void kvm_status(const struct top_source *s, char *buf, size_t len)
{
	(void)s;
	(void)len;
	buf[0] = '\0';
}

static void kvm_destroy(struct top_source *s)
{
	struct kvm_source *k = top_source_impl(s, struct kvm_source);

	kvm_collector_destroy(k->kvm);
	free(k);
}

static const struct top_source_ops kvm_ops = {
	.pump = kvm_pump,
	.tick = kvm_tick,
	.ended = kvm_ended,
	.describe = kvm_describe,
	.status = kvm_status,
	.destroy = kvm_destroy,
};

int top_source_kvm(struct top_source **sp, struct top_model *m, char *err, size_t errlen)
{
	struct kvm_collector_opts o = { .sink = top_source_sink, .sink_ctx = m };
	struct kvm_collector_totals t;
	struct kvm_source *k = calloc(1, sizeof(*k));
	struct hs_err e;
	int ret;

	*sp = NULL;
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	k->base.ops = &kvm_ops;
	k->base.m = m;
	ret = kvm_collector_open(&k->kvm, &o, &e);
	if (ret) {
		snprintf(err, errlen, "%s", e.msg);
		kvm_destroy(&k->base);
		return ret;
	}
	snprintf(k->name, sizeof(k->name), "%s", kvm_collector_description(k->kvm));
	kvm_collector_totals(k->kvm, &t);
	m->mach.live = true;
	m->mach.nr_cpus = t.nr_cpus;
	snprintf(m->mach.source, sizeof(m->mach.source), "KVM host");
	snprintf(m->mach.trace_mode, sizeof(m->mach.trace_mode), "bpf");
	top_model_set_cntfrq(m, 1000000000ull); /* CLOCK_MONOTONIC ns */
	*sp = &k->base;
	return 0;
}
