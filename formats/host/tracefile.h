/*
 * Trace files: what `hypscope record` writes and every other command reads.
 *
 *   offset 0   struct tf_file_header   magic, versions, CPU count, counter
 *                                      frequency, creation time, description
 *              chunk                   struct tf_chunk_header + payload: the
 *              chunk                   records of one CPU, in sequence order,
 *              ...                     exactly as the ring delivered them
 *              struct tf_trailer       end marker and totals
 *
 * Little-endian, every structure 8-byte aligned and a multiple of 8 bytes, so
 * a chunk always starts at an offset that is a multiple of 8. Each header
 * carries a CRC32 of itself and each chunk a CRC32 of its payload: a reader
 * that meets damage names the offset, skips that chunk and looks for the next
 * chunk magic, so a truncated or partly corrupted file still yields every
 * intact chunk. docs/trace-format.md describes the format and its versioning.
 *
 * Host only. Functions return 0 (or a count) on success and -errno on
 * failure, with a one-line message saying what and where; nothing aborts.
 */
#ifndef FORMATS_TRACEFILE_H
#define FORMATS_TRACEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/host/trace_types.h"
#include "formats/trace.h"

#define TF_MAGIC       0x3143525453505948ull /* "HYPSTRC1": file header */
#define TF_CHUNK_MAGIC 0x314b484353505948ull /* "HYPSCHK1": chunk header */
#define TF_END_MAGIC   0x31444e4553505948ull /* "HYPSEND1": trailer */
#define TF_VERSION     1u

#define TF_MAX_CPUS       256u
#define TF_DESC_LEN       256u
#define TF_CHUNK_TARGET   (64u * 1024)        /* the writer closes a chunk at this payload size */
#define TF_CHUNK_MAX      (16u * 1024 * 1024) /* a reader refuses larger payloads */
#define TF_MSG_LEN        256u

struct tf_file_header {
	uint64_t magic;          /* TF_MAGIC */
	uint32_t version;        /* TF_VERSION */
	uint32_t header_size;    /* sizeof(struct tf_file_header) */
	uint32_t record_version; /* TRACE_RECORD_VERSION of the records inside */
	uint32_t nr_cpus;        /* physical CPUs: chunk cpu fields are below this */
	uint64_t cntfrq;         /* CNTFRQ_EL0: counter ticks per second */
	uint64_t created_ns;     /* CLOCK_REALTIME at creation, ns since the epoch */
	uint64_t created_cntpct; /* counter value at creation, 0 when unknown */
	uint32_t flags;          /* zero */
	uint32_t header_crc;     /* CRC32 of this header with header_crc zero */
	char     description[TF_DESC_LEN]; /* free text (QEMU, CPU model...), NUL padded */
	uint64_t reserved;
};

struct tf_chunk_header {
	uint64_t magic;       /* TF_CHUNK_MAGIC */
	uint32_t header_size; /* sizeof(struct tf_chunk_header) */
	uint32_t cpu;
	uint32_t nr_records;
	uint32_t payload_len; /* bytes of records after this header, a multiple of 8 */
	uint64_t first_seq;   /* trace_hdr.seq of the first record (0 when none) */
	uint64_t last_seq;    /* and of the last */
	uint64_t first_ts;    /* trace_hdr.ts of the first record */
	uint64_t last_ts;     /* and of the last */
	uint64_t lost;        /* records the recorder knew were lost while this chunk filled */
	uint32_t payload_crc; /* CRC32 of the payload */
	uint32_t header_crc;  /* CRC32 of this header with header_crc zero */
};

struct tf_cpu_totals {
	uint64_t records;
	uint64_t lost;
};

struct tf_trailer {
	uint64_t magic;      /* TF_END_MAGIC */
	uint32_t size;       /* bytes, cpus[] included */
	uint32_t nr_cpus;
	uint64_t nr_chunks;
	uint64_t nr_records;
	uint64_t lost;
	uint32_t reserved;
	uint32_t crc;        /* CRC32 of the trailer, cpus[] included, with crc zero */
	struct tf_cpu_totals cpus[]; /* nr_cpus entries */
};

_Static_assert(sizeof(struct tf_file_header) == 320, "tf_file_header layout");
_Static_assert(sizeof(struct tf_chunk_header) == 72, "tf_chunk_header layout");
_Static_assert(sizeof(struct tf_trailer) == 48, "tf_trailer layout");
_Static_assert(sizeof(struct tf_cpu_totals) == 16, "tf_cpu_totals layout");

/* CRC-32 (IEEE 802.3, reflected, as zlib): start with crc = 0. */
uint32_t tf_crc32(uint32_t crc, const void *buf, size_t len);

/* ------------------------------------------------------------------ writer */

struct tf_info {
	uint32_t    nr_cpus;        /* 1..TF_MAX_CPUS */
	uint64_t    cntfrq;
	uint64_t    created_ns;     /* 0: now */
	uint64_t    created_cntpct;
	const char *description;    /* NULL: empty; longer than TF_DESC_LEN - 1: cut */
};

struct tf_totals {
	uint64_t chunks;
	uint64_t records;
	uint64_t lost;
	uint64_t bytes; /* file size */
};

struct tf_writer;

/* Create (truncate) path and write the file header. */
int tf_writer_open(struct tf_writer **wp, const char *path, const struct tf_info *info,
		   char *err, size_t errlen);

/*
 * Append one record of CPU cpu (a whole struct trace_hdr-led record, size
 * equal to its hdr.size). Records of a CPU must come in sequence order; a
 * chunk is written out whenever a CPU's pending payload reaches
 * TF_CHUNK_TARGET.
 */
int tf_writer_append(struct tf_writer *w, unsigned cpu, const void *rec, size_t size);

/* Records of CPU cpu the recorder knows were lost; charged to the open chunk. */
int tf_writer_add_lost(struct tf_writer *w, unsigned cpu, uint64_t lost);

/* Write every CPU's pending chunk and flush the stream. */
int tf_writer_flush(struct tf_writer *w);

/*
 * Flush, write the trailer, close and free (w may be NULL). totals may be
 * NULL. Returns the first error the writer met, if any.
 */
int tf_writer_close(struct tf_writer *w, struct tf_totals *totals);

/* The message of the last error, "" when none. */
const char *tf_writer_error(const struct tf_writer *w);

/* ------------------------------------------------------------------ reader */

struct tf_chunk_info {
	uint64_t offset;             /* of the chunk header in the file */
	struct tf_chunk_header hdr;
};

struct tf_record {
	const struct trace_hdr *hdr; /* valid until the next tf_reader_next() */
	uint32_t size;
	uint32_t cpu;
	uint64_t chunk_offset;       /* file offset of the chunk holding it */
};

struct tf_reader_stats {
	uint64_t chunks;          /* intact chunks */
	uint64_t bad_chunks;      /* chunks skipped: CRC mismatch, truncated, malformed */
	uint64_t records;         /* records in intact chunks */
	uint64_t records_skipped; /* records in bad chunks, as their headers claimed */
	uint64_t bytes_skipped;   /* file bytes that belonged to no intact chunk */
	uint64_t lost;            /* sum of the intact chunks' lost fields */
	int      trailer_ok;      /* the end marker was found and checked */
};

struct tf_reader;

/*
 * Open and validate path, then index its chunks. A bad file header is an
 * error (-EINVAL, -EPROTO for unknown versions) with the reason in err.
 * Damage after the header is not: it is listed as problems, each naming its
 * byte offset, and every intact chunk stays readable.
 */
int tf_reader_open(struct tf_reader **rp, const char *path, char *err, size_t errlen);

/*
 * tf_reader_open() checking the chunks' payloads on threads threads (0: one
 * per online CPU, the default of tf_reader_open(); 1: this thread only). The
 * reader is the same whatever the number: same chunks, problems, stats,
 * records in the same order. With more than one thread the file is mapped
 * and read in place (tf_reader_in_place()); with one it is read through a
 * buffer, which costs less CPU time where the first touch of a mapped page
 * is dear (docs/performance.md).
 */
int tf_reader_open_threads(struct tf_reader **rp, const char *path, unsigned threads, char *err,
			   size_t errlen);

/* tf_reader_open_flags() flags */
#define TF_OPEN_CHECK_ON_LOAD 0x1u /* check each chunk's payload when it is loaded */

/*
 * tf_reader_open_threads() with flags. TF_OPEN_CHECK_ON_LOAD reads the file
 * once: open reads only the chunk headers, and each chunk's payload is
 * checked (CRC, records well formed, record count and sequence numbers as
 * its header says) when it is first loaded, by tf_reader_next() or
 * tf_reader_load_chunk(), into a buffer of the reader's own. A payload found
 * damaged then is skipped, listed as a problem in its place in file order
 * and counted in the stats; until a chunk is loaded it counts as intact.
 * Once the merge has ended (tf_reader_next() or tf_reader_next_batch()
 * returned 0), the damaged chunks are dropped from the chunk list, and
 * chunks, problems, stats and summary are what the check at open would have
 * found. With more than one thread, one thread of the reader's own reads and
 * checks chunks ahead of the merge.
 */
int tf_reader_open_flags(struct tf_reader **rp, const char *path, unsigned threads,
			 unsigned flags, char *err, size_t errlen);
void tf_reader_close(struct tf_reader *r); /* NULL ok */

const struct tf_file_header *tf_reader_header(const struct tf_reader *r);
void tf_reader_stats(const struct tf_reader *r, struct tf_reader_stats *st);

/* Problems met so far, oldest first: "chunk at offset 0x1f400: CRC mismatch, ..." */
size_t tf_reader_nr_problems(const struct tf_reader *r);
const char *tf_reader_problem(const struct tf_reader *r, size_t i);

/*
 * One line on how much of the file could not be read, "" (returning 0) when
 * it is intact. A file cut short (a recorder killed, a full disk) reads up to
 * its last complete chunk; the line says where that ends and what is lost
 * after it. Returns the length written, like snprintf.
 */
int tf_reader_summary(const struct tf_reader *r, char *buf, size_t len);

/* Intact chunks in file order. */
size_t tf_reader_nr_chunks(const struct tf_reader *r);
const struct tf_chunk_info *tf_reader_chunk(const struct tf_reader *r, size_t i);

/*
 * Load chunk i's payload (CRC checked again; under TF_OPEN_CHECK_ON_LOAD,
 * checked whole, the first time its check) into *payload, owned by the
 * reader and valid until the next call. Returns its length or -errno (-EIO
 * for a chunk that failed, listed as a problem).
 */
int tf_reader_load_chunk(struct tf_reader *r, size_t i, const void **payload);

/*
 * The next record of all CPUs merged in timestamp order (ties: lower CPU
 * first; within a CPU, file order). 1 with *rec filled, 0 at the end, -errno
 * on a read error. A chunk that fails its CRC now is skipped and listed as a
 * problem. It takes records from the merge in batches
 * (tf_reader_next_batch()), which a call of tf_reader_next_batch() hands
 * out first.
 */
int tf_reader_next(struct tf_reader *r, struct tf_record *rec);

/*
 * Up to max records of the merge into rec[], those that many calls of
 * tf_reader_next() would hand out, all valid until the next call of either
 * (a batch ends where a CPU's next record needs its chunk loaded). Returns
 * how many, 0 at the end, or -errno (-EINVAL for max 0).
 */
int tf_reader_next_batch(struct tf_reader *r, struct tf_record *rec, unsigned max);

/*
 * True when the records tf_reader_next() hands out stay valid until
 * tf_reader_close() (the file is mapped), not only until the next call.
 */
bool tf_reader_in_place(const struct tf_reader *r);

/* Start tf_reader_next() over from the first record. */
void tf_reader_rewind(struct tf_reader *r);

/*
 * Called by tf_reader_next() each time it loads a chunk: bytes of chunks
 * read so far (since the last rewind) of the file's total. NULL: none.
 */
typedef void (*tf_progress_fn)(void *ctx, uint64_t done, uint64_t total);
void tf_reader_set_progress(struct tf_reader *r, tf_progress_fn fn, void *ctx);

/*
 * tf_reader_load_chunk() without the second CRC, for a reader that takes
 * the records one by one: they are checked as tf_reader_next() checks them
 * (sizes, types), and only those before the first that is not well formed
 * are handed out; that one and the rest of the chunk are listed as a
 * problem. A chunk changed since the open but still well formed is read as
 * it is now, as tf_reader_next() reads it. Returns the length of the
 * records handed out, or -errno (-EIO: the chunk is cut short now).
 */
int tf_reader_load_chunk_records(struct tf_reader *r, size_t i, const void **payload);
/*
 * Under TF_OPEN_CHECK_ON_LOAD, the first tf_reader_load_chunk_records() of a
 * chunk is its check, whole (CRC, records, counts, sequence numbers), as
 * tf_reader_load_chunk() makes it: a damaged chunk returns -EIO, listed and
 * counted where the check at open would have; its records are not walked
 * again. A chunk checked before is read and walked as above.
 */

/*
 * A first load that leaves the walk of the records to the caller, who walks
 * them anyway (hypscope export's CTF encoder): under TF_OPEN_CHECK_ON_LOAD,
 * a chunk not loaded before has its payload read and its CRC checked (-EIO
 * when that fails, listed and counted as tf_reader_load_chunk_records()
 * would), and *walked is false. The caller then checks every record with
 * tf_record_whole() or tf_record_fits() as it goes, and the first one's
 * sequence number; from the first record that is not that common case to the
 * end it calls tf_payload_walk(), which also checks the record count and the
 * last sequence number; and it says what it found with
 * tf_reader_chunk_walked() before it loads another chunk. Otherwise this is
 * tf_reader_load_chunk_records(), with *walked true.
 */
int tf_reader_load_chunk_unwalked(struct tf_reader *r, size_t i, const void **payload,
				  bool *walked);

/*
 * The verdict on chunk i, loaded by tf_reader_load_chunk_unwalked() with
 * *walked false: why (NULL: intact) and bad_at, as tf_payload_walk() gave
 * them. 0 for an intact chunk; -EIO for a damaged one, listed and counted
 * where the check at open would have; -EINVAL for a chunk not waiting for
 * its verdict.
 */
int tf_reader_chunk_walked(struct tf_reader *r, size_t i, const char *why, uint32_t bad_at);

/*
 * The check of a chunk's records (ch: its header), from payload byte at on,
 * nr records and the last of them, prev (NULL when none), before it having
 * passed it: NULL when they are well formed and agree with the header
 * (record count, first and last sequence numbers); else what is wrong, and
 * *bad_at the payload byte where it was found.
 */
const char *tf_payload_walk(const struct tf_chunk_header *ch, const void *payload, uint32_t at,
			    uint32_t nr, const struct trace_hdr *prev, uint32_t *bad_at);

/*
 * tf_record_fits() of a record's size read from its header already: its
 * tests without branches.
 */
static inline bool tf_size_fits(uint32_t size, uint32_t avail, uint32_t min)
{
	return (size >= min) & (size <= avail) & (size <= TRACE_MAX_RECORD) & !(size & 7);
}

/*
 * The sizes of a well-formed record, whose type needs at least min bytes,
 * avail of them there: a known type (TRACE_PAD is none) is at least a header
 * long (tests/unit/test_trace_types.c), so a size from min up to avail says
 * the header is whole too. A caller that has the type's min at hand checks a
 * record with this alone, its first 8 bytes (type, size) there to read.
 */
static inline bool tf_record_fits(const struct trace_hdr *h, uint32_t avail, uint32_t min)
{
	return tf_size_fits(h->size, avail, min);
}

/* The common case of a well-formed record: of a known type, whole in the avail bytes. */
static inline bool tf_record_whole(const struct trace_hdr *h, uint32_t avail)
{
	uint32_t min;

	if (avail < sizeof(*h))
		return false;
	min = trace_min_size(h->type); /* 0: unknown */
	return min && tf_record_fits(h, avail, min);
}

/*
 * A reader that loads chunks itself (tf_reader_load_chunk*()) has loaded
 * every chunk it wants: as at the end of the merge, under
 * TF_OPEN_CHECK_ON_LOAD the chunks found damaged leave the chunk list. 0 or
 * -ENOMEM.
 */
int tf_reader_loads_done(struct tf_reader *r);

/*
 * The lowest first_ts of the intact chunks that hold records, 0 when none.
 * Under TF_OPEN_CHECK_ON_LOAD the chunks it needs to know that (the lowest,
 * then the next if that one is damaged...) are checked now, as their first
 * load; chunks not loaded yet otherwise stay unchecked.
 */
uint64_t tf_reader_first_ts(struct tf_reader *r);

#endif
