/*
 * Unit tests for formats/ring.c: layout, wraparound, both modes' loss
 * accounting, corrupt input, and a producer and a consumer thread racing.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formats/ring.h"

#define TEST_TYPE 0x0f00u /* not a real record type: the ring does not care */

/* ---------------------------------------------------------------- helpers */

static void *ring_mem(uint64_t size)
{
	void *mem = aligned_alloc(64, size);

	assert_non_null(mem);
	memset(mem, 0xa5, size); /* garbage, as RAM would hold */
	return mem;
}

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Payload words derive from the sequence number; hdr.ts holds a checksum of the record. */
static uint64_t record_checksum(const struct trace_hdr *h)
{
	const uint64_t *w = (const uint64_t *)h;
	uint64_t sum = mix64(h->seq ^ ((uint64_t)h->size << 48) ^ h->type);
	size_t i;

	for (i = sizeof(*h) / 8; i < h->size / 8u; i++)
		sum = mix64(sum ^ w[i]);
	return sum;
}

/* Bytes of the n-th record a test writes: 40..TRACE_MAX_RECORD, varying. */
static uint32_t record_size(uint64_t n)
{
	uint32_t words = (TRACE_MAX_RECORD - sizeof(struct trace_hdr)) / 8;

	return sizeof(struct trace_hdr) + 8 * (uint32_t)(mix64(n) % (words + 1));
}

/* Write one record; false when the ring dropped it. */
static bool produce(struct ring *r, uint32_t size)
{
	struct trace_hdr *h = ring_reserve(r, size);
	uint64_t *w;
	size_t i;

	if (!h)
		return false;
	h->type = TEST_TYPE;
	h->vmid = 7;
	h->vmid_gen = 1;
	h->vm = 0;
	h->vcpu = 1;
	h->reserved = 0;
	w = (uint64_t *)h;
	for (i = sizeof(*h) / 8; i < size / 8; i++)
		w[i] = mix64(h->seq * 64 + i);
	h->ts = record_checksum(h);
	ring_commit(r);
	return true;
}

/* A delivered record must be exactly what the producer wrote. */
static bool record_intact(const void *buf, int size)
{
	const struct trace_hdr *h = buf;
	const uint64_t *w = buf;
	int i;

	if (size < (int)sizeof(*h) || h->size != size || h->type != TEST_TYPE || h->vmid != 7)
		return false;
	if (h->ts != record_checksum(h))
		return false;
	for (i = sizeof(*h) / 8; i < size / 8; i++)
		if (w[i] != mix64(h->seq * 64 + i))
			return false;
	return true;
}

static uint64_t buf_seq(const void *buf)
{
	return ((const struct trace_hdr *)buf)->seq;
}

/* ----------------------------------------------------------- layout, init */

/* A ring of size bytes at mem for CPU 0 in mode, and a consumer on it. */
static void ring_pair(struct ring *r, struct ring_consumer *c, void *mem, uint64_t size,
		      unsigned mode)
{
	assert_int_equal(ring_init(r, mem, size, 0, mode), 0);
	assert_int_equal(ring_consumer_init(c, mem, size, 0), 0);
}

static void test_init_rejects_bad_arguments(void **state)
{
	struct ring r;
	void *mem = ring_mem(65536);

	(void)state;
	assert_int_equal(ring_init(&r, mem, 65536, 0, 0), -EINVAL);
	assert_int_equal(ring_init(&r, mem, 65536, 0, 3), -EINVAL);
	assert_int_equal(ring_init(&r, (uint8_t *)mem + 4, 4096, 0, RING_MODE_DROP), -EINVAL);
	assert_int_equal(ring_init(&r, mem, 100, 0, RING_MODE_DROP), -EINVAL);
	/* Too small for RING_MIN_BLOCKS blocks of RING_BLOCK_MIN bytes. */
	assert_int_equal(ring_init(&r, mem, RING_HEADER_SIZE + 3 * RING_BLOCK_MIN, 0,
				   RING_MODE_DROP), -EINVAL);
	assert_int_equal(ring_init(&r, mem, RING_HEADER_SIZE + 4 * RING_BLOCK_MIN, 0,
				   RING_MODE_DROP), 0);
	free(mem);
}

static void test_geometry_uses_whole_blocks(void **state)
{
	struct ring r;
	void *mem = ring_mem(1 << 20);
	struct ring_header *h = mem;

	(void)state;
	assert_int_equal(ring_init(&r, mem, 1 << 20, 2, RING_MODE_OVERWRITE), 0);
	assert_int_equal(h->magic, RING_MAGIC);
	assert_int_equal(h->block_size, RING_BLOCK_MAX);
	assert_int_equal(h->data_size, (1 << 20) - RING_BLOCK_MAX);
	assert_int_equal(h->cpu, 2);
	assert_int_equal(h->prod_pos, 0);
	assert_int_equal(h->cons_pos, 0);
	assert_int_equal(h->next_seq, 0);

	assert_int_equal(ring_init(&r, mem, 8192, 0, RING_MODE_OVERWRITE), 0);
	assert_int_equal(h->block_size, 1024);
	assert_int_equal(h->data_size, 7 * 1024);
	free(mem);
}

static void test_corrupt_header_is_rejected(void **state)
{
	struct ring_consumer c;
	struct ring r;
	const uint64_t size = 16384;
	void *mem = ring_mem(size);
	struct ring_header *h = mem;

	(void)state;
	/* Never laid out: RAM garbage. */
	assert_int_equal(ring_consumer_init(&c, mem, size, 0), -EBADMSG);

	ring_pair(&r, &c, mem, size, RING_MODE_DROP);
	/* The mapping is smaller than the ring says it is. */
	assert_int_equal(ring_consumer_init(&c, mem, 4096, 0), -EBADMSG);
	assert_int_equal(ring_consumer_init(&c, mem, 8, 0), -EINVAL);

	h->version = RING_VERSION + 1;
	assert_int_equal(ring_consumer_init(&c, mem, size, 0), -EPROTO);
	h->version = RING_VERSION;

	h->block_size = 3000;
	assert_int_equal(ring_consumer_init(&c, mem, size, 0), -EBADMSG);
	h->block_size = 1 << 20;
	assert_int_equal(ring_consumer_init(&c, mem, size, 0), -EBADMSG);
	h->block_size = 4096;
	assert_int_equal(ring_consumer_init(&c, mem, size, 0), -EBADMSG); /* data_size % block */
	assert_int_equal(ring_init(&r, mem, size, 0, RING_MODE_DROP), 0);

	h->data_size = 1ull << 40;
	assert_int_equal(ring_consumer_init(&c, mem, size, 0), -EBADMSG);
	assert_int_equal(ring_init(&r, mem, size, 0, RING_MODE_DROP), 0);

	h->mode = 9;
	assert_int_equal(ring_consumer_init(&c, mem, size, 0), -EBADMSG);
	assert_int_equal(ring_init(&r, mem, size, 0, RING_MODE_DROP), 0);

	h->cons_pos = 4096; /* consumer ahead of the producer */
	assert_int_equal(ring_consumer_init(&c, mem, size, 0), -EBADMSG);
	assert_int_equal(ring_init(&r, mem, size, 0, RING_MODE_OVERWRITE), 0);

	h->horizon = 1000; /* not a block boundary */
	assert_int_equal(ring_consumer_init(&c, mem, size, 0), -EBADMSG);

	h->magic ^= 1;
	assert_int_equal(ring_consumer_init(&c, mem, size, 0), -EBADMSG);
	free(mem);
}

static void test_corrupt_header_while_consuming_is_an_error(void **state)
{
	struct ring_consumer c;
	struct ring r;
	const uint64_t size = 16384;
	void *mem = ring_mem(size);
	struct ring_header *h = mem;
	uint64_t buf[TRACE_MAX_RECORD / 8];
	uint64_t horizon;

	(void)state;
	ring_pair(&r, &c, mem, size, RING_MODE_OVERWRITE);
	assert_true(produce(&r, 64));
	horizon = h->horizon;
	h->horizon = 12345;
	assert_int_equal(ring_consume(&c, buf, sizeof(buf)), -EBADMSG);
	h->horizon = horizon;
	assert_int_equal(ring_consume(&c, buf, sizeof(buf)), 64);
	/* Laid out again: the position went backwards. */
	assert_int_equal(ring_init(&r, mem, size, 0, RING_MODE_OVERWRITE), 0);
	assert_int_equal(ring_consume(&c, buf, sizeof(buf)), -ESTALE);
	free(mem);
}

/* ------------------------------------------------------------ single thread */

static void test_records_round_trip_in_order(void **state)
{
	struct ring_consumer c;
	struct ring_stats st;
	struct ring r;
	const uint64_t size = 65536;
	void *mem = ring_mem(size);
	uint64_t buf[TRACE_MAX_RECORD / 8];
	uint64_t n;
	int ret;

	(void)state;
	assert_int_equal(ring_init(&r, mem, size, 1, RING_MODE_DROP), 0);
	assert_int_equal(ring_consumer_init(&c, mem, size, 0), 0);
	assert_int_equal(ring_consume(&c, buf, sizeof(buf)), 0);
	for (n = 0; n < 50; n++)
		assert_true(produce(&r, record_size(n)));
	for (n = 0; n < 50; n++) {
		ret = ring_consume(&c, buf, sizeof(buf));
		assert_int_equal(ret, record_size(n));
		assert_true(record_intact(buf, ret));
		assert_int_equal(buf_seq(buf), n);
		assert_int_equal(((struct trace_hdr *)buf)->cpu, 1);
	}
	assert_int_equal(ring_consume(&c, buf, sizeof(buf)), 0);
	ring_consumer_stats(&c, &st);
	assert_int_equal(st.delivered, 50);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.produced, 50);
	assert_int_equal(st.cons_pos, st.prod_pos);
	assert_int_equal(((struct ring_header *)mem)->cons_pos, st.prod_pos);
	free(mem);
}

static void test_backlog_is_what_waits_for_the_consumer(void **state)
{
	struct ring_consumer c;
	struct ring r;
	const uint64_t size = 65536;
	void *mem = ring_mem(size);
	uint64_t buf[TRACE_MAX_RECORD / 8], waiting = 0;
	unsigned n;
	int ret;

	(void)state;
	ring_pair(&r, &c, mem, size, RING_MODE_DROP);
	assert_int_equal(ring_consumer_backlog(&c), 0);
	/* 64-byte records fill blocks exactly: no pads between them */
	for (n = 0; n < 200; n++) {
		assert_true(produce(&r, 64));
		waiting += 64;
		assert_int_equal(ring_consumer_backlog(&c), waiting);
	}
	for (n = 0; n < 200; n++) {
		ret = ring_consume(&c, buf, sizeof(buf));
		assert_int_equal(ret, 64);
		waiting -= (uint64_t)ret;
		assert_int_equal(ring_consumer_backlog(&c), waiting);
	}
	assert_int_equal(ring_consumer_backlog(&c), 0);
	/* a full DROP ring: never more than its data */
	while (produce(&r, TRACE_MAX_RECORD))
		;
	assert_true(ring_consumer_backlog(&c) > size / 2);
	assert_true(ring_consumer_backlog(&c) <= c.data_size);
	free(mem);
}

static void test_wraparound_keeps_order_and_content(void **state)
{
	unsigned mode;

	(void)state;
	for (mode = RING_MODE_OVERWRITE; mode <= RING_MODE_DROP; mode++) {
		struct ring_consumer c;
		struct ring_stats st;
		struct ring r;
		const uint64_t size = 8192;
		void *mem = ring_mem(size);
		uint64_t buf[TRACE_MAX_RECORD / 8];
		uint64_t n, next = 0;
		int ret;

		ring_pair(&r, &c, mem, size, mode);
		/* Many laps of a 7 KiB ring; the consumer keeps up every few records. */
		for (n = 0; n < 20000; n++) {
			assert_true(produce(&r, record_size(n)));
			if (n % 4 != 3)
				continue;
			while ((ret = ring_consume(&c, buf, sizeof(buf))) > 0) {
				assert_true(record_intact(buf, ret));
				assert_int_equal(buf_seq(buf), next);
				next++;
			}
			assert_int_equal(ret, 0);
		}
		assert_int_equal(next, 20000);
		ring_consumer_stats(&c, &st);
		assert_true(st.prod_pos > 100 * r.data_size);
		assert_int_equal(st.lost, 0);
		assert_int_equal(st.skipped_bytes, 0);
		assert_int_equal(st.torn + st.corrupt, 0);
		free(mem);
	}
}

static void test_records_never_straddle_a_block_or_the_end(void **state)
{
	struct ring_consumer c;
	struct ring r;
	const uint64_t size = 8192;
	void *mem = ring_mem(size);
	uint64_t buf[TRACE_MAX_RECORD / 8];
	uint64_t n, pads = 0;

	(void)state;
	ring_pair(&r, &c, mem, size, RING_MODE_OVERWRITE);
	for (n = 0; n < 5000; n++) {
		uint32_t sz = record_size(n);
		uint64_t before = r.pos;
		uint8_t *p = ring_reserve(&r, sz);
		uint64_t off;

		assert_non_null(p);
		off = (uint64_t)(p - r.data);
		assert_true(off + sz <= r.data_size);
		assert_true(off % r.block_size + sz <= r.block_size);
		assert_int_equal(off % 8, 0);
		if (r.pos != before) {
			/* A pad filled the rest of the block. */
			pads++;
			assert_int_equal(r.pos % r.block_size, 0);
		}
		((struct trace_hdr *)p)->type = TEST_TYPE;
		ring_commit(&r);
		assert_int_equal(ring_consume(&c, buf, sizeof(buf)), sz);
	}
	assert_true(pads > 100);
	free(mem);
}

static void test_overwrite_loses_exactly_the_oldest_records(void **state)
{
	struct ring_consumer c;
	struct ring_stats st;
	struct ring r;
	const uint64_t size = 8192, total = 1000;
	void *mem = ring_mem(size);
	uint64_t buf[TRACE_MAX_RECORD / 8];
	uint64_t n, first = UINT64_MAX, next = 0, kept;
	int ret;

	(void)state;
	assert_int_equal(ring_init(&r, mem, size, 0, RING_MODE_OVERWRITE), 0);
	for (n = 0; n < total; n++)
		assert_true(produce(&r, 64));
	/* Attach afterwards, as after a crash: the newest records are there. */
	assert_int_equal(ring_consumer_init(&c, mem, size, 0), 0);
	while ((ret = ring_consume(&c, buf, sizeof(buf))) > 0) {
		assert_true(record_intact(buf, ret));
		if (first == UINT64_MAX)
			next = first = buf_seq(buf);
		assert_int_equal(buf_seq(buf), next);
		next++;
	}
	assert_int_equal(ret, 0);
	kept = total - first;
	/* Nothing newer was lost, and every block but the one being written survived. */
	assert_int_equal(next, total);
	assert_true(kept * 64 >= r.data_size - 2 * r.block_size);
	ring_consumer_stats(&c, &st);
	assert_int_equal(st.lost, first);
	assert_int_equal(st.delivered + st.lost, total);
	assert_int_equal(st.produced, total);
	assert_int_equal(st.dropped, 0);
	free(mem);
}

static void test_lapped_consumer_resyncs_and_counts_the_gap(void **state)
{
	struct ring_consumer c;
	struct ring_stats st;
	struct ring r;
	const uint64_t size = 8192;
	void *mem = ring_mem(size);
	uint64_t buf[TRACE_MAX_RECORD / 8];
	uint64_t n, last = 0, delivered = 0;
	int ret;

	(void)state;
	ring_pair(&r, &c, mem, size, RING_MODE_OVERWRITE);
	for (n = 0; n < 10; n++)
		assert_true(produce(&r, 72));
	for (n = 0; n < 5; n++) {
		assert_int_equal(ring_consume(&c, buf, sizeof(buf)), 72);
		delivered++;
	}
	/* Three laps behind. */
	for (n = 10; n < 10 + 3 * 7 * 1024 / 72; n++)
		assert_true(produce(&r, 72));
	ret = ring_consume(&c, buf, sizeof(buf));
	assert_int_equal(ret, 72);
	assert_true(record_intact(buf, ret));
	assert_true(buf_seq(buf) > 10);
	last = buf_seq(buf);
	delivered++;
	ring_consumer_stats(&c, &st);
	assert_int_equal(st.lost, last - 5);
	assert_true(st.skipped_bytes > 0);
	while ((ret = ring_consume(&c, buf, sizeof(buf))) > 0) {
		assert_int_equal(buf_seq(buf), ++last);
		delivered++;
	}
	ring_consumer_stats(&c, &st);
	assert_int_equal(last + 1, n);
	assert_int_equal(st.delivered, delivered);
	assert_int_equal(st.delivered + st.lost, n);
	free(mem);
}

static void test_drop_counts_exactly_what_was_dropped(void **state)
{
	struct ring_consumer c;
	struct ring_stats st;
	struct ring r;
	const uint64_t size = 8192, total = 300;
	void *mem = ring_mem(size);
	struct ring_header *h = mem;
	uint64_t buf[TRACE_MAX_RECORD / 8];
	uint64_t n, written = 0, dropped = 0, dropped_bytes = 0, next = 0;
	bool lost[300] = { false };
	int ret;

	(void)state;
	ring_pair(&r, &c, mem, size, RING_MODE_DROP);
	for (n = 0; n < total; n++) {
		uint32_t sz = record_size(n);

		if (produce(&r, sz)) {
			written++;
		} else {
			lost[n] = true;
			dropped++;
			dropped_bytes += sz;
		}
	}
	assert_true(dropped > 0);
	assert_int_equal(h->dropped, dropped);
	assert_int_equal(h->dropped_bytes, dropped_bytes);
	assert_int_equal(h->next_seq, total);
	assert_true(h->prod_pos <= r.data_size);

	/* Exactly the records that were written come out, the gaps are the drops. */
	while ((ret = ring_consume(&c, buf, sizeof(buf))) > 0) {
		assert_true(record_intact(buf, ret));
		while (lost[next])
			next++;
		assert_int_equal(buf_seq(buf), next++);
	}
	assert_int_equal(ret, 0);
	ring_consumer_stats(&c, &st);
	assert_int_equal(st.delivered, written);
	/* Trailing drops are settled once the ring is drained. */
	assert_int_equal(st.lost, dropped);
	assert_int_equal(st.dropped, dropped);

	/* Room again: the next record's sequence number counts every drop before it. */
	assert_true(produce(&r, 64));
	assert_int_equal(ring_consume(&c, buf, sizeof(buf)), 64);
	assert_int_equal(buf_seq(buf), total);
	ring_consumer_stats(&c, &st);
	assert_int_equal(st.lost, dropped);
	assert_int_equal(st.delivered + st.lost, total + 1);
	free(mem);
}

static void test_drop_gap_is_counted_once(void **state)
{
	struct ring_consumer c;
	struct ring_stats st;
	struct ring r;
	const uint64_t size = 8192;
	void *mem = ring_mem(size);
	uint64_t buf[TRACE_MAX_RECORD / 8];
	uint64_t n, produced = 0;
	int ret;

	(void)state;
	ring_pair(&r, &c, mem, size, RING_MODE_DROP);
	/* Fill, overflow, consume half, overflow again... without draining in between. */
	for (n = 0; n < 50; n++) {
		int i;

		for (i = 0; i < 40; i++, produced++)
			produce(&r, record_size(produced));
		for (i = 0; i < 10; i++) {
			ret = ring_consume(&c, buf, sizeof(buf));
			assert_true(ret > 0);
			assert_true(record_intact(buf, ret));
		}
	}
	while ((ret = ring_consume(&c, buf, sizeof(buf))) > 0)
		assert_true(record_intact(buf, ret));
	assert_int_equal(ret, 0);
	ring_consumer_stats(&c, &st);
	assert_int_equal(st.produced, produced);
	assert_int_equal(st.lost, st.dropped);
	assert_int_equal(st.delivered + st.lost, produced);
	free(mem);
}

static void test_bad_size_is_refused_and_counted(void **state)
{
	struct ring_consumer c;
	struct ring_stats st;
	struct ring r;
	const uint64_t size = 8192;
	void *mem = ring_mem(size);
	uint64_t buf[TRACE_MAX_RECORD / 8];

	(void)state;
	ring_pair(&r, &c, mem, size, RING_MODE_OVERWRITE);
	assert_null(ring_reserve(&r, 44));
	assert_null(ring_reserve(&r, 32));
	assert_null(ring_reserve(&r, TRACE_MAX_RECORD + 8));
	ring_commit(&r); /* after a NULL reservation: nothing happens */
	assert_int_equal(r.hdr->prod_pos, 0);
	assert_true(produce(&r, 48));
	assert_int_equal(ring_consume(&c, buf, sizeof(buf)), 48);
	assert_int_equal(buf_seq(buf), 3);
	assert_int_equal(ring_consume(&c, buf, sizeof(buf)), 0);
	ring_consumer_stats(&c, &st);
	assert_int_equal(st.rejected, 3);
	assert_int_equal(st.dropped, 3);
	assert_int_equal(st.lost, 3);
	free(mem);
}

static void test_small_buffer_leaves_the_record_in_place(void **state)
{
	struct ring_consumer c;
	struct ring r;
	const uint64_t size = 8192;
	void *mem = ring_mem(size);
	uint64_t buf[TRACE_MAX_RECORD / 8];

	(void)state;
	ring_pair(&r, &c, mem, size, RING_MODE_DROP);
	assert_true(produce(&r, 256));
	assert_int_equal(ring_consume(&c, buf, 100), -EMSGSIZE);
	assert_int_equal(ring_consume(&c, buf, sizeof(buf)), 256);
	assert_true(record_intact(buf, 256));
	free(mem);
}

static void test_corrupt_record_is_skipped_never_delivered(void **state)
{
	struct ring_consumer c;
	struct ring_stats st;
	struct ring r;
	const uint64_t size = 8192;
	void *mem = ring_mem(size);
	uint64_t buf[TRACE_MAX_RECORD / 8];
	uint64_t n;
	int ret, good = 0;

	(void)state;
	ring_pair(&r, &c, mem, size, RING_MODE_DROP);
	for (n = 0; n < 20; n++)
		assert_true(produce(&r, 64));
	/* Smash the size of record 3 (in block 0) and the seq of record 17 (block 1). */
	((struct trace_hdr *)(r.data + 3 * 64))->size = 3;
	((struct trace_hdr *)(r.data + 1024 + 1 * 64))->seq = 1;
	while ((ret = ring_consume(&c, buf, sizeof(buf))) != 0) {
		assert_true(ret > 0);
		assert_true(record_intact(buf, ret));
		good++;
	}
	ring_consumer_stats(&c, &st);
	assert_int_equal(st.corrupt, 2);
	/* Records 3..15 lived in the rest of block 0; 17 was the bad seq. */
	assert_int_equal(good, 20 - 13 - 1);
	assert_int_equal(st.delivered + st.lost, 20);
	free(mem);
}

static void test_peek_consumer_never_writes(void **state)
{
	struct ring_consumer c;
	struct ring r;
	const uint64_t size = 8192;
	void *mem = ring_mem(size);
	void *copy = malloc(size);
	uint64_t buf[TRACE_MAX_RECORD / 8];
	uint64_t n;

	(void)state;
	assert_int_equal(ring_init(&r, mem, size, 0, RING_MODE_DROP), 0);
	for (n = 0; n < 10; n++)
		assert_true(produce(&r, record_size(n)));
	memcpy(copy, mem, size);
	assert_int_equal(ring_consumer_init(&c, mem, size, RING_CONSUMER_PEEK), 0);
	for (n = 0; n < 10; n++)
		assert_int_equal(ring_consume(&c, buf, sizeof(buf)), record_size(n));
	assert_int_equal(ring_consume(&c, buf, sizeof(buf)), 0);
	assert_memory_equal(copy, mem, size);
	free(copy);
	free(mem);
}

static void test_area_gives_each_cpu_its_own_ring(void **state)
{
	const uint64_t per_cpu = 16384;
	const unsigned ncpus = 4;
	struct ring r[4];
	struct ring_consumer c;
	void *base = ring_mem(per_cpu * ncpus);
	uint64_t buf[TRACE_MAX_RECORD / 8];
	unsigned cpu;
	int n;

	(void)state;
	assert_int_equal(ring_area_init(base, per_cpu, ncpus, RING_MODE_DROP), 0);
	for (cpu = 0; cpu < ncpus; cpu++) {
		assert_int_equal(ring_area_producer(&r[cpu], base, per_cpu, cpu, RING_MODE_DROP), 0);
		assert_ptr_equal(r[cpu].hdr, ring_area_cpu(base, per_cpu, cpu));
		for (n = 0; n <= (int)cpu; n++)
			assert_true(produce(&r[cpu], 64));
	}
	for (cpu = 0; cpu < ncpus; cpu++) {
		assert_int_equal(ring_consumer_area(&c, base, per_cpu, ncpus, cpu, 0), 0);
		for (n = 0; n <= (int)cpu; n++) {
			assert_int_equal(ring_consume(&c, buf, sizeof(buf)), 64);
			assert_int_equal(((struct trace_hdr *)buf)->cpu, cpu);
		}
		assert_int_equal(ring_consume(&c, buf, sizeof(buf)), 0);
	}
	assert_int_equal(ring_consumer_area(&c, base, per_cpu, ncpus, ncpus, 0), -EINVAL);
	free(base);
}

static void test_drop_consumer_resumes_at_published_position(void **state)
{
	struct ring_consumer c;
	struct ring_stats st;
	struct ring r;
	const uint64_t size = 8192;
	void *mem = ring_mem(size);
	uint64_t buf[TRACE_MAX_RECORD / 8];
	uint64_t n;

	(void)state;
	ring_pair(&r, &c, mem, size, RING_MODE_DROP);
	for (n = 0; n < 10; n++)
		assert_true(produce(&r, 64));
	for (n = 0; n < 4; n++)
		assert_int_equal(ring_consume(&c, buf, sizeof(buf)), 64);
	/* The host tool restarts. */
	assert_int_equal(ring_consumer_init(&c, mem, size, 0), 0);
	assert_int_equal(ring_consume(&c, buf, sizeof(buf)), 64);
	assert_int_equal(buf_seq(buf), 4);
	while (ring_consume(&c, buf, sizeof(buf)) > 0)
		;
	ring_consumer_stats(&c, &st);
	assert_int_equal(st.delivered, 6);
	assert_int_equal(st.lost, 0);
	free(mem);
}

/* ------------------------------------------------------------ concurrency */

struct race {
	struct ring r;
	void *mem;
	uint64_t size;
	uint64_t records;
	int done;
};

static void *race_producer(void *arg)
{
	struct race *rc = arg;
	uint64_t n;

	for (n = 0; n < rc->records; n++) {
		produce(&rc->r, record_size(n));
		/* Bursts, as exits come: the consumer catches up between them. */
		if (n % 32 == 31)
			for (volatile int i = 0; i < 3000; i++)
				;
	}
	__atomic_store_n(&rc->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void race(unsigned mode, uint64_t records)
{
	struct race rc = { .size = 8192, .records = records };
	struct ring_consumer c;
	struct ring_stats st;
	pthread_t tid;
	uint64_t buf[TRACE_MAX_RECORD / 8];
	uint64_t delivered = 0, last = 0, spins = 0;
	bool any = false;
	int ret, done;

	rc.mem = ring_mem(rc.size);
	assert_int_equal(ring_init(&rc.r, rc.mem, rc.size, 0, mode), 0);
	assert_int_equal(ring_consumer_init(&c, rc.mem, rc.size, 0), 0);
	assert_int_equal(pthread_create(&tid, NULL, race_producer, &rc), 0);
	for (;;) {
		done = __atomic_load_n(&rc.done, __ATOMIC_ACQUIRE);
		ret = ring_consume(&c, buf, sizeof(buf));
		if (ret == -EAGAIN)
			continue;
		assert_true(ret >= 0);
		if (ret == 0) {
			if (done)
				break;
			continue;
		}
		/* Never a torn or overwritten record, never out of order. */
		assert_true(record_intact(buf, ret));
		assert_true(!any || buf_seq(buf) > last);
		last = buf_seq(buf);
		any = true;
		delivered++;
		/* Now and then a slow consumer, so both modes lose records. */
		if (++spins % 256 == 0)
			for (volatile int i = 0; i < 20000; i++)
				;
	}
	assert_int_equal(pthread_join(tid, NULL), 0);
	ring_consumer_stats(&c, &st);
	print_message("    %s: %llu produced, %llu delivered, %llu lost, %llu torn copies thrown away\n",
		      mode == RING_MODE_DROP ? "drop" : "overwrite",
		      (unsigned long long)records, (unsigned long long)st.delivered,
		      (unsigned long long)st.lost, (unsigned long long)st.torn);
	assert_int_equal(st.produced, records);
	assert_int_equal(st.delivered, delivered);
	assert_int_equal(st.delivered + st.lost, records);
	assert_true(st.lost > 0);
	assert_int_equal(st.corrupt, 0);
	if (mode == RING_MODE_DROP) {
		assert_int_equal(st.lost, st.dropped);
		assert_int_equal(st.torn, 0);
	} else {
		assert_int_equal(st.dropped, 0);
	}
	free(rc.mem);
}

static void test_concurrent_overwrite_never_returns_torn_records(void **state)
{
	(void)state;
	race(RING_MODE_OVERWRITE, 400000);
}

static void test_concurrent_drop_accounts_every_record(void **state)
{
	(void)state;
	race(RING_MODE_DROP, 400000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects_bad_arguments),
		cmocka_unit_test(test_geometry_uses_whole_blocks),
		cmocka_unit_test(test_corrupt_header_is_rejected),
		cmocka_unit_test(test_corrupt_header_while_consuming_is_an_error),
		cmocka_unit_test(test_records_round_trip_in_order),
		cmocka_unit_test(test_backlog_is_what_waits_for_the_consumer),
		cmocka_unit_test(test_wraparound_keeps_order_and_content),
		cmocka_unit_test(test_records_never_straddle_a_block_or_the_end),
		cmocka_unit_test(test_overwrite_loses_exactly_the_oldest_records),
		cmocka_unit_test(test_lapped_consumer_resyncs_and_counts_the_gap),
		cmocka_unit_test(test_drop_counts_exactly_what_was_dropped),
		cmocka_unit_test(test_drop_gap_is_counted_once),
		cmocka_unit_test(test_bad_size_is_refused_and_counted),
		cmocka_unit_test(test_small_buffer_leaves_the_record_in_place),
		cmocka_unit_test(test_corrupt_record_is_skipped_never_delivered),
		cmocka_unit_test(test_peek_consumer_never_writes),
		cmocka_unit_test(test_area_gives_each_cpu_its_own_ring),
		cmocka_unit_test(test_drop_consumer_resumes_at_published_position),
		cmocka_unit_test(test_concurrent_overwrite_never_returns_torn_records),
		cmocka_unit_test(test_concurrent_drop_accounts_every_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
