/*
 * What the live view shows, as lines of text: the header, the exits table
 * with its breakdowns, the VM and vCPU pane, the list register panel, the
 * latency histogram and the event log. The screen draws these lines into its
 * panes (tui/panel.h), --batch prints them: both show the same text.
 *
 * A line carries one attribute per byte (heading, sorted column, bar, list
 * register state...), which the screen maps to colours or to bold/reverse;
 * batch output ignores them. Host only, no curses.
 */
#ifndef TUI_VIEW_H
#define TUI_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tui/model.h"

#define TOP_LINE_MAX 1024 /* bytes of one line, UTF-8 included */

enum top_attr {
	TA_NORMAL,
	TA_DIM,
	TA_BOLD,
	TA_HEAD,        /* column headings */
	TA_SORT,        /* the sort column's heading */
	TA_TITLE,       /* a pane's title bar */
	TA_TITLE_FOCUS, /* the focused pane's title bar */
	TA_BAR,         /* histogram bars */
	TA_SPARK,
	TA_GOOD,
	TA_WARN,
	TA_BAD,
	TA_LR_P,        /* list register states */
	TA_LR_A,
	TA_LR_PA,
	TA_KEY,         /* key names in the help and the footer */
	TA_NR,
};

struct top_line {
	char text[TOP_LINE_MAX];
	uint8_t attr[TOP_LINE_MAX]; /* enum top_attr of each byte */
	unsigned len;               /* bytes */
	unsigned cols;              /* terminal columns used */
	unsigned width;             /* columns available */
	bool selected;              /* the cursor is on this line */
};

void top_line_init(struct top_line *l, unsigned width);
/* Append printf text (ASCII), cut at the line's width. */
void top_line_add(struct top_line *l, int attr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Append one glyph of `bytes` bytes taking one column (UTF-8 block elements). */
void top_line_glyph(struct top_line *l, int attr, const char *glyph);
/* Spaces up to column col. */
void top_line_pad(struct top_line *l, unsigned col);

/* "983", "12.3k", "4.56M", "7.89G" */
const char *top_fmt_count(char *buf, size_t len, double v);
/* "850ns", "3.2us", "12.1ms", "1.20s" */
const char *top_fmt_ns(char *buf, size_t len, double ns);

/* A line of the exits pane: a class, or one row of a class's breakdown. */
enum top_item_kind {
	TOP_ITEM_CLASS,
	TOP_ITEM_MMIO,   /* key: device, offset, direction */
	TOP_ITEM_SYSREG,
	TOP_ITEM_SMCCC,
	TOP_ITEM_VCPU,   /* classes without an ISS breakdown: by vCPU */
	TOP_ITEM_NOTE,
};

struct top_item {
	uint8_t kind;
	uint32_t cls;                   /* the class this line belongs to */
	const struct hs_keyed_row *kr;  /* MMIO, SYSREG, SMCCC */
	uint16_t vm, vcpu;              /* VCPU */
	uint64_t count;                 /* VCPU */
	const char *note;
};

#define TOP_BREAKDOWN_MAX 48u /* breakdown lines per class; the rest is summed up */

struct top_view {
	struct top_model *m;
	bool utf8;                        /* block elements for bars and sparklines */
	bool expanded[HS_CLASS_ROWS];
	uint32_t hist_cls;                /* class the histogram shows */
	bool hist_cls_set;                /* else: the first row's */

	/* told by the app */
	char source[200];                 /* "live /dev/shm/hypscope-1.ram", "replay x.trace x2" */
	bool paused;
	double interval;                  /* seconds between redraws */
	char status[160];                 /* the source's state: "machine done", "end of trace" */

	/* built by top_view_build() */
	struct top_row rows[HS_CLASS_ROWS];
	size_t nr_rows;
	struct top_item *items;
	size_t nr_items, cap_items;
	const struct hs_keyed_row **bd[3]; /* sorted MMIO, sysreg and hypercall rows */
	int nr_bd[3];
	uint64_t *log_idx;                 /* records of the event log that pass the selection */
	size_t nr_log;
	struct top_hbucket hb[66];
	unsigned nr_hb;
};

int top_view_init(struct top_view *v, struct top_model *m);
void top_view_release(struct top_view *v);

/*
 * Rebuild the frame's tables from the model: exits rows and items (with the
 * expanded breakdowns), the event log's lines, the histogram in at most
 * hist_rows buckets. log_filter: also filter the event log by the class
 * regex (the screen does; batch output has no log).
 */
void top_view_build(struct top_view *v, unsigned hist_rows, bool log_filter);
/* The histogram of v->hist_cls again, in at most rows buckets. */
void top_view_build_hist(struct top_view *v, unsigned rows);

/* Header: 2 lines. */
#define TOP_HEADER_LINES 2u
void top_view_header(const struct top_view *v, unsigned i, struct top_line *l);

/* Exits pane: one heading line, then nr_items lines. */
void top_view_exits_heading(const struct top_view *v, struct top_line *l);
void top_view_exits_line(const struct top_view *v, size_t item, struct top_line *l);
/* Title bar text of the exits pane: scope, filter, sort. */
void top_view_exits_title(const struct top_view *v, char *buf, size_t len);

/* VM and vCPU pane: one heading, then a line per VM and per vCPU. */
struct top_vmline {
	int vm;
	int vcpu; /* -1: the VM's line */
};
size_t top_view_vm_lines(const struct top_view *v, struct top_vmline *out, size_t max);
void top_view_vms_heading(const struct top_view *v, struct top_line *l);
void top_view_vm_line(const struct top_view *v, const struct top_vmline *vl, struct top_line *l);

/* vGIC pane: a heading, then lines (a vCPU's list registers may wrap). */
void top_view_vgic_heading(const struct top_view *v, struct top_line *l);
size_t top_view_vgic_nr_lines(const struct top_view *v, unsigned width);
void top_view_vgic_line(const struct top_view *v, size_t i, struct top_line *l);

/* Histogram pane: a summary line, then one line per bucket (nr_hb). */
void top_view_hist_heading(const struct top_view *v, struct top_line *l);
void top_view_hist_line(const struct top_view *v, unsigned i, struct top_line *l);
void top_view_hist_title(const struct top_view *v, char *buf, size_t len);
/* "p50 615ns  p99 8.83us", for the title bar; "" without samples. */
void top_view_hist_summary(const struct top_view *v, char *buf, size_t len);

/* Event log: nr_log lines. */
void top_view_log_line(const struct top_view *v, size_t i, struct top_line *l);

/* --batch: the header and every table as plain text, width columns wide. */
void top_view_print(struct top_view *v, FILE *f, unsigned width);

#endif
