/*
 * The live view's model: what `hypscope top` knows about the machine,
 * independent of the terminal.
 *
 * Records go in one at a time (top_model_feed()) from the rings or from a
 * trace file; the exits table, the latency histograms and the breakdowns are
 * tracer/lib/stats.c's (struct hs_stats), one per scope: the whole machine, each
 * VM and each vCPU, so that picking a VM or a vCPU shows its own table. On
 * top of them the model keeps what a live view needs and a report does not:
 *
 *   per interval  each scope's counts at the last tick, so a row has the rate
 *                 of the last interval, and a history of those counts (the
 *                 last minute) for the sparklines
 *   per vCPU      state (running, blocked in WFI, off), physical CPU, VMID and
 *                 generation, time in the guest and in the hypervisor, from
 *                 the records, or from the status block when one is given
 *   vGIC          the latest list register snapshot of every vCPU
 *   events        the newest records, raw, for the event log
 *
 * Rows are filtered by a POSIX extended regex on the class name and sorted
 * by any column. Host only, no curses.
 */
#ifndef TUI_MODEL_H
#define TUI_MODEL_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/hypcfg.h"
#include "formats/trace.h"
#include "tracer/lib/stats.h"

#define TOP_MAX_VMS      HYPCFG_MAX_VMS
#define TOP_MAX_VCPUS    HYPCFG_MAX_VCPUS /* per VM */
#define TOP_NO_SEL       (-1)
#define TOP_HISTORY      160u   /* interval samples kept: a minute at the shortest interval */
#define TOP_SPARK_WINDOW 60.0   /* seconds a sparkline covers */
#define TOP_LOG_SLOTS    8192u  /* newest records kept for the event log */
#define TOP_LOG_SLOT     192u   /* bytes kept of each (the largest record this version defines) */

/* Columns of the exits table, in screen order; each can be the sort key. */
enum top_col {
	TOP_COL_NAME,
	TOP_COL_COUNT,
	TOP_COL_RATE,  /* exits per second over the last interval */
	TOP_COL_SHARE, /* of all exits of the scope */
	TOP_COL_AVG,   /* exit to entry, ns */
	TOP_COL_P50,
	TOP_COL_P99,
	TOP_COL_TIME,  /* total exit-to-entry time */
	TOP_NR_COLS,
};

/* One interval sample: exits by class counted during it. */
struct top_sample {
	double t;  /* source seconds at the end of the interval */
	double dt; /* its length */
	uint32_t n[HS_CLASS_ROWS];
};

/* Counts of one scope (all, a VM, a vCPU): the aggregation and its history. */
struct top_scope {
	struct hs_stats *st;
	uint64_t prev[HS_CLASS_ROWS]; /* class counts at the last tick */
	uint64_t prev_exits;
	uint64_t prev_records;
	double rate[HS_CLASS_ROWS];   /* per second, last interval */
	double exit_rate;
	double record_rate;
	struct top_sample *hist;      /* TOP_HISTORY samples, a ring */
	unsigned hist_head;           /* next slot to write */
	unsigned hist_len;
};

enum top_vcpu_state {
	TOP_VCPU_UNKNOWN = -1,
	TOP_VCPU_OFF = HYPSTAT_VCPU_OFF,
	TOP_VCPU_RUNNING = HYPSTAT_VCPU_RUNNING,
	TOP_VCPU_WFI = HYPSTAT_VCPU_WFI,
};

struct top_vcpu {
	bool seen;
	int state;             /* enum top_vcpu_state */
	int pcpu;              /* -1: not known */
	uint16_t vmid;
	uint64_t vmid_gen;

	/* from the records */
	bool in_guest;         /* between an ENTRY and the next EXIT */
	uint64_t last_ts;      /* of the last ENTRY or EXIT */
	uint64_t guest_ticks;
	uint64_t hyp_ticks;
	uint64_t exits;
	uint64_t sdei_calls;      /* TRACE_SDEI_CALL records */
	uint64_t sdei_dispatches; /* SDEI handlers entered */
	uint64_t its_cmds;        /* ITS commands this vCPU's CWRITER writes ran */
	uint64_t lpis;            /* LPIs the ITS made pending on this vCPU */
	uint64_t l2_exits;        /* TRACE_NV_EXIT: exits of its guest hypervisor's guest */
	uint64_t l2_reflected;    /* ... of them reflected to the guest hypervisor */

	/* from the status block (live), which wins over the records */
	bool have_status;
	uint64_t st_guest_ticks, st_hyp_ticks, st_exits;

	/* per interval */
	uint64_t prev_guest, prev_hyp, prev_exits, prev_l2;
	bool have_prev;
	double exit_rate;
	double l2_rate;        /* L2 exits per second */
	double guest_share;    /* of the interval, 0..1 */
	double hyp_share;

	/* the latest list register snapshot */
	bool have_lrs;
	struct trace_vgic_lrs lrs;
};

struct top_vm {
	bool seen;
	char name[HYPCFG_NAME_LEN];
	int state;             /* enum hypstat_vm_state, -1: not known */
	uint32_t exit_status;
	uint32_t nr_vcpus;
	uint16_t vmid;
	uint64_t vmid_gen;
	struct top_vcpu vcpus[TOP_MAX_VCPUS];
};

/* What the source says about the machine, beyond the records. */
struct top_machine {
	bool live;
	char source[256];      /* RAM file or trace file */
	char trace_mode[16];   /* "overwrite", "drop", "file" */
	uint32_t nr_cpus;
	uint64_t cntfrq;
	bool have_status;      /* struct hypstat was read */
	uint32_t hyp_state;    /* enum hypstat_state */
	uint64_t boot_cntpct;
	uint32_t vmid_bits;
	uint64_t vmid_generation;
	uint64_t vmid_rollovers;
	bool ended;            /* machine done, or the end of the trace file */
	char message[256];     /* why it ended badly, or a source error */
};

/* A row of the exits table as the view shows it. */
struct top_row {
	uint32_t cls;
	const struct hs_row *row;
	uint64_t count;
	double rate;
	double share;
	double avg_ns;
	uint64_t p50_ns;
	uint64_t p99_ns;
	uint64_t time_ns;
};

struct top_model {
	struct top_machine mach;
	struct top_scope all;
	struct top_scope *vm_scope[TOP_MAX_VMS];
	struct top_scope *vcpu_scope[TOP_MAX_VMS][TOP_MAX_VCPUS];
	struct top_vm vms[TOP_MAX_VMS];

	uint64_t first_ts;       /* of the first record ever fed (kept by reset) */
	uint64_t last_ts;
	bool have_ts;
	double last_tick;        /* source seconds of the last tick */
	bool ticked;
	uint64_t ticks;          /* intervals so far */

	/* selection: the scope the table, histogram, vGIC panel and log show */
	int sel_vm;              /* TOP_NO_SEL or a VM slot */
	int sel_vcpu;            /* TOP_NO_SEL or a vCPU of sel_vm */
	bool vcpu_cycle_all;     /* key v walks every VM's vCPUs, not one VM's */

	/* exits table */
	enum top_col sort;
	bool sort_reverse;
	bool have_filter;
	regex_t filter;
	char filter_text[128];

	/* event log: ring of raw records */
	uint8_t (*log)[TOP_LOG_SLOT];
	uint16_t *log_size;      /* the record's own size (may exceed the slot) */
	uint64_t log_total;      /* records ever put in the ring */

	uint64_t nomem;          /* scopes that could not be allocated */
	uint64_t lrs_snapshots;  /* TRACE_VGIC_LRS records seen */
};

/* An empty model; NULL when out of memory. */
struct top_model *top_model_new(void);
void top_model_destroy(struct top_model *m); /* NULL ok */

void top_model_set_cntfrq(struct top_model *m, uint64_t cntfrq);

/* Count one record (size bytes, size >= hdr->size). */
void top_model_feed(struct top_model *m, const struct trace_hdr *h, uint32_t size);

/* Records of a CPU known lost (by the rings or the file). */
void top_model_add_lost(struct top_model *m, unsigned cpu, uint64_t n);

/*
 * The status block of a live machine: VM and vCPU state, exit counts and
 * times, VMID generation. cfg may be NULL; it gives the VM names.
 */
void top_model_set_status(struct top_model *m, const struct hypstat *st,
			  const struct hypcfg *cfg);

/*
 * End an interval at source time now (seconds: wall clock when live, trace
 * time when replaying): rates, shares, history. The first call only starts
 * the first interval.
 */
void top_model_tick(struct top_model *m, double now);

/* Forget every count (key r); VM state, snapshots and the event log stay. */
void top_model_reset(struct top_model *m);

/* The scope of the selection, or the whole machine when it has none yet. */
const struct top_scope *top_model_scope(const struct top_model *m);

/* Select a VM (TOP_NO_SEL: all) and a vCPU of it (TOP_NO_SEL: the whole VM). */
void top_model_select(struct top_model *m, int vm, int vcpu);
/* The next VM or vCPU seen, in slot order, wrapping through "all": keys g and v. */
void top_model_next_vm(struct top_model *m);
void top_model_next_vcpu(struct top_model *m);
/* Whether a record belongs to the selection. */
bool top_model_selected(const struct top_model *m, const struct trace_hdr *h);

/*
 * Filter classes by a POSIX extended regex on their name, case-insensitive;
 * "" or NULL clears it. 0, or -EINVAL with regerror()'s text in err.
 */
int top_model_set_filter(struct top_model *m, const char *re, char *err, size_t errlen);
bool top_model_class_visible(const struct top_model *m, uint32_t cls);

/*
 * The exits table of the selection: non-empty classes the filter lets
 * through, sorted. Returns how many (at most max).
 */
size_t top_model_rows(const struct top_model *m, struct top_row *rows, size_t max);

/* "running", "wfi", "off", "?" */
const char *top_vcpu_state_name(int state);
/* "running", "off", "reset", "exited 3"... */
const char *top_vm_state_name(const struct top_vm *vm, char *buf, size_t len);

/* Number of VMs and vCPUs seen. */
void top_model_counts(const struct top_model *m, unsigned *vms, unsigned *vcpus);

/* Seconds the machine has run, as far as the model knows. */
double top_model_uptime(const struct top_model *m);

/* ------------------------------------------------------------- event log */

/*
 * Records are numbered from 0 in the order fed; the ring keeps numbers
 * top_log_first() up to (not including) top_log_end().
 */
uint64_t top_log_first(const struct top_model *m);
uint64_t top_log_end(const struct top_model *m);
/*
 * Record number i; NULL when it is gone or not there yet. *size is the bytes
 * kept (a record longer than TOP_LOG_SLOT is cut; its hdr.size says so).
 */
const struct trace_hdr *top_log_get(const struct top_model *m, uint64_t i, uint32_t *size);

/* ----------------------------------------------- histograms and sparklines */

struct top_hbucket {
	uint64_t lo; /* values lo <= v < hi */
	uint64_t hi;
	uint64_t count;
};

/*
 * A histogram in at most max_rows log buckets, from the lowest to the
 * highest non-empty one: a power of two each, or as few consecutive powers
 * of two as make them fit (the bounds stay powers of two). Returns the
 * number of buckets; 0 for an empty histogram.
 */
unsigned top_hist_buckets(const struct hs_hist *h, unsigned max_rows, struct top_hbucket *out);

/* Length of a bar for count out of max in width cells: >= 1 for any count. */
unsigned top_bar_len(uint64_t count, uint64_t max, unsigned width);

/*
 * Rates of class cls over the last `window` seconds before `now`, in n bins
 * of equal time, oldest first. A bin no sample covers (before the view
 * started) is negative.
 */
void top_scope_spark(const struct top_scope *sc, uint32_t cls, double now, double window,
		     unsigned n, double *out);

/*
 * Sparkline levels: 0 for an empty bin (negative: no data, or zero), 1..8
 * for the eighths of the largest value (any non-zero value is at least 1).
 */
void top_spark_levels(const double *v, unsigned n, uint8_t *levels);

#endif
