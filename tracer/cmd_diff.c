/*
 * hypscope diff: did NEW get slower than BASE, or exit more often?
 *
 * Per exit class (or VM): the rate and the latency distribution (p50, p99,
 * mean) of BASE and NEW. The rate is exits per second the vCPUs ran in the
 * guest by default: it does not move when only the hypervisor gets faster or
 * slower, where exits per second of trace would (a fixed amount of guest work
 * done sooner is more exits per second). A change counts when it passes the
 * threshold AND is significant:
 *
 *  latency  Mann-Whitney U on every exit's latency, computed on the
 *           log-bucketed histograms (tracer/stats.h): values within one
 *           bucket (1/32 of its value) count as ties, the variance has the
 *           tie correction, two-sided normal approximation. Slower means p50
 *           or mean up by more than the threshold, with P(new > base) > 1/2.
 *  rate     the two counts as Poisson processes over the two exposures
 *           (guest time, trace span, or one run each): given their sum, NEW's
 *           count is binomial with p = t_new / (t_base + t_new); two-sided
 *           normal approximation.
 *
 * Regression: slower or more frequent; improvement: faster or less frequent
 * with no regression; else unchanged. Exit status 1 when any row regressed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/esr.h"
#include "tracer/analysis.h"
#include "tracer/hypscope.h"
#include "tracer/stats.h"

#define DIFF_EXIT_REGRESSION 1

enum diff_format { FMT_TEXT, FMT_JSON };
enum diff_metric { METRIC_COST, METRIC_TIME };
enum diff_rate { RATE_GUEST, RATE_WALL, RATE_COUNT };

static const char *const rate_names[] = { "guest", "wall", "count" };

static struct env {
	const char *base, *new;
	double threshold; /* percent */
	double alpha;
	uint64_t min_count;
	enum diff_format format;
	enum hs_by by;
	enum diff_metric metric;
	enum diff_rate rate;
} env;

static const char usage[] =
	"Usage: hypscope diff BASE NEW [OPTIONS]\n"
	"\n"
	"Compare two trace files for performance regressions. Per exit class (or\n"
	"VM): the exit rate, and the latency distribution (p50, p99, mean). A row\n"
	"REGRESSED when NEW is slower (p50 or mean up) or exits more often, by more\n"
	"than the threshold AND significantly; IMPROVED likewise the other way;\n"
	"otherwise it is unchanged.\n"
	"\n"
	"Significance: a Mann-Whitney U test on every exit's latency (computed on\n"
	"the histograms: values within 3% count as ties) and, for the rate, a test of\n"
	"two Poisson counts over the two exposures; both two-sided, at level --alpha.\n"
	"\n"
	"  -t, --threshold PCT  smallest change that counts, in percent (default 10)\n"
	"  -a, --alpha P        significance level (default 0.01)\n"
	"  -m, --metric M       cost: the handler's cycles (default); time: exit to\n"
	"                       the next entry of the vCPU\n"
	"  -r, --rate R         guest: exits per second the vCPUs ran in the guest\n"
	"                       (default; unmoved by a faster or slower hypervisor);\n"
	"                       wall: per second of trace; count: exits per run (for\n"
	"                       benchmarks that do a fixed amount of work)\n"
	"      --min-count N    judge latency with at least N exits on each side, a\n"
	"                       row at all with N on both together (default 20)\n"
	"  -b, --by KEY         class (default) or vm\n"
	"  -f, --format FMT     text (default) or json\n"
	"  -h, --help           show this help\n"
	"\n"
	"Exit status: 0 no regression; 1 at least one regression; 2 bad usage or a\n"
	"file that is not a readable trace; 4 out of memory or I/O error.\n"
	"\n"
	"EXAMPLES:\n"
	"  hypscope diff before.trace after.trace\n"
	"  hypscope diff before.trace after.trace --threshold 5 --metric time\n"
	"  hypscope diff fixed-work-a.trace fixed-work-b.trace --rate count\n"
	"  hypscope diff before.trace after.trace --by vm --format json\n"
	"  hypscope diff a.trace b.trace || echo \"exits got slower or more frequent\"\n";

enum { OPT_MIN_COUNT = 0x100 };

static const struct option long_opts[] = {
	{ "threshold", required_argument, NULL, 't' },
	{ "alpha", required_argument, NULL, 'a' },
	{ "metric", required_argument, NULL, 'm' },
	{ "rate", required_argument, NULL, 'r' },
	{ "min-count", required_argument, NULL, OPT_MIN_COUNT },
	{ "by", required_argument, NULL, 'b' },
	{ "format", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

#define usage_error(...) hs_usage_error("diff", __VA_ARGS__)


static int parse_args(int argc, char **argv)
{
	double v;
	int opt;

	memset(&env, 0, sizeof(env));
	env.threshold = 10;
	env.alpha = 0.01;
	env.min_count = 20;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":t:a:m:r:b:f:h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			if (!hs_parse_double(optarg, 0, 1e6, &env.threshold))
				return usage_error("--threshold needs a percentage, e.g. 10, not '%s'",
						   optarg);
			break;
		case 'a':
			if (!hs_parse_double(optarg, 1e-300, 0.5, &env.alpha))
				return usage_error("--alpha needs a probability in (0, 0.5], not '%s'",
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
		case 'r':
			if (!strcmp(optarg, "guest"))
				env.rate = RATE_GUEST;
			else if (!strcmp(optarg, "wall"))
				env.rate = RATE_WALL;
			else if (!strcmp(optarg, "count"))
				env.rate = RATE_COUNT;
			else
				return usage_error("--rate is guest, wall or count, not '%s'", optarg);
			break;
		case OPT_MIN_COUNT:
			if (!hs_parse_double(optarg, 2, 1e15, &v) || v != floor(v))
				return usage_error("--min-count needs a whole number of at least 2, "
						   "not '%s'",
						   optarg);
			env.min_count = (uint64_t)v;
			break;
		case 'b':
			if (!strcmp(optarg, "class"))
				env.by = HS_BY_CLASS;
			else if (!strcmp(optarg, "vm"))
				env.by = HS_BY_VM;
			else
				return usage_error("--by is class or vm, not '%s'", optarg);
			break;
		case 'f':
			if (!strcmp(optarg, "text"))
				env.format = FMT_TEXT;
			else if (!strcmp(optarg, "json"))
				env.format = FMT_JSON;
			else
				return usage_error("--format is text or json, not '%s'", optarg);
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
	if (argc - optind != 2)
		return usage_error("give two trace files, BASE and NEW: see 'hypscope diff --help'");
	env.base = argv[optind];
	env.new = argv[optind + 1];
	return -1;
}

/* ------------------------------------------------------------ comparing */

enum verdict { UNCHANGED, REGRESSION, IMPROVEMENT, NOT_JUDGED };

static const char *const verdict_names[] = { "unchanged", "regression", "improvement",
					     "not judged" };

/* One side of a row. */
struct side {
	uint64_t count;
	double rate;
	uint64_t p50, p99;
	double mean;
	uint64_t samples;
};

struct cmp {
	char name[96];
	uint32_t key; /* class or VM */
	struct side base, new;
	double d_rate, d_p50, d_p99, d_mean; /* percent; +-INFINITY for new or gone */
	double p_lat, p_rate, prob_greater;
	bool slower, faster, more, fewer;
	enum verdict verdict;
};

static const struct hs_hist *metric_of(const struct hs_row *r)
{
	return env.metric == METRIC_COST ? &r->cost : &r->time;
}

static void fill_side(struct side *sd, const struct hs_row *r, double span)
{
	const struct hs_hist *h;

	memset(sd, 0, sizeof(*sd));
	if (!r)
		return;
	h = metric_of(r);
	sd->count = r->count;
	sd->rate = span > 0 ? (double)r->count / span : 0;
	sd->samples = h->count;
	sd->p50 = hs_hist_quantile(h, 0.5);
	sd->p99 = hs_hist_quantile(h, 0.99);
	sd->mean = hs_hist_mean(h);
}

static double change(double base, double new)
{
	if (base == 0)
		return new == 0 ? 0 : INFINITY;
	return 100.0 * (new / base - 1.0);
}

/* Two Poisson counts over spans tb and tn: two-sided p of "the rates are equal". */
static double rate_p(uint64_t cb, double tb, uint64_t cn, double tn)
{
	double n = (double)cb + (double)cn, p, sd, z;

	if (n == 0 || tb <= 0 || tn <= 0)
		return 1.0;
	p = tn / (tb + tn);
	sd = sqrt(n * p * (1 - p));
	if (sd == 0)
		return 1.0;
	/* continuity correction: the counts are whole numbers */
	z = (fabs((double)cn - n * p) - 0.5) / sd;
	if (z < 0)
		z = 0;
	return erfc(z / sqrt(2.0));
}

static void judge(struct cmp *c, const struct hs_row *rb, const struct hs_row *rn, double sb,
		  double sn)
{
	static const struct hs_row empty;
	struct hs_mwu m;
	double thr = env.threshold;

	fill_side(&c->base, rb, sb);
	fill_side(&c->new, rn, sn);
	c->d_rate = change(c->base.rate, c->new.rate);
	c->d_p50 = change((double)c->base.p50, (double)c->new.p50);
	c->d_p99 = change((double)c->base.p99, (double)c->new.p99);
	c->d_mean = change(c->base.mean, c->new.mean);
	c->p_rate = rate_p(c->base.count, sb, c->new.count, sn);
	hs_hist_mann_whitney(metric_of(rb ? rb : &empty), metric_of(rn ? rn : &empty), &m);
	c->p_lat = m.p;
	c->prob_greater = m.prob_greater;

	c->more = c->d_rate > thr && c->p_rate < env.alpha;
	c->fewer = c->d_rate < -thr && c->p_rate < env.alpha;
	if (c->base.samples >= env.min_count && c->new.samples >= env.min_count) {
		c->slower = (c->d_p50 > thr || c->d_mean > thr) && m.p < env.alpha &&
			    m.prob_greater > 0.5;
		c->faster = (c->d_p50 < -thr || c->d_mean < -thr) && m.p < env.alpha &&
			    m.prob_greater < 0.5;
	}
	/* a class that appears or vanishes is judged on its rate alone */
	if (c->base.count + c->new.count < env.min_count)
		c->verdict = NOT_JUDGED;
	else if (c->slower || c->more)
		c->verdict = REGRESSION;
	else if (c->faster || c->fewer)
		c->verdict = IMPROVEMENT;
	else if (c->base.count < env.min_count || c->new.count < env.min_count)
		c->verdict = c->base.count && c->new.count ? NOT_JUDGED : UNCHANGED;
	else
		c->verdict = UNCHANGED;
}

static const struct hs_row *vm_row(const struct hs_stats *s, uint32_t vm)
{
	uint32_t i;

	for (i = 0; i < s->vms.nr; i++)
		if (s->vms.rows[i].key.b == vm && s->vms.rows[i].row.count)
			return &s->vms.rows[i].row;
	return NULL;
}

/*
 * What a row's count is divided by: seconds in the guest (of the VM, for a
 * VM row present on that side), seconds of trace, or one run.
 */
static double exposure(const struct hs_stats *s, const struct hs_row *vm)
{
	switch (env.rate) {
	case RATE_GUEST:
		return vm && vm->guest_ns ? (double)vm->guest_ns / 1e9 : hs_stats_guest_s(s);
	case RATE_WALL:
		return hs_stats_span_s(s);
	default:
		return 1.0;
	}
}

/* The rows of both traces, matched by key. Returns how many, or -ENOMEM. */
static int compare(const struct hs_stats *b, const struct hs_stats *n, struct cmp **out)
{
	double sb = exposure(b, NULL), sn = exposure(n, NULL);
	const struct hs_row *rb, *rn;
	struct cmp *v;
	uint32_t keys[2 * HS_MAX_VM_NAMES + HS_CLASS_ROWS], nk = 0, i, j;
	char label[64];

	if (env.by == HS_BY_CLASS) {
		for (i = 0; i < HS_CLASS_ROWS; i++)
			if (b->classes[i].count || n->classes[i].count)
				keys[nk++] = i;
	} else {
		for (i = 0; i < b->vms.nr; i++)
			keys[nk++] = b->vms.rows[i].key.b;
		for (i = 0; i < n->vms.nr; i++) {
			for (j = 0; j < b->vms.nr; j++)
				if (b->vms.rows[j].key.b == n->vms.rows[i].key.b)
					break;
			if (j == b->vms.nr)
				keys[nk++] = n->vms.rows[i].key.b;
		}
	}
	v = calloc(nk ? nk : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < nk; i++) {
		v[i].key = keys[i];
		if (env.by == HS_BY_CLASS) {
			rb = b->classes[keys[i]].count ? &b->classes[keys[i]] : NULL;
			rn = n->classes[keys[i]].count ? &n->classes[keys[i]] : NULL;
			snprintf(v[i].name, sizeof(v[i].name), "%s",
				 keys[i] == HS_CLASS_BAD ? "INVALID" : exit_class_name(keys[i]));
		} else {
			rb = vm_row(b, keys[i]);
			rn = vm_row(n, keys[i]);
			sb = exposure(b, rb);
			sn = exposure(n, rn);
			hs_vm_label(keys[i] < HS_MAX_VM_NAMES && n->vm_names[keys[i]][0] ? n : b,
				    keys[i], label, sizeof(label));
			snprintf(v[i].name, sizeof(v[i].name), "%s", label);
		}
		judge(&v[i], rb, rn, sb, sn);
	}
	*out = v;
	return (int)nk;
}

/* ------------------------------------------------------------ output */

static const char *pct_str(double d, char *buf, size_t len)
{
	if (isinf(d))
		snprintf(buf, len, d > 0 ? "new" : "gone");
	else
		snprintf(buf, len, "%+.1f%%", d);
	return buf;
}

static const char *reasons(const struct cmp *c, char *buf, size_t len)
{
	buf[0] = '\0';
	if (c->slower)
		snprintf(buf + strlen(buf), len - strlen(buf), "%sslower", buf[0] ? ", " : "");
	if (c->more)
		snprintf(buf + strlen(buf), len - strlen(buf), "%smore frequent",
			 buf[0] ? ", " : "");
	if (c->verdict == IMPROVEMENT && c->faster)
		snprintf(buf + strlen(buf), len - strlen(buf), "%sfaster", buf[0] ? ", " : "");
	if (c->verdict == IMPROVEMENT && c->fewer)
		snprintf(buf + strlen(buf), len - strlen(buf), "%sless frequent",
			 buf[0] ? ", " : "");
	if (c->verdict == NOT_JUDGED)
		snprintf(buf, len, "fewer than %" PRIu64 " exits", env.min_count);
	return buf;
}

/* "------ text ------", width characters wide. */
static void title(int width, const char *text)
{
	int len = (int)strlen(text) + 2, left = (width - len) / 2, i;

	for (i = 0; i < left; i++)
		putchar('-');
	printf(" %s ", text);
	for (i = left + len; i < width; i++)
		putchar('-');
}

static void print_text(const struct cmp *v, int nr, const struct hs_stats *b,
		       const struct hs_stats *n, const unsigned counts[4])
{
	const char *unit = env.metric == METRIC_COST ? "cycles" : "ns";
	char d1[16], d2[16], d3[16], d4[16], why[64];
	int i, w = 5;

	printf("hypscope diff: %s -> %s\n", env.base, env.new);
	printf("  base: %" PRIu64 " exits over %.6f s; new: %" PRIu64 " exits over %.6f s\n",
	       b->total.count, hs_stats_span_s(b), n->total.count, hs_stats_span_s(n));
	if (env.rate == RATE_GUEST)
		printf("  in the guest: base %.6f s, new %.6f s (vCPU-seconds)\n", hs_stats_guest_s(b),
		       hs_stats_guest_s(n));
	printf("  latency: %s (%s); threshold %g%%, alpha %g, Mann-Whitney U on every exit\n\n",
	       env.metric == METRIC_COST ? "handling cost" : "exit to next entry", unit,
	       env.threshold, env.alpha);
	for (i = 0; i < nr; i++)
		if ((int)strlen(v[i].name) > w)
			w = (int)strlen(v[i].name);
	printf("%-*s ", w, "");
	title(31, env.rate == RATE_GUEST ? "exits per guest second" :
		  env.rate == RATE_WALL ? "exits per second" : "exits");
	fputs(" | ", stdout);
	title(27, "p50");
	fputs(" | ", stdout);
	title(27, "p99");
	fputs(" | ", stdout);
	title(29, "mean");
	fputs(" |\n", stdout);
	printf("%-*s %11s %11s %7s | %9s %9s %7s | %9s %9s %7s | %10s %10s %7s | %8s %8s  %s\n", w,
	       env.by == HS_BY_CLASS ? "CLASS" : "VM", "base", "new", "change", "base", "new",
	       "change", "base", "new", "change", "base", "new", "change", "p(lat)", "p(rate)",
	       "VERDICT");
	for (i = 0; i < nr; i++) {
		const struct cmp *c = &v[i];

		printf("%-*s %11.1f %11.1f %7s | %9" PRIu64 " %9" PRIu64 " %7s | %9" PRIu64
		       " %9" PRIu64 " %7s | %10.1f %10.1f %7s | %8.2g %8.2g  %s",
		       w, c->name, c->base.rate, c->new.rate, pct_str(c->d_rate, d1, sizeof(d1)),
		       c->base.p50, c->new.p50, pct_str(c->d_p50, d2, sizeof(d2)), c->base.p99,
		       c->new.p99, pct_str(c->d_p99, d3, sizeof(d3)), c->base.mean, c->new.mean,
		       pct_str(c->d_mean, d4, sizeof(d4)), c->p_lat, c->p_rate,
		       c->verdict == REGRESSION ? "REGRESSION" :
		       c->verdict == IMPROVEMENT ? "improvement" : verdict_names[c->verdict]);
		reasons(c, why, sizeof(why));
		if (why[0])
			printf(" (%s)", why);
		putchar('\n');
	}
	printf("\n%u regressions, %u improvements, %u unchanged, %u not judged\n",
	       counts[REGRESSION], counts[IMPROVEMENT], counts[UNCHANGED], counts[NOT_JUDGED]);
}

static void json_num(const char *name, double d, bool comma)
{
	if (isinf(d) || isnan(d))
		printf("\"%s\": null", name);
	else
		printf("\"%s\": %.6g", name, d);
	if (comma)
		fputs(", ", stdout);
}

static void json_side(const char *name, const struct side *s)
{
	printf("\"%s\": {\"count\": %" PRIu64 ", ", name, s->count);
	json_num("rate", s->rate, true);
	printf("\"samples\": %" PRIu64 ", \"p50\": %" PRIu64 ", \"p99\": %" PRIu64 ", ", s->samples,
	       s->p50, s->p99);
	json_num("mean", s->mean, false);
	fputs("}, ", stdout);
}

static void print_trace_json(const char *name, const char *path, const struct hs_stats *s,
			     bool comma)
{
	printf("  \"%s\": {\"file\": \"", name);
	hs_json_str(stdout, path);
	printf("\", \"exits\": %" PRIu64 ", \"span_s\": %.9f, \"guest_s\": %.9f, \"lost\": %" PRIu64
	       "}%s\n",
	       s->total.count, hs_stats_span_s(s), hs_stats_guest_s(s), s->lost, comma ? "," : "");
}

static void print_json(const struct cmp *v, int nr, const struct hs_stats *b,
		       const struct hs_stats *n, const unsigned counts[4])
{
	char why[64];
	int i;

	fputs("{\n", stdout);
	print_trace_json("base", env.base, b, true);
	print_trace_json("new", env.new, n, true);
	printf("  \"by\": \"%s\",\n  \"rate\": \"%s\",\n  \"metric\": \"%s\",\n  \"unit\": \"%s\",\n"
	       "  \"threshold_pct\": %g,\n  \"alpha\": %g,\n  \"min_count\": %" PRIu64 ",\n"
	       "  \"test\": \"mann-whitney-u\",\n  \"rows\": [",
	       env.by == HS_BY_CLASS ? "class" : "vm", rate_names[env.rate],
	       env.metric == METRIC_COST ? "cost" : "time",
	       env.metric == METRIC_COST ? "cycles" : "ns", env.threshold, env.alpha,
	       env.min_count);
	for (i = 0; i < nr; i++) {
		const struct cmp *c = &v[i];

		printf("%s\n    {\"name\": \"", i ? "," : "");
		hs_json_str(stdout, c->name);
		printf("\", \"%s\": %u, ", env.by == HS_BY_CLASS ? "class" : "vm", c->key);
		json_side("base", &c->base);
		json_side("new", &c->new);
		fputs("\"change_pct\": {", stdout);
		json_num("rate", c->d_rate, true);
		json_num("p50", c->d_p50, true);
		json_num("p99", c->d_p99, true);
		json_num("mean", c->d_mean, false);
		fputs("}, ", stdout);
		json_num("p_latency", c->p_lat, true);
		json_num("p_rate", c->p_rate, true);
		json_num("prob_new_greater", c->prob_greater, true);
		printf("\"verdict\": \"%s\", \"why\": \"%s\"}", verdict_names[c->verdict],
		       reasons(c, why, sizeof(why)));
	}
	printf("%s],\n  \"regressions\": %u,\n  \"improvements\": %u,\n  \"unchanged\": %u,\n"
	       "  \"not_judged\": %u\n}\n",
	       nr ? "\n  " : "", counts[REGRESSION], counts[IMPROVEMENT], counts[UNCHANGED],
	       counts[NOT_JUDGED]);
}

/* ------------------------------------------------------------ command */

static int load(const char *path, struct hs_stats **s)
{
	struct hs_stats_opts o = { .groups = env.by == HS_BY_VM ? HS_GROUP_VM : 0 };
	struct hs_trace_info info;
	struct hs_err e;
	int ret;

	*s = hs_stats_new(&o);
	if (!*s) {
		fprintf(stderr, "hypscope diff: out of memory\n");
		return HS_EXIT_ENV;
	}
	ret = hs_load_trace(path, *s, &info, &e);
	if (ret) {
		fprintf(stderr, "hypscope diff: %s\n", e.msg);
		return ret == -ENOMEM || ret == -EIO ? HS_EXIT_ENV : HS_EXIT_USAGE;
	}
	if (info.damage[0])
		fprintf(stderr, "hypscope diff: %s: %s\n", path, info.damage);
	if (info.nr_problems)
		fprintf(stderr, "hypscope diff: %s: %" PRIu64 " problems, first: %s\n", path,
			info.nr_problems, info.first_problem);
	if ((*s)->records < 2) {
		fprintf(stderr, "hypscope diff: %s holds %s: nothing to compare\n", path,
			(*s)->records ? "one record" : "no records");
		return HS_EXIT_USAGE;
	}
	return 0;
}

int cmd_diff(int argc, char **argv)
{
	struct hs_stats *b = NULL, *n = NULL;
	struct cmp *v = NULL;
	unsigned counts[4] = { 0 };
	int ret, nr, i;

	ret = parse_args(argc, argv);
	if (ret >= 0)
		return ret;
	ret = load(env.base, &b);
	if (!ret)
		ret = load(env.new, &n);
	if (ret)
		goto cleanup;
	if (env.rate == RATE_GUEST && (!b->total.guest_ns || !n->total.guest_ns)) {
		fprintf(stderr, "hypscope diff: %s has no guest time (no entry records): rates are "
				"per second of trace\n",
			b->total.guest_ns ? env.new : env.base);
		env.rate = RATE_WALL;
	}
	nr = compare(b, n, &v);
	if (nr < 0) {
		fprintf(stderr, "hypscope diff: out of memory\n");
		ret = HS_EXIT_ENV;
		goto cleanup;
	}
	for (i = 0; i < nr; i++)
		counts[v[i].verdict]++;
	if (env.format == FMT_JSON)
		print_json(v, nr, b, n, counts);
	else
		print_text(v, nr, b, n, counts);
	ret = counts[REGRESSION] ? DIFF_EXIT_REGRESSION : HS_EXIT_OK;
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "hypscope diff: cannot write: %s\n", strerror(errno));
		ret = HS_EXIT_ENV;
	}
cleanup:
	free(v);
	hs_stats_destroy(b);
	hs_stats_destroy(n);
	return ret;
}
