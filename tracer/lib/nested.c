/*
 * The nested-virtualization part of the stats model (tracer/lib/nested.h).
 *
 * A reflected L2 exit's round trip, per vCPU: it opens at the TRACE_NV_EXIT
 * that reflected it (L0's cost of the reflection), gathers the cost of every
 * exit of L1 after it, and closes at L1's ERET into L2 (TRACE_NV_ERET to EL0
 * or EL1). The ERET's own exit may be written after the TRACE_NV_ERET (its
 * cost is known last): an L1 ERET exit right after it still belongs to the
 * trip, anything else closes it first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "formats/exits.h"
#include "tracer/lib/nested.h"

#define TRIP_NONE  0
#define TRIP_IN_L1 1 /* L1 handles the reflected exit */
#define TRIP_ERET  2 /* L1 returned into L2; its ERET's exit may follow */
#define EC_ERET    0x1au

const char *hs_nv_inval_name(unsigned op)
{
	static const char *const names[HS_NV_INVAL_OPS] = { "ipa", "vmid", "all", "vttbr" };

	return op < HS_NV_INVAL_OPS ? names[op] : "unknown";
}

static struct hs_nv_trip *trip_of(struct hs_nested *n, const struct trace_hdr *h)
{
	if (h->vm >= HS_MAP_VMS || h->vcpu >= HS_MAP_VCPUS)
		return NULL;
	return &n->trips[h->vm][h->vcpu];
}

static struct hs_nv_vm *vm_of(struct hs_nested *n, const struct trace_hdr *h)
{
	return h->vm < HS_MAP_VMS ? &n->vms[h->vm] : NULL;
}

static int trip_close(struct hs_stats *s, struct hs_nv_trip *t)
{
	struct hs_nv_class *c = &s->nested->cls[t->cls];
	int ret = 0;

	ret |= hs_hist_add(&c->trip_cost, t->cost);
	ret |= hs_hist_add(&c->trip_ns,
			   hs_stats_ticks_to_ns(s, t->eret_ts >= t->ts ? t->eret_ts - t->ts : 0));
	c->trip_l1_exits += t->l1_exits;
	t->state = TRIP_NONE;
	return ret ? -ENOMEM : 0;
}

static int feed_exit(struct hs_stats *s, const struct trace_exit *e)
{
	struct hs_nested *n = s->nested;
	struct hs_nv_trip *t = trip_of(n, &e->hdr);
	bool l1 = e->flags & TRACE_EXIT_L1;
	struct hs_nv_vm *vm = vm_of(n, &e->hdr);

	if (l1) {
		n->l1_exits++;
		if (vm)
			vm->l1_exits++;
	}
	if (!t || t->state == TRIP_NONE)
		return 0;
	if (t->cpu != e->hdr.cpu) { /* vCPUs never migrate: a new VM in the slot */
		t->state = TRIP_NONE;
		return 0;
	}
	if (t->state == TRIP_ERET && !(l1 && e->exit_class == EC_ERET))
		return trip_close(s, t);
	if (!l1)
		return 0; /* an L2 exit inside a trip: records were lost */
	if (!(e->flags & TRACE_EXIT_NO_COST))
		t->cost += e->cost;
	t->l1_exits++;
	return t->state == TRIP_ERET ? trip_close(s, t) : 0;
}

static int feed_nv_exit(struct hs_stats *s, const struct trace_nv_exit *r)
{
	struct hs_nested *n = s->nested;
	struct hs_nv_trip *t = trip_of(n, &r->hdr);
	struct hs_nv_vm *vm = vm_of(n, &r->hdr);
	unsigned cls = r->exit_class < HYP_EXIT_CLASSES ? r->exit_class : HS_CLASS_BAD;
	unsigned d = r->decision;
	int ret = 0;

	n->reasons[r->reason < HS_NV_REASONS ? r->reason : HS_NV_REASONS]++;
	if (t && t->state == TRIP_ERET)
		ret |= trip_close(s, t);
	if (d >= HS_NV_DECISIONS)
		return ret; /* a decision this version does not know: reasons only */
	n->l2_exits[d]++;
	n->cls[cls].count[d]++;
	if (hs_hist_add(&n->cls[cls].cost[d], r->cost))
		ret = -ENOMEM;
	if (vm) {
		vm->l2_exits++;
		vm->reflected += d == TRACE_NV_REFLECTED;
	}
	if (t && d == TRACE_NV_REFLECTED)
		*t = (struct hs_nv_trip){ .ts = r->hdr.ts, .cost = r->cost, .cls = (uint16_t)cls,
					  .state = TRIP_IN_L1, .cpu = (uint16_t)r->hdr.cpu };
	else if (t)
		t->state = TRIP_NONE;
	return ret;
}

static void feed_nv_eret(struct hs_stats *s, const struct trace_nv_eret *r)
{
	struct hs_nested *n = s->nested;
	struct hs_nv_trip *t = trip_of(n, &r->hdr);

	n->erets++;
	n->illegal_erets += r->illegal != 0;
	/* Into L2 (not a return that stays at virtual EL2) ends the trip. */
	if (t && t->state == TRIP_IN_L1 && r->target < 2) {
		t->state = TRIP_ERET;
		t->eret_ts = r->hdr.ts;
	}
}

int hs_nested_feed(struct hs_stats *s, const struct trace_hdr *h)
{
	struct hs_nested *n = s->nested;

	if (!n) {
		n = s->nested = calloc(1, sizeof(*n));
		if (!n) {
			s->nomem++;
			return -ENOMEM;
		}
	}
	switch (h->type) {
	case TRACE_EXIT:
		return feed_exit(s, (const struct trace_exit *)h);
	case TRACE_NV_EXIT:
		return feed_nv_exit(s, (const struct trace_nv_exit *)h);
	case TRACE_NV_ERET:
		feed_nv_eret(s, (const struct trace_nv_eret *)h);
		return 0;
	case TRACE_NV_INJECT: {
		unsigned k = ((const struct trace_nv_inject *)h)->kind;

		n->injects[k < HS_NV_INJ_KINDS ? k : HS_NV_INJ_KINDS]++;
		return 0;
	}
	case TRACE_NV_S2_FAULT: {
		const struct trace_nv_s2 *r = (const void *)h;

		n->s2_faults[r->result < HS_NV_S2_RESULTS ? r->result : HS_NV_S2_RESULTS]++;
		if (r->result == TRACE_NV_S2_FILLED)
			n->s2_filled_pages += r->count;
		return 0;
	}
	case TRACE_NV_S2_INVAL: {
		const struct trace_nv_s2 *r = (const void *)h;

		n->invals[r->op < HS_NV_INVAL_OPS ? r->op : HS_NV_INVAL_OPS]++;
		n->inval_pages += r->count;
		return 0;
	}
	default:
		return 0;
	}
}

static void for_each_hist(struct hs_nested *n, void (*fn)(struct hs_hist *))
{
	for (unsigned i = 0; i < HS_CLASS_ROWS; i++) {
		struct hs_nv_class *c = &n->cls[i];

		for (unsigned d = 0; d < HS_NV_DECISIONS; d++)
			fn(&c->cost[d]);
		fn(&c->trip_cost);
		fn(&c->trip_ns);
	}
}

void hs_nested_reset(struct hs_nested *n)
{
	struct hs_nv_trip trips[HS_MAP_VMS][HS_MAP_VCPUS];

	if (!n)
		return;
	/* Counts and samples go; trips under way stay, as exits waiting for
	 * their entry do in the model. */
	for_each_hist(n, hs_hist_reset);
	memcpy(trips, n->trips, sizeof(trips));
	for (unsigned i = 0; i < HS_CLASS_ROWS; i++) {
		struct hs_nv_class *c = &n->cls[i];

		memset(c->count, 0, sizeof(c->count));
		c->trip_l1_exits = 0;
	}
	memset(n->l2_exits, 0, sizeof(n->l2_exits));
	memset(n->reasons, 0, sizeof(n->reasons));
	n->l1_exits = n->erets = n->illegal_erets = 0;
	memset(n->injects, 0, sizeof(n->injects));
	memset(n->s2_faults, 0, sizeof(n->s2_faults));
	n->s2_filled_pages = 0;
	memset(n->invals, 0, sizeof(n->invals));
	n->inval_pages = 0;
	memset(n->vms, 0, sizeof(n->vms));
	memcpy(n->trips, trips, sizeof(trips));
}

void hs_nested_destroy(struct hs_nested *n)
{
	if (!n)
		return;
	for_each_hist(n, hs_hist_release);
	free(n);
}
