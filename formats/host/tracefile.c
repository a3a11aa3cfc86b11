/*
 * Trace files: writer, reader with damage recovery, merge by timestamp.
 * The format is in formats/host/tracefile.h and docs/trace-format.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <isa-l.h>
#else
#include <libdeflate.h>
#endif
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "formats/host/trace_types.h"
#include "formats/host/tracefile.h"

/* ------------------------------------------------------------------- CRC32 */

/*
 * The trace file's CRC-32 (zlib's polynomial and conditioning) by a library's
 * carry-less multiplies. On x86-64, ISA-L's crc32_gzip_refl(), which picks its
 * code when first called: with VPCLMULQDQ and AVX-512 it folds 512 bits a
 * multiply, about 36 GB/s on a 64 KiB buffer in cache here against 8 GB/s for
 * libdeflate 1.14's 128-bit fold (docs/trace-format.md, "Reading speed").
 * Elsewhere libdeflate's: the static arm64 build links Debian's static
 * libraries, and Debian ships ISA-L without one.
 */
uint32_t tf_crc32(uint32_t crc, const void *buf, size_t len)
{
#if defined(__x86_64__)
	return crc32_gzip_refl(crc, buf, len);
#else
	return (uint32_t)libdeflate_crc32(crc, buf, len);
#endif
}

/* CRC of a header whose crc field, at crc_off, counts as zero. */
static uint32_t crc_with_hole(const void *buf, size_t len, size_t crc_off)
{
	static const uint32_t zero;
	uint32_t crc;

	crc = tf_crc32(0, buf, crc_off);
	crc = tf_crc32(crc, &zero, sizeof(zero));
	return tf_crc32(crc, (const uint8_t *)buf + crc_off + 4, len - crc_off - 4);
}

static void msg(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void msg(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* A record as the file accepts it: sized like its header says, not a pad. */
static const char *record_problem(const void *rec, size_t avail)
{
	const struct trace_hdr *h = rec;
	uint32_t min;

	if (avail < sizeof(*h))
		return "record header cut short";
	if (h->size < sizeof(*h) || h->size > TRACE_MAX_RECORD || (h->size & 7))
		return "bad record size";
	if (h->size > avail)
		return "record runs past the payload";
	if (h->type == TRACE_PAD)
		return "pad record";
	min = trace_min_size(h->type);
	if (min && h->size < min)
		return "record shorter than its type";
	return NULL;
}

/* ------------------------------------------------------------------ writer */

struct tf_pending {
	uint8_t *buf;
	uint32_t len;
	uint32_t nr;
	uint64_t first_seq, last_seq;
	uint64_t first_ts, last_ts;
	uint64_t lost;
	uint64_t total_records;
	uint64_t total_lost;
};

/*
 * The writer's stdio buffer: the file goes out in writes of this size. The
 * page cache keeps a file in folios as large as the writes that filled it
 * (Linux 6.16 and later on ext4), and a file in large folios is read back at
 * about half the system time: an export of a trace just recorded reads it so.
 */
#define TF_WRITE_BUF (4u << 20)

struct tf_writer {
	FILE *f;
	char *iobuf; /* f's buffer, TF_WRITE_BUF bytes (glibc sizes one of its own by the block size) */
	uint32_t nr_cpus;
	uint64_t offset;
	uint64_t chunks;
	int error;
	char msg[TF_MSG_LEN];
	struct tf_pending cpus[];
};

static int tf_fail(struct tf_writer *w, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int tf_fail(struct tf_writer *w, int err, const char *fmt, ...)
{
	va_list ap;

	if (!w->error) {
		w->error = err;
		va_start(ap, fmt);
		vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
		va_end(ap);
	}
	return err;
}

static int tf_write(struct tf_writer *w, const void *buf, size_t len)
{
	if (w->error)
		return w->error;
	errno = 0;
	if (fwrite(buf, 1, len, w->f) != len)
		return tf_fail(w, errno ? -errno : -EIO, "write at offset 0x%" PRIx64 ": %s",
			       w->offset, strerror(errno ? errno : EIO));
	w->offset += len;
	return 0;
}

int tf_writer_open(struct tf_writer **wp, const char *path, const struct tf_info *info,
		   char *err, size_t errlen)
{
	struct tf_file_header fh;
	struct tf_writer *w;
	struct timespec now;
	uint32_t cpu;
	int ret;

	if (!wp || !path || !info) {
		msg(err, errlen, "tf_writer_open: missing argument");
		return -EINVAL;
	}
	*wp = NULL;
	if (!info->nr_cpus || info->nr_cpus > TF_MAX_CPUS) {
		msg(err, errlen, "%s: %u CPUs: a trace file holds 1 to %u", path, info->nr_cpus,
		    TF_MAX_CPUS);
		return -EINVAL;
	}
	w = calloc(1, sizeof(*w) + info->nr_cpus * sizeof(w->cpus[0]));
	if (!w) {
		msg(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	w->nr_cpus = info->nr_cpus;
	for (cpu = 0; cpu < w->nr_cpus; cpu++) {
		w->cpus[cpu].buf = malloc(TF_CHUNK_TARGET);
		if (!w->cpus[cpu].buf) {
			msg(err, errlen, "%s: out of memory", path);
			tf_writer_close(w, NULL);
			return -ENOMEM;
		}
	}
	w->f = fopen(path, "wb");
	if (!w->f) {
		ret = -errno;
		msg(err, errlen, "%s: cannot create: %s", path, strerror(errno));
		tf_writer_close(w, NULL);
		return ret;
	}
	w->iobuf = malloc(TF_WRITE_BUF);
	if (w->iobuf)
		setvbuf(w->f, w->iobuf, _IOFBF, TF_WRITE_BUF);

	memset(&fh, 0, sizeof(fh));
	fh.magic = TF_MAGIC;
	fh.version = TF_VERSION;
	fh.header_size = sizeof(fh);
	fh.record_version = TRACE_RECORD_VERSION;
	fh.nr_cpus = info->nr_cpus;
	fh.cntfrq = info->cntfrq;
	fh.created_ns = info->created_ns;
	if (!fh.created_ns && !clock_gettime(CLOCK_REALTIME, &now))
		fh.created_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	fh.created_cntpct = info->created_cntpct;
	if (info->description)
		strncpy(fh.description, info->description, sizeof(fh.description) - 1);
	fh.header_crc = crc_with_hole(&fh, sizeof(fh), offsetof(struct tf_file_header, header_crc));
	ret = tf_write(w, &fh, sizeof(fh));
	if (ret) {
		msg(err, errlen, "%s: %s", path, w->msg);
		tf_writer_close(w, NULL);
		return ret;
	}
	*wp = w;
	return 0;
}

/* Write CPU cpu's pending chunk, if it holds records or losses. */
static int tf_write_chunk(struct tf_writer *w, unsigned cpu)
{
	struct tf_pending *p = &w->cpus[cpu];
	struct tf_chunk_header ch;
	int ret;

	if (!p->nr && !p->lost)
		return 0;
	memset(&ch, 0, sizeof(ch));
	ch.magic = TF_CHUNK_MAGIC;
	ch.header_size = sizeof(ch);
	ch.cpu = cpu;
	ch.nr_records = p->nr;
	ch.payload_len = p->len;
	ch.first_seq = p->first_seq;
	ch.last_seq = p->last_seq;
	ch.first_ts = p->first_ts;
	ch.last_ts = p->last_ts;
	ch.lost = p->lost;
	ch.payload_crc = tf_crc32(0, p->buf, p->len);
	ch.header_crc = crc_with_hole(&ch, sizeof(ch), offsetof(struct tf_chunk_header, header_crc));
	ret = tf_write(w, &ch, sizeof(ch));
	if (!ret)
		ret = tf_write(w, p->buf, p->len);
	if (ret)
		return ret;
	w->chunks++;
	p->total_records += p->nr;
	p->total_lost += p->lost;
	p->len = 0;
	p->nr = 0;
	p->lost = 0;
	return 0;
}

int tf_writer_append(struct tf_writer *w, unsigned cpu, const void *rec, size_t size)
{
	const struct trace_hdr *h = rec;
	struct tf_pending *p;
	const char *why;
	int ret;

	if (!w || !rec)
		return -EINVAL;
	if (w->error)
		return w->error;
	if (cpu >= w->nr_cpus)
		return tf_fail(w, -EINVAL, "record for CPU %u: the file has %u CPUs", cpu,
			       w->nr_cpus);
	if (size < sizeof(*h) || h->size != size)
		why = "size disagrees with the record header";
	else
		why = record_problem(rec, size);
	if (why)
		return tf_fail(w, -EINVAL, "CPU %u record seq %" PRIu64 ": %s", cpu,
			       size >= sizeof(*h) ? h->seq : 0, why);

	p = &w->cpus[cpu];
	if (p->len + size > TF_CHUNK_TARGET) {
		ret = tf_write_chunk(w, cpu);
		if (ret)
			return ret;
	}
	if (!p->nr) {
		p->first_seq = h->seq;
		p->first_ts = h->ts;
	}
	p->last_seq = h->seq;
	p->last_ts = h->ts;
	memcpy(p->buf + p->len, rec, size);
	p->len += size;
	p->nr++;
	return 0;
}

int tf_writer_add_lost(struct tf_writer *w, unsigned cpu, uint64_t lost)
{
	if (!w)
		return -EINVAL;
	if (cpu >= w->nr_cpus)
		return tf_fail(w, -EINVAL, "losses for CPU %u: the file has %u CPUs", cpu,
			       w->nr_cpus);
	w->cpus[cpu].lost += lost;
	return 0;
}

int tf_writer_flush(struct tf_writer *w)
{
	unsigned cpu;
	int ret;

	if (!w)
		return -EINVAL;
	for (cpu = 0; cpu < w->nr_cpus; cpu++) {
		ret = tf_write_chunk(w, cpu);
		if (ret)
			return ret;
	}
	if (fflush(w->f))
		return tf_fail(w, -errno, "flush at offset 0x%" PRIx64 ": %s", w->offset,
			       strerror(errno));
	return w->error;
}

int tf_writer_close(struct tf_writer *w, struct tf_totals *totals)
{
	struct tf_trailer *t = NULL;
	size_t tsize;
	unsigned cpu;
	int ret;

	if (totals)
		memset(totals, 0, sizeof(*totals));
	if (!w)
		return 0;
	if (w->f) {
		tf_writer_flush(w);
		tsize = sizeof(*t) + w->nr_cpus * sizeof(t->cpus[0]);
		t = calloc(1, tsize);
		if (!t) {
			tf_fail(w, -ENOMEM, "trailer: out of memory");
		} else {
			t->magic = TF_END_MAGIC;
			t->size = (uint32_t)tsize;
			t->nr_cpus = w->nr_cpus;
			t->nr_chunks = w->chunks;
			for (cpu = 0; cpu < w->nr_cpus; cpu++) {
				t->cpus[cpu].records = w->cpus[cpu].total_records;
				t->cpus[cpu].lost = w->cpus[cpu].total_lost;
				t->nr_records += t->cpus[cpu].records;
				t->lost += t->cpus[cpu].lost;
			}
			t->crc = crc_with_hole(t, tsize, offsetof(struct tf_trailer, crc));
			tf_write(w, t, tsize);
		}
		if (fclose(w->f))
			tf_fail(w, -errno, "close: %s", strerror(errno));
		if (totals && t) {
			totals->chunks = t->nr_chunks;
			totals->records = t->nr_records;
			totals->lost = t->lost;
			totals->bytes = w->offset;
		}
		free(t);
	}
	ret = w->error;
	for (cpu = 0; cpu < w->nr_cpus; cpu++)
		free(w->cpus[cpu].buf);
	free(w->iobuf); /* after fclose() */
	free(w);
	return ret;
}

const char *tf_writer_error(const struct tf_writer *w)
{
	return w ? w->msg : "";
}

/* ------------------------------------------------------------------ reader */

#define TF_MAX_PROBLEMS 1000

struct tf_cursor {
	size_t   next;        /* index into the CPU's chunk list */
	const uint8_t *data;  /* the chunk's payload: in the mapping, payload or a slot */
	uint8_t *payload;     /* a copy when the file is not mapped */
	uint32_t cap;
	uint32_t len;
	uint32_t at;
	int      slot;        /* the loader's slot that data is in, -1 none */
	uint64_t chunk_offset;
	/*
	 * Under check_on_load, the timestamps of the chunk's records, in order,
	 * written by the check that walked them (in keybuf or the loader's slot):
	 * the merge compares these, not the records. keys[ki] is the record at at,
	 * nkeys the chunk's records.
	 */
	const uint64_t *keys;
	uint32_t ki;
	uint32_t nkeys;
	uint32_t kcap;
	uint64_t *keybuf;
};

/* What the check of one chunk's payload found: why is NULL for an intact one. */
struct tf_verdict {
	uint64_t off;    /* of the chunk header */
	const char *why;
	uint32_t bad_at; /* payload byte of a malformed record, TF_NO_BYTE otherwise */
};

#define TF_NO_BYTE  UINT32_MAX
#define TF_MAX_THREADS 16u
#define TF_WINDOW   1024u /* bytes the scan reads at a time */

#define TF_NEXT_BATCH 64u /* records tf_reader_next() takes from the merge at a time */

/* A chunk's payload under TF_OPEN_CHECK_ON_LOAD. */
enum tf_chunk_state {
	TF_UNCHECKED, /* not loaded yet: counts as intact */
	TF_INTACT,
	TF_DAMAGED,   /* skipped; dropped from the list when the merge ends */
};

struct tf_problem {
	uint64_t at; /* the scan's place in the file when it met it (see problem_in_place()) */
	char *text;
};

struct tf_loader;

struct tf_reader {
	int fd;
	uint64_t file_size;
	const uint8_t *map; /* the whole file read-only, NULL when it could not be mapped */
	unsigned threads;   /* for checking chunks at open, or loading them ahead */
	bool check_on_load; /* TF_OPEN_CHECK_ON_LOAD */
	uint8_t *state;     /* check_on_load: enum tf_chunk_state of each chunks[] entry */

	/* verdicts checked ahead by tf_check_ahead(), in file order */
	struct tf_verdict *ahead;
	size_t nr_ahead, next_ahead;
	struct tf_file_header hdr;
	struct tf_reader_stats st;

	struct tf_chunk_info *chunks;
	size_t nr_chunks, cap_chunks;

	struct tf_problem *problems;
	size_t nr_problems, cap_problems;
	bool problems_capped;

	size_t **cpu_chunks; /* per CPU: indices into chunks[] */
	size_t *cpu_nr;
	struct tf_cursor *cur;
	/*
	 * The merge: each CPU's next record (NULL when it has no more), valid
	 * once heads_ready; `stale` is the CPU whose record the last
	 * tf_reader_next() handed out, moved on at the start of the next call
	 * (moving on may reuse the buffer that record lives in). Under
	 * check_on_load every record of a loaded payload was checked with it.
	 */
	const struct trace_hdr **head;
	bool heads_ready;
	bool merge_ended;
	int stale;
	struct tf_loader *loader; /* check_on_load, threads > 1: while the merge runs */
	/* records tf_reader_next() took from the merge and has not handed out yet */
	struct tf_record pend[TF_NEXT_BATCH];
	unsigned pend_at, pend_n;

	uint8_t *buf; /* scan and tf_reader_load_chunk() */
	size_t buf_cap;
	uint8_t win[TF_WINDOW]; /* the scan's window on the file: win_len bytes at win_off */
	uint64_t win_off;
	size_t win_len;

	tf_progress_fn progress; /* tf_reader_set_progress() */
	void *progress_ctx;
	uint64_t progress_done;
};

/*
 * List a problem at index at of the list (those after it move down): a full
 * list drops its last, and a problem past its end is not listed.
 */
static void problem_insert(struct tf_reader *r, size_t at, uint64_t where, const char *fmt,
			   va_list ap)
{
	char line[TF_MSG_LEN], *text;
	struct tf_problem *grown;

	if (at >= TF_MAX_PROBLEMS) {
		r->problems_capped = true;
		return;
	}
	vsnprintf(line, sizeof(line), fmt, ap);
	text = strdup(line);
	if (!text)
		return;
	if (r->nr_problems == TF_MAX_PROBLEMS) {
		free(r->problems[--r->nr_problems].text);
		r->problems_capped = true;
	}
	if (r->nr_problems == r->cap_problems) {
		size_t cap = r->cap_problems ? 2 * r->cap_problems : 16;

		grown = realloc(r->problems, cap * sizeof(*grown));
		if (!grown) {
			free(text);
			return;
		}
		r->problems = grown;
		r->cap_problems = cap;
	}
	memmove(&r->problems[at + 1], &r->problems[at],
		(r->nr_problems - at) * sizeof(r->problems[0]));
	r->problems[at] = (struct tf_problem){ where, text };
	r->nr_problems++;
}

static void problem(struct tf_reader *r, uint64_t where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A problem met at file offset where, listed after those met before it. */
static void problem(struct tf_reader *r, uint64_t where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	problem_insert(r, r->nr_problems, where, fmt, ap);
	va_end(ap);
}

static void problem_in_place(struct tf_reader *r, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * A damaged payload found when the chunk at off was first loaded: listed
 * where the check at open would have listed it, when the scan came to off.
 * The scan lists what it meets at off first, then the bytes before off that
 * belonged to no chunk (met at off, where they end): so before the problems
 * met at off or later.
 */
static void problem_in_place(struct tf_reader *r, uint64_t off, const char *fmt, ...)
{
	size_t at = r->nr_problems;
	va_list ap;

	while (at && r->problems[at - 1].at >= off)
		at--;
	va_start(ap, fmt);
	problem_insert(r, at, off, fmt, ap);
	va_end(ap);
}

/* Read up to len bytes at off; returns bytes read (short at the end) or -errno. */
static ssize_t tf_pread(struct tf_reader *r, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;
	ssize_t n;

	if (r->map) {
		if (off >= r->file_size)
			return 0;
		if (len > r->file_size - off)
			len = (size_t)(r->file_size - off);
		memcpy(buf, r->map + off, len);
		return (ssize_t)len;
	}
	while (done < len) {
		n = pread(r->fd, (uint8_t *)buf + done, len - done, (off_t)(off + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

/*
 * tf_pread() for the scan, which reads small pieces: a chunk header, or
 * 8 bytes at a time where it looks for the next chunk. Without a mapping
 * they come from a window of TF_WINDOW bytes, so that one read serves a
 * header and its magic, or a stretch of the search.
 */
static ssize_t tf_peek(struct tf_reader *r, void *buf, size_t len, uint64_t off)
{
	size_t avail;
	ssize_t n;

	if (r->map || len > TF_WINDOW)
		return tf_pread(r, buf, len, off);
	if (off < r->win_off || off + len > r->win_off + r->win_len) {
		n = tf_pread(r, r->win, TF_WINDOW, off);
		if (n < 0)
			return n;
		r->win_off = off;
		r->win_len = (size_t)n;
	}
	avail = (size_t)(r->win_off + r->win_len - off);
	if (avail > len)
		avail = len;
	memcpy(buf, r->win + (off - r->win_off), avail);
	return (ssize_t)avail;
}

static int tf_buf_reserve(struct tf_reader *r, size_t len)
{
	uint8_t *grown;

	if (len <= r->buf_cap)
		return 0;
	grown = realloc(r->buf, len);
	if (!grown)
		return -ENOMEM;
	r->buf = grown;
	r->buf_cap = len;
	return 0;
}

/*
 * tf_record_whole() of a record of that type and size, read once from its
 * header, its tests without branches: of a known type, whole in the avail
 * bytes.
 */
static inline __attribute__((always_inline)) bool tf_walk_whole(uint32_t type, uint32_t size,
								uint32_t avail)
{
	uint32_t min = trace_min_size(type); /* 0: unknown */

	return (min != 0) & tf_size_fits(size, avail, min);
}

/*
 * The walk of tf_payload_walk() over the records that start before limit,
 * from *at on (*nr records and the last of them, *h, before it): NULL when
 * they are well formed (and the chunk's first agrees with the header), else
 * what is wrong, *at then the payload byte where it was found. With keys
 * (room for a key per record the payload could hold, payload_len /
 * sizeof(struct trace_hdr)), each record's timestamp is written into keys[]
 * as it goes, the record at index nr into keys[nr].
 */
static inline __attribute__((always_inline)) const char *
walk_to(const struct tf_chunk_header *ch, const uint8_t *p, uint32_t limit, uint32_t *atp,
	uint32_t *nrp, const struct trace_hdr **hp, uint64_t *keys)
{
	const struct trace_hdr *h = *hp;
	uint32_t len = ch->payload_len, at = *atp, nr = *nrp;
	const char *why = NULL;

	/* the first record of the chunk, whose sequence number the header gives */
	if (!nr && at < limit) {
		h = (const struct trace_hdr *)(p + at);
		why = record_problem(h, len - at);
		if (!why && h->seq != ch->first_seq)
			why = "first sequence number disagrees with the chunk header";
		if (why)
			goto out;
		if (keys)
			keys[nr] = h->ts;
		at += h->size;
		nr++;
	}
	while (at < limit) {
		uint64_t w;

		h = (const struct trace_hdr *)(p + at);
		if (__builtin_expect(len - at < 8, 0)) {
			why = record_problem(h, len - at);
			goto out;
		}
		w = h->word0; /* type and size, read once */
		if (__builtin_expect(!tf_walk_whole((uint16_t)w, (uint16_t)(w >> 16), len - at), 0)) {
			why = record_problem(h, len - at);
			if (why)
				goto out;
		}
		if (keys)
			keys[nr] = h->ts;
		at += (uint16_t)(w >> 16);
		nr++;
	}
out:
	*atp = at;
	*nrp = nr;
	*hp = h;
	return why;
}

/* The end of tf_payload_walk(): the record count and the last sequence number. */
static const char *walk_end(const struct tf_chunk_header *ch, uint32_t nr,
			    const struct trace_hdr *h)
{
	if (nr != ch->nr_records)
		return "record count disagrees with the chunk header";
	if (h && h->seq != ch->last_seq)
		return "last sequence number disagrees with the chunk header";
	return NULL;
}

#define TF_CRC_PIECE 8192u /* bytes the CRC takes before the walk goes over them */

/*
 * The CRC of a payload and the walk of its records (payload_problem(), with
 * keys as walk_to() takes them) in one pass: the walk follows the CRC a piece
 * at a time, over bytes still in the first-level cache. *crc: the payload's
 * CRC; the walk's verdict only counts when that agrees with the header.
 */
static const char *crc_and_walk(const struct tf_chunk_header *ch, const uint8_t *payload,
				uint32_t *crc, uint32_t *bad_at, uint64_t *keys)
	__attribute__((nonnull(1, 2, 3, 4)));

static const char *crc_and_walk(const struct tf_chunk_header *ch, const uint8_t *payload,
				uint32_t *crc, uint32_t *bad_at, uint64_t *keys)
{
	uint32_t len = ch->payload_len, done = 0, n, at = 0, nr = 0;
	const struct trace_hdr *h = NULL;
	const char *why = NULL;

	*crc = 0;
	while (done < len) {
		n = len - done < TF_CRC_PIECE ? len - done : TF_CRC_PIECE;
		*crc = tf_crc32(*crc, payload + done, n);
		done += n;
		if (!why)
			why = walk_to(ch, payload, done, &at, &nr, &h, keys);
	}
	*bad_at = at;
	return why ? why : walk_end(ch, nr, h);
}

const char *tf_payload_walk(const struct tf_chunk_header *ch, const void *payload, uint32_t at,
			    uint32_t nr, const struct trace_hdr *prev, uint32_t *bad_at)
{
	const char *why = walk_to(ch, payload, ch->payload_len, &at, &nr, &prev, NULL);

	*bad_at = at;
	return why ? why : walk_end(ch, nr, prev);
}

/* Walk a payload; NULL when its records are well formed and agree with the header. */
static const char *payload_problem(const struct tf_chunk_header *ch, const uint8_t *payload,
				   uint32_t *bad_at)
{
	return tf_payload_walk(ch, payload, 0, 0, NULL, bad_at);
}

/* Make room in *keys (*kcap entries) for the keys of a payload of len bytes. */
static int tf_keys_reserve(uint64_t **keys, uint32_t *kcap, uint32_t len)
{
	uint32_t n = len / sizeof(struct trace_hdr) + 1;
	uint64_t *grown;

	if (n <= *kcap)
		return 0;
	grown = realloc(*keys, n * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	*keys = grown;
	*kcap = n;
	return 0;
}

/*
 * The len bytes at off: a pointer into the mapping, or read into *buf (grown
 * as needed). Returns how many bytes are there (short at the end of the
 * file) or -errno.
 */
static ssize_t tf_bytes(struct tf_reader *r, uint64_t off, size_t len, uint8_t **buf,
			size_t *cap, const uint8_t **out)
{
	uint8_t *grown;

	if (r->map) {
		*out = r->map + off;
		if (off >= r->file_size)
			return 0;
		return (ssize_t)(len < r->file_size - off ? len : r->file_size - off);
	}
	if (len > *cap) {
		grown = realloc(*buf, len);
		if (!grown)
			return -ENOMEM;
		*buf = grown;
		*cap = len;
	}
	*out = *buf;
	return tf_pread(r, *buf, len, off);
}

/*
 * Check the payload of the chunk at off, whose header ch is sound: in the
 * mapping, or read into *buf (grown as needed); *payload says where it is.
 * 0 or -errno; *v says what the check found: the CRC's verdict, and with
 * walk its records' too. With keys (and walk), the records' timestamps go
 * into *keys (*kcap entries, grown as needed; see walk_to()). Reads the
 * reader's file and nothing it changes, so the loader's thread calls it too.
 */
static int tf_check_payload_crc(struct tf_reader *r, uint64_t off, const struct tf_chunk_header *ch,
				uint8_t **buf, size_t *cap, const uint8_t **payload,
				struct tf_verdict *v, bool walk, uint64_t **keys, uint32_t *kcap)
{
	uint32_t crc;
	ssize_t n;

	v->off = off;
	v->why = NULL;
	v->bad_at = TF_NO_BYTE;
	if (keys && tf_keys_reserve(keys, kcap, ch->payload_len))
		return -ENOMEM;
	n = tf_bytes(r, off + sizeof(*ch), ch->payload_len, buf, cap, payload);
	if (n < 0)
		return (int)n;
	if ((size_t)n < ch->payload_len) {
		v->why = "payload cut short";
	} else if (walk) {
		v->why = crc_and_walk(ch, *payload, &crc, &v->bad_at, keys ? *keys : NULL);
		if (crc != ch->payload_crc) {
			v->why = "CRC mismatch";
			v->bad_at = TF_NO_BYTE;
		}
	} else if (tf_crc32(0, *payload, ch->payload_len) != ch->payload_crc) {
		v->why = "CRC mismatch";
	}
	return 0;
}

static int tf_check_payload(struct tf_reader *r, uint64_t off, const struct tf_chunk_header *ch,
			    uint8_t **buf, size_t *cap, const uint8_t **payload,
			    struct tf_verdict *v)
{
	return tf_check_payload_crc(r, off, ch, buf, cap, payload, v, true, NULL, NULL);
}

/* A chunk header that can be trusted as far as its own CRC and fields go. */
static bool tf_header_sound(const struct tf_reader *r, const struct tf_chunk_header *ch)
{
	return ch->magic == TF_CHUNK_MAGIC &&
	       ch->header_crc == crc_with_hole(ch, sizeof(*ch),
					       offsetof(struct tf_chunk_header, header_crc)) &&
	       ch->header_size == sizeof(*ch) && ch->cpu < r->hdr.nr_cpus &&
	       !(ch->payload_len & 7) && ch->payload_len <= TF_CHUNK_MAX;
}

struct tf_check_job {
	struct tf_reader *r;
	struct tf_verdict *v;
	size_t n;
	unsigned first, stride; /* this job checks v[first], v[first + stride], ... */
	int ret;
	pthread_t thread;
};

static void *tf_check_job_run(void *arg)
{
	struct tf_check_job *j = arg;
	struct tf_chunk_header ch;
	const uint8_t *payload;
	uint8_t *buf = NULL;
	size_t cap = 0, i;

	for (i = j->first; i < j->n && !j->ret; i += j->stride) {
		memcpy(&ch, j->r->map + j->v[i].off, sizeof(ch));
		j->ret = tf_check_payload(j->r, j->v[i].off, &ch, &buf, &cap, &payload, &j->v[i]);
	}
	free(buf);
	return NULL;
}

/*
 * Check chunk payloads ahead of the scan, on r->threads threads: the run of
 * sound chunk headers from the end of the file header on (each payload
 * present) is listed, its payloads are checked in parallel, and tf_scan()
 * takes their verdicts in file order instead of checking them itself. A
 * verdict depends only on the bytes of its chunk, so the outcome is the same
 * whatever the number of threads. The run stops at the first damage; the
 * scan checks the rest of the file itself. Only for a mapped file, whose
 * bytes every thread reads in place.
 */
static int tf_check_ahead(struct tf_reader *r)
{
	struct tf_check_job jobs[TF_MAX_THREADS];
	struct tf_chunk_header ch;
	uint64_t off = r->hdr.header_size;
	size_t cap = 0;
	unsigned t, started;
	int ret = 0;

	if (!r->map || r->threads < 2 || r->check_on_load)
		return 0;
	while (off + sizeof(ch) <= r->file_size) {
		memcpy(&ch, r->map + off, sizeof(ch));
		if (!tf_header_sound(r, &ch) || ch.payload_len > r->file_size - off - sizeof(ch))
			break;
		if (r->nr_ahead == cap) {
			struct tf_verdict *grown;

			cap = cap ? 2 * cap : 1024;
			grown = realloc(r->ahead, cap * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			r->ahead = grown;
		}
		r->ahead[r->nr_ahead++].off = off;
		off += sizeof(ch) + ch.payload_len;
	}
	for (started = 0; started < r->threads; started++) {
		jobs[started] = (struct tf_check_job){ .r = r, .v = r->ahead, .n = r->nr_ahead,
						       .first = started, .stride = r->threads };
		/* this thread takes job 0 itself */
		if (started && pthread_create(&jobs[started].thread, NULL, tf_check_job_run,
					      &jobs[started]))
			break;
	}
	/* a thread that could not start: its share is checked here after all */
	for (t = started; t < r->threads; t++) {
		jobs[t] = (struct tf_check_job){ .r = r, .v = r->ahead, .n = r->nr_ahead,
						 .first = t, .stride = r->threads };
		tf_check_job_run(&jobs[t]);
	}
	tf_check_job_run(&jobs[0]);
	for (t = 1; t < started; t++)
		pthread_join(jobs[t].thread, NULL);
	for (t = 0; t < r->threads; t++)
		if (jobs[t].ret && !ret)
			ret = jobs[t].ret;
	if (ret)
		r->nr_ahead = 0; /* the scan checks every chunk itself */
	return 0;
}

/* The verdict on the chunk at off, checked ahead when it was, else now. */
static int tf_verdict_at(struct tf_reader *r, uint64_t off, const struct tf_chunk_header *ch,
			 struct tf_verdict *v)
{
	const uint8_t *payload;
	size_t cap = r->buf_cap;
	int ret;

	while (r->next_ahead < r->nr_ahead && r->ahead[r->next_ahead].off < off)
		r->next_ahead++;
	if (r->next_ahead < r->nr_ahead && r->ahead[r->next_ahead].off == off) {
		*v = r->ahead[r->next_ahead++];
		return 0;
	}
	ret = tf_check_payload(r, off, ch, &r->buf, &cap, &payload, v);
	r->buf_cap = cap;
	return ret;
}

static int tf_add_chunk(struct tf_reader *r, uint64_t off, const struct tf_chunk_header *ch)
{
	struct tf_chunk_info *grown;

	if (r->nr_chunks == r->cap_chunks) {
		size_t cap = r->cap_chunks ? 2 * r->cap_chunks : 64;

		grown = realloc(r->chunks, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		r->chunks = grown;
		r->cap_chunks = cap;
	}
	r->chunks[r->nr_chunks].offset = off;
	r->chunks[r->nr_chunks].hdr = *ch;
	r->nr_chunks++;
	r->st.chunks++;
	r->st.records += ch->nr_records;
	r->st.lost += ch->lost;
	return 0;
}

/* A chunk whose payload failed its check: counted and skipped. */
static void tf_skip_chunk(struct tf_reader *r, const struct tf_chunk_header *ch)
{
	r->st.bad_chunks++;
	r->st.records_skipped += ch->nr_records;
	r->st.bytes_skipped += sizeof(*ch) + ch->payload_len;
}

enum scan_result {
	SCAN_OK,       /* an intact chunk: *next is past it */
	SCAN_SKIPPED,  /* a chunk with a sound header and a bad payload: *next is past it */
	SCAN_NOT_HERE, /* no trustworthy chunk header here: resynchronise */
};

/* Look at the chunk header at off. Errors other than damage are returned negative. */
static int tf_scan_chunk(struct tf_reader *r, uint64_t off, uint64_t *next)
{
	struct tf_chunk_header ch;
	struct tf_verdict v;
	const char *why;
	ssize_t n;
	int ret;

	n = tf_peek(r, &ch, sizeof(ch), off);
	if (n < 0)
		return (int)n;
	if ((size_t)n < sizeof(ch)) {
		problem(r, off, "chunk at offset 0x%" PRIx64 ": header cut short by the end of the file",
			off);
		return SCAN_NOT_HERE;
	}
	if (ch.header_crc != crc_with_hole(&ch, sizeof(ch),
					   offsetof(struct tf_chunk_header, header_crc))) {
		problem(r, off, "chunk at offset 0x%" PRIx64 ": header CRC mismatch, looking for the next chunk",
			off);
		return SCAN_NOT_HERE;
	}
	if (ch.header_size != sizeof(ch) || ch.cpu >= r->hdr.nr_cpus || (ch.payload_len & 7) ||
	    ch.payload_len > TF_CHUNK_MAX) {
		problem(r, off, "chunk at offset 0x%" PRIx64 ": impossible header (CPU %u, %u payload bytes), looking for the next chunk",
			off, ch.cpu, ch.payload_len);
		return SCAN_NOT_HERE;
	}

	*next = off + sizeof(ch) + ch.payload_len;
	if (*next > r->file_size) {
		problem(r, off, "chunk at offset 0x%" PRIx64 ": truncated at 0x%" PRIx64 " (%" PRIu64 " of %u payload bytes present), %u records skipped",
			off, r->file_size, r->file_size - off - sizeof(ch), ch.payload_len,
			ch.nr_records);
		r->st.bad_chunks++;
		r->st.records_skipped += ch.nr_records;
		r->st.bytes_skipped += r->file_size - off;
		*next = r->file_size;
		return SCAN_SKIPPED;
	}
	/* the payload is checked when it is loaded */
	if (r->check_on_load) {
		ret = tf_add_chunk(r, off, &ch);
		return ret ? ret : SCAN_OK;
	}
	ret = tf_verdict_at(r, off, &ch, &v);
	if (ret)
		return ret;
	why = v.why;
	if (why && v.bad_at == TF_NO_BYTE)
		problem(r, off, "chunk at offset 0x%" PRIx64 ": %s, %u records skipped", off, why,
			ch.nr_records);
	else if (why)
		problem(r, off, "chunk at offset 0x%" PRIx64 ": %s (payload byte %u), %u records skipped",
			off, why, v.bad_at, ch.nr_records);
	if (why) {
		tf_skip_chunk(r, &ch);
		return SCAN_SKIPPED;
	}
	ret = tf_add_chunk(r, off, &ch);
	return ret ? ret : SCAN_OK;
}

/* The trailer at off: true when it is sound. */
static bool tf_scan_trailer(struct tf_reader *r, uint64_t off, uint64_t *next)
{
	struct tf_trailer t;
	size_t size = sizeof(t) + r->hdr.nr_cpus * sizeof(t.cpus[0]);
	ssize_t n;

	const char *why = NULL;

	n = tf_peek(r, &t, sizeof(t), off);
	if (n < (ssize_t)sizeof(t))
		why = "cut short by the end of the file";
	else if (t.size != size || t.nr_cpus != r->hdr.nr_cpus)
		why = "size disagrees with the CPU count";
	else if (tf_buf_reserve(r, size))
		why = "out of memory";
	else if (tf_pread(r, r->buf, size, off) < (ssize_t)size)
		why = "cut short by the end of the file";
	else if (t.crc != crc_with_hole(r->buf, size, offsetof(struct tf_trailer, crc)))
		why = "CRC mismatch";
	if (why) {
		problem(r, off, "end marker at offset 0x%" PRIx64 ": %s", off, why);
		return false;
	}
	*next = off + size;
	return true;
}

static void tf_garbage_done(struct tf_reader *r, uint64_t *start, uint64_t end)
{
	if (*start == UINT64_MAX)
		return;
	problem(r, end,
		"offset 0x%" PRIx64 ": %" PRIu64 " bytes that belong to no intact chunk skipped",
		*start, end - *start);
	r->st.bytes_skipped += end - *start;
	*start = UINT64_MAX;
}

/* Index every intact chunk from the end of the file header on. */
static int tf_scan(struct tf_reader *r)
{
	uint64_t off = r->hdr.header_size, next = 0, magic, garbage = UINT64_MAX;
	ssize_t n;
	int ret;

	while (off + sizeof(magic) <= r->file_size) {
		n = tf_peek(r, &magic, sizeof(magic), off);
		if (n < 0)
			return (int)n;
		if (magic == TF_CHUNK_MAGIC) {
			ret = tf_scan_chunk(r, off, &next);
			if (ret < 0)
				return ret;
			if (ret != SCAN_NOT_HERE) {
				tf_garbage_done(r, &garbage, off);
				off = next;
				continue;
			}
		} else if (magic == TF_END_MAGIC && tf_scan_trailer(r, off, &next)) {
			tf_garbage_done(r, &garbage, off);
			r->st.trailer_ok = 1;
			if (next < r->file_size)
				problem(r, next,
					"offset 0x%" PRIx64 ": %" PRIu64 " bytes after the end marker ignored",
					next, r->file_size - next);
			return 0;
		}
		/* Resynchronise: chunks start at multiples of 8. */
		if (garbage == UINT64_MAX)
			garbage = off;
		off += 8;
	}
	if (off < r->file_size && garbage == UINT64_MAX)
		garbage = off;
	tf_garbage_done(r, &garbage, r->file_size);
	problem(r, r->file_size,
		"offset 0x%" PRIx64 ": no end marker: the file is truncated or was not closed",
		r->file_size);
	return 0;
}

int tf_reader_summary(const struct tf_reader *r, char *buf, size_t len)
{
	const struct tf_chunk_info *last;
	uint64_t end = r->hdr.header_size;
	size_t i = r->nr_chunks;

	if (len)
		buf[0] = '\0';
	/* the last intact chunk (under check_on_load, before the merge ends, not known damaged) */
	while (i && r->state && r->state[i - 1] == TF_DAMAGED)
		i--;
	if (i) {
		last = &r->chunks[i - 1];
		end = last->offset + sizeof(last->hdr) + last->hdr.payload_len;
	}
	if (!r->st.trailer_ok)
		return snprintf(buf, len,
				"cut short (no end marker): %" PRIu64 " records read up to the "
				"last complete chunk, which ends at offset 0x%" PRIx64 "; lost: %" PRIu64
				" bytes after it, %" PRIu64 " records in damaged chunks, and what the "
				"recorder had not yet written",
				r->st.records, end, r->file_size > end ? r->file_size - end : 0,
				r->st.records_skipped);
	if (r->st.bad_chunks || r->st.bytes_skipped)
		return snprintf(buf, len,
				"damaged: %" PRIu64 " chunks skipped (%" PRIu64 " records, %" PRIu64
				" bytes), %" PRIu64 " records read",
				r->st.bad_chunks, r->st.records_skipped, r->st.bytes_skipped,
				r->st.records);
	return 0;
}

/* Per-CPU chunk lists for the merge, from chunks[]. */
static int tf_index_chunks(struct tf_reader *r)
{
	uint32_t ncpus = r->hdr.nr_cpus, cpu;
	size_t i;

	if (!r->cpu_chunks) {
		r->cpu_chunks = calloc(ncpus, sizeof(*r->cpu_chunks));
		r->cpu_nr = calloc(ncpus, sizeof(*r->cpu_nr));
		if (!r->cpu_chunks || !r->cpu_nr)
			return -ENOMEM;
	}
	memset(r->cpu_nr, 0, ncpus * sizeof(*r->cpu_nr));
	for (i = 0; i < r->nr_chunks; i++)
		r->cpu_nr[r->chunks[i].hdr.cpu]++;
	for (cpu = 0; cpu < ncpus; cpu++) {
		free(r->cpu_chunks[cpu]);
		r->cpu_chunks[cpu] = calloc(r->cpu_nr[cpu] ? r->cpu_nr[cpu] : 1, sizeof(size_t));
		if (!r->cpu_chunks[cpu])
			return -ENOMEM;
		r->cpu_nr[cpu] = 0;
	}
	for (i = 0; i < r->nr_chunks; i++) {
		cpu = r->chunks[i].hdr.cpu;
		r->cpu_chunks[cpu][r->cpu_nr[cpu]++] = i;
	}
	return 0;
}

/* The merge's state, and the per-CPU chunk lists. */
static int tf_index_cpus(struct tf_reader *r)
{
	uint32_t ncpus = r->hdr.nr_cpus, cpu;

	r->cur = calloc(ncpus, sizeof(*r->cur));
	r->head = calloc(ncpus, sizeof(*r->head));
	r->stale = -1;
	if (!r->cur || !r->head)
		return -ENOMEM;
	for (cpu = 0; cpu < ncpus; cpu++)
		r->cur[cpu].slot = -1;
	if (r->check_on_load) {
		r->state = calloc(r->nr_chunks ? r->nr_chunks : 1, sizeof(*r->state));
		if (!r->state)
			return -ENOMEM;
	}
	return tf_index_chunks(r);
}
static int tf_check_header(struct tf_reader *r, const char *path, char *err, size_t errlen)
{
	struct tf_file_header *fh = &r->hdr;
	ssize_t n;

	n = tf_pread(r, fh, sizeof(*fh), 0);
	if (n < 0) {
		msg(err, errlen, "%s: read at offset 0x0: %s", path, strerror((int)-n));
		return (int)n;
	}
	if (n >= (ssize_t)sizeof(fh->magic) && fh->magic != TF_MAGIC) {
		msg(err, errlen, "%s: not a hypscope trace file (bad magic at offset 0x0)", path);
		return -EINVAL;
	}
	if (n < (ssize_t)sizeof(*fh)) {
		msg(err, errlen, "%s: %zd bytes: too short for the %zu-byte file header", path, n,
		    sizeof(*fh));
		return -EINVAL;
	}
	if (fh->header_crc !=
	    crc_with_hole(fh, sizeof(*fh), offsetof(struct tf_file_header, header_crc))) {
		msg(err, errlen, "%s: file header at offset 0x0 is corrupt (CRC mismatch)", path);
		return -EINVAL;
	}
	if (fh->version != TF_VERSION) {
		msg(err, errlen, "%s: trace file format version %u; this hypscope reads version %u",
		    path, fh->version, TF_VERSION);
		return -EPROTO;
	}
	if (fh->record_version != TRACE_RECORD_VERSION) {
		msg(err, errlen, "%s: trace records of version %u; this hypscope reads version %u",
		    path, fh->record_version, TRACE_RECORD_VERSION);
		return -EPROTO;
	}
	if (fh->header_size != sizeof(*fh) || !fh->nr_cpus || fh->nr_cpus > TF_MAX_CPUS) {
		msg(err, errlen, "%s: file header at offset 0x0 is inconsistent (size %u, %u CPUs)",
		    path, fh->header_size, fh->nr_cpus);
		return -EINVAL;
	}
	fh->description[TF_DESC_LEN - 1] = '\0';
	return 0;
}

/* Threads for checking chunks: n, or one per online CPU for 0; 1..TF_MAX_THREADS. */
static unsigned tf_threads(unsigned n)
{
	long online;

	if (!n) {
		online = sysconf(_SC_NPROCESSORS_ONLN);
		n = online > 0 ? (unsigned)online : 1;
	}
	return n < TF_MAX_THREADS ? n : TF_MAX_THREADS;
}

int tf_reader_open(struct tf_reader **rp, const char *path, char *err, size_t errlen)
{
	return tf_reader_open_flags(rp, path, 0, 0, err, errlen);
}

int tf_reader_open_threads(struct tf_reader **rp, const char *path, unsigned threads, char *err,
			   size_t errlen)
{
	return tf_reader_open_flags(rp, path, threads, 0, err, errlen);
}

int tf_reader_open_flags(struct tf_reader **rp, const char *path, unsigned threads,
			 unsigned flags, char *err, size_t errlen)
{
	void *map;

	struct tf_reader *r;
	struct stat sb;
	int ret;

	if (!rp || !path) {
		msg(err, errlen, "tf_reader_open: missing argument");
		return -EINVAL;
	}
	*rp = NULL;
	r = calloc(1, sizeof(*r));
	if (!r) {
		msg(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	r->check_on_load = flags & TF_OPEN_CHECK_ON_LOAD;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		ret = -errno;
		msg(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		free(r);
		return ret;
	}
	if (fstat(r->fd, &sb)) {
		ret = -errno;
		msg(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(sb.st_mode)) {
		ret = -EISDIR;
		msg(err, errlen, "%s: is a directory, not a trace file", path);
		goto fail;
	}
	r->file_size = (uint64_t)sb.st_size;
	r->threads = tf_threads(threads);
	/*
	 * A mapping is read in place: no copies, and every thread shares it.
	 * One thread reads through a buffer instead: the first touch of each
	 * mapped page costs more CPU time than copying it (report -j 1 on the
	 * bench trace, on the project's machines: docs/performance.md). So does
	 * a reader that checks chunks when it loads them: a chunk is checked in
	 * a buffer no one else writes, and its records need no second look.
	 */
	if (r->threads > 1 && !r->check_on_load && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
	    (uint64_t)sb.st_size <= SIZE_MAX) {
		map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, r->fd, 0);
		if (map != MAP_FAILED) {
			r->map = map;
			madvise(map, (size_t)sb.st_size, MADV_SEQUENTIAL);
		}
	}
	ret = tf_check_header(r, path, err, errlen);
	if (ret)
		goto fail;
	ret = tf_check_ahead(r);
	if (!ret)
		ret = tf_scan(r);
	if (!ret)
		ret = tf_index_cpus(r);
	if (ret) {
		msg(err, errlen, "%s: %s", path, strerror(-ret));
		goto fail;
	}
	*rp = r;
	return 0;
fail:
	tf_reader_close(r);
	return ret;
}

static void tf_loader_stop(struct tf_reader *r);

void tf_reader_close(struct tf_reader *r)
{
	size_t i;

	if (!r)
		return;
	tf_loader_stop(r);
	if (r->map)
		munmap((void *)r->map, (size_t)r->file_size);
	if (r->fd >= 0)
		close(r->fd);
	free(r->ahead);
	for (i = 0; i < r->nr_problems; i++)
		free(r->problems[i].text);
	free(r->problems);
	if (r->cpu_chunks)
		for (i = 0; i < r->hdr.nr_cpus; i++)
			free(r->cpu_chunks[i]);
	if (r->cur)
		for (i = 0; i < r->hdr.nr_cpus; i++) {
			free(r->cur[i].payload);
			free(r->cur[i].keybuf);
		}
	free(r->cpu_chunks);
	free(r->cpu_nr);
	free(r->cur);
	free(r->head);
	free(r->chunks);
	free(r->state);
	free(r->buf);
	free(r);
}

const struct tf_file_header *tf_reader_header(const struct tf_reader *r)
{
	return &r->hdr;
}

void tf_reader_stats(const struct tf_reader *r, struct tf_reader_stats *st)
{
	*st = r->st;
}

size_t tf_reader_nr_problems(const struct tf_reader *r)
{
	return r->nr_problems;
}

const char *tf_reader_problem(const struct tf_reader *r, size_t i)
{
	return i < r->nr_problems ? r->problems[i].text : NULL;
}

size_t tf_reader_nr_chunks(const struct tf_reader *r)
{
	return r->nr_chunks;
}

const struct tf_chunk_info *tf_reader_chunk(const struct tf_reader *r, size_t i)
{
	return i < r->nr_chunks ? &r->chunks[i] : NULL;
}

/*
 * Under check_on_load, the verdict v on chunk i's payload, just loaded:
 * true when its records may be handed out. The first load of a chunk is its
 * check: a damaged payload is listed and counted where the check at open
 * would have, and stays skipped. A later load that fails (after a rewind)
 * found a chunk that changed since.
 */
static bool tf_take_verdict(struct tf_reader *r, size_t i, const struct tf_verdict *v)
{
	const struct tf_chunk_info *ci = &r->chunks[i];

	switch (r->state[i]) {
	case TF_UNCHECKED:
		if (!v->why) {
			r->state[i] = TF_INTACT;
			return true;
		}
		r->state[i] = TF_DAMAGED;
		if (v->bad_at == TF_NO_BYTE)
			problem_in_place(r, ci->offset,
					 "chunk at offset 0x%" PRIx64 ": %s, %u records skipped",
					 ci->offset, v->why, ci->hdr.nr_records);
		else
			problem_in_place(r, ci->offset,
					 "chunk at offset 0x%" PRIx64 ": %s (payload byte %u), %u records skipped",
					 ci->offset, v->why, v->bad_at, ci->hdr.nr_records);
		/* counted as intact at open */
		r->st.chunks--;
		r->st.records -= ci->hdr.nr_records;
		r->st.lost -= ci->hdr.lost;
		tf_skip_chunk(r, &ci->hdr);
		return false;
	case TF_INTACT:
		if (!v->why)
			return true;
		problem(r, ci->offset,
			"chunk at offset 0x%" PRIx64 ": changed since the file was opened (%s), %u records skipped",
			ci->offset, v->why, ci->hdr.nr_records);
		return false;
	default:
		return false;
	}
}

/*
 * Chunk ci's payload, in *data: checked at open. The file may have changed
 * since, and its records must at least be well formed: with walk, a copy
 * read into *buf (grown as needed) has its CRC checked again and the bytes
 * in the mapping have their records walked again; without, the caller
 * checks each record as it goes (tf_reader_next()). Returns its length,
 * -EIO for a chunk that changed (listed as a problem) or -errno.
 */
static int tf_read_payload(struct tf_reader *r, const struct tf_chunk_info *ci, uint8_t **buf,
			   uint32_t *cap, const uint8_t **data, bool walk)
{
	uint32_t len = ci->hdr.payload_len, bad_at;
	const char *why = NULL;
	size_t bcap = *cap;
	struct stat sb;
	ssize_t n;

	/* a mapped file cut shorter since it was opened would fault on access */
	if (r->map && (fstat(r->fd, &sb) ||
		       (uint64_t)sb.st_size < ci->offset + sizeof(ci->hdr) + len)) {
		why = "cut short";
	} else {
		n = tf_bytes(r, ci->offset + sizeof(ci->hdr), len, buf, &bcap, data);
		*cap = (uint32_t)(bcap < UINT32_MAX ? bcap : UINT32_MAX);
		if (n < 0)
			return (int)n;
		if ((size_t)n < len)
			why = "cut short";
		else if (walk && r->map && payload_problem(&ci->hdr, *data, &bad_at))
			why = "malformed records";
		else if (walk && !r->map && tf_crc32(0, *data, len) != ci->hdr.payload_crc)
			why = "CRC mismatch";
	}
	if (why) {
		problem(r, ci->offset, "chunk at offset 0x%" PRIx64 ": changed since the file was opened (%s), %u records skipped",
			ci->offset, why, ci->hdr.nr_records);
		return -EIO;
	}
	return (int)len;
}

/* Chunk i read and checked whole (check-on-load): its verdict taken. */
static int load_and_check(struct tf_reader *r, size_t i, const void **payload)
{
	struct tf_verdict v;
	const uint8_t *data;
	int ret;

	ret = tf_check_payload(r, r->chunks[i].offset, &r->chunks[i].hdr, &r->buf, &r->buf_cap,
			       &data, &v);
	if (ret < 0)
		return ret;
	if (!tf_take_verdict(r, i, &v))
		return -EIO;
	*payload = data;
	return (int)r->chunks[i].hdr.payload_len;
}

int tf_reader_load_chunk_unwalked(struct tf_reader *r, size_t i, const void **payload,
				  bool *walked)
{
	struct tf_verdict v;
	const uint8_t *data;
	int ret;

	if (!r || i >= r->nr_chunks || !payload || !walked)
		return -EINVAL;
	*walked = !r->check_on_load || r->state[i] != TF_UNCHECKED;
	if (*walked)
		return tf_reader_load_chunk_records(r, i, payload);
	ret = tf_check_payload_crc(r, r->chunks[i].offset, &r->chunks[i].hdr, &r->buf,
				   &r->buf_cap, &data, &v, false, NULL, NULL);
	if (ret < 0)
		return ret;
	if (v.why) { /* cut short, or the CRC: the check's verdict already */
		tf_take_verdict(r, i, &v);
		return -EIO;
	}
	*payload = data;
	return (int)r->chunks[i].hdr.payload_len;
}

int tf_reader_chunk_walked(struct tf_reader *r, size_t i, const char *why, uint32_t bad_at)
{
	struct tf_verdict v = { .off = 0, .why = why, .bad_at = bad_at };

	if (!r || i >= r->nr_chunks || !r->check_on_load || r->state[i] != TF_UNCHECKED)
		return -EINVAL;
	v.off = r->chunks[i].offset;
	return tf_take_verdict(r, i, &v) ? 0 : -EIO;
}

int tf_reader_load_chunk(struct tf_reader *r, size_t i, const void **payload)
{
	const uint8_t *data;
	uint32_t cap;
	int ret;

	if (!r || i >= r->nr_chunks || !payload)
		return -EINVAL;
	if (r->check_on_load)
		return load_and_check(r, i, payload);
	cap = (uint32_t)(r->buf_cap < UINT32_MAX ? r->buf_cap : UINT32_MAX);
	ret = tf_read_payload(r, &r->chunks[i], &r->buf, &cap, &data, true);
	r->buf_cap = cap;
	if (ret >= 0)
		*payload = data;
	return ret;
}

/* ------------------------------------------------------------- the loader */

/*
 * Under check_on_load with two threads or more, a thread of the reader's own
 * reads and checks chunks ahead of the merge, into a few slots, in the order
 * the merge will want them: by the first timestamps their headers give. The
 * merge takes a chunk from its slot when the loader has it, waits when the
 * loader is at it, and loads it itself when the loader has not come to it,
 * so it never waits for a slot that only it could free. The loader only
 * computes verdicts; the merge takes them, in its own order, as it would
 * without the loader: the outcome is the same whatever the number of threads.
 */
#define TF_SLOTS_MAX   64u
#define TF_AHEAD_BYTES (8u << 20) /* payload bytes loaded and not yet taken, at most */

enum tf_slot_state { TF_SLOT_FREE, TF_SLOT_LOADING, TF_SLOT_READY, TF_SLOT_TAKEN };

/* Who loads a chunk. */
enum { TF_BY_NOBODY, TF_BY_LOADER, TF_BY_MERGE };

struct tf_slot {
	uint8_t *buf;
	size_t cap;
	uint64_t *keys;      /* the records' timestamps (struct tf_cursor) */
	uint32_t kcap;
	size_t chunk;        /* chunks[] index */
	int ret;             /* of tf_check_payload() */
	struct tf_verdict v;
	enum tf_slot_state state;
};

struct tf_loader {
	struct tf_reader *r;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t *order;       /* chunks[] indexes in the order to load them */
	size_t next;         /* the loader's place in order[] */
	uint8_t *by;         /* per chunk: TF_BY_* */
	int *slot_of;        /* per chunk: the slot the loader loads it into, -1 none */
	uint64_t ahead;      /* payload bytes in ready slots */
	bool stop;
	/*
	 * Wake-ups cost system calls: a loader that found no room waits until
	 * half the slots are free again, and each side is woken only when the
	 * other waits for it.
	 */
	bool loader_waits, merge_waits;
	unsigned nr_free;
	unsigned nr_slots;
	struct tf_slot slot[];
};

/* Room enough for a loader that waited to go on. */
static bool tf_loader_may_go(const struct tf_loader *ld)
{
	return ld->stop ||
	       (ld->nr_free >= (ld->nr_slots + 1) / 2 && ld->ahead <= TF_AHEAD_BYTES / 2);
}

static void *tf_loader_run(void *arg)
{
	struct tf_loader *ld = arg;
	struct tf_reader *r = ld->r;
	const struct tf_chunk_info *ci;
	const uint8_t *data;
	struct tf_slot *sl;
	unsigned s;
	size_t i;
	int ret;

	pthread_mutex_lock(&ld->lock);
	for (;;) {
		while (ld->next < r->nr_chunks && ld->by[ld->order[ld->next]] != TF_BY_NOBODY)
			ld->next++;
		if (ld->stop || ld->next == r->nr_chunks)
			break;
		i = ld->order[ld->next];
		for (s = 0; s < ld->nr_slots && ld->slot[s].state != TF_SLOT_FREE; s++)
			;
		if (s == ld->nr_slots ||
		    (ld->ahead && ld->ahead + r->chunks[i].hdr.payload_len > TF_AHEAD_BYTES)) {
			ld->loader_waits = true;
			while (!tf_loader_may_go(ld))
				pthread_cond_wait(&ld->cond, &ld->lock);
			ld->loader_waits = false;
			continue;
		}
		ld->next++;
		ld->nr_free--;
		ld->by[i] = TF_BY_LOADER;
		ld->slot_of[i] = (int)s;
		sl = &ld->slot[s];
		sl->state = TF_SLOT_LOADING;
		sl->chunk = i;
		pthread_mutex_unlock(&ld->lock);

		ci = &r->chunks[i];
		ret = tf_check_payload_crc(r, ci->offset, &ci->hdr, &sl->buf, &sl->cap, &data, &sl->v,
					   true, &sl->keys, &sl->kcap);

		pthread_mutex_lock(&ld->lock);
		sl->ret = ret;
		sl->state = TF_SLOT_READY;
		ld->ahead += ci->hdr.payload_len;
		if (ld->merge_waits)
			pthread_cond_broadcast(&ld->cond);
	}
	pthread_mutex_unlock(&ld->lock);
	return NULL;
}

static int tf_cmp_first_ts(const void *a, const void *b, void *arg)
{
	const struct tf_chunk_info *chunks = arg;
	const struct tf_chunk_header *x = &chunks[*(const size_t *)a].hdr;
	const struct tf_chunk_header *y = &chunks[*(const size_t *)b].hdr;

	if (x->first_ts != y->first_ts)
		return x->first_ts < y->first_ts ? -1 : 1;
	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* Start the loader for a merge from the beginning; without it, the merge loads every chunk. */
static void tf_loader_start(struct tf_reader *r)
{
	unsigned nr_slots = r->hdr.nr_cpus + 8;
	struct tf_loader *ld;
	size_t i, n = r->nr_chunks;

	if (!r->check_on_load || r->threads < 2 || r->loader || n < 2)
		return;
	if (nr_slots > TF_SLOTS_MAX)
		nr_slots = TF_SLOTS_MAX;
	ld = calloc(1, sizeof(*ld) + nr_slots * sizeof(ld->slot[0]));
	if (!ld)
		return;
	ld->r = r;
	ld->nr_slots = nr_slots;
	ld->nr_free = nr_slots;
	ld->order = malloc(n * sizeof(*ld->order));
	ld->by = calloc(n, sizeof(*ld->by));
	ld->slot_of = malloc(n * sizeof(*ld->slot_of));
	if (!ld->order || !ld->by || !ld->slot_of)
		goto fail;
	for (i = 0; i < n; i++) {
		ld->order[i] = i;
		ld->slot_of[i] = -1;
	}
	qsort_r(ld->order, n, sizeof(*ld->order), tf_cmp_first_ts, r->chunks);
	pthread_mutex_init(&ld->lock, NULL);
	pthread_cond_init(&ld->cond, NULL);
	if (pthread_create(&ld->thread, NULL, tf_loader_run, ld)) {
		pthread_cond_destroy(&ld->cond);
		pthread_mutex_destroy(&ld->lock);
		goto fail;
	}
	r->loader = ld;
	return;
fail:
	free(ld->order);
	free(ld->by);
	free(ld->slot_of);
	free(ld);
}

/* Stop the loader (none: nothing to do); the cursors give up their slots. */
static void tf_loader_stop(struct tf_reader *r)
{
	struct tf_loader *ld = r->loader;
	unsigned s;
	uint32_t cpu;

	if (!ld)
		return;
	pthread_mutex_lock(&ld->lock);
	ld->stop = true;
	pthread_cond_broadcast(&ld->cond);
	pthread_mutex_unlock(&ld->lock);
	pthread_join(ld->thread, NULL);
	pthread_cond_destroy(&ld->cond);
	pthread_mutex_destroy(&ld->lock);
	for (cpu = 0; cpu < r->hdr.nr_cpus; cpu++) {
		if (r->cur[cpu].slot >= 0) {
			r->cur[cpu].slot = -1;
			r->cur[cpu].len = 0;
			r->cur[cpu].at = 0;
		}
	}
	for (s = 0; s < ld->nr_slots; s++) {
		free(ld->slot[s].buf);
		free(ld->slot[s].keys);
	}
	free(ld->order);
	free(ld->by);
	free(ld->slot_of);
	free(ld);
	r->loader = NULL;
}

/* Give back the slot CPU cpu's cursor read its last chunk from. */
static void tf_slot_release(struct tf_reader *r, struct tf_cursor *c)
{
	struct tf_loader *ld = r->loader;

	if (c->slot < 0)
		return;
	pthread_mutex_lock(&ld->lock);
	ld->slot_of[ld->slot[c->slot].chunk] = -1;
	ld->slot[c->slot].state = TF_SLOT_FREE;
	ld->nr_free++;
	if (ld->loader_waits && tf_loader_may_go(ld))
		pthread_cond_broadcast(&ld->cond);
	pthread_mutex_unlock(&ld->lock);
	c->slot = -1;
}

/*
 * Chunk i's payload for cursor c, checked (*v), its records' timestamps in
 * c->keys: from the loader's slot, or loaded here into the cursor's
 * buffers. 0 or -errno.
 */
static int tf_fetch(struct tf_reader *r, struct tf_cursor *c, size_t i, const uint8_t **data,
		    struct tf_verdict *v)
{
	const struct tf_chunk_info *ci = &r->chunks[i];
	struct tf_loader *ld = r->loader;
	struct tf_slot *sl;
	size_t cap = c->cap;
	int ret;

	if (ld) {
		pthread_mutex_lock(&ld->lock);
		if (ld->by[i] == TF_BY_NOBODY) {
			ld->by[i] = TF_BY_MERGE;
			pthread_mutex_unlock(&ld->lock);
		} else {
			sl = &ld->slot[ld->slot_of[i]];
			ld->merge_waits = true;
			while (sl->state != TF_SLOT_READY)
				pthread_cond_wait(&ld->cond, &ld->lock);
			ld->merge_waits = false;
			sl->state = TF_SLOT_TAKEN;
			ld->ahead -= ci->hdr.payload_len;
			if (ld->loader_waits && tf_loader_may_go(ld))
				pthread_cond_broadcast(&ld->cond);
			pthread_mutex_unlock(&ld->lock);
			c->slot = ld->slot_of[i];
			*data = sl->buf;
			c->keys = sl->keys;
			*v = sl->v;
			return sl->ret;
		}
	}
	ret = tf_check_payload_crc(r, ci->offset, &ci->hdr, &c->payload, &cap, data, v, true,
				   &c->keybuf, &c->kcap);
	c->cap = (uint32_t)(cap < UINT32_MAX ? cap : UINT32_MAX);
	c->keys = c->keybuf;
	return ret;
}

/* ---------------------------------------------------------------- the merge */

/* Make CPU cpu's cursor point at a record; false when that CPU has no more. */
static int tf_cursor_fill(struct tf_reader *r, uint32_t cpu)
{
	struct tf_cursor *c = &r->cur[cpu];
	const struct tf_chunk_info *ci;
	struct tf_verdict v;
	size_t i;
	int ret;

	while (c->at >= c->len) {
		tf_slot_release(r, c);
		if (c->next >= r->cpu_nr[cpu])
			return 0;
		i = r->cpu_chunks[cpu][c->next++];
		ci = &r->chunks[i];
		if (r->check_on_load) {
			ret = tf_fetch(r, c, i, &c->data, &v);
			if (ret < 0)
				return ret;
			if (!tf_take_verdict(r, i, &v))
				continue;
			ret = (int)ci->hdr.payload_len;
		} else {
			ret = tf_read_payload(r, ci, &c->payload, &c->cap, &c->data, false);
			if (ret == -EIO)
				continue; /* listed as a problem; the next chunk may be fine */
			if (ret < 0)
				return ret;
		}
		c->len = (uint32_t)ret;
		c->at = 0;
		c->ki = 0;
		c->nkeys = ci->hdr.nr_records; /* checked: the records the walk counted */
		c->chunk_offset = ci->offset;
		if (r->progress) {
			r->progress_done += sizeof(ci->hdr) + (uint64_t)ret;
			r->progress(r->progress_ctx, r->progress_done, r->file_size);
		}
	}
	return 1;
}

void tf_reader_set_progress(struct tf_reader *r, tf_progress_fn fn, void *ctx)
{
	r->progress = fn;
	r->progress_ctx = ctx;
	r->progress_done = 0;
}

/* tf_head_fill() past the end of a chunk or a record that is not well formed. */
static int tf_head_fill_slow(struct tf_reader *r, uint32_t cpu)
{
	struct tf_cursor *c = &r->cur[cpu];
	const struct trace_hdr *h;
	int ret;

	for (;;) {
		r->head[cpu] = NULL;
		ret = tf_cursor_fill(r, cpu);
		if (ret <= 0)
			return ret;
		h = (const struct trace_hdr *)(c->data + c->at);
		if (r->check_on_load || __builtin_expect(record_problem(h, c->len - c->at) == NULL, 1)) {
			r->head[cpu] = h;
			return 0;
		}
		problem(r, c->chunk_offset, "chunk at offset 0x%" PRIx64 ": changed since the file was opened (malformed record at payload byte %u), the rest of it skipped",
			c->chunk_offset, c->at);
		c->at = c->len;
	}
}

/*
 * Point r->head[cpu] at CPU cpu's next well-formed record, NULL when it has
 * no more. 0 or -errno. Under check_on_load the records of a loaded payload
 * were all checked with it.
 */
static inline int tf_head_fill(struct tf_reader *r, uint32_t cpu)
{
	struct tf_cursor *c = &r->cur[cpu];
	const struct trace_hdr *h;

	if (c->at >= c->len) /* no chunk yet (data NULL), or this one is done */
		return tf_head_fill_slow(r, cpu);
	h = (const struct trace_hdr *)(c->data + c->at);
	if (__builtin_expect(r->check_on_load || tf_record_whole(h, c->len - c->at), 1)) {
		r->head[cpu] = h;
		return 0;
	}
	return tf_head_fill_slow(r, cpu);
}

/*
 * The merge has handed out its last record. Under check_on_load every chunk
 * has been loaded: the damaged ones leave the chunk list.
 */
static int tf_merge_end(struct tf_reader *r)
{
	uint32_t cpu;
	size_t i, j;

	if (r->merge_ended)
		return 0;
	r->merge_ended = true;
	if (!r->check_on_load)
		return 0;
	tf_loader_stop(r);
	for (i = j = 0; i < r->nr_chunks; i++) {
		if (r->state[i] == TF_DAMAGED)
			continue;
		r->chunks[j] = r->chunks[i];
		r->state[j++] = r->state[i];
	}
	if (j == r->nr_chunks)
		return 0;
	r->nr_chunks = j;
	if (tf_index_chunks(r))
		return -ENOMEM;
	for (cpu = 0; cpu < r->hdr.nr_cpus; cpu++)
		r->cur[cpu].next = r->cpu_nr[cpu];
	return 0;
}

/* Make every CPU's head current: at the start, and past the record handed out last. */
static int tf_merge_resume(struct tf_reader *r)
{
	uint32_t cpu;
	int ret;

	if (!r->heads_ready) {
		tf_loader_start(r);
		for (cpu = 0; cpu < r->hdr.nr_cpus; cpu++)
			if ((ret = tf_head_fill(r, cpu)) < 0)
				return ret;
		r->heads_ready = true;
	} else if (r->stale >= 0) {
		cpu = (uint32_t)r->stale;
		r->cur[cpu].at += r->head[cpu]->size;
		r->cur[cpu].ki++;
		r->stale = -1;
		if ((ret = tf_head_fill(r, cpu)) < 0)
			return ret;
	}
	return 0;
}

/*
 * The merge's state while a batch runs, one slot for each CPU that has a
 * record, in CPU order: its head, the end of its chunk and the head's
 * timestamp, in arrays of their own, so that choosing the next record and
 * moving on its CPU costs a few loads and no branch that depends on which
 * CPU came next. Under check_on_load, key and kend: the head's timestamp in
 * its chunk's keys (struct tf_cursor) and their end, which the next choice
 * reads instead of the next record, so that it waits for no load from the
 * records.
 */
struct tf_batch {
	const uint8_t *hd[TF_MAX_CPUS];
	const uint8_t *end[TF_MAX_CPUS];
	const uint64_t *key[TF_MAX_CPUS];
	const uint64_t *kend[TF_MAX_CPUS];
	uint64_t ts[TF_MAX_CPUS];
	uint64_t chunk_offset[TF_MAX_CPUS];
	uint32_t cpu[TF_MAX_CPUS];
	uint32_t k;
};

/*
 * The slot of the earliest head; ties go to the lower slot (the lower CPU).
 * four: b->k is at most 4 and the slots above it hold UINT64_MAX, which no
 * head's timestamp exceeds and which loses the ties: two pairs, then their
 * winners, in two steps instead of three.
 */
static inline __attribute__((always_inline)) uint32_t tf_batch_earliest(const struct tf_batch *b,
									bool four)
{
	uint32_t i, s, s01, s23;
	uint64_t bt, m01, m23;

	if (four) {
		s01 = b->ts[1] < b->ts[0];
		m01 = b->ts[s01];
		s23 = 2 + (b->ts[3] < b->ts[2]);
		m23 = b->ts[s23];
		return m23 < m01 ? s23 : s01;
	}
	for (s = 0, bt = b->ts[0], i = 1; i < b->k; i++) {
		s = b->ts[i] < bt ? i : s;
		bt = b->ts[i] < bt ? b->ts[i] : bt;
	}
	return s;
}

/* Hand out slot s's head into *rec; returns it. */
static inline __attribute__((always_inline)) const struct trace_hdr *
tf_batch_take(const struct tf_batch *b, uint32_t s, struct tf_record *rec)
{
	const struct trace_hdr *h = (const struct trace_hdr *)b->hd[s];

	rec->hdr = h;
	rec->size = h->size;
	rec->cpu = b->cpu[s];
	rec->chunk_offset = b->chunk_offset[s];
	return h;
}

/*
 * Hand out up to max records of the slots in b into rec[]; the slot whose
 * chunk (or run of well-formed records, unless keyed) ends stops the batch
 * and is returned in *last, -1 when none did. keyed: the payloads were
 * checked when loaded, and a slot moves on by its keys, so the next choice
 * waits on the key of the chosen slot's next record (a small array read in
 * order) and not on the record's size and then its timestamp; else each
 * next record is checked here (a reader without check_on_load). four: see
 * tf_batch_earliest().
 */
static inline __attribute__((always_inline)) unsigned
tf_batch_run(struct tf_batch *b, struct tf_record *rec, unsigned max, bool keyed, bool four,
	     int *last)
{
	const struct trace_hdr *h;
	const uint64_t *k;
	const uint8_t *nx;
	uint32_t s;
	unsigned n = 0;

	*last = -1;
	while (n < max) {
		s = tf_batch_earliest(b, four);
		h = tf_batch_take(b, s, &rec[n++]);
		/* the CPU's next record in this chunk; loading the next chunk waits for the next call */
		if (keyed) {
			k = b->key[s] + 1;
			if (k < b->kend[s]) {
				b->key[s] = k;
				b->ts[s] = *k;
				b->hd[s] += h->size;
				continue;
			}
		} else {
			nx = b->hd[s] + h->size;
			if (nx < b->end[s] &&
			    tf_record_whole((const struct trace_hdr *)nx, (uint32_t)(b->end[s] - nx))) {
				b->hd[s] = nx;
				b->ts[s] = ((const struct trace_hdr *)nx)->ts;
				continue;
			}
		}
		*last = (int)s;
		break;
	}
	return n;
}

/* tf_reader_next_batch() from the merge itself. */
static int tf_merge_batch(struct tf_reader *r, struct tf_record *rec, unsigned max)
{
	struct tf_batch b;
	struct tf_cursor *c;
	uint32_t cpu, i;
	unsigned n;
	int ret, last;

	ret = tf_merge_resume(r);
	if (ret < 0)
		return ret;
	/* the CPUs that have a record: within a batch no CPU runs out (a batch ends first) */
	for (b.k = 0, cpu = 0; cpu < r->hdr.nr_cpus; cpu++) {
		if (!r->head[cpu])
			continue;
		c = &r->cur[cpu];
		b.hd[b.k] = (const uint8_t *)r->head[cpu];
		b.end[b.k] = c->data + c->len;
		b.ts[b.k] = r->head[cpu]->ts;
		if (r->check_on_load) {
			b.key[b.k] = c->keys + c->ki;
			b.kend[b.k] = c->keys + c->nkeys;
		}
		b.chunk_offset[b.k] = c->chunk_offset;
		b.cpu[b.k++] = cpu;
	}
	if (!b.k) {
		ret = tf_merge_end(r);
		return ret < 0 ? ret : 0;
	}
	for (i = b.k; i < 4; i++)
		b.ts[i] = UINT64_MAX;
	if (r->check_on_load && b.k <= 4)
		n = tf_batch_run(&b, rec, max, true, true, &last);
	else if (r->check_on_load)
		n = tf_batch_run(&b, rec, max, true, false, &last);
	else
		n = tf_batch_run(&b, rec, max, false, b.k <= 4, &last);
	for (i = 0; i < b.k; i++) {
		cpu = b.cpu[i];
		c = &r->cur[cpu];
		r->head[cpu] = (const struct trace_hdr *)b.hd[i];
		c->at = (uint32_t)(b.hd[i] - c->data);
		if (r->check_on_load)
			c->ki = (uint32_t)(b.key[i] - c->keys);
	}
	if (last >= 0)
		r->stale = (int)b.cpu[last];
	return (int)n;
}

/*
 * One record at a time from batches of TF_NEXT_BATCH: a batch's records
 * stay valid until the next batch, later than the next call.
 */
int tf_reader_next(struct tf_reader *r, struct tf_record *rec)
{
	int got;

	if (!r || !rec)
		return -EINVAL;
	if (r->pend_at == r->pend_n) {
		r->pend_at = r->pend_n = 0;
		got = tf_merge_batch(r, r->pend, TF_NEXT_BATCH);
		if (got <= 0)
			return got;
		r->pend_n = (unsigned)got;
	}
	*rec = r->pend[r->pend_at++];
	return 1;
}

int tf_reader_next_batch(struct tf_reader *r, struct tf_record *rec, unsigned max)
{
	unsigned n;

	if (!r || !rec || !max)
		return -EINVAL;
	/* what tf_reader_next() took ahead comes first */
	if (r->pend_at < r->pend_n) {
		n = r->pend_n - r->pend_at < max ? r->pend_n - r->pend_at : max;
		memcpy(rec, &r->pend[r->pend_at], n * sizeof(*rec));
		r->pend_at += n;
		return (int)n;
	}
	return tf_merge_batch(r, rec, max);
}

bool tf_reader_in_place(const struct tf_reader *r)
{
	return r->map != NULL;
}

void tf_reader_rewind(struct tf_reader *r)
{
	uint32_t cpu;

	tf_loader_stop(r);
	for (cpu = 0; cpu < r->hdr.nr_cpus; cpu++) {
		r->cur[cpu].next = 0;
		r->cur[cpu].len = 0;
		r->cur[cpu].at = 0;
	}
	r->heads_ready = false;
	r->merge_ended = false;
	r->pend_at = r->pend_n = 0;
	r->stale = -1;
	r->progress_done = 0;
}

int tf_reader_load_chunk_records(struct tf_reader *r, size_t i, const void **payload)
{
	const struct trace_hdr *h;
	const uint8_t *data;
	uint32_t cap, at = 0;
	int ret;

	if (!r || i >= r->nr_chunks || !payload)
		return -EINVAL;
	if (r->check_on_load && r->state[i] != TF_INTACT) {
		if (r->state[i] == TF_DAMAGED)
			return -EIO;
		/* its first load is its check, whole: nothing left to walk */
		return load_and_check(r, i, payload);
	}
	cap = (uint32_t)(r->buf_cap < UINT32_MAX ? r->buf_cap : UINT32_MAX);
	ret = tf_read_payload(r, &r->chunks[i], &r->buf, &cap, &data, false);
	r->buf_cap = cap;
	if (ret < 0)
		return ret;
	/* the check of tf_head_fill(), on every record: no CRC a second time */
	while (at < (uint32_t)ret) {
		uint32_t avail = (uint32_t)ret - at;

		h = (const struct trace_hdr *)(data + at);
		if (__builtin_expect(tf_record_whole(h, avail), 1)) {
			at += h->size;
			continue;
		}
		if (record_problem(h, avail)) {
			problem(r, r->chunks[i].offset, "chunk at offset 0x%" PRIx64 ": changed since the file was opened (malformed record at payload byte %u), the rest of it skipped",
				r->chunks[i].offset, at);
			break;
		}
		at += h->size;
	}
	*payload = data;
	return (int)at;
}

int tf_reader_loads_done(struct tf_reader *r)
{
	if (!r)
		return -EINVAL;
	return tf_merge_end(r);
}

uint64_t tf_reader_first_ts(struct tf_reader *r)
{
	const struct tf_chunk_info *ci;
	const void *payload;
	uint64_t first;
	size_t i, best;

	for (;;) {
		first = UINT64_MAX;
		best = r->nr_chunks;
		for (i = 0; i < r->nr_chunks; i++) {
			ci = &r->chunks[i];
			if (r->check_on_load && r->state[i] == TF_DAMAGED)
				continue;
			if (ci->hdr.nr_records && ci->hdr.first_ts < first) {
				first = ci->hdr.first_ts;
				best = i;
			}
		}
		if (best == r->nr_chunks)
			return 0;
		if (!r->check_on_load || r->state[best] != TF_UNCHECKED)
			return first;
		/* check it: a damaged one leaves the race */
		if (tf_reader_load_chunk(r, best, &payload) < 0 && r->state[best] != TF_DAMAGED)
			return first; /* a read error: the header's word for it */
	}
}
