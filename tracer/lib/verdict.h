/*
 * Verdicts on repeated runs: did a per-run statistic (the median cost of an
 * exit class, its p99, its count per run) move between BASE runs and NEW runs
 * by more than run-to-run noise and by more than a threshold?
 *
 * Each run gives one number per statistic; the runs of a side are the
 * samples. Exits within one run are not independent samples (they share the
 * run's host load, translation cache and scheduling), so they are never
 * counted as such here.
 *
 *  change   the Hodges-Lehmann estimate of the shift between the two sides
 *           on a log scale (the median of every log(new_j) - log(base_i)),
 *           shown as a percentage: +10 means NEW is 1.10 times BASE
 *  interval the distribution-free confidence interval of that shift, from
 *           the order statistics of the same pairwise differences, at the
 *           largest level the exact Mann-Whitney distribution allows at or
 *           above 1 - alpha (with 5 runs a side: 99.2 %, all 25 pairs agree)
 *  p        the two-sided exact Mann-Whitney p (normal approximation with
 *           tie correction past VD_EXACT_MAX pairs)
 *
 * Up (a regression for latency and counts) when the whole interval lies
 * above zero AND the change reaches the threshold; down likewise; else no
 * change. Too few runs for the level (fewer than 5 a side at alpha 0.01):
 * not judged. Exact mode (QEMU -icount: the same run gives the same numbers)
 * needs no noise model: when every run of each side gives the same value,
 * the change is exact and judged on the threshold alone, one run being
 * enough.
 *
 * Pure computation on arrays of doubles, host only.
 */
#ifndef TRACER_VERDICT_H
#define TRACER_VERDICT_H

#include <stdbool.h>

/* Up to this many pairs (nb * nn) the Mann-Whitney distribution is exact. */
#define VD_EXACT_MAX 4096u
#define VD_MAX_RUNS  1000u

enum vd_call {
	VD_SAME,      /* no change the evidence supports */
	VD_UP,        /* NEW is larger: the interval is above 0, the change past the threshold */
	VD_DOWN,      /* NEW is smaller */
	VD_WEAK,      /* too few runs to judge at this level (one run per side, or 2-4) */
	VD_NO_DATA,   /* a side has no value */
};

struct vd_opts {
	double threshold_pct; /* smallest change that counts */
	double alpha;         /* 1 - confidence level of the interval */
	bool exact;           /* the runs are deterministic (QEMU -icount) */
};

struct vd_result {
	enum vd_call call;
	double change_pct;        /* estimate; +-INFINITY when a side is all zero */
	double lo_pct, hi_pct;    /* interval; NAN when it cannot be formed */
	double level;             /* its confidence level; 1 in exact mode */
	double p;                 /* two-sided; 1 when not computed */
	double base_mid, new_mid; /* each side's median */
	unsigned nb, nn;          /* runs with a value */
	bool exact;               /* judged as exact (every run of a side equal) */
};

/*
 * Judge new[0..nn) against base[0..nb). Values must be >= 0; NAN values
 * (a run without that statistic) are left out.
 */
void vd_compare(const double *base, unsigned nb, const double *new, unsigned nn,
		const struct vd_opts *o, struct vd_result *r);

/*
 * P(U <= u) for the Mann-Whitney U of samples of m and n without ties, every
 * arrangement equally likely. m * n <= VD_EXACT_MAX; else a normal
 * approximation.
 */
double vd_mwu_cdf(unsigned m, unsigned n, double u);

/* Median of v[0..n) (sorted copy); NAN for n = 0. */
double vd_median(const double *v, unsigned n);

#endif
