/*
 * CSV export (RFC 4180: comma separated, CRLF line ends, fields with commas,
 * quotes or line breaks in double quotes, quotes doubled) and the reader that
 * turns such a file back into records.
 *
 * One header row, then one row per record in time order. The columns are the
 * header fields, then the union of every type's fields (empty where a type
 * does not have them), then "extra": the bytes of the record past what this
 * version decodes, in hex (fields appended by a newer producer, or the whole
 * payload of a type it does not know). Registers and addresses are written
 * as 0x-prefixed hex, counts as decimal, text as it is; the vm, vcpu and vmid
 * columns are empty when the record has none (0xffff). Nothing is lost, so
 * export_csv_reader_next() can rebuild every record byte for byte.
 */
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/host/export.h"
#include "formats/host/trace_types.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the CSV exporter reads little-endian records in place"
#endif

/* ---------------------------------------------------------------- columns */

/*
 * The columns: the header's, then one per field element of every record
 * type ("args" element 2: "args2"; fields of the same name share a column),
 * then "extra". The field columns of the first release keep their order
 * (FIRST_FIELD_COLUMNS); a field added since gets its column after them, in
 * the order of formats/host/trace_types.c. Built once from that table.
 */
#define HDR_COLUMNS(C)                                                                      \
	C(TS_NS, "ts_ns") C(TS, "ts") C(CPU, "cpu") C(VM, "vm") C(VCPU, "vcpu")               \
	C(VMID, "vmid") C(VMID_GEN, "vmid_gen") C(SEQ, "seq") C(TYPE, "type")

#define COL_ENUM(id, name) COL_##id,
enum csv_col { HDR_COLUMNS(COL_ENUM) NR_HDR_COLS };
#undef COL_ENUM

static const char *const first_field_columns[] = {
	"esr", "elr", "far", "hpfar", "cost", "insn", "exit_class", "exit_class_name",
	"outcome", "flags", "pc", "pending_irqs", "lrs_used", "ticks", "reason", "runnable",
	"serial", "mem_size", "nr_vcpus", "state", "exit_status", "name", "in_use", "vmid_bits",
	"old_gen", "new_gen", "flush_cost", "ipa", "value", "device", "width", "is_write",
	"result", "fid", "fid_name", "conduit", "args0", "args1", "args2", "args3", "args4",
	"args5", "result0", "result1", "result2", "result3", "vintid", "source", "target_vcpu",
	"source_vcpu", "priority", "nr_lrs", "point", "used", "hcr", "misr", "eisr", "elrsr",
	"lr0", "lr1", "lr2", "lr3", "lr4", "lr5", "lr6", "lr7", "lr8", "lr9", "lr10", "lr11",
	"lr12", "lr13", "lr14", "lr15", "level", "len", "text",
};

#define CSV_MAX_COLS  256u
#define CSV_NAME_LEN  40u
#define CSV_MAX_CELLS 32u

static char     col_names[CSV_MAX_COLS][CSV_NAME_LEN];
static unsigned nr_cols;  /* extra included */
static unsigned col_extra; /* the last */

/*
 * A record type's cells: each element of each field and the column it goes
 * to, indexed by trace_type_index().
 */
struct csv_cell {
	const struct trace_field *f;
	uint8_t col;
	uint8_t elem;
};

static struct csv_cell csv_cells[TRACE_TYPES_MAX][CSV_MAX_CELLS];
static uint8_t csv_nr_cells[TRACE_TYPES_MAX];

/* The column called name, added at the end when there is none; -1 when full. */
static int col_get(const char *name)
{
	unsigned col;

	for (col = 0; col < nr_cols; col++)
		if (!strcmp(col_names[col], name))
			return (int)col;
	if (nr_cols == CSV_MAX_COLS - 1 || strlen(name) >= CSV_NAME_LEN)
		return -1;
	snprintf(col_names[nr_cols], CSV_NAME_LEN, "%s", name);
	return (int)nr_cols++;
}

/* -E2BIG when the table has more columns, or a type more cells, than this file holds. */
static int csv_init(char *err, size_t errlen)
{
	static int done;
	const struct trace_type_info *tt;
	const struct trace_field *f;
	char name[CSV_NAME_LEN];
	unsigned t, i, e, n;
	int col;

#define COL_NAME(id, name) col_get(name);
	if (done)
		return done < 0 ? -E2BIG : 0;
	done = -1;
	HDR_COLUMNS(COL_NAME)
#undef COL_NAME
	for (i = 0; i < sizeof(first_field_columns) / sizeof(first_field_columns[0]); i++)
		col_get(first_field_columns[i]);
	for (t = 0; t < trace_nr_types; t++) {
		tt = &trace_types[t];
		n = 0;
		for (i = 0; i < tt->nr_fields; i++) {
			f = &tt->field[i];
			for (e = 0; e < f->count; e++) {
				if (f->count > 1)
					snprintf(name, sizeof(name), "%s%u", f->name, e);
				else
					snprintf(name, sizeof(name), "%s", f->name);
				col = col_get(name);
				if (col < 0 || n == CSV_MAX_CELLS) {
					snprintf(err, errlen, "csv: record type %s has too many fields",
						 tt->name);
					return -E2BIG;
				}
				csv_cells[t][n++] = (struct csv_cell){ f, (uint8_t)col, (uint8_t)e };
			}
		}
		csv_nr_cells[t] = (uint8_t)n;
	}
	col_extra = (unsigned)col_get("extra");
	done = 1;
	return 0;
}

/* Where a cell's value is in the record. */
static const uint8_t *cell_at(const struct csv_cell *cc, const uint8_t *rec)
{
	return rec + cc->f->off + (size_t)cc->elem * cc->f->size;
}

static void store_uint(uint8_t *p, unsigned len, uint64_t v)
{
	memcpy(p, &v, len); /* little-endian, as the records */
}

/* ------------------------------------------------------------------ writer */

enum cell_kind { CELL_EMPTY, CELL_DEC, CELL_HEX, CELL_STR, CELL_BYTES };

struct csv_row {
	uint64_t    filled[CSV_MAX_COLS / 64]; /* bit col: kind[col] is not CELL_EMPTY */
	uint8_t     kind[CSV_MAX_COLS];
	uint64_t    v[CSV_MAX_COLS];
	const char *s[CSV_MAX_COLS];
	size_t      len[CSV_MAX_COLS];
};

static void cell_kind(struct csv_row *row, unsigned col, enum cell_kind kind)
{
	row->kind[col] = (uint8_t)kind;
	row->filled[col / 64] |= 1ull << (col % 64);
}

static void cell_num(struct csv_row *row, unsigned col, enum cell_kind kind, uint64_t v)
{
	cell_kind(row, col, kind);
	row->v[col] = v;
}

static void cell_str(struct csv_row *row, unsigned col, const char *s, size_t len)
{
	cell_kind(row, col, CELL_STR);
	row->s[col] = s;
	row->len[col] = len;
}

/* A text field, quoted when RFC 4180 requires it. */
static void put_text(struct export_out *out, const char *s, size_t len)
{
	size_t i;

	if (!memchr(s, ',', len) && !memchr(s, '"', len) && !memchr(s, '\r', len) &&
	    !memchr(s, '\n', len)) {
		export_out_put(out, s, len);
		return;
	}
	export_out_char(out, '"');
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			export_out_char(out, '"');
		export_out_char(out, s[i]);
	}
	export_out_char(out, '"');
}

static void put_bytes_hex(struct export_out *out, const uint8_t *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		export_out_char(out, digits[p[i] >> 4]);
		export_out_char(out, digits[p[i] & 0xf]);
	}
}

static void fill_row(struct csv_row *row, const struct trace_hdr *h, uint32_t cpu, uint64_t freq)
{
	const uint8_t *rec = (const uint8_t *)h;
	const struct csv_cell *cc;
	const char *name;
	size_t known, i;
	int t;

	memset(row->filled, 0, sizeof(row->filled));
	cell_num(row, COL_TS_NS, CELL_DEC, export_ticks_to_ns(h->ts, freq));
	cell_num(row, COL_TS, CELL_DEC, h->ts);
	cell_num(row, COL_CPU, CELL_DEC, cpu);
	if (h->vm != TRACE_NO_VM)
		cell_num(row, COL_VM, CELL_DEC, h->vm);
	if (h->vcpu != TRACE_NO_VCPU)
		cell_num(row, COL_VCPU, CELL_DEC, h->vcpu);
	if (h->vmid != TRACE_NO_VMID)
		cell_num(row, COL_VMID, CELL_DEC, h->vmid);
	cell_num(row, COL_VMID_GEN, CELL_DEC, h->vmid_gen);
	cell_num(row, COL_SEQ, CELL_DEC, h->seq);
	name = trace_type_name(h->type);
	if (name) {
		cell_str(row, COL_TYPE, name, strlen(name));
	} else {
		/* "type_0x0100": kept in the row's value, formatted when written */
		cell_num(row, COL_TYPE, CELL_HEX, h->type);
	}

	t = trace_type_index(h->type);
	known = t >= 0 ? trace_min_size(h->type) : sizeof(*h);
	for (i = 0; t >= 0 && i < csv_nr_cells[t]; i++) {
		cc = &csv_cells[t][i];
		switch (cc->f->kind) {
		case TFK_STR:
			cell_str(row, cc->col, (const char *)cell_at(cc, rec),
				 strnlen((const char *)cell_at(cc, rec), cc->f->size));
			break;
		case TFK_HEX:
			cell_num(row, cc->col, CELL_HEX, trace_load(cell_at(cc, rec), cc->f->size));
			break;
		case TFK_DEC:
		case TFK_ENUM:
			cell_num(row, cc->col, CELL_DEC, trace_load(cell_at(cc, rec), cc->f->size));
			break;
		default:
			name = trace_field_text(cc->f, rec);
			if (name)
				cell_str(row, cc->col, name, strlen(name));
			break;
		}
	}
	if (h->size > known) {
		cell_kind(row, col_extra, CELL_BYTES);
		row->s[col_extra] = (const char *)rec + known;
		row->len[col_extra] = h->size - known;
	}
}

/*
 * n commas: the separators before and between empty cells, eight bytes a
 * store (the buffer is reserved 8 bytes past them; len moves by n only).
 */
static inline void put_commas(struct export_out *out, unsigned n)
{
	static const char eight[8] = { ',', ',', ',', ',', ',', ',', ',', ',' };
	char *dst = export_out_reserve(out, (size_t)n + sizeof(eight));
	unsigned i;

	if (!dst)
		return;
	for (i = 0; i < n; i += sizeof(eight))
		memcpy(dst + i, eight, sizeof(eight));
	out->len += n;
}

/*
 * The row's nr_cols cells, comma separated: only the filled ones are looked
 * at (most of a wide row is empty), the commas between them go out in runs.
 */
static void put_row(struct export_out *out, const struct csv_row *row)
{
	char *dst;
	unsigned col, word, commas = 0; /* commas written so far: one before each cell but the first */
	uint64_t bits;

	for (word = 0; word < CSV_MAX_COLS / 64; word++) {
		for (bits = row->filled[word]; bits; bits &= bits - 1) {
			col = word * 64 + (unsigned)__builtin_ctzll(bits);
			if (col >= nr_cols)
				break;
			put_commas(out, col - commas);
			commas = col;
			switch (row->kind[col]) {
			case CELL_DEC:
				export_out_u64(out, row->v[col]);
				break;
			case CELL_HEX:
				if (col == COL_TYPE) {
					dst = export_out_reserve(out, 16);
					if (dst)
						out->len += (size_t)sprintf(dst, "type_0x%04" PRIx64,
									    row->v[col]);
				} else {
					export_out_hex(out, row->v[col]);
				}
				break;
			case CELL_STR:
				put_text(out, row->s[col], row->len[col]);
				break;
			case CELL_BYTES:
				put_bytes_hex(out, (const uint8_t *)row->s[col], row->len[col]);
				break;
			}
		}
	}
	if (nr_cols)
		put_commas(out, nr_cols - 1 - commas);
	export_out_put(out, "\r\n", 2);
}

/* ------------------------------------------------------- compiled writer */

/*
 * The fast writer: per record type, built once from csv_cells, a program of
 * ops in column order. Each cell's op writes the comma before it and the
 * cell, straight into the output buffer, the comma in the same store as the
 * cell's first bytes where it can; the empty cells before it are an op of
 * their own (OP_COMMAS), and the last op (OP_END) writes the commas up to
 * and with the one before extra, the extra bytes and the line end. Stored
 * bytes count: a row used to store 16 commas before each cell, and that
 * alone cost 7 % of the user time. The kinds carry the field's size,
 * so a value is one load of its width; each op's code jumps straight to the
 * next op's (threaded code: no loop counter, no switch). It writes what
 * fill_row() and put_row() write, byte for byte; a type with two cells in
 * one column (never in this version's table) keeps that slower pair.
 */
#define CSV_OP_KINDS(K)                                                                     \
	K(DEC1) K(DEC2) K(DEC4) K(DEC8) K(HEX1) K(HEX2) K(HEX4) K(HEX8) K(STR) K(NAME)       \
	K(COMMAS) K(END)

#define OP_ENUM(k) OP_##k,
enum csv_op_kind { CSV_OP_KINDS(OP_ENUM) NR_OP_KINDS };
#undef OP_ENUM

struct csv_op {
	const struct trace_field *f; /* OP_NAME */
	uint16_t off;   /* of the value; OP_NAME: of the 8 bytes its value ends */
	uint8_t  kind;  /* enum csv_op_kind */
	uint8_t  size;  /* OP_STR: of the array; OP_NAME: of the value; OP_COMMAS, OP_END: commas */
	uint8_t  cache; /* OP_NAME: its name cache, below CSV_NAME_OPS */
};

#define CSV_TYPE_NAME 32u /* a type name and its comma fit this, as one fixed-size copy */
#define CSV_MAX_OPS   (2u * CSV_MAX_CELLS + 1u)

struct csv_prog {
	struct csv_op op[CSV_MAX_OPS];
	bool     slow;      /* duplicate columns: fill_row() and put_row() */
	bool     unknown;   /* a type this version does not decode: "type_0x0100" */
	uint8_t  name_len;
	uint32_t known;     /* trace_min_size(), or the header's size */
	char     name_pad[CSV_TYPE_NAME]; /* name, zero padded */
};

/* OP_NAME ops of all types together; a type that would go past keeps the slow pair. */
#define CSV_NAME_OPS 8u
static unsigned csv_nr_name_ops;

static struct csv_prog csv_progs[TRACE_TYPES_MAX];
static struct csv_prog csv_unknown_prog;
static const struct csv_prog *csv_prog_of_type[TRACE_TYPE_LIMIT];

/*
 * The cell of every byte value in decimal and in hex, the comma before it
 * included (",255", ",0xff"), and its length in the top byte: one load and
 * one store a cell of one byte.
 */
static uint64_t csv_dec_u8[256], csv_hex_u8[256];

static const struct csv_prog *csv_prog(uint32_t type)
{
	return type < TRACE_TYPE_LIMIT ? csv_prog_of_type[type] : &csv_unknown_prog;
}

/* An op of kind for a cell gap columns after the one before: the empty cells as an op of their own. */
static struct csv_op *csv_add_op(struct csv_prog *p, unsigned *n, unsigned kind, unsigned gap)
{
	struct csv_op *op;

	if (gap > 1 && kind != OP_END) {
		op = &p->op[(*n)++];
		op->kind = OP_COMMAS;
		op->size = (uint8_t)(gap - 1);
	}
	op = &p->op[(*n)++];
	op->kind = (uint8_t)kind;
	return op;
}

/* The op kind of an integer cell of size bytes shown as kind; NR_OP_KINDS when none. */
static unsigned csv_int_kind(unsigned kind, unsigned size)
{
	bool hex = kind == TFK_HEX;

	switch (size) {
	case 1:
		return hex ? OP_HEX1 : OP_DEC1;
	case 2:
		return hex ? OP_HEX2 : OP_DEC2;
	case 4:
		return hex ? OP_HEX4 : OP_DEC4;
	case 8:
		return hex ? OP_HEX8 : OP_DEC8;
	default:
		return NR_OP_KINDS;
	}
}

static void csv_compile_type(struct csv_prog *p, unsigned t)
{
	struct csv_cell sorted[CSV_MAX_CELLS], tmp;
	const struct csv_cell *cc;
	unsigned n = csv_nr_cells[t], i, j, prev = COL_TYPE, nops = 0, kind;
	struct csv_op *op;

	memcpy(sorted, csv_cells[t], n * sizeof(sorted[0]));
	for (i = 1; i < n; i++) { /* insertion sort by column: n is small */
		tmp = sorted[i];
		for (j = i; j > 0 && sorted[j - 1].col > tmp.col; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = tmp;
	}
	p->name_len = (uint8_t)strlen(trace_types[t].name);
	p->known = trace_types[t].size;
	if (strpbrk(trace_types[t].name, ",\"\r\n") || p->name_len >= CSV_TYPE_NAME)
		p->slow = true;
	else
		memcpy(p->name_pad, trace_types[t].name, p->name_len);
	for (i = 0; i < n && !p->slow; i++) {
		cc = &sorted[i];
		if (cc->col <= prev || cc->col >= col_extra) {
			p->slow = true;
			break;
		}
		switch (cc->f->kind) {
		case TFK_STR:
			kind = OP_STR;
			break;
		case TFK_HEX:
		case TFK_DEC:
		case TFK_ENUM:
			kind = csv_int_kind(cc->f->kind, cc->f->size);
			break;
		default:
			kind = OP_NAME;
			break;
		}
		if (kind == NR_OP_KINDS || (kind == OP_NAME && (csv_nr_name_ops == CSV_NAME_OPS ||
							       !cc->f->size || cc->f->size > 8))) {
			p->slow = true;
			break;
		}
		op = csv_add_op(p, &nops, kind, cc->col - prev);
		op->f = cc->f;
		op->off = (uint16_t)(cc->f->off + (size_t)cc->elem * cc->f->size);
		op->size = cc->f->size;
		if (kind == OP_NAME) {
			/* one 8-byte load ending at the value, never before the record */
			if (op->off + op->size < 8)
				p->slow = true; /* never: fields follow the header */
			op->off = (uint16_t)(op->off + op->size - 8);
			op->cache = (uint8_t)csv_nr_name_ops++;
		}
		prev = cc->col;
	}
	op = csv_add_op(p, &nops, OP_END, col_extra - prev);
	op->size = (uint8_t)(col_extra - prev);
}

static void csv_compile(void)
{
	static int done;
	char text[24];
	unsigned t, v, n;

	if (done)
		return;
	done = 1;
	text[0] = ',';
	for (v = 0; v < 256; v++) {
		n = 1 + (unsigned)export_fmt_u64(text + 1, v);
		memcpy(&csv_dec_u8[v], text, n);
		csv_dec_u8[v] |= (uint64_t)n << 56;
		n = 1 + (unsigned)export_fmt_hex(text + 1, v);
		memcpy(&csv_hex_u8[v], text, n);
		csv_hex_u8[v] |= (uint64_t)n << 56;
	}
	csv_unknown_prog.unknown = true;
	csv_unknown_prog.known = sizeof(struct trace_hdr);
	csv_unknown_prog.op[0].kind = OP_END;
	csv_unknown_prog.op[0].size = (uint8_t)(col_extra - COL_TYPE);
	for (t = 0; t < TRACE_TYPE_LIMIT; t++)
		csv_prog_of_type[t] = &csv_unknown_prog;
	for (t = 0; t < trace_nr_types; t++) {
		csv_compile_type(&csv_progs[t], t);
		if (trace_types[t].type < TRACE_TYPE_LIMIT)
			csv_prog_of_type[trace_types[t].type] = &csv_progs[t];
	}
}
/* Bytes a row may take before its text cells and extra bytes. */
#define CSV_ROW_RESERVE (CSV_MAX_COLS + 64u * (NR_HDR_COLS + CSV_MAX_CELLS) + 64u)

/* Text of len bytes: in place when it needs no quotes, else through put_text(). */
static char *csv_text(struct export_out *out, char *dst, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == ',' || c == '"' || c == '\r' || c == '\n')
			break;
	}
	if (i == len && len <= 64) {
		memcpy(dst, s, len);
		return dst + len;
	}
	out->len = (size_t)(dst - out->buf);
	put_text(out, s, len);
	return export_out_reserve(out, CSV_ROW_RESERVE);
}

/*
 * What the rows of one CPU hold between ts and seq, "cpu,vm,vcpu,vmid,vmid_gen,":
 * the same for long runs of records, so kept per CPU and remade when the
 * record's vm, vcpu, vmid or vmid_gen differ.
 */
struct csv_ident {
	uint64_t ident;    /* the header's vm | vcpu << 16 */
	uint64_t vmid_gen;
	uint32_t vmid;     /* UINT32_MAX: nothing yet */
	uint32_t len;
	char     text[64]; /* 43 bytes at most, written and copied 48 at a time */
};

/*
 * A growing number of one CPU's rows (ts_ns, ts) kept as the text of its
 * digits above the last six, which change seldom from a row to the next
 * (ts_ns at 62.5 MHz moves by about 3,500 a row of one CPU on the bench
 * trace: above the last four digits it changed every third row).
 */
struct csv_num {
	uint64_t hi;       /* v / 10^6 of the last number; 0: nothing kept */
	uint32_t len;
	char     text[32]; /* 16 digits at most, copied 16 at a time */
};

/*
 * ... and seq, which grows by one: the text of the multiple of ten at or
 * below it, whose last digit each row writes over in the output. The kept
 * text is written only when the tens change: a store into it just before
 * the wider load that copies it out could not be forwarded to that load,
 * which would wait for the store to reach the cache.
 */
struct csv_seq {
	uint64_t tens;     /* seq - seq % 10 */
	uint32_t len;      /* 0: nothing kept */
	char     text[32]; /* 20 digits at most, copied 24 at a time */
};

struct csv_cpu {
	struct csv_ident ident;
	struct csv_num ns, ts;
	struct csv_seq seq;
};

/* v in decimal at dst, its digits above the last four from c when they are the same. */
static inline char *csv_num(char *dst, uint64_t v, struct csv_num *c)
{
	const char *pairs = export_pairs();
	uint64_t hi = v / 1000000;
	uint32_t lo = (uint32_t)(v - hi * 1000000), q = lo / 10000, r = lo - q * 10000;

	if (__builtin_expect(!hi, 0))
		return dst + export_fmt_u64(dst, v);
	if (hi != c->hi) {
		c->hi = hi;
		c->len = (uint32_t)export_fmt_u64(c->text, hi);
	}
	memcpy(dst, c->text, 16);
	dst += c->len;
	memcpy(dst, pairs + 2 * q, 2);
	q = r / 100;
	memcpy(dst + 2, pairs + 2 * q, 2);
	memcpy(dst + 4, pairs + 2 * (r - 100 * q), 2);
	return dst + 6;
}

static inline char *csv_seq(char *dst, uint64_t seq, struct csv_seq *c)
{
	uint64_t units = seq - c->tens;

	if (__builtin_expect(units >= 10 || !c->len, 0)) {
		units = seq % 10;
		c->tens = seq - units;
		c->len = (uint32_t)export_fmt_u64(c->text, c->tens);
	}
	memcpy(dst, c->text, 24);
	dst[c->len - 1] = (char)('0' + units);
	return dst + c->len;
}

/* A computed name's cell (OP_NAME) that needs no quotes, its comma first, kept by the field's value. */
#define CSV_NAME_CACHE 32u

struct csv_name {
	uint64_t value;
	uint8_t  len;   /* 0: empty slot, or a name that needs quotes or is long (not kept) */
	bool     used;
	char     text[32];
};

struct csv_writer {
	struct export_clock clock;
	struct csv_row *row;                        /* the slow pair's */
	struct csv_name names[CSV_NAME_OPS][CSV_NAME_CACHE];
	struct csv_cpu cpu[TF_MAX_CPUS];
};

static void csv_ident_make(struct csv_ident *id, uint32_t cpu, const struct trace_hdr *h)
{
	char *t = id->text;

	id->ident = h->ident;
	id->vmid = h->vmid;
	id->vmid_gen = h->vmid_gen;
	t += export_fmt_u64(t, cpu);
	*t++ = ',';
	if (h->vm != TRACE_NO_VM)
		t += export_fmt_u64(t, h->vm);
	*t++ = ',';
	if (h->vcpu != TRACE_NO_VCPU)
		t += export_fmt_u64(t, h->vcpu);
	*t++ = ',';
	if (h->vmid != TRACE_NO_VMID)
		t += export_fmt_u64(t, h->vmid);
	*t++ = ',';
	t += export_fmt_u64(t, h->vmid_gen);
	*t++ = ',';
	id->len = (uint32_t)(t - id->text);
}

/* A computed name's cell and its comma at dst: from the op's cache when it holds the value, else made. */
static inline char *csv_name(struct csv_writer *w, struct export_out *out, char *dst,
			     const struct csv_op *op, const uint8_t *rec)
{
	uint64_t v;
	struct csv_name *n;
	const char *s;
	size_t len;

	memcpy(&v, rec + op->off, 8);
	v >>= 64 - 8 * op->size;
	n = &w->names[op->cache][v % CSV_NAME_CACHE];
	if (__builtin_expect(n->used && n->value == v, 1)) {
		if (n->len) {
			memcpy(dst, n->text, sizeof(n->text));
			return dst + n->len;
		}
	}
	s = trace_field_text(op->f, rec);
	len = s ? strlen(s) : 0;
	n->used = true;
	n->value = v;
	n->len = 0;
	if (s && len && len < sizeof(n->text) - 1 && !strpbrk(s, ",\"\r\n")) {
		memset(n->text, 0, sizeof(n->text));
		n->text[0] = ',';
		memcpy(n->text + 1, s, len);
		n->len = (uint8_t)(len + 1);
	}
	*dst = ',';
	return s ? csv_text(out, dst + 1, s, len) : dst + 1;
}

/* The little-endian unsigned integer of type T at p. */
#define CSV_LOAD(T, p) ({ T v_; memcpy(&v_, (p), sizeof(v_)); v_; })

/*
 * The cells of a value, the comma before them included: from the table
 * (csv_dec_u8, csv_hex_u8) when below 256, the most common: zeros, flags,
 * small counts.
 */
static inline bool csv_small(char **dst, const uint64_t *table, uint64_t v)
{
	uint64_t x;

	if (v >= 256)
		return false;
	x = table[v];
	memcpy(*dst, &x, 8);
	*dst += x >> 56;
	return true;
}

static inline char *csv_dec(char *dst, uint64_t v)
{
	if (csv_small(&dst, csv_dec_u8, v))
		return dst;
	*dst = ',';
	if (v < 100000000u)
		return dst + 1 + export_fmt_u32_8(dst + 1, (uint32_t)v);
	return dst + 1 + export_fmt_u64(dst + 1, v);
}

/* in hex: wider values in a vector register, after ",0x" stored as one word */
static inline char *csv_hex(char *dst, uint64_t v)
{
	if (csv_small(&dst, csv_hex_u8, v))
		return dst;
	memcpy(dst, ",0x", 4);
	return dst + 3 + export_hex_digits(dst + 3, v);
}

static const char csv_many_commas[32] = ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,";

/* n commas at dst, 16 a store (the buffer has room for 16 more). */
static inline char *csv_commas(char *dst, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i += 16)
		memcpy(dst + i, csv_many_commas, 16);
	return dst + n;
}

/*
 * ... up to 112 of them without a loop, for the tail of a row (the buffer
 * has room for 144 more): 33 to 100 commas for the types of the bench trace.
 */
static inline char *csv_comma_tail(char *dst, unsigned n)
{
	unsigned i;

	memcpy(dst, csv_many_commas, 32);
	memcpy(dst + 32, csv_many_commas, 32);
	memcpy(dst + 64, csv_many_commas, 32);
	memcpy(dst + 96, csv_many_commas, 16);
	for (i = 112; __builtin_expect(i < n, 0); i += sizeof(csv_many_commas))
		memcpy(dst + i, csv_many_commas, sizeof(csv_many_commas));
	return dst + n;
}

/*
 * The rows of the records in recs[0..n) that o keeps, \r\n included, and
 * their counts in st. Stops early only when writing failed (out->error).
 * The output position is kept in dst and written back to out->len only
 * around the calls that use out.
 */
static void csv_put_records(struct csv_writer *w, struct export_out *out,
			    const struct tf_record *recs, unsigned n, const struct export_opts *o,
			    struct export_stats *st)
{
#define OP_LABEL(k) [OP_##k] = &&op_##k,
	static const void *const go[NR_OP_KINDS] = { CSV_OP_KINDS(OP_LABEL) };
#undef OP_LABEL
	static const char hexd[] = "0123456789abcdef";
	const bool filter = o->vm != EXPORT_ALL_VMS || o->since || o->until != UINT64_MAX;
	const struct tf_record *const first = recs, *const end = recs + n;
	/* the last place a row may start: the buffer has CSV_ROW_RESERVE bytes after it */
	char *const last = out->buf + out->cap - CSV_ROW_RESERVE;
	uint64_t exported = 0, unknown = 0;
	const struct trace_hdr *h;
	const struct csv_prog *p;
	const struct csv_op *op;
	const uint8_t *rec;
	struct csv_ident *id;
	struct csv_cpu *c;
	char *dst = out->buf + out->len;
	const char *s;
	size_t i;

	/* each op's code goes on to the next op's */
#define NEXT_OP() goto *go[op->kind]
	/* around the slow paths, which write through out */
#define SYNC() (out->len = (size_t)(dst - out->buf))
#define RELOAD()                                        \
	do {                                            \
		if (out->error)                         \
			goto stop;                      \
		dst = out->buf + out->len;              \
	} while (0)

next_record:
	if (recs == end)
		goto stop;
	h = recs->hdr;
	rec = (const uint8_t *)h;
	if (filter && !export_keep(o, h)) {
		recs++;
		goto next_record;
	}
	p = csv_prog(h->type);
	exported++;
	unknown += p->unknown;
	if (__builtin_expect(p->slow, 0)) {
		SYNC();
		fill_row(w->row, h, recs->cpu, w->clock.freq);
		put_row(out, w->row);
		RELOAD();
		recs++;
		goto next_record;
	}
	if (__builtin_expect(dst > last, 0)) {
		SYNC();
		if (export_out_flush_buf(out))
			goto stop;
		dst = out->buf;
	}
	c = &w->cpu[recs->cpu];
	dst = csv_num(dst, export_clock_ns(&w->clock, h->ts), &c->ns);
	*dst++ = ',';
	dst = csv_num(dst, h->ts, &c->ts);
	*dst++ = ',';
	id = &c->ident;
	if (__builtin_expect((id->ident ^ h->ident) | (id->vmid ^ h->vmid) |
			     (id->vmid_gen ^ h->vmid_gen), 0))
		csv_ident_make(id, recs->cpu, h);
	memcpy(dst, id->text, 48);
	dst += id->len;
	dst = csv_seq(dst, h->seq, &c->seq);
	*dst++ = ',';
	if (__builtin_expect(p->unknown, 0)) {
		dst += sprintf(dst, "type_0x%04x", (unsigned)h->type);
	} else {
		memcpy(dst, p->name_pad, CSV_TYPE_NAME);
		dst += p->name_len;
	}
	op = p->op;
	NEXT_OP();
	/* an integer cell: the value of type T at the op's offset, written by fmt */
#define INT_OP(kind, T, fmt)                                          \
	op_##kind : dst = fmt(dst, CSV_LOAD(T, rec + op->off));       \
	op++;                                                         \
	NEXT_OP();
	INT_OP(DEC1, uint8_t, csv_dec)
	INT_OP(DEC2, uint16_t, csv_dec)
	INT_OP(DEC4, uint32_t, csv_dec)
	INT_OP(DEC8, uint64_t, csv_dec)
	INT_OP(HEX1, uint8_t, csv_hex)
	INT_OP(HEX2, uint16_t, csv_hex)
	INT_OP(HEX4, uint32_t, csv_hex)
	INT_OP(HEX8, uint64_t, csv_hex)
#undef INT_OP
op_STR:
	s = (const char *)rec + op->off;
	*dst = ',';
	dst = csv_text(out, dst + 1, s, strnlen(s, op->size));
	if (!dst)
		goto stop;
	op++;
	NEXT_OP();
op_NAME:
	dst = csv_name(w, out, dst, op, rec);
	if (!dst)
		goto stop;
	op++;
	NEXT_OP();
op_COMMAS:
	dst = csv_commas(dst, op->size);
	op++;
	NEXT_OP();
#undef NEXT_OP
op_END:
	dst = csv_comma_tail(dst, op->size);
	if (h->size > p->known) {
		SYNC();
		dst = export_out_reserve(out, 2u * (h->size - p->known) + 2);
		if (!dst)
			goto stop;
		for (i = p->known; i < h->size; i++) {
			*dst++ = hexd[rec[i] >> 4];
			*dst++ = hexd[rec[i] & 0xf];
		}
	}
	memcpy(dst, "\r\n", 2);
	dst += 2;
	recs++;
	goto next_record;

stop:
	/* on an error, the record that met it counts as read and exported, as before */
	if (recs != end && out->error)
		recs++;
	st->records += (uint64_t)(recs - first);
	st->exported += exported;
	st->unknown += unknown;
	if (!out->error)
		SYNC();
#undef SYNC
#undef RELOAD
}

/* Records taken from the reader's merge at a time. */
#define CSV_BATCH 64u

int export_csv(struct tf_reader *r, const char *path, const struct export_opts *o,
	       struct export_stats *st, char *err, size_t errlen)
{
	struct export_stats local;
	struct tf_reader_stats rs;
	struct tf_record batch[CSV_BATCH];
	struct export_out out;
	struct csv_writer *w;
	unsigned col, i;
	int ret, n = 0;

	ret = csv_init(err, errlen);
	if (ret)
		return ret;
	csv_compile();
	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	w = calloc(1, sizeof(*w));
	if (w)
		w->row = malloc(sizeof(*w->row));
	if (!w || !w->row) {
		free(w);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	for (i = 0; i < TF_MAX_CPUS; i++)
		w->cpu[i].ident.vmid = UINT32_MAX;
	export_clock_init(&w->clock, tf_reader_header(r)->cntfrq);
	ret = export_out_open(&out, path, 256u << 10, err, errlen);
	if (ret) {
		free(w->row);
		free(w);
		return ret;
	}
	for (col = 0; col < nr_cols; col++) {
		if (col)
			export_out_char(&out, ',');
		export_out_str(&out, col_names[col]);
	}
	export_out_put(&out, "\r\n", 2);

	tf_reader_rewind(r);
	while (!out.error && (n = tf_reader_next_batch(r, batch, CSV_BATCH)) > 0)
		csv_put_records(w, &out, batch, (unsigned)n, o, st);
	free(w->row);
	free(w);
	if (n < 0) {
		snprintf(err, errlen, "%s: reading the trace: %s", o->source ? o->source : "trace",
			 strerror(-n));
		export_out_close(&out, NULL, 0);
		return n;
	}
	ret = export_out_close(&out, err, errlen);
	st->bytes = out.bytes;
	tf_reader_stats(r, &rs);
	st->lost = rs.lost;
	return ret;
}

/* ------------------------------------------------------------------ reader */

struct export_csv_reader {
	char   *data;         /* the whole file, NUL terminated */
	size_t  len, at;
	unsigned long line;   /* of the row being read */
	int     col_of[CSV_MAX_COLS]; /* file column of each known column, -1 when absent */
	unsigned nr_file_cols;
	char  **cells;        /* this row's cells, unquoted in place */
	size_t *cell_len;
	char    msg[EXPORT_MSG_LEN];
};

/*
 * Split the row at c->at into cells, unquoting in place. Returns the number
 * of cells, 0 at the end of the data, -EBADMSG on a broken quote.
 */
static int split_row(struct export_csv_reader *c, char **cells, size_t *lens, unsigned max)
{
	char *p = c->data + c->at, *end = c->data + c->len, *w;
	unsigned n = 0;
	bool more = true;

	if (p >= end)
		return 0;
	while (more) {
		char *start = p;

		if (p < end && *p == '"') {
			w = start;
			p++;
			for (;;) {
				if (p >= end)
					return -EBADMSG;
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"') {
						*w++ = '"';
						p += 2;
						continue;
					}
					p++;
					break;
				}
				if (*p == '\n')
					c->line++;
				*w++ = *p++;
			}
			if (n < max) {
				cells[n] = start;
				lens[n] = (size_t)(w - start);
			}
		} else {
			while (p < end && *p != ',' && *p != '\r' && *p != '\n')
				p++;
			if (n < max) {
				cells[n] = start;
				lens[n] = (size_t)(p - start);
			}
		}
		n++;
		if (p < end && *p == ',') {
			p++;
		} else if (p >= end || *p == '\r' || *p == '\n') {
			if (p < end && *p == '\r')
				p++;
			if (p < end && *p == '\n')
				p++;
			more = false;
		} else {
			return -EBADMSG; /* text after a closing quote */
		}
	}
	c->at = (size_t)(p - c->data);
	return (int)n;
}

int export_csv_reader_open(struct export_csv_reader **cp, const char *path, char *err,
			   size_t errlen)
{
	struct export_csv_reader *c;
	char *names[CSV_MAX_COLS + 64];
	size_t lens[CSV_MAX_COLS + 64];
	unsigned i, col;
	FILE *f;
	long size;
	int n;

	*cp = NULL;
	n = csv_init(err, errlen);
	if (n)
		return n;
	f = fopen(path, "rb");
	if (!f) {
		n = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return n;
	}
	c = calloc(1, sizeof(*c));
	if (!c || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(c->data = malloc((size_t)size + 1)) ||
	    fread(c->data, 1, (size_t)size, f) != (size_t)size) {
		snprintf(err, errlen, "%s: cannot read", path);
		fclose(f);
		export_csv_reader_close(c);
		return -EIO;
	}
	fclose(f);
	c->len = (size_t)size;
	c->data[c->len] = '\0';
	c->line = 1;

	n = split_row(c, names, lens, CSV_MAX_COLS + 64);
	if (n <= 0 || n > (int)(CSV_MAX_COLS + 64)) {
		snprintf(err, errlen, "%s: line 1: no header row", path);
		export_csv_reader_close(c);
		return -EBADMSG;
	}
	c->nr_file_cols = (unsigned)n;
	for (col = 0; col < nr_cols; col++)
		c->col_of[col] = -1;
	for (i = 0; i < c->nr_file_cols; i++) {
		for (col = 0; col < nr_cols; col++) {
			if (strlen(col_names[col]) == lens[i] &&
			    !memcmp(col_names[col], names[i], lens[i]))
				c->col_of[col] = (int)i;
		}
	}
	if (c->col_of[COL_TYPE] < 0 || c->col_of[COL_TS] < 0 || c->col_of[COL_CPU] < 0) {
		snprintf(err, errlen, "%s: line 1: not a hypscope CSV (no type, ts or cpu column)",
			 path);
		export_csv_reader_close(c);
		return -EBADMSG;
	}
	c->cells = calloc(c->nr_file_cols, sizeof(*c->cells));
	c->cell_len = calloc(c->nr_file_cols, sizeof(*c->cell_len));
	if (!c->cells || !c->cell_len) {
		snprintf(err, errlen, "%s: out of memory", path);
		export_csv_reader_close(c);
		return -ENOMEM;
	}
	c->line = 2;
	*cp = c;
	return 0;
}

void export_csv_reader_close(struct export_csv_reader *c)
{
	if (!c)
		return;
	free(c->data);
	free(c->cells);
	free(c->cell_len);
	free(c);
}

const char *export_csv_reader_error(const struct export_csv_reader *c)
{
	return c ? c->msg : "";
}

static int bad(struct export_csv_reader *c, unsigned long line, const char *fmt, const char *what)
{
	snprintf(c->msg, sizeof(c->msg), "line %lu: %s%s", line, fmt, what ? what : "");
	return -EBADMSG;
}

/* The cell of column col: NULL when the file has no such column. */
static const char *cell(struct export_csv_reader *c, unsigned col, size_t *len)
{
	int i = c->col_of[col];

	if (i < 0) {
		*len = 0;
		return NULL;
	}
	*len = c->cell_len[i];
	return c->cells[i];
}

/* A number cell; empty gives dflt. */
static int cell_uint(struct export_csv_reader *c, unsigned long line, unsigned col, uint64_t dflt,
		     uint64_t max, uint64_t *v)
{
	char buf[32], *end;
	size_t len;
	const char *s = cell(c, col, &len);

	if (!s || !len) {
		*v = dflt;
		return 0;
	}
	if (len >= sizeof(buf))
		return bad(c, line, "number too long in column ", col_names[col]);
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	*v = strtoull(buf, &end, 0);
	if (errno || *end || buf[0] == '-' || *v > max)
		return bad(c, line, "bad number in column ", col_names[col]);
	return 0;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int export_csv_reader_next(struct export_csv_reader *c, void *out, size_t cap)
{
	unsigned long line = c->line;
	struct trace_hdr *h = out;
	uint8_t *rec = out;
	char name[32];
	const char *s;
	size_t len, known, extra, i;
	uint64_t v;
	int n, type, t, ret;

	n = split_row(c, c->cells, c->cell_len, c->nr_file_cols);
	if (n == 0)
		return 0;
	if (n < 0)
		return bad(c, line, "unterminated or misplaced quote", NULL);
	c->line++;
	if ((unsigned)n != c->nr_file_cols)
		return bad(c, line, "wrong number of columns", NULL);

	s = cell(c, COL_TYPE, &len);
	if (!len || len >= sizeof(name))
		return bad(c, line, "bad type", NULL);
	memcpy(name, s, len);
	name[len] = '\0';
	type = export_type_from_name(name);
	if (type < 0)
		return bad(c, line, "unknown type ", name);
	t = trace_type_index((uint32_t)type);
	known = t >= 0 ? trace_min_size((uint32_t)type) : sizeof(*h);

	s = cell(c, col_extra, &len);
	if (len % 2)
		return bad(c, line, "odd number of hex digits in column extra", NULL);
	extra = len / 2;
	if (known + extra > TRACE_MAX_RECORD || known + extra > cap || (known + extra) % 8)
		return bad(c, line, "record size impossible", NULL);
	memset(rec, 0, known + extra);
	for (i = 0; i < extra; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return bad(c, line, "bad hex digit in column extra", NULL);
		rec[known + i] = (uint8_t)(hi << 4 | lo);
	}

	h->type = (uint16_t)type;
	h->size = (uint16_t)(known + extra);
	if ((ret = cell_uint(c, line, COL_CPU, 0, 0xffff, &v)))
		return ret;
	h->cpu = (uint16_t)v;
	if ((ret = cell_uint(c, line, COL_VMID, TRACE_NO_VMID, 0xffff, &v)))
		return ret;
	h->vmid = (uint16_t)v;
	if ((ret = cell_uint(c, line, COL_SEQ, 0, UINT64_MAX, &h->seq)) ||
	    (ret = cell_uint(c, line, COL_TS, 0, UINT64_MAX, &h->ts)) ||
	    (ret = cell_uint(c, line, COL_VMID_GEN, 0, UINT64_MAX, &h->vmid_gen)))
		return ret;
	if ((ret = cell_uint(c, line, COL_VM, TRACE_NO_VM, 0xffff, &v)))
		return ret;
	h->vm = (uint16_t)v;
	if ((ret = cell_uint(c, line, COL_VCPU, TRACE_NO_VCPU, 0xffff, &v)))
		return ret;
	h->vcpu = (uint16_t)v;

	for (i = 0; t >= 0 && i < csv_nr_cells[t]; i++) {
		const struct csv_cell *cc = &csv_cells[t][i];
		uint8_t *at = rec + cc->f->off + (size_t)cc->elem * cc->f->size;
		unsigned size = cc->f->size;

		if (trace_field_computed(cc->f))
			continue; /* a name shown for people, derived from another field */
		if (cc->f->kind == TFK_STR) {
			s = cell(c, cc->col, &len);
			if (len >= size)
				return bad(c, line, "text too long in column ", col_names[cc->col]);
			if (len)
				memcpy(at, s, len);
			continue;
		}
		ret = cell_uint(c, line, cc->col, 0, size == 8 ? UINT64_MAX : (1ull << (8 * size)) - 1,
				&v);
		if (ret)
			return ret;
		store_uint(at, size, v);
	}
	return 1;
}
