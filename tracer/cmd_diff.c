/*
 * hypscope diff: did NEW get slower than BASE, or exit more often, by more
 * than run-to-run noise?
 *
 * Each trace is one run. Per row (exit class, VM or vCPU) every run gives a
 * few numbers: exits in the run, exits per exit of a work class
 * (--per-exit-of), the median, p99 and mean handling cost. Those numbers are
 * the samples: BASE runs against NEW runs, judged by tracer/lib/verdict.c. The
 * exits inside one run are never samples of their own: they share the run's
 * noise. Counts are per run (a fixed workload) or per unit of work, never per
 * guest second: a guest that ran slower did not exit less.
 *
 * Regression: a row slower (p50 or p99 up) or exiting more (per run, or per
 * unit of work when one is named); improvement the other way with no
 * regression. Exit status 1 only on a regression.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "formats/esr.h"
#include "tracer/lib/analysis.h"
#include "tracer/hypscope.h"
#include "tracer/lib/stats.h"
#include "tracer/lib/verdict.h"

#define DIFF_EXIT_REGRESSION 1
#define MAX_RUNS             VD_MAX_RUNS

enum diff_format { FMT_TEXT, FMT_JSON };
enum diff_metric { METRIC_COST, METRIC_TIME };

/* The per-run statistics of a row. */
enum stat_id { ST_P50, ST_P99, ST_MEAN, ST_COUNT, ST_PER_WORK, NR_STATS };

static const struct {
	const char *name;  /* JSON */
	const char *label; /* text */
	const char *up;    /* what a rise means */
	const char *down;
} stat_info[NR_STATS] = {
	[ST_P50] = { "p50", "p50", "slower", "faster" },
	[ST_P99] = { "p99", "p99", "slower", "faster" },
	[ST_MEAN] = { "mean", "mean", "slower", "faster" },
	[ST_COUNT] = { "exits_per_run", "exits/run", "more frequent", "less frequent" },
	[ST_PER_WORK] = { "exits_per_work", "exits/work", "more frequent", "less frequent" },
};

struct side_files {
	char **paths;
	unsigned nr;
};

static struct env {
	struct side_files side[2]; /* BASE, NEW */
	double threshold;          /* percent */
	double alpha;
	uint64_t min_count;
	enum diff_format format;
	enum hs_by by;
	enum diff_metric metric;
	bool exact;
	bool per_work;
	unsigned work_class;
	const char *junit;
} env;

static const char usage[] =
	"Usage: hypscope diff [OPTIONS] BASE... -- NEW...\n"
	"       hypscope diff [OPTIONS] BASE NEW\n"
	"\n"
	"Compare recorded runs for performance regressions. Each trace file is one\n"
	"run (a directory stands for its *.trace files); record 5 or more runs per\n"
	"side (hypscope bench -n 5). Per exit class (or VM, vCPU) every run gives a\n"
	"few numbers: the median (p50) and p99 handling cost and the exits in the\n"
	"run (or per exit of a work class). Those per-run numbers are compared\n"
	"between BASE runs and NEW runs; the exits within one run are not\n"
	"independent samples and are never treated as such.\n"
	"\n"
	"A row REGRESSED when a statistic moved up by at least the threshold AND its\n"
	"confidence interval lies wholly above zero (every BASE/NEW pair of runs\n"
	"agrees, with 5 runs a side); IMPROVED likewise down. The change is the\n"
	"Hodges-Lehmann estimate, with its distribution-free interval. One run per\n"
	"side shows the changes but cannot tell them from noise: not judged, unless\n"
	"--exact. See hypscope-diff(1) for the statistics in plain words.\n"
	"\n"
	"  -t, --threshold PCT    smallest change that counts, percent (default 5)\n"
	"  -a, --alpha P          1 - the confidence level of the intervals\n"
	"                         (default 0.01: 99 %; needs 5 runs a side)\n"
	"  -m, --metric M         cost: the handler's cycles (default); time: exit\n"
	"                         to the next entry of the vCPU\n"
	"  -w, --per-exit-of CLASS  judge counts per exit of CLASS (the unit of work,\n"
	"                         e.g. HVC64), not per run\n"
	"  -x, --exact            the runs are deterministic (QEMU -icount, hypscope\n"
	"                         bench --exact): equal runs give exact changes, judged\n"
	"                         on the threshold alone; one run per side is enough\n"
	"      --min-count N      judge counts of rows with at least N exits per run,\n"
	"                         latencies of runs with at least N exits (default 20)\n"
	"  -b, --by KEY           class (default), vm or vcpu\n"
	"  -f, --format FMT       text (default) or json\n"
	"  -j, --junit FILE       also write the verdicts as JUnit XML, a test case per\n"
	"                         row (failure: regression; skipped: not judged)\n"
	"  -h, --help             show this help\n"
	"\n"
	"Exit status: 0 no regression the evidence supports; 1 at least one; 2 bad\n"
	"usage or a file that is not a readable trace; 4 out of memory or I/O error.\n"
	"\n"
	"EXAMPLES:\n"
	"  hypscope bench -n 5 -o base -- --vm build/guests/workload.elf\n"
	"  hypscope bench -n 5 -o new  -- --vm build/guests/workload.elf\n"
	"  hypscope diff base -- new\n"
	"  hypscope diff base/*.trace -- new/*.trace --per-exit-of HVC64 --junit diff.xml\n"
	"  hypscope diff --exact a.trace b.trace      # both recorded under -icount\n"
	"  hypscope diff base -- new --by vcpu --format json\n";

enum { OPT_MIN_COUNT = 0x100 };

static const struct option long_opts[] = {
	{ "threshold", required_argument, NULL, 't' },
	{ "alpha", required_argument, NULL, 'a' },
	{ "metric", required_argument, NULL, 'm' },
	{ "per-exit-of", required_argument, NULL, 'w' },
	{ "exact", no_argument, NULL, 'x' },
	{ "min-count", required_argument, NULL, OPT_MIN_COUNT },
	{ "by", required_argument, NULL, 'b' },
	{ "format", required_argument, NULL, 'f' },
	{ "junit", required_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

#define usage_error(...) hs_usage_error("diff", __VA_ARGS__)

/* ------------------------------------------------------------ arguments */

static int add_path(struct side_files *sf, const char *path)
{
	char **p;

	if (sf->nr >= MAX_RUNS)
		return usage_error("at most %u runs per side", MAX_RUNS);
	p = realloc(sf->paths, (sf->nr + 1) * sizeof(*p));
	if (!p)
		return HS_EXIT_ENV;
	sf->paths = p;
	sf->paths[sf->nr] = strdup(path);
	if (!sf->paths[sf->nr])
		return HS_EXIT_ENV;
	sf->nr++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A trace file, or a directory standing for its *.trace files in name order. */
static int add_arg(struct side_files *sf, const char *arg)
{
	struct dirent *de;
	struct stat sb;
	char **names = NULL, **p, buf[4096];
	unsigned nr = 0, i;
	size_t len;
	DIR *d;
	int ret = 0;

	if (stat(arg, &sb) || !S_ISDIR(sb.st_mode))
		return add_path(sf, arg); /* load() says what is wrong with it */
	d = opendir(arg);
	if (!d)
		return usage_error("cannot read the directory %s: %s", arg, strerror(errno));
	while ((de = readdir(d))) {
		len = strlen(de->d_name);
		if (len <= 6 || strcmp(de->d_name + len - 6, ".trace"))
			continue;
		p = realloc(names, (nr + 1) * sizeof(*p));
		if (!p || !(p[nr] = strdup(de->d_name))) {
			names = p ? p : names;
			ret = HS_EXIT_ENV;
			break;
		}
		names = p;
		nr++;
	}
	closedir(d);
	if (!ret && !nr)
		ret = usage_error("%s holds no *.trace files", arg);
	if (!ret)
		qsort(names, nr, sizeof(*names), cmp_str);
	for (i = 0; i < nr; i++) {
		if (!ret) {
			snprintf(buf, sizeof(buf), "%s/%s", arg, names[i]);
			ret = add_path(sf, buf);
		}
		free(names[i]);
	}
	free(names);
	return ret;
}

/* Options of argv[0..argc); the other arguments are files of side sf. */
static int parse_part(int argc, char **argv, struct side_files *sf)
{
	double v;
	int opt, ret;

	optind = 0; /* 0, not 1: glibc starts afresh on a new argv */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":t:a:m:w:xb:f:j:h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			if (!hs_parse_double(optarg, 0, 1e6, &env.threshold))
				return usage_error("--threshold needs a percentage, e.g. 5, not '%s'",
						   optarg);
			break;
		case 'a':
			if (!hs_parse_double(optarg, 1e-6, 0.5, &env.alpha))
				return usage_error("--alpha needs a probability in [1e-6, 0.5], not '%s'",
						   optarg);
			break;
		case 'm':
			if (!strcmp(optarg, "cost"))
				env.metric = METRIC_COST;
			else if (!strcmp(optarg, "time"))
				env.metric = METRIC_TIME;
			else
				return usage_error("--metric is cost or time, not '%s'", optarg);
			break;
		case 'w':
			if (!hs_parse_class(optarg, &env.work_class) || env.work_class >= HS_CLASS_ROWS)
				return usage_error("--per-exit-of needs an exit class (HVC64, DABT_LOW, "
						   "...), not '%s'",
						   optarg);
			env.per_work = true;
			break;
		case 'x':
			env.exact = true;
			break;
		case OPT_MIN_COUNT:
			if (!hs_parse_double(optarg, 1, 1e15, &v) || v != floor(v))
				return usage_error("--min-count needs a whole number of at least 1, "
						   "not '%s'",
						   optarg);
			env.min_count = (uint64_t)v;
			break;
		case 'b':
			if (!strcmp(optarg, "class"))
				env.by = HS_BY_CLASS;
			else if (!strcmp(optarg, "vm"))
				env.by = HS_BY_VM;
			else if (!strcmp(optarg, "vcpu"))
				env.by = HS_BY_VCPU;
			else
				return usage_error("--by is class, vm or vcpu, not '%s'", optarg);
			break;
		case 'f':
			if (!strcmp(optarg, "text"))
				env.format = FMT_TEXT;
			else if (!strcmp(optarg, "json"))
				env.format = FMT_JSON;
			else
				return usage_error("--format is text or json, not '%s'", optarg);
			break;
		case 'j':
			env.junit = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return HS_EXIT_OK;
		case ':':
			return usage_error("option '%s' needs a value: see 'hypscope diff --help'",
					   argv[optind - 1]);
		default:
			return usage_error("unknown option '%s': see 'hypscope diff --help'",
					   argv[optind - 1]);
		}
	}
	for (; optind < argc; optind++) {
		ret = add_arg(sf, argv[optind]);
		if (ret)
			return ret;
	}
	return -1;
}

static int parse_args(int argc, char **argv)
{
	int sep, ret;

	memset(&env, 0, sizeof(env));
	env.threshold = 5;
	env.alpha = 0.01;
	env.min_count = 20;
	for (sep = 1; sep < argc && strcmp(argv[sep], "--"); sep++)
		;
	ret = parse_part(sep, argv, &env.side[0]);
	if (ret >= 0)
		return ret;
	if (sep < argc) {
		/* NEW... after "--", options allowed there too: argv[sep] stands as argv[0] */
		ret = parse_part(argc - sep, argv + sep, &env.side[1]);
		if (ret >= 0)
			return ret;
		if (!env.side[0].nr || !env.side[1].nr)
			return usage_error("give BASE runs before '--' and NEW runs after it: see "
					   "'hypscope diff --help'");
	} else if (env.side[0].nr == 2) {
		/* BASE NEW: one run each */
		env.side[1].paths = malloc(sizeof(char *));
		if (!env.side[1].paths)
			return HS_EXIT_ENV;
		env.side[1].paths[0] = env.side[0].paths[1];
		env.side[1].nr = 1;
		env.side[0].nr = 1;
	} else {
		return usage_error("give BASE... -- NEW... (or two trace files): see 'hypscope diff "
				   "--help'");
	}
	return -1;
}

static void free_args(void)
{
	unsigned s, i;

	for (s = 0; s < 2; s++) {
		for (i = 0; i < env.side[s].nr; i++)
			free(env.side[s].paths[i]);
		free(env.side[s].paths);
	}
}

/* ------------------------------------------------------------ rows */

enum verdict { UNCHANGED, REGRESSION, IMPROVEMENT, NOT_JUDGED };

static const char *const verdict_names[] = { "unchanged", "regression", "improvement",
					     "not judged" };

struct row {
	uint64_t key;  /* class; or vm << 32 | vcpu */
	char name[96];
	double *vals[2]; /* [side][run * NR_STATS + stat] */
	struct vd_result res[NR_STATS];
	bool judged[NR_STATS];
	enum verdict verdict;
	char why[256];
};

struct table {
	struct row *rows;
	unsigned nr;
	unsigned runs[2];
	double work[2][MAX_RUNS]; /* exits of the work class per run */
	bool weak_runs;           /* a side has too few runs for the level */
};

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

static struct row *find_row(struct table *t, uint64_t key)
{
	struct row *r;
	unsigned s, i;

	for (i = 0; i < t->nr; i++)
		if (t->rows[i].key == key)
			return &t->rows[i];
	r = realloc(t->rows, (t->nr + 1) * sizeof(*r));
	if (!r)
		return NULL;
	t->rows = r;
	r = &t->rows[t->nr];
	memset(r, 0, sizeof(*r));
	r->key = key;
	for (s = 0; s < 2; s++) {
		r->vals[s] = malloc((size_t)env.side[s].nr * NR_STATS * sizeof(double));
		if (!r->vals[s]) {
			free(r->vals[0]);
			return NULL;
		}
		/* a run without the row: no exits, no latency */
		for (i = 0; i < env.side[s].nr * NR_STATS; i++)
			r->vals[s][i] = (i % NR_STATS == ST_COUNT || i % NR_STATS == ST_PER_WORK) ?
						0 :
						NAN;
	}
	t->nr++;
	return r;
}

static const struct hs_hist *metric_of(const struct hs_row *r)
{
	return env.metric == METRIC_COST ? &r->cost : &r->time;
}

static void row_name(struct row *r, const struct hs_stats *s, const struct hs_ref *ref)
{
	char label[64];

	if (r->name[0])
		return;
	if (env.by == HS_BY_CLASS) {
		snprintf(r->name, sizeof(r->name), "%s",
			 ref->cls == HS_CLASS_BAD ? "INVALID" : exit_class_name(ref->cls));
		return;
	}
	hs_vm_label(s, ref->vm, label, sizeof(label));
	if (env.by == HS_BY_VM)
		snprintf(r->name, sizeof(r->name), "%s", label);
	else
		snprintf(r->name, sizeof(r->name), "%s/vcpu%u", label, ref->vcpu);
}

/* One run's numbers into the table. */
static int add_run(struct table *t, unsigned side, unsigned run, const struct hs_stats *s)
{
	struct hs_ref *refs;
	double work = env.per_work ? (double)s->classes[env.work_class].count : NAN;
	int nr, i;

	t->work[side][run] = work;
	nr = hs_stats_rows(s, env.by, HS_SORT_NAME, &refs);
	if (nr < 0)
		return nr;
	for (i = 0; i < nr; i++) {
		const struct hs_ref *ref = &refs[i];
		const struct hs_hist *h = metric_of(ref->row);
		uint64_t key;
		struct row *r;
		double *v;

		if (ref->other)
			continue;
		key = env.by == HS_BY_CLASS ? ref->cls :
		      env.by == HS_BY_VM    ? (uint64_t)ref->vm << 32 :
					      (uint64_t)ref->vm << 32 | ref->vcpu;
		r = find_row(t, key);
		if (!r) {
			free(refs);
			return -ENOMEM;
		}
		row_name(r, s, ref);
		v = &r->vals[side][run * NR_STATS];
		v[ST_COUNT] = (double)ref->row->count;
		v[ST_PER_WORK] = work > 0 ? (double)ref->row->count / work : NAN;
		if (h->count >= env.min_count) {
			v[ST_P50] = (double)hs_hist_quantile(h, 0.5);
			v[ST_P99] = (double)hs_hist_quantile(h, 0.99);
			v[ST_MEAN] = hs_hist_mean(h);
		}
	}
	free(refs);
	/* rows of earlier runs that this run lacks keep their "no exits" values */
	return 0;
}

static int load(const char *path, struct hs_stats **s)
{
	struct hs_stats_opts o = { .groups = env.by == HS_BY_VM ? HS_GROUP_VM : 0 };
	struct hs_trace_info info;
	struct hs_err e;
	int ret;

	*s = hs_stats_new(&o);
	if (!*s)
		return hs_error("diff", HS_EXIT_ENV, "out of memory");
	ret = hs_load_trace(path, *s, &info, &e);
	if (ret)
		return hs_error("diff", hs_read_exit(ret), "%s", e.msg);
	if (info.damage[0])
		fprintf(stderr, "hypscope diff: %s: %s\n", path, info.damage);
	if (info.nr_problems)
		fprintf(stderr, "hypscope diff: %s: %" PRIu64 " problems, first: %s\n", path,
			info.nr_problems, info.first_problem);
	if ((*s)->lost)
		fprintf(stderr, "hypscope diff: %s lost %" PRIu64 " records: its counts are low\n",
			path, (*s)->lost);
	if (!(*s)->total.count)
		return hs_error("diff", HS_EXIT_USAGE, "%s holds no exits: nothing to compare", path);
	return 0;
}

/* ------------------------------------------------------------ judging */

static void append(char *buf, size_t len, const char *fmt, const char *what, double d, double lo,
		   double hi)
{
	size_t n = strlen(buf);

	if (n >= len)
		return;
	if (isnan(lo))
		snprintf(buf + n, len - n, fmt, n ? ", " : "", what, d);
	else
		snprintf(buf + n, len - n, "%s%s %+.1f%% [%+.1f%%, %+.1f%%]", n ? ", " : "", what, d,
			 lo, hi);
}

static void judge_row(struct table *t, struct row *r)
{
	struct vd_opts o = { .threshold_pct = env.threshold, .alpha = env.alpha,
			     .exact = env.exact };
	double b[MAX_RUNS], n[MAX_RUNS];
	bool up = false, down = false, weak = false, judged_any = false;
	unsigned st, i;
	char what[48];

	for (st = 0; st < NR_STATS; st++) {
		for (i = 0; i < t->runs[0]; i++)
			b[i] = r->vals[0][i * NR_STATS + st];
		for (i = 0; i < t->runs[1]; i++)
			n[i] = r->vals[1][i * NR_STATS + st];
		vd_compare(b, t->runs[0], n, t->runs[1], &o, &r->res[st]);
	}
	/* What is judged: p50 and p99; the mean when exact; counts per run or per work. */
	r->judged[ST_P50] = r->judged[ST_P99] = true;
	r->judged[ST_MEAN] = env.exact;
	r->judged[ST_COUNT] = !env.per_work;
	r->judged[ST_PER_WORK] = env.per_work && !(env.by == HS_BY_CLASS && r->key == env.work_class);
	/* too few exits per run for counts to mean much */
	if (fmax(r->res[ST_COUNT].base_mid, r->res[ST_COUNT].new_mid) < (double)env.min_count)
		r->judged[ST_COUNT] = r->judged[ST_PER_WORK] = false;

	r->why[0] = '\0';
	for (st = 0; st < NR_STATS; st++) {
		const struct vd_result *v = &r->res[st];

		if (!r->judged[st] || v->call == VD_NO_DATA)
			continue;
		judged_any = true;
		weak |= v->call == VD_WEAK;
		if (v->call == VD_UP)
			up = true;
	}
	for (st = 0; st < NR_STATS; st++) {
		const struct vd_result *v = &r->res[st];

		if (!r->judged[st] || (v->call != VD_UP && v->call != VD_DOWN))
			continue;
		if (v->call == VD_DOWN && up)
			continue; /* an improvement beside a regression is not worth a word */
		down |= v->call == VD_DOWN;
		snprintf(what, sizeof(what), "%s (%s)",
			 v->call == VD_UP ? stat_info[st].up : stat_info[st].down,
			 stat_info[st].label);
		append(r->why, sizeof(r->why), "%s%s %+.1f%%", what, v->change_pct,
		       v->exact ? NAN : v->lo_pct, v->hi_pct);
	}
	if (up)
		r->verdict = REGRESSION;
	else if (down)
		r->verdict = IMPROVEMENT;
	else if (!judged_any || weak)
		r->verdict = NOT_JUDGED;
	else
		r->verdict = UNCHANGED;
	if (r->verdict == NOT_JUDGED)
		snprintf(r->why, sizeof(r->why), "%s",
			 !judged_any ? "too few exits" :
			 t->runs[0] == 1 || t->runs[1] == 1 ?
				       "one run per side: noise unknown" :
				       "too few runs for the confidence level");
}

/* ------------------------------------------------------------ output */

static const char *num_str(double d, char *buf, size_t len)
{
	if (isnan(d))
		snprintf(buf, len, "-");
	else if (d >= 1e6)
		snprintf(buf, len, "%.4g", d);
	else if (d == floor(d))
		snprintf(buf, len, "%.0f", d);
	else if (d >= 100)
		snprintf(buf, len, "%.1f", d);
	else
		snprintf(buf, len, "%.3g", d);
	return buf;
}

static const char *pct_str(double d, char *buf, size_t len)
{
	if (isnan(d))
		snprintf(buf, len, "-");
	else if (isinf(d))
		snprintf(buf, len, d > 0 ? "new" : "gone");
	else
		snprintf(buf, len, "%+.1f%%", d);
	return buf;
}

static const char *interval_str(const struct vd_result *v, char *buf, size_t len)
{
	char a[16], b[16];

	if (v->exact)
		snprintf(buf, len, "exact");
	else if (isnan(v->lo_pct))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "[%s, %s]", pct_str(v->lo_pct, a, sizeof(a)),
			 pct_str(v->hi_pct, b, sizeof(b)));
	return buf;
}

static const char *unit(void)
{
	return env.metric == METRIC_COST ? "cycles" : "ns";
}

static double level_of(const struct table *t)
{
	unsigned i, st;

	for (i = 0; i < t->nr; i++)
		for (st = 0; st < NR_STATS; st++)
			if (t->rows[i].res[st].level > 0 && !t->rows[i].res[st].exact)
				return t->rows[i].res[st].level;
	return 0;
}

static void print_header(const struct table *t)
{
	double level = level_of(t);

	printf("hypscope diff: %u BASE run%s -> %u NEW run%s, by %s\n", t->runs[0],
	       t->runs[0] == 1 ? "" : "s", t->runs[1], t->runs[1] == 1 ? "" : "s",
	       env.by == HS_BY_CLASS ? "exit class" : env.by == HS_BY_VM ? "VM" : "vCPU");
	printf("  latency: %s (%s), the median and p99 of each run; counts: exits per %s%s\n",
	       env.metric == METRIC_COST ? "handling cost" : "exit to next entry", unit(),
	       env.per_work ? "exit of " : "run", env.per_work ? exit_class_name(env.work_class) : "");
	printf("  a change counts at %g%% or more", env.threshold);
	if (level > 0)
		printf(" with its %.1f%% interval clear of zero", 100 * level);
	printf("%s\n", env.exact ? "; exact mode: runs that agree exactly need no interval" : "");
	if (!env.exact && (t->runs[0] == 1 || t->runs[1] == 1))
		printf("  ONE RUN PER SIDE: run-to-run noise cannot be measured, so no change can be\n"
		       "  told from it; the changes are shown, not judged. Record 5 or more runs a\n"
		       "  side (hypscope bench -n 5), or deterministic runs (bench --exact, diff --exact).\n");
	else if (t->weak_runs)
		printf("  TOO FEW RUNS for %.0f%% intervals: %u and %u runs; 5 a side are needed at\n"
		       "  alpha 0.01 (4 at 0.05)\n",
		       100 * (1 - env.alpha), t->runs[0], t->runs[1]);
	putchar('\n');
}

static void print_text(const struct table *t, const unsigned counts[4])
{
	char bs[24], ns[24], cs[16], is[40], ps[16];
	unsigned i, st, w = 5;
	bool first;

	print_header(t);
	for (i = 0; i < t->nr; i++)
		if (strlen(t->rows[i].name) > w)
			w = (unsigned)strlen(t->rows[i].name);
	printf("%-*s %-10s %10s %10s %8s %-20s %7s  %s\n", (int)w,
	       env.by == HS_BY_CLASS ? "CLASS" : env.by == HS_BY_VM ? "VM" : "VCPU", "STAT", "BASE",
	       "NEW", "CHANGE", "INTERVAL", "p", "VERDICT");
	for (i = 0; i < t->nr; i++) {
		const struct row *r = &t->rows[i];

		first = true;
		for (st = 0; st < NR_STATS; st++) {
			const struct vd_result *v = &r->res[st];

			if (st == ST_PER_WORK && !env.per_work)
				continue;
			if (st == ST_MEAN && !env.exact)
				continue;
			if (v->call == VD_NO_DATA && st != ST_COUNT)
				continue;
			printf("%-*s %-10s %10s %10s %8s %-20s %7s", (int)w, first ? r->name : "",
			       stat_info[st].label, num_str(v->base_mid, bs, sizeof(bs)),
			       num_str(v->new_mid, ns, sizeof(ns)),
			       pct_str(v->change_pct, cs, sizeof(cs)),
			       interval_str(v, is, sizeof(is)),
			       v->exact || v->call == VD_WEAK || v->call == VD_NO_DATA ?
				       "-" :
				       (snprintf(ps, sizeof(ps), "%.2g", v->p), ps));
			if (first) {
				printf("  %s", r->verdict == REGRESSION ? "REGRESSION" :
					       r->verdict == IMPROVEMENT ? "improvement" :
									   verdict_names[r->verdict]);
				if (r->why[0])
					printf(" (%s)", r->why);
			} else if (!r->judged[st]) {
				fputs("  (shown, not judged)", stdout);
			}
			putchar('\n');
			first = false;
		}
	}
	printf("\n%u regressions, %u improvements, %u unchanged, %u not judged\n",
	       counts[REGRESSION], counts[IMPROVEMENT], counts[UNCHANGED], counts[NOT_JUDGED]);
}

static void json_num(const char *name, double d, bool comma)
{
	if (isinf(d) || isnan(d))
		printf("\"%s\": null", name);
	else
		printf("\"%s\": %.9g", name, d);
	if (comma)
		fputs(", ", stdout);
}

static void json_runs(const char *name, const double *vals, unsigned runs, unsigned st)
{
	unsigned i;

	printf("\"%s\": [", name);
	for (i = 0; i < runs; i++) {
		double d = vals[i * NR_STATS + st];

		if (isnan(d))
			printf("%snull", i ? ", " : "");
		else
			printf("%s%.9g", i ? ", " : "", d);
	}
	fputs("], ", stdout);
}

static void json_files(const char *name, const struct side_files *sf)
{
	unsigned i;

	printf("  \"%s\": [", name);
	for (i = 0; i < sf->nr; i++) {
		printf("%s\"", i ? ", " : "");
		hs_json_str(stdout, sf->paths[i]);
		putchar('"');
	}
	fputs("],\n", stdout);
}

static const char *const call_names[] = { "same", "up", "down", "weak", "no data" };

static void print_json(const struct table *t, const unsigned counts[4])
{
	unsigned i, st;

	fputs("{\n", stdout);
	json_files("base", &env.side[0]);
	json_files("new", &env.side[1]);
	printf("  \"by\": \"%s\",\n  \"metric\": \"%s\",\n  \"unit\": \"%s\",\n"
	       "  \"per_exit_of\": %s%s%s,\n  \"exact\": %s,\n"
	       "  \"threshold_pct\": %g,\n  \"alpha\": %g,\n  \"min_count\": %" PRIu64 ",\n"
	       "  \"method\": \"per-run statistics; Hodges-Lehmann shift on log scale, "
	       "distribution-free interval, exact Mann-Whitney\",\n  \"rows\": [",
	       env.by == HS_BY_CLASS ? "class" : env.by == HS_BY_VM ? "vm" : "vcpu",
	       env.metric == METRIC_COST ? "cost" : "time", unit(), env.per_work ? "\"" : "",
	       env.per_work ? exit_class_name(env.work_class) : "null", env.per_work ? "\"" : "",
	       env.exact ? "true" : "false", env.threshold, env.alpha, env.min_count);
	for (i = 0; i < t->nr; i++) {
		const struct row *r = &t->rows[i];

		printf("%s\n    {\"name\": \"", i ? "," : "");
		hs_json_str(stdout, r->name);
		printf("\", \"verdict\": \"%s\", \"why\": \"", verdict_names[r->verdict]);
		hs_json_str(stdout, r->why);
		fputs("\", \"stats\": {", stdout);
		for (st = 0; st < NR_STATS; st++) {
			const struct vd_result *v = &r->res[st];

			printf("%s\n      \"%s\": {", st ? "," : "", stat_info[st].name);
			json_runs("base_runs", r->vals[0], t->runs[0], st);
			json_runs("new_runs", r->vals[1], t->runs[1], st);
			json_num("base", v->base_mid, true);
			json_num("new", v->new_mid, true);
			json_num("change_pct", v->change_pct, true);
			json_num("ci_low_pct", v->lo_pct, true);
			json_num("ci_high_pct", v->hi_pct, true);
			json_num("ci_level", v->level, true);
			json_num("p", v->p, true);
			printf("\"exact\": %s, \"judged\": %s, \"call\": \"%s\"}",
			       v->exact ? "true" : "false", r->judged[st] ? "true" : "false",
			       call_names[v->call]);
		}
		fputs("}}", stdout);
	}
	printf("%s],\n  \"regressions\": %u,\n  \"improvements\": %u,\n  \"unchanged\": %u,\n"
	       "  \"not_judged\": %u\n}\n",
	       t->nr ? "\n  " : "", counts[REGRESSION], counts[IMPROVEMENT], counts[UNCHANGED],
	       counts[NOT_JUDGED]);
}

static void xml_str(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, f);
		}
	}
}

static int write_junit(const struct table *t, const unsigned counts[4])
{
	FILE *f = fopen(env.junit, "w");
	const char *by = env.by == HS_BY_CLASS ? "class" : env.by == HS_BY_VM ? "vm" : "vcpu";
	char bs[24], ns[24], cs[16];
	unsigned i, st;
	int ret = 0;

	if (!f)
		return hs_error("diff", HS_EXIT_ENV, "cannot write %s: %s", env.junit, strerror(errno));
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<testsuites>\n<testsuite name=\"hypscope diff\" tests=\"%u\" failures=\"%u\" "
		   "errors=\"0\" skipped=\"%u\">\n",
		t->nr, counts[REGRESSION], counts[NOT_JUDGED]);
	for (i = 0; i < t->nr; i++) {
		const struct row *r = &t->rows[i];

		fprintf(f, "  <testcase classname=\"hypscope.diff.%s\" name=\"", by);
		xml_str(f, r->name);
		fputs("\">\n", f);
		if (r->verdict == REGRESSION) {
			fputs("    <failure type=\"regression\" message=\"", f);
			xml_str(f, r->why);
			fputs("\">", f);
			for (st = 0; st < NR_STATS; st++) {
				const struct vd_result *v = &r->res[st];

				if (!r->judged[st] || v->call == VD_NO_DATA)
					continue;
				fprintf(f, "%s: base %s, new %s, %s\n", stat_info[st].label,
					num_str(v->base_mid, bs, sizeof(bs)),
					num_str(v->new_mid, ns, sizeof(ns)),
					pct_str(v->change_pct, cs, sizeof(cs)));
			}
			fputs("</failure>\n", f);
		} else if (r->verdict == NOT_JUDGED) {
			fputs("    <skipped message=\"", f);
			xml_str(f, r->why);
			fputs("\"/>\n", f);
		} else if (r->why[0]) {
			fputs("    <system-out>", f);
			xml_str(f, r->why);
			fputs("</system-out>\n", f);
		}
		fputs("  </testcase>\n", f);
	}
	fputs("</testsuite>\n</testsuites>\n", f);
	if (ferror(f))
		ret = HS_EXIT_ENV;
	if (fclose(f))
		ret = HS_EXIT_ENV;
	if (ret)
		hs_error("diff", ret, "cannot write %s: %s", env.junit, strerror(errno));
	return ret;
}

/* ------------------------------------------------------------ command */

static void free_table(struct table *t)
{
	unsigned i;

	for (i = 0; i < t->nr; i++) {
		free(t->rows[i].vals[0]);
		free(t->rows[i].vals[1]);
	}
	free(t->rows);
}

int cmd_diff(int argc, char **argv)
{
	struct table t = { 0 };
	struct hs_stats *s = NULL;
	unsigned counts[4] = { 0 }, side, i;
	int ret;

	ret = parse_args(argc, argv);
	if (ret >= 0)
		goto cleanup;
	ret = 0;
	for (side = 0; side < 2 && !ret; side++) {
		t.runs[side] = env.side[side].nr;
		for (i = 0; i < env.side[side].nr && !ret; i++) {
			ret = load(env.side[side].paths[i], &s);
			if (!ret && add_run(&t, side, i, s) < 0)
				ret = hs_error("diff", HS_EXIT_ENV, "out of memory");
			if (!ret && env.per_work && !t.work[side][i])
				ret = hs_usage_error("diff",
						     "%s has no %s exits: --per-exit-of needs the "
						     "unit of work in every run",
						     env.side[side].paths[i],
						     exit_class_name(env.work_class));
			hs_stats_destroy(s);
			s = NULL;
		}
	}
	if (ret)
		goto cleanup;
	qsort(t.rows, t.nr, sizeof(*t.rows), row_cmp);
	for (i = 0; i < t.nr; i++) {
		judge_row(&t, &t.rows[i]);
		counts[t.rows[i].verdict]++;
		for (side = 0; side < NR_STATS; side++)
			t.weak_runs |= t.rows[i].judged[side] && t.rows[i].res[side].call == VD_WEAK;
	}
	if (env.format == FMT_JSON)
		print_json(&t, counts);
	else
		print_text(&t, counts);
	ret = counts[REGRESSION] ? DIFF_EXIT_REGRESSION : HS_EXIT_OK;
	if (env.junit && write_junit(&t, counts))
		ret = HS_EXIT_ENV;
	if (fflush(stdout) || ferror(stdout))
		ret = hs_error("diff", HS_EXIT_ENV, "cannot write: %s", strerror(errno));
cleanup:
	free_table(&t);
	free_args();
	return ret;
}
