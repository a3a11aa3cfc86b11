/*
 * Unit tests for formats/host/tracefile.c: round trip over several CPUs, damage
 * (truncation, flipped bytes, garbage) that still yields every intact chunk,
 * and clear errors for files that are not trace files.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "formats/host/trace_types.h"
#include "formats/host/tracefile.h"

#define NCPUS    4u
#define NRECORDS 20000u

/* ---------------------------------------------------------------- fixture */

struct sample {
	uint8_t *recs[NCPUS]; /* records of each CPU, back to back */
	size_t   len[NCPUS];
	uint64_t nr[NCPUS];
	uint64_t lost[NCPUS];
	uint64_t total;
	char     dir[64];
	char     path[128];
	char     damaged[128];
};

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* A record of a real type, header filled, payload derived from (cpu, seq). */
static size_t make_record(uint8_t *out, unsigned cpu, uint64_t seq, uint64_t ts)
{
	static const uint16_t types[] = { TRACE_EXIT, TRACE_LOG, TRACE_VGIC_LRS, TRACE_MMIO,
					  TRACE_SMCCC };
	uint16_t type = types[mix64(cpu * 1000003u + seq) % 5];
	struct trace_hdr *h = (struct trace_hdr *)out;
	size_t size = trace_min_size(type), i;

	for (i = sizeof(*h); i < size; i++)
		out[i] = (uint8_t)mix64((cpu << 24) ^ (seq << 8) ^ i);
	h->type = type;
	h->size = (uint16_t)size;
	h->cpu = (uint16_t)cpu;
	h->vmid = 1;
	h->seq = seq;
	h->ts = ts;
	h->vmid_gen = 1;
	h->vm = 0;
	h->vcpu = (uint16_t)cpu;
	h->reserved = 0;
	return size;
}

static void write_sample(struct sample *s)
{
	struct tf_info info = {
		.nr_cpus = NCPUS,
		.cntfrq = 62500000,
		.created_cntpct = 1000,
		.description = "qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu max",
	};
	struct tf_writer *w;
	struct tf_totals totals;
	uint64_t ts[NCPUS] = { 0 };
	char err[TF_MSG_LEN];
	unsigned cpu;
	uint64_t n;

	for (cpu = 0; cpu < NCPUS; cpu++) {
		s->recs[cpu] = malloc(NRECORDS * TRACE_MAX_RECORD);
		assert_non_null(s->recs[cpu]);
	}
	assert_int_equal(tf_writer_open(&w, s->path, &info, err, sizeof(err)), 0);
	for (n = 0; n < NRECORDS; n++) {
		uint8_t *rec;
		size_t size;

		cpu = mix64(n) % NCPUS;
		ts[cpu] += 1 + mix64(n ^ 0x55) % 200;
		rec = s->recs[cpu] + s->len[cpu];
		size = make_record(rec, cpu, s->nr[cpu], 1000 + ts[cpu]);
		assert_int_equal(tf_writer_append(w, cpu, rec, size), 0);
		s->len[cpu] += size;
		s->nr[cpu]++;
		if (n % 997 == 0) {
			assert_int_equal(tf_writer_add_lost(w, cpu, 3), 0);
			s->lost[cpu] += 3;
		}
		if (n % 5000 == 4999)
			assert_int_equal(tf_writer_flush(w), 0);
	}
	s->total = NRECORDS;
	assert_int_equal(tf_writer_close(w, &totals), 0);
	assert_int_equal(totals.records, NRECORDS);
	assert_int_equal(totals.lost, s->lost[0] + s->lost[1] + s->lost[2] + s->lost[3]);
	assert_true(totals.chunks > 2 * NCPUS);
}

static int setup(void **state)
{
	struct sample *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	strcpy(s->dir, "/tmp/hypscope-tf-XXXXXX");
	if (!mkdtemp(s->dir))
		return -1;
	snprintf(s->path, sizeof(s->path), "%s/trace.hst", s->dir);
	snprintf(s->damaged, sizeof(s->damaged), "%s/damaged.hst", s->dir);
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct sample *s = *state;
	unsigned cpu;

	unlink(s->path);
	unlink(s->damaged);
	rmdir(s->dir);
	for (cpu = 0; cpu < NCPUS; cpu++)
		free(s->recs[cpu]);
	free(s);
	return 0;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long size;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	rewind(f);
	buf = malloc(size ? size : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, size, f), (size_t)size);
	fclose(f);
	*len = (size_t)size;
	return buf;
}

static void spill(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Chunk offsets, sizes and record counts of the intact sample file. */
struct layout {
	size_t   nr;
	uint64_t offset[4096];
	uint64_t end[4096];
	uint32_t records[4096];
	uint64_t trailer;
};

static void sample_layout(const char *path, struct layout *l)
{
	struct tf_reader *r;
	char err[TF_MSG_LEN];
	size_t i;

	assert_int_equal(tf_reader_open(&r, path, err, sizeof(err)), 0);
	l->nr = tf_reader_nr_chunks(r);
	assert_true(l->nr <= 4096);
	for (i = 0; i < l->nr; i++) {
		const struct tf_chunk_info *ci = tf_reader_chunk(r, i);

		l->offset[i] = ci->offset;
		l->end[i] = ci->offset + sizeof(ci->hdr) + ci->hdr.payload_len;
		l->records[i] = ci->hdr.nr_records;
	}
	l->trailer = l->end[l->nr - 1];
	tf_reader_close(r);
}

/*
 * Read every record merged: each must be byte-identical to what was written,
 * timestamps must not go backwards, and each CPU's sequence must only go up.
 * Returns the number of records read.
 */
static uint64_t read_all(struct sample *s, struct tf_reader *r)
{
	uint64_t count = 0, last_ts = 0;
	int64_t last_seq[NCPUS];
	size_t at[NCPUS] = { 0 };
	struct tf_record rec;
	unsigned cpu;
	int ret;

	for (cpu = 0; cpu < NCPUS; cpu++)
		last_seq[cpu] = -1;
	while ((ret = tf_reader_next(r, &rec)) == 1) {
		const uint8_t *want;

		cpu = rec.cpu;
		assert_true(cpu < NCPUS);
		assert_true(rec.hdr->ts >= last_ts);
		last_ts = rec.hdr->ts;
		assert_true((int64_t)rec.hdr->seq > last_seq[cpu]);
		last_seq[cpu] = (int64_t)rec.hdr->seq;
		/* Find the written record with that sequence number (skipping lost ones). */
		while (((const struct trace_hdr *)(s->recs[cpu] + at[cpu]))->seq < rec.hdr->seq)
			at[cpu] += ((const struct trace_hdr *)(s->recs[cpu] + at[cpu]))->size;
		want = s->recs[cpu] + at[cpu];
		assert_int_equal(rec.size, ((const struct trace_hdr *)want)->size);
		assert_memory_equal(rec.hdr, want, rec.size);
		at[cpu] += rec.size;
		count++;
	}
	assert_int_equal(ret, 0);
	return count;
}

static bool has_problem(struct tf_reader *r, const char *text)
{
	size_t i;

	for (i = 0; i < tf_reader_nr_problems(r); i++)
		if (strstr(tf_reader_problem(r, i), text))
			return true;
	return false;
}

static void print_problems(struct tf_reader *r)
{
	size_t i;

	for (i = 0; i < tf_reader_nr_problems(r); i++)
		print_message("    problem: %s\n", tf_reader_problem(r, i));
}

/* ------------------------------------------------------------------ tests */

static void test_crc32_matches_the_standard_check_value(void **state)
{
	(void)state;
	assert_int_equal(tf_crc32(0, "123456789", 9), 0xcbf43926u);
	assert_int_equal(tf_crc32(tf_crc32(0, "1234", 4), "56789", 5), 0xcbf43926u);
	assert_int_equal(tf_crc32(0, "", 0), 0);
}

/* The CRC a bit at a time, as the standard defines it. */
static uint32_t crc32_bitwise(uint32_t crc, const uint8_t *p, size_t len)
{
	int k;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

/* The library's CRC (ISA-L or libdeflate, tf_crc32()) against the definition: every length, any start. */
static void test_crc32_of_any_length_and_alignment_matches_the_bitwise_crc(void **state)
{
	static const size_t big[] = { 4096, 65536, 65536 + 8, 100003, 262144 + 200 };
	uint32_t seed = 12345, crc;
	size_t len, off, i, max = 262144 + 256;
	uint8_t *buf = malloc(max);

	(void)state;
	assert_non_null(buf);
	for (i = 0; i < max; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (uint8_t)(seed >> 16);
	}
	for (len = 0; len <= 1100; len++) {
		for (off = 0; off < 4; off++) {
			crc = (uint32_t)(len * 2654435761u + off);
			assert_int_equal(tf_crc32(crc, buf + off, len),
					 crc32_bitwise(crc, buf + off, len));
		}
	}
	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		assert_int_equal(tf_crc32(0, buf + i, big[i]), crc32_bitwise(0, buf + i, big[i]));
		/* in two pieces, the first long enough to be folded */
		crc = tf_crc32(0, buf + i, 1000);
		assert_int_equal(tf_crc32(crc, buf + i + 1000, big[i] - 1000),
				 crc32_bitwise(0, buf + i, big[i]));
	}
	free(buf);
}

static void test_round_trip_merges_cpus_in_timestamp_order(void **state)
{
	struct sample *s = *state;
	struct tf_reader_stats st;
	struct tf_reader *r;
	char err[TF_MSG_LEN];
	const struct tf_file_header *fh;

	write_sample(s);
	assert_int_equal(tf_reader_open(&r, s->path, err, sizeof(err)), 0);
	print_problems(r);
	assert_int_equal(tf_reader_nr_problems(r), 0);
	fh = tf_reader_header(r);
	assert_int_equal(fh->nr_cpus, NCPUS);
	assert_int_equal(fh->cntfrq, 62500000);
	assert_int_equal(fh->record_version, TRACE_RECORD_VERSION);
	assert_true(fh->created_ns > 0);
	assert_string_equal(fh->description,
			    "qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu max");

	tf_reader_stats(r, &st);
	assert_int_equal(st.records, NRECORDS);
	assert_int_equal(st.lost, s->lost[0] + s->lost[1] + s->lost[2] + s->lost[3]);
	assert_int_equal(st.bad_chunks, 0);
	assert_int_equal(st.bytes_skipped, 0);
	assert_true(st.trailer_ok);

	assert_int_equal(read_all(s, r), NRECORDS);
	/* Again from the start. */
	tf_reader_rewind(r);
	assert_int_equal(read_all(s, r), NRECORDS);
	tf_reader_close(r);
}

static void test_chunks_can_be_read_one_by_one(void **state)
{
	struct sample *s = *state;
	struct tf_reader *r;
	char err[TF_MSG_LEN];
	uint64_t records = 0, per_cpu[NCPUS] = { 0 };
	size_t i;

	write_sample(s);
	assert_int_equal(tf_reader_open(&r, s->path, err, sizeof(err)), 0);
	for (i = 0; i < tf_reader_nr_chunks(r); i++) {
		const struct tf_chunk_info *ci = tf_reader_chunk(r, i);
		const void *payload;
		const struct trace_hdr *h;
		uint32_t at = 0;
		int len = tf_reader_load_chunk(r, i, &payload);

		assert_int_equal(len, ci->hdr.payload_len);
		while (at < (uint32_t)len) {
			h = (const struct trace_hdr *)((const uint8_t *)payload + at);
			assert_int_equal(h->cpu, ci->hdr.cpu);
			assert_int_equal(h->seq, per_cpu[ci->hdr.cpu]++);
			at += h->size;
			records++;
		}
	}
	assert_int_equal(records, NRECORDS);
	/* an intact file has no damage to tell of */
	assert_int_equal(tf_reader_summary(r, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_null(tf_reader_chunk(r, tf_reader_nr_chunks(r)));
	assert_int_equal(tf_reader_load_chunk(r, tf_reader_nr_chunks(r), NULL), -EINVAL);
	tf_reader_close(r);
}

static void test_truncated_file_still_yields_every_intact_chunk(void **state)
{
	struct sample *s = *state;
	struct layout *l = malloc(sizeof(*l));
	size_t len, k;
	uint8_t *file;

	assert_non_null(l);
	write_sample(s);
	file = slurp(s->path, &len);
	sample_layout(s->path, l);

	/* Inside a chunk header, inside a payload, on a boundary, inside the trailer. */
	for (k = 0; k < 5; k++) {
		size_t chunk = l->nr / 2 + k, i;
		uint64_t cut, want = 0, intact_end = 0;
		struct tf_reader_stats st;
		struct tf_reader *r;
		char err[TF_MSG_LEN], text[128], summary[2 * TF_MSG_LEN];

		switch (k) {
		case 0: cut = l->offset[chunk] + 20; break;
		case 1: cut = l->offset[chunk] + 72 + 1000; break;
		case 2: cut = l->offset[chunk]; break;
		case 3: cut = l->trailer + 20; break;
		default: cut = l->offset[chunk] + 72 + 4; break;
		}
		spill(s->damaged, file, cut);
		for (i = 0; i < l->nr && l->end[i] <= cut; i++) {
			want += l->records[i];
			intact_end = l->end[i];
		}

		assert_int_equal(tf_reader_open(&r, s->damaged, err, sizeof(err)), 0);
		print_problems(r);
		tf_reader_stats(r, &st);
		assert_false(st.trailer_ok);
		assert_int_equal(st.records, want);
		snprintf(text, sizeof(text), "offset 0x%" PRIx64 ": no end marker", (uint64_t)cut);
		assert_true(has_problem(r, text));
		/* one line says what was read and what is lost after the last complete chunk */
		assert_true(tf_reader_summary(r, summary, sizeof(summary)) > 0);
		snprintf(text, sizeof(text),
			 "cut short (no end marker): %" PRIu64 " records read up to the last complete "
			 "chunk, which ends at offset 0x%" PRIx64 "; lost: %" PRIu64 " bytes after it",
			 want, intact_end, cut - intact_end);
		assert_non_null(strstr(summary, text));
		if (k == 1 || k == 4) {
			snprintf(text, sizeof(text), "chunk at offset 0x%" PRIx64 ": truncated at 0x%" PRIx64,
				 l->offset[chunk], (uint64_t)cut);
			assert_true(has_problem(r, text));
			assert_int_equal(st.records_skipped, l->records[chunk]);
		}
		if (k == 0) {
			snprintf(text, sizeof(text), "chunk at offset 0x%" PRIx64 ": header cut short",
				 l->offset[chunk]);
			assert_true(has_problem(r, text));
		}
		assert_int_equal(read_all(s, r), want);
		tf_reader_close(r);
	}
	free(file);
	free(l);
}

static void test_flipped_payload_byte_is_a_crc_error_and_other_chunks_survive(void **state)
{
	struct sample *s = *state;
	struct layout *l = malloc(sizeof(*l));
	struct tf_reader_stats st;
	struct tf_reader *r;
	char err[TF_MSG_LEN], text[128];
	size_t len, chunk;
	uint8_t *file;

	assert_non_null(l);
	write_sample(s);
	file = slurp(s->path, &len);
	sample_layout(s->path, l);
	chunk = l->nr / 3;
	file[l->offset[chunk] + 72 + 333] ^= 0x10;
	spill(s->damaged, file, len);

	assert_int_equal(tf_reader_open(&r, s->damaged, err, sizeof(err)), 0);
	print_problems(r);
	snprintf(text, sizeof(text), "chunk at offset 0x%" PRIx64 ": CRC mismatch, %u records skipped",
		 l->offset[chunk], l->records[chunk]);
	assert_int_equal(tf_reader_nr_problems(r), 1);
	assert_string_equal(tf_reader_problem(r, 0), text);
	tf_reader_stats(r, &st);
	assert_int_equal(st.bad_chunks, 1);
	assert_int_equal(st.records_skipped, l->records[chunk]);
	assert_int_equal(st.records, NRECORDS - l->records[chunk]);
	assert_true(st.trailer_ok);
	assert_int_equal(read_all(s, r), NRECORDS - l->records[chunk]);
	tf_reader_close(r);
	free(file);
	free(l);
}

/* Every record of r merged, as (cpu, seq) pairs in the order they came. */
static uint64_t *merged_order(struct tf_reader *r, size_t *n)
{
	struct tf_record rec;
	size_t cap = 1024;
	uint64_t *out = malloc(cap * sizeof(*out));

	assert_non_null(out);
	*n = 0;
	while (tf_reader_next(r, &rec) == 1) {
		if (*n == cap) {
			cap *= 2;
			out = realloc(out, cap * sizeof(*out));
			assert_non_null(out);
		}
		out[(*n)++] = (uint64_t)rec.cpu << 56 | rec.hdr->seq;
	}
	return out;
}

static void test_threads_find_the_same_chunks_problems_and_records(void **state)
{
	static const unsigned threads[] = { 2, 3, 4, 16 };
	struct sample *s = *state;
	struct layout *l = malloc(sizeof(*l));
	struct tf_reader_stats st1, st;
	struct tf_reader *r1, *r;
	char err[TF_MSG_LEN];
	size_t len, n1, n, i, t;
	uint64_t *order1, *order;
	uint8_t *file;

	assert_non_null(l);
	write_sample(s);
	file = slurp(s->path, &len);
	sample_layout(s->path, l);
	assert_true(l->nr > 8);
	/* a payload CRC error early, a bad header in the middle, garbage late */
	file[l->offset[l->nr / 5] + 72 + 40] ^= 0x04;
	file[l->offset[l->nr / 2] + 20] ^= 0x80;
	memset(file + l->offset[3 * l->nr / 4] + 8, 0xa5, 24);
	spill(s->damaged, file, len);

	assert_int_equal(tf_reader_open_threads(&r1, s->damaged, 1, err, sizeof(err)), 0);
	print_problems(r1);
	assert_true(tf_reader_nr_problems(r1) >= 3);
	tf_reader_stats(r1, &st1);
	order1 = merged_order(r1, &n1);
	assert_int_equal(n1, st1.records);
	for (t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
		assert_int_equal(tf_reader_open_threads(&r, s->damaged, threads[t], err, sizeof(err)),
				 0);
		tf_reader_stats(r, &st);
		assert_memory_equal(&st, &st1, sizeof(st));
		assert_int_equal(tf_reader_nr_chunks(r), tf_reader_nr_chunks(r1));
		for (i = 0; i < tf_reader_nr_chunks(r); i++)
			assert_memory_equal(tf_reader_chunk(r, i), tf_reader_chunk(r1, i),
					    sizeof(struct tf_chunk_info));
		assert_int_equal(tf_reader_nr_problems(r), tf_reader_nr_problems(r1));
		for (i = 0; i < tf_reader_nr_problems(r); i++)
			assert_string_equal(tf_reader_problem(r, i), tf_reader_problem(r1, i));
		order = merged_order(r, &n);
		assert_int_equal(n, n1);
		assert_memory_equal(order, order1, n * sizeof(*order));
		free(order);
		tf_reader_close(r);
	}
	free(order1);
	tf_reader_close(r1);
	free(file);
	free(l);
}

/* Seal chunk header bytes at ch after a change to the chunk: its payload CRC and its own. */
static void reseal(uint8_t *ch)
{
	struct tf_chunk_header h;

	memcpy(&h, ch, sizeof(h));
	h.payload_crc = tf_crc32(0, ch + sizeof(h), h.payload_len);
	h.header_crc = 0;
	h.header_crc = tf_crc32(0, &h, sizeof(h));
	memcpy(ch, &h, sizeof(h));
}

/* A file with every kind of damage: payload CRC, malformed records, bad header, garbage, a cut. */
static uint8_t *damage_every_way(struct sample *s, struct layout *l, size_t *len)
{
	uint8_t *file;
	uint16_t bad_size = 24;

	write_sample(s);
	file = slurp(s->path, len);
	sample_layout(s->path, l);
	assert_true(l->nr > 8);
	file[l->offset[l->nr / 5] + 72 + 40] ^= 0x04;
	/* a record shorter than its header, in a chunk whose CRCs agree */
	memcpy(file + l->offset[l->nr / 3] + 72 + offsetof(struct trace_hdr, size), &bad_size,
	       sizeof(bad_size));
	reseal(file + l->offset[l->nr / 3]);
	file[l->offset[l->nr / 2] + 20] ^= 0x80;
	memset(file + l->offset[3 * l->nr / 4] + 8, 0xa5, 24);
	/* the last chunk's count disagrees with its records */
	file[l->offset[l->nr - 1] + offsetof(struct tf_chunk_header, nr_records)] ^= 1;
	reseal(file + l->offset[l->nr - 1]);
	*len -= 16; /* into the end marker */
	return file;
}

/* @path opened twice: r1 checked at open, r checked as its chunks load. */
static void open_both_ways(const char *path, unsigned threads, struct tf_reader **r1,
			   struct tf_reader **r)
{
	char err[TF_MSG_LEN];

	assert_int_equal(tf_reader_open(r1, path, err, sizeof(err)), 0);
	assert_int_equal(tf_reader_open_flags(r, path, threads, TF_OPEN_CHECK_ON_LOAD, err,
					      sizeof(err)),
			 0);
}

/* r, its chunks all loaded, reads as r1, checked at open: stats, chunks, problems, summary. */
static void assert_reads_as(struct tf_reader *r, struct tf_reader *r1)
{
	char sum1[2 * TF_MSG_LEN], sum[2 * TF_MSG_LEN];
	struct tf_reader_stats st1, st;
	size_t i;

	tf_reader_stats(r1, &st1);
	tf_reader_stats(r, &st);
	assert_memory_equal(&st, &st1, sizeof(st));
	assert_int_equal(tf_reader_nr_chunks(r), tf_reader_nr_chunks(r1));
	for (i = 0; i < tf_reader_nr_chunks(r); i++)
		assert_memory_equal(tf_reader_chunk(r, i), tf_reader_chunk(r1, i),
				    sizeof(struct tf_chunk_info));
	assert_int_equal(tf_reader_nr_problems(r), tf_reader_nr_problems(r1));
	for (i = 0; i < tf_reader_nr_problems(r); i++)
		assert_string_equal(tf_reader_problem(r, i), tf_reader_problem(r1, i));
	tf_reader_summary(r1, sum1, sizeof(sum1));
	tf_reader_summary(r, sum, sizeof(sum));
	assert_string_equal(sum, sum1);
}

/*
 * A reader that checks each chunk when it loads it finds what the check at
 * open finds, only later: before the merge its damaged chunks still count as
 * intact; once the merge has ended the chunks, problems (in file order),
 * stats and summary are those of the check at open, and so were the records,
 * in the same order. A second merge reads the same without a new problem.
 */
static void test_checking_on_load_ends_where_the_check_at_open_starts(void **state)
{
	static const unsigned threads[] = { 1, 2, 3 };
	struct sample *s = *state;
	struct layout *l = malloc(sizeof(*l));
	struct tf_reader_stats st1, st;
	struct tf_reader *r1, *r;
	char err[TF_MSG_LEN];
	size_t len, n1, n, t, problems;
	uint64_t *order1, *order;
	uint8_t *file;

	assert_non_null(l);
	file = damage_every_way(s, l, &len);
	spill(s->damaged, file, len);

	assert_int_equal(tf_reader_open(&r1, s->damaged, err, sizeof(err)), 0);
	print_problems(r1);
	assert_true(has_problem(r1, "CRC mismatch"));
	assert_true(has_problem(r1, "bad record size"));
	assert_true(has_problem(r1, "record count disagrees"));
	tf_reader_stats(r1, &st1);
	order1 = merged_order(r1, &n1);
	assert_int_equal(n1, st1.records);
	for (t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
		assert_int_equal(tf_reader_open_flags(&r, s->damaged, threads[t],
						      TF_OPEN_CHECK_ON_LOAD, err, sizeof(err)),
				 0);
		assert_false(tf_reader_in_place(r));
		/* three damaged payloads not known yet */
		tf_reader_stats(r, &st);
		assert_int_equal(st.bad_chunks, st1.bad_chunks - 3);
		assert_int_equal(tf_reader_nr_chunks(r), tf_reader_nr_chunks(r1) + 3);
		assert_int_equal(tf_reader_nr_problems(r), tf_reader_nr_problems(r1) - 3);

		order = merged_order(r, &n);
		assert_int_equal(n, n1);
		assert_memory_equal(order, order1, n * sizeof(*order));
		free(order);
		assert_reads_as(r, r1);

		problems = tf_reader_nr_problems(r);
		tf_reader_rewind(r);
		order = merged_order(r, &n);
		assert_int_equal(n, n1);
		assert_memory_equal(order, order1, n * sizeof(*order));
		free(order);
		assert_int_equal(tf_reader_nr_problems(r), problems);
		tf_reader_close(r);
	}
	free(order1);
	tf_reader_close(r1);
	free(file);
	free(l);
}

/*
 * Loading each chunk once with tf_reader_load_chunk_records() under
 * TF_OPEN_CHECK_ON_LOAD, as the CTF export does, is each chunk's check:
 * damaged ones are refused, intact ones hand out the bytes the check at open
 * hands out, and once tf_reader_loads_done() says so the chunks, problems,
 * stats, summary and first timestamp are those of the check at open.
 */
static void test_loading_every_chunk_once_checks_it_as_the_open_would(void **state)
{
	struct sample *s = *state;
	struct layout *l = malloc(sizeof(*l));
	struct tf_reader *r1, *r;
	const void *p1, *p;
	size_t len, i, j, refused = 0;
	uint64_t first1 = UINT64_MAX;
	uint8_t *file;
	int n1, n;

	assert_non_null(l);
	file = damage_every_way(s, l, &len);
	spill(s->damaged, file, len);
	open_both_ways(s->damaged, 1, &r1, &r);
	for (i = j = 0; i < tf_reader_nr_chunks(r); i++) {
		n = tf_reader_load_chunk_records(r, i, &p);
		if (n == -EIO) {
			refused++;
			continue;
		}
		assert_true(j < tf_reader_nr_chunks(r1));
		assert_int_equal(tf_reader_chunk(r, i)->offset, tf_reader_chunk(r1, j)->offset);
		n1 = tf_reader_load_chunk_records(r1, j++, &p1);
		assert_int_equal(n, n1);
		assert_memory_equal(p, p1, (size_t)n);
	}
	assert_int_equal(j, tf_reader_nr_chunks(r1));
	assert_int_equal(refused, 3); /* the three damaged payloads */
	assert_int_equal(tf_reader_loads_done(r), 0);

	assert_reads_as(r, r1);
	for (i = 0; i < tf_reader_nr_chunks(r1); i++)
		if (tf_reader_chunk(r1, i)->hdr.nr_records &&
		    tf_reader_chunk(r1, i)->hdr.first_ts < first1)
			first1 = tf_reader_chunk(r1, i)->hdr.first_ts;
	assert_int_equal(tf_reader_first_ts(r), first1);
	assert_int_equal(tf_reader_first_ts(r1), first1);
	tf_reader_close(r);
	tf_reader_close(r1);
	free(file);
	free(l);
}

/*
 * The first timestamp of the intact chunks, asked for before any chunk is
 * loaded under TF_OPEN_CHECK_ON_LOAD, checks the chunk that would hold it:
 * a damaged first chunk gives way to the next.
 */
static void test_first_ts_skips_a_damaged_first_chunk(void **state)
{
	struct sample *s = *state;
	struct layout *l = malloc(sizeof(*l));
	struct tf_reader *r1, *r;
	char err[TF_MSG_LEN];
	size_t len, i, first = 0;
	uint64_t ts = UINT64_MAX;
	uint8_t *file;

	assert_non_null(l);
	write_sample(s);
	file = slurp(s->path, &len);
	sample_layout(s->path, l);
	assert_int_equal(tf_reader_open(&r1, s->path, err, sizeof(err)), 0);
	for (i = 0; i < tf_reader_nr_chunks(r1); i++)
		if (tf_reader_chunk(r1, i)->hdr.nr_records &&
		    tf_reader_chunk(r1, i)->hdr.first_ts < ts) {
			ts = tf_reader_chunk(r1, i)->hdr.first_ts;
			first = i;
		}
	tf_reader_close(r1);
	file[l->offset[first] + 72 + 8] ^= 0x10;
	spill(s->damaged, file, len);
	open_both_ways(s->damaged, 1, &r1, &r);
	assert_int_equal(tf_reader_first_ts(r), tf_reader_first_ts(r1));
	assert_int_equal(tf_reader_nr_problems(r), 1);
	assert_string_equal(tf_reader_problem(r, 0), tf_reader_problem(r1, 0));
	tf_reader_close(r);
	tf_reader_close(r1);
	free(file);
	free(l);
}

/* Loading a chunk by its index is its check too: a damaged one is named once and refused. */
static void test_a_chunk_loaded_by_index_is_checked_then(void **state)
{
	struct sample *s = *state;
	struct layout *l = malloc(sizeof(*l));
	struct tf_reader_stats st;
	struct tf_reader *r;
	char err[TF_MSG_LEN];
	const void *payload;
	size_t len, bad;
	uint8_t *file;

	assert_non_null(l);
	write_sample(s);
	file = slurp(s->path, &len);
	sample_layout(s->path, l);
	bad = l->nr / 2;
	file[l->offset[bad] + 72 + 8] ^= 0x10;
	spill(s->damaged, file, len);
	assert_int_equal(tf_reader_open_flags(&r, s->damaged, 1, TF_OPEN_CHECK_ON_LOAD, err,
					      sizeof(err)),
			 0);
	assert_int_equal(tf_reader_nr_problems(r), 0);
	assert_int_equal(tf_reader_load_chunk(r, 0, &payload),
			 (int)tf_reader_chunk(r, 0)->hdr.payload_len);
	assert_int_equal(tf_reader_load_chunk(r, bad, &payload), -EIO);
	assert_int_equal(tf_reader_load_chunk(r, bad, &payload), -EIO);
	assert_int_equal(tf_reader_nr_problems(r), 1);
	assert_non_null(strstr(tf_reader_problem(r, 0), "CRC mismatch"));
	tf_reader_stats(r, &st);
	assert_int_equal(st.bad_chunks, 1);
	assert_int_equal(st.records, NRECORDS - l->records[bad]);
	assert_int_equal(read_all(s, r), NRECORDS - l->records[bad]);
	assert_int_equal(tf_reader_nr_chunks(r), l->nr - 1);
	tf_reader_close(r);
	free(file);
	free(l);
}

/*
 * Batches of the merge hand out what tf_reader_next() does, one record at a
 * time, in the same order, and each batch's records stay whole until the
 * next call: whatever the reader (buffer, mapping, checked on load) and the
 * batch size.
 */
static void test_batches_hand_out_the_merge_in_order(void **state)
{
	static const struct {
		unsigned threads, flags;
	} modes[] = { { 1, 0 }, { 2, 0 }, { 1, TF_OPEN_CHECK_ON_LOAD }, { 2, TF_OPEN_CHECK_ON_LOAD } };
	static const unsigned sizes[] = { 1, 7, 256, 100000 };
	struct sample *s = *state;
	struct layout *l = malloc(sizeof(*l));
	struct tf_record *rec = malloc(100000 * sizeof(*rec));
	struct tf_reader *r;
	char err[TF_MSG_LEN];
	uint64_t *order1, key;
	size_t len, n1, n, m, b, i;
	uint8_t *file;
	int got;

	assert_non_null(l);
	assert_non_null(rec);
	file = damage_every_way(s, l, &len);
	spill(s->damaged, file, len);
	assert_int_equal(tf_reader_open(&r, s->damaged, err, sizeof(err)), 0);
	order1 = merged_order(r, &n1);
	tf_reader_close(r);
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		for (b = 0; b < sizeof(sizes) / sizeof(sizes[0]); b++) {
			assert_int_equal(tf_reader_open_flags(&r, s->damaged, modes[m].threads,
							      modes[m].flags, err, sizeof(err)),
					 0);
			assert_int_equal(tf_reader_next_batch(r, rec, 0), -EINVAL);
			n = 0;
			while ((got = tf_reader_next_batch(r, rec, sizes[b])) > 0) {
				assert_true((unsigned)got <= sizes[b]);
				for (i = 0; i < (size_t)got; i++) {
					key = (uint64_t)rec[i].cpu << 56 | rec[i].hdr->seq;
					assert_true(n < n1);
					assert_true(key == order1[n]);
					assert_int_equal(rec[i].size, rec[i].hdr->size);
					assert_int_equal(rec[i].hdr->cpu, rec[i].cpu);
					n++;
				}
			}
			assert_int_equal(got, 0);
			assert_int_equal(n, n1);
			assert_int_equal(tf_reader_next_batch(r, rec, sizes[b]), 0);
			tf_reader_close(r);
		}
	}
	free(order1);
	free(rec);
	free(file);
	free(l);
}

/*
 * One reading thread reads through a buffer, more share a mapping. Either
 * way a record spoiled after the file was opened (its chunk already passed
 * its CRC) is named and the rest of its chunk skipped; every other record
 * still comes, in order.
 */
static void test_a_record_spoiled_after_open_is_named_and_skipped(void **state)
{
	static const unsigned threads[] = { 1, 2 };
	struct sample *s = *state;
	struct layout *l = malloc(sizeof(*l));
	struct tf_reader_stats st;
	struct tf_reader *r;
	struct tf_record rec;
	char err[TF_MSG_LEN];
	uint16_t bad_size = 3;
	uint64_t n, off;
	uint8_t *file;
	size_t len;
	unsigned t;
	int fd;

	assert_non_null(l);
	write_sample(s);
	file = slurp(s->path, &len);
	sample_layout(s->path, l);
	assert_true(l->nr > 4);
	for (t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
		spill(s->damaged, file, len);
		assert_int_equal(tf_reader_open_threads(&r, s->damaged, threads[t], err,
							sizeof(err)),
				 0);
		assert_int_equal(tf_reader_in_place(r), threads[t] > 1);
		tf_reader_stats(r, &st);
		/* the size of the first record of the third chunk */
		off = l->offset[2] + sizeof(struct tf_chunk_header) + offsetof(struct trace_hdr, size);
		fd = open(s->damaged, O_WRONLY);
		assert_true(fd >= 0);
		assert_int_equal(pwrite(fd, &bad_size, sizeof(bad_size), (off_t)off),
				 (ssize_t)sizeof(bad_size));
		close(fd);
		for (n = 0; tf_reader_next(r, &rec) == 1; n++)
			assert_true(rec.size >= sizeof(struct trace_hdr));
		assert_int_equal(tf_reader_nr_problems(r), 1);
		assert_non_null(strstr(tf_reader_problem(r, 0),
				       "changed since the file was opened (malformed record at payload byte 0)"));
		assert_int_equal(n, st.records - tf_reader_chunk(r, 2)->hdr.nr_records);
		tf_reader_close(r);
	}
	free(file);
	free(l);
}

static void test_flipped_chunk_header_byte_resyncs_on_the_next_chunk(void **state)
{
	struct sample *s = *state;
	struct layout *l = malloc(sizeof(*l));
	struct tf_reader_stats st;
	struct tf_reader *r;
	char err[TF_MSG_LEN], text[128];
	size_t len, chunk;
	uint8_t *file;

	assert_non_null(l);
	write_sample(s);
	file = slurp(s->path, &len);
	sample_layout(s->path, l);
	chunk = l->nr / 2;
	file[l->offset[chunk] + 16] ^= 0x01; /* nr_records */
	spill(s->damaged, file, len);

	assert_int_equal(tf_reader_open(&r, s->damaged, err, sizeof(err)), 0);
	print_problems(r);
	snprintf(text, sizeof(text), "chunk at offset 0x%" PRIx64 ": header CRC mismatch",
		 l->offset[chunk]);
	assert_true(has_problem(r, text));
	snprintf(text, sizeof(text), "offset 0x%" PRIx64 ": %" PRIu64 " bytes that belong to no intact chunk skipped",
		 l->offset[chunk], l->end[chunk] - l->offset[chunk]);
	assert_true(has_problem(r, text));
	tf_reader_stats(r, &st);
	assert_int_equal(st.records, NRECORDS - l->records[chunk]);
	assert_true(st.trailer_ok);
	assert_int_equal(read_all(s, r), NRECORDS - l->records[chunk]);
	tf_reader_close(r);
	free(file);
	free(l);
}

static void test_garbage_between_chunks_is_skipped_and_located(void **state)
{
	struct sample *s = *state;
	struct layout *l = malloc(sizeof(*l));
	struct tf_reader *r;
	char err[TF_MSG_LEN], text[128];
	size_t len, chunk, at;
	uint8_t *file, *spliced;

	assert_non_null(l);
	write_sample(s);
	file = slurp(s->path, &len);
	sample_layout(s->path, l);
	chunk = 3;
	at = l->offset[chunk];
	spliced = malloc(len + 24);
	assert_non_null(spliced);
	memcpy(spliced, file, at);
	memset(spliced + at, 0x5a, 24);
	memcpy(spliced + at + 24, file + at, len - at);
	spill(s->damaged, spliced, len + 24);

	assert_int_equal(tf_reader_open(&r, s->damaged, err, sizeof(err)), 0);
	print_problems(r);
	snprintf(text, sizeof(text), "offset 0x%zx: 24 bytes that belong to no intact chunk skipped", at);
	assert_int_equal(tf_reader_nr_problems(r), 1);
	assert_string_equal(tf_reader_problem(r, 0), text);
	assert_int_equal(read_all(s, r), NRECORDS);
	tf_reader_close(r);
	free(spliced);
	free(file);
	free(l);
}

static void test_bad_file_header_is_a_clear_error(void **state)
{
	struct sample *s = *state;
	struct tf_file_header fh;
	struct tf_reader *r = (void *)1;
	char err[TF_MSG_LEN];
	size_t len;
	uint8_t *file;

	write_sample(s);
	file = slurp(s->path, &len);

	/* Not a trace file at all. */
	spill(s->damaged, "#!/bin/sh\necho hello, this is not a trace\n", 42);
	assert_int_equal(tf_reader_open(&r, s->damaged, err, sizeof(err)), -EINVAL);
	assert_null(r);
	assert_non_null(strstr(err, "not a hypscope trace file (bad magic at offset 0x0)"));

	/* Cut inside the file header. */
	spill(s->damaged, file, 100);
	assert_int_equal(tf_reader_open(&r, s->damaged, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "too short for the 320-byte file header"));

	/* Empty. */
	spill(s->damaged, file, 0);
	assert_int_equal(tf_reader_open(&r, s->damaged, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "too short"));

	/* A flipped byte in the description. */
	file[100] ^= 0x20;
	spill(s->damaged, file, len);
	assert_int_equal(tf_reader_open(&r, s->damaged, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "file header at offset 0x0 is corrupt (CRC mismatch)"));
	file[100] ^= 0x20;

	/* A newer format, consistently written. */
	memcpy(&fh, file, sizeof(fh));
	fh.version = TF_VERSION + 1;
	fh.header_crc = 0;
	fh.header_crc = tf_crc32(0, &fh, sizeof(fh));
	memcpy(file, &fh, sizeof(fh));
	spill(s->damaged, file, len);
	assert_int_equal(tf_reader_open(&r, s->damaged, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "format version 2; this hypscope reads version 1"));

	/* Records of another version. */
	fh.version = TF_VERSION;
	fh.record_version = TRACE_RECORD_VERSION + 1;
	fh.header_crc = 0;
	fh.header_crc = tf_crc32(0, &fh, sizeof(fh));
	memcpy(file, &fh, sizeof(fh));
	spill(s->damaged, file, len);
	assert_int_equal(tf_reader_open(&r, s->damaged, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "trace records of version 2"));

	/* No CPUs. */
	fh.record_version = TRACE_RECORD_VERSION;
	fh.nr_cpus = 0;
	fh.header_crc = 0;
	fh.header_crc = tf_crc32(0, &fh, sizeof(fh));
	memcpy(file, &fh, sizeof(fh));
	spill(s->damaged, file, len);
	assert_int_equal(tf_reader_open(&r, s->damaged, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "inconsistent"));

	unlink(s->damaged);
	assert_int_equal(tf_reader_open(&r, s->damaged, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "cannot open"));
	free(file);
}

static void test_writer_refuses_malformed_records(void **state)
{
	struct sample *s = *state;
	struct tf_info info = { .nr_cpus = 2, .cntfrq = 1000 };
	struct tf_writer *w;
	uint8_t rec[TRACE_MAX_RECORD];
	char err[TF_MSG_LEN];
	size_t size;

	info.nr_cpus = 0;
	assert_int_equal(tf_writer_open(&w, s->path, &info, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "0 CPUs"));
	info.nr_cpus = 2;
	assert_int_equal(tf_writer_open(&w, "/nonexistent-dir/x.hst", &info, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "cannot create"));

	assert_int_equal(tf_writer_open(&w, s->path, &info, err, sizeof(err)), 0);
	size = make_record(rec, 0, 0, 1);
	assert_int_equal(tf_writer_append(w, 0, rec, size), 0);
	assert_int_equal(tf_writer_append(w, 0, rec, size - 8), -EINVAL);
	assert_non_null(strstr(tf_writer_error(w), "disagrees"));
	/* The first error sticks. */
	assert_int_equal(tf_writer_append(w, 0, rec, size), -EINVAL);
	assert_int_equal(tf_writer_close(w, NULL), -EINVAL);

	assert_int_equal(tf_writer_open(&w, s->path, &info, err, sizeof(err)), 0);
	assert_int_equal(tf_writer_append(w, 2, rec, size), -EINVAL);
	assert_non_null(strstr(tf_writer_error(w), "CPU 2"));
	assert_int_equal(tf_writer_close(w, NULL), -EINVAL);

	assert_int_equal(tf_writer_open(&w, s->path, &info, err, sizeof(err)), 0);
	((struct trace_hdr *)rec)->type = TRACE_PAD;
	assert_int_equal(tf_writer_append(w, 0, rec, size), -EINVAL);
	assert_non_null(strstr(tf_writer_error(w), "pad record"));
	assert_int_equal(tf_writer_close(w, NULL), -EINVAL);
	assert_int_equal(tf_writer_close(NULL, NULL), 0);
}

/*
 * The batch merge over 1 to 6 CPUs (four or fewer take two pairs, more a
 * scan): timestamps in order, ties to the lower CPU, each CPU's records in
 * sequence order, every record once, whichever the check.
 */
static void test_batches_break_ties_to_the_lower_cpu_on_any_number_of_cpus(void **state)
{
	static const unsigned flags[] = { 0, TF_OPEN_CHECK_ON_LOAD };
	struct sample *s = *state;
	uint8_t rec[TRACE_MAX_RECORD];
	struct tf_record out[13];
	struct tf_writer *w;
	struct tf_reader *r;
	char err[TF_MSG_LEN];
	uint64_t n, seq[6], got_total, last_ts, last_cpu, ts;
	unsigned cpus, cpu, f;
	size_t size;
	int got, i;

	for (cpus = 1; cpus <= 6; cpus++) {
		struct tf_info info = { .nr_cpus = cpus, .cntfrq = 1000 };

		memset(seq, 0, sizeof(seq));
		assert_int_equal(tf_writer_open(&w, s->path, &info, err, sizeof(err)), 0);
		for (n = 0; n < 3000; n++) {
			cpu = (unsigned)(mix64(n) % cpus);
			/* few distinct timestamps: many ties across CPUs */
			ts = 100 + (seq[cpu] + mix64(n ^ 7) % 2) / 2 * 2;
			size = make_record(rec, cpu, seq[cpu]++, ts);
			assert_int_equal(tf_writer_append(w, cpu, rec, size), 0);
			if (n % 700 == 699)
				assert_int_equal(tf_writer_flush(w), 0);
		}
		assert_int_equal(tf_writer_close(w, NULL), 0);
		for (f = 0; f < 2; f++) {
			assert_int_equal(tf_reader_open_flags(&r, s->path, 1, flags[f], err,
							      sizeof(err)),
					 0);
			memset(seq, 0, sizeof(seq));
			got_total = 0;
			last_ts = 0;
			last_cpu = 0;
			while ((got = tf_reader_next_batch(r, out, 13)) > 0) {
				for (i = 0; i < got; i++) {
					cpu = out[i].cpu;
					ts = out[i].hdr->ts;
					assert_true(ts > last_ts || (ts == last_ts && cpu >= last_cpu));
					assert_int_equal(out[i].hdr->seq, seq[cpu]);
					seq[cpu]++;
					last_ts = ts;
					last_cpu = cpu;
					got_total++;
				}
			}
			assert_int_equal(got, 0);
			assert_int_equal(got_total, 3000);
			tf_reader_close(r);
		}
	}
}

/* A type below TRACE_TYPE_LIMIT that this version does not decode, or 0 when there is none. */
static uint16_t unknown_type_below_the_limit(void)
{
	uint32_t t;

	for (t = TRACE_TYPE_LIMIT - 1; t > 0; t--)
		if (trace_type_index(t) < 0 && t != TRACE_PAD)
			return (uint16_t)t;
	return 0;
}

struct key_sample {
	unsigned cpus;
	uint64_t nr[6];          /* records written per CPU */
	uint64_t *ts[6];         /* their timestamps, by sequence number */
	bool *gone[6];           /* in a chunk damaged since: not handed out */
};

/*
 * Write cpus CPUs' records whose timestamps move on by 0 to 3 ticks (ties
 * within and across CPUs, and at the chunk boundaries a flush every 211
 * records makes) and now and then go back by up to 40 on one CPU; some
 * records are of types this version does not decode, which a file may hold.
 */
static void write_key_sample(const char *path, struct key_sample *k, unsigned cpus)
{
	struct tf_info info = { .nr_cpus = cpus, .cntfrq = 1000 };
	uint16_t unknown = unknown_type_below_the_limit();
	uint8_t rec[TRACE_MAX_RECORD];
	uint64_t ts[6], n, x;
	struct tf_writer *w;
	char err[TF_MSG_LEN];
	struct trace_hdr *h = (struct trace_hdr *)rec;
	unsigned cpu;
	size_t size;

	memset(k, 0, sizeof(*k));
	k->cpus = cpus;
	for (cpu = 0; cpu < cpus; cpu++) {
		ts[cpu] = 1000;
		k->ts[cpu] = malloc(6000 * sizeof(uint64_t));
		k->gone[cpu] = calloc(6000, sizeof(bool));
		assert_non_null(k->ts[cpu]);
		assert_non_null(k->gone[cpu]);
	}
	assert_int_equal(tf_writer_open(&w, path, &info, err, sizeof(err)), 0);
	for (n = 0; n < 6000; n++) {
		x = mix64(n ^ 0x5eed);
		cpu = (unsigned)(x % cpus);
		if (x % 97 == 3)
			ts[cpu] -= x % 41; /* this CPU's clock goes back */
		else
			ts[cpu] += (x >> 8) % 4;
		size = make_record(rec, cpu, k->nr[cpu], ts[cpu]);
		if (x % 53 == 7) {
			/* a type this version does not decode: above the table, or in it */
			h->type = (x >> 16) % 2 || !unknown ? (uint16_t)(TRACE_TYPE_LIMIT + 17) : unknown;
			h->size = 40;
			size = 40;
		}
		assert_int_equal(tf_writer_append(w, cpu, rec, size), 0);
		k->ts[cpu][k->nr[cpu]++] = ts[cpu];
		if (n % 211 == 210)
			assert_int_equal(tf_writer_flush(w), 0);
	}
	assert_int_equal(tf_writer_close(w, NULL), 0);
}

/*
 * The merge as tf_reader_next() defines it, done the plain way: each time the
 * earliest of the CPUs' next records, ties to the lower CPU, a CPU's records
 * in their order. Returns (cpu << 56 | seq) of each, *n of them.
 */
static uint64_t *heads_merge(const struct key_sample *k, size_t *n)
{
	uint64_t *out = malloc(6 * 6000 * sizeof(*out)), at[6] = { 0 };
	unsigned cpu, best;

	assert_non_null(out);
	*n = 0;
	for (;;) {
		best = k->cpus;
		for (cpu = 0; cpu < k->cpus; cpu++) {
			while (at[cpu] < k->nr[cpu] && k->gone[cpu][at[cpu]])
				at[cpu]++;
			if (at[cpu] < k->nr[cpu] &&
			    (best == k->cpus || k->ts[cpu][at[cpu]] < k->ts[best][at[best]]))
				best = cpu;
		}
		if (best == k->cpus)
			return out;
		out[(*n)++] = (uint64_t)best << 56 | at[best]++;
	}
}

/*
 * Whatever the timestamps (ties within a chunk and across chunk boundaries,
 * a CPU whose clock goes back), the number of CPUs (the merge of four or
 * fewer and of more), the reader (checked at open or on load, one thread or
 * two) and the size of the batches, the merge hands out what the plain
 * merge of the CPUs' heads does, each record as written. A chunk damaged in
 * the middle of the file, and one whose last record is malformed under
 * sound CRCs, take their records out and nothing else, and every reader
 * ends with the problems, stats and chunks of the check at open.
 */
static void test_the_merge_is_the_merge_of_the_heads_whatever_the_timestamps(void **state)
{
	static const unsigned cpus_of[] = { 1, 3, 4, 5, 6 };
	static const struct {
		unsigned threads, flags;
	} modes[] = { { 1, 0 }, { 2, 0 }, { 1, TF_OPEN_CHECK_ON_LOAD }, { 2, TF_OPEN_CHECK_ON_LOAD } };
	static const unsigned sizes[] = { 1, 7, 256 };
	struct sample *s = *state;
	struct tf_record *rec = malloc(256 * sizeof(*rec));
	struct key_sample k;
	const struct tf_chunk_info *ci;
	struct tf_reader *r, *r1 = NULL;
	char err[TF_MSG_LEN];
	uint64_t *want, key, q;
	size_t want_n, len, c, m, b, i, n, big;
	uint32_t at, last;
	uint16_t size16;
	unsigned damaged, cpu;
	uint8_t *file;
	int got;

	assert_non_null(rec);
	for (c = 0; c < sizeof(cpus_of) / sizeof(cpus_of[0]); c++) {
		write_key_sample(s->path, &k, cpus_of[c]);
		for (damaged = 0; damaged < 2; damaged++) {
			const char *path = s->path;

			if (damaged) {
				/* a payload byte of a chunk in the middle of the file */
				assert_int_equal(tf_reader_open(&r, s->path, err, sizeof(err)), 0);
				assert_true(tf_reader_nr_chunks(r) > 4);
				ci = tf_reader_chunk(r, tf_reader_nr_chunks(r) / 2);
				cpu = ci->hdr.cpu;
				for (q = ci->hdr.first_seq; q <= ci->hdr.last_seq; q++)
					k.gone[cpu][q] = true;
				file = slurp(s->path, &len);
				file[ci->offset + sizeof(ci->hdr) + ci->hdr.payload_len / 2] ^= 0x20;
				/*
				 * and the last record of the largest payload (past the
				 * CRC's first piece where it is long enough) made too
				 * short, its CRCs sealed again
				 */
				for (i = 0, big = 0; i < tf_reader_nr_chunks(r); i++)
					if (tf_reader_chunk(r, i)->hdr.payload_len >
					    tf_reader_chunk(r, big)->hdr.payload_len)
						big = i;
				assert_true(big != tf_reader_nr_chunks(r) / 2);
				ci = tf_reader_chunk(r, big);
				for (at = 0, last = 0; at < ci->hdr.payload_len;) {
					last = at;
					memcpy(&size16, file + ci->offset + sizeof(ci->hdr) + at +
								offsetof(struct trace_hdr, size),
					       sizeof(size16));
					at += size16;
				}
				size16 = 24;
				memcpy(file + ci->offset + sizeof(ci->hdr) + last +
					       offsetof(struct trace_hdr, size),
				       &size16, sizeof(size16));
				reseal(file + ci->offset);
				for (q = ci->hdr.first_seq; q <= ci->hdr.last_seq; q++)
					k.gone[ci->hdr.cpu][q] = true;
				tf_reader_close(r);
				spill(s->damaged, file, len);
				free(file);
				path = s->damaged;
				/* the check at open, all at once: what every reader must end with */
				assert_int_equal(tf_reader_open_threads(&r1, path, 1, err, sizeof(err)),
						 0);
				assert_int_equal(tf_reader_nr_problems(r1), 2);
				assert_true(has_problem(r1, "CRC mismatch"));
				assert_true(has_problem(r1, "bad record size"));
			}
			want = heads_merge(&k, &want_n);
			for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
				for (b = 0; b < sizeof(sizes) / sizeof(sizes[0]); b++) {
					assert_int_equal(tf_reader_open_flags(&r, path, modes[m].threads,
									      modes[m].flags, err,
									      sizeof(err)),
							 0);
					n = 0;
					while ((got = tf_reader_next_batch(r, rec, sizes[b])) > 0) {
						for (i = 0; i < (size_t)got; i++, n++) {
							key = (uint64_t)rec[i].cpu << 56 | rec[i].hdr->seq;
							assert_true(n < want_n);
							if (key != want[n])
								print_message("%u CPUs, mode %zu, batch %u: record %zu is %" PRIx64 ", not %" PRIx64 "\n",
									      cpus_of[c], m, sizes[b], n, key, want[n]);
							assert_true(key == want[n]);
							assert_int_equal(rec[i].hdr->ts,
									 k.ts[rec[i].cpu][rec[i].hdr->seq]);
							assert_int_equal(rec[i].size, rec[i].hdr->size);
							assert_int_equal(rec[i].chunk_offset % 8, 0);
						}
					}
					assert_int_equal(got, 0);
					assert_int_equal(n, want_n);
					assert_int_equal(tf_reader_nr_problems(r), 2 * damaged);
					if (damaged)
						assert_reads_as(r, r1);
					/* and one by one, after a rewind */
					tf_reader_rewind(r);
					for (n = 0; tf_reader_next(r, &rec[0]) == 1; n++) {
						assert_true(n < want_n);
						assert_true(((uint64_t)rec[0].cpu << 56 | rec[0].hdr->seq) ==
							    want[n]);
					}
					assert_int_equal(n, want_n);
					tf_reader_close(r);
				}
			}
			free(want);
			if (damaged)
				tf_reader_close(r1);
		}
		for (cpu = 0; cpu < k.cpus; cpu++) {
			free(k.ts[cpu]);
			free(k.gone[cpu]);
		}
	}
	free(rec);
}

static void test_losses_without_records_are_kept(void **state)
{
	struct sample *s = *state;
	struct tf_info info = { .nr_cpus = 2, .cntfrq = 1000 };
	struct tf_reader_stats st;
	struct tf_totals totals;
	struct tf_writer *w;
	struct tf_reader *r;
	struct tf_record rec;
	char err[TF_MSG_LEN];

	assert_int_equal(tf_writer_open(&w, s->path, &info, err, sizeof(err)), 0);
	assert_int_equal(tf_writer_add_lost(w, 1, 42), 0);
	assert_int_equal(tf_writer_close(w, &totals), 0);
	assert_int_equal(totals.records, 0);
	assert_int_equal(totals.lost, 42);
	assert_int_equal(totals.chunks, 1);

	assert_int_equal(tf_reader_open(&r, s->path, err, sizeof(err)), 0);
	assert_int_equal(tf_reader_nr_problems(r), 0);
	tf_reader_stats(r, &st);
	assert_int_equal(st.lost, 42);
	assert_int_equal(st.records, 0);
	assert_int_equal(tf_reader_nr_chunks(r), 1);
	assert_int_equal(tf_reader_chunk(r, 0)->hdr.cpu, 1);
	assert_int_equal(tf_reader_next(r, &rec), 0);
	tf_reader_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32_matches_the_standard_check_value),
		cmocka_unit_test(test_crc32_of_any_length_and_alignment_matches_the_bitwise_crc),
		cmocka_unit_test_setup_teardown(test_round_trip_merges_cpus_in_timestamp_order,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_chunks_can_be_read_one_by_one, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_truncated_file_still_yields_every_intact_chunk,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_flipped_payload_byte_is_a_crc_error_and_other_chunks_survive, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_flipped_chunk_header_byte_resyncs_on_the_next_chunk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_find_the_same_chunks_problems_and_records,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_record_spoiled_after_open_is_named_and_skipped,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_checking_on_load_ends_where_the_check_at_open_starts,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_loading_every_chunk_once_checks_it_as_the_open_would,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_ts_skips_a_damaged_first_chunk, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_chunk_loaded_by_index_is_checked_then, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_batches_hand_out_the_merge_in_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_garbage_between_chunks_is_skipped_and_located,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_file_header_is_a_clear_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_writer_refuses_malformed_records, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_batches_break_ties_to_the_lower_cpu_on_any_number_of_cpus, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_the_merge_is_the_merge_of_the_heads_whatever_the_timestamps, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_losses_without_records_are_kept, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
