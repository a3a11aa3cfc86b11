/*
 * The nested-virtualization part of the stats model (tracer/lib/stats.h):
 * what `report`, `top` and the tests read about a VM's guest hypervisor (L1)
 * and its guest (L2), from TRACE_NV_* records and the exits flagged
 * TRACE_EXIT_L1 / TRACE_EXIT_L2 (formats/trace.h, docs/nested.md).
 *
 *   L2 exits    by exit class and L0's decision (handled in L0, reflected
 *               to L1): count, L0's cost (trace_nv_exit.cost, cycles); for
 *               the reflected ones the round trip until L1's ERET back into
 *               L2 on that vCPU: L0's cycles over it (the reflection, every
 *               L1 exit in between, the ERET's own exit) and its time
 *   reasons     L2 exits by enum trace_nv_reason
 *   ERETs, injections by kind, shadow stage-2 faults by result and
 *   invalidations by kind with the pages they dropped
 *   per VM      L1 and L2 exits and the reflected ones, for `top`
 *
 * Allocated on the first nested record: hs_stats.nested stays NULL for a
 * trace without any, and the report shows no nested section.
 */
#ifndef TRACER_NESTED_H
#define TRACER_NESTED_H

#include <stdint.h>

#include "formats/trace.h"
#include "tracer/lib/stats.h"

#define HS_NV_DECISIONS 2u  /* enum trace_nv_decision */
#define HS_NV_REASONS   10u /* enum trace_nv_reason; one more row: unknown */
#define HS_NV_INJ_KINDS 4u  /* enum trace_nv_inject_kind; one more: unknown */
#define HS_NV_S2_RESULTS 3u /* TRACE_NV_S2_FILLED .. TRACE_NV_S2_L0; one more: unknown */
#define HS_NV_INVAL_OPS 4u  /* trace_nv_s2.op; one more: unknown */

struct hs_nv_class {
	uint64_t count[HS_NV_DECISIONS];
	struct hs_hist cost[HS_NV_DECISIONS]; /* trace_nv_exit.cost, cycles */
	struct hs_hist trip_cost;  /* reflected: L0 cycles until L1's ERET into L2 */
	struct hs_hist trip_ns;    /* reflected: ns from the exit to that ERET */
	uint64_t trip_l1_exits;    /* L1 exits inside those round trips */
};

/* A vCPU's reflected exit waiting for L1's ERET. */
struct hs_nv_trip {
	uint64_t ts;          /* the TRACE_NV_EXIT's */
	uint64_t eret_ts;     /* the TRACE_NV_ERET's, once seen */
	uint64_t cost;        /* cycles so far */
	uint32_t l1_exits;
	uint16_t cls;
	uint16_t cpu;
	uint8_t  state;       /* 0 none, 1 in L1, 2 ERET seen: its exit may follow */
};

struct hs_nv_vm {
	uint64_t l1_exits, l2_exits, reflected;
};

struct hs_nested {
	struct hs_nv_class cls[HS_CLASS_ROWS];
	uint64_t l2_exits[HS_NV_DECISIONS];
	uint64_t reasons[HS_NV_REASONS + 1];
	uint64_t l1_exits;        /* TRACE_EXIT records flagged TRACE_EXIT_L1 */
	uint64_t erets, illegal_erets;
	uint64_t injects[HS_NV_INJ_KINDS + 1];
	uint64_t s2_faults[HS_NV_S2_RESULTS + 1];
	uint64_t s2_filled_pages;
	uint64_t invals[HS_NV_INVAL_OPS + 1];
	uint64_t inval_pages;     /* shadow pages the invalidations dropped */
	struct hs_nv_vm vms[HS_MAP_VMS]; /* by VM number; larger ones are not kept */
	struct hs_nv_trip trips[HS_MAP_VMS][HS_MAP_VCPUS];
};

/* A record of the TRACE_NV range, or a TRACE_EXIT flagged L1 or L2. 0 or -ENOMEM. */
int hs_nested_feed(struct hs_stats *s, const struct trace_hdr *h);
void hs_nested_reset(struct hs_nested *n);
void hs_nested_destroy(struct hs_nested *n); /* NULL ok */

/* L2 exits counted, both decisions. */
static inline uint64_t hs_nested_l2_exits(const struct hs_nested *n)
{
	return n ? n->l2_exits[0] + n->l2_exits[1] : 0;
}

/* Names of trace_nv_s2.op ("ipa", "vmid", "all", "vttbr"), "unknown" past them. */
const char *hs_nv_inval_name(unsigned op);

#endif
