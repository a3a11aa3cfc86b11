/*
 * The aggregation model behind `hypscope report`, `hypscope diff` and the
 * live view: trace records go in one at a time (from a file or straight from
 * the rings) or in the merge's batches, counts and latency distributions
 * come out.
 *
 *   exits      per exit class, and optionally per VM, per vCPU, per guest PC:
 *              count, injected exceptions, handling cost (trace_exit.cost,
 *              PMCCNTR cycles) and in-hypervisor time (EXIT ts to the next
 *              ENTRY ts of the same vCPU, in ns)
 *   MMIO       per device, register offset within the device and direction
 *   sysregs    trapped MSR/MRS per register encoding and direction
 *   hypercalls per SMCCC function id
 *   VMIDs      allocations, rollovers and their TLB flush cost
 *   vGIC       list register occupancy per snapshot, overflow, maintenance
 *              interrupts by ICH_MISR_EL2 cause
 *   losses     per CPU, as the recorder or the file declares them
 *
 * Latencies go into log-bucketed histograms (HDR style): 32 buckets per power
 * of two, allocated a power of two at a time when first touched, so a
 * histogram never holds more than 60 x 32 counters whatever the number of
 * samples, and a percentile read back is within HS_HIST_REL_ERROR of the
 * exact one. The counters of the powers of two seen so far are one block,
 * grown at either end when a sample falls outside it: counting a sample
 * touches the histogram and one counter, nothing in between, and the
 * histogram itself is 64 bytes, so a row with two of them fits in three
 * cache lines. A counter is 16 bits, a power of two's 32 of them one cache
 * line; the few counts that outgrow them carry into a second array.
 *
 * The handling cost of an MMIO access or a hypercall comes from the EXIT
 * record that follows its TRACE_MMIO or TRACE_SMCCC record on the same vCPU
 * (the hypervisor writes the emulation record from inside the handler, the
 * EXIT record after it).
 *
 * Nothing is allocated per record: rows and histogram blocks are allocated
 * the first time a key or a power of two is seen. Host only.
 */
#ifndef TRACER_STATS_H
#define TRACER_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/exits.h"
#include "formats/trace.h"
#include "formats/host/trace_types.h"
#include "formats/host/tracefile.h"

/* ---------------------------------------------------------------- histogram */

#define HS_HIST_SUB_BITS 5u
#define HS_HIST_SUB      (1u << HS_HIST_SUB_BITS) /* buckets per power of two */
#define HS_HIST_GROUPS   (64u - HS_HIST_SUB_BITS + 1)  /* group 0: values below HS_HIST_SUB */
#define HS_HIST_BUCKETS  (HS_HIST_GROUPS * HS_HIST_SUB)

/*
 * A bucket is at most 1/HS_HIST_SUB of its lower bound wide and a percentile
 * reads as the bucket's middle: the estimate is within half of that of the
 * exact value (values below HS_HIST_SUB are exact).
 */
#define HS_HIST_REL_ERROR (1.0 / (2.0 * HS_HIST_SUB))

/*
 * A bucket's counter holds the low HS_HIST_CTR_BITS bits of its count: a
 * group of HS_HIST_SUB counters is one 64-byte cache line, so the counters a
 * sample may touch take a quarter of the cache they took as 64-bit words.
 * When a counter wraps, the count above those bits goes on in hs_hist.hi
 * (allocated then, the same layout as the blocks): counts stay exact.
 */
typedef uint16_t hs_hist_ctr;
#define HS_HIST_CTR_BITS 16u

struct hs_hist {
	uint64_t count;
	uint64_t sum;
	uint64_t min;    /* valid when count != 0 */
	uint64_t max;
	uint64_t missed; /* counted but not bucketed: no memory for a block */
	/*
	 * HS_HIST_SUB counters for each group lo .. lo + nr - 1, NULL (nr 0)
	 * until the first sample. Read through hs_hist_group() or
	 * hs_hist_bucket_count().
	 */
	hs_hist_ctr *blocks;
	/* NULL until a counter wraps: then each bucket's count >> HS_HIST_CTR_BITS */
	uint64_t *hi;
	uint32_t lo;
	uint32_t nr;
};

/* Slow path of hs_hist_add(): grow the blocks to hold group g, then count. */
int hs_hist_add_slow(struct hs_hist *h, unsigned g, unsigned s);
/* Slow path of hs_hist_count(): counter i of the blocks wrapped. 0 or -ENOMEM. */
int hs_hist_carry(struct hs_hist *h, size_t i);

/* The count of the blocks' bucket i, its carries included. */
static inline uint64_t hs_hist_count_at(const struct hs_hist *h, size_t i)
{
	return (h->hi ? h->hi[i] << HS_HIST_CTR_BITS : 0) | h->blocks[i];
}

/* The count of bucket (g, s); 0 when no block holds group g. */
static inline uint64_t hs_hist_bucket_count(const struct hs_hist *h, unsigned g, unsigned s)
{
	if (g - h->lo >= h->nr)
		return 0;
	return hs_hist_count_at(h, (size_t)(g - h->lo) * HS_HIST_SUB + s);
}

/*
 * The HS_HIST_SUB counts of group g, in buf; NULL when no block holds it
 * (then buf is untouched).
 */
static inline const uint64_t *hs_hist_group(const struct hs_hist *h, unsigned g,
					    uint64_t buf[HS_HIST_SUB])
{
	unsigned s;

	if (g - h->lo >= h->nr)
		return NULL;
	for (s = 0; s < HS_HIST_SUB; s++)
		buf[s] = hs_hist_bucket_count(h, g, s);
	return buf;
}

/* Bucket of v: group g (0 for v < HS_HIST_SUB), sub-bucket s. */
static inline void hs_hist_bucket(uint64_t v, unsigned *g, unsigned *s)
{
	unsigned shift;

	if (v < HS_HIST_SUB) {
		*g = 0;
		*s = (unsigned)v;
		return;
	}
	shift = 63u - (unsigned)__builtin_clzll(v) - HS_HIST_SUB_BITS;
	*g = shift + 1;
	*s = (unsigned)(v >> shift) - HS_HIST_SUB;
}

/* Count one value in count, sum, min and max: hs_hist_add() without its bucket. */
static inline void hs_hist_note(struct hs_hist *h, uint64_t v)
{
	if (!h->count++) {
		h->min = v;
		h->max = v;
	} else if (v < h->min) {
		h->min = v;
	} else if (v > h->max) {
		h->max = v;
	}
	h->sum += v;
}

/* Count one sample in bucket (g, s), of a value hs_hist_note() counted. 0 or -ENOMEM. */
static inline int hs_hist_count(struct hs_hist *h, unsigned g, unsigned s)
{
	/* below lo the difference wraps to a large number */
	size_t i = (size_t)(g - h->lo) * HS_HIST_SUB + s;

	if (__builtin_expect(g - h->lo >= h->nr, 0))
		return hs_hist_add_slow(h, g, s);
	if (__builtin_expect(!++h->blocks[i], 0))
		return hs_hist_carry(h, i);
	return 0;
}

/* Count one value. 0, or -ENOMEM (the value still counts in count/sum/min/max). */
static inline int hs_hist_add(struct hs_hist *h, uint64_t v)
{
	unsigned g, s;

	hs_hist_note(h, v);
	hs_hist_bucket(v, &g, &s);
	return hs_hist_count(h, g, s);
}

/* Lowest value of bucket (g, s) and its width. */
uint64_t hs_hist_bucket_low(unsigned g, unsigned s);
uint64_t hs_hist_bucket_width(unsigned g);

/*
 * The value at quantile q (0..1): the ceil(q * n)-th smallest sample within
 * HS_HIST_REL_ERROR, clamped to [min, max]; q = 0 gives min, q = 1 max. 0 for
 * an empty histogram.
 */
uint64_t hs_hist_quantile(const struct hs_hist *h, double q);
double hs_hist_mean(const struct hs_hist *h);
/* Add src's samples to dst. 0 or -ENOMEM. */
int hs_hist_merge(struct hs_hist *dst, const struct hs_hist *src);
/* Forget the samples, keep the blocks. */
void hs_hist_reset(struct hs_hist *h);
/* Free the blocks; the histogram is empty and usable afterwards. */
void hs_hist_release(struct hs_hist *h);

/*
 * Mann-Whitney U test of "b's values tend to differ from a's", computed on
 * the histograms: samples in the same bucket count as ties, the variance has
 * the usual tie correction, the p-value is the two-sided normal
 * approximation. prob_greater is P(b > a) + P(b = a) / 2 over all pairs, 0.5
 * when neither tends to be larger. Needs a few samples on each side; with
 * fewer than 2 on either side p is 1.
 */
struct hs_mwu {
	double u;            /* U of b */
	double z;
	double p;            /* two-sided */
	double prob_greater; /* U / (na * nb) */
};

void hs_hist_mann_whitney(const struct hs_hist *a, const struct hs_hist *b, struct hs_mwu *out);

/* ---------------------------------------------------------------- rows */

/* One line of a table: a set of exits or emulated accesses. */
struct hs_row {
	uint64_t count;
	/*
	 * Exit rows and sysreg rows: exits that ended with an injected
	 * exception. MMIO rows: accesses that got an abort or were ignored.
	 * Hypercall rows: calls that returned an SMCCC/PSCI error code in x0.
	 */
	uint64_t failed;
	struct hs_hist cost; /* handling cost, PMCCNTR cycles */
	struct hs_hist time; /* exit rows: exit to the next entry, ns; else empty */
	/*
	 * The total, VM and vCPU rows: time their vCPUs ran in the guest, from
	 * each entry to the exit that ended it, ns. 0 in the other rows.
	 */
	uint64_t guest_ns;
};

/* What a keyed row is about; which fields mean something depends on the table. */
struct hs_key {
	uint64_t a; /* pc; MMIO offset; SMCCC fid; sysreg key */
	uint32_t b; /* vm; MMIO device */
	union {
		uint32_t vcpu;  /* vCPU rows */
		uint32_t write; /* MMIO and sysreg rows: 1 a write (guest store, MSR), 0 a read */
	};
};

struct hs_keyed_row {
	struct hs_key key;
	struct hs_row row;
};

/*
 * A slot of a table's hash index: the row and its key's hash, so that a probe
 * past other keys reads only this compact array, never their (large) rows.
 */
struct hs_slot {
	uint32_t row;  /* row index + 1, 0 free */
	uint32_t hash; /* key_hash() of the row's key */
};

/*
 * A keyed record waiting for its row (hs_table.pend): the key, what the
 * record counts in the row, and its cost once known (an MMIO access's comes
 * with the exit after it).
 */
struct hs_pend {
	uint64_t a;     /* hs_key.a */
	uint32_t b;     /* hs_key.b */
	uint32_t hash;  /* key_hash() of the key */
	uint64_t cost;  /* valid with HS_PEND_COST */
	uint32_t at;    /* a copy's place in pend[] while the table is flushed */
	uint32_t flags; /* HS_PEND_* */
};

#define HS_PEND_WRITE  0x1u /* hs_key.write */
#define HS_PEND_FAILED 0x2u /* counts in hs_row.failed */
#define HS_PEND_COST   0x4u /* cost is a sample of hs_row.cost */
#define HS_PEND_NEW    0x8u /* while flushed: its key had no row when the flush began */

/*
 * Rows by key, in the order first seen; past max_rows they pile into `other`.
 * While the model defers (hs_stats_defer()), the buckets its samples fall in
 * wait in log[], each (row index, histogram, bucket), and are counted row by
 * row when the log fills or the model settles: a large table's histograms
 * are then touched a row at a time, not at random with every record.
 *
 * The MMIO and sysreg tables (batched) go further while the model defers:
 * their records wait in pend[] without a lookup, and are looked up when it
 * fills or the model settles a part of the hash index at a time (sorted by
 * the slot their key hashes to), so that the slots and rows of one part stay
 * in the first-level cache while its records are counted. Keys new to the
 * table take their rows afterwards in the order of their first record. The
 * records' costs are counted then, straight into their rows' histograms: the
 * log holds only those of MMIO accesses whose exit came after their batch.
 */
struct hs_table {
	struct hs_keyed_row *rows;
	uint32_t nr;
	uint32_t cap;
	uint32_t max_rows;
	struct hs_slot *slots; /* open addressing over the keys' hashes */
	uint32_t nr_slots; /* power of two */
	uint64_t overflowed; /* lookups of new keys that found the table full */
	struct hs_row other;
	bool defer;        /* a table whose buckets wait in the log while the model defers */
	uint64_t *log;     /* idx << 32 | hist << 16 | bucket: see table_sample() */
	uint64_t *log_sorted; /* the log sorted by row while it is counted */
	uint32_t log_nr;
	bool batch;        /* a table whose records wait in pend[] while the model defers */
	struct hs_pend *pend; /* records not yet looked up, in the order fed */
	struct hs_pend *pend_parts; /* pend[] sorted by part of the index while it is flushed */
	uint32_t pend_nr;
};

/* ---------------------------------------------------------------- stats */

/* Optional exit tables, hs_stats_opts.groups. Exits by class are always kept. */
#define HS_GROUP_VM   0x1u
#define HS_GROUP_VCPU 0x2u
#define HS_GROUP_PC   0x4u
#define HS_GROUP_ALL  0x7u

#define HS_DEFAULT_MAX_PCS  4096u
#define HS_DEFAULT_MAX_KEYS 4096u /* MMIO registers, sysregs, hypercall functions */

/* One row per exit class, plus one for classes beyond HYP_EXIT_CLASSES. */
#define HS_CLASS_ROWS (HYP_EXIT_CLASSES + 1)
#define HS_CLASS_BAD  HYP_EXIT_CLASSES

#define HS_MAX_CPUS     TF_MAX_CPUS
#define HS_MAX_VM_NAMES 64u
#define HS_LR_BINS      (TRACE_MAX_LRS + 1) /* 0..16 list registers in use */
#define HS_MISR_CAUSES  8u                  /* ICH_MISR_EL2 bits 0..7 */
#define HS_IRQ_SOURCES  6u                  /* enum trace_irq_source */

struct hs_stats_opts {
	unsigned groups;    /* HS_GROUP_* */
	uint32_t max_pcs;   /* 0: HS_DEFAULT_MAX_PCS */
	uint32_t max_keys;  /* 0: HS_DEFAULT_MAX_KEYS */
	uint64_t cntfrq;    /* counter ticks per second; 0: 62.5 MHz until set */
};

/* A vCPU's place between an exit and the next entry. */
struct hs_vcpu_state {
	uint64_t exit_ts;
	/* Rows are table index + 1; 0 none; HS_ROW_OTHER the table's overflow row. */
	uint32_t exit_row;  /* class row of the pending exit (an index, not + 1) */
	uint32_t vm_row;    /* by-VM row of the pending exit */
	uint32_t pc_row;    /* by-PC row of the pending exit */
	uint32_t mmio_row;  /* MMIO row waiting for its exit's cost */
	uint32_t mmio_pend; /* or its record's place in mmio.pend[] + 1, 0 none */
	uint32_t smccc_row; /* hypercall row waiting for its exit's cost */
	uint64_t entry_ts;  /* the last entry, while the vCPU is in the guest */
	uint32_t entry_vm_row; /* by-VM row of that entry */
	uint16_t exit_cpu;
	uint16_t mmio_cpu;
	uint16_t smccc_cpu;
	uint16_t entry_cpu;
	bool     exit_pending;
	bool     entry_pending;
};

#define HS_ROW_OTHER UINT32_MAX
#define HS_MAP_VMS   64u
#define HS_MAP_VCPUS 16u
#define HS_MAX_VCPU_ROWS 1024u

struct hs_vgic_point {
	uint64_t snapshots;
	uint64_t overflow;            /* ICH_HCR_EL2.UIE or NPIE set: more pending than LRs */
	uint64_t lrs[HS_LR_BINS];     /* snapshots by the number of non-empty LRs */
	uint64_t used_sum;
	uint32_t nr_lrs;              /* implemented LRs, largest seen */
};

/* SDEI (TRACE_SDEI_*): per event number, and the calls. */
#define HS_SDEI_EVENTS 16u
#define HS_SDEI_FNS    19u /* VERSION .. SHARED_RESET */

struct hs_sdei_event {
	uint32_t event;
	bool used;
	uint64_t dispatches;
	uint64_t by_cause[3];     /* enum trace_sdei_cause */
	uint64_t completes;       /* COMPLETE */
	uint64_t resumes;         /* COMPLETE_AND_RESUME */
	struct hs_hist handler;   /* dispatch to completion, ns */
};

struct hs_sdei {
	struct hs_sdei_event ev[HS_SDEI_EVENTS];
	uint64_t other_events;    /* records of events past the HS_SDEI_EVENTS first seen */
	uint64_t calls[HS_SDEI_FNS + 1]; /* by function; the last: unknown */
	uint64_t denied, invalid, not_supported, pending;
	uint64_t ops[13];         /* TRACE_SDEI_STATE by enum trace_sdei_op */
};

/* The ITS: TRACE_ITS_CMD and TRACE_ITS_LPI. */
#define HS_ITS_CMDS 16 /* command numbers 0..15 */
struct hs_its {
	uint64_t cmds[HS_ITS_CMDS + 1]; /* by command number; the last: any other */
	uint64_t cmd_errors;      /* commands that came to a command error (ignored) */
	uint64_t lpis_msi;        /* LPIs made pending by a GITS_TRANSLATER write */
	uint64_t lpis_int;        /* ... by an INT command */
	uint64_t msis_dropped;    /* GITS_TRANSLATER writes that translated to nothing */
};

struct hs_stats {
	struct hs_stats_opts opts;

	/* The trace. */
	uint64_t records;
	uint64_t first_ts;            /* valid when records != 0 */
	uint64_t last_ts;
	uint32_t nr_cpus;             /* 1 + the highest CPU seen */
	uint64_t cpu_records[HS_MAX_CPUS];
	uint64_t cpu_lost[HS_MAX_CPUS];
	uint64_t lost;
	uint64_t gaps;                /* sequence gaps seen (their records are in lost) */
	/* Record counts by trace_type_index() (formats/host/trace_types.h): hs_stats_count(). */
	uint64_t by_type_index[TRACE_TYPES_MAX];
	uint64_t other_types;         /* records of types this version does not decode */
	uint64_t short_records;       /* shorter than their type: ignored */
	uint64_t nomem;               /* samples or keys dropped for want of memory */

	/* Exits. */
	struct hs_row total;
	struct hs_row classes[HS_CLASS_ROWS];
	struct hs_table vms;          /* key b = vm */
	struct hs_table vcpus;        /* key b = vm, c = vcpu; always kept (pairs exits) */
	struct hs_table pcs;          /* key a = pc, b = vm */
	struct hs_vcpu_state *vstate; /* parallel to vcpus.rows, HS_MAX_VCPU_ROWS entries */
	uint64_t unpaired;            /* entries with no exit before them (start, after loss) */

	/* Emulation. */
	struct hs_table mmio;         /* a = offset in the device, b = device, c = 1 write */
	struct hs_table sysregs;      /* a = SYSREG_KEY, c = 1 read (MRS) */
	struct hs_table hypercalls;   /* a = fid, without the SVE hint */

	/* VMIDs and VMs. */
	uint64_t vmid_allocs;
	uint64_t vmid_rollovers;
	struct hs_hist flush_cost;    /* rollover TLB flush, cycles */
	uint32_t vmid_bits;
	uint32_t vmids_in_use_max;
	uint64_t vm_creates;
	uint64_t vm_destroys;
	char vm_names[HS_MAX_VM_NAMES][32];

	/* Scheduling and interrupts. */
	struct hs_hist wfi_blocked;   /* WFI_WAKE: ns blocked */
	uint64_t irq_injects[HS_IRQ_SOURCES + 1];
	struct hs_vgic_point vgic[2]; /* TRACE_LRS_FLUSH, TRACE_LRS_FOLD */
	uint64_t maint;
	uint64_t maint_causes[HS_MISR_CAUSES];
	uint64_t logs[4];             /* by enum trace_log_level */
	struct hs_sdei sdei;
	struct hs_its its;
	struct hs_nested *nested;     /* tracer/lib/nested.h; NULL until a nested record */

	/* Sequence tracking per CPU, to notice gaps. */
	uint64_t next_seq[HS_MAX_CPUS];
	uint8_t  seq_known[HS_MAX_CPUS];

	/* ticks to ns: ns = ticks * ns_mul / ns_div */
	uint64_t ns_mul, ns_div;

	/* Row indexes (+ 1, 0 not yet known) of small VM and vCPU numbers: no hashing. */
	uint32_t vcpu_map[HS_MAP_VMS][HS_MAP_VCPUS];
	uint32_t vm_map[HS_MAP_VMS];

	/*
	 * While deferring (hs_stats_defer()): an exit is counted in one row of
	 * its vCPU and class, cells[slot][class] (slot: the vCPU's row index
	 * + 1, HS_CELL_NONE without one, HS_CELL_OTHER in vcpus.other), and
	 * total, classes and the vCPU rows are summed from them when the model
	 * settles. NULL when not deferring; a slot's rows are allocated when
	 * first used.
	 */
	struct hs_row **cells;
};

#define HS_CELL_NONE  0u
#define HS_CELL_OTHER (HS_MAX_VCPU_ROWS + 1)
#define HS_CELLS      (HS_MAX_VCPU_ROWS + 2)

struct hs_nested;

/* Allocate an empty model. NULL when out of memory. */
struct hs_stats *hs_stats_new(const struct hs_stats_opts *opts);
void hs_stats_destroy(struct hs_stats *s); /* NULL ok */

/*
 * Forget every count and sample (a new window of the live view). Rows keep
 * their memory, VM names are kept, and so are exits waiting for their entry:
 * an exit before the reset pairs with an entry after it.
 */
void hs_stats_reset(struct hs_stats *s);

void hs_stats_set_cntfrq(struct hs_stats *s, uint64_t cntfrq);
uint64_t hs_stats_ticks_to_ns(const struct hs_stats *s, uint64_t ticks);

/*
 * Count one record (a whole record, size bytes, size >= hdr->size). Records
 * of one CPU must come in their order; records of different CPUs in
 * timestamp order (as tf_reader_next() merges them) pair exits and entries
 * of a vCPU that moved between CPUs. 0, or -ENOMEM when a new row or block
 * could not be allocated (counted in nomem; the model stays consistent).
 */
int hs_stats_feed(struct hs_stats *s, const struct trace_hdr *h, uint32_t size);

/*
 * hs_stats_feed() of n records in their order, as tf_reader_next_batch()
 * hands them out: the same model, for less work a record (what every
 * record counts is counted a run of records at a time). 0, or -ENOMEM when
 * any of them met it.
 */
int hs_stats_feed_batch(struct hs_stats *s, const struct tf_record *rec, unsigned n);

/*
 * Defer part of the counting to hs_stats_settle(), for a model read only
 * once every record is in (a trace file's report): the feed does less per
 * record, and the rows of exits (total, classes, vCPUs), the keyed tables'
 * histogram buckets and the MMIO and sysreg tables (rows and counts: their
 * records wait for their lookup in batches) are incomplete until the model
 * settles. Reading a deferring model before then reads those short. 0 or
 * -ENOMEM.
 */
int hs_stats_defer(struct hs_stats *s);

/*
 * Complete what the feed deferred and stop deferring: the model is then the
 * one hs_stats_feed() alone would have built from the same records. 0, or
 * -ENOMEM (counted in nomem, as a sample that found no memory).
 */
int hs_stats_settle(struct hs_stats *s);

/* The records of a type this version decodes that were fed. */
static inline uint64_t hs_stats_count(const struct hs_stats *s, uint32_t type)
{
	int i = trace_type_index(type);

	return i >= 0 ? s->by_type_index[i] : 0;
}

/* Records of a CPU known to be lost (ring or file accounting). */
void hs_stats_add_lost(struct hs_stats *s, unsigned cpu, uint64_t n);

/* Seconds between the first and the last record; 0 with fewer than two. */
double hs_stats_span_s(const struct hs_stats *s);

/* Seconds all vCPUs together ran in the guest (vCPU-seconds): s->total.guest_ns. */
double hs_stats_guest_s(const struct hs_stats *s);

/* ------------------------------------------------------------ listing rows */

enum hs_by {
	HS_BY_CLASS,
	HS_BY_VM,
	HS_BY_VCPU,
	HS_BY_PC,
};

enum hs_sort {
	HS_SORT_COUNT, /* most exits first */
	HS_SORT_TIME,  /* most in-hypervisor time (sum) first */
	HS_SORT_P99,   /* highest p99 in-hypervisor time first */
	HS_SORT_COST,  /* most handling cycles (sum) first */
	HS_SORT_NAME,  /* class number, VM, vCPU or PC order */
};

/* A row of one of the exit tables, with what it is about. */
struct hs_ref {
	const struct hs_row *row;
	uint32_t cls;  /* HS_BY_CLASS */
	uint32_t vm;   /* HS_BY_VM, HS_BY_VCPU, HS_BY_PC */
	uint32_t vcpu; /* HS_BY_VCPU */
	uint64_t pc;   /* HS_BY_PC */
	bool other;    /* the overflow row of a full table */
};

/*
 * The non-empty rows of the table `by` (which must have been kept), sorted.
 * *refs is allocated (free() it); returns how many, or -ENOMEM / -EINVAL.
 */
int hs_stats_rows(const struct hs_stats *s, enum hs_by by, enum hs_sort sort,
		  struct hs_ref **refs);

/* Sort keyed rows (breakdown tables) by count, most first; ties by key. */
int hs_table_sorted(const struct hs_table *t, const struct hs_keyed_row ***out);

/* "vm0", or the VM's name from its VM_CREATE record: "vm0 (demo0)". */
const char *hs_vm_label(const struct hs_stats *s, uint32_t vm, char *buf, size_t len);

/* Display name of a device id of trace_mmio.device. */
const char *hs_device_name(uint32_t device);

/* Offset of ipa within device `device`'s region of the guest-physical map. */
uint64_t hs_mmio_offset(uint32_t device, uint64_t ipa);

#endif
