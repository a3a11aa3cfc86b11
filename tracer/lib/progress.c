/* Progress of long operations on stderr (tracer/lib/progress.h). */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "tracer/lib/progress.h"

#define SHOW_AFTER_S 0.5
#define REDRAW_S     0.25

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void hs_progress_begin(struct hs_progress *p, const char *what)
{
	p->what = what;
	p->on = isatty(STDERR_FILENO);
	p->shown = false;
	p->start = mono_s();
	p->next = p->start + SHOW_AFTER_S;
}

static void from_reader(void *ctx, uint64_t done, uint64_t total)
{
	hs_progress_update(ctx, done, total);
}

void hs_progress_reader(struct hs_progress *p, const char *what, struct tf_reader *r)
{
	hs_progress_begin(p, what);
	if (p->on)
		tf_reader_set_progress(r, from_reader, p);
}

static bool due(struct hs_progress *p)
{
	double now;

	if (!p->on)
		return false;
	now = mono_s();
	if (now < p->next)
		return false;
	p->next = now + REDRAW_S;
	return true;
}

void hs_progress_update(struct hs_progress *p, uint64_t done, uint64_t total)
{
	if (!total || !due(p))
		return;
	if (done > total)
		done = total;
	fprintf(stderr, "\rhypscope %s: %3.0f%% of %.1f MB\033[K", p->what,
		100.0 * (double)done / (double)total, (double)total / 1e6);
	p->shown = true;
}

void hs_progress_text(struct hs_progress *p, const char *text)
{
	if (!due(p))
		return;
	fprintf(stderr, "\rhypscope %s: %s\033[K", p->what, text);
	p->shown = true;
}

void hs_progress_end(struct hs_progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
	p->shown = false;
}
