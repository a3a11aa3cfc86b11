/* The live view's text: every pane as lines. See tui/view.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/esr.h"
#include "formats/esr_fmt.h"
#include "formats/ich_lr.h"
#include "formats/host/mmio_regs.h"
#include "formats/smccc.h"
#include "formats/sysreg_names.h"
#include "tui/evtext.h"
#include "tui/view.h"

/* ------------------------------------------------------------------ lines */

void top_line_init(struct top_line *l, unsigned width)
{
	l->len = 0;
	l->cols = 0;
	l->width = width < TOP_LINE_MAX / 4 ? width : TOP_LINE_MAX / 4;
	l->selected = false;
	l->text[0] = '\0';
}

static void line_put(struct top_line *l, int attr, const char *s, size_t n)
{
	if (l->cols >= l->width)
		return;
	if (n > l->width - l->cols)
		n = l->width - l->cols;
	if (n > TOP_LINE_MAX - 1 - l->len)
		n = TOP_LINE_MAX - 1 - l->len;
	memcpy(l->text + l->len, s, n);
	memset(l->attr + l->len, attr, n);
	l->len += (unsigned)n;
	l->cols += (unsigned)n;
	l->text[l->len] = '\0';
}

void top_line_add(struct top_line *l, int attr, const char *fmt, ...)
{
	char buf[TOP_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		line_put(l, attr, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void top_line_glyph(struct top_line *l, int attr, const char *glyph)
{
	size_t n = strlen(glyph);

	if (l->cols >= l->width || l->len + n >= TOP_LINE_MAX)
		return;
	memcpy(l->text + l->len, glyph, n);
	memset(l->attr + l->len, attr, n);
	l->len += (unsigned)n;
	l->cols++;
	l->text[l->len] = '\0';
}

void top_line_pad(struct top_line *l, unsigned col)
{
	static const char spaces[] = "                                ";

	while (l->cols < col && l->cols < l->width) {
		size_t n = col - l->cols;

		line_put(l, TA_NORMAL, spaces, n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1);
	}
}

const char *top_fmt_count(char *buf, size_t len, double v)
{
	static const char suffix[] = "kMGTP";
	unsigned i = 0;

	if (v < 0)
		v = 0;
	if (v < 1000) {
		snprintf(buf, len, v == (double)(uint64_t)v || v >= 100 ? "%.0f" : "%.1f", v);
		return buf;
	}
	v /= 1000;
	while (v >= 999.95 && i < sizeof(suffix) - 2) {
		v /= 1000;
		i++;
	}
	snprintf(buf, len, v < 9.995 ? "%.2f%c" : v < 99.95 ? "%.1f%c" : "%.0f%c", v, suffix[i]);
	return buf;
}

const char *top_fmt_ns(char *buf, size_t len, double ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%.0fns", ns);
	else if (ns < 1e4)
		snprintf(buf, len, "%.2fus", ns / 1e3);
	else if (ns < 1e6)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1e7)
		snprintf(buf, len, "%.2fms", ns / 1e6);
	else if (ns < 1e9)
		snprintf(buf, len, "%.1fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
	return buf;
}

static const char *class_label(uint32_t cls)
{
	return cls < HYP_EXIT_CLASSES ? exit_class_name(cls) : "OTHER";
}

/* ------------------------------------------------------------------- view */

int top_view_init(struct top_view *v, struct top_model *m)
{
	memset(v, 0, sizeof(*v));
	v->m = m;
	v->interval = 1.0;
	v->log_idx = calloc(TOP_LOG_SLOTS, sizeof(*v->log_idx));
	return v->log_idx ? 0 : -ENOMEM;
}

static void free_breakdowns(struct top_view *v)
{
	unsigned i;

	for (i = 0; i < 3; i++) {
		free(v->bd[i]);
		v->bd[i] = NULL;
		v->nr_bd[i] = 0;
	}
}

void top_view_release(struct top_view *v)
{
	free_breakdowns(v);
	free(v->items);
	free(v->log_idx);
	memset(v, 0, sizeof(*v));
}

enum { BD_MMIO, BD_SYSREG, BD_SMCCC, BD_NONE };

/* Which ISS breakdown a class expands into. */
static int breakdown_of(uint32_t cls)
{
	switch (cls) {
	case ESR_EC_DABT_LOW:
		return BD_MMIO;
	case ESR_EC_SYS64:
		return BD_SYSREG;
	case ESR_EC_HVC32:
	case ESR_EC_HVC64:
	case ESR_EC_SMC32:
	case ESR_EC_SMC64:
		return BD_SMCCC;
	default:
		return BD_NONE;
	}
}

static struct top_item *item_add(struct top_view *v)
{
	struct top_item *grown;
	size_t cap;

	if (v->nr_items == v->cap_items) {
		cap = v->cap_items ? 2 * v->cap_items : 128;
		grown = realloc(v->items, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		v->items = grown;
		v->cap_items = cap;
	}
	memset(&v->items[v->nr_items], 0, sizeof(v->items[0]));
	return &v->items[v->nr_items++];
}

static void add_note(struct top_view *v, uint32_t cls, const char *note)
{
	struct top_item *it = item_add(v);

	if (it)
		*it = (struct top_item){ .kind = TOP_ITEM_NOTE, .cls = cls, .note = note };
}

/* Classes without an ISS breakdown: their exits by vCPU, from the vCPU scopes. */
static void add_vcpu_breakdown(struct top_view *v, uint32_t cls)
{
	const struct top_model *m = v->m;
	const struct top_scope *sc;
	struct top_item *it;
	unsigned i, j, n = 0;

	for (i = 0; i < TOP_MAX_VMS; i++) {
		if (m->sel_vm >= 0 && (int)i != m->sel_vm)
			continue;
		for (j = 0; j < TOP_MAX_VCPUS; j++) {
			if (m->sel_vcpu >= 0 && (int)j != m->sel_vcpu)
				continue;
			sc = m->vcpu_scope[i][j];
			if (!sc || !sc->st->classes[cls].count)
				continue;
			it = item_add(v);
			if (!it)
				return;
			*it = (struct top_item){ .kind = TOP_ITEM_VCPU,
						 .cls = cls,
						 .vm = (uint16_t)i,
						 .vcpu = (uint16_t)j,
						 .count = sc->st->classes[cls].count };
			n++;
		}
	}
	if (!n)
		add_note(v, cls, "no per-vCPU counts");
}

static void add_breakdown(struct top_view *v, uint32_t cls)
{
	static const uint8_t kinds[] = { TOP_ITEM_MMIO, TOP_ITEM_SYSREG, TOP_ITEM_SMCCC };
	int bd = breakdown_of(cls), i, n;
	struct top_item *it;

	if (bd == BD_NONE) {
		add_vcpu_breakdown(v, cls);
		return;
	}
	n = v->nr_bd[bd];
	if (!n) {
		add_note(v, cls, "nothing decoded yet");
		return;
	}
	for (i = 0; i < n && i < (int)TOP_BREAKDOWN_MAX; i++) {
		it = item_add(v);
		if (!it)
			return;
		*it = (struct top_item){ .kind = kinds[bd], .cls = cls, .kr = v->bd[bd][i] };
	}
	if (n > (int)TOP_BREAKDOWN_MAX)
		add_note(v, cls, "more rows not shown");
}

/* Whether the event log keeps a record: the selection, then the regex on its text. */
static bool log_keeps(const struct top_view *v, const struct trace_hdr *h, uint32_t size,
		      bool log_filter)
{
	const struct top_model *m = v->m;
	char text[512];

	if (!top_model_selected(m, h))
		return false;
	if (!log_filter || !m->have_filter)
		return true;
	top_event_text(text, sizeof(text), h, size, m->first_ts, m->mach.cntfrq);
	return !regexec(&m->filter, text, 0, NULL, 0);
}

void top_view_build(struct top_view *v, unsigned hist_rows, bool log_filter)
{
	const struct top_model *m = v->m;
	const struct hs_stats *st = top_model_scope(m)->st;
	const struct trace_hdr *h;
	struct top_item *it;
	uint64_t i, end;
	uint32_t size;
	size_t r;
	int n;

	v->nr_rows = top_model_rows(m, v->rows, HS_CLASS_ROWS);
	free_breakdowns(v);
	n = hs_table_sorted(&st->mmio, &v->bd[BD_MMIO]);
	v->nr_bd[BD_MMIO] = n > 0 ? n : 0;
	n = hs_table_sorted(&st->sysregs, &v->bd[BD_SYSREG]);
	v->nr_bd[BD_SYSREG] = n > 0 ? n : 0;
	n = hs_table_sorted(&st->hypercalls, &v->bd[BD_SMCCC]);
	v->nr_bd[BD_SMCCC] = n > 0 ? n : 0;

	v->nr_items = 0;
	for (r = 0; r < v->nr_rows; r++) {
		it = item_add(v);
		if (!it)
			break;
		*it = (struct top_item){ .kind = TOP_ITEM_CLASS, .cls = v->rows[r].cls };
		if (v->expanded[v->rows[r].cls])
			add_breakdown(v, v->rows[r].cls);
	}

	v->nr_log = 0;
	end = top_log_end(m);
	for (i = top_log_first(m); i < end; i++) {
		h = top_log_get(m, i, &size);
		if (h && log_keeps(v, h, size, log_filter))
			v->log_idx[v->nr_log++] = i;
	}

	if (!v->hist_cls_set && v->nr_rows)
		v->hist_cls = v->rows[0].cls;
	top_view_build_hist(v, hist_rows);
}

void top_view_build_hist(struct top_view *v, unsigned rows)
{
	const struct hs_stats *st = top_model_scope(v->m)->st;
	const struct hs_hist *h =
		v->hist_cls < HS_CLASS_ROWS ? &st->classes[v->hist_cls].time : &st->total.time;
	unsigned max = sizeof(v->hb) / sizeof(v->hb[0]);

	v->nr_hb = top_hist_buckets(h, rows < max ? rows : max, v->hb);
}

/* ----------------------------------------------------------------- header */

void top_view_header(const struct top_view *v, unsigned i, struct top_line *l)
{
	const struct top_model *m = v->m;
	const struct top_machine *mc = &m->mach;
	const struct hs_stats *all = m->all.st;
	unsigned vms, vcpus;
	char a[32], b[32], rest[256];
	int n;

	top_model_counts(m, &vms, &vcpus);
	if (i == 0) {
		n = snprintf(rest, sizeof(rest), "%s  up %.1fs  exits %s/s  %s %s/s  lost ",
			     v->source, top_model_uptime(m),
			     top_fmt_count(a, sizeof(a), m->all.exit_rate),
			     l->width >= 100 ? "records" : "rec",
			     top_fmt_count(b, sizeof(b), m->all.record_rate));
		/* the name goes first when there is room for it */
		if (n > 0 && l->width >= (unsigned)n + 24)
			top_line_add(l, TA_BOLD, "hypscope top  ");
		top_line_add(l, TA_NORMAL, "%s", rest);
		top_line_add(l, all->lost ? TA_BAD : TA_NORMAL, "%" PRIu64, all->lost);
		if (all->gaps)
			top_line_add(l, TA_WARN, " (%" PRIu64 " gaps)", all->gaps);
		return;
	}
	/* what needs attention first, where a narrow terminal still shows it */
	if (v->paused)
		top_line_add(l, TA_WARN, "PAUSED  ");
	if (v->status[0])
		top_line_add(l,
			     mc->message[0] || !strncmp(v->status, "error", 5) ? TA_BAD : TA_WARN,
			     "%s  ", v->status);
	top_line_add(l, TA_NORMAL, "CPUs %u  VMs %u  vCPUs %u  VMID gen %" PRIu64
				   "  rollovers %" PRIu64,
		     mc->nr_cpus, vms, vcpus, mc->vmid_generation, mc->vmid_rollovers);
	if (mc->vmid_bits)
		top_line_add(l, TA_NORMAL, " (%u-bit)", mc->vmid_bits);
	top_line_add(l, TA_NORMAL, "  trace %s", mc->trace_mode[0] ? mc->trace_mode : "?");
	top_line_add(l, TA_NORMAL, "  every %gs", v->interval);
}

/* ------------------------------------------------------------------ exits */

/* Columns of the exits table that fit width, and where the sparkline starts. */
struct exit_cols {
	bool share, avg, p50, p99;
	unsigned spark; /* sparkline cells, 0: none */
};

#define W_MARK  2u
#define W_NAME  14u
#define W_COUNT 8u
#define W_RATE  9u
#define W_SHARE 7u
#define W_LAT   8u

static struct exit_cols exit_cols(unsigned width)
{
	struct exit_cols c = { true, true, true, true, 0 };
	unsigned used = W_MARK + W_NAME + W_COUNT + W_RATE + W_SHARE + 3 * W_LAT;

	if (used > width) {
		c.p50 = false;
		used -= W_LAT;
	}
	if (used > width) {
		c.avg = false;
		used -= W_LAT;
	}
	if (used > width) {
		c.share = false;
		used -= W_SHARE;
	}
	if (width >= used + 2 + 8)
		c.spark = width - used - 2;
	if (c.spark > 120)
		c.spark = 120;
	return c;
}

static int head_attr(const struct top_model *m, enum top_col col)
{
	return m->sort == col ? TA_SORT : TA_HEAD;
}

void top_view_exits_heading(const struct top_view *v, struct top_line *l)
{
	const struct top_model *m = v->m;
	struct exit_cols c = exit_cols(l->width);

	top_line_add(l, TA_HEAD, "  ");
	top_line_add(l, head_attr(m, TOP_COL_NAME), "%-*s", W_NAME, "CLASS");
	top_line_add(l, head_attr(m, TOP_COL_COUNT), "%*s", W_COUNT, "COUNT");
	top_line_add(l, head_attr(m, TOP_COL_RATE), "%*s", W_RATE, "RATE/s");
	if (c.share)
		top_line_add(l, head_attr(m, TOP_COL_SHARE), "%*s", W_SHARE, "SHARE");
	if (c.avg)
		top_line_add(l, head_attr(m, TOP_COL_AVG), "%*s", W_LAT, "AVG");
	if (c.p50)
		top_line_add(l, head_attr(m, TOP_COL_P50), "%*s", W_LAT, "P50");
	if (c.p99)
		top_line_add(l, head_attr(m, TOP_COL_P99), "%*s", W_LAT, "P99");
	if (c.spark)
		top_line_add(l, TA_HEAD, "  %-*s", c.spark,
			     c.spark >= 17 ? "RATE, LAST MINUTE" : "LAST MIN");
}

void top_view_exits_title(const struct top_view *v, char *buf, size_t len)
{
	static const char *const col_names[TOP_NR_COLS] = {
		"name", "count", "rate", "share", "avg", "p50", "p99", "time",
	};
	const struct top_model *m = v->m;
	size_t n;

	if (m->sel_vm < 0)
		n = (size_t)snprintf(buf, len, "Exits (all VMs)");
	else if (m->sel_vcpu < 0)
		n = (size_t)snprintf(buf, len, "Exits of vm%d%s%s%s", m->sel_vm,
				     m->vms[m->sel_vm].name[0] ? " (" : "", m->vms[m->sel_vm].name,
				     m->vms[m->sel_vm].name[0] ? ")" : "");
	else
		n = (size_t)snprintf(buf, len, "Exits of vm%d/%d", m->sel_vm, m->sel_vcpu);
	if (n < len)
		n += (size_t)snprintf(buf + n, len - n, "  sort %s%s", col_names[m->sort],
				      m->sort_reverse ? " (reversed)" : "");
	if (n < len && m->have_filter)
		snprintf(buf + n, len - n, "  filter /%s/", m->filter_text);
}

static const char *const spark_utf8[9] = {
	" ", "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588",
};
static const char spark_ascii[] = " ._-=+*#@";

static void add_spark(const struct top_view *v, struct top_line *l, uint32_t cls, unsigned n)
{
	const struct top_model *m = v->m;
	double val[120];
	uint8_t lev[120];
	char g[2] = { 0, 0 };
	unsigned i;

	if (n > 120)
		n = 120;
	top_scope_spark(top_model_scope(m), cls, m->last_tick, TOP_SPARK_WINDOW, n, val);
	top_spark_levels(val, n, lev);
	top_line_add(l, TA_NORMAL, "  ");
	for (i = 0; i < n; i++) {
		if (v->utf8) {
			top_line_glyph(l, TA_SPARK, spark_utf8[lev[i]]);
		} else {
			g[0] = spark_ascii[lev[i]];
			top_line_add(l, TA_SPARK, "%s", g);
		}
	}
}

static void class_line(const struct top_view *v, const struct top_row *r, struct top_line *l)
{
	struct exit_cols c = exit_cols(l->width);
	char a[32];

	top_line_add(l, TA_DIM, "%c ", v->expanded[r->cls] ? '-' : '+');
	top_line_add(l, TA_BOLD, "%-*.*s", W_NAME, W_NAME, class_label(r->cls));
	top_line_add(l, TA_NORMAL, "%*s", W_COUNT, top_fmt_count(a, sizeof(a), (double)r->count));
	top_line_add(l, TA_NORMAL, "%*s", W_RATE, top_fmt_count(a, sizeof(a), r->rate));
	if (c.share)
		top_line_add(l, TA_NORMAL, "%*.1f%%", W_SHARE - 1, r->share * 100);
	if (c.avg)
		top_line_add(l, TA_NORMAL, "%*s", W_LAT,
			     r->row->time.count ? top_fmt_ns(a, sizeof(a), r->avg_ns) : "-");
	if (c.p50)
		top_line_add(l, TA_NORMAL, "%*s", W_LAT,
			     r->row->time.count ? top_fmt_ns(a, sizeof(a), (double)r->p50_ns)
						: "-");
	if (c.p99)
		top_line_add(l, TA_NORMAL, "%*s", W_LAT,
			     r->row->time.count ? top_fmt_ns(a, sizeof(a), (double)r->p99_ns)
						: "-");
	if (c.spark)
		add_spark(v, l, r->cls, c.spark);
}

/* The label of a breakdown row: "UART FR (+0x018) read", "CNTP_CTL_EL0 read", "PSCI_VERSION". */
static void breakdown_label(const struct top_item *it, char *buf, size_t len)
{
	const struct hs_key *k = &it->kr->key;
	const char *dev, *reg;
	char rb[48], name[96];

	switch (it->kind) {
	case TOP_ITEM_MMIO:
		dev = hs_device_name(k->b);
		reg = mmio_reg_name(k->b, k->a, rb, sizeof(rb));
		if (!reg[0])
			reg = NULL;
		if (k->b == TRACE_DEV_NONE || !dev)
			snprintf(buf, len, "%s 0x%" PRIx64 " %s", dev ? dev : "dev?", k->a,
				 k->write ? "write" : "read");
		else if (reg && !strncmp(reg, dev, strlen(dev)))
			/* register names carry their block: GICD_CTLR, UARTFR */
			snprintf(buf, len, "%s +0x%" PRIx64 " %s", reg, k->a,
				 k->write ? "write" : "read");
		else
			snprintf(buf, len, "%s %s +0x%" PRIx64 " %s", dev, reg ? reg : "?", k->a,
				 k->write ? "write" : "read");
		break;
	case TOP_ITEM_SYSREG:
		sysreg_format(name, sizeof(name), (uint32_t)k->a);
		snprintf(buf, len, "%s %s", name, k->write ? "write" : "read");
		break;
	case TOP_ITEM_SMCCC:
		smccc_format(name, sizeof(name), (uint32_t)k->a);
		snprintf(buf, len, "%s", name);
		break;
	default:
		buf[0] = '\0';
		break;
	}
}

void top_view_exits_line(const struct top_view *v, size_t i, struct top_line *l)
{
	const struct top_item *it = &v->items[i];
	const struct hs_stats *st = top_model_scope(v->m)->st;
	uint64_t cls_count = it->cls < HS_CLASS_ROWS ? st->classes[it->cls].count : 0;
	const struct hs_row *row;
	char label[160], a[32], b[32];
	unsigned lw = 34;
	size_t r;

	switch (it->kind) {
	case TOP_ITEM_CLASS:
		for (r = 0; r < v->nr_rows; r++)
			if (v->rows[r].cls == it->cls)
				class_line(v, &v->rows[r], l);
		return;
	case TOP_ITEM_NOTE:
		top_line_add(l, TA_DIM, "    %s", it->note);
		return;
	case TOP_ITEM_VCPU:
		snprintf(label, sizeof(label), "vm%u/%u", it->vm, it->vcpu);
		top_line_add(l, TA_NORMAL, "    %-*s", lw, label);
		top_line_add(l, TA_NORMAL, "%*s", W_COUNT,
			     top_fmt_count(a, sizeof(a), (double)it->count));
		top_line_add(l, TA_DIM, "%*.1f%%", W_SHARE - 1,
			     cls_count ? 100.0 * (double)it->count / (double)cls_count : 0);
		return;
	default:
		break;
	}
	row = &it->kr->row;
	breakdown_label(it, label, sizeof(label));
	top_line_add(l, TA_NORMAL, "    %-*.*s", lw, lw, label);
	top_line_add(l, TA_NORMAL, "%*s", W_COUNT, top_fmt_count(a, sizeof(a), (double)row->count));
	top_line_add(l, TA_DIM, "%*.1f%%", W_SHARE - 1,
		     cls_count ? 100.0 * (double)row->count / (double)cls_count : 0);
	if (row->cost.count)
		top_line_add(l, TA_DIM, "  cost avg %s p99 %s cyc",
			     top_fmt_count(a, sizeof(a), hs_hist_mean(&row->cost)),
			     top_fmt_count(b, sizeof(b),
					   (double)hs_hist_quantile(&row->cost, 0.99)));
	if (row->failed)
		top_line_add(l, TA_WARN, "  %s %" PRIu64,
			     it->kind == TOP_ITEM_MMIO ? "aborted" : it->kind == TOP_ITEM_SMCCC
										? "errors"
										: "injected",
			     row->failed);
}

/* ------------------------------------------------------------ VMs, vCPUs */

size_t top_view_vm_lines(const struct top_view *v, struct top_vmline *out, size_t max)
{
	const struct top_model *m = v->m;
	size_t n = 0;
	int i, j;

	for (i = 0; i < (int)TOP_MAX_VMS; i++) {
		if (!m->vms[i].seen)
			continue;
		if (n < max)
			out[n++] = (struct top_vmline){ i, -1 };
		for (j = 0; j < (int)TOP_MAX_VCPUS; j++)
			if (m->vms[i].vcpus[j].seen && n < max)
				out[n++] = (struct top_vmline){ i, j };
	}
	return n;
}

/* Columns up to HYP%, and with the totals in seconds */
#define VM_TOTALS_WIDTH 86u
/* ... and SDEI and ITS activity after them, on the lines that have some */
#define VM_SDEI_WIDTH   (VM_TOTALS_WIDTH + 30u)

struct activity {
	uint64_t sdei_calls, sdei_handlers, its_cmds, lpis;
	uint64_t l2_exits, l2_reflected;
	double l2_rate;
};

static void add_activity(struct activity *a, const struct top_vcpu *c)
{
	a->sdei_calls += c->sdei_calls;
	a->sdei_handlers += c->sdei_dispatches;
	a->its_cmds += c->its_cmds;
	a->lpis += c->lpis;
	a->l2_exits += c->l2_exits;
	a->l2_reflected += c->l2_reflected;
	a->l2_rate += c->l2_rate;
}

static bool any_activity(const struct activity *a)
{
	return a->sdei_calls || a->sdei_handlers || a->its_cmds || a->lpis || a->l2_exits;
}

/*
 * Nesting (a guest hypervisor's guest: its exits per second and the share
 * L0 reflected to the guest hypervisor), SDEI calls and handlers, ITS
 * commands and LPIs, on the lines that have some.
 */
static void activity(struct top_line *l, const struct activity *a)
{
	char r[32];

	if (l->width < VM_SDEI_WIDTH)
		return;
	if (a->l2_exits)
		top_line_add(l, TA_NORMAL, "  L2 %s/s %.0f%% to L1",
			     top_fmt_count(r, sizeof(r), a->l2_rate),
			     100.0 * (double)a->l2_reflected / (double)a->l2_exits);
	if (a->sdei_calls || a->sdei_handlers)
		top_line_add(l, TA_DIM, "  sdei %" PRIu64 " calls %" PRIu64 " handlers",
			     a->sdei_calls, a->sdei_handlers);
	if (a->its_cmds || a->lpis)
		top_line_add(l, TA_DIM, "  its %" PRIu64 " cmds %" PRIu64 " lpis", a->its_cmds,
			     a->lpis);
}

void top_view_vms_heading(const struct top_view *v, struct top_line *l)
{
	(void)v;
	top_line_add(l, TA_HEAD, "  %-16s %-8s %3s %5s %5s %8s %7s %7s", "VM / vCPU", "STATE",
		     "CPU", "VMID", "GEN", "EXITS/s", "GUEST%", "HYP%");
	if (l->width >= VM_TOTALS_WIDTH)
		top_line_add(l, TA_HEAD, " %8s %8s", "GUEST s", "HYP s");
}

static double ticks_s(const struct top_model *m, uint64_t t)
{
	return m->mach.cntfrq ? (double)t / (double)m->mach.cntfrq : 0;
}

void top_view_vm_line(const struct top_view *v, const struct top_vmline *vl, struct top_line *l)
{
	const struct top_model *m = v->m;
	const struct top_vm *vm = &m->vms[vl->vm];
	const struct top_vcpu *c;
	bool sel = m->sel_vm == vl->vm && (m->sel_vcpu < 0 || m->sel_vcpu == vl->vcpu);
	char label[64], st[32], a[32];
	struct activity act = {0};
	double rate = 0;
	int j, attr;

	if (vl->vcpu < 0) {
		for (j = 0; j < (int)TOP_MAX_VCPUS; j++) {
			if (!vm->vcpus[j].seen)
				continue;
			rate += vm->vcpus[j].exit_rate;
			add_activity(&act, &vm->vcpus[j]);
		}
		snprintf(label, sizeof(label), "vm%d %s", vl->vm, vm->name);
		top_vm_state_name(vm, st, sizeof(st));
		attr = vm->state == HYPSTAT_VM_RUNNING ? TA_GOOD
		       : vm->state == HYPSTAT_VM_FAILED || vm->state == HYPSTAT_VM_RESET ||
				       (vm->state == HYPSTAT_VM_EXITED && vm->exit_status)
			       ? TA_BAD
			       : TA_DIM;
		top_line_add(l, sel ? TA_BOLD : TA_NORMAL, "%c %-16.16s ", sel ? '*' : ' ', label);
		top_line_add(l, attr, "%-8s ", st);
		top_line_add(l, TA_NORMAL, "%3s %5u %5" PRIu64 " %8s", "", vm->vmid, vm->vmid_gen,
			     top_fmt_count(a, sizeof(a), rate));
		if (any_activity(&act)) {
			/* up to where the vCPU lines' totals end */
			top_line_add(l, TA_NORMAL, "%*s", (int)(VM_TOTALS_WIDTH - 52u), "");
			activity(l, &act);
		}
		return;
	}
	c = &vm->vcpus[vl->vcpu];
	snprintf(label, sizeof(label), "  vcpu%d", vl->vcpu);
	attr = c->state == TOP_VCPU_RUNNING ? TA_GOOD : c->state == TOP_VCPU_WFI ? TA_WARN : TA_DIM;
	top_line_add(l, sel ? TA_BOLD : TA_NORMAL, "%c %-16s ", sel ? '*' : ' ', label);
	top_line_add(l, attr, "%-8s ", top_vcpu_state_name(c->state));
	if (c->pcpu >= 0)
		top_line_add(l, TA_NORMAL, "%3d ", c->pcpu);
	else
		top_line_add(l, TA_NORMAL, "%3s ", "-");
	top_line_add(l, TA_NORMAL, "%5u %5" PRIu64 " %8s %6.1f%% %6.1f%%", c->vmid, c->vmid_gen,
		     top_fmt_count(a, sizeof(a), c->exit_rate), c->guest_share * 100,
		     c->hyp_share * 100);
	if (l->width >= VM_TOTALS_WIDTH)
		top_line_add(l, TA_DIM, " %7.2fs %7.2fs",
			     ticks_s(m, c->have_status ? c->st_guest_ticks : c->guest_ticks),
			     ticks_s(m, c->have_status ? c->st_hyp_ticks : c->hyp_ticks));
	add_activity(&act, c);
	activity(l, &act);
}

/* ------------------------------------------------------------------- vGIC */

#define LR_PREFIX 11u /* "vm0/1  in  " */
#define LR_SLOT   17u /* "PA   27 h27   a0" and a space */

static unsigned lr_per_line(unsigned width)
{
	unsigned n = width > LR_PREFIX ? (width - LR_PREFIX) / LR_SLOT : 0;

	return n ? n : 1;
}

static bool vcpu_in_view(const struct top_model *m, int i, int j)
{
	if (!m->vms[i].vcpus[j].seen)
		return false;
	if (m->sel_vm >= 0 && i != m->sel_vm)
		return false;
	return m->sel_vcpu < 0 || j == m->sel_vcpu;
}

/* Lines of one vCPU's snapshot at this width; 0 without one. */
static size_t vgic_vcpu_lines(const struct top_vcpu *c, unsigned width)
{
	unsigned per = lr_per_line(width), n = c->have_lrs ? c->lrs.nr_lrs : 0;

	if (!c->have_lrs)
		return 0;
	return n ? (n + per - 1) / per : 1;
}

/* vCPUs shown that have no snapshot yet: they share one line. */
static bool vgic_any_without(const struct top_model *m)
{
	int i, j;

	for (i = 0; i < (int)TOP_MAX_VMS; i++)
		for (j = 0; j < (int)TOP_MAX_VCPUS; j++)
			if (vcpu_in_view(m, i, j) && !m->vms[i].vcpus[j].have_lrs)
				return true;
	return false;
}

#define VGIC_SUMMARY_LINES 2u

size_t top_view_vgic_nr_lines(const struct top_view *v, unsigned width)
{
	const struct top_model *m = v->m;
	size_t n = 0;
	int i, j;

	if (!m->lrs_snapshots)
		return 1 + VGIC_SUMMARY_LINES;
	for (i = 0; i < (int)TOP_MAX_VMS; i++)
		for (j = 0; j < (int)TOP_MAX_VCPUS; j++)
			if (vcpu_in_view(m, i, j))
				n += vgic_vcpu_lines(&m->vms[i].vcpus[j], width);
	return n + vgic_any_without(m) + VGIC_SUMMARY_LINES;
}

void top_view_vgic_heading(const struct top_view *v, struct top_line *l)
{
	const struct top_model *m = v->m;
	unsigned per = lr_per_line(l->width), most = 0, k;
	int i, j;

	for (i = 0; i < (int)TOP_MAX_VMS; i++)
		for (j = 0; j < (int)TOP_MAX_VCPUS; j++)
			if (vcpu_in_view(m, i, j) && m->vms[i].vcpus[j].have_lrs &&
			    m->vms[i].vcpus[j].lrs.nr_lrs > most)
				most = m->vms[i].vcpus[j].lrs.nr_lrs;
	if (most && most < per)
		per = most;
	top_line_add(l, TA_HEAD, "%-6s %-3s ", "vCPU", "AT");
	for (k = 0; k < per; k++)
		top_line_add(l, TA_HEAD, "%-*s", LR_SLOT, "ST vINT pINT PRI");
}

static int lr_attr(enum ich_lr_state s)
{
	switch (s) {
	case ICH_LR_STATE_PENDING:
		return TA_LR_P;
	case ICH_LR_STATE_ACTIVE:
		return TA_LR_A;
	case ICH_LR_STATE_PENDING_ACTIVE:
		return TA_LR_PA;
	default:
		return TA_DIM;
	}
}

static void lr_slot(struct top_line *l, uint64_t lr)
{
	struct ich_lr d;
	char hw[16] = "";

	ich_lr_decode(lr, &d);
	if (d.state == ICH_LR_STATE_INVALID) {
		top_line_add(l, TA_DIM, "%-*s", LR_SLOT, "-");
		return;
	}
	if (d.hw)
		snprintf(hw, sizeof(hw), "h%u", d.pintid);
	top_line_add(l, lr_attr(d.state), "%-2s", ich_lr_state_str(d.state));
	top_line_add(l, TA_NORMAL, " %4u %-5s %02x ", d.vintid, hw, d.priority);
}

static void vgic_summary(const struct top_view *v, unsigned k, struct top_line *l)
{
	const struct hs_stats *st = top_model_scope(v->m)->st;
	const struct hs_vgic_point *f = &st->vgic[TRACE_LRS_FLUSH], *o = &st->vgic[TRACE_LRS_FOLD];
	unsigned i, shown = 0, nr = f->nr_lrs > o->nr_lrs ? f->nr_lrs : o->nr_lrs;

	if (k == 0) {
		top_line_add(l, TA_HEAD, "maintenance IRQs %" PRIu64, st->maint);
		for (i = 0; i < HS_MISR_CAUSES; i++) {
			if (!st->maint_causes[i])
				continue;
			top_line_add(l, TA_NORMAL, "%s %s %" PRIu64, shown++ ? "," : ":",
				     ich_misr_cause_name(i), st->maint_causes[i]);
		}
		return;
	}
	top_line_add(l, TA_HEAD, "overflow");
	top_line_add(l, f->overflow || o->overflow ? TA_WARN : TA_NORMAL,
		     " flush %" PRIu64 " fold %" PRIu64, f->overflow, o->overflow);
	top_line_add(l, TA_HEAD, "   LRs in use");
	top_line_add(l, TA_NORMAL, " flush %.2f fold %.2f of %u",
		     f->snapshots ? (double)f->used_sum / (double)f->snapshots : 0,
		     o->snapshots ? (double)o->used_sum / (double)o->snapshots : 0, nr);
	top_line_add(l, TA_DIM, "  (%" PRIu64 " snapshots)", f->snapshots + o->snapshots);
}

void top_view_vgic_line(const struct top_view *v, size_t idx, struct top_line *l)
{
	const struct top_model *m = v->m;
	const struct top_vcpu *c;
	unsigned per = lr_per_line(l->width), k, first, n;
	size_t lines, total = top_view_vgic_nr_lines(v, l->width);
	char who[32];
	int i, j;

	if (idx + VGIC_SUMMARY_LINES >= total) {
		vgic_summary(v, (unsigned)(idx + VGIC_SUMMARY_LINES - total), l);
		return;
	}
	if (!m->lrs_snapshots) {
		top_line_add(l, TA_DIM, "no vGIC snapshots yet");
		return;
	}
	for (i = 0; i < (int)TOP_MAX_VMS; i++) {
		for (j = 0; j < (int)TOP_MAX_VCPUS; j++) {
			if (!vcpu_in_view(m, i, j))
				continue;
			c = &m->vms[i].vcpus[j];
			lines = vgic_vcpu_lines(c, l->width);
			if (idx >= lines) {
				idx -= lines;
				continue;
			}
			snprintf(who, sizeof(who), "vm%d/%d", i, j);
			top_line_add(l, TA_BOLD, "%-6s ", idx ? "" : who);
			top_line_add(l, TA_DIM, "%-3s ",
				     idx ? "" : c->lrs.point == TRACE_LRS_FOLD ? "out" : "in");
			n = c->lrs.nr_lrs;
			first = (unsigned)idx * per;
			for (k = first; k < n && k < first + per; k++)
				lr_slot(l, c->lrs.lr[k]);
			return;
		}
	}
	top_line_add(l, TA_DIM, "no snapshot yet:");
	for (i = 0; i < (int)TOP_MAX_VMS; i++)
		for (j = 0; j < (int)TOP_MAX_VCPUS; j++)
			if (vcpu_in_view(m, i, j) && !m->vms[i].vcpus[j].have_lrs)
				top_line_add(l, TA_DIM, " vm%d/%d", i, j);
}

/* -------------------------------------------------------------- histogram */

void top_view_hist_title(const struct top_view *v, char *buf, size_t len)
{
	snprintf(buf, len, "Latency of %s, exit to entry",
		 v->hist_cls < HS_CLASS_ROWS && v->nr_rows ? class_label(v->hist_cls) : "exits");
}

static const struct hs_hist *hist_of(const struct top_view *v)
{
	const struct hs_stats *st = top_model_scope(v->m)->st;

	return v->hist_cls < HS_CLASS_ROWS ? &st->classes[v->hist_cls].time : &st->total.time;
}

void top_view_hist_summary(const struct top_view *v, char *buf, size_t len)
{
	const struct hs_hist *h = hist_of(v);
	char a[24], b[24];

	if (!h->count) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, len, "p50 %s  p99 %s",
		 top_fmt_ns(a, sizeof(a), (double)hs_hist_quantile(h, 0.5)),
		 top_fmt_ns(b, sizeof(b), (double)hs_hist_quantile(h, 0.99)));
}

void top_view_hist_heading(const struct top_view *v, struct top_line *l)
{
	const struct hs_hist *h = hist_of(v);
	char a[5][24];

	if (!h->count) {
		top_line_add(l, TA_DIM, "no samples yet");
		return;
	}
	top_line_add(l, TA_HEAD, "%" PRIu64 " samples", h->count);
	top_line_add(l, TA_NORMAL, "  min %s  avg %s  p50 %s  p99 %s  max %s",
		     top_fmt_ns(a[0], sizeof(a[0]), (double)h->min),
		     top_fmt_ns(a[1], sizeof(a[1]), hs_hist_mean(h)),
		     top_fmt_ns(a[2], sizeof(a[2]), (double)hs_hist_quantile(h, 0.5)),
		     top_fmt_ns(a[3], sizeof(a[3]), (double)hs_hist_quantile(h, 0.99)),
		     top_fmt_ns(a[4], sizeof(a[4]), (double)h->max));
}

void top_view_hist_line(const struct top_view *v, unsigned i, struct top_line *l)
{
	const struct top_hbucket *b = &v->hb[i];
	uint64_t max = 0, total = 0;
	char lo[24], hi[24];
	unsigned k, bar, barw;

	for (k = 0; k < v->nr_hb; k++) {
		total += v->hb[k].count;
		if (v->hb[k].count > max)
			max = v->hb[k].count;
	}
	top_line_add(l, TA_NORMAL, "%8s - %-8s", top_fmt_ns(lo, sizeof(lo), (double)b->lo),
		     b->hi == UINT64_MAX ? "" : top_fmt_ns(hi, sizeof(hi), (double)b->hi));
	barw = l->width > 20 + 18 ? l->width - 20 - 18 : 4;
	if (barw > 100)
		barw = 100;
	bar = top_bar_len(b->count, max, barw);
	top_line_add(l, TA_DIM, "|");
	for (k = 0; k < bar; k++) {
		if (v->utf8)
			top_line_glyph(l, TA_BAR, "\u2588");
		else
			top_line_add(l, TA_BAR, "#");
	}
	top_line_pad(l, 20 + barw);
	top_line_add(l, TA_NORMAL, " %9" PRIu64 " %5.1f%%", b->count,
		     total ? 100.0 * (double)b->count / (double)total : 0);
}

/* -------------------------------------------------------------------- log */

void top_view_log_line(const struct top_view *v, size_t i, struct top_line *l)
{
	const struct top_model *m = v->m;
	const struct trace_hdr *h;
	char text[512];
	uint32_t size;
	int attr = TA_NORMAL;

	if (i >= v->nr_log)
		return;
	h = top_log_get(m, v->log_idx[i], &size);
	if (!h) {
		top_line_add(l, TA_DIM, "(gone)");
		return;
	}
	top_event_text(text, sizeof(text), h, size, m->first_ts, m->mach.cntfrq);
	if (h->type == TRACE_LOG && ((const struct trace_log *)h)->level <= TRACE_LOG_WARN)
		attr = TA_WARN;
	else if (h->type == TRACE_EXIT && ((const struct trace_exit *)h)->outcome)
		attr = TA_WARN;
	else if (h->type == TRACE_ENTRY)
		attr = TA_DIM;
	top_line_add(l, attr, "%s", text);
}

/* ------------------------------------------------------------------ batch */

static void print_line(FILE *f, const struct top_line *l)
{
	unsigned n = l->len;

	/* headings are padded to the width; trailing blanks help nobody in a log */
	while (n && l->text[n - 1] == ' ')
		n--;
	fprintf(f, "%.*s\n", (int)n, l->text);
}

void top_view_print(struct top_view *v, FILE *f, unsigned width)
{
	struct top_vmline vl[TOP_MAX_VMS * (TOP_MAX_VCPUS + 1)];
	struct top_line l;
	char title[256];
	size_t i, n;
	unsigned k;

	for (k = 0; k < TOP_HEADER_LINES; k++) {
		top_line_init(&l, width);
		top_view_header(v, k, &l);
		print_line(f, &l);
	}

	top_view_exits_title(v, title, sizeof(title));
	fprintf(f, "\n%s\n", title);
	top_line_init(&l, width);
	top_view_exits_heading(v, &l);
	print_line(f, &l);
	for (i = 0; i < v->nr_items; i++) {
		top_line_init(&l, width);
		top_view_exits_line(v, i, &l);
		print_line(f, &l);
	}
	if (!v->nr_items)
		fprintf(f, "  no exits%s\n", v->m->have_filter ? " match the filter" : " yet");

	fprintf(f, "\nVMs and vCPUs\n");
	top_line_init(&l, width);
	top_view_vms_heading(v, &l);
	print_line(f, &l);
	n = top_view_vm_lines(v, vl, sizeof(vl) / sizeof(vl[0]));
	for (i = 0; i < n; i++) {
		top_line_init(&l, width);
		top_view_vm_line(v, &vl[i], &l);
		print_line(f, &l);
	}

	fprintf(f, "\nvGIC list registers\n");
	top_line_init(&l, width);
	top_view_vgic_heading(v, &l);
	print_line(f, &l);
	n = top_view_vgic_nr_lines(v, width);
	for (i = 0; i < n; i++) {
		top_line_init(&l, width);
		top_view_vgic_line(v, i, &l);
		print_line(f, &l);
	}
	fputc('\n', f);
	fflush(f);
}
