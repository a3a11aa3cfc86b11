/*
 * CTF 1.8 export (Common Trace Format, "Trace Stream Description Language"
 * metadata plus binary streams), as babeltrace2 and Trace Compass read it.
 *
 *   DIR/metadata    TSDL text starting with the "CTF 1.8" signature comment:
 *                   the trace block (little-endian, packet header with the
 *                   CTF magic 0xc1fc1fc1, the trace UUID and stream_id), an
 *                   env block, the clock (CNTPCT_EL0 at the file's CNTFRQ),
 *                   one stream class and one event class per record type
 *   DIR/stream_N    the events of physical CPU N, in packets of at most
 *                   CTF_PACKET_MAX bytes
 *
 * Every type but the event header's is byte-packed (align = 8), so an event
 * is its fields back to back in metadata order, little-endian like the
 * records themselves:
 *
 *   event header   LTTng's "compact" header: one 32-bit word, id in bits 0-4
 *                  and the low 27 bits of the timestamp (CNTPCT) in bits
 *                  5-31; or, for the first event of a packet, an id above 30
 *                  or a timestamp 2^27 ticks or more after the one before,
 *                  the "extended" header: a byte 31, uint32 id, uint64
 *                  timestamp (13 bytes)
 *   event context  seq, vm, vcpu, vmid, vmid_gen      (struct trace_hdr)
 *   payload        the record's fields (formats/host/trace_types.c), in order,
 *                  but for two: a computed name (exit_class_name, fid_name)
 *                  is the label of its source field, an enumeration, not a
 *                  string; an array is a sequence, a byte giving the number
 *                  of its elements up to the last that is not zero, then
 *                  those (the rest are zero)
 *
 * The event id is the type's index in trace_types[] (CTF_ID_UNKNOWN for a
 * type this version does not decode). A reader takes a 27-bit timestamp as
 * the low bits of the clock, moved on by 2^27 when they are below the last
 * value's (CTF 1.8's rule for a clock field narrower than the clock, which
 * LTTng's compact header relies on too), so the compact header holds any
 * timestamp less than 2^27 ticks after the event before it in the packet:
 * 2.1 s at 62.5 MHz, 134 ms at 1 GHz.
 *
 * A packet starts with struct ctf_packet_head: the packet header, then the
 * packet context (timestamp_begin/end, content_size and packet_size in bits,
 * packet_seq_num, events_discarded as a running count per stream, cpu_id).
 *
 * One field table (formats/host/trace_types.c) drives both the metadata and the
 * encoder, so the two cannot disagree.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/host/export.h"
#include "formats/host/trace_types.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the CTF encoder copies little-endian records as they are"
#endif

#define CTF_MAGIC       0xc1fc1fc1u
#define CTF_PACKET_MAX  (256u * 1024) /* bytes per packet, headers included */
#define CTF_EVENT_MAX   1024u         /* an event never needs more */
#define CTF_ID_UNKNOWN  0xffffu       /* event id of records of unknown types */
#define CTF_ID_EXTENDED 31u           /* the compact header's id that says "extended" */
#define CTF_TS_BITS     27u           /* timestamp bits in the compact header */
#define CTF_HEAD_EXT    13u           /* bytes of the extended event header */
#define CTF_STR_MAX     64u           /* the label of a computed name */

/* The packet header and packet context, as the metadata declares them. */
struct ctf_packet_head {
	uint32_t magic;
	uint8_t  uuid[16];
	uint32_t stream_id;
	uint64_t stream_instance_id;
	uint64_t timestamp_begin;
	uint64_t timestamp_end;
	uint64_t content_size; /* bits */
	uint64_t packet_size;  /* bits */
	uint64_t packet_seq_num;
	uint64_t events_discarded;
	uint32_t cpu_id;
} __attribute__((packed));

_Static_assert(sizeof(struct ctf_packet_head) == 84, "packet header and context layout");

/* The stream event context. */
struct ctf_event_context {
	uint64_t seq;
	uint16_t vm;
	uint16_t vcpu;
	uint16_t vmid;
	uint64_t vmid_gen;
} __attribute__((packed));

_Static_assert(sizeof(struct ctf_event_context) == 22, "event context layout");

/* ------------------------------------------------------------------ metadata */

/*
 * The named enumerations the fields refer to, in TSDL, five values a line:
 *
 *   enum mmio_device : uint32_t {
 *   	"none" = 0, "gicd" = 1, "gicr" = 2, "uart" = 3, "other" = 4 ... 4294967295,
 *   };
 */
static void put_enum(FILE *m, const struct trace_enum *e)
{
	unsigned n = e->nr + (e->other != NULL), i;
	uint64_t max = e->size >= 8 ? UINT64_MAX : (1ull << (8 * e->size)) - 1;

	fprintf(m, "enum %s : uint%u_t {\n", e->name, 8u * e->size);
	for (i = 0; i < n; i++) {
		fputs(i % 5 ? " " : "\t", m);
		if (i < e->nr)
			fprintf(m, "\"%s\" = %u,", e->value[i], i);
		else
			fprintf(m, "\"%s\" = %u ... %" PRIu64 ",", e->other, i, max);
		if (i % 5 == 4 || i + 1 == n)
			fputc('\n', m);
	}
	fputs("};\n\n", m);
}

/* Text for a TSDL string literal: quotes, backslashes and controls replaced. */
static void tsdl_text(char *dst, size_t len, const char *src, size_t srclen)
{
	size_t i;

	for (i = 0; i + 1 < len && i < srclen && src[i]; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') ? '_' : (char)c;
	}
	dst[i] = '\0';
}

static void uuid_str(char *s, const uint8_t u[16])
{
	sprintf(s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
		u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
		u[14], u[15]);
}

/*
 * Where the counter's zero lies relative to the Unix epoch, when the file
 * says which counter value went with its creation time.
 */
static bool clock_origin(const struct tf_file_header *fh, int64_t *offset_s, uint64_t *offset)
{
	int64_t origin_ns;

	if (!fh->created_cntpct || !fh->cntfrq || !fh->created_ns)
		return false;
	origin_ns = (int64_t)fh->created_ns - (int64_t)export_ticks_to_ns(fh->created_cntpct, fh->cntfrq);
	*offset_s = origin_ns / 1000000000;
	if (origin_ns % 1000000000 < 0)
		(*offset_s)--;
	*offset = (uint64_t)((unsigned __int128)(uint64_t)(origin_ns - *offset_s * 1000000000) *
			     fh->cntfrq / 1000000000u);
	return true;
}

/*
 * A computed field (a name) and the field it is computed from, the same bytes
 * of the record: CTF carries the value once, as an enumeration whose labels
 * are the names (declared by put_name_enums()), and babeltrace2 prints the
 * name with the value. ctf_named_by(): the computed field that names f, NULL
 * when none. ctf_source_of(): the field computed field f is computed from,
 * NULL when the table has none (f then carries the value itself).
 */
static const struct trace_field *ctf_named_by(const struct trace_type_info *tt,
					      const struct trace_field *f)
{
	unsigned j;

	if (trace_field_computed(f))
		return NULL;
	for (j = 0; j < tt->nr_fields; j++)
		if (trace_field_computed(&tt->field[j]) && tt->field[j].off == f->off &&
		    tt->field[j].size == f->size)
			return &tt->field[j];
	return NULL;
}

static const struct trace_field *ctf_source_of(const struct trace_type_info *tt,
					       const struct trace_field *f)
{
	unsigned j;

	for (j = 0; j < tt->nr_fields; j++)
		if (ctf_named_by(tt, &tt->field[j]) == f)
			return &tt->field[j];
	return NULL;
}

/* A field's integer type in the metadata: the typealiases declared by put_trace_block(). */
static void ctf_put_int(FILE *m, const struct trace_field *f)
{
	fprintf(m, "%s%u_t", f->kind == TFK_HEX ? "x" : "uint", 8u * f->size);
}

/* A field's type in the metadata: its integer, an enumeration, or a string. */
static void ctf_put_type(FILE *m, const struct trace_type_info *tt, const struct trace_field *f)
{
	const struct trace_field *namer = trace_field_computed(f) ? f : ctf_named_by(tt, f);

	if (namer)
		fprintf(m, "enum %s", namer->name);
	else if (f->kind == TFK_ENUM)
		fprintf(m, "enum %s", f->names->name);
	else if (f->kind == TFK_STR)
		fputs("string", m);
	else
		ctf_put_int(m, f);
}

struct ctf_labels {
	FILE *m;
};

static void put_label(void *ctx, uint64_t first, uint64_t last, const char *name)
{
	struct ctf_labels *l = ctx;
	char text[CTF_STR_MAX + 1];

	if (!name)
		return;
	tsdl_text(text, sizeof(text), name, CTF_STR_MAX);
	if (first == last)
		fprintf(l->m, "\t\"%s\" = %" PRIu64 ",\n", text, first);
	else
		fprintf(l->m, "\t\"%s\" = %" PRIu64 " ... %" PRIu64 ",\n", text, first, last);
}

/*
 * An enumeration per computed name (exit_class_name, fid_name), declared
 * once: its labels are the names, its integer the source field's.
 * tests/unit/test_trace_types.c checks that the computed fields of one name
 * agree on that integer.
 */
static void put_name_enums(FILE *m)
{
	const struct trace_type_info *tt;
	const struct trace_field *f, *src;
	struct ctf_labels l = { m };
	unsigned i, j, i2, j2;
	bool seen;

	for (i = 0; i < trace_nr_types; i++) {
		tt = &trace_types[i];
		for (j = 0; j < tt->nr_fields; j++) {
			f = &tt->field[j];
			if (!trace_field_computed(f))
				continue;
			/* declared at the first field of its name */
			seen = false;
			for (i2 = 0; i2 <= i && !seen; i2++)
				for (j2 = 0; j2 < (i2 < i ? trace_types[i2].nr_fields : j) && !seen; j2++)
					seen = !strcmp(trace_types[i2].field[j2].name, f->name);
			if (seen)
				continue;
			src = ctf_source_of(tt, f);
			fprintf(m, "enum %s : ", f->name);
			ctf_put_int(m, src ? src : f);
			fputs(" {\n", m);
			trace_field_names(f, put_label, &l);
			fputs("};\n\n", m);
		}
	}
}

/* The integer aliases and the trace block: the packet header. */
static void put_trace_block(FILE *m, const uint8_t uuid[16])
{
	static const unsigned sizes[] = { 8, 16, 32, 64 };
	char us[40];
	size_t i;

	uuid_str(us, uuid);
	for (i = 0; i < 4; i++)
		fprintf(m, "typealias integer { size = %u; align = 8; signed = false; } := uint%u_t;\n",
			sizes[i], sizes[i]);
	for (i = 0; i < 4; i++)
		fprintf(m, "typealias integer { size = %u; align = 8; signed = false; base = 16; } := x%u_t;\n",
			sizes[i], sizes[i]);
	fputs("typealias integer { size = 5; align = 1; signed = false; } := uint5_t;\n", m);
	fprintf(m, "\n"
		   "trace {\n"
		   "\tmajor = 1;\n"
		   "\tminor = 8;\n"
		   "\tuuid = \"%s\";\n"
		   "\tbyte_order = le;\n"
		   "\tpacket.header := struct {\n"
		   "\t\tuint32_t magic;\n"
		   "\t\tuint8_t  uuid[16];\n"
		   "\t\tuint32_t stream_id;\n"
		   "\t\tuint64_t stream_instance_id;\n"
		   "\t};\n"
		   "};\n\n",
		us);
}

/* The env block (the file header's facts) and the cntpct clock. */
static void put_env_clock(FILE *m, const struct tf_file_header *fh, const struct export_opts *o)
{
	char desc[TF_DESC_LEN], source[256];
	uint64_t offset = 0;
	int64_t offset_s = 0;
	bool absolute;

	tsdl_text(desc, sizeof(desc), fh->description, sizeof(fh->description));
	tsdl_text(source, sizeof(source), o->source ? o->source : "", 255);
	absolute = clock_origin(fh, &offset_s, &offset);
	fprintf(m, "env {\n"
		   "\tdomain = \"hypervisor\";\n"
		   "\ttracer_name = \"hypscope\";\n"
		   "\trecord_version = %u;\n"
		   "\tnr_cpus = %u;\n"
		   "\tcntfrq = %" PRIu64 ";\n"
		   "\tcreated_ns = %" PRIu64 ";\n"
		   "\tcreated_cntpct = %" PRIu64 ";\n"
		   "\tdescription = \"%s\";\n"
		   "\tsource = \"%s\";\n"
		   "};\n\n",
		fh->record_version, fh->nr_cpus, fh->cntfrq, fh->created_ns, fh->created_cntpct, desc,
		source);
	fprintf(m, "clock {\n"
		   "\tname = cntpct;\n"
		   "\tdescription = \"CNTPCT_EL0, the generic timer's physical count\";\n"
		   "\tfreq = %" PRIu64 ";\n"
		   "\tprecision = 1;\n"
		   "\toffset_s = %" PRId64 ";\n"
		   "\toffset = %" PRIu64 ";\n"
		   "\tabsolute = %s;\n"
		   "};\n\n"
		   "typealias integer {\n"
		   "\tsize = 64; align = 8; signed = false;\n"
		   "\tmap = clock.cntpct.value;\n"
		   "} := cntpct_t;\n\n"
		   "typealias integer {\n"
		   "\tsize = %u; align = 1; signed = false;\n"
		   "\tmap = clock.cntpct.value;\n"
		   "} := cntpct%u_t;\n\n",
		fh->cntfrq ? fh->cntfrq : 1000000000u, offset_s, offset, absolute ? "TRUE" : "FALSE",
		CTF_TS_BITS, CTF_TS_BITS);
}

/* The one stream: packet context, event header (LTTng's compact one) and context. */
static void put_stream(FILE *m)
{
	fprintf(m, "stream {\n"
		   "\tid = 0;\n"
		   "\tpacket.context := struct {\n"
		   "\t\tcntpct_t timestamp_begin;\n"
		   "\t\tcntpct_t timestamp_end;\n"
		   "\t\tuint64_t content_size;\n"
		   "\t\tuint64_t packet_size;\n"
		   "\t\tuint64_t packet_seq_num;\n"
		   "\t\tuint64_t events_discarded;\n"
		   "\t\tuint32_t cpu_id;\n"
		   "\t};\n"
		   "\tevent.header := struct {\n"
		   "\t\tenum : uint5_t { compact = 0 ... %u, extended = %u } id;\n"
		   "\t\tvariant <id> {\n"
		   "\t\t\tstruct {\n"
		   "\t\t\t\tcntpct%u_t timestamp;\n"
		   "\t\t\t} compact;\n"
		   "\t\t\tstruct {\n"
		   "\t\t\t\tuint32_t id;\n"
		   "\t\t\t\tcntpct_t timestamp;\n"
		   "\t\t\t} extended;\n"
		   "\t\t} v;\n"
		   "\t};\n"
		   "\tevent.context := struct {\n"
		   "\t\tuint64_t seq;\n"
		   "\t\tuint16_t vm;\n"
		   "\t\tuint16_t vcpu;\n"
		   "\t\tuint16_t vmid;\n"
		   "\t\tuint64_t vmid_gen;\n"
		   "\t};\n"
		   "};\n\n",
		CTF_ID_EXTENDED - 1, CTF_ID_EXTENDED, CTF_TS_BITS);
}

/*
 * An event per entry of the record table, and one for the types it does not
 * know. An array is a sequence, its length in the byte before it: the
 * elements up to the last that is not zero (those after it are zero).
 */
static void put_events(FILE *m)
{
	const struct trace_type_info *tt;
	const struct trace_field *f;
	size_t i, j;

	for (i = 0; i < trace_nr_types; i++) {
		tt = &trace_types[i];
		fprintf(m, "event {\n\tname = \"%s\";\n\tid = %zu;\n\tstream_id = 0;\n\tfields := struct {\n",
			tt->name, i);
		for (j = 0; j < tt->nr_fields; j++) {
			f = &tt->field[j];
			if (trace_field_computed(f) && ctf_source_of(tt, f))
				continue; /* the labels of its source's enumeration */
			if (f->count > 1)
				fprintf(m, "\t\tuint8_t _%s_length;\n", f->name);
			fputs("\t\t", m);
			ctf_put_type(m, tt, f);
			if (f->count > 1)
				fprintf(m, " %s[_%s_length];\n", f->name, f->name);
			else
				fprintf(m, " %s;\n", f->name);
		}
		fputs("\t};\n};\n\n", m);
	}
	fprintf(m, "/* Records of a type this version does not decode: the bytes after the header. */\n"
		   "event {\n"
		   "\tname = \"unknown\";\n"
		   "\tid = %u;\n"
		   "\tstream_id = 0;\n"
		   "\tfields := struct {\n"
		   "\t\tx16_t type;\n"
		   "\t\tuint32_t len;\n"
		   "\t\tx8_t payload[len];\n"
		   "\t};\n"
		   "};\n",
		CTF_ID_UNKNOWN);
}

static int write_metadata(const char *dir, const struct tf_file_header *fh, const uint8_t uuid[16],
			  const struct export_opts *o, char *err, size_t errlen)
{
	char path[4096];
	size_t i;
	FILE *m;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/metadata", dir);
	m = fopen(path, "wx");
	if (!m) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
		return ret;
	}
	fprintf(m, "/* CTF 1.8 */\n\n"
		   "/* hypscope trace: records of formats/trace.h, version %u */\n\n",
		fh->record_version);
	put_trace_block(m, uuid);
	put_env_clock(m, fh, o);
	for (i = 0; trace_enums[i]; i++)
		put_enum(m, trace_enums[i]);
	put_name_enums(m);
	put_stream(m);
	put_events(m);
	if (ferror(m))
		ret = -EIO;
	if (fclose(m) && !ret)
		ret = -errno;
	if (ret)
		snprintf(err, errlen, "%s: write failed: %s", path, strerror(-ret));
	return ret;
}

/* ------------------------------------------------------------------ streams */

/*
 * The encoder, compiled per record type once per export: the fields as ops,
 * numeric fields that lie back to back in the record merged into one copy
 * (the record's layout is the event's there: a computed name adds no bytes),
 * arrays (sequences) and strings on their own. Most types are one copy.
 */
enum { CO_COPY, CO_SEQ, CO_STR };

struct ctf_op {
	uint16_t off;
	uint16_t len;  /* CO_COPY: bytes; CO_SEQ: elements; CO_STR: the field's size */
	uint8_t  kind;
	uint8_t  elem; /* CO_SEQ: bytes of an element */
};

enum {
	CS_COPY,    /* op[0], a copy, the only op */
	CS_OPS,     /* the op loop */
	CS_UNKNOWN, /* a type this version does not decode: its type, length and bytes */
};

struct ctf_prog {
	struct ctf_op *op;
	uint32_t min;  /* tf_record_fits()'s: the type's size; above any record's when unknown */
	uint8_t nr_ops;
	uint8_t shape; /* CS_* */
};

/* One per record type, and the last for the types this version does not decode. */
#define CTF_PROG_UNKNOWN TRACE_TYPES_MAX

struct ctf_stream {
	int      fd;
	uint32_t cpu;
	uint8_t *buf;        /* the open packet, CTF_PACKET_MAX bytes */
	size_t   len;        /* bytes in it, head included */
	uint64_t events;     /* events in it */
	uint64_t begin, end; /* timestamps of its first and last event */
	uint64_t last_ts;    /* the stream never goes back in time */
	uint64_t packets;    /* packets written */
	uint64_t discarded;  /* running count: records lost so far */
	uint64_t discarded_written; /* as the last packet written said */
};

struct ctf_export {
	const char *dir;
	uint8_t uuid[16];
	struct ctf_stream *streams;
	struct ctf_prog progs[TRACE_TYPES_MAX + 1]; /* ctf_compile() */
	uint32_t nr_cpus;
	uint64_t bytes;
	char *err;
	size_t errlen;
};

static int ctf_write(struct ctf_export *x, struct ctf_stream *s, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	ssize_t n;

	while (len) {
		n = write(s->fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(x->err, x->errlen, "%s/stream_%u: write failed: %s", x->dir, s->cpu,
				 strerror(errno));
			return -errno;
		}
		p += n;
		len -= (size_t)n;
		x->bytes += (uint64_t)n;
	}
	return 0;
}

/* Close the open packet: fill in its head and write it. */
static int ctf_packet_flush(struct ctf_export *x, struct ctf_stream *s, uint8_t *buf)
{
	struct ctf_packet_head ph;
	size_t len = s->len ? s->len : sizeof(ph);

	memset(&ph, 0, sizeof(ph));
	ph.magic = CTF_MAGIC;
	memcpy(ph.uuid, x->uuid, sizeof(ph.uuid));
	ph.stream_id = 0;
	ph.stream_instance_id = s->cpu;
	ph.timestamp_begin = s->events ? s->begin : s->last_ts;
	ph.timestamp_end = s->events ? s->end : s->last_ts;
	ph.content_size = (uint64_t)len * 8;
	ph.packet_size = (uint64_t)len * 8;
	ph.packet_seq_num = s->packets;
	ph.events_discarded = s->discarded;
	ph.cpu_id = s->cpu;
	memcpy(buf, &ph, sizeof(ph));

	s->packets++;
	s->discarded_written = s->discarded;
	s->len = sizeof(ph);
	s->events = 0;
	return ctf_write(x, s, buf, len);
}

static size_t put_string(uint8_t *dst, const char *src, size_t max)
{
	size_t i;

	/* UTF-8 is what CTF strings hold: anything but printable ASCII becomes '?'. */
	for (i = 0; i < max && src[i]; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = (c < 0x20 || c >= 0x7f) ? '?' : c;
	}
	dst[i] = '\0';
	return i + 1;
}

/*
 * The event header at dst, compact (4 bytes) or extended (CTF_HEAD_EXT);
 * returns its length. Compact only when the reader can tell the timestamp
 * from its low CTF_TS_BITS: the caller says so.
 */
static inline size_t ctf_put_header(uint8_t *dst, uint32_t id, uint64_t ts, bool compact)
{
	uint32_t word;

	if (compact) {
		word = id | (uint32_t)ts << (32 - CTF_TS_BITS);
		memcpy(dst, &word, 4);
		return 4;
	}
	dst[0] = CTF_ID_EXTENDED; /* bits 5-7: padding up to the byte-aligned struct */
	memcpy(dst + 1, &id, 4);
	memcpy(dst + 5, &ts, 8);
	return CTF_HEAD_EXT;
}

/* The stream event context (struct ctf_event_context) at dst, from the record's header. */
static inline void ctf_put_context(uint8_t *dst, const struct trace_hdr *h)
{
	memcpy(dst, &h->seq, 8);
	memcpy(dst + 8, &h->vm, 4); /* vm, vcpu: adjacent in the record too */
	memcpy(dst + 12, &h->vmid, 2);
	memcpy(dst + 14, &h->vmid_gen, 8);
}

/* Programs for every type, their ops in one array: free(progs[CTF_PROG_UNKNOWN].op) frees it. */
static int ctf_compile(struct ctf_prog progs[TRACE_TYPES_MAX + 1])
{
	const struct trace_type_info *tt;
	const struct trace_field *f;
	struct ctf_op *op, *last;
	unsigned t, i, n, total = 0;

	for (t = 0; t < trace_nr_types; t++)
		total += trace_types[t].nr_fields;
	op = calloc(total + 1, sizeof(*op));
	if (!op)
		return -ENOMEM;
	memset(progs, 0, (TRACE_TYPES_MAX + 1) * sizeof(*progs));
	progs[CTF_PROG_UNKNOWN] = (struct ctf_prog){ op, UINT16_MAX + 1u, 0, CS_UNKNOWN };
	for (t = 0; t < trace_nr_types; t++) {
		struct ctf_prog *p = &progs[t];

		tt = &trace_types[t];
		p->op = op;
		p->min = tt->size;
		n = 0;
		for (i = 0; i < tt->nr_fields; i++) {
			f = &tt->field[i];
			last = n ? &p->op[n - 1] : NULL;
			if (trace_field_computed(f) && ctf_source_of(tt, f))
				continue; /* the labels of its source's enumeration */
			if (f->kind == TFK_STR)
				p->op[n++] = (struct ctf_op){ f->off, f->size, CO_STR, 0 };
			else if (f->count > 1)
				p->op[n++] = (struct ctf_op){ f->off, f->count, CO_SEQ, f->size };
			else if (last && last->kind == CO_COPY && last->off + last->len == f->off)
				last->len = (uint16_t)(last->len + f->size);
			else
				p->op[n++] = (struct ctf_op){ f->off, f->size, CO_COPY, 0 };
		}
		p->nr_ops = (uint8_t)n;
		p->shape = n == 0 || (n == 1 && p->op[0].kind == CO_COPY) ? CS_COPY : CS_OPS;
		op += n;
	}
	return 0;
}

/* len bytes from s to d in a few fixed-size moves (the sizes are a type's, so the branches predict). */
static inline void ctf_copy(uint8_t *d, const uint8_t *s, unsigned len)
{
	unsigned i;

	if (len > 64) {
		for (i = 0; i + 32 < len; i += 32)
			memcpy(d + i, s + i, 32);
		memcpy(d + len - 32, s + len - 32, 32);
	} else if (len > 32) {
		memcpy(d, s, 32);
		memcpy(d + len - 32, s + len - 32, 32);
	} else if (len >= 16) {
		memcpy(d, s, 16);
		memcpy(d + len - 16, s + len - 16, 16);
	} else if (len >= 8) {
		memcpy(d, s, 8);
		memcpy(d + len - 8, s + len - 8, 8);
	} else if (len >= 4) {
		memcpy(d, s, 4);
		memcpy(d + len - 4, s + len - 4, 4);
	} else if (len >= 2) {
		memcpy(d, s, 2);
		memcpy(d + len - 2, s + len - 2, 2);
	} else if (len) {
		*d = *s;
	}
}

/* An array as a sequence at d: its length (up to the last element that is not zero), then those. */
static inline size_t ctf_put_seq(uint8_t *d, const uint8_t *s, const struct ctf_op *op)
{
	unsigned n = op->len;
	uint64_t v;

	if (op->elem == 8) { /* the arrays of today: four elements a test, then one */
		for (; n >= 4; n -= 4) {
			uint64_t w[4];

			memcpy(w, s + 8 * (n - 4), 32);
			if (w[0] | w[1] | w[2] | w[3])
				break;
		}
		while (n) {
			memcpy(&v, s + 8 * (n - 1), 8);
			if (v)
				break;
			n--;
		}
	} else {
		while (n && !trace_load(s + (n - 1) * op->elem, op->elem))
			n--;
	}
	d[0] = (uint8_t)n;
	ctf_copy(d + 1, s, n * op->elem);
	return 1 + (size_t)n * op->elem;
}

/*
 * One record's event context and fields at dst, by p (its type's program);
 * returns their length.
 */
static inline size_t ctf_encode(uint8_t *dst, const struct trace_hdr *h, const struct ctf_prog *p)
{
	const uint8_t *rec = (const uint8_t *)h;
	const struct ctf_op *op = p->op;
	uint8_t *d = dst + sizeof(struct ctf_event_context);
	uint32_t len;
	unsigned i;

	ctf_put_context(dst, h);
	switch (p->shape) {
	case CS_COPY:
		ctf_copy(d, rec + op[0].off, op[0].len);
		return sizeof(struct ctf_event_context) + op[0].len;
	case CS_UNKNOWN:
		len = h->size - (uint32_t)sizeof(*h);
		memcpy(d, &h->type, 2);
		memcpy(d + 2, &len, 4);
		memcpy(d + 6, rec + sizeof(*h), len);
		return sizeof(struct ctf_event_context) + 6 + len;
	default:
		break;
	}
	for (i = 0; i < p->nr_ops; i++, op++) {
		switch (op->kind) {
		case CO_COPY:
			ctf_copy(d, rec + op->off, op->len);
			d += op->len;
			break;
		case CO_SEQ:
			d += ctf_put_seq(d, rec + op->off, op);
			break;
		default:
			d += put_string(d, (const char *)rec + op->off, op->len);
			break;
		}
	}
	return (size_t)(d - dst);
}

static int ctf_open_streams(struct ctf_export *x)
{
	char path[4096];
	uint32_t cpu;

	for (cpu = 0; cpu < x->nr_cpus; cpu++) {
		struct ctf_stream *s = &x->streams[cpu];

		s->cpu = cpu;
		s->len = sizeof(struct ctf_packet_head);
		snprintf(path, sizeof(path), "%s/stream_%u", x->dir, cpu);
		s->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (s->fd < 0) {
			snprintf(x->err, x->errlen, "%s: cannot create: %s", path, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/*
 * The records of one chunk of CPU s->cpu's, payload[0..len), into its
 * stream. ch NULL: well formed, as tf_reader_load_chunk_records() hands them
 * out. Otherwise (tf_reader_load_chunk_unwalked()) they are checked here,
 * each as it is encoded, with tf_record_fits() (and the first one's sequence
 * number), and the rest of the chunk at once with tf_payload_walk() from the
 * first record that is not that common case, or where the packet fills: no
 * part of a chunk is written before the whole of it is known good. *why says
 * what the check found; a damaged chunk leaves the stream as it was.
 * The stream's state, the options and the buffers are kept in locals while
 * it runs: the stores into the packet would otherwise make the compiler
 * reload them every event.
 */
static int ctf_add_chunk(struct ctf_export *x, struct ctf_stream *s,
			 const struct tf_chunk_header *ch, const uint8_t *payload, uint32_t len,
			 const struct export_opts *o, struct export_stats *st, const char **why,
			 uint32_t *bad_at)
{
	uint64_t ts, last_ts = s->last_ts, begin = s->begin, events = s->events;
	uint64_t records = 0, exported = 0, unknown = 0, clamped = 0;
	const struct export_opts keep = *o;
	/* the default: every record, without a look at each */
	const bool all = keep.vm == EXPORT_ALL_VMS && !keep.since && keep.until == UINT64_MAX;
	const struct ctf_prog *progs = x->progs, *p;
	const struct trace_hdr *h, *prev = NULL;
	bool check = ch != NULL, compact;
	size_t plen = s->len;
	uint32_t at, id;
	uint8_t *buf;
	int ret = 0, t;

	*why = NULL;
	if (!s->buf) {
		s->buf = malloc(CTF_PACKET_MAX);
		if (!s->buf) {
			snprintf(x->err, x->errlen, "%s/stream_%u: out of memory", x->dir, s->cpu);
			return -ENOMEM;
		}
	}
	buf = s->buf;
	h = (const struct trace_hdr *)payload;
	if (check && len >= sizeof(*h) && h->seq != ch->first_seq) {
		*why = tf_payload_walk(ch, payload, 0, 0, NULL, bad_at);
		if (*why)
			return 0;
		check = false;
	}
	for (at = 0; at < len;) {
		h = (const struct trace_hdr *)(payload + at); /* 8 bytes at least: len and at are multiples of 8 */
		t = trace_type_index(h->type);
		p = &progs[t >= 0 ? (unsigned)t : CTF_PROG_UNKNOWN];
		if (check && __builtin_expect(!tf_record_fits(h, len - at, p->min), 0)) {
			*why = tf_payload_walk(ch, payload, at, (uint32_t)records, prev, bad_at);
			if (*why)
				return 0;
			check = false;
		}
		at += h->size;
		records++;
		prev = h;
		if (!all && !export_keep(&keep, h))
			continue;
		if (plen + CTF_EVENT_MAX > CTF_PACKET_MAX) {
			if (check) {
				*why = tf_payload_walk(ch, payload, at - h->size,
						       (uint32_t)records - 1, NULL, bad_at);
				if (*why)
					return 0;
				check = false;
			}
			s->len = plen;
			s->events = events;
			s->begin = begin;
			s->end = s->last_ts = last_ts;
			ret = ctf_packet_flush(x, s, buf);
			if (ret)
				break;
			plen = s->len;
			events = 0;
		}
		ts = h->ts;
		if (ts < last_ts) {
			/* A 64-bit clock field that goes back reads as a wrap-around. */
			ts = last_ts;
			clamped++;
		}
		id = t >= 0 ? (uint32_t)t : CTF_ID_UNKNOWN;
		/* the first event of a packet has the whole timestamp: it starts the reader's clock */
		compact = events && id < CTF_ID_EXTENDED && ts - last_ts < (1ull << CTF_TS_BITS);
		if (!events)
			begin = ts;
		last_ts = ts;
		plen += ctf_put_header(buf + plen, id, ts, compact);
		plen += ctf_encode(buf + plen, h, p);
		events++;
		exported++;
		unknown += t < 0;
	}
	if (check) {
		/* the record count and the last sequence number */
		*why = tf_payload_walk(ch, payload, len, (uint32_t)records, prev, bad_at);
		if (*why)
			return 0;
	}
	if (!ret) {
		s->len = plen;
		s->events = events;
		s->begin = begin;
		if (events)
			s->end = last_ts;
		s->last_ts = last_ts;
	}
	st->records += records;
	st->exported += exported;
	st->unknown += unknown;
	st->clamped += clamped;
	return ret;
}

/*
 * A chunk says records were lost while it filled. babeltrace2 reports the
 * difference of events_discarded between consecutive packets of a stream,
 * between the end of the one and the end of the other (and no count at all
 * for a stream's first packet): so the open packet is closed before the
 * running count grows, and a stream with no packet yet gets an empty one.
 */
static int ctf_note_loss(struct ctf_export *x, struct ctf_stream *s, uint64_t lost, uint64_t ts)
{
	uint8_t empty[sizeof(struct ctf_packet_head)];
	int ret = 0;

	if (s->events) {
		ret = ctf_packet_flush(x, s, s->buf);
	} else if (!s->packets) {
		if (ts > s->last_ts)
			s->last_ts = ts;
		s->len = 0;
		ret = ctf_packet_flush(x, s, empty);
	}
	s->discarded += lost;
	return ret;
}

/* The last packet of every stream; an empty one where nothing else says what was lost. */
static int ctf_finish_streams(struct ctf_export *x, uint64_t start)
{
	uint8_t empty[sizeof(struct ctf_packet_head)];
	uint32_t cpu;
	int ret;

	for (cpu = 0; cpu < x->nr_cpus; cpu++) {
		struct ctf_stream *s = &x->streams[cpu];

		if (s->events) {
			ret = ctf_packet_flush(x, s, s->buf);
			if (ret)
				return ret;
		}
		if (!s->packets || s->discarded != s->discarded_written) {
			if (!s->packets)
				s->last_ts = start;
			s->len = 0;
			ret = ctf_packet_flush(x, s, empty);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* A deterministic UUID (version 4 layout) from what identifies the trace file. */
static void make_uuid(uint8_t uuid[16], const struct tf_file_header *fh)
{
	uint64_t a = (uint64_t)tf_crc32(0, fh, sizeof(*fh)) << 32 ^ fh->created_ns;
	uint64_t b = fh->created_cntpct ^ fh->cntfrq << 17 ^ (uint64_t)fh->header_crc << 40;
	int i;

	for (i = 0; i < 2; i++) {
		uint64_t *v = i ? &b : &a;

		*v += 0x9e3779b97f4a7c15ull + (i ? a : 0);
		*v = (*v ^ (*v >> 30)) * 0xbf58476d1ce4e5b9ull;
		*v = (*v ^ (*v >> 27)) * 0x94d049bb133111ebull;
		*v ^= *v >> 31;
	}
	memcpy(uuid, &a, 8);
	memcpy(uuid + 8, &b, 8);
	uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40);
	uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80);
}

/* dir must be missing (it is created) or an empty directory. */
static int ctf_prepare_dir(const char *dir, char *err, size_t errlen)
{
	struct dirent *de;
	struct stat sb;
	DIR *d;
	int ret;

	if (!mkdir(dir, 0755))
		return 0;
	if (errno != EEXIST) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot create the directory: %s", dir, strerror(errno));
		return ret;
	}
	if (stat(dir, &sb) || !S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: exists and is not a directory: CTF output is a directory", dir);
		return -ENOTDIR;
	}
	d = opendir(dir);
	if (!d) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return ret;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			closedir(d);
			snprintf(err, errlen, "%s: exists and is not empty: choose a new directory", dir);
			return -ENOTEMPTY;
		}
	}
	closedir(d);
	return 0;
}

int export_ctf(struct tf_reader *r, const char *dir, const struct export_opts *o,
	       struct export_stats *st, char *err, size_t errlen)
{
	const struct tf_file_header *fh = tf_reader_header(r);
	struct export_stats local;
	struct ctf_export x;
	struct tf_reader_stats rs;
	const struct tf_chunk_info *ci;
	const void *payload;
	size_t i, nr_chunks;
	const char *why;
	uint32_t bad_at = 0;
	uint64_t start;
	bool have_start, walked;
	uint32_t cpu;
	int n, ret;

	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	memset(&x, 0, sizeof(x));
	x.dir = dir;
	x.err = err;
	x.errlen = errlen;
	x.nr_cpus = fh->nr_cpus;
	make_uuid(x.uuid, fh);

	ret = ctf_prepare_dir(dir, err, errlen);
	if (ret)
		return ret;
	ret = write_metadata(dir, fh, x.uuid, o, err, errlen);
	if (ret)
		return ret;
	x.streams = calloc(x.nr_cpus, sizeof(*x.streams));
	if (!x.streams || ctf_compile(x.progs)) {
		free(x.streams);
		snprintf(err, errlen, "%s: out of memory", dir);
		return -ENOMEM;
	}
	for (cpu = 0; cpu < x.nr_cpus; cpu++)
		x.streams[cpu].fd = -1;
	ret = ctf_open_streams(&x);
	if (ret)
		goto cleanup;

	/*
	 * Chunks in file order: each CPU's chunks come in sequence order, so
	 * every stream is written front to back in one pass over the file.
	 * Under TF_OPEN_CHECK_ON_LOAD a chunk is checked as it is loaded, so
	 * it is loaded before its loss is noted (a damaged chunk notes none),
	 * and the first timestamp of the intact chunks is asked for only when
	 * it is needed (tf_reader_first_ts() may have to check chunks for it).
	 */
	have_start = false;
	start = 0;
	nr_chunks = tf_reader_nr_chunks(r);
	for (i = 0; i < nr_chunks; i++) {
		ci = tf_reader_chunk(r, i);
		cpu = ci->hdr.cpu;
		/*
		 * The records are walked, not the CRC checked again; a chunk's
		 * first load leaves the walk to ctf_add_chunk(), unless a loss is
		 * noted before its records: that is done only for an intact chunk.
		 */
		if (ci->hdr.lost) {
			walked = true;
			n = tf_reader_load_chunk_records(r, i, &payload);
		} else {
			n = tf_reader_load_chunk_unwalked(r, i, &payload, &walked);
		}
		if (n == -EIO)
			continue; /* damaged, or cut short under us: the reader lists it */
		if (n < 0) {
			ret = n;
			snprintf(err, errlen, "%s: chunk at offset 0x%" PRIx64 ": %s",
				 o->source ? o->source : "trace", ci->offset, strerror(-n));
			goto cleanup;
		}
		if (ci->hdr.lost) {
			if (!ci->hdr.nr_records && !have_start) {
				start = tf_reader_first_ts(r);
				have_start = true;
				/* that may have loaded another chunk: this one again */
				n = tf_reader_load_chunk_records(r, i, &payload);
				if (n < 0) {
					ret = n;
					snprintf(err, errlen, "%s: chunk at offset 0x%" PRIx64 ": %s",
						 o->source ? o->source : "trace", ci->offset,
						 strerror(-n));
					goto cleanup;
				}
			}
			ret = ctf_note_loss(&x, &x.streams[cpu], ci->hdr.lost,
					    ci->hdr.nr_records ? ci->hdr.first_ts : start);
			if (ret)
				goto cleanup;
		}
		ret = ctf_add_chunk(&x, &x.streams[cpu], walked ? NULL : &ci->hdr, payload,
				    (uint32_t)n, o, st, &why, &bad_at);
		if (ret)
			goto cleanup;
		if (!walked)
			tf_reader_chunk_walked(r, i, why, bad_at); /* -EIO: listed, skipped */
	}
	ret = tf_reader_loads_done(r);
	if (ret) {
		snprintf(err, errlen, "%s: out of memory", dir);
		goto cleanup;
	}
	if (!have_start)
		start = tf_reader_first_ts(r);
	ret = ctf_finish_streams(&x, start);

cleanup:
	for (cpu = 0; cpu < x.nr_cpus; cpu++) {
		struct ctf_stream *s = &x.streams[cpu];

		if (s->fd >= 0 && close(s->fd) && !ret) {
			ret = -errno;
			snprintf(err, errlen, "%s/stream_%u: %s", dir, cpu, strerror(errno));
		}
		free(s->buf);
	}
	free(x.streams);
	free(x.progs[CTF_PROG_UNKNOWN].op);
	tf_reader_stats(r, &rs);
	st->lost = rs.lost;
	st->bytes = x.bytes;
	return ret;
}
