/*
 * `hypscope record`: the command line around the recorder
 * (tracer/lib/record.h) and, with --kvm, the KVM collector
 * (tracer/lib/kvm/kvm_collect.h).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tracer/hypscope.h"
#include "tracer/lib/hypstat.h"
#include "tracer/lib/kvm/kvm_collect.h"
#include "tracer/lib/progress.h"
#include "tracer/lib/record.h"

static struct env {
	const char *attach;
	const char *output;
	double duration;
	enum recorder_mode mode;
	bool quiet;
	bool kvm;          /* --kvm: the host's KVM through BPF */
	bool verbose;
	size_t ring_size;
	char **command;    /* after --, with --kvm */
} env;

static volatile sig_atomic_t stop_signal;

static const char usage[] =
	"Usage: hypscope record --attach PATH|PID -o FILE [OPTIONS]\n"
	"       hypscope record --kvm [-o FILE] [--duration S] [-- COMMAND ARGS...]\n"
	"\n"
	"Drain the trace rings of a running hypscope machine into a trace file, until\n"
	"the machine ends, --duration passes, or SIGINT/SIGTERM.\n"
	"\n"
	"With --kvm, record this arm64 host's KVM instead (BPF; root, or CAP_BPF and\n"
	"CAP_PERFMON): every guest exit with its syndrome, per VM (VMM pid) and vCPU,\n"
	"MMIO, hypercalls, injections; while COMMAND runs, for S seconds, or until\n"
	"SIGINT/SIGTERM. The file is read by report, print, export, diff and top.\n"
	"\n"
	"  -k, --kvm              record the host's KVM (default output kvm.trace)\n"
	"  -r, --ring-size BYTES  --kvm: BPF ring buffer size, a power of 2 (K, M\n"
	"                         suffixes; default 4M); a full ring drops events,\n"
	"                         counted as lost\n"
	"  -v, --verbose          --kvm: the attach points and libbpf's messages\n"
	"  -a, --attach PATH|PID  the machine's RAM file (/dev/shm/hypscope-PID.ram),\n"
	"                         or the PID of the 'hypscope run' that started it\n"
	"  -o, --output FILE      the trace file to write\n"
	"  -d, --duration S       stop after S seconds (fractions allowed)\n"
	"  -m, --mode MODE        consume (default): free ring space as it is read, so\n"
	"                         a drop-mode hypervisor never loses what fits; peek:\n"
	"                         never write to the machine (a second reader, or a\n"
	"                         flight recorder's rings)\n"
	"  -q, --quiet            no summary line\n"
	"  -h, --help             show this help\n"
	"\n"
	"The machine must trace: start it with 'hypscope run --record FILE' (which\n"
	"records by itself) or 'hypscope run --trace drop --keep'. One consuming\n"
	"recorder per machine; any number may peek.\n"
	"\n"
	"Exit status: 0 recorded; 2 bad usage, or not a hypscope machine, tracing\n"
	"off, version mismatch; 4 file or system error; 5 the hypervisor panicked or\n"
	"refused its configuration (what was recorded is kept).\n"
	"\n"
	"EXAMPLES:\n"
	"  hypscope run --trace drop --keep &       # in one terminal, or the background\n"
	"  hypscope record --attach $! -o demo.trace\n"
	"  hypscope record -a /dev/shm/hypscope-4242.ram -o 10s.trace --duration 10\n"
	"  hypscope record -a 4242 -o peek.trace --mode peek\n"
	"  hypscope report demo.trace\n"
	"  sudo hypscope record --kvm -o vm.trace -- qemu-system-aarch64 -M virt -enable-kvm ...\n"
	"  sudo hypscope record --kvm --duration 10 && hypscope report kvm.trace --by vcpu\n";

static const struct option long_opts[] = {
	{ "attach", required_argument, NULL, 'a' },
	{ "output", required_argument, NULL, 'o' },
	{ "duration", required_argument, NULL, 'd' },
	{ "mode", required_argument, NULL, 'm' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "kvm", no_argument, NULL, 'k' },
	{ "ring-size", required_argument, NULL, 'r' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

#define usage_error(...) hs_usage_error("record", __VA_ARGS__)

static int parse_args(int argc, char **argv)
{
	char *end;
	int opt;

	memset(&env, 0, sizeof(env));
	optind = 1;
	opterr = 0;
	/* '+': options end at the first non-option (the --kvm COMMAND) */
	while ((opt = getopt_long(argc, argv, "+:a:o:d:m:qkr:vh", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			env.attach = optarg;
			break;
		case 'o':
			env.output = optarg;
			break;
		case 'd':
			errno = 0;
			env.duration = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(env.duration > 0) ||
			    env.duration > 7 * 24 * 3600.0)
				return usage_error("--duration needs seconds, e.g. 10 or 0.5, not '%s'",
						   optarg);
			break;
		case 'm':
			if (!strcmp(optarg, "consume"))
				env.mode = RECORDER_CONSUME;
			else if (!strcmp(optarg, "peek"))
				env.mode = RECORDER_PEEK;
			else
				return usage_error("--mode is peek or consume, not '%s'", optarg);
			break;
		case 'q':
			env.quiet = true;
			break;
		case 'k':
			env.kvm = true;
			break;
		case 'v':
			env.verbose = true;
			break;
		case 'r': {
			unsigned long long v;
			char *unit;

			errno = 0;
			v = strtoull(optarg, &unit, 0);
			if (*unit == 'K' || *unit == 'k')
				v <<= 10, unit++;
			else if (*unit == 'M' || *unit == 'm')
				v <<= 20, unit++;
			if (errno || unit == optarg || *unit || !v || v > (1ull << 30) || (v & (v - 1)))
				return usage_error("--ring-size needs a power of 2 up to 1G, e.g. 4096, "
						   "64K or 4M, not '%s'",
						   optarg);
			env.ring_size = (size_t)v;
			break;
		}
		case 'h':
			fputs(usage, stdout);
			return HS_EXIT_OK;
		case ':':
			return usage_error("option '%s' needs a value: see 'hypscope record --help'",
					   argv[optind - 1]);
		default:
			return usage_error("unknown option '%s': see 'hypscope record --help'",
					   argv[optind - 1]);
		}
	}
	if (env.kvm) {
		if (env.attach)
			return usage_error("--kvm and --attach record different things: pick one");
		if (optind < argc)
			env.command = argv + optind;
		if (!env.output)
			env.output = "kvm.trace";
		return -1;
	}
	if (env.ring_size || env.verbose)
		return usage_error("--ring-size and --verbose go with --kvm");
	if (optind < argc)
		return usage_error("unexpected argument '%s': see 'hypscope record --help'",
				   argv[optind]);
	if (!env.attach)
		return usage_error("--attach PATH|PID is required: the machine to record");
	if (!env.output)
		return usage_error("-o FILE is required: where to write the trace");
	return -1;
}

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void print_summary(const struct recorder_totals *t, double secs)
{
	unsigned cpu;

	fprintf(stderr, "hypscope record: %" PRIu64 " records, %" PRIu64 " lost, %u CPUs, %.2f s, "
			"%s (%.1f MB):",
		t->records, t->lost, t->nr_cpus, secs, env.output, (double)t->bytes / 1e6);
	for (cpu = 0; cpu < t->nr_cpus; cpu++)
		fprintf(stderr, " cpu%u %" PRIu64 "/%" PRIu64 " lost", cpu, t->cpus[cpu].records,
			t->cpus[cpu].lost);
	fputc('\n', stderr);
	if (t->attached) {
		char hwm[64 + 48 * HYP_MAX_CPUS];

		recorder_hwm_text(t, hwm, sizeof(hwm));
		fprintf(stderr, "hypscope record: %s\n", hwm);
	}
}

/* The exit code for an error code of the recorder. */
static int exit_code_of(int err)
{
	switch (err) {
	case -EINVAL:
	case -EPROTO:
	case -ENODATA:
	case -ENOENT:
	case -EISDIR:
		return HS_EXIT_USAGE;
	default:
		return HS_EXIT_ENV;
	}
}

int cmd_record(int argc, char **argv)
{
	struct recorder_opts opts = { 0 };
	struct recorder_totals t;
	struct recorder *r = NULL;
	struct sigaction sa, old_int, old_term;
	char path[PATH_MAX], err[HS_ERR_LEN];
	bool waiting_said = false;
	struct hs_progress progress;
	char line[96];
	double t0;
	int ret, n;

	ret = parse_args(argc, argv);
	if (ret >= 0)
		return ret;
	if (env.kvm) {
		struct kvm_record_args ka = {
			.output = env.output,
			.duration = env.duration,
			.ring_size = env.ring_size,
			.quiet = env.quiet,
			.verbose = env.verbose,
			.command = env.command,
		};

		return kvm_record(&ka);
	}

	hs_ram_path(env.attach, path, sizeof(path));

	opts.mode = env.mode;
	ret = recorder_open_opts(&r, path, env.output, &opts, err, sizeof(err));
	if (ret)
		return hs_error("record", ret == -EAGAIN ? HS_EXIT_USAGE : exit_code_of(ret), "%s", err);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	stop_signal = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	t0 = hs_now_s();
	hs_progress_begin(&progress, "record");
	for (;;) {
		n = recorder_poll(r);
		if (n < 0)
			break;
		if (env.duration && !env.quiet) {
			recorder_totals(r, &t);
			snprintf(line, sizeof(line), "%.0f/%.0f s, %" PRIu64 " records, %" PRIu64 " lost",
				 hs_now_s() - t0, env.duration, t.records, t.lost);
			hs_progress_text(&progress, line);
		}
		if (!recorder_attached(r) && !waiting_said && !env.quiet) {
			fprintf(stderr, "hypscope record: waiting for the hypervisor to boot\n");
			waiting_said = true;
		}
		if (stop_signal || !recorder_machine_running(r))
			break;
		if (env.duration && hs_now_s() - t0 >= env.duration)
			break;
		if (n == 0) {
			if (recorder_ram_gone(r))
				break;
			nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
		}
	}
	hs_progress_end(&progress);
	ret = recorder_close(r, &t);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (ret) {
		ret = hs_error("record", t.attached && t.records ? HS_EXIT_ENV : exit_code_of(ret),
			       "%s", recorder_error(r));
		goto cleanup;
	}
	if (!env.quiet)
		print_summary(&t, hs_now_s() - t0);
	ret = HS_EXIT_OK;
	if (t.state == HYPSTAT_PANIC || t.state == HYPSTAT_BADCFG) {
		char msg[256];

		recorder_hyp_message(r, msg, sizeof(msg));
		ret = hs_error("record", HS_EXIT_HYP, "the hypervisor %s: %s",
			       t.state == HYPSTAT_PANIC ? "panicked" : "refused its configuration",
			       msg);
	}
cleanup:
	recorder_destroy(r);
	return ret;
}
