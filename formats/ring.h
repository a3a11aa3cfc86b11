/*
 * Per-CPU trace rings: one producer (the hypervisor on one physical CPU), one
 * consumer (the host tool reading the machine's RAM through the shared
 * memory-backend-file).
 *
 * Memory of one ring:
 *
 *   +-----------------------+ 0
 *   | struct ring_header    |   magic, geometry, producer line, consumer line
 *   +-----------------------+ RING_HEADER_SIZE
 *   | block 0               |   data_size bytes, cut into blocks of
 *   | block 1               |   block_size bytes; a record never crosses a
 *   | ...                   |   block boundary (a TRACE_PAD record fills the
 *   +-----------------------+   rest of a block), so never the end either
 *
 * Positions are free-running byte counts (64 bits, they never wrap); a
 * position's place in the data area is pos % data_size. The producer
 * publishes prod_pos with a store-release after writing a record; the
 * consumer loads it with a load-acquire before reading. The producer takes no
 * locks and does no atomic read-modify-write.
 *
 * Two modes, fixed when the ring is laid out:
 *
 *  RING_MODE_OVERWRITE (flight recorder): the producer never waits and
 *   overwrites the oldest data. Before it writes into a new block it raises
 *   `horizon` (the end of that block) and issues a release fence; the
 *   consumer copies a record, issues an acquire fence and re-reads horizon:
 *   if horizon - data_size has passed the record's position, the copy may be
 *   torn and is thrown away. Like a seqlock, a torn record is never returned.
 *   A consumer that has been lapped restarts at horizon - data_size, which is
 *   a block start and so a record boundary.
 *
 *  RING_MODE_DROP (no-overwrite): the consumer publishes cons_pos with a
 *   store-release after it has read everything below it; the producer reads it
 *   with a load-acquire (only when its cached copy says the ring is full) and
 *   drops records that do not fit.
 *
 * Loss accounting is exact in both modes. Every record, delivered or not,
 * takes the next per-CPU sequence number (trace_hdr.seq), so a gap in the
 * sequence is a loss at that place; records lost after the last one delivered
 * show up as next_seq (published after prod_pos) minus the next sequence the
 * consumer expects once it has drained the ring. struct ring_stats sums it.
 *
 * The producer's fast path is ring_reserve() + ring_commit(), inline below:
 * the caller fills the record in place between the two. One reservation is
 * open at a time per ring, and a ring's producer is never re-entered (EL2
 * runs with interrupts masked). Everything else is in formats/ring.c.
 *
 * Freestanding: compiled into the EL2 image and into the host tool.
 */
#ifndef FORMATS_RING_H
#define FORMATS_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/hypcfg.h"
#include "formats/trace.h"

#define RING_MAGIC   0x31474e5253505948ull /* "HYPSRNG1" */
#define RING_VERSION 1u

#define RING_MODE_OVERWRITE HYPCFG_TRACE_OVERWRITE
#define RING_MODE_DROP      HYPCFG_TRACE_DROP

#define RING_HEADER_SIZE 256u
#define RING_BLOCK_MAX   4096u /* block size used when the ring is large enough */
#define RING_BLOCK_MIN   1024u /* two of the largest records */
#define RING_MIN_BLOCKS  4u    /* overwrite mode keeps all but the block being written */

/* -errno values (Linux numbering), without <errno.h> at EL2. */
#define RING_EINVAL   (-22)  /* bad argument */
#define RING_EAGAIN   (-11)  /* the producer kept lapping the consumer; call again */
#define RING_EPROTO   (-71)  /* ring or record version this code does not know */
#define RING_EBADMSG  (-74)  /* corrupt ring header */
#define RING_EMSGSIZE (-90)  /* the caller's buffer is smaller than the record */
#define RING_ESTALE   (-116) /* the producer position went backwards: ring laid out again */

/* Shared memory, identical for the producer and the consumer. */
struct ring_header {
	/* Written once when the ring is laid out; magic last. */
	uint64_t magic;          /* RING_MAGIC */
	uint32_t version;        /* RING_VERSION */
	uint32_t header_size;    /* RING_HEADER_SIZE */
	uint32_t record_version; /* TRACE_RECORD_VERSION */
	uint32_t mode;           /* RING_MODE_OVERWRITE or RING_MODE_DROP */
	uint64_t data_size;      /* bytes of data, a multiple of block_size */
	uint32_t block_size;     /* power of two, RING_BLOCK_MIN..RING_BLOCK_MAX */
	uint32_t cpu;            /* physical CPU that produces into this ring */
	uint64_t region_size;    /* bytes of the whole ring, header included */
	uint64_t reserved0[2];

	/* Producer line, offset 64: written by the producer only. */
	uint64_t prod_pos;       /* end of the last committed record */
	uint64_t next_seq;       /* sequence number the next record will take */
	uint64_t horizon;        /* the producer writes nothing at or past this position */
	uint64_t dropped;        /* records refused: no room (DROP mode) or a bad size */
	uint64_t dropped_bytes;
	uint64_t rejected;       /* of which refused for a bad size: a caller bug */
	uint64_t reserved1[2];

	/* Consumer line, offset 128: written by the consumer only. */
	uint64_t cons_pos;       /* everything below has been read */
	uint64_t reserved2[7];

	uint64_t reserved3[8];
};

_Static_assert(sizeof(struct ring_header) == RING_HEADER_SIZE, "ring_header layout");
_Static_assert(offsetof(struct ring_header, prod_pos) == 64, "producer line");
_Static_assert(offsetof(struct ring_header, cons_pos) == 128, "consumer line");
_Static_assert(TRACE_MAX_RECORD * 2 <= RING_BLOCK_MIN, "records fit a block twice");
_Static_assert(RING_BLOCK_MAX <= 32768, "a pad's size fits trace_hdr.size");

/* ---------------------------------------------------------------- producer */

/* The producer's private handle. Lives in hypervisor memory, never shared. */
struct ring {
	struct ring_header *hdr;
	/* The fixed pair's fast path reads these three pairs, and writes pos and seq. */
	uint64_t *pub;       /* &hdr->prod_pos */
	uint64_t *pub_seq;   /* &hdr->next_seq */
	uint64_t pos;        /* committed position */
	uint64_t seq;        /* next sequence number */
	uint64_t limit;      /* reservations ending at or below this take the fast path */
	uintptr_t cur_delta; /* where the next record goes, minus pos: the same until a wrap */
	uint8_t  *data;
	uint64_t horizon;    /* last value published in hdr->horizon */
	uint64_t cons;       /* DROP: consumer position last read */
	uint64_t data_size;
	uint64_t dropped;
	uint64_t dropped_bytes;
	uint64_t rejected;
	uint32_t block_size;
	uint32_t pend;       /* size of the open reservation, 0 when none */
	uint32_t mode;
	uint16_t cpu;
};

/*
 * Lay out one ring of `size` bytes at `mem` (8-byte aligned, size a multiple
 * of 8) and set up its producer handle. 0 or RING_EINVAL.
 */
int ring_init(struct ring *r, void *mem, uint64_t size, unsigned cpu, unsigned mode);

/* Lay out ncpus rings of size_per_cpu bytes each, back to back from base. */
int ring_area_init(void *base, uint64_t size_per_cpu, unsigned ncpus, unsigned mode);

/*
 * The producer handle for CPU `cpu` of an area just laid out by
 * ring_area_init() with the same arguments. Reads nothing from shared memory.
 */
int ring_area_producer(struct ring *r, void *base, uint64_t size_per_cpu, unsigned cpu,
		       unsigned mode);

/* Where CPU cpu's ring starts in an area. */
static inline void *ring_area_cpu(void *base, uint64_t size_per_cpu, unsigned cpu)
{
	return (uint8_t *)base + (uint64_t)cpu * size_per_cpu;
}

/*
 * The pair for records of a size known at compile time, where the caller
 * writes the whole header itself (size, cpu and seq included: slot->seq is
 * the sequence number to write). Same ordering and loss accounting as
 * ring_reserve()/ring_commit(), less bookkeeping: no size checks at run
 * time, and the open reservation lives in the caller's ring_slot (its
 * registers) instead of the ring, so that writing the record makes the
 * compiler read nothing of the ring again. false (NULL slot->p): the record
 * is dropped, counted; do not commit. Do not mix the two pairs on one record.
 */
struct ring_slot {
	struct ring *r;
	uint8_t *p;      /* where the record goes */
	uint64_t end;    /* its end: the position published on commit */
	uint64_t seq;    /* its sequence number */
	uint64_t *pub;   /* r->pub */
	uint64_t *pub_seq;
};

static inline bool ring_reserve_fixed(struct ring *r, uint32_t size, struct ring_slot *s);
static inline void ring_commit_fixed(const struct ring_slot *s);

/* Slow path of ring_reserve(): new block, full ring, bad size. */
void *ring_reserve_slow(struct ring *r, uint32_t size);
/* The same for ring_reserve_fixed(): leaves no reservation open in the ring. */
void *ring_reserve_fixed_slow(struct ring *r, uint32_t size);

/*
 * Space for a record of `size` bytes (a multiple of 8, sizeof(struct
 * trace_hdr)..TRACE_MAX_RECORD), with hdr.size, hdr.seq and hdr.cpu filled.
 * The caller fills the rest, then calls ring_commit(). NULL when the record
 * is dropped (DROP mode, ring full) or the size is bad; the loss is counted
 * and the caller simply does not commit.
 */
static inline void *ring_reserve(struct ring *r, uint32_t size)
{
	struct trace_hdr *h;

	/* One unsigned compare checks both bounds of the size; all fold away for a constant. */
	if (__builtin_expect(r->pos + size > r->limit ||
				     size - sizeof(*h) > TRACE_MAX_RECORD - sizeof(*h) || (size & 7),
			     0))
		return ring_reserve_slow(r, size);
	h = (struct trace_hdr *)(uintptr_t)(r->pos + r->cur_delta);
	h->size = (uint16_t)size;
	h->cpu = r->cpu;
	h->seq = r->seq;
	r->pend = size;
	return h;
}

/* Publish the record ring_reserve() handed out. A no-op when it gave NULL. */
static inline void ring_commit(struct ring *r)
{
	struct ring_header *h = r->hdr;
	uint32_t size = r->pend;
	uint64_t pos = r->pos + size;
	uint64_t seq = r->seq + 1;

	if (!size)
		return;
	r->pend = 0;
	r->pos = pos;
	r->seq = seq;
	/*
	 * Release: the record's bytes (and a pad written before it) are visible
	 * before the new position. Pairs with the load-acquire of prod_pos in
	 * ring_consume().
	 */
	__atomic_store_n(&h->prod_pos, pos, __ATOMIC_RELEASE);
	/*
	 * Release, after prod_pos: whoever sees this sequence number sees the
	 * position that holds its record. Pairs with the load-acquire of
	 * next_seq in ring_consume().
	 */
	__atomic_store_n(&h->next_seq, seq, __ATOMIC_RELEASE);
}

static inline bool ring_reserve_fixed(struct ring *r, uint32_t size, struct ring_slot *s)
{
	uint64_t pos = r->pos, seq = r->seq;
	uint8_t *cur;

	_Static_assert(sizeof(struct trace_hdr) % 8 == 0, "header words");
	s->r = r;
	s->pub = r->pub;
	s->pub_seq = r->pub_seq;
	if (__builtin_expect(pos + size > r->limit, 0)) {
		cur = ring_reserve_fixed_slow(r, size);
		if (!cur) {
			s->p = NULL;
			return false;
		}
		/* A pad may have moved the position on; the sequence stays. */
		pos = r->pos;
	} else {
		cur = (uint8_t *)(uintptr_t)(pos + r->cur_delta);
		if (!cur) /* never: the data area is not at 0; the caller need not test */
			__builtin_unreachable();
	}
	s->p = cur;
	s->end = pos + size;
	s->seq = seq;
	return true;
}

static inline void ring_commit_fixed(const struct ring_slot *s)
{
	struct ring *r = s->r;
	uint64_t seq = s->seq + 1;

	r->pos = s->end;
	r->seq = seq;
	/* Release: pairs with the load-acquire of prod_pos in ring_consume(). */
	__atomic_store_n(s->pub, s->end, __ATOMIC_RELEASE);
	/* Release, after prod_pos: pairs with the load-acquire of next_seq in ring_consume(). */
	__atomic_store_n(s->pub_seq, seq, __ATOMIC_RELEASE);
}

/* ---------------------------------------------------------------- consumer */

/* ring_consumer_init() flags */
#define RING_CONSUMER_PEEK 0x1u /* never write to the ring (read-only mapping, post-mortem) */

struct ring_consumer {
	struct ring_header *hdr;
	const uint8_t *data;
	uint64_t data_size;
	uint64_t pos;          /* next position to read */
	uint64_t expected_seq; /* sequence number of the next record */
	bool     seq_known;    /* false until the first record after a mid-stream attach */
	uint32_t block_size;
	uint32_t mode;
	uint32_t flags;
	uint32_t cpu;

	uint64_t delivered;     /* records returned */
	uint64_t lost;          /* records never returned: gaps plus trailing losses */
	uint64_t skipped_bytes; /* ring bytes passed over: lapped, torn or corrupt */
	uint64_t torn;          /* copies thrown away because the producer overwrote them */
	uint64_t corrupt;       /* places where the ring held something no producer writes */

	uint64_t scratch[TRACE_MAX_RECORD / 8];
};

/* What a consumer has seen, and the producer's own counters. */
struct ring_stats {
	uint64_t delivered;
	uint64_t lost;          /* exact once the ring is drained: produced = delivered + lost */
	uint64_t skipped_bytes;
	uint64_t torn;
	uint64_t corrupt;
	uint64_t produced;      /* producer: sequence numbers handed out (next_seq) */
	uint64_t dropped;       /* producer: records refused */
	uint64_t dropped_bytes;
	uint64_t rejected;
	uint64_t prod_pos;
	uint64_t cons_pos;      /* this consumer's position */
};

/*
 * Attach to a ring of `size` mapped bytes at `mem`. The header is validated:
 * RING_EBADMSG for a corrupt one (bad magic, geometry that does not fit),
 * RING_EPROTO for a version this code does not know. DROP mode resumes at the
 * published cons_pos; OVERWRITE mode at the oldest record still intact.
 */
int ring_consumer_init(struct ring_consumer *c, void *mem, uint64_t size, unsigned flags);

/* Attach to CPU cpu's ring of an area of ncpus rings. */
int ring_consumer_area(struct ring_consumer *c, void *base, uint64_t size_per_cpu,
		       unsigned ncpus, unsigned cpu, unsigned flags);

/*
 * Copy the next valid record into buf. Returns its size, 0 when there is
 * nothing to read, or a negative RING_E* code (RING_EMSGSIZE leaves the
 * record in place). A record that may have been overwritten while it was
 * copied is never returned; it is counted as lost.
 */
int ring_consume(struct ring_consumer *c, void *buf, size_t len);

void ring_consumer_stats(const struct ring_consumer *c, struct ring_stats *st);

/*
 * Bytes written and not yet read by this consumer now (records and pads),
 * at most the ring's data size: how full a DROP ring is when read just
 * before a drain. 0 when there is nothing to read.
 */
uint64_t ring_consumer_backlog(const struct ring_consumer *c);

#endif
