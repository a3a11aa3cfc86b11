/*
 * hypscope top: the main loop, the panes' layout and the keys.
 *
 * The loop drains the source into the model as often as the source asks
 * (top_source_poll_s(): every 5 ms to 50 ms for a live machine, by how fast
 * its rings fill), sleeps in between, and ends an interval (rates, history)
 * and redraws only at the refresh interval, or right away after a key.
 * Interactive output goes through tui/screen.h, --batch prints the same
 * tables as text. Every way out (q, the end of a
 * batch, SIGINT/SIGTERM/SIGHUP, an error) goes through one cleanup that
 * gives the terminal back before anything is printed.
 */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "tracer/lib/util.h"
#include "tui/panel.h"
#include "tui/screen.h"
#include "tui/source.h"
#include "tui/top.h"
#include "tui/view.h"

#define PUMP_MS      20u  /* most work one drain may do before the keys are looked at */
#define CATCH_UP_S   0.5  /* drain a backlog this long before the first interval starts */
#define MSG_S        3.0  /* a message stays in the footer this long */
#define MIN_ROWS     8u
#define MIN_COLS     30u
#define HIST_WANT    16u  /* histogram buckets a pane asks for */
#define LOG_WANT     1000u

enum pane { P_EXITS, P_VMS, P_VGIC, P_HIST, P_LOG, NR_PANES };

struct app {
	struct top_opts o;
	struct top_model *m;
	struct top_view v;
	struct top_source *src;
	bool batch;
	unsigned batch_width;
	struct panel p[NR_PANES];
	int focus;
	bool help;
	size_t help_top;
	bool prompt;
	char pbuf[128];
	size_t plen;
	char msg[200];
	double msg_until;
	bool msg_bad;
	double interval;
	bool paused;
	bool quit;
	unsigned iterations;
	double next_tick;
	struct top_vmline vml[TOP_MAX_VMS * (TOP_MAX_VCPUS + 1)];
	size_t nr_vml;
};

/* A key binding: the keys, what they do, and how the help and the footer show them. */
#define KEY_MAX_KEYS 9u

struct key_binding {
	int         key[KEY_MAX_KEYS]; /* 0 after the last */
	const char *names;             /* the help's first column: "q, Q, F10" */
	void      (*action)(struct app *a, int key, double now);
	const char *help;              /* what they do; lines separated by \n */
	const char *footer_key;        /* in the footer: "q" */
	const char *footer;            /* ... and "quit"; NULL: not in the footer */
};

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

void top_opts_init(struct top_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = TOP_MODE_AUTO;
	o->interval_s = 1.0;
	o->speed = 1.0;
	o->sort = TOP_COL_COUNT;
	o->vm = TOP_NO_SEL;
	o->vcpu = TOP_NO_SEL;
	o->color = true;
}

static void say(struct app *a, bool bad, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(struct app *a, bool bad, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof(a->msg), fmt, ap);
	va_end(ap);
	a->msg_until = mono_s() + MSG_S;
	a->msg_bad = bad;
}

/* ------------------------------------------------------------ pane lines */

static void exits_fixed(void *ctx, size_t i, struct top_line *l)
{
	(void)i;
	top_view_exits_heading(ctx, l);
}

static void exits_line(void *ctx, size_t i, struct top_line *l)
{
	top_view_exits_line(ctx, i, l);
}

static void vms_fixed(void *ctx, size_t i, struct top_line *l)
{
	(void)i;
	top_view_vms_heading(&((struct app *)ctx)->v, l);
}

static void vms_line(void *ctx, size_t i, struct top_line *l)
{
	struct app *a = ctx;

	top_view_vm_line(&a->v, &a->vml[i], l);
}

static void vgic_fixed(void *ctx, size_t i, struct top_line *l)
{
	(void)i;
	top_view_vgic_heading(ctx, l);
}

static void vgic_line(void *ctx, size_t i, struct top_line *l)
{
	top_view_vgic_line(ctx, i, l);
}

static void hist_fixed(void *ctx, size_t i, struct top_line *l)
{
	(void)i;
	top_view_hist_heading(ctx, l);
}

static void hist_line(void *ctx, size_t i, struct top_line *l)
{
	top_view_hist_line(ctx, (unsigned)i, l);
}

static void log_line(void *ctx, size_t i, struct top_line *l)
{
	top_view_log_line(ctx, i, l);
}

static void panels_init(struct app *a)
{
	static const char *const names[NR_PANES] = { "Exits", "VMs", "vGIC", "Latency", "Events" };
	struct panel *p;
	int i;

	for (i = 0; i < NR_PANES; i++) {
		p = &a->p[i];
		memset(p, 0, sizeof(*p));
		p->name = names[i];
		p->nr_fixed = 1;
		p->ctx = &a->v;
	}
	a->p[P_EXITS].fixed_line = exits_fixed;
	a->p[P_EXITS].line = exits_line;
	a->p[P_EXITS].has_cursor = true;
	a->p[P_VMS].fixed_line = vms_fixed;
	a->p[P_VMS].line = vms_line;
	a->p[P_VMS].ctx = a;
	a->p[P_VMS].has_cursor = true;
	a->p[P_VGIC].fixed_line = vgic_fixed;
	a->p[P_VGIC].line = vgic_line;
	a->p[P_HIST].fixed_line = hist_fixed;
	a->p[P_HIST].line = hist_line;
	a->p[P_LOG].nr_fixed = 0;
	a->p[P_LOG].line = log_line;
	a->p[P_LOG].can_follow = true;
	a->p[P_LOG].follow = true;
}

/* ----------------------------------------------------------------- layout */

/* The class line and offset the exits cursor is on, before the items are rebuilt. */
struct exits_pos {
	bool valid;
	uint32_t cls;
	size_t off;
};

static struct exits_pos exits_pos(const struct app *a)
{
	const struct panel *p = &a->p[P_EXITS];
	struct exits_pos pos = { 0 };
	size_t i;

	if (p->cursor >= a->v.nr_items)
		return pos;
	pos.valid = true;
	pos.cls = a->v.items[p->cursor].cls;
	for (i = p->cursor; i > 0 && a->v.items[i].kind != TOP_ITEM_CLASS; i--)
		;
	pos.off = p->cursor - i;
	return pos;
}

static void exits_restore(struct app *a, struct exits_pos pos)
{
	struct panel *p = &a->p[P_EXITS];
	size_t i, j;

	if (!pos.valid)
		return;
	for (i = 0; i < a->v.nr_items; i++) {
		if (a->v.items[i].kind != TOP_ITEM_CLASS || a->v.items[i].cls != pos.cls)
			continue;
		for (j = 0; j < pos.off && i + 1 < a->v.nr_items &&
			    a->v.items[i + 1].kind != TOP_ITEM_CLASS;
		     j++)
			i++;
		p->cursor = i;
		return;
	}
}

static unsigned want_rows(const struct panel *p, size_t want_lines)
{
	size_t n = p->nr_lines < want_lines ? p->nr_lines : want_lines;

	return 1 + p->nr_fixed + (unsigned)(n ? n : 1);
}

/*
 * Panes stacked top to bottom. Each gets its title bar; the focused pane
 * then gets what it wants, the others what is left in order, the event log
 * the rest. On a small terminal the others stay collapsed to their title
 * bars (Tab brings one forward); below one row each only the focused shows.
 */
static void layout(struct app *a, unsigned rows, unsigned cols)
{
	unsigned avail = rows - TOP_HEADER_LINES - 1, want[NR_PANES], h[NR_PANES] = { 0 };
	unsigned left, extra, y = TOP_HEADER_LINES;
	int i, f = a->focus;

	for (i = 0; i < NR_PANES; i++)
		want[i] = want_rows(&a->p[i], i == P_LOG    ? LOG_WANT
					      : i == P_HIST ? HIST_WANT
							    : 4096);
	if (avail < NR_PANES) {
		h[f] = avail;
	} else {
		for (i = 0; i < NR_PANES; i++)
			h[i] = 1;
		left = avail - NR_PANES;
		extra = want[f] - 1 < left ? want[f] - 1 : left;
		h[f] += extra;
		left -= extra;
		for (i = 0; i < NR_PANES; i++) {
			if (i == f || i == P_LOG)
				continue;
			extra = want[i] - 1 < left ? want[i] - 1 : left;
			/* a heading without a single line under it shows nothing */
			if (extra < a->p[i].nr_fixed + 1)
				extra = 0;
			h[i] += extra;
			left -= extra;
		}
		if (left && (f == P_LOG || left >= a->p[P_LOG].nr_fixed + 1))
			h[P_LOG] += left;
		else
			h[f] += left;
	}
	for (i = 0; i < NR_PANES; i++) {
		a->p[i].y = y;
		a->p[i].x = 0;
		a->p[i].w = cols;
		a->p[i].h = h[i];
		a->p[i].focus = i == f;
		y += h[i];
	}
}

/* ------------------------------------------------------------------ frame */

static void fill_panels(struct app *a, unsigned cols)
{
	const struct top_model *m = a->m;
	const struct hs_stats *st = top_model_scope(m)->st;
	unsigned vms, vcpus;
	char buf[32];
	struct panel *p;

	p = &a->p[P_EXITS];
	p->nr_lines = a->v.nr_items;
	top_view_exits_title(&a->v, p->title, sizeof(p->title));
	snprintf(p->summary, sizeof(p->summary), "%zu classes, %s exits", a->v.nr_rows,
		 top_fmt_count(buf, sizeof(buf), (double)st->total.count));
	p->empty = m->have_filter ? "no class matches the filter (f changes it)" : "no exits yet";

	a->nr_vml = top_view_vm_lines(&a->v, a->vml, sizeof(a->vml) / sizeof(a->vml[0]));
	p = &a->p[P_VMS];
	p->nr_lines = a->nr_vml;
	top_model_counts(m, &vms, &vcpus);
	snprintf(p->title, sizeof(p->title), "VMs and vCPUs");
	snprintf(p->summary, sizeof(p->summary), "%u VMs, %u vCPUs (Enter picks one)", vms, vcpus);
	p->empty = "no VM seen yet";

	p = &a->p[P_VGIC];
	p->nr_lines = top_view_vgic_nr_lines(&a->v, cols);
	snprintf(p->title, sizeof(p->title), "vGIC list registers");
	if (m->lrs_snapshots)
		snprintf(p->summary, sizeof(p->summary), "%llu snapshots, %llu maintenance IRQs",
			 (unsigned long long)m->lrs_snapshots, (unsigned long long)st->maint);
	else
		snprintf(p->summary, sizeof(p->summary), "no vGIC snapshots yet");

	p = &a->p[P_HIST];
	p->nr_lines = a->v.nr_hb;
	top_view_hist_title(&a->v, p->title, sizeof(p->title));
	top_view_hist_summary(&a->v, p->summary, sizeof(p->summary));
	p->empty = "no samples yet";

	p = &a->p[P_LOG];
	p->nr_lines = a->v.nr_log;
	snprintf(p->title, sizeof(p->title), "Events");
	snprintf(p->summary, sizeof(p->summary), "%zu %s%s", a->v.nr_log,
		 m->have_filter ? "matching" : "newest",
		 p->follow ? ", following" : ", scrolled (End follows)");
	p->empty = "no events yet";
}

static size_t key_table(const struct key_binding **keys);

static void draw_footer(struct app *a, unsigned y, unsigned cols)
{
	const struct key_binding *keys;
	size_t i, nr_keys = key_table(&keys);
	struct top_line l;

	top_line_init(&l, cols);
	if (a->prompt) {
		top_line_add(&l, TA_KEY,
			     "Filter classes (regex; Enter applies, ^U erases, Esc cancels):");
		top_line_add(&l, TA_NORMAL, " %.*s_", (int)a->plen, a->pbuf);
	} else if (a->msg[0] && mono_s() < a->msg_until) {
		top_line_add(&l, a->msg_bad ? TA_BAD : TA_WARN, "%s", a->msg);
	} else {
		for (i = 0; i < nr_keys; i++) {
			if (!keys[i].footer)
				continue;
			top_line_add(&l, TA_KEY, "%s", keys[i].footer_key);
			top_line_add(&l, TA_NORMAL, " %s ", keys[i].footer);
		}
	}
	screen_line(y, 0, &l, TA_NORMAL);
}

static const char *const help_panes[] = {
	"Panes: Exits (count, rate over the last interval, share, latency from exit",
	"to entry avg/p50/p99, the rate over the last minute), VMs and vCPUs (state,",
	"physical CPU, VMID and generation, exits/s, share of the interval in the",
	"guest and in the hypervisor, totals), vGIC list registers (latest snapshot",
	"per vCPU: P pending, A active, PA both, - empty; vINTID, hN physical INTID,",
	"priority; maintenance interrupts by cause), Latency (log buckets of the",
	"selected class), Events (newest records, as text).",
};

#define NR_HELP_PANES (sizeof(help_panes) / sizeof(help_panes[0]))
#define HELP_KEYS_FIRST 2u /* the title, a blank line, then the keys */

size_t top_help_nr_lines(void)
{
	const struct key_binding *keys;
	size_t n = HELP_KEYS_FIRST + 1 + NR_HELP_PANES, i, nr_keys = key_table(&keys);
	const char *c;

	for (i = 0; i < nr_keys; i++)
		for (n++, c = keys[i].help; (c = strchr(c, '\n')); c++)
			n++;
	return n;
}

void top_help_line(size_t i, char *buf, size_t len)
{
	const struct key_binding *keys;
	size_t k, n = HELP_KEYS_FIRST, nr_keys = key_table(&keys);
	const char *c, *end;

	buf[0] = '\0';
	if (i == 0) {
		snprintf(buf, len, "hypscope top: the live view of a hypscope machine or of a trace file");
		return;
	}
	if (i < HELP_KEYS_FIRST)
		return;
	for (k = 0; k < nr_keys; k++) {
		for (c = keys[k].help; c; c = end ? end + 1 : NULL, n++) {
			end = strchr(c, '\n');
			if (n != i)
				continue;
			if (c == end) /* the names alone, too wide for the column */
				snprintf(buf, len, "  %s", keys[k].names);
			else
				snprintf(buf, len, "  %-13s %.*s",
					 c == keys[k].help ? keys[k].names : "",
					 (int)(end ? (size_t)(end - c) : strlen(c)), c);
			return;
		}
	}
	if (i > n && i - n - 1 < NR_HELP_PANES)
		snprintf(buf, len, "%s", help_panes[i - n - 1]);
}


static void draw_help(struct app *a, unsigned rows, unsigned cols)
{
	size_t n = top_help_nr_lines(), i;
	struct top_line l;
	char text[160];
	unsigned y;

	if (a->help_top + rows > n + 1)
		a->help_top = n + 1 > rows ? n + 1 - rows : 0;
	for (y = 0, i = a->help_top; y + 1 < rows && i < n; y++, i++) {
		top_help_line(i, text, sizeof(text));
		top_line_init(&l, cols);
		top_line_add(&l, i == 0 ? TA_BOLD : TA_NORMAL, "%s", text);
		screen_line(y, 0, &l, TA_NORMAL);
	}
	top_line_init(&l, cols);
	top_line_add(&l, TA_KEY, "any key");
	top_line_add(&l, TA_NORMAL, " closes the help; Up/Down scroll it");
	screen_line(rows - 1, 0, &l, TA_NORMAL);
}

static void draw(struct app *a, double now)
{
	struct exits_pos pos = exits_pos(a);
	struct top_line l;
	unsigned rows, cols, k;
	int i;

	screen_size(&rows, &cols);
	screen_begin();
	if (rows < MIN_ROWS || cols < MIN_COLS) {
		top_line_init(&l, cols);
		top_line_add(&l, TA_WARN, "terminal too small (%ux%u): need %ux%u", cols, rows,
			     MIN_COLS, MIN_ROWS);
		screen_line(0, 0, &l, TA_NORMAL);
		screen_end();
		return;
	}
	if (a->help) {
		draw_help(a, rows, cols);
		screen_end();
		return;
	}
	top_source_describe(a->src, now, a->v.source, sizeof(a->v.source));
	top_source_status(a->src, a->v.status, sizeof(a->v.status));
	a->v.paused = a->paused;
	a->v.interval = a->interval;

	top_view_build(&a->v, HIST_WANT, true);
	exits_restore(a, pos);
	if (a->p[P_EXITS].cursor < a->v.nr_items) {
		a->v.hist_cls = a->v.items[a->p[P_EXITS].cursor].cls;
		a->v.hist_cls_set = true;
		top_view_build_hist(&a->v, HIST_WANT);
	}
	fill_panels(a, cols);
	layout(a, rows, cols);
	if (panel_rows(&a->p[P_HIST]) < a->v.nr_hb) {
		/* fewer, wider buckets; the rows they leave go to the event log */
		top_view_build_hist(&a->v, panel_rows(&a->p[P_HIST]) ? panel_rows(&a->p[P_HIST])
								     : 1);
		a->p[P_HIST].nr_lines = a->v.nr_hb;
		layout(a, rows, cols);
	}

	for (k = 0; k < TOP_HEADER_LINES; k++) {
		top_line_init(&l, cols);
		top_view_header(&a->v, k, &l);
		screen_line(k, 0, &l, TA_NORMAL);
	}
	for (i = 0; i < NR_PANES; i++)
		panel_draw(&a->p[i]);
	draw_footer(a, rows - 1, cols);
	screen_end();
}

/* ------------------------------------------------------------------- keys */

static void set_interval(struct app *a, int digit, double now)
{
	a->interval = 0.25 * (double)(1u << digit);
	a->next_tick = now + a->interval;
	say(a, false, "refresh every %g s", a->interval);
}

static void describe_selection(struct app *a)
{
	const struct top_model *m = a->m;

	if (m->sel_vm < 0)
		say(a, false, "showing every VM");
	else if (m->sel_vcpu < 0)
		say(a, false, "showing vm%d %s", m->sel_vm, m->vms[m->sel_vm].name);
	else
		say(a, false, "showing vm%d/%d", m->sel_vm, m->sel_vcpu);
}

/* One interval of the model and, unless batch, a frame. */
static void tick(struct app *a, double now)
{
	top_source_tick(a->src);
	top_model_tick(a->m, top_source_clock(a->src, now));
	a->iterations++;
}

/* Drain what is due, up to limit_s seconds (a step, the first interval). */
static void catch_up(struct app *a, double limit_s)
{
	double t0 = mono_s();

	do {
		if (top_source_pump(a->src, mono_s(), PUMP_MS) < 0)
			break;
	} while (!top_source_caught_up(a->src) && mono_s() - t0 < limit_s);
}

static void prompt_key(struct app *a, int key)
{
	char err[160];

	switch (key) {
	case SCR_KEY_ESC:
		a->prompt = false;
		break;
	case SCR_KEY_ENTER:
		a->prompt = false;
		a->pbuf[a->plen] = '\0';
		if (top_model_set_filter(a->m, a->pbuf, err, sizeof(err)))
			say(a, true, "bad regex /%s/: %s", a->pbuf, err);
		else if (a->plen)
			say(a, false, "filter /%s/", a->pbuf);
		else
			say(a, false, "no filter");
		a->p[P_EXITS].cursor = 0;
		break;
	case SCR_KEY_BACKSPACE:
		if (a->plen)
			a->plen--;
		break;
	case 0x15: /* ^U: erase the line */
		a->plen = 0;
		break;
	default:
		if (key >= 0x20 && key < 0x7f && a->plen + 1 < sizeof(a->pbuf))
			a->pbuf[a->plen++] = (char)key;
		break;
	}
}

static void enter_key(struct app *a)
{
	struct panel *p = &a->p[a->focus];
	const struct top_vmline *vl;
	const struct top_item *it;
	size_t i;

	if (a->focus == P_EXITS && p->cursor < a->v.nr_items) {
		it = &a->v.items[p->cursor];
		a->v.expanded[it->cls] = !a->v.expanded[it->cls];
		/* back to the class line, which stays where it is */
		for (i = p->cursor; i > 0 && a->v.items[i].kind != TOP_ITEM_CLASS; i--)
			;
		p->cursor = i;
	} else if (a->focus == P_VMS && p->cursor < a->nr_vml) {
		vl = &a->vml[p->cursor];
		if (a->m->sel_vm == vl->vm && a->m->sel_vcpu == vl->vcpu)
			top_model_select(a->m, TOP_NO_SEL, TOP_NO_SEL);
		else
			top_model_select(a->m, vl->vm, vl->vcpu);
		describe_selection(a);
	}
}

/* ------------------------------------------------------------------ keys */

static void key_quit(struct app *a, int key, double now)
{
	(void)key;
	(void)now;
	a->quit = true;
}

static void key_help(struct app *a, int key, double now)
{
	(void)key;
	(void)now;
	a->help = true;
	a->help_top = 0;
}

static void key_pause(struct app *a, int key, double now)
{
	(void)key;
	a->paused = !a->paused;
	top_source_pause(a->src, a->paused, now);
	if (!a->paused)
		a->next_tick = now + a->interval;
	say(a, false, a->paused ? "paused (p resumes%s)" : "running%s",
	    a->paused && top_source_plays_back(a->src) ? ", n steps" : "");
}

static void key_step(struct app *a, int key, double now)
{
	double speed;

	(void)key;
	if (!top_source_plays_back(a->src) || !a->paused) {
		say(a, false, "n steps a paused replay (p pauses)");
		return;
	}
	speed = top_source_speed(a->src);
	top_source_step(a->src, a->interval * (speed > 0 ? speed : 1));
	catch_up(a, 1.0);
	tick(a, now);
}

static void key_speed(struct app *a, int key, double now)
{
	double speed;

	if (!top_source_plays_back(a->src))
		return;
	speed = top_source_speed(a->src);
	if (speed <= 0) {
		say(a, false, "replaying as fast as possible");
		return;
	}
	speed = key == '+' ? speed * 2 : speed / 2;
	if (speed > 1024)
		speed = 1024;
	if (speed < 1.0 / 64)
		speed = 1.0 / 64;
	top_source_set_speed(a->src, speed, now);
	say(a, false, "speed x%g", speed);
}

static void key_sort(struct app *a, int key, double now)
{
	(void)now;
	if (key == '<')
		a->m->sort = (enum top_col)((a->m->sort + TOP_NR_COLS - 1) % TOP_NR_COLS);
	else
		a->m->sort = (enum top_col)((a->m->sort + 1) % TOP_NR_COLS);
}

static void key_reverse(struct app *a, int key, double now)
{
	(void)key;
	(void)now;
	a->m->sort_reverse = !a->m->sort_reverse;
}

static void key_filter(struct app *a, int key, double now)
{
	(void)key;
	(void)now;
	a->prompt = true;
	a->plen = strlen(a->m->filter_text);
	memcpy(a->pbuf, a->m->filter_text, a->plen);
}

static void key_vm(struct app *a, int key, double now)
{
	(void)key;
	(void)now;
	top_model_next_vm(a->m);
	describe_selection(a);
}

static void key_vcpu(struct app *a, int key, double now)
{
	(void)key;
	(void)now;
	top_model_next_vcpu(a->m);
	describe_selection(a);
}

static void key_reset(struct app *a, int key, double now)
{
	(void)key;
	(void)now;
	top_model_reset(a->m);
	say(a, false, "counters reset");
}

static void key_enter(struct app *a, int key, double now)
{
	(void)key;
	(void)now;
	enter_key(a);
}

static void key_pane(struct app *a, int key, double now)
{
	(void)now;
	if (key == SCR_KEY_BTAB || key == SCR_KEY_LEFT)
		a->focus = (a->focus + NR_PANES - 1) % NR_PANES;
	else
		a->focus = (a->focus + 1) % NR_PANES;
}

static void key_move(struct app *a, int key, double now)
{
	(void)now;
	panel_key(&a->p[a->focus], key);
}

static void key_interval(struct app *a, int key, double now)
{
	set_interval(a, key - '0', now);
}

static void key_clear(struct app *a, int key, double now)
{
	(void)key;
	(void)now;
	a->msg[0] = '\0';
}

/*
 * Every key of the live view: what it does, its line in the help screen and
 * its place in the footer (in table order). The only place a key is bound.
 */
static const struct key_binding keys[] = {
	{ { 'h', '?', SCR_KEY_F1 }, "h, ?, F1", key_help, "this help (any key closes it)", "h",
	  "help" },
	{ { 'q', 'Q', SCR_KEY_F10 }, "q, Q, F10", key_quit, "quit", "q", "quit" },
	{ { 'p', ' ' }, "p, space", key_pause,
	  "pause: a replay stops, a live view freezes its rates and screen\n"
	  "(the rings are still drained)", "p", "pause" },
	{ { 'n' }, "n", key_step, "replay, paused: step one interval", NULL, NULL },
	{ { '+', '-' }, "+ -", key_speed, "replay: twice or half the speed", NULL, NULL },
	{ { 'f', '/' }, "f, /", key_filter,
	  "filter classes by a POSIX extended regex (case-insensitive);\n"
	  "the event log shows the lines it matches; empty clears", "f", "filter" },
	{ { 's', '>', '<' }, "s, >, <", key_sort,
	  "sort by the next column (s, >) or the previous one (<)", "s", "sort" },
	{ { 'i', 'I' }, "i, I", key_reverse, "reverse the sort order", NULL, NULL },
	{ { 'g' }, "g", key_vm, "show the next VM (then all again)", "g", "VM" },
	{ { 'v' }, "v", key_vcpu, "show the next vCPU (of the VM shown, or of every VM)", "v",
	  "vCPU" },
	{ { SCR_KEY_TAB, SCR_KEY_RIGHT, SCR_KEY_BTAB, SCR_KEY_LEFT }, "Tab, S-Tab", key_pane,
	  "next or previous pane (also Right and Left)", "Tab", "pane" },
	{ { SCR_KEY_ENTER }, "Enter", key_enter,
	  "Exits: expand or collapse the row (MMIO by device and register,\n"
	  "sysregs by name, hypercalls by function, else by vCPU);\n"
	  "VMs: show that VM or vCPU (again: all)", "Enter", "expand" },
	{ { 'r' }, "r", key_reset, "reset every counter, rate and histogram", "r", "reset" },
	{ { SCR_KEY_UP, SCR_KEY_DOWN, SCR_KEY_PGUP, SCR_KEY_PGDN, SCR_KEY_HOME, SCR_KEY_END },
	  "Up Down PgUp PgDn Home End", key_move,
	  "\nmove the cursor or scroll the pane;\n"
	  "End makes the event log follow the newest event again", NULL, NULL },
	{ { '1', '2', '3', '4', '5', '6', '7', '8', '9' }, "1 2 3 ... 9", key_interval,
	  "refresh every 0.5 s, 1 s, 2 s, 4 s ... 128 s", "1-9", "interval" },
	{ { SCR_KEY_ESC }, "Esc", key_clear, "clear the message line", NULL, NULL },
};

#define NR_KEYS (sizeof(keys) / sizeof(keys[0]))

static size_t key_table(const struct key_binding **k)
{
	*k = keys;
	return NR_KEYS;
}

static const struct key_binding *key_binding_of(int key)
{
	size_t i, k;

	for (i = 0; i < NR_KEYS; i++)
		for (k = 0; k < KEY_MAX_KEYS && keys[i].key[k]; k++)
			if (keys[i].key[k] == key)
				return &keys[i];
	return NULL;
}

const char *top_key_help(int key)
{
	const struct key_binding *b = key_binding_of(key);

	return b ? b->help : NULL;
}

static void handle_key(struct app *a, int key, double now)
{
	const struct key_binding *b;

	if (a->prompt) {
		prompt_key(a, key);
		return;
	}
	if (a->help) {
		if (key == SCR_KEY_UP && a->help_top)
			a->help_top--;
		else if (key == SCR_KEY_DOWN)
			a->help_top++;
		else if (key != SCR_KEY_RESIZE)
			a->help = false;
		return;
	}
	b = key_binding_of(key);
	if (b)
		b->action(a, key, now);
}

/* ------------------------------------------------------------------ loops */

static int exit_code(struct app *a)
{
	if (stop_signal)
		return 128 + stop_signal;
	if (top_source_errno(a->src))
		return HS_EXIT_ENV;
	if (a->m->mach.have_status &&
	    (a->m->mach.hyp_state == HYPSTAT_PANIC || a->m->mach.hyp_state == HYPSTAT_BADCFG))
		return HS_EXIT_HYP;
	return HS_EXIT_OK;
}

/*
 * How long to sleep before the next pump: until the source wants one or
 * the interval ends, whichever comes first; 0 while it has a backlog.
 */
static int wait_ms(struct app *a)
{
	double s = a->next_tick - mono_s(), poll = top_source_poll_s(a->src);

	if (!top_source_caught_up(a->src) || s <= 0)
		return 0;
	if (poll < s)
		s = poll;
	return (int)ceil(s * 1000);
}

static int run_screen(struct app *a)
{
	double now = mono_s();
	bool dirty = true;
	int key, timeout_ms;

	while (!a->quit && !stop_signal) {
		now = mono_s();
		top_source_pump(a->src, now, PUMP_MS);
		if (now >= a->next_tick) {
			if (!a->paused) {
				tick(a, now);
				dirty = true;
			}
			a->next_tick += a->interval;
			if (a->next_tick < now)
				a->next_tick = now + a->interval;
			if (a->o.iterations && a->iterations >= a->o.iterations)
				a->quit = true;
			if (a->o.quit_at_end && top_source_ended(a->src) &&
			    top_source_caught_up(a->src))
				a->quit = true;
		}
		if (dirty) {
			draw(a, now);
			dirty = false;
		}
		timeout_ms = wait_ms(a);
		key = screen_key(timeout_ms);
		if (key != SCR_KEY_NONE) {
			handle_key(a, key, mono_s());
			dirty = true;
		}
	}
	return exit_code(a);
}

static int run_batch(struct app *a)
{
	double now;
	bool ended;

	while (!stop_signal) {
		now = mono_s();
		if (top_source_pump(a->src, now, PUMP_MS) < 0)
			break;
		ended = top_source_ended(a->src) && top_source_caught_up(a->src);
		if (now >= a->next_tick || ended) {
			tick(a, now);
			top_source_describe(a->src, now, a->v.source, sizeof(a->v.source));
			top_source_status(a->src, a->v.status, sizeof(a->v.status));
			top_view_build(&a->v, HIST_WANT, false);
			top_view_print(&a->v, stdout, a->batch_width);
			a->next_tick += a->interval;
			if (a->next_tick < now)
				a->next_tick = now + a->interval;
			if (ended || (a->o.iterations && a->iterations >= a->o.iterations))
				break;
		}
		sleep_s(wait_ms(a) / 1000.0);
	}
	if (top_source_errno(a->src))
		hs_error("top", 0, "%s", top_source_error(a->src));
	return exit_code(a);
}

static unsigned terminal_width(void)
{
	struct winsize ws;

	if (isatty(STDOUT_FILENO) && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col >= 40)
		return ws.ws_col;
	return 132;
}

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define NR_STOP_SIGNALS (sizeof(stop_signals) / sizeof(stop_signals[0]))

/* Everything a view needs; the source is opened by the caller. */
static int run(struct app *a)
{
	struct sigaction sa, old[NR_STOP_SIGNALS];
	sigset_t stops, old_mask;
	char err[256];
	unsigned i;
	int ret;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&stops);
	stop_signal = 0;
	/* before the terminal is set up, so that curses leaves them to us */
	for (i = 0; i < NR_STOP_SIGNALS; i++) {
		sigaction(stop_signals[i], &sa, &old[i]);
		sigaddset(&stops, stop_signals[i]);
	}
	/* a caller that waits for them with sigtimedwait() blocks them: not while we run */
	sigprocmask(SIG_UNBLOCK, &stops, &old_mask);

	a->interval = a->o.interval_s > 0 ? a->o.interval_s : 1.0;
	a->v.utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	panels_init(a);
	if (a->o.start_paused) {
		a->paused = true;
		top_source_pause(a->src, true, mono_s());
	}

	if (!a->batch) {
		ret = screen_init(a->o.color && !getenv("NO_COLOR"), err, sizeof(err));
		if (ret) {
			ret = hs_error("top", HS_EXIT_ENV, "%s", err);
			goto cleanup;
		}
	}
	/* a backlog in the rings is not the first interval's rate */
	if (!top_source_plays_back(a->src))
		catch_up(a, CATCH_UP_S);
	top_source_tick(a->src);
	top_model_tick(a->m, top_source_clock(a->src, mono_s()));
	a->next_tick = mono_s() + a->interval;

	ret = a->batch ? run_batch(a) : run_screen(a);
cleanup:
	screen_done();
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	for (i = 0; i < NR_STOP_SIGNALS; i++)
		sigaction(stop_signals[i], &old[i], NULL);
	if (!a->batch && top_source_errno(a->src))
		hs_error("top", 0, "%s", top_source_error(a->src));
	else if (!a->batch && a->m->mach.message[0])
		fprintf(stderr, "hypscope top: %s\n", a->m->mach.message);
	return ret;
}

static int app_init(struct app *a, const struct top_opts *o, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->o = *o;
	a->batch = o->mode == TOP_MODE_BATCH ||
		   (o->mode == TOP_MODE_AUTO && !isatty(STDOUT_FILENO));
	a->batch_width = o->width ? o->width : terminal_width();
	a->m = top_model_new();
	if (!a->m || top_view_init(&a->v, a->m)) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	a->m->sort = o->sort;
	a->m->sort_reverse = o->sort_reverse;
	if (o->filter && top_model_set_filter(a->m, o->filter, err, errlen))
		return -EINVAL;
	if (o->vm != TOP_NO_SEL)
		top_model_select(a->m, o->vm, o->vcpu);
	return 0;
}

static void app_release(struct app *a)
{
	top_source_destroy(a->src);
	top_view_release(&a->v);
	top_model_destroy(a->m);
}

/* The exit code for a source that cannot be opened. */
static int open_error_code(int err)
{
	switch (err) {
	case -EINVAL:
	case -EPROTO:
	case -ENODATA:
	case -ENOENT:
	case -EAGAIN:
	case -EBADMSG:
	case -EISDIR:
		return HS_EXIT_USAGE;
	default:
		return HS_EXIT_ENV;
	}
}

/* setlocale and the model: -1 to go on, or the exit code once the error is said. */
static int app_open(struct app *a, const struct top_opts *o)
{
	char err[HS_ERR_LEN];
	int ret;

	setlocale(LC_ALL, "");
	ret = app_init(a, o, err, sizeof(err));
	if (!ret)
		return -1;
	app_release(a);
	return hs_error("top", ret == -EINVAL ? HS_EXIT_USAGE : HS_EXIT_ENV, "%s", err);
}

/* The view on the source just opened (code -1), or the code of one that did not open. */
static int app_run(struct app *a, int code)
{
	if (code < 0)
		code = run(a);
	app_release(a);
	return code;
}

int top_run_live(const char *ram_path, const struct top_opts *o)
{
	char err[HS_ERR_LEN];
	struct app a;
	int ret = app_open(&a, o);

	if (ret >= 0)
		return ret;
	ret = top_source_live(&a.src, ram_path, o->consume, o->wait_s, a.m, err, sizeof(err));
	return app_run(&a, ret ? hs_error("top", open_error_code(ret), "%s", err) : -1);
}

int top_run_kvm(const struct top_opts *o)
{
	char err[HS_ERR_LEN];
	struct app a;
	int ret = app_open(&a, o);

	if (ret >= 0)
		return ret;
	ret = top_source_kvm(&a.src, a.m, err, sizeof(err));
	if (ret)
		ret = hs_error("top",
			       ret == -EPERM || ret == -ENOTSUP || ret == -ENODEV ? HS_EXIT_ENV
										  : open_error_code(ret),
			       "%s", err);
	return app_run(&a, ret ? ret : -1);
}

int top_run_replay(const char *trace_path, const struct top_opts *o)
{
	char err[HS_ERR_LEN];
	struct app a;
	int ret = app_open(&a, o);

	if (ret >= 0)
		return ret;
	ret = top_source_replay(&a.src, trace_path, o->speed, a.m, err, sizeof(err));
	return app_run(&a, ret ? hs_error("top", open_error_code(ret), "%s", err) : -1);
}
