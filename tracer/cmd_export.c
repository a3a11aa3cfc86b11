/*
 * hypscope export: convert a trace file for other tools: CTF 1.8 for
 * babeltrace2 and Trace Compass, Chrome trace-event JSON for the Perfetto UI,
 * CSV for spreadsheets and scripts. The converters are in formats/export*.c.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/host/export.h"
#include "tracer/lib/progress.h"
#include "tracer/hypscope.h"
#include "tracer/lib/vmspec.h"

enum export_format {
	FMT_NONE,
	FMT_CTF,
	FMT_CHROME,
	FMT_CSV,
};

static struct env {
	const char *file;
	const char *out;
	enum export_format format;
	const char *since, *until;
	unsigned long vm;
	bool vm_set;
	uint64_t cycle_hz;
	unsigned threads; /* reading the trace: 1 (the default), through a buffer */
	bool quiet;
} env;

static const char usage[] =
	"Usage: hypscope export FILE --format ctf|chrome|csv -o OUT [OPTIONS]\n"
	"\n"
	"Convert a trace file written by 'hypscope run --record' for other tools.\n"
	"\n"
	"  -f, --format FMT     ctf     CTF 1.8 directory for babeltrace2 and Trace\n"
	"                               Compass: metadata and one stream per CPU\n"
	"                       chrome  Chrome trace-event JSON for the Perfetto UI\n"
	"                               (ui.perfetto.dev) and chrome://tracing\n"
	"                       csv     one row per record, with a header row\n"
	"  -o, --output OUT     ctf: a directory that does not exist yet or is empty;\n"
	"                       chrome, csv: a file, '-' for standard output\n"
	"      --vm N           only the records of VM slot N\n"
	"      --since T        only records at or after T, counted from the first\n"
	"                       record of the trace\n"
	"      --until T        only records at or before T\n"
	"                       T: a number with an optional unit s, ms, us or ns\n"
	"                       (default s): 2, 1.5s, 250ms, 40us\n"
	"      --cycle-hz HZ    chrome: PMCCNTR_EL0 rate that turns an exit's cycle\n"
	"                       cost into time when no entry follows it (default\n"
	"                       1000000000, as QEMU counts)\n"
	"  -j, --threads N      read and check the trace's chunks on N threads\n"
	"                       (default 1: the least CPU time; more read ahead or\n"
	"                       check in parallel); the output is the same\n"
	"                       whatever N\n"
	"  -q, --quiet          no summary line\n"
	"  -h, --help           show this help\n"
	"\n"
	"Damaged parts of FILE (bad CRCs, truncation) are skipped: everything intact\n"
	"is exported and each problem is printed as a warning with its file offset.\n"
	"\n"
	"Exit status: 0 exported (possibly with warnings); 2 bad usage, FILE\n"
	"unreadable or with nothing intact in it, or OUT not usable; 4 writing OUT\n"
	"failed.\n"
	"\n"
	"EXAMPLES:\n"
	"  hypscope export demo.trace --format ctf -o demo-ctf && babeltrace2 demo-ctf\n"
	"  hypscope export demo.trace --format chrome -o demo.json  # open in ui.perfetto.dev\n"
	"  hypscope export demo.trace --format csv -o - | head\n"
	"  hypscope export demo.trace -f csv -o vm1.csv --vm 1 --since 2s --until 2.5s\n";

enum {
	OPT_VM = 0x100,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_CYCLE_HZ,
};

static const struct option long_opts[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "vm", required_argument, NULL, OPT_VM },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "cycle-hz", required_argument, NULL, OPT_CYCLE_HZ },
	{ "threads", required_argument, NULL, 'j' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

static const char *const format_names[] = {
	[FMT_CTF] = "ctf",
	[FMT_CHROME] = "chrome",
	[FMT_CSV] = "csv",
};

static int fail(int code, const struct hs_err *e)
{
	return hs_error("export", code, "%s", e->msg);
}

/* "1.5", "1.5s", "250ms", "40us", "100ns" -> nanoseconds. */
static int parse_time(const char *what, const char *s, uint64_t *ns, struct hs_err *e)
{
	static const struct {
		const char *unit;
		double scale;
	} units[] = {
		{ "", 1e9 }, { "s", 1e9 }, { "ms", 1e6 }, { "us", 1e3 }, { "ns", 1 },
	};
	char *end;
	double v;
	size_t i;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !(v >= 0) || isinf(v))
		return hs_errf(e, -EINVAL, "%s '%s' is not a time: use e.g. 2, 1.5s, 250ms, 40us",
			       what, s);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(end, units[i].unit)) {
			v *= units[i].scale;
			if (v >= 1.8e19)
				return hs_errf(e, -ERANGE, "%s '%s' is too far out", what, s);
			*ns = (uint64_t)v;
			return 0;
		}
	}
	return hs_errf(e, -EINVAL, "%s '%s': unknown unit '%s': use s, ms, us or ns", what, s, end);
}

/* Returns -1 to go on, else the exit code (help printed, or a usage error). */
static int parse_args(int argc, char **argv)
{
	struct hs_err e;
	unsigned long n;
	size_t i;
	int opt;

	memset(&env, 0, sizeof(env));
	env.cycle_hz = EXPORT_CYCLE_HZ;
	/*
	 * One thread reads the file through a buffer: more threads cost more
	 * CPU time (a mapping shared at open, or a loader thread handing
	 * chunks over) for about the same wall time on a loaded machine
	 * (docs/performance.md, "export").
	 */
	env.threads = 1;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":f:o:j:qh", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			env.format = FMT_NONE;
			for (i = FMT_CTF; i <= FMT_CSV; i++) {
				if (!strcmp(optarg, format_names[i]))
					env.format = (enum export_format)i;
			}
			if (env.format == FMT_NONE) {
				hs_errf(&e, 0, "unknown format '%s': use ctf, chrome or csv", optarg);
				return fail(HS_EXIT_USAGE, &e);
			}
			break;
		case 'o':
			if (!*optarg) {
				hs_errf(&e, 0, "-o needs a file or directory name");
				return fail(HS_EXIT_USAGE, &e);
			}
			env.out = optarg;
			break;
		case OPT_VM:
			if (hs_parse_uint("--vm", optarg, 0, TRACE_NO_VM - 1, &n, &e))
				return fail(HS_EXIT_USAGE, &e);
			env.vm = n;
			env.vm_set = true;
			break;
		case OPT_SINCE:
			env.since = optarg;
			break;
		case OPT_UNTIL:
			env.until = optarg;
			break;
		case OPT_CYCLE_HZ:
			if (hs_parse_uint("--cycle-hz", optarg, 1, 100000000000ul, &n, &e))
				return fail(HS_EXIT_USAGE, &e);
			env.cycle_hz = n;
			break;
		case 'j':
			if (hs_parse_uint("--threads", optarg, 1, 64, &n, &e))
				return fail(HS_EXIT_USAGE, &e);
			env.threads = (unsigned)n;
			break;
		case 'q':
			env.quiet = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return HS_EXIT_OK;
		case ':':
			hs_errf(&e, 0, "option '%s' needs a value: see 'hypscope export --help'",
				argv[optind - 1]);
			return fail(HS_EXIT_USAGE, &e);
		default:
			hs_errf(&e, 0, "unknown option '%s': see 'hypscope export --help'",
				argv[optind - 1]);
			return fail(HS_EXIT_USAGE, &e);
		}
	}
	if (optind >= argc) {
		hs_errf(&e, 0, "which trace file? usage: hypscope export FILE --format ctf|chrome|csv -o OUT");
		return fail(HS_EXIT_USAGE, &e);
	}
	if (optind + 1 < argc) {
		hs_errf(&e, 0, "unexpected argument '%s': export takes one trace file",
			argv[optind + 1]);
		return fail(HS_EXIT_USAGE, &e);
	}
	env.file = argv[optind];
	if (env.format == FMT_NONE) {
		hs_errf(&e, 0, "--format is missing: use --format ctf, chrome or csv");
		return fail(HS_EXIT_USAGE, &e);
	}
	if (!env.out) {
		hs_errf(&e, 0, "-o OUT is missing: where should the %s export go?",
			format_names[env.format]);
		return fail(HS_EXIT_USAGE, &e);
	}
	if (env.format == FMT_CTF && !strcmp(env.out, "-")) {
		hs_errf(&e, 0, "CTF is a directory: -o - (standard output) works for chrome and csv only");
		return fail(HS_EXIT_USAGE, &e);
	}
	return -1;
}

/* --since and --until, relative to the first record, as counter values. */
static int set_window(struct export_opts *o, const struct tf_reader *r)
{
	uint64_t freq = tf_reader_header(r)->cntfrq, start = export_first_ts(r), ns;
	struct hs_err e;

	if (!freq)
		freq = 1000000000u;
	if (env.since) {
		if (parse_time("--since", env.since, &ns, &e))
			return fail(HS_EXIT_USAGE, &e);
		o->since = start + (uint64_t)((unsigned __int128)ns * freq / 1000000000u);
	}
	if (env.until) {
		if (parse_time("--until", env.until, &ns, &e))
			return fail(HS_EXIT_USAGE, &e);
		o->until = start + (uint64_t)((unsigned __int128)ns * freq / 1000000000u);
	}
	if (o->until < o->since) {
		hs_errf(&e, 0, "--until %s is before --since %s", env.until, env.since);
		return fail(HS_EXIT_USAGE, &e);
	}
	return -1;
}

static void print_problems(const struct tf_reader *r)
{
	size_t i, n = tf_reader_nr_problems(r);
	char damage[2 * TF_MSG_LEN];

	if (tf_reader_summary(r, damage, sizeof(damage)))
		fprintf(stderr, "hypscope: warning: %s: %s\n", env.file, damage);
	for (i = 0; i < n; i++)
		fprintf(stderr, "hypscope: warning: %s: %s\n", env.file, tf_reader_problem(r, i));
}

/*
 * Remove the output export just made, a file or a CTF directory (the
 * metadata and streams it wrote), when the file proved to hold nothing
 * intact only as it was read: as if the check at open had found that.
 */
static void remove_output(void)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (env.format != FMT_CTF) {
		unlink(env.out);
		return;
	}
	d = opendir(env.out);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", env.out, de->d_name) < sizeof(path))
			unlink(path);
	}
	closedir(d);
	rmdir(env.out);
}

int cmd_export(int argc, char **argv)
{
	char err[EXPORT_MSG_LEN];
	struct export_stats st;
	struct hs_progress progress;
	struct tf_reader_stats rs;
	struct export_opts o;
	struct tf_reader *r = NULL;
	bool out_existed;
	unsigned flags;
	int ret, code;

	code = parse_args(argc, argv);
	if (code >= 0)
		return code;
	/*
	 * CSV and CTF read the file once: each chunk is checked when it is
	 * loaded, not at open (docs/performance.md, "export"), with the same
	 * problems, counts and summary in the end. Chrome JSON and a time
	 * window need the first timestamp of the intact chunks before the
	 * first record is written, so they have every chunk checked at open.
	 */
	out_existed = !strcmp(env.out, "-") || access(env.out, F_OK) == 0;
	flags = env.format != FMT_CHROME && !env.since && !env.until ? TF_OPEN_CHECK_ON_LOAD : 0;
	ret = tf_reader_open_flags(&r, env.file, env.threads, flags, err, sizeof(err));
	if (ret)
		return hs_usage_error("export", "%s", err);
	tf_reader_stats(r, &rs);
	if (!tf_reader_nr_chunks(r) && tf_reader_nr_problems(r)) {
		print_problems(r);
		code = hs_usage_error("export", "%s: nothing intact to export", env.file);
		goto cleanup;
	}

	export_opts_init(&o);
	o.source = env.file;
	o.cycle_hz = env.cycle_hz;
	if (env.vm_set)
		o.vm = (uint32_t)env.vm;
	code = set_window(&o, r);
	if (code >= 0)
		goto cleanup;

	hs_progress_reader(&progress, "export", r);
	switch (env.format) {
	case FMT_CTF:
		ret = export_ctf(r, env.out, &o, &st, err, sizeof(err));
		break;
	case FMT_CHROME:
		ret = export_chrome(r, env.out, &o, &st, err, sizeof(err));
		break;
	default:
		ret = export_csv(r, env.out, &o, &st, err, sizeof(err));
		break;
	}
	hs_progress_end(&progress);
	if (ret) {
		/*
		 * A directory or file we may not use is the user's to fix (and
		 * nothing was read yet); a failed write is not.
		 */
		code = (ret == -ENOTEMPTY || ret == -ENOTDIR || ret == -EEXIST || ret == -ENOENT ||
			ret == -EACCES || ret == -EPERM || ret == -EISDIR || ret == -EROFS) ?
			       HS_EXIT_USAGE :
			       HS_EXIT_ENV;
		if (code != HS_EXIT_USAGE)
			print_problems(r);
		hs_error("export", code, "%s", err);
		goto cleanup;
	}
	if (!tf_reader_nr_chunks(r) && tf_reader_nr_problems(r)) {
		/* every chunk was found damaged as it was loaded: undo the output */
		if (!out_existed)
			remove_output();
		print_problems(r);
		code = hs_usage_error("export", "%s: nothing intact to export", env.file);
		goto cleanup;
	}
	print_problems(r);
	if (st.clamped)
		fprintf(stderr, "hypscope: warning: %" PRIu64 " timestamps went back within a CPU and were raised to keep the CTF streams monotonic\n",
			st.clamped);
	if (!env.quiet) {
		fprintf(stderr, "hypscope: exported %" PRIu64 " of %" PRIu64 " records to %s (%s)",
			st.exported, st.records, strcmp(env.out, "-") ? env.out : "standard output",
			format_names[env.format]);
		if (st.lost)
			fprintf(stderr, "; the trace says %" PRIu64 " records were lost", st.lost);
		if (tf_reader_nr_problems(r))
			fprintf(stderr, "; %zu problems in the file", tf_reader_nr_problems(r));
		fputc('\n', stderr);
	}
	code = HS_EXIT_OK;
cleanup:
	tf_reader_close(r);
	return code;
}
