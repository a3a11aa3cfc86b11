/*
 * The ring consumer (formats/ring.c) against a producer and a corrupter
 * driven by the input: records of any size and type are produced in either
 * mode, bytes anywhere in the shared ring (header lines, records, pads) are
 * overwritten as a lapping producer or a bad guest of the memory would, and
 * the consumer attaches, reads with buffers of any size and re-attaches. It
 * must never read outside the ring, never return a record larger than its
 * buffer or one whose header disagrees with its size, and never loop.
 */
#include "formats/ring.h"
#include "formats/trace.h"
#include "tests/fuzz/fuzz.h"

#define RING_BYTES (RING_HEADER_SIZE + 8 * RING_BLOCK_MIN)
#define MAX_OPS    512

static uint64_t mem[RING_BYTES / 8];

static void check_record(const uint64_t *buf, int n, size_t len)
{
	const struct trace_hdr *h = (const struct trace_hdr *)buf;

	if (n <= 0)
		return;
	if ((size_t)n > len || (size_t)n < sizeof(*h) || h->size != n || (n & 7) ||
	    (unsigned)n > TRACE_MAX_RECORD)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct ring_consumer c;
	struct ring_stats st;
	struct ring r;
	uint64_t buf[TRACE_MAX_RECORD / 8 + 1];
	bool attached = false;
	unsigned mode = fz_bool(&f) ? RING_MODE_DROP : RING_MODE_OVERWRITE;
	unsigned ops, i;
	int n;

	memset(mem, 0, sizeof(mem));
	if (ring_init(&r, mem, sizeof(mem), fz_u8(&f), mode))
		abort(); /* the geometry is ours: it must be accepted */
	for (ops = 0; ops < MAX_OPS && f.n; ops++) {
		switch (fz_u8(&f) % 6) {
		case 0: { /* produce: any size, any type, the payload from the input */
			uint32_t sz = fz_u16(&f) % (TRACE_MAX_RECORD + 16);
			struct trace_hdr *h = ring_reserve(&r, sz);

			if (h) {
				h->type = fz_u16(&f);
				h->vmid = fz_u16(&f);
				for (i = sizeof(*h); i + 8 <= sz; i += 8)
					*(uint64_t *)((uint8_t *)h + i) = fz_u64(&f);
				ring_commit(&r);
			}
			break;
		}
		case 1: /* produce a burst of small records: laps the consumer */
			for (i = fz_u8(&f); i; i--) {
				struct trace_hdr *h = ring_reserve(&r, 16);

				if (h) {
					h->type = (uint16_t)i;
					ring_commit(&r);
				}
			}
			break;
		case 2: { /* corrupt: any word anywhere in the ring */
			unsigned at = fz_below(&f, RING_BYTES / 8);

			mem[at] = fz_bool(&f) ? fz_u64(&f) : mem[at] ^ (1ull << (fz_u8(&f) & 63));
			break;
		}
		case 3: /* (re)attach, as a recorder starting mid-stream */
			attached = ring_consumer_init(&c, mem, sizeof(mem),
						      fz_bool(&f) ? RING_CONSUMER_PEEK : 0) == 0;
			break;
		case 4: /* read with a buffer of any size */
			if (attached) {
				size_t len = fz_below(&f, sizeof(buf) + 1);

				n = ring_consume(&c, buf, len);
				check_record(buf, n, len);
			}
			break;
		default: /* drain */
			if (attached) {
				for (i = 0; i < 4 * RING_BYTES / 8; i++) {
					n = ring_consume(&c, buf, sizeof(buf));
					check_record(buf, n, sizeof(buf));
					if (n <= 0 && n != RING_EAGAIN)
						break;
				}
				ring_consumer_stats(&c, &st);
			}
			break;
		}
	}
	return 0;
}
