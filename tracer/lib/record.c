/*
 * The recorder (tracer/lib/record.h): attach to a running machine's RAM file
 * and drain its trace rings into a trace file. `hypscope record` is
 * tracer/cmd_record.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "formats/ring.h"
#include "formats/host/tracefile.h"
#include "tracer/lib/util.h"
#include "tracer/lib/hypstat.h"
#include "tracer/lib/kvm/kvm_collect.h"
#include "tracer/lib/progress.h"
#include "tracer/lib/record.h"

#define HYPCFG_FILE_OFFSET (HYPCFG_PA - HYP_RAM_BASE)
#define CONTROL_END        (HYPSTAT_FILE_OFFSET + sizeof(struct hypstat))
/*
 * Pending chunks go to the file at least this often, so a recorder killed
 * (SIGKILL, a full disk) loses at most about this much of the trace: a reader
 * gets everything up to the last complete chunk.
 */
#define FLUSH_INTERVAL_NS  1000000000ull

struct recorder {
	struct recorder_opts opts;
	char out_path[PATH_MAX];
	bool have_out;
	bool out_created; /* the placeholder exists and no writer replaced it yet */

	int fd;
	uint8_t *ram;     /* the machine's RAM from HYP_RAM_BASE */
	size_t ram_len;
	bool own_map;

	struct hypcfg cfg; /* copied once it is valid */
	bool cfg_ok;
	const struct hypstat *st; /* live, in the mapping */
	uint32_t state;

	unsigned nr_cpus;
	uint64_t cntfrq;
	struct ring_consumer cons[HYP_MAX_CPUS];
	uint64_t lost_seen[HYP_MAX_CPUS];
	struct tf_writer *w;
	uint64_t flushed_ns; /* CLOCK_MONOTONIC of the last flush */
	struct recorder_totals totals;
	bool attached;
	bool closed;

	int error;
	char msg[HS_ERR_LEN];
	uint64_t buf[TRACE_MAX_RECORD / 8];
};

static int rec_fail(struct recorder *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int rec_fail(struct recorder *r, int err, const char *fmt, ...)
{
	va_list ap;

	r->error = err;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	return err;
}

const char *recorder_error(const struct recorder *r)
{
	return r ? r->msg : "";
}

static uint32_t load32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/*
 * The control block, once QEMU has loaded it. 0 when valid, 1 while it is
 * still zero (the machine is being set up), else -errno with the reason.
 */
static int check_hypcfg(struct recorder *r)
{
	const struct hypcfg *cfg = (const struct hypcfg *)(r->ram + HYPCFG_FILE_OFFSET);
	uint64_t magic = __atomic_load_n(&cfg->magic, __ATOMIC_ACQUIRE);
	uint64_t off, end;

	if (!magic)
		return 1;
	if (magic != HYPCFG_MAGIC)
		return rec_fail(r, -EINVAL,
				"not a hypscope machine: no control block at 0x%llx (magic "
				"0x%016" PRIx64 ")",
				(unsigned long long)HYPCFG_PA, magic);
	memcpy(&r->cfg, cfg, sizeof(r->cfg));
	if (r->cfg.version != HYPCFG_VERSION || r->cfg.size != sizeof(r->cfg))
		return rec_fail(r, -EPROTO,
				"the control block is version %u (%u bytes), this hypscope "
				"reads version %u (%zu bytes): rebuild hypscope and the "
				"hypervisor together",
				r->cfg.version, r->cfg.size, HYPCFG_VERSION, sizeof(r->cfg));
	if (r->cfg.trace_mode == HYPCFG_TRACE_OFF || !r->cfg.trace_pa || !r->cfg.trace_size)
		return rec_fail(r, -ENODATA,
				"tracing is off in this machine: start it with 'hypscope run "
				"--record FILE' or '--trace drop'");
	if (r->cfg.trace_mode > HYPCFG_TRACE_DROP)
		return rec_fail(r, -EPROTO, "unknown trace mode %u in the control block",
				r->cfg.trace_mode);
	off = r->cfg.trace_pa - HYP_RAM_BASE;
	if (r->cfg.trace_pa < HYP_RAM_BASE ||
	    __builtin_add_overflow(off, r->cfg.trace_size, &end) || end > r->ram_len)
		return rec_fail(r, -EINVAL,
				"the trace rings at 0x%" PRIx64 " (0x%" PRIx64
				" bytes per CPU) lie outside the RAM file's %zu bytes",
				r->cfg.trace_pa, r->cfg.trace_size, r->ram_len);
	r->cfg_ok = true;
	return 0;
}

/* A trace file named after the machine: CPUs and VMs. */
static void describe(const struct recorder *r, char *buf, size_t len)
{
	size_t n;
	unsigned i;

	if (r->opts.description) {
		snprintf(buf, len, "%s", r->opts.description);
		return;
	}
	n = (size_t)snprintf(buf, len, "hypscope record: %u CPUs, %s mode,%s VMs:", r->nr_cpus,
			     r->cfg.trace_mode == HYPCFG_TRACE_DROP ? "drop" : "overwrite",
			     r->cfg.flags & HYPCFG_F_MTE ? " MTE on," : "");
	for (i = 0; i < r->cfg.nr_vms && i < HYPCFG_MAX_VMS && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, " %.*s", (int)HYPCFG_NAME_LEN,
				      r->cfg.vms[i].name);
}

static int open_writer(struct recorder *r)
{
	char desc[TF_DESC_LEN], err[TF_MSG_LEN];
	struct tf_info info = { 0 };
	int ret;

	if (!r->have_out)
		return 0;
	describe(r, desc, sizeof(desc));
	info.nr_cpus = r->nr_cpus;
	info.cntfrq = r->cntfrq;
	info.description = desc;
	ret = tf_writer_open(&r->w, r->out_path, &info, err, sizeof(err));
	if (ret)
		return rec_fail(r, ret, "%s", err);
	r->out_created = false;
	return 0;
}

/*
 * Attach to the rings once the hypervisor has written its status block. 0
 * when attached, 1 while it boots, else -errno.
 */
static int try_attach(struct recorder *r)
{
	const struct hypstat *st = (const struct hypstat *)(r->ram + HYPSTAT_FILE_OFFSET);
	uint8_t *rings;
	struct hypstat snap;
	struct hs_err e;
	unsigned cpu, flags;
	uint64_t end;
	int ret;

	if (!r->cfg_ok) {
		ret = check_hypcfg(r);
		if (ret)
			return ret;
	}
	/* Acquire: pairs with the store-release of the magic that ends the boot. */
	if (__atomic_load_n(&st->magic, __ATOMIC_ACQUIRE) == 0)
		return 1;
	if (hypstat_snapshot(r->ram, r->ram_len, &snap, &e))
		return rec_fail(r, -EPROTO, "%s", e.msg);
	r->st = st;
	r->state = snap.state;
	if (snap.state == HYPSTAT_BADCFG)
		return rec_fail(r, -EINVAL, "the hypervisor refused the configuration: %s",
				snap.message);
	if (!snap.nr_cpus || snap.nr_cpus > HYP_MAX_CPUS)
		return rec_fail(r, -EPROTO, "the status block says %u CPUs; at most %u are known",
				snap.nr_cpus, HYP_MAX_CPUS);
	r->nr_cpus = snap.nr_cpus;
	r->cntfrq = snap.cntfrq;
	end = r->cfg.trace_pa - HYP_RAM_BASE + r->cfg.trace_size * r->nr_cpus;
	if (end > r->ram_len)
		return rec_fail(r, -EINVAL,
				"the trace rings of %u CPUs end at offset 0x%" PRIx64
				", past the RAM file's %zu bytes",
				r->nr_cpus, end, r->ram_len);

	rings = r->ram + (r->cfg.trace_pa - HYP_RAM_BASE);
	flags = r->opts.mode == RECORDER_PEEK ? RING_CONSUMER_PEEK : 0;
	for (cpu = 0; cpu < r->nr_cpus; cpu++) {
		ret = ring_consumer_area(&r->cons[cpu], rings, r->cfg.trace_size, r->nr_cpus, cpu,
					 flags);
		if (ret == RING_EPROTO)
			return rec_fail(r, -EPROTO,
					"the trace ring of CPU %u has a version this hypscope does "
					"not read: rebuild hypscope and the hypervisor together",
					cpu);
		if (ret)
			return rec_fail(r, -ENODATA,
					"no trace ring for CPU %u at 0x%" PRIx64
					": the hypervisor turned tracing off (see its log)",
					cpu, r->cfg.trace_pa + cpu * r->cfg.trace_size);
	}
	ret = open_writer(r);
	if (ret)
		return ret;
	r->attached = true;
	r->totals.attached = true;
	r->totals.nr_cpus = r->nr_cpus;
	r->totals.ring_size = r->cons[0].data_size;
	return 0;
}

/* Charge what the ring has found lost since the last look to the open chunk. */
static int charge_losses(struct recorder *r, unsigned cpu)
{
	uint64_t lost = r->cons[cpu].lost, delta = lost - r->lost_seen[cpu];
	int ret;

	if (!delta)
		return 0;
	r->lost_seen[cpu] = lost;
	r->totals.lost += delta;
	r->totals.cpus[cpu].lost += delta;
	if (r->w) {
		ret = tf_writer_add_lost(r->w, cpu, delta);
		if (ret)
			return rec_fail(r, ret, "%s: %s", r->out_path, tf_writer_error(r->w));
	}
	return 0;
}

/* Drain one ring until it is empty or a ring's worth has been read. */
static int drain_cpu(struct recorder *r, unsigned cpu)
{
	struct ring_consumer *c = &r->cons[cpu];
	uint64_t budget = c->data_size, bytes = 0, backlog = ring_consumer_backlog(c);
	int n, count = 0, ret;

	if (backlog > r->totals.cpus[cpu].ring_hwm)
		r->totals.cpus[cpu].ring_hwm = backlog;
	while (bytes < budget) {
		n = ring_consume(c, r->buf, sizeof(r->buf));
		if (n == 0 || n == RING_EAGAIN)
			break; /* empty, or the producer keeps lapping us: next turn */
		if (n == RING_ESTALE)
			return rec_fail(r, -ESTALE,
					"the trace ring of CPU %u was laid out again: the machine "
					"restarted",
					cpu);
		if (n < 0)
			return rec_fail(r, n, "the trace ring of CPU %u is corrupt (%s)", cpu,
					strerror(-n));
		ret = charge_losses(r, cpu);
		if (ret)
			return ret;
		if (r->opts.sink) {
			ret = r->opts.sink(r->opts.sink_ctx, (const struct trace_hdr *)r->buf,
					   (uint32_t)n);
			if (ret)
				return ret;
		}
		if (r->w) {
			ret = tf_writer_append(r->w, cpu, r->buf, (size_t)n);
			if (ret)
				return rec_fail(r, ret, "%s: %s", r->out_path, tf_writer_error(r->w));
		}
		r->totals.records++;
		r->totals.cpus[cpu].records++;
		bytes += (uint64_t)n;
		count++;
	}
	/* losses after the last record show up once the ring is drained */
	ret = charge_losses(r, cpu);
	return ret ? ret : count;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int poll_once(struct recorder *r)
{
	unsigned cpu;
	int n, total = 0, ret;

	if (r->error)
		return r->error;
	if (!r->attached) {
		ret = try_attach(r);
		if (ret)
			return ret > 0 ? 0 : ret;
	}
	/* the state first: records written before DONE are then drained below */
	r->state = load32(&r->st->state);
	r->totals.state = r->state;
	for (cpu = 0; cpu < r->nr_cpus; cpu++) {
		n = drain_cpu(r, cpu);
		if (n < 0)
			return n;
		total += n;
	}
	if (r->w && mono_ns() - r->flushed_ns >= FLUSH_INTERVAL_NS) {
		r->flushed_ns = mono_ns();
		ret = tf_writer_flush(r->w);
		if (ret)
			return rec_fail(r, ret, "%s: %s", r->out_path, tf_writer_error(r->w));
	}
	return total;
}

int recorder_poll(struct recorder *r)
{
	if (!r)
		return -EINVAL;
	if (r->closed)
		return 0;
	return poll_once(r);
}

bool recorder_machine_running(const struct recorder *r)
{
	if (!r->attached)
		return true;
	return r->state == HYPSTAT_BOOTING || r->state == HYPSTAT_RUNNING;
}

bool recorder_attached(const struct recorder *r)
{
	return r && r->attached;
}

int recorder_hwm_text(const struct recorder_totals *t, char *buf, size_t len)
{
	size_t at;
	unsigned cpu;
	int n;

	n = snprintf(buf, len, "ring high-water mark at the drains:");
	for (cpu = 0; cpu < t->nr_cpus && cpu < HYP_MAX_CPUS && n >= 0; cpu++) {
		at = (size_t)n < len ? (size_t)n : len;
		n += snprintf(buf + at, len - at, "%s cpu%u %.1f KiB (%.1f%%)", cpu ? "," : "", cpu,
			      (double)t->cpus[cpu].ring_hwm / 1024.0,
			      t->ring_size ? 100.0 * (double)t->cpus[cpu].ring_hwm /
						     (double)t->ring_size
					   : 0.0);
	}
	at = (size_t)n < len ? (size_t)n : len;
	n += snprintf(buf + at, len - at, " of %.0f KiB per CPU", (double)t->ring_size / 1024.0);
	return n;
}

void recorder_totals(const struct recorder *r, struct recorder_totals *t)
{
	*t = r->totals;
}

int recorder_close(struct recorder *r, struct recorder_totals *t)
{
	struct tf_totals tft;
	int n, i, ret = 0;

	if (!r)
		return -EINVAL;
	if (!r->closed) {
		r->closed = true;
		if (r->attached && !r->error) {
			/* bounded: each turn reads at most a ring's worth per CPU */
			for (i = 0; i < 64; i++) {
				n = poll_once(r);
				if (n <= 0)
					break;
			}
		}
		if (r->w) {
			ret = tf_writer_close(r->w, &tft);
			if (ret && !r->error)
				rec_fail(r, ret, "%s: %s", r->out_path, tf_writer_error(r->w));
			r->w = NULL;
			r->totals.bytes = tft.bytes;
		}
		if (r->out_created) {
			/* nothing ever attached: leave no empty file behind */
			unlink(r->out_path);
			r->out_created = false;
		}
		if (!r->attached && !r->error)
			rec_fail(r, -ENODATA, "the hypervisor never booted: nothing was recorded");
	}
	if (t)
		*t = r->totals;
	return r->error;
}

void recorder_destroy(struct recorder *r)
{
	if (!r)
		return;
	if (!r->closed)
		recorder_close(r, NULL);
	if (r->own_map && r->ram)
		munmap(r->ram, r->ram_len);
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}

/* Common part of the two opens: options, output placeholder, first look. */
static int recorder_setup(struct recorder *r, const char *out_path,
			  const struct recorder_opts *opts, char *err, size_t errlen)
{
	int fd, ret;

	if (opts)
		r->opts = *opts;
	if (out_path) {
		if ((size_t)snprintf(r->out_path, sizeof(r->out_path), "%s", out_path) >=
		    sizeof(r->out_path)) {
			snprintf(err, errlen, "output path too long: %s", out_path);
			return -ENAMETOOLONG;
		}
		r->have_out = true;
		/* find out now, not after the boot, that the output cannot be written */
		fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			ret = -errno;
			snprintf(err, errlen, "cannot create %s: %s", out_path, strerror(errno));
			return ret;
		}
		close(fd);
		r->out_created = true;
	}
	ret = try_attach(r);
	if (ret < 0) {
		snprintf(err, errlen, "%s", r->msg);
		if (r->out_created)
			unlink(r->out_path);
		r->out_created = false;
		return ret;
	}
	r->error = 0;
	return 0;
}

static struct recorder *recorder_alloc(void)
{
	struct recorder *r = calloc(1, sizeof(*r));

	if (r)
		r->fd = -1;
	return r;
}

int recorder_open_mem(struct recorder **rp, void *ram, size_t ram_len, const char *out_path,
		      const struct recorder_opts *opts, char *err, size_t errlen)
{
	struct recorder *r;
	int ret;

	*rp = NULL;
	if (!ram || ram_len < CONTROL_END) {
		snprintf(err, errlen, "the RAM holds %zu bytes, too few for the control block",
			 ram_len);
		return -EINVAL;
	}
	r = recorder_alloc();
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r->ram = ram;
	r->ram_len = ram_len;
	ret = recorder_setup(r, out_path, opts, err, errlen);
	if (ret) {
		r->closed = true;
		recorder_destroy(r);
		return ret;
	}
	*rp = r;
	return 0;
}

int recorder_open_opts(struct recorder **rp, const char *ram_path, const char *out_path,
		       const struct recorder_opts *opts, char *err, size_t errlen)
{
	bool peek = opts && opts->mode == RECORDER_PEEK;
	struct recorder *r;
	struct stat sb;
	void *map;
	int ret;

	*rp = NULL;
	r = recorder_alloc();
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r->closed = true; /* nothing to close until the setup is done */
	r->fd = open(ram_path, (peek ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (r->fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the RAM file %s: %s", ram_path, strerror(errno));
		goto fail;
	}
	if (fstat(r->fd, &sb)) {
		ret = -errno;
		snprintf(err, errlen, "cannot stat %s: %s", ram_path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		ret = -EINVAL;
		snprintf(err, errlen, "%s is not a regular file: not a machine's RAM file",
			 ram_path);
		goto fail;
	}
	if ((uint64_t)sb.st_size < CONTROL_END) {
		/* QEMU sizes the file when it starts; before that it is empty */
		ret = -EAGAIN;
		snprintf(err, errlen,
			 "the RAM file %s is %lld bytes, too short for a machine's RAM: QEMU has "
			 "not started it (yet)",
			 ram_path, (long long)sb.st_size);
		goto fail;
	}
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ | (peek ? 0 : PROT_WRITE), MAP_SHARED,
		   r->fd, 0);
	if (map == MAP_FAILED) {
		ret = -errno;
		snprintf(err, errlen, "cannot map %s: %s", ram_path, strerror(errno));
		goto fail;
	}
	r->ram = map;
	r->ram_len = (size_t)sb.st_size;
	r->own_map = true;
	r->closed = false;
	ret = recorder_setup(r, out_path, opts, err, errlen);
	if (ret) {
		r->closed = true;
		goto fail;
	}
	*rp = r;
	return 0;
fail:
	recorder_destroy(r);
	return ret;
}

int recorder_open(struct recorder **r, const char *ram_path, const char *out_path, char *err,
		  size_t errlen)
{
	return recorder_open_opts(r, ram_path, out_path, NULL, err, errlen);
}

bool recorder_ram_gone(const struct recorder *r)
{
	struct stat sb;

	return r->fd >= 0 && !fstat(r->fd, &sb) && sb.st_nlink == 0;
}

int recorder_hyp_message(const struct recorder *r, char *buf, size_t len)
{
	return snprintf(buf, len, "%.*s", (int)sizeof(r->st->message) - 1,
			r->st ? r->st->message : "");
}
