/*
 * The live view's source for a running machine (tui/source.h): the trace
 * rings drained by the recorder (tracer/lib/record.h) into the model, and
 * the status block (struct hypstat) read once per interval for the VM and
 * vCPU state, exit counts and times, and VMID generations.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tracer/lib/hypstat.h"
#include "tracer/lib/record.h"
#include "tui/source_impl.h"

#define HYPCFG_FILE_OFFSET (HYPCFG_PA - HYP_RAM_BASE)
#define RETRY_S 0.1

/*
 * Drain pacing. Each wake-up costs the same whatever it drains, so the
 * rings are drained as seldom as is safe: often enough that, at the rate
 * the fullest CPU's ring filled since the last drain, it holds at most
 * POLL_FILL of its size at the next one; never less often than every
 * POLL_MAX_S (a burst from idle has that long to fill a ring) nor more
 * often than every POLL_MIN_S. A loss drains at POLL_MIN_S until the
 * rings show none again. With the default 4 MiB rings, the busiest demo
 * (about 2 MB/s a CPU) drains every POLL_MAX_S with the rings under 3 %
 * full; 64 KiB rings at that rate drain every POLL_MIN_S.
 */
#define POLL_MIN_S TOP_SOURCE_POLL_S
#define POLL_MAX_S 0.05
#define POLL_FILL  0.125

struct live_source {
	struct top_source base;
	char path[PATH_MAX];
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
	/* pacing: bytes drained per CPU since the last pump, and when that was */
	uint64_t bytes[HYP_MAX_CPUS];
	double last_pump;
	uint64_t lost_at_pump;
	double poll_s;
};

/* The recorder's sink: the model, and the bytes each ring gave (pacing). */
static int live_sink(void *ctx, const struct trace_hdr *rec, uint32_t size)
{
	struct live_source *l = ctx;

	if (rec->cpu < HYP_MAX_CPUS)
		l->bytes[rec->cpu] += size;
	top_model_feed(l->base.m, rec, size);
	return 0;
}

static int map_ram(struct live_source *l)
{
	struct stat sb;
	void *map;

	l->fd = open(l->path, O_RDONLY | O_CLOEXEC);
	if (l->fd < 0)
		return top_source_fail(&l->base, -errno, "cannot open %s: %s", l->path,
				       strerror(errno));
	if (fstat(l->fd, &sb))
		return top_source_fail(&l->base, -errno, "cannot stat %s: %s", l->path,
				       strerror(errno));
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, l->fd, 0);
	if (map == MAP_FAILED)
		return top_source_fail(&l->base, -errno, "cannot map %s: %s", l->path,
				       strerror(errno));
	l->ram = map;
	l->ram_len = (size_t)sb.st_size;
	return 0;
}

/* Attach to the rings once QEMU has sized the RAM file: 0, 1 to try again, or -errno. */
static int try_open(struct live_source *l, double now)
{
	struct recorder_opts opts = {
		.mode = l->consume ? RECORDER_CONSUME : RECORDER_PEEK,
		.sink = live_sink,
		.sink_ctx = l,
	};
	char err[HS_ERR_LEN];
	int ret;

	ret = recorder_open_opts(&l->rec, l->path, NULL, &opts, err, sizeof(err));
	if (ret == -EAGAIN || ret == -ENOENT) {
		if (now < l->wait_until) {
			l->next_try = now + RETRY_S;
			l->poll_s = RETRY_S;
			snprintf(l->base.msg, sizeof(l->base.msg), "%s", err);
			return 1;
		}
	}
	if (ret)
		return top_source_fail(&l->base, ret, "%s", err);
	l->base.msg[0] = '\0';
	l->poll_s = POLL_MIN_S;
	l->last_pump = now;
	return map_ram(l);
}

static void live_config(struct live_source *l)
{
	const struct hypcfg *cfg;
	struct top_model *m = l->base.m;

	if (l->have_cfg || l->ram_len < HYPCFG_FILE_OFFSET + sizeof(l->cfg))
		return;
	cfg = (const struct hypcfg *)(l->ram + HYPCFG_FILE_OFFSET);
	if (__atomic_load_n(&cfg->magic, __ATOMIC_ACQUIRE) != HYPCFG_MAGIC)
		return;
	memcpy(&l->cfg, cfg, sizeof(l->cfg));
	l->have_cfg = l->cfg.version == HYPCFG_VERSION && l->cfg.size == sizeof(l->cfg);
	if (l->have_cfg)
		snprintf(m->mach.trace_mode, sizeof(m->mach.trace_mode), "%s",
			 l->cfg.trace_mode == HYPCFG_TRACE_DROP        ? "drop"
			 : l->cfg.trace_mode == HYPCFG_TRACE_OVERWRITE ? "overwrite"
								       : "off");
}

static void live_losses(struct live_source *l)
{
	struct recorder_totals t;
	unsigned cpu;

	if (!l->rec)
		return;
	recorder_totals(l->rec, &t);
	for (cpu = 0; cpu < t.nr_cpus && cpu < HYP_MAX_CPUS; cpu++) {
		if (t.cpus[cpu].lost > l->lost_seen[cpu])
			top_model_add_lost(l->base.m, cpu, t.cpus[cpu].lost - l->lost_seen[cpu]);
		l->lost_seen[cpu] = t.cpus[cpu].lost;
	}
}

static void live_tick(struct top_source *s)
{
	struct live_source *l = top_source_impl(s, struct live_source);
	struct hypstat st;
	struct hs_err e;

	if (l->ram) {
		live_config(l);
		if (!hypstat_snapshot(l->ram, l->ram_len, &st, &e))
			top_model_set_status(s->m, &st, l->have_cfg ? &l->cfg : NULL);
	}
	live_losses(l);
}

/* The next drain's delay from what the rings gave since the last one (see POLL_FILL). */
static void live_pace(struct live_source *l, double now)
{
	struct recorder_totals t;
	double dt = now - l->last_pump, poll = POLL_MAX_S, fill;
	unsigned cpu;

	recorder_totals(l->rec, &t);
	/* a pump right after the last one measures no rate: keep counting */
	if (dt < POLL_MIN_S && t.lost == l->lost_at_pump)
		return;
	if (t.lost != l->lost_at_pump) {
		poll = POLL_MIN_S;
	} else if (dt > 0 && t.ring_size) {
		for (cpu = 0; cpu < HYP_MAX_CPUS; cpu++) {
			if (!l->bytes[cpu])
				continue;
			fill = (double)l->bytes[cpu] / (double)t.ring_size;
			if (dt * POLL_FILL / fill < poll)
				poll = dt * POLL_FILL / fill;
		}
	}
	l->poll_s = poll < POLL_MIN_S ? POLL_MIN_S : poll;
	l->lost_at_pump = t.lost;
	l->last_pump = now;
	memset(l->bytes, 0, sizeof(l->bytes));
}

static double live_poll_s(const struct top_source *s)
{
	return top_source_impl(s, const struct live_source)->poll_s;
}

static int live_pump(struct top_source *s, double now, unsigned budget_ms)
{
	struct live_source *l = top_source_impl(s, struct live_source);
	int n, ret;

	(void)budget_ms; /* one poll drains what the rings hold */
	if (!l->rec) {
		if (now < l->next_try)
			return 0;
		ret = try_open(l, now);
		if (ret)
			return ret < 0 ? ret : 0;
	}
	n = recorder_poll(l->rec);
	if (n < 0)
		return top_source_fail(s, n, "%s", recorder_error(l->rec));
	live_pace(l, now);
	return n;
}

static bool live_ended(const struct top_source *s)
{
	const struct live_source *l = top_source_impl(s, const struct live_source);

	return l->rec && !recorder_machine_running(l->rec);
}

static void live_describe(const struct top_source *s, double now, char *buf, size_t len)
{
	const struct live_source *l = top_source_impl(s, const struct live_source);

	(void)now;
	snprintf(buf, len, "live %s", l->path);
}

static void live_status(const struct top_source *s, char *buf, size_t len)
{
	const struct live_source *l = top_source_impl(s, const struct live_source);

	if (!l->rec)
		snprintf(buf, len, "waiting for the machine");
	else if (!recorder_attached(l->rec))
		snprintf(buf, len, "waiting for the hypervisor to boot");
	else if (s->m->mach.message[0])
		snprintf(buf, len, "%s", s->m->mach.message);
	else if (live_ended(s))
		snprintf(buf, len, "machine done");
	else
		buf[0] = '\0';
}

static void live_destroy(struct top_source *s)
{
	struct live_source *l = top_source_impl(s, struct live_source);

	if (l->rec) {
		recorder_close(l->rec, NULL);
		recorder_destroy(l->rec);
	}
	if (l->ram)
		munmap(l->ram, l->ram_len);
	if (l->fd >= 0)
		close(l->fd);
	free(l);
}

static const struct top_source_ops live_ops = {
	.pump = live_pump,
	.tick = live_tick,
	.ended = live_ended,
	.describe = live_describe,
	.status = live_status,
	.destroy = live_destroy,
	.poll_s = live_poll_s,
};

int top_source_live(struct top_source **sp, const char *ram_path, bool consume, double wait_s,
		    struct top_model *m, char *err, size_t errlen)
{
	struct live_source *l = calloc(1, sizeof(*l));
	double now = top_source_mono();
	int ret;

	*sp = NULL;
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	l->base.ops = &live_ops;
	l->base.m = m;
	l->fd = -1;
	l->consume = consume;
	l->wait_until = now + wait_s;
	l->last_pump = now;
	l->poll_s = POLL_MIN_S;
	snprintf(l->path, sizeof(l->path), "%s", ram_path);
	m->mach.live = true;
	snprintf(m->mach.source, sizeof(m->mach.source), "%s", ram_path);
	ret = try_open(l, now);
	if (ret < 0) {
		snprintf(err, errlen, "%s", l->base.msg);
		live_destroy(&l->base);
		return ret;
	}
	*sp = &l->base;
	return 0;
}
