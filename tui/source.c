/* The live view's sources: a running machine, or a trace file. See tui/source.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "formats/host/tracefile.h"
#include "tracer/lib/hypstat.h"
#include "tracer/lib/kvm/kvm_collect.h"
#include "tracer/lib/record.h"
#include "tui/source.h"

#define HYPCFG_FILE_OFFSET (HYPCFG_PA - HYP_RAM_BASE)
#define RETRY_S 0.1

struct chunk_loss {
	uint64_t offset;
	uint64_t lost;
	uint32_t cpu;
};

struct top_source {
	bool replay;
	struct top_model *m;
	char path[PATH_MAX];
	int error;
	char msg[HS_ERR_LEN];
	int last_fed;

	/* live */
	struct recorder *rec;
	bool consume;
	double wait_until;
	double next_try;
	int fd;
	uint8_t *ram;
	size_t ram_len;
	bool have_cfg;
	struct hypcfg cfg;
	uint64_t lost_seen[HYP_MAX_CPUS];
	struct kvm_collector *kvm; /* the KVM host source */

	/* replay */
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

static int src_fail(struct top_source *s, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int src_fail(struct top_source *s, int err, const char *fmt, ...)
{
	va_list ap;

	s->error = err;
	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
	va_end(ap);
	return err;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sink(void *ctx, const struct trace_hdr *rec, uint32_t size)
{
	top_model_feed(ctx, rec, size);
	return 0;
}

/* ------------------------------------------------------------------- live */

static int map_ram(struct top_source *s)
{
	struct stat sb;
	void *map;

	s->fd = open(s->path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0)
		return src_fail(s, -errno, "cannot open %s: %s", s->path, strerror(errno));
	if (fstat(s->fd, &sb))
		return src_fail(s, -errno, "cannot stat %s: %s", s->path, strerror(errno));
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, s->fd, 0);
	if (map == MAP_FAILED)
		return src_fail(s, -errno, "cannot map %s: %s", s->path, strerror(errno));
	s->ram = map;
	s->ram_len = (size_t)sb.st_size;
	return 0;
}

/* Attach to the rings once QEMU has sized the RAM file: 0, 1 to try again, or -errno. */
static int try_open(struct top_source *s, double now)
{
	struct recorder_opts opts = {
		.mode = s->consume ? RECORDER_CONSUME : RECORDER_PEEK,
		.sink = sink,
		.sink_ctx = s->m,
	};
	char err[HS_ERR_LEN];
	int ret;

	ret = recorder_open_opts(&s->rec, s->path, NULL, &opts, err, sizeof(err));
	if (ret == -EAGAIN || ret == -ENOENT) {
		if (now < s->wait_until) {
			s->next_try = now + RETRY_S;
			snprintf(s->msg, sizeof(s->msg), "%s", err);
			return 1;
		}
	}
	if (ret)
		return src_fail(s, ret, "%s", err);
	s->msg[0] = '\0';
	return map_ram(s);
}

int top_source_live(struct top_source **sp, const char *ram_path, bool consume, double wait_s,
		    struct top_model *m, char *err, size_t errlen)
{
	struct top_source *s = calloc(1, sizeof(*s));
	double now = mono_s();
	int ret;

	*sp = NULL;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->m = m;
	s->fd = -1;
	s->consume = consume;
	s->wait_until = now + wait_s;
	snprintf(s->path, sizeof(s->path), "%s", ram_path);
	m->mach.live = true;
	snprintf(m->mach.source, sizeof(m->mach.source), "%s", ram_path);
	ret = try_open(s, now);
	if (ret < 0) {
		snprintf(err, errlen, "%s", s->msg);
		top_source_destroy(s);
		return ret;
	}
	*sp = s;
	return 0;
}

static void live_status(struct top_source *s)
{
	const struct hypcfg *cfg;
	struct hypstat st;
	struct hs_err e;

	if (!s->ram)
		return;
	if (!s->have_cfg && s->ram_len >= HYPCFG_FILE_OFFSET + sizeof(s->cfg)) {
		cfg = (const struct hypcfg *)(s->ram + HYPCFG_FILE_OFFSET);
		if (__atomic_load_n(&cfg->magic, __ATOMIC_ACQUIRE) == HYPCFG_MAGIC) {
			memcpy(&s->cfg, cfg, sizeof(s->cfg));
			s->have_cfg = s->cfg.version == HYPCFG_VERSION &&
				      s->cfg.size == sizeof(s->cfg);
			if (s->have_cfg)
				snprintf(s->m->mach.trace_mode, sizeof(s->m->mach.trace_mode), "%s",
					 s->cfg.trace_mode == HYPCFG_TRACE_DROP ? "drop"
					 : s->cfg.trace_mode == HYPCFG_TRACE_OVERWRITE ? "overwrite"
										       : "off");
		}
	}
	if (!hypstat_snapshot(s->ram, s->ram_len, &st, &e))
		top_model_set_status(s->m, &st, s->have_cfg ? &s->cfg : NULL);
}

static void live_losses(struct top_source *s)
{
	struct recorder_totals t;
	unsigned cpu;

	if (!s->rec)
		return;
	recorder_totals(s->rec, &t);
	for (cpu = 0; cpu < t.nr_cpus && cpu < HYP_MAX_CPUS; cpu++) {
		if (t.cpus[cpu].lost > s->lost_seen[cpu])
			top_model_add_lost(s->m, cpu, t.cpus[cpu].lost - s->lost_seen[cpu]);
		s->lost_seen[cpu] = t.cpus[cpu].lost;
	}
}

static int live_pump(struct top_source *s, double now)
{
	int n, ret;

	if (!s->rec) {
		if (now < s->next_try)
			return 0;
		ret = try_open(s, now);
		if (ret)
			return ret < 0 ? ret : 0;
	}
	n = recorder_poll(s->rec);
	if (n < 0)
		return src_fail(s, n, "%s", recorder_error(s->rec));
	return n;
}

/* -------------------------------------------------------------------- kvm */

int top_source_kvm(struct top_source **sp, struct top_model *m, char *err, size_t errlen)
{
	struct kvm_collector_opts o = { .sink = sink, .sink_ctx = m };
	struct kvm_collector_totals t;
	struct top_source *s = calloc(1, sizeof(*s));
	struct hs_err e;
	int ret;

	*sp = NULL;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->m = m;
	s->fd = -1;
	ret = kvm_collector_open(&s->kvm, &o, &e);
	if (ret) {
		snprintf(err, errlen, "%s", e.msg);
		top_source_destroy(s);
		return ret;
	}
	snprintf(s->path, sizeof(s->path), "%s", kvm_collector_description(s->kvm));
	kvm_collector_totals(s->kvm, &t);
	m->mach.live = true;
	m->mach.nr_cpus = t.nr_cpus;
	snprintf(m->mach.source, sizeof(m->mach.source), "KVM host");
	snprintf(m->mach.trace_mode, sizeof(m->mach.trace_mode), "bpf");
	top_model_set_cntfrq(m, 1000000000ull); /* CLOCK_MONOTONIC ns */
	*sp = s;
	return 0;
}

static void kvm_losses(struct top_source *s)
{
	unsigned cpu;
	uint64_t lost;

	for (cpu = 0; cpu < HYP_MAX_CPUS; cpu++) {
		lost = kvm_collector_cpu_lost(s->kvm, cpu);
		if (lost > s->lost_seen[cpu])
			top_model_add_lost(s->m, cpu, lost - s->lost_seen[cpu]);
		s->lost_seen[cpu] = lost;
	}
}

/* ----------------------------------------------------------------- replay */

static int cmp_chunk(const void *a, const void *b)
{
	const struct chunk_loss *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

int top_source_replay(struct top_source **sp, const char *path, double speed,
		      struct top_model *m, char *err, size_t errlen)
{
	const struct tf_file_header *fh;
	const struct tf_chunk_info *ci;
	struct top_source *s = calloc(1, sizeof(*s));
	size_t i, n;
	int ret;

	*sp = NULL;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->replay = true;
	s->m = m;
	s->fd = -1;
	s->speed = speed;
	snprintf(s->path, sizeof(s->path), "%s", path);
	ret = tf_reader_open(&s->rd, path, err, errlen);
	if (ret) {
		top_source_destroy(s);
		return ret;
	}
	fh = tf_reader_header(s->rd);
	s->cntfrq = fh->cntfrq ? fh->cntfrq : 62500000;
	n = tf_reader_nr_chunks(s->rd);
	s->chunks = calloc(n ? n : 1, sizeof(*s->chunks));
	if (!s->chunks) {
		snprintf(err, errlen, "out of memory");
		top_source_destroy(s);
		return -ENOMEM;
	}
	s->first_ts = UINT64_MAX;
	for (i = 0; i < n; i++) {
		ci = tf_reader_chunk(s->rd, i);
		s->chunks[i] = (struct chunk_loss){ ci->offset, ci->hdr.lost, ci->hdr.cpu };
		if (!ci->hdr.nr_records)
			continue;
		if (ci->hdr.first_ts < s->first_ts)
			s->first_ts = ci->hdr.first_ts;
		if (ci->hdr.last_ts > s->last_ts)
			s->last_ts = ci->hdr.last_ts;
	}
	s->nr_chunks = n;
	qsort(s->chunks, n, sizeof(*s->chunks), cmp_chunk);
	if (s->first_ts == UINT64_MAX)
		s->first_ts = s->last_ts = 0;
	s->base_pos = (double)s->first_ts;

	m->mach.live = false;
	snprintf(m->mach.source, sizeof(m->mach.source), "%s", path);
	snprintf(m->mach.trace_mode, sizeof(m->mach.trace_mode), "file");
	m->mach.nr_cpus = fh->nr_cpus;
	top_model_set_cntfrq(m, s->cntfrq);
	*sp = s;
	return 0;
}

static double replay_pos(const struct top_source *s, double now)
{
	if (s->speed <= 0)
		return INFINITY;
	if (s->paused || !s->started)
		return s->base_pos;
	return s->base_pos + (now - s->base_wall) * s->speed * (double)s->cntfrq;
}

/* Charge a chunk's declared losses the first time its records are fed. */
static void chunk_losses(struct top_source *s, uint64_t offset)
{
	struct chunk_loss key = { .offset = offset }, *c;

	if (s->have_chunk && s->cur_chunk == offset)
		return;
	s->have_chunk = true;
	s->cur_chunk = offset;
	c = bsearch(&key, s->chunks, s->nr_chunks, sizeof(*s->chunks), cmp_chunk);
	if (c && c->lost)
		top_model_add_lost(s->m, c->cpu, c->lost);
}

static int replay_pump(struct top_source *s, double now, unsigned budget_ms)
{
	double target, deadline = now + budget_ms / 1000.0;
	struct tf_record r;
	int ret, fed = 0;

	if (!s->started) {
		s->started = true;
		s->base_wall = now;
	}
	target = replay_pos(s, now);
	while (!s->eof) {
		if (!s->have_held) {
			ret = tf_reader_next(s->rd, &r);
			if (ret < 0)
				return src_fail(s, ret, "reading %s: %s", s->path, strerror(-ret));
			if (ret == 0) {
				s->eof = true;
				break;
			}
			if (r.size > sizeof(s->held))
				continue; /* no record this version writes is that long */
			memcpy(s->held, r.hdr, r.size);
			s->held_size = r.size;
			s->held_cpu = r.cpu;
			s->held_chunk = r.chunk_offset;
			s->have_held = true;
		}
		if ((double)((struct trace_hdr *)s->held)->ts > target)
			break;
		chunk_losses(s, s->held_chunk);
		top_model_feed(s->m, (struct trace_hdr *)s->held, s->held_size);
		s->fed_ts = ((struct trace_hdr *)s->held)->ts;
		s->have_held = false;
		if (!(++fed & 1023) && mono_s() >= deadline)
			break;
	}
	return fed;
}

/* ----------------------------------------------------------------- common */

void top_source_destroy(struct top_source *s)
{
	if (!s)
		return;
	if (s->rec) {
		recorder_close(s->rec, NULL);
		recorder_destroy(s->rec);
	}
	kvm_collector_destroy(s->kvm);
	if (s->ram)
		munmap(s->ram, s->ram_len);
	if (s->fd >= 0)
		close(s->fd);
	tf_reader_close(s->rd);
	free(s->chunks);
	free(s);
}

int top_source_pump(struct top_source *s, double now, unsigned budget_ms)
{
	int n;

	if (s->error)
		return s->error;
	if (s->kvm) {
		n = kvm_collector_poll(s->kvm, 0);
		if (n < 0)
			return src_fail(s, n, "the KVM collector stopped: %s", strerror(-n));
	} else {
		n = s->replay ? replay_pump(s, now, budget_ms) : live_pump(s, now);
	}
	s->last_fed = n;
	return n;
}

void top_source_tick(struct top_source *s)
{
	if (s->replay) {
		s->problems = tf_reader_nr_problems(s->rd);
		return;
	}
	if (s->kvm) {
		kvm_losses(s);
		return;
	}
	live_status(s);
	live_losses(s);
}

double top_source_clock(const struct top_source *s, double now)
{
	double pos;

	if (!s->replay)
		return now;
	if (s->speed <= 0)
		pos = (double)s->fed_ts;
	else
		pos = replay_pos(s, now);
	if (pos > (double)s->last_ts)
		pos = (double)s->last_ts;
	if (pos < (double)s->first_ts)
		pos = (double)s->first_ts;
	return (pos - (double)s->first_ts) / (double)s->cntfrq;
}

void top_source_pause(struct top_source *s, bool pause, double now)
{
	if (!s->replay || pause == s->paused)
		return;
	if (pause) {
		s->base_pos = replay_pos(s, now);
		if (s->base_pos > (double)s->last_ts + 1)
			s->base_pos = (double)s->last_ts + 1;
	} else {
		s->base_wall = now;
	}
	s->paused = pause;
}

void top_source_step(struct top_source *s, double seconds)
{
	if (s->replay && s->paused)
		s->base_pos += seconds * (double)s->cntfrq;
}

void top_source_set_speed(struct top_source *s, double speed, double now)
{
	if (!s->replay)
		return;
	if (s->speed > 0) {
		s->base_pos = replay_pos(s, now);
		if (s->base_pos > (double)s->last_ts + 1)
			s->base_pos = (double)s->last_ts + 1;
	} else {
		s->base_pos = (double)s->fed_ts;
	}
	s->base_wall = now;
	s->speed = speed;
}

double top_source_speed(const struct top_source *s)
{
	return s->speed;
}

bool top_source_is_replay(const struct top_source *s)
{
	return s->replay;
}

bool top_source_ended(const struct top_source *s)
{
	if (s->replay)
		return s->eof && !s->have_held;
	return s->rec && !recorder_machine_running(s->rec);
}

bool top_source_caught_up(const struct top_source *s)
{
	return s->error || s->last_fed == 0 || top_source_ended(s);
}

void top_source_describe(const struct top_source *s, double now, char *buf, size_t len)
{
	const char *base = strrchr(s->path, '/');
	double span = s->cntfrq ? (double)(s->last_ts - s->first_ts) / (double)s->cntfrq : 0;

	base = base ? base + 1 : s->path;
	if (!s->replay) {
		snprintf(buf, len, "live %s", s->path);
		return;
	}
	if (s->speed > 0)
		snprintf(buf, len, "replay %s x%g %.1f/%.1fs", base, s->speed,
			 top_source_clock(s, now), span);
	else
		snprintf(buf, len, "replay %s max %.1f/%.1fs", base, top_source_clock(s, now),
			 span);
}

void top_source_status(const struct top_source *s, char *buf, size_t len)
{
	const struct top_machine *mc = &s->m->mach;

	if (s->error) {
		snprintf(buf, len, "error: %s", s->msg);
	} else if (s->replay) {
		if (top_source_ended(s))
			snprintf(buf, len, "end of trace%s",
				 s->problems ? " (damaged chunks skipped)" : "");
		else
			snprintf(buf, len, "%s", s->problems ? "damaged chunks skipped" : "");
	} else if (s->kvm) {
		buf[0] = '\0';
	} else if (!s->rec) {
		snprintf(buf, len, "waiting for the machine");
	} else if (!recorder_attached(s->rec)) {
		snprintf(buf, len, "waiting for the hypervisor to boot");
	} else if (mc->message[0]) {
		snprintf(buf, len, "%s", mc->message);
	} else if (top_source_ended(s)) {
		snprintf(buf, len, "machine done");
	} else {
		buf[0] = '\0';
	}
}

const char *top_source_error(const struct top_source *s)
{
	return s->msg;
}

int top_source_errno(const struct top_source *s)
{
	return s->error;
}
