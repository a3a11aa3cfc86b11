/*
 * Unit tests for the exporters (formats/export*.c) and `hypscope export`
 * (tracer/cmd_export.c): a trace with every record type on several CPUs, a
 * record of an unknown type, appended fields, awkward text and losses goes
 * to CSV and comes back byte for byte, to Chrome JSON that parses with the
 * expected slices, and to CTF that babeltrace2 reads event for event.
 * Damaged files export what is intact; bad command lines get exit code 2.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "formats/esr.h"
#include "formats/host/export.h"
#include "formats/exits.h"
#include "formats/host/tracefile.h"
#include "formats/host/trace_types.h"
#include "formats/smccc.h"
#include "tracer/hypscope.h"

#define NCPUS       4u   /* CPUs with records */
#define FILE_CPUS   5u   /* the file declares one idle CPU more */
#define PER_CPU     1500u
#define NKINDS      19u
#define UNKNOWN_TYPE 0x0105u
#define CNTFRQ      24000000u /* 41.67 ns per tick: ns values are not whole ticks */

/* ---------------------------------------------------------------- fixture */

struct sample {
	uint8_t *recs[FILE_CPUS]; /* each CPU's records, back to back */
	size_t  *at[FILE_CPUS];   /* offset of record seq in recs[cpu] */
	uint64_t nr[FILE_CPUS];
	uint64_t total;
	uint64_t exits, rollovers, irqs, vm_creates, lrs;
	uint64_t lost;
	uint64_t vm1;             /* records of VM slot 1 */
	char     dir[64];
	char     trace[128];
	char     out[160];
};

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static void fill_hdr(struct trace_hdr *h, uint16_t type, size_t size, unsigned cpu, uint64_t seq,
		     uint64_t ts, uint64_t r)
{
	memset(h, 0, size);
	h->type = type;
	h->size = (uint16_t)size;
	h->cpu = (uint16_t)cpu;
	h->seq = seq;
	h->ts = ts;
	h->vm = (uint16_t)(r % 3);
	h->vcpu = (uint16_t)(r >> 8 & 1);
	h->vmid = (uint16_t)(h->vm + 1);
	h->vmid_gen = 1 + (r >> 16 & 3);
	if (r % 11 == 0) {
		h->vm = TRACE_NO_VM;
		h->vcpu = TRACE_NO_VCPU;
		h->vmid = TRACE_NO_VMID;
	}
}

/* Record number kind (0..NKINDS-1) of CPU cpu; returns its size. */
static size_t make_record(uint8_t *out, unsigned kind, unsigned cpu, uint64_t seq, uint64_t ts)
{
	static const uint16_t sched_types[] = { TRACE_SCHED_IN, TRACE_SCHED_OUT, TRACE_WFI_BLOCK,
						TRACE_WFI_WAKE };
	uint64_t r = mix64(cpu * 1000003u + seq);
	struct trace_hdr *h = (struct trace_hdr *)out;
	size_t i;

	switch (kind) {
	case 0:
	case 1: { /* kind 1: with 16 bytes of fields from a newer producer */
		struct trace_exit *e = (struct trace_exit *)out;
		size_t size = sizeof(*e) + (kind == 1 ? 16 : 0);

		fill_hdr(h, TRACE_EXIT, size, cpu, seq, ts, r);
		e->esr = (uint64_t)ESR_EC_DABT_LOW << ESR_EC_SHIFT | (r & 0xffffff);
		e->elr = 0xffff800010000000ull | (r & 0xfffc);
		e->far = mix64(r);
		e->hpfar = mix64(r + 1) >> 8;
		e->cost = r % 100000;
		e->insn = (uint32_t)(r >> 32);
		e->exit_class = (uint16_t)(r % HYP_EXIT_CLASSES);
		e->outcome = (uint8_t)(r % 3);
		e->flags = (uint8_t)(r & 3);
		for (i = sizeof(*e); i < size; i++)
			out[i] = (uint8_t)mix64(r + i);
		return size;
	}
	case 2: {
		struct trace_entry *en = (struct trace_entry *)out;

		fill_hdr(h, TRACE_ENTRY, sizeof(*en), cpu, seq, ts, r);
		en->pc = r;
		en->pending_irqs = (uint32_t)(r >> 40);
		en->lrs_used = (uint32_t)(r % 17);
		return sizeof(*en);
	}
	case 3: case 4: case 5: case 6: {
		struct trace_sched *s = (struct trace_sched *)out;

		fill_hdr(h, sched_types[kind - 3], sizeof(*s), cpu, seq, ts, r);
		s->pc = mix64(r);
		s->ticks = r % 5000;
		s->reason = (uint32_t)(r % 12); /* past the enum's end too */
		s->runnable = (uint32_t)(r >> 50);
		return sizeof(*s);
	}
	case 7: case 8: {
		struct trace_vm *v = (struct trace_vm *)out;

		fill_hdr(h, kind == 7 ? TRACE_VM_CREATE : TRACE_VM_DESTROY, sizeof(*v), cpu, seq, ts,
			 r);
		v->serial = r >> 3;
		v->mem_size = 64ull << 20;
		v->nr_vcpus = 2;
		v->state = kind == 8 ? 3 : 0;
		v->exit_status = kind == 8 ? (uint32_t)r : 0;
		/* a comma and a quote: CSV must quote it */
		snprintf(v->name, sizeof(v->name), "vm %u, \"guest\" %u", h->vm, (unsigned)(r % 100));
		return sizeof(*v);
	}
	case 9: {
		struct trace_vmid_alloc *a = (struct trace_vmid_alloc *)out;

		fill_hdr(h, TRACE_VMID_ALLOC, sizeof(*a), cpu, seq, ts, r);
		a->serial = r;
		a->in_use = (uint32_t)(r % 8);
		a->vmid_bits = 8;
		return sizeof(*a);
	}
	case 10: {
		struct trace_vmid_rollover *v = (struct trace_vmid_rollover *)out;

		fill_hdr(h, TRACE_VMID_ROLLOVER, sizeof(*v), cpu, seq, ts, r);
		v->old_gen = r;
		v->new_gen = r + 1;
		v->flush_cost = r >> 20;
		v->in_use = 7;
		v->vmid_bits = 3;
		return sizeof(*v);
	}
	case 11: {
		struct trace_mmio *m = (struct trace_mmio *)out;

		fill_hdr(h, TRACE_MMIO, sizeof(*m), cpu, seq, ts, r);
		m->ipa = r;
		m->value = ~r;
		m->device = (uint32_t)(r % 6);
		m->width = (uint8_t)(1u << (r % 4));
		m->is_write = (uint8_t)(r >> 7 & 1);
		m->result = (uint8_t)(r % 3);
		return sizeof(*m);
	}
	case 12: {
		struct trace_smccc *s = (struct trace_smccc *)out;

		fill_hdr(h, TRACE_SMCCC, sizeof(*s), cpu, seq, ts, r);
		for (i = 0; i < 6; i++)
			s->args[i] = mix64(r + i);
		for (i = 0; i < 4; i++)
			s->result[i] = mix64(r + 10 + i);
		s->fid = r % 2 ? 0xc4000003u : (uint32_t)r;
		s->conduit = (uint8_t)(r % 2);
		return sizeof(*s);
	}
	case 13: {
		struct trace_irq_inject *q = (struct trace_irq_inject *)out;

		fill_hdr(h, TRACE_IRQ_INJECT, sizeof(*q), cpu, seq, ts, r);
		q->vintid = (uint32_t)(r % 1020);
		q->source = (uint32_t)(r % 5);
		q->target_vcpu = (uint16_t)(r >> 9 & 1);
		q->source_vcpu = q->source ? TRACE_NO_VCPU : 0;
		q->priority = (uint8_t)r;
		return sizeof(*q);
	}
	case 14: {
		struct trace_vgic_lrs *l = (struct trace_vgic_lrs *)out;

		fill_hdr(h, TRACE_VGIC_LRS, sizeof(*l), cpu, seq, ts, r);
		l->nr_lrs = (uint8_t)(1 + r % 16);
		for (i = 0; i < l->nr_lrs; i++)
			l->lr[i] = mix64(r + i);
		l->hcr = (uint32_t)r;
		l->misr = (uint32_t)(r >> 8);
		l->eisr = (uint32_t)(r >> 16);
		l->elrsr = (uint32_t)(r >> 24);
		l->point = (uint8_t)(r & 1);
		l->used = (uint16_t)(r >> 32);
		return sizeof(*l);
	}
	case 15: {
		struct trace_vgic_maint *m = (struct trace_vgic_maint *)out;

		fill_hdr(h, TRACE_VGIC_MAINT, sizeof(*m), cpu, seq, ts, r);
		m->misr = (uint32_t)r;
		m->eisr = (uint32_t)(r >> 32);
		m->hcr = (uint32_t)(r >> 16);
		return sizeof(*m);
	}
	case 16: case 17: {
		struct trace_log *l = (struct trace_log *)out;

		fill_hdr(h, TRACE_LOG, sizeof(*l), cpu, seq, ts, r);
		l->level = (uint8_t)(r % 5);
		if (kind == 16)
			l->len = (uint32_t)snprintf(l->text, sizeof(l->text),
						    "cpu %u: \"quoted\", comma\r\nnew line\ttab \xc3\xa9\x01 %" PRIu64,
						    cpu, seq);
		else
			l->len = (uint32_t)snprintf(l->text, sizeof(l->text), "plain line %" PRIu64,
						    seq);
		return sizeof(*l);
	}
	default: { /* a type this version does not decode */
		fill_hdr(h, UNKNOWN_TYPE, sizeof(*h) + 24, cpu, seq, ts, r);
		for (i = sizeof(*h); i < sizeof(*h) + 24; i++)
			out[i] = (uint8_t)mix64(r ^ i);
		return sizeof(*h) + 24;
	}
	}
}

static void write_sample(struct sample *s)
{
	struct tf_info info = {
		.nr_cpus = FILE_CPUS,
		.cntfrq = CNTFRQ,
		.created_cntpct = 5000,
		.description = "unit test, \"quoted\" description",
	};
	uint64_t ts[NCPUS], n;
	struct tf_writer *w;
	char err[TF_MSG_LEN];
	unsigned cpu, kind;

	for (cpu = 0; cpu < NCPUS; cpu++) {
		s->recs[cpu] = malloc(PER_CPU * TRACE_MAX_RECORD);
		s->at[cpu] = malloc(PER_CPU * sizeof(size_t));
		assert_non_null(s->recs[cpu]);
		assert_non_null(s->at[cpu]);
		ts[cpu] = 10000 + cpu;
	}
	assert_int_equal(tf_writer_open(&w, s->trace, &info, err, sizeof(err)), 0);
	for (n = 0; n < NCPUS * PER_CPU; n++) {
		struct trace_hdr *h;
		size_t size, off;
		uint64_t seq;

		cpu = (unsigned)(mix64(n) % NCPUS);
		if (s->nr[cpu] == PER_CPU)
			cpu = (cpu + 1) % NCPUS;
		while (s->nr[cpu] == PER_CPU)
			cpu = (cpu + 1) % NCPUS;
		seq = s->nr[cpu];
		kind = (unsigned)((seq + cpu) % NKINDS);
		ts[cpu] += 1 + mix64(n ^ 0x77) % 500;
		off = seq ? s->at[cpu][seq - 1] + ((struct trace_hdr *)(s->recs[cpu] + s->at[cpu][seq - 1]))->size : 0;
		size = make_record(s->recs[cpu] + off, kind, cpu, seq, ts[cpu]);
		h = (struct trace_hdr *)(s->recs[cpu] + off);
		s->at[cpu][seq] = off;
		s->nr[cpu]++;
		s->total++;
		s->exits += h->type == TRACE_EXIT;
		s->rollovers += h->type == TRACE_VMID_ROLLOVER;
		s->irqs += h->type == TRACE_IRQ_INJECT;
		s->vm_creates += h->type == TRACE_VM_CREATE;
		s->lrs += h->type == TRACE_VGIC_LRS;
		s->vm1 += h->vm == 1;
		assert_int_equal(tf_writer_append(w, cpu, h, size), 0);
		if (n == 2000) {
			assert_int_equal(tf_writer_add_lost(w, 1, 7), 0);
			s->lost += 7;
		}
	}
	assert_int_equal(tf_writer_close(w, NULL), 0);
}

static int setup(void **state)
{
	struct sample *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	snprintf(s->dir, sizeof(s->dir), "/tmp/hypscope-export-XXXXXX");
	if (!mkdtemp(s->dir)) {
		free(s);
		return -1;
	}
	snprintf(s->trace, sizeof(s->trace), "%s/t.trace", s->dir);
	write_sample(s);
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct sample *s = *state;
	char cmd[256];
	unsigned cpu;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", s->dir);
	for (cpu = 0; cpu < FILE_CPUS; cpu++) {
		free(s->recs[cpu]);
		free(s->at[cpu]);
	}
	free(s);
	return 0;
}

static const char *out_path(struct sample *s, const char *name)
{
	snprintf(s->out, sizeof(s->out), "%s/%s", s->dir, name);
	return s->out;
}

static struct tf_reader *open_trace(const char *path)
{
	struct tf_reader *r;
	char err[TF_MSG_LEN];

	assert_int_equal(tf_reader_open(&r, path, err, sizeof(err)), 0);
	return r;
}

static bool have_tool(const char *name)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

/* Run a shell command and read one unsigned number from its output. */
static uint64_t run_for_number(const char *cmd)
{
	unsigned long long v = UINT64_MAX;
	FILE *p = popen(cmd, "r");

	assert_non_null(p);
	if (fscanf(p, "%llu", &v) != 1)
		v = UINT64_MAX;
	pclose(p);
	return v;
}

/* ---------------------------------------------------------------- CSV */

static void test_csv_round_trip_gives_back_every_record(void **state)
{
	struct sample *s = *state;
	struct export_csv_reader *c;
	struct export_stats st;
	struct export_opts o;
	struct tf_reader *r = open_trace(s->trace);
	uint8_t rec[TRACE_MAX_RECORD];
	uint64_t rows = 0, last_ts = 0;
	char err[EXPORT_MSG_LEN];
	int n;

	export_opts_init(&o);
	assert_int_equal(export_csv(r, out_path(s, "all.csv"), &o, &st, err, sizeof(err)), 0);
	assert_int_equal(st.records, s->total);
	assert_int_equal(st.exported, s->total);
	assert_int_equal(st.lost, s->lost);
	assert_true(st.unknown > 0);
	tf_reader_close(r);

	assert_int_equal(export_csv_reader_open(&c, s->out, err, sizeof(err)), 0);
	while ((n = export_csv_reader_next(c, rec, sizeof(rec))) > 0) {
		const struct trace_hdr *h = (const struct trace_hdr *)rec;
		const uint8_t *orig;

		assert_true(h->cpu < NCPUS);
		assert_true(h->seq < s->nr[h->cpu]);
		orig = s->recs[h->cpu] + s->at[h->cpu][h->seq];
		assert_int_equal(h->size, ((const struct trace_hdr *)orig)->size);
		if (memcmp(rec, orig, h->size)) {
			size_t i;

			for (i = 0; i < h->size && rec[i] == orig[i]; i++)
				;
			fail_msg("CPU %u seq %" PRIu64 " type 0x%x differs at byte %zu", h->cpu, h->seq,
				 h->type, i);
		}
		assert_true(h->ts >= last_ts); /* rows come in time order */
		last_ts = h->ts;
		rows++;
	}
	if (n < 0)
		fail_msg("%s", export_csv_reader_error(c));
	export_csv_reader_close(c);
	assert_int_equal(rows, s->total);
}

static void test_csv_quotes_fields_per_rfc4180(void **state)
{
	struct sample *s = *state;
	struct export_opts o;
	struct tf_reader *r = open_trace(s->trace);
	char err[EXPORT_MSG_LEN], cmd[512];

	export_opts_init(&o);
	assert_int_equal(export_csv(r, out_path(s, "q.csv"), &o, NULL, err, sizeof(err)), 0);
	tf_reader_close(r);
	/* Python's csv module is a strict RFC 4180 reader: same row count, same width. */
	if (!have_tool("python3"))
		skip();
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import csv,sys; rows=list(csv.reader(open(sys.argv[1], newline=\"\")));"
		 " w=set(len(x) for x in rows); print(len(rows)-1 if len(w)==1 else 0)' '%s'",
		 s->out);
	assert_int_equal(run_for_number(cmd), s->total);
}

static void test_csv_keeps_only_the_selected_vm_and_window(void **state)
{
	struct sample *s = *state;
	struct export_csv_reader *c;
	struct export_stats st;
	struct export_opts o;
	struct tf_reader *r = open_trace(s->trace);
	uint8_t rec[TRACE_MAX_RECORD];
	char err[EXPORT_MSG_LEN];
	uint64_t rows = 0;

	export_opts_init(&o);
	o.vm = 1;
	assert_int_equal(export_csv(r, out_path(s, "vm1.csv"), &o, &st, err, sizeof(err)), 0);
	assert_int_equal(st.exported, s->vm1);

	export_opts_init(&o);
	o.since = 100000;
	o.until = 200000;
	assert_int_equal(export_csv(r, out_path(s, "window.csv"), &o, &st, err, sizeof(err)), 0);
	tf_reader_close(r);
	assert_true(st.exported > 0 && st.exported < s->total);
	assert_int_equal(export_csv_reader_open(&c, s->out, err, sizeof(err)), 0);
	while (export_csv_reader_next(c, rec, sizeof(rec)) > 0) {
		const struct trace_hdr *h = (const struct trace_hdr *)rec;

		assert_true(h->ts >= 100000 && h->ts <= 200000);
		rows++;
	}
	export_csv_reader_close(c);
	assert_int_equal(rows, st.exported);
}

/* The row printf makes of record h: the oracle of the CSV writer's hand-made numbers. */
static void csv_row_by_printf(char *row, size_t cap, const struct trace_hdr *h, unsigned cpu,
			      uint64_t freq, char names[][40], unsigned nr_cols)
{
	const struct trace_type_info *t = trace_type_of(h->type);
	const uint8_t *rec = (const uint8_t *)h;
	static char cell[256][80];
	char name[48];
	unsigned col, i, e;
	size_t at = 0;

	for (col = 0; col < nr_cols; col++)
		cell[col][0] = 0;
	snprintf(cell[0], sizeof(cell[0]), "%" PRIu64,
		 (uint64_t)((unsigned __int128)h->ts * 1000000000u / freq));
	snprintf(cell[1], sizeof(cell[1]), "%" PRIu64, h->ts);
	snprintf(cell[2], sizeof(cell[2]), "%u", cpu);
	if (h->vm != TRACE_NO_VM)
		snprintf(cell[3], sizeof(cell[3]), "%u", h->vm);
	if (h->vcpu != TRACE_NO_VCPU)
		snprintf(cell[4], sizeof(cell[4]), "%u", h->vcpu);
	if (h->vmid != TRACE_NO_VMID)
		snprintf(cell[5], sizeof(cell[5]), "%u", h->vmid);
	snprintf(cell[6], sizeof(cell[6]), "%" PRIu64, h->vmid_gen);
	snprintf(cell[7], sizeof(cell[7]), "%" PRIu64, h->seq);
	snprintf(cell[8], sizeof(cell[8]), "%s", t->name);
	for (i = 0; i < t->nr_fields; i++) {
		const struct trace_field *f = &t->field[i];

		for (e = 0; e < f->count; e++) {
			uint64_t v = trace_load(rec + f->off + e * f->size, f->size);
			const char *text;

			if (f->count > 1)
				snprintf(name, sizeof(name), "%s%u", f->name, e);
			else
				snprintf(name, sizeof(name), "%s", f->name);
			for (col = 0; col < nr_cols && strcmp(names[col], name); col++)
				;
			assert_true(col < nr_cols);
			switch (f->kind) {
			case TFK_HEX:
				snprintf(cell[col], sizeof(cell[col]), "0x%" PRIx64, v);
				break;
			case TFK_DEC:
			case TFK_ENUM:
				snprintf(cell[col], sizeof(cell[col]), "%" PRIu64, v);
				break;
			case TFK_STR:
				snprintf(cell[col], sizeof(cell[col]), "%.*s", (int)f->size,
					 (const char *)rec + f->off);
				break;
			default:
				text = trace_field_text(f, rec);
				snprintf(cell[col], sizeof(cell[col]), "%s", text ? text : "");
				break;
			}
		}
	}
	for (col = 0; col < nr_cols; col++)
		at += (size_t)snprintf(row + at, cap - at, "%s%s", col ? "," : "", cell[col]);
	snprintf(row + at, cap - at, "\r\n");
}

/*
 * Every field of every record type, at every width, holds the values where
 * hand-made number formats go wrong (0, 9 and 10, 255 and 256, 10^8 - 1 and
 * 10^8, 2^32 - 1 and 2^32, UINT64_MAX, each cut to the field's width), and
 * the header's ts, seq, vm, vcpu and vmid run across their digit counts to
 * UINT64_MAX: each CSV row is byte for byte the row printf makes.
 */
static void test_csv_cells_match_printf_at_edge_values(void **state)
{
	static const uint64_t edge[] = {
		0, 1, 9, 10, 15, 16, 99, 100, 255, 256, 4095, 4096, 9999, 10000, 65535, 65536,
		999999, 1000000, 99999999, 100000000, 0xffffffffull, 0x100000000ull,
		9999999999999999ull, 10000000000000000ull, 0xfedcba9876543210ull, UINT64_MAX,
	};
	static const uint64_t ts_at[] = {
		3, 9, 10, 62499, 62500, 99999, 100000, 999997, 999999, 1000000, 1000001, 1999999,
		2000000, 62499999, 62500000, 99999999, 100000000,
	};
	enum { NE = sizeof(edge) / sizeof(edge[0]), NTS = sizeof(ts_at) / sizeof(ts_at[0]),
	       CPUS = 3, PER = 160 };
	struct tf_info info = { .nr_cpus = CPUS, .cntfrq = 62500000u };
	static uint8_t recs[CPUS][PER][TRACE_MAX_RECORD];
	static char names[256][40], want[8192], line[8192];
	uint64_t ts[CPUS] = { 0, 0, 0 }, seq[CPUS] = { 0, 0, 0 };
	struct sample *s = *state;
	struct tf_writer *w;
	struct export_opts o;
	struct tf_reader *r;
	char err[EXPORT_MSG_LEN];
	unsigned k, cpu, i, e, nr_cols = 0, rows = 0;
	char *tok, *save;
	FILE *f;

	assert_int_equal(tf_writer_open(&w, out_path(s, "edge.trace"), &info, err, sizeof(err)), 0);
	for (k = 0; k < PER; k++) {
		for (cpu = 0; cpu < CPUS; cpu++) {
			const struct trace_type_info *t = &trace_types[(k + cpu) % trace_nr_types];
			struct trace_hdr *h = (struct trace_hdr *)recs[cpu][k];
			unsigned n = k * CPUS + cpu;

			memset(h, 0, TRACE_MAX_RECORD);
			h->type = t->type;
			h->size = t->size;
			h->cpu = (uint16_t)cpu;
			/* each side of 10^6 ticks and ns, every digit count, the top of the range */
			ts[cpu] = k < NTS ? ts_at[k] + cpu :
				  k < PER - 2 ? ts[cpu] + ts[cpu] / 7 + 1 : UINT64_MAX - (PER - k) * 8 + cpu;
			h->ts = ts[cpu];
			/* steps of one across tens and hundreds, jumps, the last at UINT64_MAX */
			seq[cpu] = k == PER - 1 ? UINT64_MAX - CPUS + cpu :
				   k % 40 == 39 ? seq[cpu] * 10 + 7 : seq[cpu] + 1;
			h->seq = seq[cpu];
			h->vm = (uint16_t)(k % 5 == 4 ? TRACE_NO_VM : edge[n % NE]);
			h->vcpu = (uint16_t)(k % 7 == 6 ? TRACE_NO_VCPU : edge[(n + 3) % NE]);
			h->vmid = (uint16_t)(k % 3 == 2 ? TRACE_NO_VMID : edge[(n + 5) % NE]);
			h->vmid_gen = edge[(n + 7) % NE];
			for (i = 0; i < t->nr_fields; i++) {
				const struct trace_field *fl = &t->field[i];

				for (e = 0; e < fl->count; e++) {
					uint64_t v = edge[(n + i * 3 + e) % NE];

					if (fl->kind == TFK_STR)
						snprintf((char *)h + fl->off, fl->size, "edge%u", n);
					else if (!trace_field_computed(fl))
						memcpy((uint8_t *)h + fl->off + e * fl->size, &v, fl->size);
				}
			}
			assert_int_equal(tf_writer_append(w, cpu, h, h->size), 0);
		}
	}
	assert_int_equal(tf_writer_close(w, NULL), 0);

	r = open_trace(s->out);
	export_opts_init(&o);
	assert_int_equal(export_csv(r, out_path(s, "edge.csv"), &o, NULL, err, sizeof(err)), 0);
	tf_reader_close(r);
	f = fopen(s->out, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	for (tok = strtok_r(line, ",\r\n", &save); tok; tok = strtok_r(NULL, ",\r\n", &save))
		snprintf(names[nr_cols++], sizeof(names[0]), "%s", tok);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long c = 0, sq = 0;
		const struct trace_hdr *h = NULL;

		/* the record: by its CPU and seq, the third and eighth cells */
		assert_int_equal(sscanf(line, "%*[^,],%*[^,],%llu,%*[^,]", &c), 1);
		tok = line;
		for (i = 0; i < 7; i++)
			tok = strchr(tok, ',') + 1;
		sq = strtoull(tok, NULL, 10);
		assert_true(c < CPUS);
		for (k = 0; k < PER && !h; k++)
			if (((const struct trace_hdr *)recs[c][k])->seq == sq)
				h = (const struct trace_hdr *)recs[c][k];
		assert_non_null(h);
		csv_row_by_printf(want, sizeof(want), h, (unsigned)c, info.cntfrq, names, nr_cols);
		if (strcmp(line, want))
			fail_msg("CPU %llu seq %llu:\n got  %s want %s", c, sq, line, want);
		rows++;
	}
	fclose(f);
	assert_int_equal(rows, CPUS * PER);
}

static void test_csv_reader_names_the_line_of_a_broken_row(void **state)
{
	struct sample *s = *state;
	struct export_csv_reader *c;
	uint8_t rec[TRACE_MAX_RECORD];
	char err[EXPORT_MSG_LEN];
	FILE *f = fopen(out_path(s, "broken.csv"), "w");

	assert_non_null(f);
	fputs("ts_ns,ts,cpu,type,esr\r\n1,1,0,exit,0x1\r\n2,2,0,exit,zz\r\n", f);
	fclose(f);
	assert_int_equal(export_csv_reader_open(&c, s->out, err, sizeof(err)), 0);
	assert_int_equal(export_csv_reader_next(c, rec, sizeof(rec)), 1);
	assert_int_equal(export_csv_reader_next(c, rec, sizeof(rec)), -EBADMSG);
	assert_non_null(strstr(export_csv_reader_error(c), "line 3"));
	assert_non_null(strstr(export_csv_reader_error(c), "esr"));
	export_csv_reader_close(c);
}

/* ---------------------------------------------------------------- Chrome */

static void test_chrome_json_parses_with_a_slice_per_exit(void **state)
{
	struct sample *s = *state;
	struct export_stats st;
	struct export_opts o;
	struct tf_reader *r = open_trace(s->trace);
	char err[EXPORT_MSG_LEN], cmd[2048];
	const char *path = out_path(s, "t.json");

	export_opts_init(&o);
	o.source = "t.trace";
	assert_int_equal(export_chrome(r, path, &o, &st, err, sizeof(err)), 0);
	tf_reader_close(r);
	assert_int_equal(st.exported, s->total);
	if (!have_tool("python3"))
		skip();
	snprintf(cmd, sizeof(cmd), "python3 -c 'import json,sys; json.load(open(sys.argv[1]))' '%s'",
		 path);
	assert_int_equal(system(cmd), 0);

	/*
	 * Structure: every event has name/ph/pid/tid (and ts unless metadata),
	 * no pid 0, exits are X slices with dur >= 0, one per EXIT record, and
	 * the slices of one track never overlap (Perfetto needs them nested).
	 */
	snprintf(cmd, sizeof(cmd),
		 "python3 -c '\n"
		 "import json, sys\n"
		 "d = json.load(open(sys.argv[1]))\n"
		 "assert d[\"displayTimeUnit\"] == \"ns\" and \"otherData\" in d\n"
		 "ev = d[\"traceEvents\"]\n"
		 "for e in ev:\n"
		 "    assert all(k in e for k in (\"name\", \"ph\", \"pid\", \"tid\")), e\n"
		 "    assert e[\"pid\"] != 0, e\n"
		 "    assert e[\"ph\"] == \"M\" or isinstance(e[\"ts\"], float), e\n"
		 "    assert e[\"ph\"] != \"X\" or e[\"dur\"] >= 0, e\n"
		 "    assert e[\"ph\"] != \"i\" or e[\"s\"] in \"gpt\", e\n"
		 "ex = [e for e in ev if e.get(\"cat\") == \"exit\" and e[\"ph\"] == \"X\"]\n"
		 "ro = [e for e in ev if e[\"name\"] == \"VMID rollover\" and e[\"s\"] == \"g\"]\n"
		 "irq = [e for e in ev if e.get(\"cat\") == \"irq\" and e[\"name\"].startswith(\"vIRQ\")]\n"
		 "pn = [e for e in ev if e[\"ph\"] == \"M\" and e[\"name\"] == \"process_name\"]\n"
		 "run = [e for e in ev if e.get(\"cat\") == \"sched\" and e[\"ph\"] == \"X\"]\n"
		 "assert len(pn) >= 4 and len(run) > 0\n"
		 "tracks = {}\n"
		 "for e in ev:\n"
		 "    if e[\"ph\"] == \"X\":\n"
		 "        tracks.setdefault((e[\"pid\"], e[\"tid\"]), []).append((round(e[\"ts\"] * 1000), round(e[\"dur\"] * 1000)))\n"
		 "for sl in tracks.values():\n"
		 "    sl.sort()\n"
		 "    for a, b in zip(sl, sl[1:]):\n"
		 "        assert a[0] + a[1] <= b[0], (a, b)  # slices of a track never overlap\n"
		 "print(len(ex), len(ro), len(irq))\n"
		 "' '%s'",
		 path);
	{
		unsigned long long ex = 0, ro = 0, irq = 0;
		FILE *p = popen(cmd, "r");

		assert_non_null(p);
		assert_int_equal(fscanf(p, "%llu %llu %llu", &ex, &ro, &irq), 3);
		assert_int_equal(pclose(p), 0);
		assert_int_equal(ex, s->exits);
		assert_int_equal(ro, s->rollovers);
		assert_int_equal(irq, s->irqs);
	}
}

/* An exit followed by its entry: the slice spans exactly the two timestamps. */
static void test_chrome_exit_slice_ends_at_the_next_entry(void **state)
{
	struct sample *s = *state;
	struct tf_info info = { .nr_cpus = 1, .cntfrq = 1000000000u };
	struct trace_exit e;
	struct trace_entry en;
	struct tf_writer *w;
	struct tf_reader *r;
	struct export_opts o;
	char err[EXPORT_MSG_LEN], *buf;
	const char *trace = out_path(s, "one.trace");
	char json[200];
	long size;
	FILE *f;

	memset(&e, 0, sizeof(e));
	e.hdr.type = TRACE_EXIT;
	e.hdr.size = sizeof(e);
	e.hdr.ts = 1000;
	e.hdr.vcpu = 1;
	e.exit_class = ESR_EC_HVC64;
	e.cost = 2500; /* 2.5 us at 1 GHz */
	memset(&en, 0, sizeof(en));
	en.hdr.type = TRACE_ENTRY;
	en.hdr.size = sizeof(en);
	en.hdr.seq = 2;
	en.hdr.ts = 3750;
	en.hdr.vcpu = 1;
	assert_int_equal(tf_writer_open(&w, trace, &info, err, sizeof(err)), 0);
	assert_int_equal(tf_writer_append(w, 0, &e, sizeof(e)), 0);
	e.hdr.seq = 1;
	e.hdr.ts = 2000;
	e.hdr.vcpu = 0; /* vCPU 0 never re-enters: its slice is its cost */
	assert_int_equal(tf_writer_append(w, 0, &e, sizeof(e)), 0);
	assert_int_equal(tf_writer_append(w, 0, &en, sizeof(en)), 0);
	assert_int_equal(tf_writer_close(w, NULL), 0);

	snprintf(json, sizeof(json), "%s/one.json", s->dir);
	r = open_trace(trace);
	export_opts_init(&o);
	assert_int_equal(export_chrome(r, json, &o, NULL, err, sizeof(err)), 0);
	tf_reader_close(r);

	f = fopen(json, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)size + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	/* vCPU 1 (tid 65538): 1000 -> 3750 ticks at 1 GHz, time 0 at the first record */
	assert_non_null(strstr(buf, "\"name\":\"HVC64\",\"cat\":\"exit\",\"ph\":\"X\",\"ts\":0.000,\"pid\":1,\"tid\":65538,\"dur\":2.750"));
	/* vCPU 0 (tid 65537): no entry, so 2500 cycles at 1 GHz */
	assert_non_null(strstr(buf, "\"ts\":1.000,\"pid\":1,\"tid\":65537,\"dur\":2.500"));
	assert_non_null(strstr(buf, "\"end\":\"cost\""));
	free(buf);
}

/* ---------------------------------------------------------------- CTF */

static void test_ctf_babeltrace2_reads_every_event(void **state)
{
	struct sample *s = *state;
	struct export_stats st;
	struct export_opts o;
	struct tf_reader *r = open_trace(s->trace);
	char err[EXPORT_MSG_LEN], cmd[512], dir[160];
	struct stat sb;
	unsigned cpu;

	snprintf(dir, sizeof(dir), "%s/ctf", s->dir);
	export_opts_init(&o);
	o.source = s->trace;
	assert_int_equal(export_ctf(r, dir, &o, &st, err, sizeof(err)), 0);
	tf_reader_close(r);
	assert_int_equal(st.exported, s->total);
	assert_int_equal(st.clamped, 0);
	for (cpu = 0; cpu < FILE_CPUS; cpu++) {
		snprintf(cmd, sizeof(cmd), "%s/stream_%u", dir, cpu);
		assert_int_equal(stat(cmd, &sb), 0); /* the idle CPU has its stream too */
	}
	snprintf(cmd, sizeof(cmd), "%s/metadata", dir);
	assert_int_equal(stat(cmd, &sb), 0);

	if (!have_tool("babeltrace2"))
		skip();
	snprintf(cmd, sizeof(cmd), "babeltrace2 --output-format=dummy '%s' 2>/dev/null", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "babeltrace2 '%s' 2>/dev/null | wc -l", dir);
	assert_int_equal(run_for_number(cmd), s->total);
	/* every class is there, the unknown type included */
	snprintf(cmd, sizeof(cmd),
		 "babeltrace2 '%s' 2>/dev/null | sed -n 's/^[^)]*) \\([a-z_]*\\):.*/\\1/p' | sort -u | wc -l",
		 dir);
	assert_int_equal(run_for_number(cmd), 17);
	/* the sample's LRs are not zero up to nr_lrs, and zero after: the sequence holds nr_lrs */
	snprintf(cmd, sizeof(cmd),
		 "babeltrace2 '%s' 2>/dev/null | grep -c 'lr_length = \\([0-9]*\\), .* nr_lrs = \\1,'",
		 dir);
	assert_int_equal(run_for_number(cmd), s->lrs);
	/* the losses the chunks declared come out as discarded events */
	snprintf(cmd, sizeof(cmd), "babeltrace2 '%s' 2>&1 >/dev/null | grep -c 'Tracer discarded 7 events'",
		 dir);
	assert_int_equal(run_for_number(cmd), 1);
}

static void test_ctf_refuses_a_directory_that_is_not_empty(void **state)
{
	struct sample *s = *state;
	struct export_opts o;
	struct tf_reader *r = open_trace(s->trace);
	char err[EXPORT_MSG_LEN], dir[160], path[200];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/full", s->dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/keep-me", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	export_opts_init(&o);
	assert_int_equal(export_ctf(r, dir, &o, NULL, err, sizeof(err)), -ENOTEMPTY);
	assert_non_null(strstr(err, "not empty"));
	/* an empty one is fine */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(export_ctf(r, dir, &o, NULL, err, sizeof(err)), 0);
	tf_reader_close(r);
}

/*
 * A one-CPU trace at freq Hz of n entry records with timestamps ts[] (a
 * record of UNKNOWN_TYPE where unknown[i], when unknown is given), exported
 * to CTF in s->dir/NAME-ctf; the directory's path is left in dir.
 */
static void export_ctf_of_entries(struct sample *s, const char *name, uint64_t freq,
				  const uint64_t *ts, const bool *unknown, unsigned n,
				  struct export_stats *st, char *dir, size_t dirlen)
{
	struct tf_info info = { .nr_cpus = 1, .cntfrq = freq };
	struct trace_entry en;
	struct export_opts o;
	struct tf_writer *w;
	struct tf_reader *r;
	char err[EXPORT_MSG_LEN], trace[160];
	unsigned i;

	snprintf(trace, sizeof(trace), "%s/%s.trace", s->dir, name);
	assert_int_equal(tf_writer_open(&w, trace, &info, err, sizeof(err)), 0);
	for (i = 0; i < n; i++) {
		memset(&en, 0, sizeof(en));
		en.hdr.type = unknown && unknown[i] ? UNKNOWN_TYPE : TRACE_ENTRY;
		en.hdr.size = sizeof(en);
		en.hdr.seq = i;
		en.hdr.ts = ts[i];
		assert_int_equal(tf_writer_append(w, 0, &en, sizeof(en)), 0);
	}
	assert_int_equal(tf_writer_close(w, NULL), 0);
	snprintf(dir, dirlen, "%s/%s-ctf", s->dir, name);
	r = open_trace(trace);
	export_opts_init(&o);
	assert_int_equal(export_ctf(r, dir, &o, st, err, sizeof(err)), 0);
	tf_reader_close(r);
	assert_int_equal(st->exported, n);
}

/*
 * A one-CPU trace of the n records at recs (back to back, each its header's
 * size), exported to CTF in s->dir/NAME-ctf and read by babeltrace2 into
 * s->dir/NAME.txt; its path is left in txt. False when babeltrace2 is missing.
 */
static bool ctf_text_of(struct sample *s, const char *name, const uint8_t *recs, unsigned n,
			char *txt, size_t txtlen)
{
	struct tf_info info = { .nr_cpus = 1, .cntfrq = 1000000000u };
	const struct trace_hdr *h;
	struct export_stats st;
	struct export_opts o;
	struct tf_writer *w;
	struct tf_reader *r;
	char err[EXPORT_MSG_LEN], trace[160], dir[160], cmd[400];
	unsigned i;

	snprintf(trace, sizeof(trace), "%s/%s.trace", s->dir, name);
	assert_int_equal(tf_writer_open(&w, trace, &info, err, sizeof(err)), 0);
	for (i = 0; i < n; i++, recs += h->size) {
		h = (const struct trace_hdr *)recs;
		assert_int_equal(tf_writer_append(w, 0, recs, h->size), 0);
	}
	assert_int_equal(tf_writer_close(w, NULL), 0);
	snprintf(dir, sizeof(dir), "%s/%s-ctf", s->dir, name);
	r = open_trace(trace);
	export_opts_init(&o);
	assert_int_equal(export_ctf(r, dir, &o, &st, err, sizeof(err)), 0);
	tf_reader_close(r);
	assert_int_equal(st.exported, n);
	if (!have_tool("babeltrace2"))
		return false;
	snprintf(txt, txtlen, "%s/%s.txt", s->dir, name);
	snprintf(cmd, sizeof(cmd), "babeltrace2 '%s' >'%s'", dir, txt);
	assert_int_equal(system(cmd), 0);
	return true;
}

/* How many lines of the file txt hold the text what. */
static uint64_t lines_with(const char *txt, const char *what)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "grep -c -F '%s' '%s'", what, txt);
	return run_for_number(cmd);
}

/*
 * A computed name (exit_class_name, fid_name) is the label of its source
 * field's value, an enumeration: no string in the event; a value without a
 * name has no label.
 */
static void test_ctf_names_are_labels_of_the_values(void **state)
{
	struct {
		struct trace_exit e[2];
		struct trace_smccc c[3];
	} recs;
	char txt[200];
	unsigned i;

	memset(&recs, 0, sizeof(recs));
	for (i = 0; i < 2; i++) {
		recs.e[i].hdr.type = TRACE_EXIT;
		recs.e[i].hdr.size = sizeof(recs.e[i]);
		recs.e[i].hdr.seq = i;
		recs.e[i].hdr.ts = 100 + i;
	}
	recs.e[0].exit_class = ESR_EC_HVC64;
	recs.e[1].exit_class = 1000; /* no such class */
	for (i = 0; i < 3; i++) {
		recs.c[i].hdr.type = TRACE_SMCCC;
		recs.c[i].hdr.size = sizeof(recs.c[i]);
		recs.c[i].hdr.seq = 2 + i;
		recs.c[i].hdr.ts = 102 + i;
	}
	recs.c[0].fid = PSCI_VERSION;
	recs.c[1].fid = PSCI_VERSION | SMCCC_SVE_HINT; /* the hint does not change the name */
	recs.c[2].fid = 0xc7001234u;                   /* a vendor hypervisor call without a name */
	if (!ctf_text_of(*state, "names", (const uint8_t *)&recs, 5, txt, sizeof(txt)))
		skip();
	assert_int_equal(lines_with(txt, "exit_class = ( \"HVC64\" : container = 22 ), outcome"), 1);
	assert_int_equal(lines_with(txt, "exit_class = ( \"EXIT_INVALID\" : container = 1000 )"), 1);
	assert_int_equal(lines_with(txt, "fid = ( \"PSCI_VERSION\" : container = 0x84000000 )"), 1);
	assert_int_equal(lines_with(txt, "fid = ( \"PSCI_VERSION\" : container = 0x84010000 )"), 1);
	assert_int_equal(lines_with(txt, "fid = ( <unknown> : container = 0xC7001234 )"), 1);
	assert_int_equal(lines_with(txt, "_name"), 0);
}

/*
 * An array is a sequence of its elements up to the last that is not zero:
 * zeros before it stay, an array of zeros is empty.
 */
static void test_ctf_arrays_end_at_their_last_element_that_is_not_zero(void **state)
{
	struct trace_vgic_lrs l[4];
	char txt[200];
	unsigned i;

	memset(l, 0, sizeof(l));
	for (i = 0; i < 4; i++) {
		l[i].hdr.type = TRACE_VGIC_LRS;
		l[i].hdr.size = sizeof(l[i]);
		l[i].hdr.seq = i;
		l[i].hdr.ts = 100 + i;
		l[i].nr_lrs = 4;
	}
	l[0].lr[0] = 0x11;
	l[0].lr[2] = 0x33;              /* lr[1] stays, a zero before the last */
	for (i = 0; i < TRACE_MAX_LRS; i++)
		l[2].lr[i] = 0x100 + i; /* all 16 */
	l[3].lr[TRACE_MAX_LRS - 1] = 1ull << 63;
	if (!ctf_text_of(*state, "lrs", (const uint8_t *)l, 4, txt, sizeof(txt)))
		skip();
	assert_int_equal(lines_with(txt, "{ lr_length = 3, lr = [ [0] = 0x11, [1] = 0x0, [2] = 0x33 ], "
					 "hcr"),
			 1);
	assert_int_equal(lines_with(txt, "{ lr_length = 0, lr = [ ], hcr"), 1);
	assert_int_equal(lines_with(txt, "{ lr_length = 16, lr = [ [0] = 0x100, [1] = 0x101, "
					 "[2] = 0x102, [3] = 0x103, [4] = 0x104, [5] = 0x105, "
					 "[6] = 0x106, [7] = 0x107, [8] = 0x108, [9] = 0x109, "
					 "[10] = 0x10A, [11] = 0x10B, [12] = 0x10C, [13] = 0x10D, "
					 "[14] = 0x10E, [15] = 0x10F ], hcr"),
			 1);
	assert_int_equal(lines_with(txt, "[14] = 0x0, [15] = 0x8000000000000000 ], hcr"), 1);
}

/* Timestamps that go back within a CPU are raised: babeltrace2 still reads it. */
static void test_ctf_keeps_streams_monotonic(void **state)
{
	static const uint64_t ts[] = { 100, 200, 150, 300, 50 };
	struct export_stats st;
	char dir[160], cmd[300];

	export_ctf_of_entries(*state, "back", 62500000, ts, NULL, 5, &st, dir, sizeof(dir));
	assert_int_equal(st.clamped, 2);
	if (!have_tool("babeltrace2"))
		skip();
	snprintf(cmd, sizeof(cmd), "babeltrace2 '%s' 2>/dev/null | wc -l", dir);
	assert_int_equal(run_for_number(cmd), 5);
}

/*
 * The event header is 4 bytes (5-bit id, low 27 bits of the timestamp)
 * unless the event starts a packet, is of a type with no compact id, or
 * comes 2^27 ticks or more after the one before: then 13. babeltrace2 gives
 * every timestamp back to the tick, across a wrap of the 27 bits too.
 */
static void test_ctf_compact_header_unless_the_clock_jumps(void **state)
{
	const uint64_t m = 1ull << 27;
	static const uint64_t ts[] = {
		1000,                    /* the packet's first: extended */
		1005,
		1005 + (1ull << 27) - 1, /* the largest compact step */
		1005 + (2ull << 27) - 1, /* 2^27: extended */
		1005 + (3ull << 27),
		(4ull << 27) + 100,
		(5ull << 27) - 3,
		(5ull << 27) + 4,        /* the 27 bits wrap: 7 ticks on */
		(5ull << 27) + 9,        /* unknown type, no compact id: extended */
		(5ull << 27) + 10,
		1ull << 40,
		(1ull << 40) + 1,
	};
	enum { N = sizeof(ts) / sizeof(ts[0]) };
	static const bool ext[N] = { true, false, false, true, true, false,
				     false, false, true, false, true, false };
	static const bool unknown[N] = { [8] = true };
	struct export_stats st;
	struct stat sb;
	char dir[160], cmd[400];
	uint64_t size = 84; /* the packet's header and context */
	unsigned i;

	for (i = 0; i < N; i++) {
		assert_true(!i || ts[i] > ts[i - 1]);
		assert_int_equal(ext[i], !i || unknown[i] || ts[i] - ts[i - 1] >= m);
		/* header, context (22), then entry's 16 bytes or unknown's type, len and 16 bytes */
		size += (ext[i] ? 13 : 4) + 22 + 16 + (unknown[i] ? 6 : 0);
	}
	export_ctf_of_entries(*state, "jumps", 1000000000, ts, unknown, N, &st, dir, sizeof(dir));
	snprintf(cmd, sizeof(cmd), "%s/stream_0", dir);
	assert_int_equal(stat(cmd, &sb), 0);
	assert_int_equal((uint64_t)sb.st_size, size);
	if (!have_tool("babeltrace2"))
		skip();
	for (i = 0; i < N; i++) {
		snprintf(cmd, sizeof(cmd),
			 "babeltrace2 --clock-cycles '%s' 2>/dev/null | sed -n '%up' | sed 's/^\\[0*\\([0-9]\\)/\\1/'",
			 dir, i + 1);
		assert_int_equal(run_for_number(cmd), ts[i]);
	}
}

/* ---------------------------------------------------------------- damage */

static void copy_file(const char *from, const char *to)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
	assert_int_equal(system(cmd), 0);
}

static void test_damaged_file_exports_every_intact_chunk(void **state)
{
	struct sample *s = *state;
	struct tf_reader_stats rs;
	struct export_stats st;
	struct export_opts o;
	struct tf_reader *r;
	const struct tf_chunk_info *ci;
	char err[EXPORT_MSG_LEN], damaged[160];
	uint8_t byte;
	FILE *f;

	snprintf(damaged, sizeof(damaged), "%s/damaged.trace", s->dir);
	copy_file(s->trace, damaged);
	r = open_trace(damaged);
	assert_true(tf_reader_nr_chunks(r) >= 2);
	ci = tf_reader_chunk(r, 1);
	f = fopen(damaged, "r+b");
	assert_non_null(f);
	fseek(f, (long)(ci->offset + sizeof(ci->hdr) + 100), SEEK_SET);
	assert_int_equal(fread(&byte, 1, 1, f), 1);
	byte ^= 0x5a;
	fseek(f, (long)(ci->offset + sizeof(ci->hdr) + 100), SEEK_SET);
	assert_int_equal(fwrite(&byte, 1, 1, f), 1);
	fclose(f);
	tf_reader_close(r);

	r = open_trace(damaged);
	tf_reader_stats(r, &rs);
	assert_int_equal(rs.bad_chunks, 1);
	assert_true(tf_reader_nr_problems(r) >= 1);
	export_opts_init(&o);
	assert_int_equal(export_csv(r, out_path(s, "damaged.csv"), &o, &st, err, sizeof(err)), 0);
	assert_int_equal(st.exported, rs.records);
	assert_int_equal(st.exported + rs.records_skipped, s->total);
	assert_int_equal(export_ctf(r, out_path(s, "damaged-ctf"), &o, &st, err, sizeof(err)), 0);
	assert_int_equal(st.exported, rs.records);
	tf_reader_close(r);
}

/*
 * A chunk whose third record is broken after the file was opened (its size
 * zeroed): the CTF export takes its first two records and lists the rest as
 * a problem, and every other chunk whole.
 */
static void test_ctf_stops_at_a_record_broken_after_open(void **state)
{
	struct sample *s = *state;
	struct tf_reader_stats rs;
	struct export_stats st;
	struct export_opts o;
	struct tf_reader *r;
	const struct tf_chunk_info *ci;
	const struct trace_hdr *h;
	char err[EXPORT_MSG_LEN], changed[160];
	const void *payload;
	uint32_t at;
	uint16_t zero = 0;
	size_t i;
	bool listed = false;
	FILE *f;

	snprintf(changed, sizeof(changed), "%s/changed.trace", s->dir);
	copy_file(s->trace, changed);
	r = open_trace(changed);
	tf_reader_stats(r, &rs);
	assert_int_equal(rs.bad_chunks, 0);
	ci = tf_reader_chunk(r, 1);
	assert_true(ci->hdr.nr_records > 3);
	assert_true(tf_reader_load_chunk(r, 1, &payload) > 0);
	h = payload;
	at = h->size;
	h = (const struct trace_hdr *)((const uint8_t *)payload + at);
	at += h->size; /* the third record */
	f = fopen(changed, "r+b");
	assert_non_null(f);
	fseek(f, (long)(ci->offset + sizeof(ci->hdr) + at + offsetof(struct trace_hdr, size)),
	      SEEK_SET);
	assert_int_equal(fwrite(&zero, sizeof(zero), 1, f), 1);
	fclose(f);

	export_opts_init(&o);
	assert_int_equal(export_ctf(r, out_path(s, "changed-ctf"), &o, &st, err, sizeof(err)), 0);
	assert_int_equal(st.exported, rs.records - (ci->hdr.nr_records - 2));
	for (i = 0; i < tf_reader_nr_problems(r); i++)
		listed |= strstr(tf_reader_problem(r, i), "changed since the file was opened") != NULL;
	assert_true(listed);
	tf_reader_close(r);
}

/* A file's bytes at off rewritten: len bytes from buf. */
static void patch_file(const char *path, uint64_t off, const void *buf, size_t len)
{
	FILE *f = fopen(path, "r+b");

	assert_non_null(f);
	assert_int_equal(fseek(f, (long)off, SEEK_SET), 0);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static bool same_file(const char *a, const char *b)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", a, b);
	return system(cmd) == 0;
}

/*
 * Chunks whose CRCs hold but whose records disagree with their headers (a
 * record's size zeroed, one record too many claimed, the first or the last
 * sequence number changed), one chunk in three, on one CPU whose stream
 * fills several packets, so that some of them straddle a packet's end.
 * Checked on load, the CTF export walks their records as it encodes them:
 * it must find what the check at open finds, list the same problems and
 * write the same streams, with nothing of a damaged chunk in them.
 */
static void test_ctf_checks_records_as_it_encodes_them(void **state)
{
	struct sample *s = *state;
	struct tf_info info = { .nr_cpus = 1, .cntfrq = CNTFRQ };
	struct tf_reader_stats at_open, on_load;
	struct export_stats st_open, st_load;
	struct export_opts o;
	struct tf_reader *r, *rl;
	struct tf_writer *w;
	char err[TF_MSG_LEN], path[160], a[200], b[200];
	uint8_t rec[TRACE_MAX_RECORD];
	uint64_t n, damaged = 0;
	size_t i, nr;

	snprintf(path, sizeof(path), "%s/walked.trace", s->dir);
	assert_int_equal(tf_writer_open(&w, path, &info, err, sizeof(err)), 0);
	for (n = 0; n < 40000; n++) {
		size_t size = make_record(rec, n % 2 ? 0 : 2, 0, n, 1000 + 7 * n);

		assert_int_equal(tf_writer_append(w, 0, rec, size), 0);
	}
	assert_int_equal(tf_writer_close(w, NULL), 0);

	r = open_trace(path);
	nr = tf_reader_nr_chunks(r);
	assert_true(nr >= 30);
	for (i = 1; i < nr; i += 3) {
		const struct tf_chunk_info *ci = tf_reader_chunk(r, i);
		struct tf_chunk_header ch = ci->hdr;
		const struct trace_hdr *h;
		const void *payload;
		uint8_t *copy;
		uint32_t at = 0, last = 0;
		int len = tf_reader_load_chunk(r, i, &payload);

		assert_true(len > 0);
		copy = malloc((size_t)len);
		assert_non_null(copy);
		memcpy(copy, payload, (size_t)len);
		for (h = (const struct trace_hdr *)copy; at < (uint32_t)len; h = (const void *)(copy + at)) {
			last = at;
			at += h->size;
		}
		switch (i / 3 % 4) {
		case 0: /* a record in the middle with no size */
			h = (const struct trace_hdr *)copy;
			for (at = 0; at < (uint32_t)len / 2; h = (const void *)(copy + at))
				at += h->size;
			((struct trace_hdr *)(copy + at))->size = 0;
			break;
		case 1: /* one record more than there are */
			ch.nr_records++;
			break;
		case 2:
			((struct trace_hdr *)copy)->seq++;
			break;
		default:
			((struct trace_hdr *)(copy + last))->seq--;
			break;
		}
		ch.payload_crc = tf_crc32(0, copy, (size_t)len);
		ch.header_crc = 0;
		ch.header_crc = tf_crc32(0, &ch, sizeof(ch));
		patch_file(path, ci->offset, &ch, sizeof(ch));
		patch_file(path, ci->offset + sizeof(ch), copy, (size_t)len);
		damaged += ci->hdr.nr_records;
		free(copy);
	}
	tf_reader_close(r);

	r = open_trace(path);
	tf_reader_stats(r, &at_open);
	assert_int_equal(at_open.bad_chunks, (nr + 1) / 3);
	assert_int_equal(at_open.records, 40000 - damaged);
	assert_int_equal(tf_reader_open_flags(&rl, path, 1, TF_OPEN_CHECK_ON_LOAD, err, sizeof(err)), 0);
	export_opts_init(&o);
	snprintf(a, sizeof(a), "%s/walked-open", s->dir);
	snprintf(b, sizeof(b), "%s/walked-load", s->dir);
	assert_int_equal(export_ctf(r, a, &o, &st_open, err, sizeof(err)), 0);
	assert_int_equal(export_ctf(rl, b, &o, &st_load, err, sizeof(err)), 0);
	tf_reader_stats(rl, &on_load);
	assert_int_equal(st_open.exported, 40000 - damaged);
	assert_int_equal(st_load.exported, st_open.exported);
	assert_int_equal(st_load.records, st_open.records);
	assert_int_equal(on_load.bad_chunks, at_open.bad_chunks);
	assert_int_equal(on_load.records, at_open.records);
	assert_true(st_load.bytes > 3 * 256 * 1024); /* packets of 256 KiB: several of them */
	assert_int_equal(tf_reader_nr_problems(rl), tf_reader_nr_problems(r));
	for (i = 0; i < tf_reader_nr_problems(r); i++)
		assert_string_equal(tf_reader_problem(rl, i), tf_reader_problem(r, i));
	strcat(a, "/stream_0");
	strcat(b, "/stream_0");
	assert_true(same_file(a, b));
	tf_reader_close(rl);
	tf_reader_close(r);
}

/* ---------------------------------------------------------------- command */

static int run_cmd(const char *a0, ...)
{
	char *argv[16];
	va_list ap;
	int argc = 0, ret;
	FILE *saved;

	va_start(ap, a0);
	for (const char *a = a0; a && argc < 15; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	/* keep the help and summaries out of the test log */
	fflush(stdout);
	saved = stdout;
	stdout = fopen("/dev/null", "w");
	ret = cmd_export(argc, argv);
	fclose(stdout);
	stdout = saved;
	return ret;
}

static void test_cmd_export_exit_codes(void **state)
{
	struct sample *s = *state;
	char out[160], ctf[160], junk[160];
	FILE *f;

	snprintf(out, sizeof(out), "%s/cmd.csv", s->dir);
	snprintf(ctf, sizeof(ctf), "%s/cmd-ctf", s->dir);
	snprintf(junk, sizeof(junk), "%s/junk.trace", s->dir);

	assert_int_equal(run_cmd("export", "--help", NULL), HS_EXIT_OK);
	assert_int_equal(run_cmd("export", s->trace, "-q", "--format", "csv", "-o", out, NULL),
			 HS_EXIT_OK);
	assert_int_equal(run_cmd("export", s->trace, "-q", "-f", "ctf", "-o", ctf, "--vm", "1",
				 "--since", "1ms", "--until", "2.5ms", NULL),
			 HS_EXIT_OK);
	/* usage errors */
	assert_int_equal(run_cmd("export", s->trace, "--format", "xml", "-o", out, NULL),
			 HS_EXIT_USAGE);
	assert_int_equal(run_cmd("export", s->trace, "-o", out, NULL), HS_EXIT_USAGE);
	assert_int_equal(run_cmd("export", s->trace, "-f", "csv", NULL), HS_EXIT_USAGE);
	assert_int_equal(run_cmd("export", s->trace, "-f", "csv", "-o", out, "--since", "2 fortnights", NULL),
			 HS_EXIT_USAGE);
	assert_int_equal(run_cmd("export", s->trace, "-f", "csv", "-o", out, "--since", "2s",
				 "--until", "1s", NULL),
			 HS_EXIT_USAGE);
	assert_int_equal(run_cmd("export", s->trace, "-f", "ctf", "-o", "-", NULL), HS_EXIT_USAGE);
	assert_int_equal(run_cmd("export", s->trace, "-f", "csv", "-o", out, "-j", "0", NULL),
			 HS_EXIT_USAGE);
	assert_int_equal(run_cmd("export", s->trace, "-f", "csv", "-o", out, "-j", "65", NULL),
			 HS_EXIT_USAGE);
	assert_int_equal(run_cmd("export", s->trace, "-f", "csv", "-o", out, "--threads", "two",
				 NULL),
			 HS_EXIT_USAGE);
	assert_int_equal(run_cmd("export", s->trace, "-q", "-f", "csv", "-o", out, "-j", "1", NULL),
			 HS_EXIT_OK);
	/* the CTF directory is not empty any more */
	assert_int_equal(run_cmd("export", s->trace, "-f", "ctf", "-o", ctf, NULL), HS_EXIT_USAGE);
	/* unreadable input */
	assert_int_equal(run_cmd("export", "/nonexistent/t.trace", "-f", "csv", "-o", out, NULL),
			 HS_EXIT_USAGE);
	f = fopen(junk, "w");
	assert_non_null(f);
	fputs("this is not a trace file, not even close to one; it has no header at all....", f);
	fclose(f);
	assert_int_equal(run_cmd("export", junk, "-f", "csv", "-o", out, NULL), HS_EXIT_USAGE);
}

/* A header and nothing intact after it: nothing to export is an error. */
static void test_cmd_export_fails_when_nothing_is_intact(void **state)
{
	struct sample *s = *state;
	char cut[160], out[160], cmd[400];

	snprintf(cut, sizeof(cut), "%s/cut.trace", s->dir);
	snprintf(out, sizeof(out), "%s/cut.csv", s->dir);
	/* the file header plus half of the first chunk header */
	snprintf(cmd, sizeof(cmd), "head -c %zu '%s' > '%s'",
		 sizeof(struct tf_file_header) + sizeof(struct tf_chunk_header) / 2, s->trace, cut);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(run_cmd("export", cut, "-q", "-f", "csv", "-o", out, NULL), HS_EXIT_USAGE);
	assert_int_equal(access(out, F_OK), -1);
}

/*
 * The hand-written number formats and tick conversions agree with printf and
 * 128-bit division (the formats may store past the number: 20 and 18 bytes).
 */
static void test_numbers_match_printf(void **state)
{
	static const uint64_t freqs[] = { 1, 3, 24000000u, 62500000u, 1000000000u, 1000000007u,
					  18446744073u, 50000000000u, UINT64_MAX, 1000, 200000000u };
	struct export_clock clock;
	char want[32], got[32];
	uint64_t v, x = 0x9e3779b97f4a7c15ull, p10 = 1;
	unsigned bit, i, k;
	size_t n;

	(void)state;
	for (i = 0; i < 20000; i++) {
		if (i < 64 * 3) { /* every bit length, and one either side */
			bit = i / 3;
			v = (1ull << bit) + (uint64_t)(i % 3) - 1;
		} else if (i < 64 * 3 + 20 * 3) { /* every power of ten, and one either side */
			k = (i - 64 * 3) / 3;
			for (p10 = 1; k; k--)
				p10 *= 10;
			v = p10 + (uint64_t)((i - 64 * 3) % 3) - 1;
		} else {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			v = x >> (x % 64);
		}
		memset(got, 'X', sizeof(got));
		n = export_fmt_u64(got, v);
		snprintf(want, sizeof(want), "%" PRIu64, v);
		assert_int_equal(n, strlen(want));
		assert_memory_equal(got, want, n);
		memset(got, 'X', sizeof(got));
		n = export_fmt_hex(got, v);
		snprintf(want, sizeof(want), "0x%" PRIx64, v);
		assert_int_equal(n, strlen(want));
		assert_memory_equal(got, want, n);
		for (k = 0; k < sizeof(freqs) / sizeof(freqs[0]); k++) {
			export_clock_init(&clock, freqs[k]);
			assert_true(export_ticks_to_ns(v, freqs[k]) ==
				    (uint64_t)((unsigned __int128)v * 1000000000u / freqs[k]));
			assert_true(export_clock_ns(&clock, v) ==
				    (uint64_t)((unsigned __int128)v * 1000000000u / freqs[k]));
		}
	}
	assert_true(export_ticks_to_ns(12345, 0) == 12345);
	export_clock_init(&clock, 0);
	assert_true(export_clock_ns(&clock, 12345) == 12345);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_round_trip_gives_back_every_record),
		cmocka_unit_test(test_csv_quotes_fields_per_rfc4180),
		cmocka_unit_test(test_csv_keeps_only_the_selected_vm_and_window),
		cmocka_unit_test(test_csv_reader_names_the_line_of_a_broken_row),
		cmocka_unit_test(test_csv_cells_match_printf_at_edge_values),
		cmocka_unit_test(test_chrome_json_parses_with_a_slice_per_exit),
		cmocka_unit_test(test_chrome_exit_slice_ends_at_the_next_entry),
		cmocka_unit_test(test_ctf_babeltrace2_reads_every_event),
		cmocka_unit_test(test_ctf_names_are_labels_of_the_values),
		cmocka_unit_test(test_ctf_arrays_end_at_their_last_element_that_is_not_zero),
		cmocka_unit_test(test_ctf_refuses_a_directory_that_is_not_empty),
		cmocka_unit_test(test_ctf_keeps_streams_monotonic),
		cmocka_unit_test(test_ctf_compact_header_unless_the_clock_jumps),
		cmocka_unit_test(test_damaged_file_exports_every_intact_chunk),
		cmocka_unit_test(test_ctf_checks_records_as_it_encodes_them),
		cmocka_unit_test(test_ctf_stops_at_a_record_broken_after_open),
		cmocka_unit_test(test_cmd_export_exit_codes),
		cmocka_unit_test(test_cmd_export_fails_when_nothing_is_intact),
		cmocka_unit_test(test_numbers_match_printf),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
