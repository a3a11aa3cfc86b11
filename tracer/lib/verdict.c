/*
 * Verdicts on repeated runs: Hodges-Lehmann shift, its distribution-free
 * interval and the Mann-Whitney p over per-run statistics. See verdict.h and
 * docs/diff-statistics.md.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tracer/lib/verdict.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double vd_median(const double *v, unsigned n)
{
	double *s, m;

	if (!n)
		return NAN;
	s = malloc(n * sizeof(*s));
	if (!s)
		return NAN;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

/*
 * Number of arrangements of m and n items giving each U, by the recurrence
 * f(m, n, u) = f(m - 1, n, u - n) + f(m, n - 1, u): the largest item is from
 * the first sample (beating all n of the second) or from the second. Rolled
 * over m, f[j][u] for j = 0..n. The cumulative distribution of the last
 * (m, n) asked for is kept: an interval asks for many u of one (m, n).
 */
static struct {
	unsigned m, n;
	double *cdf; /* m * n + 1 entries */
} cache;

static const double *exact_table(unsigned m, unsigned n)
{
	unsigned max = m * n, w = max + 1, i, j, k;
	double *f, *g, *cdf, total = 0, run = 0;

	if (cache.cdf && cache.m == m && cache.n == n)
		return cache.cdf;
	f = calloc((size_t)(n + 1) * w, sizeof(*f));
	g = calloc((size_t)(n + 1) * w, sizeof(*g));
	cdf = malloc(w * sizeof(*cdf));
	if (!f || !g || !cdf) {
		free(f);
		free(g);
		free(cdf);
		return NULL;
	}
	for (j = 0; j <= n; j++)
		f[j * w] = 1; /* m = 0: U is 0 */
	for (i = 1; i <= m; i++) {
		memset(g, 0, (size_t)(n + 1) * w * sizeof(*g));
		g[0] = 1; /* n = 0: U is 0 */
		for (j = 1; j <= n; j++)
			for (k = 0; k <= i * j; k++)
				g[j * w + k] = (k >= j ? f[j * w + k - j] : 0) + g[(j - 1) * w + k];
		memcpy(f, g, (size_t)(n + 1) * w * sizeof(*f));
	}
	for (k = 0; k <= max; k++)
		total += f[n * w + k];
	for (k = 0; k <= max; k++) {
		run += f[n * w + k];
		cdf[k] = run / total;
	}
	free(f);
	free(g);
	free(cache.cdf);
	cache.cdf = cdf;
	cache.m = m;
	cache.n = n;
	return cdf;
}

double vd_mwu_cdf(unsigned m, unsigned n, double u)
{
	double mu = (double)m * n / 2, sd = sqrt((double)m * n * (m + n + 1) / 12.0);

	if (!m || !n)
		return 1;
	if ((unsigned long long)m * n <= VD_EXACT_MAX) {
		const double *t = exact_table(m, n);

		if (u < 0)
			return 0;
		if (u >= (double)m * n)
			return 1;
		if (t)
			return t[(unsigned)floor(u + 1e-9)];
	}
	/* continuity correction: U moves in steps of 1 (or 1/2 with ties) */
	return 0.5 * erfc(-(u + 0.5 - mu) / (sd * sqrt(2.0)));
}

/* Two-sided p of U (ties as halves), the variance tie-corrected past the exact range. */
static double mwu_p(const double *b, unsigned nb, const double *n, unsigned nn, double u)
{
	double mu = (double)nb * nn / 2, N = nb + nn, t = 0, var, z, *all;
	unsigned i, j;

	if ((unsigned long long)nb * nn <= VD_EXACT_MAX) {
		double lo = vd_mwu_cdf(nb, nn, u), hi = 1 - vd_mwu_cdf(nb, nn, ceil(u - 1e-9) - 1);

		return fmin(1, 2 * fmin(lo, hi));
	}
	all = malloc((size_t)(nb + nn) * sizeof(*all));
	if (!all)
		return 1;
	memcpy(all, b, nb * sizeof(*b));
	memcpy(all + nb, n, nn * sizeof(*n));
	qsort(all, nb + nn, sizeof(*all), cmp_double);
	for (i = 0; i < nb + nn; i = j) {
		for (j = i + 1; j < nb + nn && all[j] == all[i]; j++)
			;
		t += pow(j - i, 3) - (j - i);
	}
	free(all);
	var = (double)nb * nn / 12.0 * ((N + 1) - t / (N * (N - 1)));
	if (var <= 0)
		return 1;
	z = (fabs(u - mu) - 0.5) / sqrt(var);
	return z <= 0 ? 1 : erfc(z / sqrt(2.0));
}

/*
 * Shifts are ratios: log scale. Zero values (a class absent from a run) are
 * moved up by half the smallest positive value of either side, so they stay
 * finite without bending the ratios of the others (nothing moves when no
 * value is zero).
 */
static double zero_offset(const double *b, unsigned nb, const double *n, unsigned nn)
{
	double min_pos = INFINITY;
	bool zero = false;
	unsigned i;

	for (i = 0; i < nb + nn; i++) {
		double v = i < nb ? b[i] : n[i - nb];

		if (v <= 0)
			zero = true;
		else if (v < min_pos)
			min_pos = v;
	}
	if (!zero)
		return 0;
	return isinf(min_pos) ? 1 : min_pos / 2;
}

static double lg(double v, double offset)
{
	return log(v + offset);
}

static double pct(double log_shift)
{
	return 100.0 * expm1(log_shift);
}

/* The values of v that are not NAN, into out; how many. */
static unsigned present(const double *v, unsigned n, double *out)
{
	unsigned i, k = 0;

	for (i = 0; i < n; i++)
		if (!isnan(v[i]))
			out[k++] = v[i];
	return k;
}

static bool all_equal(const double *v, unsigned n)
{
	unsigned i;

	for (i = 1; i < n; i++)
		if (v[i] != v[0])
			return false;
	return true;
}

static void judge_exact(struct vd_result *r, const struct vd_opts *o)
{
	double b = r->base_mid, n = r->new_mid;

	r->exact = true;
	r->level = 1;
	r->p = b == n ? 1 : 0;
	if (b == 0)
		r->change_pct = n == 0 ? 0 : INFINITY;
	else
		r->change_pct = 100.0 * (n / b - 1);
	r->lo_pct = r->hi_pct = r->change_pct;
	if (r->change_pct >= o->threshold_pct && n != b)
		r->call = VD_UP;
	else if (r->change_pct <= -o->threshold_pct && n != b)
		r->call = VD_DOWN;
	else
		r->call = VD_SAME;
}

void vd_compare(const double *base, unsigned nb, const double *new, unsigned nn,
		const struct vd_opts *o, struct vd_result *r)
{
	double *b = NULL, *n = NULL, *d = NULL, u = 0, half = o->alpha / 2, off;
	unsigned i, j, k, np;

	memset(r, 0, sizeof(*r));
	r->lo_pct = r->hi_pct = NAN;
	r->p = 1;
	r->call = VD_NO_DATA;
	if (nb > VD_MAX_RUNS || nn > VD_MAX_RUNS)
		return;
	b = malloc((nb + 1) * sizeof(*b));
	n = malloc((nn + 1) * sizeof(*n));
	if (!b || !n)
		goto out;
	nb = present(base, nb, b);
	nn = present(new, nn, n);
	r->nb = nb;
	r->nn = nn;
	r->base_mid = vd_median(b, nb);
	r->new_mid = vd_median(n, nn);
	if (!nb || !nn)
		goto out;
	if (o->exact && all_equal(b, nb) && all_equal(n, nn)) {
		judge_exact(r, o);
		goto out;
	}

	/* Every pairwise difference on the log scale; U counts new > base. */
	np = nb * nn;
	off = zero_offset(b, nb, n, nn);
	d = malloc(np * sizeof(*d));
	if (!d)
		goto out;
	for (i = k = 0; i < nb; i++)
		for (j = 0; j < nn; j++) {
			d[k++] = lg(n[j], off) - lg(b[i], off);
			u += n[j] > b[i] ? 1 : n[j] == b[i] ? 0.5 : 0;
		}
	qsort(d, np, sizeof(*d), cmp_double);
	r->change_pct = pct(np % 2 ? d[np / 2] : (d[np / 2 - 1] + d[np / 2]) / 2);
	r->p = mwu_p(b, nb, n, nn, u);

	/*
	 * The interval [d(k), d(np + 1 - k)] covers the shift with probability
	 * 1 - 2 P(U <= k - 1): take the largest k whose tail stays within
	 * alpha / 2. None (k = 0): too few runs for this level.
	 */
	for (k = 0; k < np / 2 && vd_mwu_cdf(nb, nn, k) <= half; k++)
		;
	if (k == 0) {
		r->call = VD_WEAK;
		goto out;
	}
	r->level = 1 - 2 * vd_mwu_cdf(nb, nn, k - 1);
	r->lo_pct = pct(d[k - 1]);
	r->hi_pct = pct(d[np - k]);
	if (r->lo_pct > 0 && r->change_pct >= o->threshold_pct)
		r->call = VD_UP;
	else if (r->hi_pct < 0 && r->change_pct <= -o->threshold_pct)
		r->call = VD_DOWN;
	else
		r->call = VD_SAME;
out:
	free(b);
	free(n);
	free(d);
}
