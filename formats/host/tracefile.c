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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "formats/host/trace_types.h"
#include "formats/host/tracefile.h"

/* ------------------------------------------------------------------- CRC32 */

/*
 * CRC-32 (IEEE 802.3, reflected polynomial 0xedb88320), slicing by 8: eight
 * tables let each step fold in 8 bytes with 8 lookups instead of 8 dependent
 * steps. crc_table[0] is the classic byte table; crc_table[k][b] is the CRC
 * of byte b followed by k zero bytes.
 */
static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_table_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int k = 1; k < 8; k++)
			crc_table[k][i] = crc_table[0][crc_table[k - 1][i] & 0xff] ^
					  (crc_table[k - 1][i] >> 8);
}

uint32_t tf_crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	pthread_once(&crc_once, crc_table_init);
	crc = ~crc;
	while (len && ((uintptr_t)p & 7)) {
		crc = crc_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
		len--;
	}
	while (len >= 8) {
		uint32_t lo, hi;

		/* Little-endian words, as the file is (the tool runs on little-endian hosts). */
		memcpy(&lo, p, 4);
		memcpy(&hi, p + 4, 4);
		lo ^= crc;
		crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
		      crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
		      crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
		      crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = crc_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
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

struct tf_writer {
	FILE *f;
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
	uint8_t *payload;
	uint32_t cap;
	uint32_t len;
	uint32_t at;
	uint64_t chunk_offset;
};

struct tf_reader {
	int fd;
	uint64_t file_size;
	struct tf_file_header hdr;
	struct tf_reader_stats st;

	struct tf_chunk_info *chunks;
	size_t nr_chunks, cap_chunks;

	char **problems;
	size_t nr_problems, cap_problems;
	bool problems_capped;

	size_t **cpu_chunks; /* per CPU: indices into chunks[] */
	size_t *cpu_nr;
	struct tf_cursor *cur;

	uint8_t *buf; /* scan and tf_reader_load_chunk() */
	size_t buf_cap;

	tf_progress_fn progress; /* tf_reader_set_progress() */
	void *progress_ctx;
	uint64_t progress_done;
};

static void problem(struct tf_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(struct tf_reader *r, const char *fmt, ...)
{
	char line[TF_MSG_LEN];
	va_list ap;
	char **grown;

	if (r->nr_problems >= TF_MAX_PROBLEMS) {
		r->problems_capped = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (r->nr_problems == r->cap_problems) {
		size_t cap = r->cap_problems ? 2 * r->cap_problems : 16;

		grown = realloc(r->problems, cap * sizeof(*grown));
		if (!grown)
			return;
		r->problems = grown;
		r->cap_problems = cap;
	}
	r->problems[r->nr_problems] = strdup(line);
	if (r->problems[r->nr_problems])
		r->nr_problems++;
}

/* Read up to len bytes at off; returns bytes read (short at the end) or -errno. */
static ssize_t tf_pread(struct tf_reader *r, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;
	ssize_t n;

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

/* Walk a payload; NULL when its records are well formed and agree with the header. */
static const char *payload_problem(const struct tf_chunk_header *ch, const uint8_t *payload,
				   uint32_t *bad_at)
{
	const struct trace_hdr *h = NULL;
	uint32_t at = 0, nr = 0;
	const char *why;

	while (at < ch->payload_len) {
		why = record_problem(payload + at, ch->payload_len - at);
		if (why) {
			*bad_at = at;
			return why;
		}
		h = (const struct trace_hdr *)(payload + at);
		if (!nr && h->seq != ch->first_seq) {
			*bad_at = at;
			return "first sequence number disagrees with the chunk header";
		}
		at += h->size;
		nr++;
	}
	*bad_at = at;
	if (nr != ch->nr_records)
		return "record count disagrees with the chunk header";
	if (h && h->seq != ch->last_seq)
		return "last sequence number disagrees with the chunk header";
	return NULL;
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

enum scan_result {
	SCAN_OK,       /* an intact chunk: *next is past it */
	SCAN_SKIPPED,  /* a chunk with a sound header and a bad payload: *next is past it */
	SCAN_NOT_HERE, /* no trustworthy chunk header here: resynchronise */
};

/* Look at the chunk header at off. Errors other than damage are returned negative. */
static int tf_scan_chunk(struct tf_reader *r, uint64_t off, uint64_t *next)
{
	struct tf_chunk_header ch;
	const char *why;
	uint32_t bad_at;
	ssize_t n;
	int ret;

	n = tf_pread(r, &ch, sizeof(ch), off);
	if (n < 0)
		return (int)n;
	if ((size_t)n < sizeof(ch)) {
		problem(r, "chunk at offset 0x%" PRIx64 ": header cut short by the end of the file",
			off);
		return SCAN_NOT_HERE;
	}
	if (ch.header_crc != crc_with_hole(&ch, sizeof(ch),
					   offsetof(struct tf_chunk_header, header_crc))) {
		problem(r, "chunk at offset 0x%" PRIx64 ": header CRC mismatch, looking for the next chunk",
			off);
		return SCAN_NOT_HERE;
	}
	if (ch.header_size != sizeof(ch) || ch.cpu >= r->hdr.nr_cpus || (ch.payload_len & 7) ||
	    ch.payload_len > TF_CHUNK_MAX) {
		problem(r, "chunk at offset 0x%" PRIx64 ": impossible header (CPU %u, %u payload bytes), looking for the next chunk",
			off, ch.cpu, ch.payload_len);
		return SCAN_NOT_HERE;
	}

	*next = off + sizeof(ch) + ch.payload_len;
	if (*next > r->file_size) {
		problem(r, "chunk at offset 0x%" PRIx64 ": truncated at 0x%" PRIx64 " (%" PRIu64 " of %u payload bytes present), %u records skipped",
			off, r->file_size, r->file_size - off - sizeof(ch), ch.payload_len,
			ch.nr_records);
		r->st.bad_chunks++;
		r->st.records_skipped += ch.nr_records;
		r->st.bytes_skipped += r->file_size - off;
		*next = r->file_size;
		return SCAN_SKIPPED;
	}
	ret = tf_buf_reserve(r, ch.payload_len);
	if (ret)
		return ret;
	n = tf_pread(r, r->buf, ch.payload_len, off + sizeof(ch));
	if (n < 0)
		return (int)n;
	why = NULL;
	if ((size_t)n < ch.payload_len)
		why = "payload cut short";
	else if (tf_crc32(0, r->buf, ch.payload_len) != ch.payload_crc)
		why = "CRC mismatch";
	if (why) {
		problem(r, "chunk at offset 0x%" PRIx64 ": %s, %u records skipped", off, why,
			ch.nr_records);
	} else {
		why = payload_problem(&ch, r->buf, &bad_at);
		if (why)
			problem(r, "chunk at offset 0x%" PRIx64 ": %s (payload byte %u), %u records skipped",
				off, why, bad_at, ch.nr_records);
	}
	if (why) {
		r->st.bad_chunks++;
		r->st.records_skipped += ch.nr_records;
		r->st.bytes_skipped += *next - off;
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

	n = tf_pread(r, &t, sizeof(t), off);
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
		problem(r, "end marker at offset 0x%" PRIx64 ": %s", off, why);
		return false;
	}
	*next = off + size;
	return true;
}

static void tf_garbage_done(struct tf_reader *r, uint64_t *start, uint64_t end)
{
	if (*start == UINT64_MAX)
		return;
	problem(r, "offset 0x%" PRIx64 ": %" PRIu64 " bytes that belong to no intact chunk skipped",
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
		n = tf_pread(r, &magic, sizeof(magic), off);
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
				problem(r, "offset 0x%" PRIx64 ": %" PRIu64 " bytes after the end marker ignored",
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
	problem(r, "offset 0x%" PRIx64 ": no end marker: the file is truncated or was not closed",
		r->file_size);
	return 0;
}

int tf_reader_summary(const struct tf_reader *r, char *buf, size_t len)
{
	const struct tf_chunk_info *last;
	uint64_t end = r->hdr.header_size;

	if (len)
		buf[0] = '\0';
	if (r->nr_chunks) {
		last = &r->chunks[r->nr_chunks - 1];
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

/* Per-CPU chunk lists for the merge. */
static int tf_index_cpus(struct tf_reader *r)
{
	uint32_t ncpus = r->hdr.nr_cpus, cpu;
	size_t i;

	r->cpu_chunks = calloc(ncpus, sizeof(*r->cpu_chunks));
	r->cpu_nr = calloc(ncpus, sizeof(*r->cpu_nr));
	r->cur = calloc(ncpus, sizeof(*r->cur));
	if (!r->cpu_chunks || !r->cpu_nr || !r->cur)
		return -ENOMEM;
	for (i = 0; i < r->nr_chunks; i++)
		r->cpu_nr[r->chunks[i].hdr.cpu]++;
	for (cpu = 0; cpu < ncpus; cpu++) {
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

int tf_reader_open(struct tf_reader **rp, const char *path, char *err, size_t errlen)
{
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
	ret = tf_check_header(r, path, err, errlen);
	if (ret)
		goto fail;
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

void tf_reader_close(struct tf_reader *r)
{
	size_t i;

	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	for (i = 0; i < r->nr_problems; i++)
		free(r->problems[i]);
	free(r->problems);
	if (r->cpu_chunks)
		for (i = 0; i < r->hdr.nr_cpus; i++)
			free(r->cpu_chunks[i]);
	if (r->cur)
		for (i = 0; i < r->hdr.nr_cpus; i++)
			free(r->cur[i].payload);
	free(r->cpu_chunks);
	free(r->cpu_nr);
	free(r->cur);
	free(r->chunks);
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
	return i < r->nr_problems ? r->problems[i] : NULL;
}

size_t tf_reader_nr_chunks(const struct tf_reader *r)
{
	return r->nr_chunks;
}

const struct tf_chunk_info *tf_reader_chunk(const struct tf_reader *r, size_t i)
{
	return i < r->nr_chunks ? &r->chunks[i] : NULL;
}

/* Read chunk ci's payload into *buf (grown as needed) and check it again. */
static int tf_read_payload(struct tf_reader *r, const struct tf_chunk_info *ci, uint8_t **buf,
			   uint32_t *cap)
{
	uint32_t len = ci->hdr.payload_len;
	uint8_t *grown;
	ssize_t n;

	if (len > *cap) {
		grown = realloc(*buf, len);
		if (!grown)
			return -ENOMEM;
		*buf = grown;
		*cap = len;
	}
	n = tf_pread(r, *buf, len, ci->offset + sizeof(ci->hdr));
	if (n < 0)
		return (int)n;
	if ((size_t)n < len || tf_crc32(0, *buf, len) != ci->hdr.payload_crc) {
		problem(r, "chunk at offset 0x%" PRIx64 ": changed since the file was opened (CRC mismatch), %u records skipped",
			ci->offset, ci->hdr.nr_records);
		return -EIO;
	}
	return (int)len;
}

int tf_reader_load_chunk(struct tf_reader *r, size_t i, const void **payload)
{
	uint32_t cap = (uint32_t)(r->buf_cap < UINT32_MAX ? r->buf_cap : UINT32_MAX);
	int ret;

	if (!r || i >= r->nr_chunks || !payload)
		return -EINVAL;
	ret = tf_read_payload(r, &r->chunks[i], &r->buf, &cap);
	r->buf_cap = cap;
	if (ret >= 0)
		*payload = r->buf;
	return ret;
}

/* Make CPU cpu's cursor point at a record; false when that CPU has no more. */
static int tf_cursor_fill(struct tf_reader *r, uint32_t cpu)
{
	struct tf_cursor *c = &r->cur[cpu];
	const struct tf_chunk_info *ci;
	int ret;

	while (c->at >= c->len) {
		if (c->next >= r->cpu_nr[cpu])
			return 0;
		ci = &r->chunks[r->cpu_chunks[cpu][c->next++]];
		ret = tf_read_payload(r, ci, &c->payload, &c->cap);
		if (ret == -EIO)
			continue; /* listed as a problem; the next chunk may be fine */
		if (ret < 0)
			return ret;
		c->len = (uint32_t)ret;
		c->at = 0;
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

int tf_reader_next(struct tf_reader *r, struct tf_record *rec)
{
	const struct trace_hdr *h, *best = NULL;
	uint32_t cpu, best_cpu = 0;
	int ret;

	if (!r || !rec)
		return -EINVAL;
	for (cpu = 0; cpu < r->hdr.nr_cpus; cpu++) {
		ret = tf_cursor_fill(r, cpu);
		if (ret < 0)
			return ret;
		if (!ret)
			continue;
		h = (const struct trace_hdr *)(r->cur[cpu].payload + r->cur[cpu].at);
		if (!best || h->ts < best->ts) {
			best = h;
			best_cpu = cpu;
		}
	}
	if (!best)
		return 0;
	rec->hdr = best;
	rec->size = best->size;
	rec->cpu = best_cpu;
	rec->chunk_offset = r->cur[best_cpu].chunk_offset;
	r->cur[best_cpu].at += best->size;
	return 1;
}

void tf_reader_rewind(struct tf_reader *r)
{
	uint32_t cpu;

	for (cpu = 0; cpu < r->hdr.nr_cpus; cpu++) {
		r->cur[cpu].next = 0;
		r->cur[cpu].len = 0;
		r->cur[cpu].at = 0;
	}
	r->progress_done = 0;
}
