/*
 * The live view's source for a trace file (tui/source.h): records are fed
 * as the playback clock passes their timestamps, at a speed (0: as fast as
 * possible), paused, stepped. Its clock is trace seconds from the first
 * record; a chunk's declared losses are charged when its records are fed.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/host/tracefile.h"
#include "tui/source_impl.h"

struct chunk_loss {
	uint64_t offset;
	uint64_t lost;
	uint32_t cpu;
};

struct replay_source {
	struct top_source base;
	char path[PATH_MAX];
	struct tf_reader *rd;
	uint64_t first_ts, last_ts, cntfrq;
	double speed;
	bool paused;
	bool started;
	double base_pos;  /* playback position at base_wall, counter ticks */
	double base_wall;
	uint64_t held[TRACE_MAX_RECORD / 8];
	uint32_t held_size, held_cpu;
	uint64_t held_chunk;
	bool have_held;
	bool eof;
	uint64_t fed_ts;
	struct chunk_loss *chunks;
	size_t nr_chunks;
	uint64_t cur_chunk;
	bool have_chunk;
	size_t problems;
};

static int cmp_chunk(const void *a, const void *b)
{
	const struct chunk_loss *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static double replay_pos(const struct replay_source *r, double now)
{
	if (r->speed <= 0)
		return INFINITY;
	if (r->paused || !r->started)
		return r->base_pos;
	return r->base_pos + (now - r->base_wall) * r->speed * (double)r->cntfrq;
}

/* Charge a chunk's declared losses the first time its records are fed. */
static void chunk_losses(struct replay_source *r, uint64_t offset)
{
	struct chunk_loss key = { .offset = offset }, *c;

	if (r->have_chunk && r->cur_chunk == offset)
		return;
	r->have_chunk = true;
	r->cur_chunk = offset;
	c = bsearch(&key, r->chunks, r->nr_chunks, sizeof(*r->chunks), cmp_chunk);
	if (c && c->lost)
		top_model_add_lost(r->base.m, c->cpu, c->lost);
}

/* The next record into r->held: 1, 0 at the end of the file, or -errno. */
static int hold_next(struct replay_source *r)
{
	struct tf_record rec;
	int ret;

	do {
		ret = tf_reader_next(r->rd, &rec);
		if (ret <= 0)
			return ret;
	} while (rec.size > sizeof(r->held)); /* no record this version writes is that long */
	memcpy(r->held, rec.hdr, rec.size);
	r->held_size = rec.size;
	r->held_cpu = rec.cpu;
	r->held_chunk = rec.chunk_offset;
	r->have_held = true;
	return 1;
}

static int replay_pump(struct top_source *s, double now, unsigned budget_ms)
{
	struct replay_source *r = top_source_impl(s, struct replay_source);
	double target, deadline = now + budget_ms / 1000.0;
	int ret, fed = 0;

	if (!r->started) {
		r->started = true;
		r->base_wall = now;
	}
	target = replay_pos(r, now);
	while (!r->eof) {
		if (!r->have_held) {
			ret = hold_next(r);
			if (ret < 0)
				return top_source_fail(s, ret, "reading %s: %s", r->path,
						       strerror(-ret));
			if (ret == 0) {
				r->eof = true;
				break;
			}
		}
		if ((double)((struct trace_hdr *)r->held)->ts > target)
			break;
		chunk_losses(r, r->held_chunk);
		top_model_feed(s->m, (struct trace_hdr *)r->held, r->held_size);
		r->fed_ts = ((struct trace_hdr *)r->held)->ts;
		r->have_held = false;
		if (!(++fed & 1023) && top_source_mono() >= deadline)
			break;
	}
	return fed;
}

static void replay_tick(struct top_source *s)
{
	struct replay_source *r = top_source_impl(s, struct replay_source);

	r->problems = tf_reader_nr_problems(r->rd);
}

static double replay_clock(const struct top_source *s, double now)
{
	const struct replay_source *r = top_source_impl(s, const struct replay_source);
	double pos;

	if (r->speed <= 0)
		pos = (double)r->fed_ts;
	else
		pos = replay_pos(r, now);
	if (pos > (double)r->last_ts)
		pos = (double)r->last_ts;
	if (pos < (double)r->first_ts)
		pos = (double)r->first_ts;
	return (pos - (double)r->first_ts) / (double)r->cntfrq;
}

static void replay_pause(struct top_source *s, bool pause, double now)
{
	struct replay_source *r = top_source_impl(s, struct replay_source);

	if (pause == r->paused)
		return;
	if (pause) {
		r->base_pos = replay_pos(r, now);
		if (r->base_pos > (double)r->last_ts + 1)
			r->base_pos = (double)r->last_ts + 1;
	} else {
		r->base_wall = now;
	}
	r->paused = pause;
}

static void replay_step(struct top_source *s, double seconds)
{
	struct replay_source *r = top_source_impl(s, struct replay_source);

	if (r->paused)
		r->base_pos += seconds * (double)r->cntfrq;
}

static void replay_set_speed(struct top_source *s, double speed, double now)
{
	struct replay_source *r = top_source_impl(s, struct replay_source);

	if (r->speed > 0) {
		r->base_pos = replay_pos(r, now);
		if (r->base_pos > (double)r->last_ts + 1)
			r->base_pos = (double)r->last_ts + 1;
	} else {
		r->base_pos = (double)r->fed_ts;
	}
	r->base_wall = now;
	r->speed = speed;
}

static double replay_speed(const struct top_source *s)
{
	return top_source_impl(s, const struct replay_source)->speed;
}

static bool replay_ended(const struct top_source *s)
{
	const struct replay_source *r = top_source_impl(s, const struct replay_source);

	return r->eof && !r->have_held;
}

static void replay_describe(const struct top_source *s, double now, char *buf, size_t len)
{
	const struct replay_source *r = top_source_impl(s, const struct replay_source);
	const char *base = strrchr(r->path, '/');
	double span = r->cntfrq ? (double)(r->last_ts - r->first_ts) / (double)r->cntfrq : 0;

	base = base ? base + 1 : r->path;
	if (r->speed > 0)
		snprintf(buf, len, "replay %s x%g %.1f/%.1fs", base, r->speed,
			 replay_clock(s, now), span);
	else
		snprintf(buf, len, "replay %s max %.1f/%.1fs", base, replay_clock(s, now), span);
}

static void replay_status(const struct top_source *s, char *buf, size_t len)
{
	const struct replay_source *r = top_source_impl(s, const struct replay_source);

	if (replay_ended(s))
		snprintf(buf, len, "end of trace%s", r->problems ? " (damaged chunks skipped)" : "");
	else
		snprintf(buf, len, "%s", r->problems ? "damaged chunks skipped" : "");
}

static void replay_destroy(struct top_source *s)
{
	struct replay_source *r = top_source_impl(s, struct replay_source);

	tf_reader_close(r->rd);
	free(r->chunks);
	free(r);
}

static const struct top_source_ops replay_ops = {
	.pump = replay_pump,
	.tick = replay_tick,
	.ended = replay_ended,
	.describe = replay_describe,
	.status = replay_status,
	.destroy = replay_destroy,
	.clock = replay_clock,
	.pause = replay_pause,
	.step = replay_step,
	.set_speed = replay_set_speed,
	.speed = replay_speed,
};

/* The chunks' declared losses, sorted by offset, and the span of the trace. */
static int index_chunks(struct replay_source *r)
{
	const struct tf_chunk_info *ci;
	size_t i, n = tf_reader_nr_chunks(r->rd);

	r->chunks = calloc(n ? n : 1, sizeof(*r->chunks));
	if (!r->chunks)
		return -ENOMEM;
	r->first_ts = UINT64_MAX;
	for (i = 0; i < n; i++) {
		ci = tf_reader_chunk(r->rd, i);
		r->chunks[i] = (struct chunk_loss){ ci->offset, ci->hdr.lost, ci->hdr.cpu };
		if (!ci->hdr.nr_records)
			continue;
		if (ci->hdr.first_ts < r->first_ts)
			r->first_ts = ci->hdr.first_ts;
		if (ci->hdr.last_ts > r->last_ts)
			r->last_ts = ci->hdr.last_ts;
	}
	r->nr_chunks = n;
	qsort(r->chunks, n, sizeof(*r->chunks), cmp_chunk);
	if (r->first_ts == UINT64_MAX)
		r->first_ts = r->last_ts = 0;
	r->base_pos = (double)r->first_ts;
	return 0;
}

int top_source_replay(struct top_source **sp, const char *path, double speed,
		      struct top_model *m, char *err, size_t errlen)
{
	const struct tf_file_header *fh;
	struct replay_source *r = calloc(1, sizeof(*r));
	int ret;

	*sp = NULL;
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r->base.ops = &replay_ops;
	r->base.m = m;
	r->speed = speed;
	snprintf(r->path, sizeof(r->path), "%s", path);
	ret = tf_reader_open(&r->rd, path, err, errlen);
	if (ret) {
		replay_destroy(&r->base);
		return ret;
	}
	fh = tf_reader_header(r->rd);
	r->cntfrq = fh->cntfrq ? fh->cntfrq : 62500000;
	if (index_chunks(r)) {
		snprintf(err, errlen, "out of memory");
		replay_destroy(&r->base);
		return -ENOMEM;
	}
	m->mach.live = false;
	snprintf(m->mach.source, sizeof(m->mach.source), "%s", path);
	snprintf(m->mach.trace_mode, sizeof(m->mach.trace_mode), "file");
	m->mach.nr_cpus = fh->nr_cpus;
	top_model_set_cntfrq(m, r->cntfrq);
	*sp = &r->base;
	return 0;
}
