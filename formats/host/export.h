/*
 * Exporting trace files to formats other tools read:
 *
 *   CTF 1.8      a directory babeltrace2 and Trace Compass open: `metadata`
 *                (TSDL text) and one binary stream file per physical CPU
 *   Chrome JSON  the trace-event format the Perfetto UI and chrome://tracing
 *                open: exits as slices per vCPU, scheduling per physical CPU
 *   CSV          one row per record, RFC 4180, for spreadsheets and pandas
 *
 * Every exporter reads a struct tf_reader that is already open, keeps the
 * records the options select and never allocates per record. Damage in the
 * input is the reader's business: it skips what is broken and lists it as
 * problems, the exporters export whatever is intact.
 *
 * Host only. Functions return 0 on success or -errno with one line in err
 * saying what went wrong and where.
 */
#ifndef FORMATS_EXPORT_H
#define FORMATS_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/host/tracefile.h"

#define EXPORT_ALL_VMS  0xffffffffu
#define EXPORT_MSG_LEN  512u
#define EXPORT_CYCLE_HZ 1000000000ull /* default PMCCNTR_EL0 rate: QEMU counts 1 GHz */

struct export_opts {
	uint32_t    vm;       /* keep only this VM slot, or EXPORT_ALL_VMS */
	uint64_t    since;    /* keep records with hdr.ts >= since (counter ticks) */
	uint64_t    until;    /* and hdr.ts <= until; UINT64_MAX: no limit */
	uint64_t    cycle_hz; /* PMCCNTR_EL0 rate to turn exit costs into time; 0: EXPORT_CYCLE_HZ */
	const char *source;   /* the trace file's name, recorded in the output; may be NULL */
};

/* Options that keep everything. */
void export_opts_init(struct export_opts *o);

struct export_stats {
	uint64_t records;  /* records read from the intact chunks */
	uint64_t exported; /* records written out (the filter kept them) */
	uint64_t unknown;  /* exported records of a type this version does not decode */
	uint64_t clamped;  /* CTF: timestamps raised to keep a CPU's stream monotonic */
	uint64_t lost;     /* records the trace says were lost before they were stored */
	uint64_t bytes;    /* bytes written */
};

/*
 * CTF 1.8 into the directory dir, which must not exist or be empty; it is
 * created when missing (its parent must exist).
 */
int export_ctf(struct tf_reader *r, const char *dir, const struct export_opts *o,
	       struct export_stats *st, char *err, size_t errlen);

/* Chrome trace-event JSON into path ("-": standard output). */
int export_chrome(struct tf_reader *r, const char *path, const struct export_opts *o,
		  struct export_stats *st, char *err, size_t errlen);

/* CSV into path ("-": standard output). */
int export_csv(struct tf_reader *r, const char *path, const struct export_opts *o,
	       struct export_stats *st, char *err, size_t errlen);

/*
 * Reading an exported CSV back: each data row is rebuilt into the record it
 * came from (header and payload, reserved fields zero). What the CSV holds
 * is lossless, so a round trip gives back the original bytes.
 */
struct export_csv_reader;

int export_csv_reader_open(struct export_csv_reader **cp, const char *path, char *err,
			   size_t errlen);
/*
 * The next row as a record in rec (cap bytes, TRACE_MAX_RECORD is always
 * enough). 1 with the record there, 0 at the end, -errno on a malformed
 * row, with the line number in export_csv_reader_error().
 */
int export_csv_reader_next(struct export_csv_reader *c, void *rec, size_t cap);
const char *export_csv_reader_error(const struct export_csv_reader *c);
void export_csv_reader_close(struct export_csv_reader *c); /* NULL ok */

/* ------------------------------------------------ shared by the exporters */

/* The type a name stands for (trace_type_name() or "type_0x0100"); -1 when none. */
int export_type_from_name(const char *name);

/* Whether the options keep a record. */
static inline bool export_keep(const struct export_opts *o, const struct trace_hdr *h)
{
	if (o->vm != EXPORT_ALL_VMS && h->vm != o->vm)
		return false;
	return h->ts >= o->since && h->ts <= o->until;
}

/* The earliest timestamp of the intact chunks (0 when there are no records). */
uint64_t export_first_ts(const struct tf_reader *r);

/* Counter ticks to nanoseconds at freq Hz, exact to the nanosecond below. */
static inline uint64_t export_ticks_to_ns(uint64_t ticks, uint64_t freq)
{
	if (!freq || freq == 1000000000u)
		return ticks;
	/* whole seconds and the rest apart: 64-bit divisions, the same result */
	if (freq <= UINT64_MAX / 1000000000u)
		return ticks / freq * 1000000000u + ticks % freq * 1000000000u / freq;
	return (uint64_t)((unsigned __int128)ticks * 1000000000u / freq);
}

/*
 * export_ticks_to_ns() at one frequency, set up once: where 10^9 is a
 * multiple of freq (QEMU's 62.5 MHz and 1 GHz) a multiplication, the same
 * result to the bit (both wrap alike past 2^64 ns).
 */
struct export_clock {
	uint64_t freq;
	uint64_t mul; /* 10^9 / freq, 0 when that is not a whole number */
};

static inline void export_clock_init(struct export_clock *c, uint64_t freq)
{
	c->freq = freq;
	c->mul = !freq ? 1 : 1000000000u % freq ? 0 : 1000000000u / freq;
}

static inline uint64_t export_clock_ns(const struct export_clock *c, uint64_t ticks)
{
	return c->mul ? ticks * c->mul : export_ticks_to_ns(ticks, c->freq);
}

/*
 * A buffered output file: large writes, one error remembered. put() and
 * friends do nothing once an error happened; close() reports it.
 */
struct export_out {
	int      fd;
	bool     close_fd;
	int      error;    /* first -errno met */
	char    *buf;
	size_t   len, cap;
	uint64_t bytes;
	char     path[256];
};

/* Create or truncate path ("-": standard output). */
int export_out_open(struct export_out *out, const char *path, size_t bufsize, char *err,
		    size_t errlen);
int export_out_flush_buf(struct export_out *out);
/* Flush and close; returns the first error met, with the message in err. */
int export_out_close(struct export_out *out, char *err, size_t errlen);

/* Room for n more bytes at out->buf + out->len; NULL after an error. */
static inline char *export_out_reserve(struct export_out *out, size_t n)
{
	if (out->cap - out->len < n && export_out_flush_buf(out))
		return NULL;
	return out->buf + out->len;
}

/* Writes what is buffered and then p itself: for blocks larger than the buffer. */
void export_out_put_slow(struct export_out *out, const void *p, size_t n);

static inline void export_out_put(struct export_out *out, const void *p, size_t n)
{
	if (out->cap - out->len >= n) {
		__builtin_memcpy(out->buf + out->len, p, n);
		out->len += n;
	} else {
		export_out_put_slow(out, p, n);
	}
}

static inline void export_out_str(struct export_out *out, const char *s)
{
	export_out_put(out, s, __builtin_strlen(s));
}

static inline void export_out_char(struct export_out *out, char c)
{
	char *dst = export_out_reserve(out, 1);

	if (dst) {
		*dst = c;
		out->len++;
	}
}

/*
 * Decimal and 0x-prefixed hexadecimal numbers without printf: decimal eight
 * digits at a time in one 64-bit word (SWAR), hexadecimal sixteen at a time
 * in a vector register. Each returns the length of the number but may store
 * past it: have 20 bytes at dst for a decimal, 18 for a hexadecimal number.
 */

/* The eight decimal digits of v < 10^8, as byte values 0..9, the most significant first in memory. */
static inline uint64_t export_dec8(uint32_t v)
{
	/* the two halves of four digits, then of two, then the digits: each step in every lane at once */
	uint64_t merged = (uint64_t)(v / 10000) | (uint64_t)(v % 10000) << 32;
	uint64_t top = ((merged * 10486u) >> 20) & (0x7full << 32 | 0x7full); /* / 100 */
	uint64_t hundreds = ((merged - 100u * top) << 16) + top;
	uint64_t tens = ((hundreds * 103u) >> 10) & 0x000f000f000f000full;   /* / 10 */

	return tens + ((hundreds - 10u * tens) << 8);
}

/* "00" to "99": the two digits of n at 2 * n. */
static inline const char *export_pairs(void)
{
	static const char pairs[201] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";

	return pairs;
}

/* 1 to 8 digits of v < 10^8, without leading zeros. */
static inline size_t export_fmt_u32_8(char *dst, uint32_t v)
{
	/* the leading zero digits are the low zero bytes of the word */
	uint64_t d = export_dec8(v);
	unsigned zeros = (unsigned)__builtin_ctzll(d | 1ull << 56) / 8; /* 0 writes "0" */

	d = (d + 0x3030303030303030ull) >> (8 * zeros);
	__builtin_memcpy(dst, &d, 8);
	return 8 - zeros;
}

static inline size_t export_fmt_u64(char *dst, uint64_t v)
{
	uint64_t d, hi;
	size_t n;

	const char *pairs = export_pairs();
	unsigned q;

	if (v < 10) {
		dst[0] = (char)('0' + v);
		return 1;
	}
	/* small counts, the most common, by the table: no chain of multiplications */
	if (v < 100) {
		__builtin_memcpy(dst, pairs + 2 * v, 2);
		return 2;
	}
	if (v < 10000) {
		q = (unsigned)v / 100;
		if (q < 10) {
			dst[0] = (char)('0' + q);
			__builtin_memcpy(dst + 1, pairs + 2 * (v - 100 * q), 2);
			return 3;
		}
		__builtin_memcpy(dst, pairs + 2 * q, 2);
		__builtin_memcpy(dst + 2, pairs + 2 * (v - 100 * q), 2);
		return 4;
	}
	if (v < 100000000u)
		return export_fmt_u32_8(dst, (uint32_t)v);
	hi = v / 100000000u;
	if (hi < 100000000u) {
		n = export_fmt_u32_8(dst, (uint32_t)hi);
	} else {
		n = export_fmt_u32_8(dst, (uint32_t)(hi / 100000000u));
		d = export_dec8((uint32_t)(hi % 100000000u)) + 0x3030303030303030ull;
		__builtin_memcpy(dst + n, &d, 8);
		n += 8;
	}
	d = export_dec8((uint32_t)(v % 100000000u)) + 0x3030303030303030ull;
	__builtin_memcpy(dst + n, &d, 8);
	return n + 8;
}

/* Sixteen bytes, for the digits of a number made in a vector register. */
typedef uint8_t export_u8x16 __attribute__((vector_size(16)));
typedef int8_t  export_i8x16 __attribute__((vector_size(16)));
typedef uint64_t export_u64x2 __attribute__((vector_size(16)));

/*
 * The sixteen hexadecimal digits of v in ASCII, the most significant first
 * in memory: its bytes, most significant first, split into their high and
 * low nibbles, interleaved, and 0..15 made '0'..'f', all sixteen at once
 * (SSE2 on x86-64, NEON on AArch64).
 */
static inline export_u8x16 export_hex16(uint64_t v)
{
	export_u64x2 w = { __builtin_bswap64(v), 0 };
	export_u8x16 b = (export_u8x16)w;
	export_i8x16 nib = (export_i8x16)__builtin_shufflevector(
		b >> 4, b & 0x0f,
		0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);

	return (export_u8x16)(nib + '0' + ((nib > 9) & ('a' - '0' - 10)));
}

/*
 * The digits of v in hex (1 to 16, one for 0) at dst, 16 bytes stored
 * whatever their number; returns the number.
 */
static inline size_t export_hex_digits(char *dst, uint64_t v)
{
	unsigned n = (67u - (unsigned)__builtin_clzll(v | 1)) / 4;
	/* the digits moved to the top, so that the first one stored is the first shown */
	export_u8x16 d = export_hex16(v << (64 - 4 * n));

	__builtin_memcpy(dst, &d, 16);
	return n;
}

static inline size_t export_fmt_hex(char *dst, uint64_t v)
{
	__builtin_memcpy(dst, "0x", 2);
	return 2 + export_hex_digits(dst + 2, v);
}

static inline void export_out_u64(struct export_out *out, uint64_t v)
{
	char *dst = export_out_reserve(out, 20);

	if (dst)
		out->len += export_fmt_u64(dst, v);
}

static inline void export_out_hex(struct export_out *out, uint64_t v)
{
	char *dst = export_out_reserve(out, 18);

	if (dst)
		out->len += export_fmt_hex(dst, v);
}

/* Nanoseconds as microseconds with three decimals: "1234.567". */
static inline void export_out_us(struct export_out *out, uint64_t ns)
{
	char *dst = export_out_reserve(out, 24);
	uint32_t frac = (uint32_t)(ns % 1000);

	if (!dst)
		return;
	out->len += export_fmt_u64(dst, ns / 1000);
	dst = out->buf + out->len;
	dst[0] = '.';
	dst[1] = (char)('0' + frac / 100);
	dst[2] = (char)('0' + frac / 10 % 10);
	dst[3] = (char)('0' + frac % 10);
	out->len += 4;
}

#endif
