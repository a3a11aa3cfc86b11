/*
 * The KVM host collector (kvm_collect.h) and `hypscope record --kvm`.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "formats/host/tracefile.h"
#include "tracer/lib/kvm/kvm_collect.h"
#include "tracer/lib/kvm/kvm_fold.h"
#include "tracer/lib/kvm/kvm_host.h"
#include "tracer/lib/progress.h"
#include "tracer/lib/util.h"
#include "kvm_host.skel.h"

/* One tracepoint and its two programs; the collector loads one of them. */
struct kvm_tp {
	const char *name;
	bool required;
	size_t tp_off, raw_off; /* offsetof(struct kvm_host_bpf, progs.X) */
};

#define TP(n, req)                                                                          \
	{ #n, req, offsetof(struct kvm_host_bpf, progs.tp_##n),                              \
	  offsetof(struct kvm_host_bpf, progs.raw_##n) }

static const struct kvm_tp kvm_tps[] = {
	TP(kvm_exit, true),
	TP(kvm_entry, true),
	TP(kvm_hvc_arm64, false),
	TP(kvm_mmio, false),
	TP(kvm_sys_access, false),
	TP(vgic_update_irq_pending, false),
	TP(kvm_timer_update_irq, false),
};
#define NR_TPS (sizeof(kvm_tps) / sizeof(kvm_tps[0]))

enum tp_flavour { TP_NONE, TP_BTF, TP_RAW };

struct kvm_collector {
	struct kvm_collector_opts opts;
	struct kvm_host_bpf *skel;
	struct ring_buffer *rb;
	struct kvm_fold *fold;
	struct tf_writer *w;
	unsigned nr_cpus;
	uint64_t *drops_seen;   /* per CPU */
	uint64_t *stat_buf;     /* per-CPU values of one stats entry */
	struct kvm_collector_totals totals;
	int error;              /* first error met while folding or writing */
	char errmsg[HS_ERR_LEN];
	char attached[512];
	char desc[TF_DESC_LEN];
	bool closed;
};

static char libbpf_last[256];
static bool libbpf_verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[sizeof(libbpf_last)];
	size_t n;

	if (level == LIBBPF_DEBUG && !libbpf_verbose)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	if (level != LIBBPF_DEBUG && n)
		memcpy(libbpf_last, line, n + 1);
	if (libbpf_verbose)
		fprintf(stderr, "libbpf: %s\n", line);
	return 0;
}

static struct bpf_program *prog_at(struct kvm_host_bpf *s, size_t off)
{
	return *(struct bpf_program **)((char *)s + off);
}

static struct bpf_link **link_at(struct kvm_host_bpf *s, size_t prog_off)
{
	/* links mirror progs member for member */
	return (struct bpf_link **)((char *)&s->links + (prog_off - offsetof(struct kvm_host_bpf, progs)));
}

/* ------------------------------------------------------------ environment */

static bool has_cap(int cap)
{
	char line[256];
	unsigned long long eff = 0;
	bool found = false;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "CapEff: %llx", &eff) == 1) {
			found = true;
			break;
		}
	}
	fclose(f);
	return found && (eff >> cap & 1);
}

#define CAP_SYS_ADMIN_BIT 21
#define CAP_PERFMON_BIT   38
#define CAP_BPF_BIT       39

/* One line saying what this machine lacks, or 0. */
static int check_host(struct hs_err *err)
{
	struct utsname u;

	if (uname(&u) == 0 && strcmp(u.machine, "aarch64"))
		return hs_errf(err, -ENOTSUP,
			       "this is a %s host: the KVM collector reads arm64 KVM (run it on an "
			       "arm64 host; 'make arm64' builds a static binary to copy there)",
			       u.machine);
	if (access("/dev/kvm", F_OK) && access("/sys/module/kvm", F_OK))
		return hs_errf(err, -ENODEV,
			       "this kernel runs no KVM (no /dev/kvm): boot it at EL2 with KVM "
			       "enabled");
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return hs_errf(err, -ENOENT,
			       "this kernel has no BTF (/sys/kernel/btf/vmlinux; "
			       "CONFIG_DEBUG_INFO_BTF): the collector cannot relocate its programs");
	if (geteuid() != 0 && !(has_cap(CAP_BPF_BIT) && has_cap(CAP_PERFMON_BIT)) &&
	    !has_cap(CAP_SYS_ADMIN_BIT))
		return hs_errf(err, -EPERM,
			       "recording KVM needs root, or CAP_BPF and CAP_PERFMON (try sudo)");
	return 0;
}

/* Reads up to len-1 bytes of a small file, NUL-terminated; "" on failure. */
static void read_small(const char *path, char *buf, size_t len)
{
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, buf, len - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
}

const char *kvm_host_mode(void)
{
	static char mode[16];
	char cmdline[4096], *p;
	int n;

	if (mode[0])
		return mode;
	snprintf(mode, sizeof(mode), "unknown");
	/* what KVM said when it initialised, while the kernel log still has it */
	n = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	if (n > 0) {
		char *log = malloc((size_t)n + 1);

		if (log) {
			n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, n);
			if (n > 0) {
				log[n] = '\0';
				if (strstr(log, "Protected nVHE mode initialized"))
					snprintf(mode, sizeof(mode), "protected");
				else if (strstr(log, "VHE mode initialized") &&
					 !strstr(log, "nVHE mode initialized"))
					snprintf(mode, sizeof(mode), "VHE");
				else if (strstr(log, "Hyp mode initialized") ||
					 strstr(log, "nVHE mode initialized"))
					snprintf(mode, sizeof(mode), "nVHE");
			}
			free(log);
		}
	}
	if (strcmp(mode, "unknown"))
		return mode;
	/* else what was asked for on the command line */
	read_small("/proc/cmdline", cmdline, sizeof(cmdline));
	p = strstr(cmdline, "kvm-arm.mode=");
	if (p) {
		p += strlen("kvm-arm.mode=");
		if (!strncmp(p, "protected", 9))
			snprintf(mode, sizeof(mode), "protected");
		else if (!strncmp(p, "nvhe", 4))
			snprintf(mode, sizeof(mode), "nVHE");
	}
	return mode;
}

/* ---------------------------------------------------------------- loading */

static enum tp_flavour choose(const struct btf *vmlinux, const char *tp, bool force_raw)
{
	char name[128];

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	if (vmlinux && btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF) > 0)
		return force_raw ? TP_RAW : TP_BTF;
	return TP_NONE;
}

/* Open the skeleton with one flavour per tracepoint chosen, and load it. */
static int load(struct kvm_collector *c, const struct btf *vmlinux, bool force_raw,
		enum tp_flavour *fl, struct hs_err *err)
{
	size_t i;
	int ret;

	c->skel = kvm_host_bpf__open();
	if (!c->skel)
		return hs_errf(err, -errno ? -errno : -EINVAL, "cannot open the BPF object: %s",
			       libbpf_last);
	ret = bpf_map__set_max_entries(c->skel->maps.events, (uint32_t)c->opts.ring_size);
	if (ret)
		return hs_errf(err, ret, "ring buffer of %zu bytes refused: %s", c->opts.ring_size,
			       libbpf_last);
	for (i = 0; i < NR_TPS; i++) {
		fl[i] = choose(vmlinux, kvm_tps[i].name, force_raw);
		if (fl[i] == TP_NONE && kvm_tps[i].required)
			return hs_errf(err, -ENOENT,
				       "the kernel has no %s tracepoint: not an arm64 KVM host?",
				       kvm_tps[i].name);
		bpf_program__set_autoload(prog_at(c->skel, kvm_tps[i].tp_off), fl[i] == TP_BTF);
		bpf_program__set_autoload(prog_at(c->skel, kvm_tps[i].raw_off), fl[i] == TP_RAW);
	}
	ret = kvm_host_bpf__load(c->skel);
	if (ret)
		return hs_errf(err, ret, "the kernel refused the BPF programs: %s", libbpf_last);
	return 0;
}

static void add_attached(struct kvm_collector *c, const char *kind, const char *name)
{
	size_t n = strlen(c->attached);
	const char *last = strrchr(c->attached, ';');
	char want[32];

	/* "kind: a b c; kind2: d" */
	snprintf(want, sizeof(want), "%s:", kind);
	if (!n || !strstr(last ? last : c->attached, want))
		snprintf(c->attached + n, sizeof(c->attached) - n, "%s%s %s", n ? "; " : "", want,
			 name);
	else
		snprintf(c->attached + n, sizeof(c->attached) - n, " %s", name);
}

static int attach(struct kvm_collector *c, const enum tp_flavour *fl, struct hs_err *err)
{
	struct kvm_host_bpf *s = c->skel;
	struct {
		struct bpf_program *prog;
		struct bpf_link **link;
		const char *name;
		bool required;
	} kp[] = {
		{ s->progs.run_enter, &s->links.run_enter, "kvm_arch_vcpu_ioctl_run", true },
		{ s->progs.run_leave, &s->links.run_leave, "kvm_arch_vcpu_ioctl_run(ret)", true },
		{ s->progs.exit_handler, &s->links.exit_handler, "handle_exit", false },
	};
	size_t i, off;
	int ret;

	for (i = 0; i < NR_TPS; i++) {
		if (fl[i] == TP_NONE) {
			if (c->opts.verbose)
				fprintf(stderr, "hypscope record: no %s tracepoint here\n",
					kvm_tps[i].name);
			continue;
		}
		off = fl[i] == TP_BTF ? kvm_tps[i].tp_off : kvm_tps[i].raw_off;
		*link_at(s, off) = bpf_program__attach(prog_at(s, off));
		if (!*link_at(s, off)) {
			ret = -errno;
			if (kvm_tps[i].required)
				return hs_errf(err, ret, "cannot attach to the %s tracepoint: %s",
					       kvm_tps[i].name, libbpf_last);
			continue;
		}
		add_attached(c, fl[i] == TP_BTF ? "tp_btf" : "raw_tp", kvm_tps[i].name);
	}
	for (i = 0; i < sizeof(kp) / sizeof(kp[0]); i++) {
		*kp[i].link = bpf_program__attach(kp[i].prog);
		if (!*kp[i].link) {
			ret = -errno;
			if (kp[i].required)
				return hs_errf(err, ret, "cannot attach a kprobe to %s: %s",
					       kp[i].name, libbpf_last);
			continue;
		}
		add_attached(c, "kprobe", kp[i].name);
	}
	return 0;
}

/* ------------------------------------------------------------- the stream */

static int emit_record(void *ctx, unsigned cpu, const struct trace_hdr *rec, uint32_t size)
{
	struct kvm_collector *c = ctx;
	int ret;

	if (c->opts.sink) {
		ret = c->opts.sink(c->opts.sink_ctx, rec, size);
		if (ret)
			return ret;
	}
	if (c->w) {
		ret = tf_writer_append(c->w, cpu, rec, size);
		if (ret) {
			snprintf(c->errmsg, sizeof(c->errmsg), "%s", tf_writer_error(c->w));
			return ret;
		}
	}
	c->totals.records++;
	return 0;
}

/* A VM is named after its VMM: "comm pid". */
static void name_vm(void *ctx, uint32_t pid, char *buf, size_t len)
{
	char path[64], comm[64];
	size_t n;

	(void)ctx;
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	read_small(path, comm, sizeof(comm));
	n = strcspn(comm, "\n");
	comm[n] = '\0';
	if (n)
		snprintf(buf, len, "%.20s %u", comm, pid);
	else
		snprintf(buf, len, "pid %u", pid);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct kvm_collector *c = ctx;
	int ret;

	if (size < sizeof(struct kvm_ev))
		return 0;
	c->totals.events++;
	ret = kvm_fold_event(c->fold, data);
	if (ret && !c->error) {
		c->error = ret;
		if (!c->errmsg[0])
			snprintf(c->errmsg, sizeof(c->errmsg), "folding the events: %s",
				 strerror(ret < 0 ? -ret : ret));
	}
	return ret;
}

/* Charge the drops the BPF side counted since the last look to each CPU. */
static int charge_drops(struct kvm_collector *c)
{
	uint32_t key = KVM_STAT_DROPS;
	unsigned cpu;
	int ret;

	if (bpf_map_lookup_elem(bpf_map__fd(c->skel->maps.stats), &key, c->stat_buf))
		return 0;
	for (cpu = 0; cpu < c->nr_cpus; cpu++) {
		uint64_t delta = c->stat_buf[cpu] - c->drops_seen[cpu];

		if (!delta)
			continue;
		c->drops_seen[cpu] = c->stat_buf[cpu];
		c->totals.lost += delta;
		if (c->w) {
			ret = tf_writer_add_lost(c->w, cpu, delta);
			if (ret) {
				snprintf(c->errmsg, sizeof(c->errmsg), "%s", tf_writer_error(c->w));
				return ret;
			}
		}
	}
	return 0;
}

int kvm_collector_poll(struct kvm_collector *c, int timeout_ms)
{
	uint64_t before = c->totals.events;
	int ret;

	if (c->error)
		return c->error;
	ret = ring_buffer__poll(c->rb, timeout_ms);
	if (ret < 0 && ret != -EINTR) {
		if (!c->error) {
			c->error = ret;
			if (!c->errmsg[0])
				snprintf(c->errmsg, sizeof(c->errmsg), "reading the ring buffer: %s",
					 strerror(-ret));
		}
		return c->error;
	}
	if (c->error)
		return c->error;
	ret = charge_drops(c);
	if (ret) {
		c->error = ret;
		return ret;
	}
	return (int)(c->totals.events - before);
}

void kvm_collector_totals(const struct kvm_collector *c, struct kvm_collector_totals *t)
{
	struct kvm_fold_stats st;

	*t = c->totals;
	kvm_fold_stats(c->fold, &st);
	t->vms = st.vms;
	t->vcpus = st.vcpus;
}

uint64_t kvm_collector_cpu_lost(const struct kvm_collector *c, unsigned cpu)
{
	return cpu < c->nr_cpus ? c->drops_seen[cpu] : 0;
}

const char *kvm_collector_attached(const struct kvm_collector *c)
{
	return c->attached;
}

const char *kvm_collector_description(const struct kvm_collector *c)
{
	return c->desc;
}

int kvm_collector_open(struct kvm_collector **cp, const struct kvm_collector_opts *opts,
		       struct hs_err *err)
{
	struct kvm_collector *c;
	enum tp_flavour fl[NR_TPS];
	struct btf *vmlinux = NULL;
	struct tf_info info = { 0 };
	struct utsname u;
	char tferr[TF_MSG_LEN];
	long page = sysconf(_SC_PAGESIZE);
	int ncpu, ret;

	*cp = NULL;
	ret = check_host(err);
	if (ret)
		return ret;
	c = calloc(1, sizeof(*c));
	if (!c)
		return hs_errf(err, -ENOMEM, "out of memory");
	c->opts = *opts;
	if (!c->opts.ring_size)
		c->opts.ring_size = KVM_RING_DEFAULT;
	if (c->opts.ring_size < (size_t)page || (c->opts.ring_size & (c->opts.ring_size - 1)) ||
	    c->opts.ring_size > (1u << 30)) {
		ret = hs_errf(err, -EINVAL,
			      "the ring size must be a power of 2 from %ld bytes to 1 GiB, not %zu",
			      page, c->opts.ring_size);
		goto fail;
	}
	libbpf_verbose = opts->verbose;
	libbpf_set_print(libbpf_print);

	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0 || ncpu > (int)TF_MAX_CPUS) {
		ret = hs_errf(err, -EINVAL, "cannot tell how many CPUs there are (%d)", ncpu);
		goto fail;
	}
	c->nr_cpus = (unsigned)ncpu;
	c->drops_seen = calloc(c->nr_cpus, sizeof(uint64_t));
	c->stat_buf = calloc(c->nr_cpus, sizeof(uint64_t));
	c->fold = kvm_fold_new(c->nr_cpus, emit_record, name_vm, c);
	if (!c->drops_seen || !c->stat_buf || !c->fold) {
		ret = hs_errf(err, -ENOMEM, "out of memory");
		goto fail;
	}

	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		ret = hs_errf(err, -ENOENT, "cannot read the kernel's BTF: %s", strerror(errno));
		goto fail;
	}
	ret = load(c, vmlinux, false, fl, err);
	if (ret) {
		/* tp_btf refused (an older kernel): the raw tracepoints carry the same arguments */
		kvm_host_bpf__destroy(c->skel);
		c->skel = NULL;
		ret = load(c, vmlinux, true, fl, err);
		if (ret)
			goto fail;
	}
	ret = attach(c, fl, err);
	if (ret)
		goto fail;
	c->rb = ring_buffer__new(bpf_map__fd(c->skel->maps.events), on_event, c, NULL);
	if (!c->rb) {
		ret = hs_errf(err, -errno, "cannot map the ring buffer: %s", strerror(errno));
		goto fail;
	}

	uname(&u);
	snprintf(c->desc, sizeof(c->desc), "KVM host %.64s, Linux %.64s, KVM mode %s, %u CPUs",
		 u.nodename, u.release, kvm_host_mode(), c->nr_cpus);
	if (c->opts.out_path) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		info.nr_cpus = c->nr_cpus;
		info.cntfrq = 1000000000ull; /* timestamps are CLOCK_MONOTONIC ns */
		info.created_cntpct = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		info.description = c->desc;
		ret = tf_writer_open(&c->w, c->opts.out_path, &info, tferr, sizeof(tferr));
		if (ret) {
			ret = hs_errf(err, ret, "%s", tferr);
			goto fail;
		}
	}
	btf__free(vmlinux);
	c->totals.nr_cpus = c->nr_cpus;
	*cp = c;
	return 0;
fail:
	btf__free(vmlinux);
	c->closed = true;
	kvm_collector_destroy(c);
	return ret;
}

int kvm_collector_close(struct kvm_collector *c, struct kvm_collector_totals *t,
			struct hs_err *err)
{
	struct tf_totals tft = { 0 };
	int ret = 0, i;

	if (!c->closed) {
		c->closed = true;
		/* no new events: detach, then take what the ring still holds */
		kvm_host_bpf__detach(c->skel);
		for (i = 0; i < 64 && !c->error; i++) {
			if (ring_buffer__consume(c->rb) <= 0)
				break;
		}
		if (!c->error)
			c->error = charge_drops(c);
		if (!c->error)
			c->error = kvm_fold_flush(c->fold);
		if (c->w) {
			ret = tf_writer_close(c->w, &tft);
			if (ret && !c->error) {
				c->error = ret;
				snprintf(c->errmsg, sizeof(c->errmsg), "%s", tf_writer_error(c->w));
			}
			c->w = NULL;
			c->totals.bytes = tft.bytes;
		}
	}
	if (t)
		kvm_collector_totals(c, t);
	if (c->error)
		return hs_errf(err, c->error, "%s",
			       c->errmsg[0] ? c->errmsg : strerror(c->error < 0 ? -c->error : c->error));
	return 0;
}

void kvm_collector_destroy(struct kvm_collector *c)
{
	if (!c)
		return;
	if (!c->closed)
		kvm_collector_close(c, NULL, NULL);
	ring_buffer__free(c->rb);
	kvm_host_bpf__destroy(c->skel);
	if (c->w)
		tf_writer_close(c->w, NULL);
	kvm_fold_free(c->fold);
	free(c->drops_seen);
	free(c->stat_buf);
	free(c);
}

/* ------------------------------------------------------ record --kvm */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

int kvm_record(const struct kvm_record_args *a)
{
	struct kvm_collector_opts o = { 0 };
	struct kvm_collector_totals t;
	struct kvm_collector *c = NULL;
	struct sigaction sa, old_int, old_term;
	struct hs_err err;
	struct hs_progress progress;
	char line[96];
	pid_t child = -1;
	int ret, status = 0, n;
	double t0;

	o.out_path = a->output;
	o.ring_size = a->ring_size;
	o.verbose = a->verbose;
	ret = kvm_collector_open(&c, &o, &err);
	if (ret) {
		fprintf(stderr, "hypscope record: %s\n", err.msg);
		return ret == -EINVAL ? HS_EXIT_USAGE : HS_EXIT_ENV;
	}
	if (a->verbose)
		fprintf(stderr, "hypscope record: %s; attached %s\n", kvm_collector_description(c),
			kvm_collector_attached(c));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	stop_signal = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	if (a->command) {
		child = fork();
		if (child < 0) {
			fprintf(stderr, "hypscope record: cannot fork: %s\n", strerror(errno));
			ret = HS_EXIT_ENV;
			goto out;
		}
		if (child == 0) {
			sigaction(SIGINT, &old_int, NULL);
			sigaction(SIGTERM, &old_term, NULL);
			execvp(a->command[0], a->command);
			fprintf(stderr, "hypscope record: cannot run %s: %s\n", a->command[0],
				strerror(errno));
			_exit(127);
		}
	}

	t0 = hs_now_s();
	hs_progress_begin(&progress, "record");
	for (;;) {
		n = kvm_collector_poll(c, 50);
		if (n < 0)
			break;
		if (stop_signal)
			break;
		if (child > 0 && waitpid(child, &status, WNOHANG) == child) {
			child = -1;
			break;
		}
		if (a->duration > 0 && hs_now_s() - t0 >= a->duration)
			break;
		if (a->duration > 0 && !a->quiet) {
			kvm_collector_totals(c, &t);
			snprintf(line, sizeof(line), "%.0f/%.0f s, %" PRIu64 " events, %" PRIu64 " lost",
				 hs_now_s() - t0, a->duration, t.events, t.lost);
			hs_progress_text(&progress, line);
		}
	}
	hs_progress_end(&progress);
	ret = kvm_collector_close(c, &t, &err);
	if (ret) {
		fprintf(stderr, "hypscope record: %s\n", err.msg);
		ret = HS_EXIT_ENV;
		goto out;
	}
	if (!a->quiet)
		fprintf(stderr,
			"hypscope record: %" PRIu64 " events, %" PRIu64 " records, %" PRIu64
			" lost, %u VMs, %u vCPUs, %.2f s, %s (%.1f MB)\n",
			t.events, t.records, t.lost, t.vms, t.vcpus, hs_now_s() - t0,
			a->output ? a->output : "-", (double)t.bytes / 1e6);
	ret = HS_EXIT_OK;
	if (a->command && WIFEXITED(status) && WEXITSTATUS(status)) {
		fprintf(stderr, "hypscope record: %s exited with status %d\n", a->command[0],
			WEXITSTATUS(status));
		ret = HS_EXIT_GUEST;
	} else if (a->command && WIFSIGNALED(status)) {
		fprintf(stderr, "hypscope record: %s was killed by signal %d\n", a->command[0],
			WTERMSIG(status));
		ret = HS_EXIT_GUEST;
	}
out:
	if (child > 0) {
		kill(child, SIGTERM);
		waitpid(child, NULL, 0);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	kvm_collector_destroy(c);
	return ret;
}
