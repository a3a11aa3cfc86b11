/*
 * The live view's source interface (tui/source.h): what every source
 * shares, and the dispatch to its implementation (tui/source_impl.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "tui/source_impl.h"

int top_source_fail(struct top_source *s, int err, const char *fmt, ...)
{
	va_list ap;

	s->error = err;
	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
	va_end(ap);
	return err;
}

int top_source_sink(void *ctx, const struct trace_hdr *rec, uint32_t size)
{
	top_model_feed(ctx, rec, size);
	return 0;
}

double top_source_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void top_source_destroy(struct top_source *s)
{
	if (s)
		s->ops->destroy(s);
}

int top_source_pump(struct top_source *s, double now, unsigned budget_ms)
{
	if (s->error)
		return s->error;
	s->last_fed = s->ops->pump(s, now, budget_ms);
	return s->last_fed;
}

double top_source_poll_s(const struct top_source *s)
{
	return s->ops->poll_s && !s->error ? s->ops->poll_s(s) : TOP_SOURCE_POLL_S;
}

void top_source_tick(struct top_source *s)
{
	s->ops->tick(s);
}

double top_source_clock(const struct top_source *s, double now)
{
	return s->ops->clock ? s->ops->clock(s, now) : now;
}

bool top_source_plays_back(const struct top_source *s)
{
	return s->ops->set_speed != NULL;
}

void top_source_pause(struct top_source *s, bool pause, double now)
{
	if (s->ops->pause)
		s->ops->pause(s, pause, now);
}

void top_source_step(struct top_source *s, double seconds)
{
	if (s->ops->step)
		s->ops->step(s, seconds);
}

void top_source_set_speed(struct top_source *s, double speed, double now)
{
	if (s->ops->set_speed)
		s->ops->set_speed(s, speed, now);
}

double top_source_speed(const struct top_source *s)
{
	return s->ops->speed ? s->ops->speed(s) : 0;
}

bool top_source_ended(const struct top_source *s)
{
	return s->ops->ended(s);
}

bool top_source_caught_up(const struct top_source *s)
{
	return s->error || s->last_fed == 0 || top_source_ended(s);
}

void top_source_describe(const struct top_source *s, double now, char *buf, size_t len)
{
	s->ops->describe(s, now, buf, len);
}

void top_source_status(const struct top_source *s, char *buf, size_t len)
{
	if (s->error)
		snprintf(buf, len, "error: %s", s->msg);
	else
		s->ops->status(s, buf, len);
}

const char *top_source_error(const struct top_source *s)
{
	return s->msg;
}

int top_source_errno(const struct top_source *s)
{
	return s->error;
}
