/*
 * The aggregation model: histograms, keyed rows, and one record at a time
 * into both. See tracer/lib/stats.h.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/esr.h"
#include "formats/hypcfg.h"
#include "formats/ich_lr.h"
#include "formats/smccc.h"
#include "tracer/lib/nested.h"
#include "tracer/lib/stats.h"

/* -------------------------------------------------------------- histogram */

/*
 * A copy of an array of nr_old groups of HS_HIST_SUB elements of size bytes
 * from group lo_old on, as groups lo .. lo + nr - 1 (zeroed around it). NULL
 * out of memory.
 */
static void *hist_regrid(const void *old, size_t size, unsigned lo_old, unsigned nr_old,
			 unsigned lo, unsigned nr)
{
	char *b = calloc((size_t)nr * HS_HIST_SUB, size);

	if (b && nr_old)
		memcpy(b + (size_t)(lo_old - lo) * HS_HIST_SUB * size, old,
		       (size_t)nr_old * HS_HIST_SUB * size);
	return b;
}

/* Grow h's blocks (and its carries) to hold group g, zeroed. 0, or -ENOMEM with h unchanged. */
static int hist_cover(struct hs_hist *h, unsigned g)
{
	unsigned lo = h->nr && h->lo < g ? h->lo : g;
	unsigned hi = h->nr && h->lo + h->nr > g + 1 ? h->lo + h->nr : g + 1;
	hs_hist_ctr *b;
	uint64_t *c = NULL;

	if (h->nr && g - h->lo < h->nr)
		return 0;
	b = hist_regrid(h->blocks, sizeof(*b), h->lo, h->nr, lo, hi - lo);
	if (b && h->hi)
		c = hist_regrid(h->hi, sizeof(*c), h->lo, h->nr, lo, hi - lo);
	if (!b || (h->hi && !c)) {
		free(b);
		return -ENOMEM;
	}
	free(h->blocks);
	h->blocks = b;
	if (h->hi) {
		free(h->hi);
		h->hi = c;
	}
	h->lo = lo;
	h->nr = hi - lo;
	return 0;
}

/* Allocate h's carries (zero). 0 or -ENOMEM. */
static int hist_hi(struct hs_hist *h)
{
	if (!h->hi)
		h->hi = calloc((size_t)h->nr * HS_HIST_SUB, sizeof(*h->hi));
	return h->hi ? 0 : -ENOMEM;
}

/*
 * Add n to the count of bucket (g, s), which hist_cover() made room for. 0,
 * or -ENOMEM with the count unchanged (no memory for the carries).
 */
static int hist_counter_add(struct hs_hist *h, unsigned g, unsigned s, uint64_t n)
{
	size_t i = (size_t)(g - h->lo) * HS_HIST_SUB + s;
	uint64_t low = (uint64_t)h->blocks[i] + (n & (((uint64_t)1 << HS_HIST_CTR_BITS) - 1));
	uint64_t carry = (n >> HS_HIST_CTR_BITS) + (low >> HS_HIST_CTR_BITS);

	if (carry) {
		if (hist_hi(h))
			return -ENOMEM;
		h->hi[i] += carry;
	}
	h->blocks[i] = (hs_hist_ctr)low;
	return 0;
}

int hs_hist_carry(struct hs_hist *h, size_t i)
{
	if (hist_hi(h)) {
		/* the sample is not bucketed: the counter back where it was */
		h->blocks[i]--;
		h->missed++;
		return -ENOMEM;
	}
	h->hi[i]++;
	return 0;
}

int hs_hist_add_slow(struct hs_hist *h, unsigned g, unsigned s)
{
	if (hist_cover(h, g) || hist_counter_add(h, g, s, 1)) {
		h->missed++;
		return -ENOMEM;
	}
	return 0;
}

uint64_t hs_hist_bucket_low(unsigned g, unsigned s)
{
	if (!g)
		return s;
	return (uint64_t)(HS_HIST_SUB + s) << (g - 1);
}

uint64_t hs_hist_bucket_width(unsigned g)
{
	return g ? 1ull << (g - 1) : 1;
}

/* The rank of quantile q among n samples: ceil(q * n), 1..n. */
static uint64_t quantile_rank(double q, uint64_t n)
{
	double r = q * (double)n;
	uint64_t rank = (uint64_t)r;

	/* ceil, without turning 7.000000000000001 into 8 */
	if ((double)rank < r - 1e-9 * r)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return rank;
}

uint64_t hs_hist_quantile(const struct hs_hist *h, double q)
{
	uint64_t n = h->count - h->missed, rank, cum = 0, v;
	size_t i, nr = (size_t)h->nr * HS_HIST_SUB;
	unsigned g, s;

	if (!h->count)
		return 0;
	if (q <= 0 || !n)
		return h->min;
	if (q >= 1)
		return h->max;
	rank = quantile_rank(q, n);
	for (i = 0; i < nr; i++) {
		cum += hs_hist_count_at(h, i);
		if (cum >= rank)
			break;
	}
	if (i == nr)
		return h->max;
	g = h->lo + (unsigned)(i / HS_HIST_SUB);
	s = (unsigned)(i % HS_HIST_SUB);
	/* the middle of the bucket: at most half its width off */
	v = hs_hist_bucket_low(g, s) + (hs_hist_bucket_width(g) - 1) / 2;
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}

double hs_hist_mean(const struct hs_hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}

int hs_hist_merge(struct hs_hist *dst, const struct hs_hist *src)
{
	unsigned g, s;
	int ret = 0;

	if (!src->count)
		return 0;
	if (!dst->count) {
		dst->min = src->min;
		dst->max = src->max;
	} else {
		if (src->min < dst->min)
			dst->min = src->min;
		if (src->max > dst->max)
			dst->max = src->max;
	}
	dst->count += src->count;
	dst->sum += src->sum;
	dst->missed += src->missed;
	for (g = src->lo; g < src->lo + src->nr; g++) {
		bool covered = !hist_cover(dst, g);

		for (s = 0; s < HS_HIST_SUB; s++) {
			uint64_t n = hs_hist_bucket_count(src, g, s);

			if (n && (!covered || hist_counter_add(dst, g, s, n))) {
				dst->missed += n;
				ret = -ENOMEM;
			}
		}
	}
	return ret;
}

void hs_hist_reset(struct hs_hist *h)
{
	h->count = h->sum = h->min = h->max = h->missed = 0;
	if (h->nr)
		memset(h->blocks, 0, (size_t)h->nr * HS_HIST_SUB * sizeof(*h->blocks));
	if (h->hi)
		memset(h->hi, 0, (size_t)h->nr * HS_HIST_SUB * sizeof(*h->hi));
}

void hs_hist_release(struct hs_hist *h)
{
	free(h->blocks);
	free(h->hi);
	memset(h, 0, sizeof(*h));
}

void hs_hist_mann_whitney(const struct hs_hist *a, const struct hs_hist *b, struct hs_mwu *out)
{
	double na = (double)(a->count - a->missed), nb = (double)(b->count - b->missed);
	double below_a = 0, u = 0, ties = 0, n, mu, var, t, ca, cb;
	unsigned g, s;

	memset(out, 0, sizeof(*out));
	out->p = 1.0;
	out->prob_greater = 0.5;
	if (na < 2 || nb < 2)
		return;
	for (g = 0; g < HS_HIST_GROUPS; g++) {
		if (g - a->lo >= a->nr && g - b->lo >= b->nr)
			continue;
		for (s = 0; s < HS_HIST_SUB; s++) {
			ca = (double)hs_hist_bucket_count(a, g, s);
			cb = (double)hs_hist_bucket_count(b, g, s);
			if (ca == 0 && cb == 0)
				continue;
			/* pairs where b is larger, ties counting half */
			u += cb * (below_a + 0.5 * ca);
			below_a += ca;
			t = ca + cb;
			ties += t * t * t - t;
		}
	}
	n = na + nb;
	mu = na * nb / 2;
	var = na * nb / 12 * ((n + 1) - ties / (n * (n - 1)));
	out->u = u;
	out->prob_greater = u / (na * nb);
	if (var <= 0) /* every sample in one bucket: no evidence of a difference */
		return;
	out->z = (u - mu) / sqrt(var);
	out->p = erfc(fabs(out->z) / sqrt(2.0));
}

/* ------------------------------------------------------------------ rows */

static int row_add(struct hs_row *r, uint64_t cost, bool failed)
{
	r->count++;
	r->failed += failed;
	return hs_hist_add(&r->cost, cost);
}

static void row_reset(struct hs_row *r)
{
	r->count = 0;
	r->failed = 0;
	r->guest_ns = 0;
	hs_hist_reset(&r->cost);
	hs_hist_reset(&r->time);
}

static void row_release(struct hs_row *r)
{
	hs_hist_release(&r->cost);
	hs_hist_release(&r->time);
}

/* ----------------------------------------------------------------- tables */

static uint32_t key_hash(const struct hs_key *k)
{
	/* the third word whatever it holds (vcpu and write share it) */
	uint64_t x = k->a ^ ((uint64_t)k->b << 32 | k->write) * 0x9e3779b97f4a7c15ull;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 29;
	return (uint32_t)x;
}

static bool key_eq(const struct hs_key *x, const struct hs_key *y)
{
	return x->a == y->a && x->b == y->b && x->write == y->write;
}

static void table_init(struct hs_table *t, uint32_t max_rows)
{
	memset(t, 0, sizeof(*t));
	t->max_rows = max_rows;
}

static void table_release(struct hs_table *t)
{
	uint32_t i;
	bool defer = t->defer, batch = t->batch;

	for (i = 0; i < t->nr; i++)
		row_release(&t->rows[i].row);
	row_release(&t->other);
	free(t->rows);
	free(t->slots);
	free(t->log);
	free(t->log_sorted);
	free(t->pend);
	free(t->pend_parts);
	table_init(t, t->max_rows);
	t->defer = defer;
	t->batch = batch;
}

static void table_reset(struct hs_table *t)
{
	uint32_t i;

	for (i = 0; i < t->nr; i++)
		row_reset(&t->rows[i].row);
	row_reset(&t->other);
	t->overflowed = 0;
	t->log_nr = 0;
}

static int table_rehash(struct hs_table *t, uint32_t nr_slots)
{
	struct hs_slot *slots = calloc(nr_slots, sizeof(*slots));
	uint32_t i, j, hash;

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < t->nr; i++) {
		hash = key_hash(&t->rows[i].key);
		j = hash & (nr_slots - 1);
		while (slots[j].row)
			j = (j + 1) & (nr_slots - 1);
		slots[j] = (struct hs_slot){ i + 1, hash };
	}
	free(t->slots);
	t->slots = slots;
	t->nr_slots = nr_slots;
	return 0;
}

/* The index + 1 of key k's row (hash: key_hash(k)), 0 when it has none. */
static uint32_t table_find(const struct hs_table *t, const struct hs_key *k, uint32_t hash)
{
	uint32_t j, i;

	if (!t->nr_slots)
		return 0;
	j = hash & (t->nr_slots - 1);
	while ((i = t->slots[j].row)) {
		if (t->slots[j].hash == hash && key_eq(&t->rows[i - 1].key, k))
			return i;
		j = (j + 1) & (t->nr_slots - 1);
	}
	return 0;
}

/* table_get() of a key whose key_hash() is known. */
static struct hs_row *table_get_hashed(struct hs_table *t, const struct hs_key *k,
				       uint32_t hash, uint32_t *idx)
{
	struct hs_keyed_row *grown;
	uint32_t j;

	*idx = table_find(t, k, hash);
	if (*idx)
		return &t->rows[*idx - 1].row;
	if (t->nr >= t->max_rows) {
		t->overflowed++;
		*idx = HS_ROW_OTHER;
		return &t->other;
	}
	if (t->nr == t->cap) {
		uint32_t cap = t->cap ? 2 * t->cap : 16;

		if (cap > t->max_rows)
			cap = t->max_rows;
		grown = realloc(t->rows, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		t->rows = grown;
		t->cap = cap;
	}
	/* keep the load at or below one half */
	if (2 * (t->nr + 1) > t->nr_slots && table_rehash(t, t->nr_slots ? 2 * t->nr_slots : 32))
		return NULL;
	memset(&t->rows[t->nr], 0, sizeof(t->rows[t->nr]));
	t->rows[t->nr].key = *k;
	j = hash & (t->nr_slots - 1);
	while (t->slots[j].row)
		j = (j + 1) & (t->nr_slots - 1);
	t->slots[j] = (struct hs_slot){ ++t->nr, hash };
	*idx = t->nr;
	return &t->rows[t->nr - 1].row;
}

/*
 * The row of key k: its index + 1 in *idx, or HS_ROW_OTHER for the overflow
 * row of a full table. NULL when a new row could not be allocated.
 */
static struct hs_row *table_get(struct hs_table *t, const struct hs_key *k, uint32_t *idx)
{
	return table_get_hashed(t, k, key_hash(k), idx);
}

/* The row an index of table_get() names; NULL for none. */
static struct hs_row *table_row(struct hs_table *t, uint32_t idx)
{
	if (idx == HS_ROW_OTHER)
		return &t->other;
	if (!idx || idx > t->nr)
		return NULL;
	return &t->rows[idx - 1].row;
}

/* Deferred buckets a table's log holds before they are counted. */
#define HS_LOG_MAX (1u << 16)

/* A log entry's place in the order the log is counted in: the overflow row first, then by row. */
static inline uint32_t log_key(uint64_t e)
{
	uint32_t idx = (uint32_t)(e >> 32);

	return idx == HS_ROW_OTHER ? 0 : idx;
}

/*
 * Count the buckets waiting in t's log, row by row: sorted by row first (a
 * counting sort over the row indexes), so that each row's histograms are
 * touched once, with all their samples. A bucket that finds no memory is
 * counted in nomem, as hs_stats_feed() counts a record's.
 */
static void table_count_log(struct hs_stats *s, struct hs_table *t)
{
	uint32_t i, k, nr_keys = t->nr + 1, *at = calloc(nr_keys + 1, sizeof(*at));
	uint64_t *sorted = t->log_sorted, *log = t->log;
	struct hs_row *row;
	uint64_t e;

	if (at && sorted) {
		for (i = 0; i < t->log_nr; i++)
			at[log_key(t->log[i]) + 1]++;
		for (k = 0; k < nr_keys; k++)
			at[k + 1] += at[k];
		for (i = 0; i < t->log_nr; i++)
			sorted[at[log_key(t->log[i])]++] = t->log[i];
		log = sorted;
	}
	/* out of memory for the sort: in the order logged, which counts the same */
	for (i = 0; i < t->log_nr; i++) {
		e = log[i];
		row = table_row(t, (uint32_t)(e >> 32));
		if (row && hs_hist_count(e & (1u << 16) ? &row->time : &row->cost,
					 (unsigned)(e & 0xffff) / HS_HIST_SUB,
					 (unsigned)(e & 0xffff) % HS_HIST_SUB))
			s->nomem++;
	}
	t->log_nr = 0;
	free(at);
}

/*
 * Count v in the cost histogram (time: the time one) of row, index idx of
 * table t: its bucket now, or in the log while the model defers. 0 or
 * -ENOMEM (a bucket of the log that finds no memory is counted when it is).
 */
static int table_sample(struct hs_stats *s, struct hs_table *t, struct hs_row *row,
			uint32_t idx, bool time, uint64_t v)
{
	struct hs_hist *h = time ? &row->time : &row->cost;
	unsigned g, sb;

	if (!t->log)
		return hs_hist_add(h, v);
	hs_hist_note(h, v);
	hs_hist_bucket(v, &g, &sb);
	t->log[t->log_nr++] = (uint64_t)idx << 32 | (uint64_t)time << 16 | (g * HS_HIST_SUB + sb);
	if (t->log_nr == HS_LOG_MAX)
		table_count_log(s, t);
	return 0;
}

/* An exit in row, index idx of table t: row_add_exit(), with table_sample(). */
static int table_add_exit(struct hs_stats *s, struct hs_table *t, struct hs_row *row,
			  uint32_t idx, const struct trace_exit *e, bool failed)
{
	row->count++;
	row->failed += failed;
	if (e->flags & TRACE_EXIT_NO_COST)
		return 0;
	return table_sample(s, t, row, idx, false, e->cost);
}

/*
 * Records a batched table holds before they are looked up: 2 MiB, and as
 * much again to sort them while they are.
 */
#define HS_PEND_MAX (1u << 16)
/* The hash index is looked up in at most 1 << HS_PART_BITS parts (64 slots or more each). */
#define HS_PART_BITS 7u

static int count_err(struct hs_stats *s, int ret)
{
	if (ret)
		s->nomem++;
	return ret;
}

static struct hs_key pend_key(const struct hs_pend *p)
{
	return (struct hs_key){ p->a, p->b, { .write = p->flags & HS_PEND_WRITE } };
}

/*
 * Count a waiting record in its row. Its cost goes straight into the row's
 * histogram, not the deferred buckets' log: table_flush() counts a part of
 * the index at a time, whose rows' counters (about 32 rows of a few lines
 * each) stay in the first-level cache while it does.
 */
static void pend_count(struct hs_stats *s, struct hs_row *row, const struct hs_pend *p)
{
	row->count++;
	row->failed += !!(p->flags & HS_PEND_FAILED);
	if (p->flags & HS_PEND_COST)
		count_err(s, hs_hist_add(&row->cost, p->cost));
}

static void mmio_waits_to_rows(struct hs_stats *s);

/*
 * Count the records waiting in t->pend, as table_get() one at a time in
 * their order would have counted them. The records are sorted by the part
 * of the hash index their key falls in (a counting sort on the top bits of
 * the slot), so that the lookups go a part at a time: its slots, rows and
 * histograms stay in the cache while its records are counted. A key with no
 * row yet is counted in the overflow row when the table is full; otherwise
 * the new keys take their rows afterwards, in the order of their records, so
 * that the first max_rows keys seen have rows whatever part they hash to.
 */
static void table_flush(struct hs_stats *s, struct hs_table *t)
{
	uint32_t at[(1u << HS_PART_BITS) + 1] = { 0 };
	uint32_t i, part, parts, shift, mask, idx, nr_new = 0, nr = t->pend_nr;
	bool full = t->nr >= t->max_rows, all_new = !t->nr_slots;
	struct hs_row *row;
	struct hs_pend *p;
	struct hs_key k;

	if (!nr)
		return;
	if (!all_new) {
		mask = t->nr_slots - 1;
		shift = (unsigned)__builtin_ctz(t->nr_slots);
		shift = shift > HS_PART_BITS + 6 ? shift - HS_PART_BITS : shift < 6 ? shift : 6;
		parts = (mask >> shift) + 1;
		for (i = 0; i < nr; i++)
			at[((t->pend[i].hash & mask) >> shift) + 1]++;
		for (part = 0; part < parts; part++)
			at[part + 1] += at[part];
		for (i = 0; i < nr; i++) {
			p = &t->pend_parts[at[(t->pend[i].hash & mask) >> shift]++];
			*p = t->pend[i];
			p->at = i;
		}
		for (i = 0; i < nr; i++) {
			p = &t->pend_parts[i];
			k = pend_key(p);
			idx = table_find(t, &k, p->hash);
			if (idx) {
				pend_count(s, &t->rows[idx - 1].row, p);
			} else if (full) {
				t->overflowed++;
				pend_count(s, &t->other, p);
			} else {
				t->pend[p->at].flags |= HS_PEND_NEW;
				nr_new++;
			}
		}
	}
	for (i = 0; i < nr && (all_new || nr_new); i++) {
		p = &t->pend[i];
		if (!all_new) {
			if (!(p->flags & HS_PEND_NEW))
				continue;
			nr_new--;
		}
		k = pend_key(p);
		row = table_get_hashed(t, &k, p->hash, &idx);
		if (row)
			pend_count(s, row, p);
		else
			s->nomem++;
	}
	if (t == &s->mmio)
		mmio_waits_to_rows(s);
	t->pend_nr = 0;
}

/*
 * A record for the batched table t: waits in t->pend for its lookup (the
 * oldest are counted first when it is full). Its place in t->pend.
 */
static uint32_t table_pend(struct hs_stats *s, struct hs_table *t, const struct hs_key *k,
			   uint32_t flags, uint64_t cost)
{
	struct hs_pend *p;

	if (t->pend_nr == HS_PEND_MAX)
		table_flush(s, t);
	p = &t->pend[t->pend_nr];
	p->a = k->a;
	p->b = k->b;
	p->hash = key_hash(k);
	p->cost = cost;
	p->flags = flags | (k->write ? HS_PEND_WRITE : 0);
	return t->pend_nr++;
}

/* ------------------------------------------------------------------ model */

static uint64_t gcd64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

void hs_stats_set_cntfrq(struct hs_stats *s, uint64_t cntfrq)
{
	uint64_t g;

	if (!cntfrq)
		cntfrq = 62500000;
	s->opts.cntfrq = cntfrq;
	g = gcd64(1000000000ull, cntfrq);
	s->ns_mul = 1000000000ull / g;
	s->ns_div = cntfrq / g;
}

uint64_t hs_stats_ticks_to_ns(const struct hs_stats *s, uint64_t ticks)
{
	uint64_t ns;

	if (s->ns_div == 1) {
		if (__builtin_mul_overflow(ticks, s->ns_mul, &ns))
			return UINT64_MAX;
		return ns;
	}
	return (uint64_t)((unsigned __int128)ticks * s->ns_mul / s->ns_div);
}

struct hs_stats *hs_stats_new(const struct hs_stats_opts *opts)
{
	struct hs_stats *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (opts)
		s->opts = *opts;
	if (!s->opts.max_pcs)
		s->opts.max_pcs = HS_DEFAULT_MAX_PCS;
	if (!s->opts.max_keys)
		s->opts.max_keys = HS_DEFAULT_MAX_KEYS;
	hs_stats_set_cntfrq(s, s->opts.cntfrq);
	table_init(&s->vms, HS_MAX_VM_NAMES);
	table_init(&s->vcpus, HS_MAX_VCPU_ROWS);
	table_init(&s->pcs, s->opts.max_pcs);
	table_init(&s->mmio, s->opts.max_keys);
	table_init(&s->sysregs, s->opts.max_keys);
	table_init(&s->hypercalls, s->opts.max_keys);
	/* the tables with thousands of keys, whose rows no cache holds */
	s->pcs.defer = s->mmio.defer = s->sysregs.defer = true;
	s->mmio.batch = s->sysregs.batch = true;
	s->vstate = calloc(HS_MAX_VCPU_ROWS, sizeof(*s->vstate));
	if (!s->vstate) {
		free(s);
		return NULL;
	}
	return s;
}

static void cells_free(struct hs_stats *s)
{
	unsigned v, c;

	if (!s->cells)
		return;
	for (v = 0; v < HS_CELLS; v++) {
		if (!s->cells[v])
			continue;
		for (c = 0; c < HS_CLASS_ROWS; c++)
			row_release(&s->cells[v][c]);
		free(s->cells[v]);
	}
	free(s->cells);
	s->cells = NULL;
}

void hs_stats_destroy(struct hs_stats *s)
{
	unsigned i;

	if (!s)
		return;
	row_release(&s->total);
	for (i = 0; i < HS_CLASS_ROWS; i++)
		row_release(&s->classes[i]);
	table_release(&s->vms);
	table_release(&s->vcpus);
	table_release(&s->pcs);
	table_release(&s->mmio);
	table_release(&s->sysregs);
	table_release(&s->hypercalls);
	for (i = 0; i < HS_SDEI_EVENTS; i++)
		hs_hist_release(&s->sdei.ev[i].handler);
	hs_hist_release(&s->flush_cost);
	hs_hist_release(&s->wfi_blocked);
	hs_nested_destroy(s->nested);
	cells_free(s);
	free(s->vstate);
	free(s);
}

/* The tables whose records (pend[]) or buckets (log[]) may wait. */
static struct hs_table *deferring_tables(struct hs_stats *s, unsigned i)
{
	struct hs_table *const t[] = { &s->vms, &s->vcpus, &s->pcs, &s->mmio, &s->sysregs,
				       &s->hypercalls };

	return i < sizeof(t) / sizeof(t[0]) ? t[i] : NULL;
}

void hs_stats_reset(struct hs_stats *s)
{
	struct hs_table *t;
	unsigned i;

	/*
	 * What waits is counted before the counts go: the keys take their rows
	 * in their order, and the histograms their blocks, as record by record.
	 */
	for (i = 0; (t = deferring_tables(s, i)); i++) {
		table_flush(s, t);
		if (t->log)
			table_count_log(s, t);
	}
	s->records = 0;
	s->first_ts = s->last_ts = 0;
	memset(s->cpu_records, 0, sizeof(s->cpu_records));
	memset(s->cpu_lost, 0, sizeof(s->cpu_lost));
	s->lost = s->gaps = 0;
	memset(s->by_type_index, 0, sizeof(s->by_type_index));
	s->other_types = s->short_records = s->nomem = 0;

	row_reset(&s->total);
	for (i = 0; i < HS_CLASS_ROWS; i++)
		row_reset(&s->classes[i]);
	if (s->cells) {
		for (unsigned v = 0; v < HS_CELLS; v++)
			for (unsigned c = 0; s->cells[v] && c < HS_CLASS_ROWS; c++)
				row_reset(&s->cells[v][c]);
	}
	table_reset(&s->vms);
	table_reset(&s->vcpus);
	table_reset(&s->pcs);
	table_reset(&s->mmio);
	table_reset(&s->sysregs);
	table_reset(&s->hypercalls);
	s->unpaired = 0;

	s->vmid_allocs = s->vmid_rollovers = 0;
	hs_hist_reset(&s->flush_cost);
	s->vmids_in_use_max = 0;
	s->vm_creates = s->vm_destroys = 0;
	hs_hist_reset(&s->wfi_blocked);
	memset(s->irq_injects, 0, sizeof(s->irq_injects));
	memset(s->vgic, 0, sizeof(s->vgic));
	s->maint = 0;
	memset(s->maint_causes, 0, sizeof(s->maint_causes));
	memset(s->logs, 0, sizeof(s->logs));
	memset(&s->its, 0, sizeof(s->its));
	hs_nested_reset(s->nested);
}

void hs_stats_add_lost(struct hs_stats *s, unsigned cpu, uint64_t n)
{
	s->lost += n;
	if (cpu < HS_MAX_CPUS) {
		s->cpu_lost[cpu] += n;
		if (n && cpu >= s->nr_cpus)
			s->nr_cpus = cpu + 1;
	}
}

double hs_stats_guest_s(const struct hs_stats *s)
{
	return (double)s->total.guest_ns / 1e9;
}

double hs_stats_span_s(const struct hs_stats *s)
{
	if (s->records < 2 || s->last_ts <= s->first_ts)
		return 0.0;
	return (double)(s->last_ts - s->first_ts) / (double)s->opts.cntfrq;
}

int hs_stats_defer(struct hs_stats *s)
{
	struct hs_table *t;
	unsigned i;

	if (s->cells)
		return 0;
	s->cells = calloc(HS_CELLS, sizeof(*s->cells));
	if (!s->cells)
		return -ENOMEM;
	for (i = 0; (t = deferring_tables(s, i)); i++) {
		if (t->defer && !t->log) {
			t->log = malloc(HS_LOG_MAX * sizeof(*t->log));
			t->log_sorted = malloc(HS_LOG_MAX * sizeof(*t->log_sorted));
			t->log_nr = 0;
			if (!t->log || !t->log_sorted)
				goto nomem;
		}
		if (t->batch && !t->pend) {
			t->pend = malloc(HS_PEND_MAX * sizeof(*t->pend));
			t->pend_parts = malloc(HS_PEND_MAX * sizeof(*t->pend_parts));
			t->pend_nr = 0;
			if (!t->pend || !t->pend_parts)
				goto nomem;
		}
	}
	return 0;
nomem:
	hs_stats_settle(s);
	return -ENOMEM;
}

/* Add the counts and samples of src to dst. 0 or -ENOMEM. */
static int row_merge(struct hs_row *dst, const struct hs_row *src)
{
	dst->count += src->count;
	dst->failed += src->failed;
	dst->guest_ns += src->guest_ns;
	return hs_hist_merge(&dst->cost, &src->cost) | hs_hist_merge(&dst->time, &src->time);
}

int hs_stats_settle(struct hs_stats *s)
{
	struct hs_row *cell, *vrow;
	struct hs_table *t;
	unsigned i, v, c;
	int ret = 0;

	for (i = 0; (t = deferring_tables(s, i)); i++) {
		if (t->pend)
			table_flush(s, t);
		free(t->pend);
		free(t->pend_parts);
		t->pend = t->pend_parts = NULL;
		if (!t->log)
			continue;
		table_count_log(s, t);
		free(t->log);
		free(t->log_sorted);
		t->log = t->log_sorted = NULL;
	}
	if (!s->cells)
		return ret;
	for (v = 0; v < HS_CELLS; v++) {
		if (!s->cells[v])
			continue;
		vrow = v == HS_CELL_OTHER ? &s->vcpus.other : table_row(&s->vcpus, v);
		for (c = 0; c < HS_CLASS_ROWS; c++) {
			cell = &s->cells[v][c];
			if (!cell->count && !cell->time.count)
				continue;
			ret |= row_merge(&s->total, cell);
			ret |= row_merge(&s->classes[c], cell);
			if (vrow)
				ret |= row_merge(vrow, cell);
		}
	}
	cells_free(s);
	if (ret)
		s->nomem++;
	return ret ? -ENOMEM : 0;
}

/* While deferring, the row of vCPU slot v (HS_CELL_*) and class cls; NULL out of memory. */
static struct hs_row *cell_get(struct hs_stats *s, uint32_t v, unsigned cls)
{
	struct hs_row *c = s->cells[v];

	if (__builtin_expect(!c, 0)) {
		c = calloc(HS_CLASS_ROWS, sizeof(*c));
		if (!c)
			return NULL;
		s->cells[v] = c;
	}
	return &c[cls];
}

/* vcpu_index() of a vCPU not in vcpu_map[]: found, or added, in the table. */
static __attribute__((noinline)) uint32_t vcpu_index_slow(struct hs_stats *s,
							  const struct trace_hdr *h,
							  struct hs_row **row)
{
	struct hs_key k = { 0, h->vm, { .vcpu = h->vcpu } };
	bool small = h->vm < HS_MAP_VMS && h->vcpu < HS_MAP_VCPUS;
	uint32_t idx;

	*row = NULL;
	if (h->vm == TRACE_NO_VM || h->vcpu == TRACE_NO_VCPU)
		return 0;
	*row = table_get(&s->vcpus, &k, &idx);
	if (!*row) {
		s->nomem++;
		return 0;
	}
	if (idx == HS_ROW_OTHER)
		return 0;
	if (small)
		s->vcpu_map[h->vm][h->vcpu] = idx;
	return idx;
}

/* The vCPU's row index + 1 in s->vcpus (always kept), 0 when there is none. */
static inline uint32_t vcpu_index(struct hs_stats *s, const struct trace_hdr *h,
				  struct hs_row **row)
{
	uint32_t idx;

	if (h->vm < HS_MAP_VMS && h->vcpu < HS_MAP_VCPUS && (idx = s->vcpu_map[h->vm][h->vcpu])) {
		*row = &s->vcpus.rows[idx - 1].row;
		return idx;
	}
	return vcpu_index_slow(s, h, row);
}

/* The VM's row of s->vms (index + 1 in *idx), like table_get(). */
static struct hs_row *vm_get(struct hs_stats *s, uint32_t vm, uint32_t *idx)
{
	struct hs_key k = { 0, vm, { .vcpu = 0 } };
	struct hs_row *row;

	if (vm < HS_MAP_VMS && (*idx = s->vm_map[vm]))
		return &s->vms.rows[*idx - 1].row;
	row = table_get(&s->vms, &k, idx);
	if (row && vm < HS_MAP_VMS && *idx != HS_ROW_OTHER)
		s->vm_map[vm] = *idx;
	return row;
}

/* Forget exits and emulation records waiting on CPU cpu (after a gap), or on VM vm. */
static void drop_pending(struct hs_stats *s, int cpu, int vm)
{
	struct hs_vcpu_state *vs;
	uint32_t i;

	for (i = 0; i < s->vcpus.nr; i++) {
		vs = &s->vstate[i];
		if (vm >= 0 && s->vcpus.rows[i].key.b != (uint32_t)vm)
			continue;
		if (vm >= 0 || vs->exit_cpu == cpu)
			vs->exit_pending = false;
		if (vm >= 0 || vs->entry_cpu == cpu)
			vs->entry_pending = false;
		if (vm >= 0 || vs->mmio_cpu == cpu)
			vs->mmio_row = vs->mmio_pend = 0;
		if (vm >= 0 || vs->smccc_cpu == cpu)
			vs->smccc_row = 0;
	}
}

/* An exit's row: counted; its cost only when it was measured (not on a KVM host). */
static int row_add_exit(struct hs_row *r, const struct trace_exit *e, bool failed)
{
	if (!(e->flags & TRACE_EXIT_NO_COST))
		return row_add(r, e->cost, failed);
	r->count++;
	r->failed += failed;
	return 0;
}

static inline __attribute__((always_inline)) int
feed_exit(struct hs_stats *s, const struct trace_exit *e)
{
	const struct trace_hdr *h = &e->hdr;
	bool injected = e->outcome == TRACE_EXIT_INJECTED;
	unsigned cls = e->exit_class < HYP_EXIT_CLASSES ? e->exit_class : HS_CLASS_BAD;
	struct hs_vcpu_state *vs = NULL;
	struct hs_row *row, *vrow;
	struct hs_key k;
	uint32_t vi, idx, vm_row = 0, pc_row = 0;
	int ret = 0;

	vi = vcpu_index(s, h, &vrow);
	if (s->cells) {
		/* vrow without vi: the vCPU table's overflow row */
		row = cell_get(s, vi ? vi : vrow ? HS_CELL_OTHER : HS_CELL_NONE, cls);
		if (row)
			ret |= row_add_exit(row, e, injected);
		else
			ret = -ENOMEM;
	} else {
		ret |= row_add_exit(&s->total, e, injected);
		ret |= row_add_exit(&s->classes[cls], e, injected);
		if (vrow)
			ret |= row_add_exit(vrow, e, injected);
	}
	if (s->opts.groups & HS_GROUP_VM && h->vm != TRACE_NO_VM) {
		row = vm_get(s, h->vm, &vm_row);
		if (row)
			ret |= table_add_exit(s, &s->vms, row, vm_row, e, injected);
		else
			ret = -ENOMEM;
	}
	if (s->opts.groups & HS_GROUP_PC) {
		k = (struct hs_key){ e->elr, h->vm, { .vcpu = 0 } };
		row = table_get(&s->pcs, &k, &pc_row);
		if (row)
			ret |= table_add_exit(s, &s->pcs, row, pc_row, e, injected);
		else
			ret = -ENOMEM;
	}
	if (cls == ESR_EC_SYS64) {
		/* ESR_EL2.ISS.Direction: 1 for MRS (a read) */
		k = (struct hs_key){ esr_sysreg_key(e->esr), 0, { .write = !(e->esr & 1) } };
		if (s->sysregs.pend)
			table_pend(s, &s->sysregs, &k, (injected ? HS_PEND_FAILED : 0) |
				   (e->flags & TRACE_EXIT_NO_COST ? 0 : HS_PEND_COST), e->cost);
		else if ((row = table_get(&s->sysregs, &k, &idx)))
			ret |= table_add_exit(s, &s->sysregs, row, idx, e, injected);
		else
			ret = -ENOMEM;
	}

	if (vi) {
		vs = &s->vstate[vi - 1];
		/* the time in the guest since the entry this exit ends */
		if (vs->entry_pending && vs->entry_cpu == h->cpu && h->ts >= vs->entry_ts) {
			uint64_t ns = hs_stats_ticks_to_ns(s, h->ts - vs->entry_ts);

			s->total.guest_ns += ns;
			vrow->guest_ns += ns;
			row = table_row(&s->vms, vs->entry_vm_row);
			if (row)
				row->guest_ns += ns;
		}
		vs->entry_pending = false;
		/* the emulation record this exit's handler wrote just before */
		if (vs->mmio_pend && vs->mmio_cpu == h->cpu && !(e->flags & TRACE_EXIT_NO_COST)) {
			s->mmio.pend[vs->mmio_pend - 1].cost = e->cost;
			s->mmio.pend[vs->mmio_pend - 1].flags |= HS_PEND_COST;
		} else if (vs->mmio_row && vs->mmio_cpu == h->cpu &&
			   !(e->flags & TRACE_EXIT_NO_COST)) {
			row = table_row(&s->mmio, vs->mmio_row);
			if (row)
				ret |= table_sample(s, &s->mmio, row, vs->mmio_row, false, e->cost);
		}
		if (vs->smccc_row && vs->smccc_cpu == h->cpu && !(e->flags & TRACE_EXIT_NO_COST)) {
			row = table_row(&s->hypercalls, vs->smccc_row);
			if (row)
				ret |= table_sample(s, &s->hypercalls, row, vs->smccc_row, false,
						    e->cost);
		}
		vs->mmio_row = vs->mmio_pend = 0;
		vs->smccc_row = 0;
		vs->exit_pending = true;
		vs->exit_ts = h->ts;
		vs->exit_cpu = h->cpu;
		vs->exit_row = cls;
		vs->vm_row = vm_row;
		vs->pc_row = pc_row;
	}
	return count_err(s, ret ? -ENOMEM : 0);
}

static inline __attribute__((always_inline)) int
feed_entry(struct hs_stats *s, const struct trace_hdr *h)
{
	struct hs_vcpu_state *vs;
	struct hs_row *vrow, *row;
	uint32_t vi = vcpu_index(s, h, &vrow);
	uint64_t ns;
	int ret = 0;

	if (!vi) {
		s->unpaired++;
		return 0;
	}
	vs = &s->vstate[vi - 1];
	vs->entry_pending = true;
	vs->entry_ts = h->ts;
	vs->entry_cpu = h->cpu;
	vs->entry_vm_row = 0;
	if (s->opts.groups & HS_GROUP_VM && !vm_get(s, h->vm, &vs->entry_vm_row))
		ret = -ENOMEM;
	if (!vs->exit_pending || h->ts < vs->exit_ts) {
		s->unpaired++;
		vs->exit_pending = false;
		return count_err(s, ret);
	}
	vs->exit_pending = false;
	ns = hs_stats_ticks_to_ns(s, h->ts - vs->exit_ts);
	if (s->cells) {
		row = cell_get(s, vi, vs->exit_row);
		if (row)
			ret |= hs_hist_add(&row->time, ns);
		else
			ret = -ENOMEM;
	} else {
		ret |= hs_hist_add(&s->total.time, ns);
		ret |= hs_hist_add(&s->classes[vs->exit_row].time, ns);
		ret |= hs_hist_add(&vrow->time, ns);
	}
	row = table_row(&s->vms, vs->vm_row);
	if (row)
		ret |= table_sample(s, &s->vms, row, vs->vm_row, true, ns);
	row = table_row(&s->pcs, vs->pc_row);
	if (row)
		ret |= table_sample(s, &s->pcs, row, vs->pc_row, true, ns);
	return count_err(s, ret ? -ENOMEM : 0);
}

static inline __attribute__((always_inline)) int
feed_mmio(struct hs_stats *s, const struct trace_mmio *m)
{
	struct hs_key k = { hs_mmio_offset(m->device, m->ipa), m->device,
			    { .write = m->is_write ? 1u : 0u } };
	bool failed = m->result != TRACE_MMIO_OK;
	struct hs_row *row, *vrow;
	uint32_t idx, vi, pend = 0;

	if (s->mmio.pend) {
		/* the row when the record is looked up: table_flush() */
		pend = table_pend(s, &s->mmio, &k, failed ? HS_PEND_FAILED : 0, 0) + 1;
		idx = 0;
	} else {
		row = table_get(&s->mmio, &k, &idx);
		if (!row)
			return count_err(s, -ENOMEM);
		row->count++;
		row->failed += failed;
	}
	vi = vcpu_index(s, &m->hdr, &vrow);
	if (vi) {
		s->vstate[vi - 1].mmio_row = idx;
		s->vstate[vi - 1].mmio_pend = pend;
		s->vstate[vi - 1].mmio_cpu = m->hdr.cpu;
	}
	return 0;
}

/* The MMIO records waiting for their exit's cost in s->mmio.pend, flushed: their rows. */
static void mmio_waits_to_rows(struct hs_stats *s)
{
	const struct hs_table *t = &s->mmio;
	struct hs_vcpu_state *vs;
	struct hs_key k;
	uint32_t i;

	for (i = 0; i < s->vcpus.nr; i++) {
		vs = &s->vstate[i];
		if (!vs->mmio_pend)
			continue;
		k = pend_key(&t->pend[vs->mmio_pend - 1]);
		vs->mmio_row = table_find(t, &k, t->pend[vs->mmio_pend - 1].hash);
		/* not found: the overflow row of a full table, or no memory for its row */
		if (!vs->mmio_row && t->nr >= t->max_rows)
			vs->mmio_row = HS_ROW_OTHER;
		vs->mmio_pend = 0;
	}
}

/* x0 holds an SMCCC or PSCI error code (-1..-64, as W0). */
static bool smccc_failed(const struct trace_smccc *c)
{
	int32_t w0 = (int32_t)c->result[0];

	return w0 < 0 && w0 >= -64;
}

/* The row of an SDEI event, NULL when HS_SDEI_EVENTS others came first. */
static struct hs_sdei_event *sdei_event(struct hs_stats *s, uint32_t event)
{
	for (unsigned i = 0; i < HS_SDEI_EVENTS; i++) {
		struct hs_sdei_event *e = &s->sdei.ev[i];

		if (e->used && e->event == event)
			return e;
		if (!e->used) {
			e->used = true;
			e->event = event;
			return e;
		}
	}
	s->sdei.other_events++;
	return NULL;
}

static void feed_its(struct hs_stats *s, const struct trace_hdr *h)
{
	const struct trace_its *r = (const void *)h;
	struct hs_its *its = &s->its;

	if (h->type == TRACE_ITS_CMD) {
		its->cmds[r->cmd < HS_ITS_CMDS ? r->cmd : HS_ITS_CMDS]++;
		if (r->result)
			its->cmd_errors++;
	} else if (r->result) {
		its->msis_dropped++;
	} else if (r->cmd == TRACE_ITS_MSI) {
		its->lpis_msi++;
	} else {
		its->lpis_int++;
	}
}

static int feed_sdei(struct hs_stats *s, const struct trace_hdr *h)
{
	struct hs_sdei *sd = &s->sdei;
	struct hs_sdei_event *e;

	switch (h->type) {
	case TRACE_SDEI_CALL: {
		const struct trace_sdei_call *c = (const void *)h;

		sd->calls[c->fn < HS_SDEI_FNS ? c->fn : HS_SDEI_FNS]++;
		sd->denied += c->result == -3;
		sd->invalid += c->result == -2;
		sd->not_supported += c->result == -1;
		sd->pending += c->result == -5;
		return 0;
	}
	case TRACE_SDEI_DISPATCH: {
		const struct trace_sdei_dispatch *d = (const void *)h;

		e = sdei_event(s, d->event_num);
		if (e) {
			e->dispatches++;
			e->by_cause[d->cause < 3 ? d->cause : 0]++;
		}
		return 0;
	}
	case TRACE_SDEI_COMPLETE: {
		const struct trace_sdei_complete *c = (const void *)h;

		e = sdei_event(s, c->event_num);
		if (!e)
			return 0;
		if (c->kind == TRACE_SDEI_COMPLETE_RESUME)
			e->resumes++;
		else
			e->completes++;
		return count_err(s, hs_hist_add(&e->handler,
						hs_stats_ticks_to_ns(s, c->handler_ticks)));
	}
	case TRACE_SDEI_STATE: {
		const struct trace_sdei_state *st = (const void *)h;

		if (st->op < sizeof(sd->ops) / sizeof(sd->ops[0]))
			sd->ops[st->op]++;
		return 0;
	}
	default:
		return 0;
	}
}

static inline __attribute__((always_inline)) int
feed_smccc(struct hs_stats *s, const struct trace_smccc *c)
{
	struct hs_key k = { smccc_fid_base(c->fid), 0, { .write = 0 } };
	struct hs_row *row, *vrow;
	uint32_t idx, vi;

	row = table_get(&s->hypercalls, &k, &idx);
	if (!row)
		return count_err(s, -ENOMEM);
	row->count++;
	row->failed += smccc_failed(c);
	vi = vcpu_index(s, &c->hdr, &vrow);
	if (vi) {
		s->vstate[vi - 1].smccc_row = idx;
		s->vstate[vi - 1].smccc_cpu = c->hdr.cpu;
	}
	return 0;
}

static void feed_vm(struct hs_stats *s, const struct trace_vm *v)
{
	unsigned vm = v->hdr.vm;

	if (v->hdr.type == TRACE_VM_CREATE)
		s->vm_creates++;
	else
		s->vm_destroys++;
	if (vm < HS_MAX_VM_NAMES) {
		memcpy(s->vm_names[vm], v->name, sizeof(s->vm_names[vm]));
		s->vm_names[vm][sizeof(s->vm_names[vm]) - 1] = '\0';
	}
	/* a new instance starts from nothing; a destroyed one never enters again */
	if (vm != TRACE_NO_VM)
		drop_pending(s, -1, (int)vm);
}

static void feed_lrs(struct hs_stats *s, const struct trace_vgic_lrs *l)
{
	struct hs_vgic_point *p;
	unsigned i, n = l->nr_lrs < TRACE_MAX_LRS ? l->nr_lrs : TRACE_MAX_LRS, used = 0;

	if (l->point > TRACE_LRS_FOLD)
		return;
	p = &s->vgic[l->point];
	for (i = 0; i < n; i++)
		used += ich_lr_get_state(l->lr[i]) != ICH_LR_STATE_INVALID;
	p->snapshots++;
	p->lrs[used]++;
	p->used_sum += used;
	if (l->hcr & (ICH_HCR_UIE | ICH_HCR_NPIE))
		p->overflow++;
	if (n > p->nr_lrs)
		p->nr_lrs = n;
}

static void feed_maint(struct hs_stats *s, const struct trace_vgic_maint *m)
{
	unsigned i;

	s->maint++;
	for (i = 0; i < HS_MISR_CAUSES; i++)
		if (m->misr & (1u << i))
			s->maint_causes[i]++;
}

/* Sequence numbers of one CPU go up by one; a gap breaks every pairing on that CPU. */
static void track_seq(struct hs_stats *s, const struct trace_hdr *h)
{
	unsigned cpu = h->cpu;

	if (cpu >= HS_MAX_CPUS)
		return;
	s->cpu_records[cpu]++;
	if (cpu >= s->nr_cpus)
		s->nr_cpus = cpu + 1;
	if (s->seq_known[cpu] && h->seq != s->next_seq[cpu]) {
		s->gaps++;
		drop_pending(s, (int)cpu, -1);
	}
	s->next_seq[cpu] = h->seq + 1;
	s->seq_known[cpu] = 1;
}

/*
 * What a record counts by its type, after what every record counts
 * (hs_stats_feed()). Nothing here reads what every record counts (records,
 * first_ts and last_ts, cpu_records, the sequence numbers, by_type_index):
 * hs_stats_feed_batch() counts those for a run of records first.
 */
static inline __attribute__((always_inline)) int feed_typed(struct hs_stats *s,
							    const struct trace_hdr *h)
{
	int ret = 0;

	switch (h->type) {
	case TRACE_EXIT:
		ret = feed_exit(s, (const struct trace_exit *)h);
		if (((const struct trace_exit *)h)->flags & (TRACE_EXIT_L1 | TRACE_EXIT_L2))
			ret |= hs_nested_feed(s, h);
		break;
	case TRACE_ENTRY:
		ret = feed_entry(s, h);
		break;
	case TRACE_WFI_WAKE:
		ret = count_err(s, hs_hist_add(&s->wfi_blocked,
					       hs_stats_ticks_to_ns(
						       s, ((const struct trace_sched *)h)->ticks)));
		break;
	case TRACE_VM_CREATE:
	case TRACE_VM_DESTROY:
		feed_vm(s, (const struct trace_vm *)h);
		break;
	case TRACE_VMID_ALLOC: {
		const struct trace_vmid_alloc *a = (const void *)h;

		s->vmid_allocs++;
		s->vmid_bits = a->vmid_bits;
		if (a->in_use > s->vmids_in_use_max)
			s->vmids_in_use_max = a->in_use;
		break;
	}
	case TRACE_VMID_ROLLOVER: {
		const struct trace_vmid_rollover *r = (const void *)h;

		s->vmid_rollovers++;
		s->vmid_bits = r->vmid_bits;
		if (r->in_use > s->vmids_in_use_max)
			s->vmids_in_use_max = r->in_use;
		ret = count_err(s, hs_hist_add(&s->flush_cost, r->flush_cost));
		break;
	}
	case TRACE_MMIO:
		ret = feed_mmio(s, (const struct trace_mmio *)h);
		break;
	case TRACE_SMCCC:
		ret = feed_smccc(s, (const struct trace_smccc *)h);
		break;
	case TRACE_IRQ_INJECT: {
		uint32_t src = ((const struct trace_irq_inject *)h)->source;

		s->irq_injects[src < HS_IRQ_SOURCES ? src : HS_IRQ_SOURCES]++;
		break;
	}
	case TRACE_VGIC_LRS:
		feed_lrs(s, (const struct trace_vgic_lrs *)h);
		break;
	case TRACE_VGIC_MAINT:
		feed_maint(s, (const struct trace_vgic_maint *)h);
		break;
	case TRACE_LOG: {
		unsigned lvl = ((const struct trace_log *)h)->level;

		s->logs[lvl < 4 ? lvl : TRACE_LOG_DEBUG]++;
		break;
	}
	case TRACE_SDEI_CALL:
	case TRACE_SDEI_DISPATCH:
	case TRACE_SDEI_COMPLETE:
	case TRACE_SDEI_STATE:
		ret = feed_sdei(s, h);
		break;
	case TRACE_ITS_CMD:
	case TRACE_ITS_LPI:
		feed_its(s, h);
		break;
	case TRACE_NV_EXIT:
	case TRACE_NV_ERET:
	case TRACE_NV_INJECT:
	case TRACE_NV_S2_FAULT:
	case TRACE_NV_S2_INVAL:
		ret = hs_nested_feed(s, h);
		break;
	default:
		break;
	}
	return ret;
}

int hs_stats_feed(struct hs_stats *s, const struct trace_hdr *h, uint32_t size)
{
	int ti = trace_type_index(h->type);
	uint32_t min = trace_min_size(h->type);

	if (size < sizeof(*h) || (min && size < min)) {
		s->short_records++;
		return 0;
	}
	if (!s->records++) {
		s->first_ts = h->ts;
		s->last_ts = h->ts;
	} else if (h->ts < s->first_ts) {
		s->first_ts = h->ts;
	} else if (h->ts > s->last_ts) {
		s->last_ts = h->ts;
	}
	track_seq(s, h);
	if (ti >= 0)
		s->by_type_index[ti]++;
	else
		s->other_types++;
	return feed_typed(s, h);
}

/*
 * What every record counts (hs_stats_feed()'s first part), for the records
 * rec[i..] that need nothing more of it than a few counts: a type this
 * version decodes, a size it allows, a CPU below HS_MAX_CPUS whose sequence
 * number follows the one before (no gap), in a model that has counted a
 * record before. Returns the index of the first record that needs more, or
 * n: hs_stats_feed() counts that one.
 */
static unsigned feed_plain_run(struct hs_stats *s, const struct tf_record *rec, unsigned i,
			       unsigned n)
{
	uint64_t lo = s->first_ts, hi = s->last_ts;
	unsigned start = i, cpu;
	const struct trace_hdr *h;
	int ti;

	if (!s->records)
		return i;
	for (; i < n; i++) {
		h = rec[i].hdr;
		ti = trace_type_index(h->type);
		cpu = h->cpu;
		/*
		 * No type is shorter than its header (tests/unit/test_trace_types.c); a CPU
		 * whose sequence is known counts in nr_cpus already.
		 */
		if (ti < 0 || rec[i].size < trace_types[ti].size || cpu >= HS_MAX_CPUS ||
		    !s->seq_known[cpu] || h->seq != s->next_seq[cpu])
			break;
		s->next_seq[cpu] = h->seq + 1;
		s->cpu_records[cpu]++;
		s->by_type_index[ti]++;
		lo = h->ts < lo ? h->ts : lo;
		hi = h->ts > hi ? h->ts : hi;
	}
	s->records += i - start;
	s->first_ts = lo;
	s->last_ts = hi;
	return i;
}

int hs_stats_feed_batch(struct hs_stats *s, const struct tf_record *rec, unsigned n)
{
	unsigned i = 0, plain;
	int ret = 0; /* each feed's answer is 0 or -ENOMEM: ORed, one -ENOMEM stays */

	while (i < n) {
		/* what every record counts first, a run at a time: feed_typed() does not read it */
		plain = feed_plain_run(s, rec, i, n);
		for (; i < plain; i++)
			ret |= feed_typed(s, rec[i].hdr);
		if (i < n) {
			ret |= hs_stats_feed(s, rec[i].hdr, rec[i].size);
			i++;
		}
	}
	return ret;
}

/* ------------------------------------------------------------ listing rows */

static int cmp_u64_desc(uint64_t x, uint64_t y)
{
	return x > y ? -1 : x < y;
}

static int cmp_ref_name(const struct hs_ref *x, const struct hs_ref *y)
{
	if (x->other != y->other)
		return x->other ? 1 : -1;
	if (x->cls != y->cls)
		return x->cls < y->cls ? -1 : 1;
	if (x->vm != y->vm)
		return x->vm < y->vm ? -1 : 1;
	if (x->vcpu != y->vcpu)
		return x->vcpu < y->vcpu ? -1 : 1;
	if (x->pc != y->pc)
		return x->pc < y->pc ? -1 : 1;
	return 0;
}

static int cmp_ref(const void *a, const void *b, void *arg)
{
	const struct hs_ref *x = a, *y = b;
	enum hs_sort sort = *(const enum hs_sort *)arg;
	int c = 0;

	switch (sort) {
	case HS_SORT_COUNT:
		c = cmp_u64_desc(x->row->count, y->row->count);
		break;
	case HS_SORT_TIME:
		c = cmp_u64_desc(x->row->time.sum, y->row->time.sum);
		break;
	case HS_SORT_P99:
		c = cmp_u64_desc(hs_hist_quantile(&x->row->time, 0.99),
				 hs_hist_quantile(&y->row->time, 0.99));
		break;
	case HS_SORT_COST:
		c = cmp_u64_desc(x->row->cost.sum, y->row->cost.sum);
		break;
	case HS_SORT_NAME:
		break;
	}
	return c ? c : cmp_ref_name(x, y);
}

static int table_refs(const struct hs_table *t, enum hs_by by, struct hs_ref *refs)
{
	const struct hs_keyed_row *kr;
	uint32_t i;
	int n = 0;

	for (i = 0; i < t->nr; i++) {
		kr = &t->rows[i];
		if (!kr->row.count)
			continue;
		refs[n] = (struct hs_ref){ .row = &kr->row };
		if (by == HS_BY_PC) {
			refs[n].pc = kr->key.a;
			refs[n].vm = kr->key.b;
		} else {
			refs[n].vm = kr->key.b;
			refs[n].vcpu = by == HS_BY_VCPU ? kr->key.vcpu : 0;
		}
		n++;
	}
	if (t->other.count)
		refs[n++] = (struct hs_ref){ .row = &t->other, .other = true };
	return n;
}

int hs_stats_rows(const struct hs_stats *s, enum hs_by by, enum hs_sort sort,
		  struct hs_ref **out)
{
	const struct hs_table *t = NULL;
	struct hs_ref *refs;
	size_t max = 0;
	int n = 0;
	unsigned i;

	*out = NULL;
	switch (by) {
	case HS_BY_CLASS:
		max = HS_CLASS_ROWS;
		break;
	case HS_BY_VM:
		if (!(s->opts.groups & HS_GROUP_VM))
			return -EINVAL;
		t = &s->vms;
		break;
	case HS_BY_VCPU:
		t = &s->vcpus;
		break;
	case HS_BY_PC:
		if (!(s->opts.groups & HS_GROUP_PC))
			return -EINVAL;
		t = &s->pcs;
		break;
	default:
		return -EINVAL;
	}
	if (t)
		max = t->nr + 1;
	refs = calloc(max ? max : 1, sizeof(*refs));
	if (!refs)
		return -ENOMEM;
	if (t) {
		n = table_refs(t, by, refs);
	} else {
		for (i = 0; i < HS_CLASS_ROWS; i++)
			if (s->classes[i].count)
				refs[n++] = (struct hs_ref){ .row = &s->classes[i], .cls = i };
	}
	qsort_r(refs, (size_t)n, sizeof(*refs), cmp_ref, &sort);
	*out = refs;
	return n;
}

static int cmp_keyed(const void *a, const void *b)
{
	const struct hs_keyed_row *x = *(const struct hs_keyed_row *const *)a;
	const struct hs_keyed_row *y = *(const struct hs_keyed_row *const *)b;
	int c = cmp_u64_desc(x->row.count, y->row.count);

	if (c)
		return c;
	if (x->key.b != y->key.b)
		return x->key.b < y->key.b ? -1 : 1;
	if (x->key.a != y->key.a)
		return x->key.a < y->key.a ? -1 : 1;
	if (x->key.write != y->key.write) /* or vcpu: the same word */
		return x->key.write < y->key.write ? -1 : 1;
	return 0;
}

int hs_table_sorted(const struct hs_table *t, const struct hs_keyed_row ***out)
{
	const struct hs_keyed_row **v;
	uint32_t i;
	int n = 0;

	*out = NULL;
	v = calloc(t->nr ? t->nr : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < t->nr; i++)
		if (t->rows[i].row.count)
			v[n++] = &t->rows[i];
	qsort(v, (size_t)n, sizeof(*v), cmp_keyed);
	*out = v;
	return n;
}

const char *hs_vm_label(const struct hs_stats *s, uint32_t vm, char *buf, size_t len)
{
	if (vm < HS_MAX_VM_NAMES && s->vm_names[vm][0])
		snprintf(buf, len, "vm%u (%s)", vm, s->vm_names[vm]);
	else
		snprintf(buf, len, "vm%u", vm);
	return buf;
}

/* ------------------------------------------------------------------ devices */

const char *hs_device_name(uint32_t device)
{
	switch (device) {
	case TRACE_DEV_NONE:
		return "none";
	case TRACE_DEV_GICD:
		return "GICD";
	case TRACE_DEV_GICR:
		return "GICR";
	case TRACE_DEV_UART:
		return "UART";
	case TRACE_DEV_KVM_KERNEL:
		return "kvm";
	case TRACE_DEV_KVM_USER:
		return "vmm";
	default:
		return NULL;
	}
}

uint64_t hs_mmio_offset(uint32_t device, uint64_t ipa)
{
	switch (device) {
	case TRACE_DEV_GICD:
		return ipa >= GUEST_GICD_IPA ? ipa - GUEST_GICD_IPA : ipa;
	case TRACE_DEV_GICR:
		/* every vCPU's redistributor has the same frames: fold them together */
		return ipa >= GUEST_GICR_IPA ? (ipa - GUEST_GICR_IPA) % GUEST_GICR_STRIDE : ipa;
	case TRACE_DEV_UART:
		return ipa >= GUEST_UART_IPA ? ipa - GUEST_UART_IPA : ipa;
	default:
		return ipa; /* no region known: the address itself */
	}
}
