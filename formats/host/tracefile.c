/*
 * Trace files: writer, reader with damage recovery, merge by timestamp.
 * The format is in formats/host/tracefile.h and docs/trace-format.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "formats/host/trace_types.h"
#include "formats/host/tracefile.h"

/* ------------------------------------------------------------------- CRC32 */

/*
 * libdeflate's CRC-32 (the zlib polynomial, carry-less multiply where the CPU
 * has it): the fastest measured, about 2.5x zlib's crc32() on the x86-64
 * build machine (docs/trace-format.md, "Reading speed").
 */
uint32_t tf_crc32(uint32_t crc, const void *buf, size_t len)
{
	return libdeflate_crc32(crc, buf, len);
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
	const uint8_t *data;  /* the chunk's payload: in the mapping, or payload */
	uint8_t *payload;     /* a copy when the file is not mapped */
	uint32_t cap;
	uint32_t len;
	uint32_t at;
	uint64_t chunk_offset;
};

/* What the check of one chunk's payload found: why is NULL for an intact one. */
struct tf_verdict {
	uint64_t off;    /* of the chunk header */
	const char *why;
	uint32_t bad_at; /* payload byte of a malformed record, TF_NO_BYTE otherwise */
};

#define TF_NO_BYTE  UINT32_MAX
#define TF_MAX_THREADS 16u

struct tf_reader {
	int fd;
	uint64_t file_size;
	const uint8_t *map; /* the whole file read-only, NULL when it could not be mapped */
	unsigned threads;   /* for checking chunks at open */

	/* verdicts checked ahead by tf_check_ahead(), in file order */
	struct tf_verdict *ahead;
	size_t nr_ahead, next_ahead;
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
	/*
	 * The merge: each CPU's next record (NULL when it has no more), valid
	 * once heads_ready; `stale` is the CPU whose record the last
	 * tf_reader_next() handed out, moved on at the start of the next call
	 * (moving on may reuse the buffer that record lives in).
	 */
	const struct trace_hdr **head;
	bool heads_ready;
	int stale;

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

/* Check the payload of the chunk at off, whose header ch is sound. 0 or -errno. */
static int tf_check_payload(struct tf_reader *r, uint64_t off, const struct tf_chunk_header *ch,
			    uint8_t **buf, size_t *cap, struct tf_verdict *v)
{
	const uint8_t *payload;
	ssize_t n;

	v->off = off;
	v->why = NULL;
	v->bad_at = TF_NO_BYTE;
	n = tf_bytes(r, off + sizeof(*ch), ch->payload_len, buf, cap, &payload);
	if (n < 0)
		return (int)n;
	if ((size_t)n < ch->payload_len)
		v->why = "payload cut short";
	else if (tf_crc32(0, payload, ch->payload_len) != ch->payload_crc)
		v->why = "CRC mismatch";
	else
		v->why = payload_problem(ch, payload, &v->bad_at);
	return 0;
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
	uint8_t *buf = NULL;
	size_t cap = 0, i;

	for (i = j->first; i < j->n && !j->ret; i += j->stride) {
		memcpy(&ch, j->r->map + j->v[i].off, sizeof(ch));
		j->ret = tf_check_payload(j->r, j->v[i].off, &ch, &buf, &cap, &j->v[i]);
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

	if (!r->map || r->threads < 2)
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
	size_t cap = r->buf_cap;
	int ret;

	while (r->next_ahead < r->nr_ahead && r->ahead[r->next_ahead].off < off)
		r->next_ahead++;
	if (r->next_ahead < r->nr_ahead && r->ahead[r->next_ahead].off == off) {
		*v = r->ahead[r->next_ahead++];
		return 0;
	}
	ret = tf_check_payload(r, off, ch, &r->buf, &cap, v);
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
	ret = tf_verdict_at(r, off, &ch, &v);
	if (ret)
		return ret;
	why = v.why;
	if (why && v.bad_at == TF_NO_BYTE)
		problem(r, "chunk at offset 0x%" PRIx64 ": %s, %u records skipped", off, why,
			ch.nr_records);
	else if (why)
		problem(r, "chunk at offset 0x%" PRIx64 ": %s (payload byte %u), %u records skipped",
			off, why, v.bad_at, ch.nr_records);
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
	r->head = calloc(ncpus, sizeof(*r->head));
	r->stale = -1;
	if (!r->cpu_chunks || !r->cpu_nr || !r->cur || !r->head)
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
	return tf_reader_open_threads(rp, path, 0, err, errlen);
}

int tf_reader_open_threads(struct tf_reader **rp, const char *path, unsigned threads, char *err,
			   size_t errlen)
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
	 * bench trace, on the project's machines: docs/performance.md).
	 */
	if (r->threads > 1 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
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

void tf_reader_close(struct tf_reader *r)
{
	size_t i;

	if (!r)
		return;
	if (r->map)
		munmap((void *)r->map, (size_t)r->file_size);
	if (r->fd >= 0)
		close(r->fd);
	free(r->ahead);
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
	free(r->head);
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
		problem(r, "chunk at offset 0x%" PRIx64 ": changed since the file was opened (%s), %u records skipped",
			ci->offset, why, ci->hdr.nr_records);
		return -EIO;
	}
	return (int)len;
}

int tf_reader_load_chunk(struct tf_reader *r, size_t i, const void **payload)
{
	uint32_t cap;
	const uint8_t *data;
	int ret;

	if (!r || i >= r->nr_chunks || !payload)
		return -EINVAL;
	cap = (uint32_t)(r->buf_cap < UINT32_MAX ? r->buf_cap : UINT32_MAX);
	ret = tf_read_payload(r, &r->chunks[i], &r->buf, &cap, &data, true);
	r->buf_cap = cap;
	if (ret >= 0)
		*payload = data;
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
		ret = tf_read_payload(r, ci, &c->payload, &c->cap, &c->data, false);
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
		if (__builtin_expect(record_problem(h, c->len - c->at) == NULL, 1)) {
			r->head[cpu] = h;
			return 0;
		}
		problem(r, "chunk at offset 0x%" PRIx64 ": changed since the file was opened (malformed record at payload byte %u), the rest of it skipped",
			c->chunk_offset, c->at);
		c->at = c->len;
	}
}

/*
 * Point r->head[cpu] at CPU cpu's next well-formed record, NULL when it has
 * no more. 0 or -errno.
 */
static inline int tf_head_fill(struct tf_reader *r, uint32_t cpu)
{
	struct tf_cursor *c = &r->cur[cpu];
	const struct trace_hdr *h;
	uint32_t avail = c->len - c->at;

	if (c->at >= c->len) /* no chunk yet (data NULL), or this one is done */
		return tf_head_fill_slow(r, cpu);
	h = (const struct trace_hdr *)(c->data + c->at);
	/* the common case of record_problem(): a record of a known type, whole */
	if (__builtin_expect(avail >= sizeof(*h) && h->size <= avail &&
			     h->size <= TRACE_MAX_RECORD && !(h->size & 7) &&
			     h->type != TRACE_PAD && trace_type_index(h->type) >= 0 &&
			     h->size >= trace_types[trace_type_index(h->type)].size, 1)) {
		r->head[cpu] = h;
		return 0;
	}
	return tf_head_fill_slow(r, cpu);
}

int tf_reader_next(struct tf_reader *r, struct tf_record *rec)
{
	const struct trace_hdr *h, *best = NULL;
	uint32_t cpu, best_cpu = 0, ncpus;
	struct tf_cursor *c;
	int ret;

	if (!r || !rec)
		return -EINVAL;
	ncpus = r->hdr.nr_cpus;
	if (!r->heads_ready) {
		for (cpu = 0; cpu < ncpus; cpu++)
			if ((ret = tf_head_fill(r, cpu)) < 0)
				return ret;
		r->heads_ready = true;
	} else if (r->stale >= 0) {
		cpu = (uint32_t)r->stale;
		r->cur[cpu].at += r->head[cpu]->size;
		r->stale = -1;
		if ((ret = tf_head_fill(r, cpu)) < 0)
			return ret;
	}
	/* the earliest head; ties go to the lower CPU */
	for (cpu = 0; cpu < ncpus; cpu++) {
		h = r->head[cpu];
		if (h && (!best || h->ts < best->ts)) {
			best = h;
			best_cpu = cpu;
		}
	}
	if (!best)
		return 0;
	c = &r->cur[best_cpu];
	rec->hdr = best;
	rec->size = best->size;
	rec->cpu = best_cpu;
	rec->chunk_offset = c->chunk_offset;
	r->stale = (int)best_cpu;
	return 1;
}

bool tf_reader_in_place(const struct tf_reader *r)
{
	return r->map != NULL;
}

void tf_reader_rewind(struct tf_reader *r)
{
	uint32_t cpu;

	for (cpu = 0; cpu < r->hdr.nr_cpus; cpu++) {
		r->cur[cpu].next = 0;
		r->cur[cpu].len = 0;
		r->cur[cpu].at = 0;
	}
	r->heads_ready = false;
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
	cap = (uint32_t)(r->buf_cap < UINT32_MAX ? r->buf_cap : UINT32_MAX);
	ret = tf_read_payload(r, &r->chunks[i], &r->buf, &cap, &data, false);
	r->buf_cap = cap;
	if (ret < 0)
		return ret;
	/* the check of tf_head_fill(), on every record: no CRC a second time */
	while (at < (uint32_t)ret) {
		uint32_t avail = (uint32_t)ret - at;
		int t;

		h = (const struct trace_hdr *)(data + at);
		/* the common case of record_problem(): a record of a known type, whole */
		if (__builtin_expect(avail >= sizeof(*h) && h->size <= avail &&
				     h->size <= TRACE_MAX_RECORD && !(h->size & 7) &&
				     (t = trace_type_index(h->type)) >= 0 &&
				     h->size >= trace_types[t].size, 1)) {
			at += h->size;
			continue;
		}
		if (record_problem(h, avail)) {
			problem(r, "chunk at offset 0x%" PRIx64 ": changed since the file was opened (malformed record at payload byte %u), the rest of it skipped",
				r->chunks[i].offset, at);
			break;
		}
		at += h->size;
	}
	*payload = data;
	return (int)at;
}
