/*
 * Per-CPU trace rings: layout, the producer's slow path, the consumer.
 * formats/ring.h describes the protocol; docs/trace-format.md at length.
 *
 * Freestanding: <stdint.h> <stddef.h> <stdbool.h> <string.h> only.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "formats/ring.h"

_Static_assert(RING_MODE_OVERWRITE == 1 && RING_MODE_DROP == 2, "modes are hypcfg's");

/* ------------------------------------------------------------------ layout */

struct ring_geometry {
	uint64_t data_size;
	uint32_t block_size;
};

/*
 * Blocks of RING_BLOCK_MAX bytes when the ring holds enough of them, else
 * smaller ones down to RING_BLOCK_MIN. The data area is a whole number of
 * blocks, so the end of the ring is a block boundary too.
 */
static int ring_geometry(uint64_t size, struct ring_geometry *g)
{
	uint64_t avail, block = RING_BLOCK_MAX;

	if (size < RING_HEADER_SIZE || (size & 7))
		return RING_EINVAL;
	avail = size - RING_HEADER_SIZE;
	while (block > RING_BLOCK_MIN && avail / block < RING_MIN_BLOCKS)
		block /= 2;
	if (avail / block < RING_MIN_BLOCKS)
		return RING_EINVAL;
	g->block_size = (uint32_t)block;
	g->data_size = avail / block * block;
	return 0;
}

static bool ring_mode_valid(unsigned mode)
{
	return mode == RING_MODE_OVERWRITE || mode == RING_MODE_DROP;
}

static void ring_handle_init(struct ring *r, void *mem, const struct ring_geometry *g,
			     unsigned cpu, unsigned mode)
{
	memset(r, 0, sizeof(*r));
	r->hdr = mem;
	r->pub = &r->hdr->prod_pos;
	r->pub_seq = &r->hdr->next_seq;
	r->data = (uint8_t *)mem + RING_HEADER_SIZE;
	r->cur_delta = (uintptr_t)r->data; /* pos 0 */
	r->data_size = g->data_size;
	r->block_size = g->block_size;
	r->mode = mode;
	r->cpu = (uint16_t)cpu;
	r->horizon = g->block_size;
	r->limit = g->block_size;
}

static int ring_header_init(void *mem, uint64_t size, unsigned cpu, unsigned mode,
			    struct ring_geometry *g)
{
	struct ring_header *h = mem;
	int ret;

	if (!mem || ((uintptr_t)mem & 7) || !ring_mode_valid(mode))
		return RING_EINVAL;
	ret = ring_geometry(size, g);
	if (ret)
		return ret;

	/* A consumer that attaches from now on sees no magic until the end. */
	__atomic_store_n(&h->magic, 0, __ATOMIC_RELAXED);
	memset((uint8_t *)h + sizeof(h->magic), 0, sizeof(*h) - sizeof(h->magic));
	h->version = RING_VERSION;
	h->header_size = RING_HEADER_SIZE;
	h->record_version = TRACE_RECORD_VERSION;
	h->mode = mode;
	h->data_size = g->data_size;
	h->block_size = g->block_size;
	h->cpu = cpu;
	h->region_size = size;
	/* The first block is the one being written. */
	h->horizon = g->block_size;
	/*
	 * Release: every field above is visible before the magic. Pairs with
	 * the load-acquire of magic in ring_consumer_init().
	 */
	__atomic_store_n(&h->magic, RING_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

int ring_init(struct ring *r, void *mem, uint64_t size, unsigned cpu, unsigned mode)
{
	struct ring_geometry g;
	int ret;

	if (!r)
		return RING_EINVAL;
	ret = ring_header_init(mem, size, cpu, mode, &g);
	if (ret)
		return ret;
	ring_handle_init(r, mem, &g, cpu, mode);
	return 0;
}

int ring_area_init(void *base, uint64_t size_per_cpu, unsigned ncpus, unsigned mode)
{
	struct ring_geometry g;
	unsigned cpu;
	int ret;

	if (!ncpus)
		return RING_EINVAL;
	for (cpu = 0; cpu < ncpus; cpu++) {
		ret = ring_header_init(ring_area_cpu(base, size_per_cpu, cpu), size_per_cpu, cpu,
				       mode, &g);
		if (ret)
			return ret;
	}
	return 0;
}

int ring_area_producer(struct ring *r, void *base, uint64_t size_per_cpu, unsigned cpu,
		       unsigned mode)
{
	struct ring_geometry g;
	int ret;

	if (!r || !base || ((uintptr_t)base & 7) || !ring_mode_valid(mode))
		return RING_EINVAL;
	ret = ring_geometry(size_per_cpu, &g);
	if (ret)
		return ret;
	ring_handle_init(r, ring_area_cpu(base, size_per_cpu, cpu), &g, cpu, mode);
	return 0;
}

/* ---------------------------------------------------------------- producer */

/*
 * A record that will not be written still takes its sequence number, so the
 * consumer sees the gap where it was lost.
 */
static void *ring_drop(struct ring *r, uint32_t size)
{
	struct ring_header *h = r->hdr;

	r->pend = 0;
	r->seq++;
	r->dropped++;
	r->dropped_bytes += size;
	/* Counters for display: the consumer reads them relaxed, no ordering needed. */
	__atomic_store_n(&h->dropped, r->dropped, __ATOMIC_RELAXED);
	__atomic_store_n(&h->dropped_bytes, r->dropped_bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&h->rejected, r->rejected, __ATOMIC_RELAXED);
	/* Release: pairs with the load-acquire of next_seq in ring_consume(). */
	__atomic_store_n(&h->next_seq, r->seq, __ATOMIC_RELEASE);
	return NULL;
}

/* DROP mode: may the producer write every position below `end`? */
static bool ring_room(struct ring *r, uint64_t end)
{
	uint64_t cons;

	if (end - r->cons <= r->data_size)
		return true;
	/*
	 * Acquire: the consumer has finished reading everything below cons
	 * before it published it, so overwriting it now is safe. Pairs with the
	 * store-release of cons_pos in ring_consume().
	 */
	cons = __atomic_load_n(&r->hdr->cons_pos, __ATOMIC_ACQUIRE);
	/* Shared memory is not trusted: a value no consumer could publish is ignored. */
	if (cons <= r->pos && r->pos - cons <= r->data_size)
		r->cons = cons;
	return end - r->cons <= r->data_size;
}

void *ring_reserve_slow(struct ring *r, uint32_t size)
{
	uint64_t block = r->block_size;
	uint64_t pad = 0, start, end, block_end;
	struct trace_hdr *h;
	uint8_t *cur;

	if (size < sizeof(struct trace_hdr) || size > TRACE_MAX_RECORD || (size & 7)) {
		r->rejected++;
		return ring_drop(r, size);
	}

	/* Where the next record goes: the fast paths move pos only, cur follows. */
	cur = (uint8_t *)(uintptr_t)(r->pos + r->cur_delta);
	/* A record never crosses a block boundary: pad up to the next one. */
	if ((r->pos & (block - 1)) + size > block)
		pad = block - (r->pos & (block - 1));
	start = r->pos + pad;
	end = start + size;
	if (r->mode == RING_MODE_DROP && !ring_room(r, end))
		return ring_drop(r, size);

	block_end = (start & ~(block - 1)) + block;
	if (block_end > r->horizon) {
		/*
		 * Entering a new block, which overwrites the oldest block of
		 * the previous lap. Announce it before writing a byte of it.
		 */
		r->horizon = block_end;
		__atomic_store_n(&r->hdr->horizon, block_end, __ATOMIC_RELAXED);
		/*
		 * Release fence (DMB ISH): the horizon store is ordered before
		 * every store into the new block that follows. A consumer that
		 * copied any of those bytes therefore sees the new horizon when
		 * it re-reads it. Pairs with the acquire fence in ring_consume().
		 */
		__atomic_thread_fence(__ATOMIC_RELEASE);
	}

	if (pad) {
		/* Only type and size: the consumer reads nothing more of a pad. */
		uint64_t word = TRACE_PAD | pad << 16;

		memcpy(cur, &word, sizeof(word));
		r->pos += pad;
		cur += pad;
	}
	/* The previous record or the pad ended exactly at the end of the data. */
	if (cur == r->data + r->data_size)
		cur = r->data;

	r->limit = block_end;
	if (r->mode == RING_MODE_DROP && r->cons + r->data_size < r->limit)
		r->limit = r->cons + r->data_size;

	r->cur_delta = (uintptr_t)cur - r->pos;
	h = (struct trace_hdr *)cur;
	h->size = (uint16_t)size;
	h->cpu = r->cpu;
	h->seq = r->seq;
	r->pend = size;
	return h;
}

void *ring_reserve_fixed_slow(struct ring *r, uint32_t size)
{
	void *p = ring_reserve_slow(r, size);

	r->pend = 0; /* ring_commit_fixed() does not look at it */
	return p;
}

/* ---------------------------------------------------------------- consumer */

int ring_consumer_init(struct ring_consumer *c, void *mem, uint64_t size, unsigned flags)
{
	struct ring_header *h = mem;
	uint64_t block, data_size, prod, cons, horizon;

	if (!c || !mem || ((uintptr_t)mem & 7) || size < RING_HEADER_SIZE ||
	    (flags & ~RING_CONSUMER_PEEK))
		return RING_EINVAL;
	memset(c, 0, sizeof(*c));

	/* Acquire: pairs with the store-release of magic in ring_header_init(). */
	if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != RING_MAGIC)
		return RING_EBADMSG;
	if (h->version != RING_VERSION || h->record_version != TRACE_RECORD_VERSION)
		return RING_EPROTO;

	block = h->block_size;
	data_size = h->data_size;
	if (h->header_size != RING_HEADER_SIZE || !ring_mode_valid(h->mode) ||
	    block < RING_BLOCK_MIN || block > RING_BLOCK_MAX || (block & (block - 1)) ||
	    data_size % block || data_size / block < RING_MIN_BLOCKS ||
	    data_size > size - RING_HEADER_SIZE)
		return RING_EBADMSG;

	c->hdr = h;
	c->data = (const uint8_t *)mem + RING_HEADER_SIZE;
	c->data_size = data_size;
	c->block_size = (uint32_t)block;
	c->mode = h->mode;
	c->cpu = h->cpu;
	c->flags = flags;

	/* Acquire: pairs with the store-release of prod_pos in ring_commit(). */
	prod = __atomic_load_n(&h->prod_pos, __ATOMIC_ACQUIRE);
	if (c->mode == RING_MODE_DROP) {
		cons = __atomic_load_n(&h->cons_pos, __ATOMIC_RELAXED);
		if (cons > prod || prod - cons > data_size)
			return RING_EBADMSG;
		c->pos = cons;
		/* Records below cons were another consumer's: start counting at the next one. */
		c->seq_known = cons == 0;
	} else {
		horizon = __atomic_load_n(&h->horizon, __ATOMIC_RELAXED);
		if (horizon < prod || horizon % block)
			return RING_EBADMSG;
		/* The oldest block still intact starts a lap behind the horizon. */
		c->pos = horizon > data_size ? horizon - data_size : 0;
		if (c->pos > prod)
			c->pos = prod;
		/* The ring started at sequence 0: whatever is gone was lost. */
		c->seq_known = true;
	}
	return 0;
}

int ring_consumer_area(struct ring_consumer *c, void *base, uint64_t size_per_cpu,
		       unsigned ncpus, unsigned cpu, unsigned flags)
{
	if (!base || cpu >= ncpus)
		return RING_EINVAL;
	return ring_consumer_init(c, ring_area_cpu(base, size_per_cpu, cpu), size_per_cpu, flags);
}

static void ring_skip_to(struct ring_consumer *c, uint64_t pos)
{
	c->skipped_bytes += pos - c->pos;
	c->pos = pos;
}

/* Copy with 8-byte single-copy-atomic loads: the producer may be writing. */
static void ring_copy(struct ring_consumer *c, uint64_t off, uint32_t size)
{
	const uint64_t *src = (const uint64_t *)(c->data + off);
	uint32_t i;

	for (i = 0; i < size / 8; i++)
		c->scratch[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

/* Sequence bookkeeping for a record about to be delivered. */
static void ring_account(struct ring_consumer *c, uint64_t seq)
{
	if (c->seq_known)
		c->lost += seq - c->expected_seq;
	c->expected_seq = seq + 1;
	c->seq_known = true;
}

/* The ring is drained up to prod: whatever took a sequence number below next_seq is settled. */
static void ring_account_drained(struct ring_consumer *c, uint64_t next_seq)
{
	if (!c->seq_known) {
		c->expected_seq = next_seq;
		c->seq_known = true;
	} else if (next_seq > c->expected_seq) {
		c->lost += next_seq - c->expected_seq;
		c->expected_seq = next_seq;
	}
}

static void ring_publish(struct ring_consumer *c)
{
	if (c->flags & RING_CONSUMER_PEEK)
		return;
	/*
	 * Release: every read of the bytes below pos is done before the
	 * producer may reuse them. Pairs with the load-acquire of cons_pos in
	 * ring_room(). In OVERWRITE mode the producer ignores it; it is there
	 * for display.
	 */
	__atomic_store_n(&c->hdr->cons_pos, c->pos, __ATOMIC_RELEASE);
}

/* Passes over pads, lapped stretches and torn copies; bounded, then RING_EAGAIN. */
#define RING_CONSUME_TRIES 256

/* What ring_look() found besides a final status (0 drained, or RING_E*). */
#define RING_LOOK_READ  1 /* a record (or pad) starts at c->pos, below *prod */
#define RING_LOOK_AGAIN 2 /* a lapped stretch was skipped: look again */

/* Step 1: where the producer is, against where this consumer reads. */
static int ring_look(struct ring_consumer *c, uint64_t *prod)
{
	struct ring_header *h = c->hdr;
	uint64_t next_seq, horizon;

	/*
	 * next_seq first, then prod_pos: every record numbered below next_seq
	 * is then either below prod or was never written. Acquire: pairs with
	 * the store-release of next_seq in ring_commit() and ring_drop().
	 */
	next_seq = __atomic_load_n(&h->next_seq, __ATOMIC_ACQUIRE);
	/*
	 * Acquire: the bytes of every record below prod are visible. Pairs
	 * with the store-release of prod_pos in ring_commit().
	 */
	*prod = __atomic_load_n(&h->prod_pos, __ATOMIC_ACQUIRE);
	if (*prod < c->pos)
		return RING_ESTALE;
	if (*prod == c->pos) {
		ring_account_drained(c, next_seq);
		ring_publish(c);
		return 0;
	}
	if (c->mode == RING_MODE_DROP && *prod - c->pos > c->data_size)
		return RING_EBADMSG;
	if (c->mode == RING_MODE_OVERWRITE) {
		/* Ordered after prod_pos by its acquire; stored before it by the producer. */
		horizon = __atomic_load_n(&h->horizon, __ATOMIC_RELAXED);
		if (horizon < *prod || horizon % c->block_size)
			return RING_EBADMSG;
		if (horizon - c->pos > c->data_size) {
			/* Lapped: restart at the oldest block still intact. */
			ring_skip_to(c, horizon - c->data_size);
			return RING_LOOK_AGAIN;
		}
	}
	return RING_LOOK_READ;
}

/*
 * Step 2: the record header word at c->pos and, for a plausible record,
 * the record into c->scratch. *room is what is left of the block. False
 * when the word is nothing the producer writes.
 */
static bool ring_fetch(struct ring_consumer *c, uint64_t prod, uint32_t *type, uint32_t *size,
		       uint64_t *room)
{
	uint64_t off = c->pos % c->data_size, word;

	*room = c->block_size - (off & (c->block_size - 1));
	word = __atomic_load_n((const uint64_t *)(c->data + off), __ATOMIC_RELAXED);
	*type = word & 0xffff;
	*size = (word >> 16) & 0xffff;
	if (*size < 8 || (*size & 7) || *size > *room || *size > prod - c->pos)
		return false;
	if (*type == TRACE_PAD)
		return true;
	if (*size < sizeof(struct trace_hdr) || *size > TRACE_MAX_RECORD)
		return false;
	ring_copy(c, off, *size);
	return true;
}

/* Step 3, OVERWRITE mode: was what step 2 read overwritten meanwhile? */
static bool ring_torn(struct ring_consumer *c)
{
	uint64_t horizon;

	if (c->mode != RING_MODE_OVERWRITE)
		return false;
	/*
	 * Acquire fence (DMB ISHLD): the loads of ring_fetch() complete before
	 * horizon is read again. Pairs with the release fence in
	 * ring_reserve_slow(): if any byte we read came from a newer lap, we
	 * see that lap's horizon.
	 */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	horizon = __atomic_load_n(&c->hdr->horizon, __ATOMIC_RELAXED);
	if (horizon - c->pos <= c->data_size)
		return false;
	/* Overwritten while we read it: never decode it. */
	c->torn++;
	return true;
}

/* Step 4: hand the record in c->scratch over and move past it. */
static int ring_deliver(struct ring_consumer *c, void *buf, uint32_t size, uint64_t seq)
{
	ring_account(c, seq);
	c->delivered++;
	c->pos += size;
	ring_publish(c);
	memcpy(buf, c->scratch, size);
	return (int)size;
}

int ring_consume(struct ring_consumer *c, void *buf, size_t len)
{
	uint64_t prod, room, seq;
	uint32_t type, size;
	bool ok;
	int tries, ret;

	if (!c || !c->hdr || !buf)
		return RING_EINVAL;

	for (tries = 0; tries < RING_CONSUME_TRIES; tries++) {
		ret = ring_look(c, &prod);
		if (ret == RING_LOOK_AGAIN)
			continue;
		if (ret != RING_LOOK_READ)
			return ret;
		ok = ring_fetch(c, prod, &type, &size, &room);
		if (ring_torn(c))
			continue;
		if (!ok) {
			/* Not something the producer writes: resume at the next block. */
			c->corrupt++;
			ring_skip_to(c, c->pos + room < prod ? c->pos + room : prod);
			continue;
		}
		if (type == TRACE_PAD) {
			c->pos += size;
			continue;
		}
		seq = c->scratch[1]; /* trace_hdr.seq */
		if (c->seq_known && seq < c->expected_seq) {
			c->corrupt++;
			ring_skip_to(c, c->pos + size);
			continue;
		}
		if (size > len)
			return RING_EMSGSIZE;
		return ring_deliver(c, buf, size, seq);
	}
	ring_publish(c);
	return RING_EAGAIN;
}

uint64_t ring_consumer_backlog(const struct ring_consumer *c)
{
	/* Relaxed: a figure for display, ordered by nothing. */
	uint64_t prod = __atomic_load_n(&c->hdr->prod_pos, __ATOMIC_RELAXED);

	if (prod <= c->pos)
		return 0;
	return prod - c->pos < c->data_size ? prod - c->pos : c->data_size;
}

void ring_consumer_stats(const struct ring_consumer *c, struct ring_stats *st)
{
	const struct ring_header *h = c->hdr;

	memset(st, 0, sizeof(*st));
	st->delivered = c->delivered;
	st->lost = c->lost;
	st->skipped_bytes = c->skipped_bytes;
	st->torn = c->torn;
	st->corrupt = c->corrupt;
	st->cons_pos = c->pos;
	if (!h)
		return;
	st->produced = __atomic_load_n(&h->next_seq, __ATOMIC_ACQUIRE);
	st->prod_pos = __atomic_load_n(&h->prod_pos, __ATOMIC_RELAXED);
	st->dropped = __atomic_load_n(&h->dropped, __ATOMIC_RELAXED);
	st->dropped_bytes = __atomic_load_n(&h->dropped_bytes, __ATOMIC_RELAXED);
	st->rejected = __atomic_load_n(&h->rejected, __ATOMIC_RELAXED);
}
