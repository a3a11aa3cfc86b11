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
