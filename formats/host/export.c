/*
 * What the exporters share: reading record type names back, the filter's
 * defaults, the trace's start time and a buffered output file. The exporters
 * themselves are export_ctf.c, export_chrome.c and export_csv.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/host/export.h"
#include "formats/host/trace_types.h"

int export_type_from_name(const char *name)
{
	unsigned long v;
	char *end;
	unsigned i;

	for (i = 0; i < trace_nr_types; i++) {
		if (!strcmp(trace_types[i].name, name))
			return trace_types[i].type;
	}
	if (strncmp(name, "type_0x", 7))
		return -1;
	errno = 0;
	v = strtoul(name + 7, &end, 16);
	if (errno || *end || end == name + 7 || v > 0xffff)
		return -1;
	return (int)v;
}

void export_opts_init(struct export_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->vm = EXPORT_ALL_VMS;
	o->until = UINT64_MAX;
	o->cycle_hz = EXPORT_CYCLE_HZ;
}

uint64_t export_first_ts(const struct tf_reader *r)
{
	const struct tf_chunk_info *ci;
	uint64_t first = UINT64_MAX;
	size_t i, n = tf_reader_nr_chunks(r);

	for (i = 0; i < n; i++) {
		ci = tf_reader_chunk(r, i);
		if (ci->hdr.nr_records && ci->hdr.first_ts < first)
			first = ci->hdr.first_ts;
	}
	return first == UINT64_MAX ? 0 : first;
}

/* ------------------------------------------------------------------ numbers */

/* "00" to "99": two digits a step halves the divisions. */
static const char two_digits[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

size_t export_fmt_u64(char *dst, uint64_t v)
{
	static const uint64_t pow10[20] = {
		1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
		100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
		10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
		100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull,
	};
	unsigned bits, n;
	char *p;

	if (v < 10) {
		dst[0] = (char)('0' + v);
		return 1;
	}
	/* the digits: from the bit length, one compare to settle it */
	bits = 64 - (unsigned)__builtin_clzll(v);
	n = (bits * 1233) >> 12;
	n += n < 20 && v >= pow10[n];
	p = dst + n;
	/* the high part in 64 bits, the last eight digits in 32 */
	if (v >= 100000000) {
		uint32_t lo = (uint32_t)(v % 100000000), d;
		int i;

		v /= 100000000;
		for (i = 0; i < 4; i++) {
			d = lo % 100;
			lo /= 100;
			p -= 2;
			memcpy(p, two_digits + 2 * d, 2);
		}
	}
	while (v >= 100) {
		unsigned d = (unsigned)(v % 100);

		v /= 100;
		p -= 2;
		memcpy(p, two_digits + 2 * d, 2);
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, two_digits + 2 * v, 2);
	} else {
		*--p = (char)('0' + v);
	}
	return n;
}

size_t export_fmt_hex(char *dst, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	static const char pairs[513] = /* "00" to "ff" */
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
		"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
		"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
		"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
		"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
		"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
		"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
		"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
	/* the nibbles that matter: at least one, for 0 */
	int nibbles = v ? (67 - __builtin_clzll(v)) / 4 : 1, i;

	dst[0] = '0';
	dst[1] = 'x';
	for (i = nibbles - 2; i >= 0; i -= 2) {
		memcpy(dst + 2 + i, pairs + 2 * (v & 0xff), 2);
		v >>= 8;
	}
	if (i == -1)
		dst[2] = digits[v & 0xf];
	return 2 + (size_t)nibbles;
}

/* ------------------------------------------------------------------- output */

static int write_all(struct export_out *out, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n) {
		w = write(out->fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			out->error = -errno;
			return out->error;
		}
		c += w;
		n -= (size_t)w;
		out->bytes += (uint64_t)w;
	}
	return 0;
}

int export_out_open(struct export_out *out, const char *path, size_t bufsize, char *err,
		    size_t errlen)
{
	memset(out, 0, sizeof(*out));
	out->fd = -1;
	snprintf(out->path, sizeof(out->path), "%s", strcmp(path, "-") ? path : "standard output");
	if (bufsize < 4096)
		bufsize = 4096;
	out->buf = malloc(bufsize);
	if (!out->buf) {
		snprintf(err, errlen, "%s: out of memory", out->path);
		return -ENOMEM;
	}
	out->cap = bufsize;
	if (!strcmp(path, "-")) {
		out->fd = STDOUT_FILENO;
		return 0;
	}
	out->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out->fd < 0) {
		int ret = -errno;

		snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
		free(out->buf);
		out->buf = NULL;
		return ret;
	}
	out->close_fd = true;
	return 0;
}

int export_out_flush_buf(struct export_out *out)
{
	if (!out->error && out->len)
		write_all(out, out->buf, out->len);
	out->len = 0;
	return out->error;
}

void export_out_put_slow(struct export_out *out, const void *p, size_t n)
{
	if (export_out_flush_buf(out))
		return;
	if (n <= out->cap) {
		memcpy(out->buf, p, n);
		out->len = n;
	} else {
		write_all(out, p, n);
	}
}

int export_out_close(struct export_out *out, char *err, size_t errlen)
{
	int ret;

	export_out_flush_buf(out);
	if (out->close_fd && close(out->fd) && !out->error)
		out->error = -errno;
	out->close_fd = false;
	ret = out->error;
	if (ret)
		snprintf(err, errlen, "%s: write failed: %s", out->path, strerror(-ret));
	free(out->buf);
	out->buf = NULL;
	return ret;
}
