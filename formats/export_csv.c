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
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/esr.h"
#include "formats/export.h"
#include "formats/smccc.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the CSV exporter reads little-endian records in place"
#endif

/* ---------------------------------------------------------------- columns */

#define LR_COLUMNS(C)                                                                       \
	C(LR0, "lr0") C(LR1, "lr1") C(LR2, "lr2") C(LR3, "lr3") C(LR4, "lr4") C(LR5, "lr5")    \
	C(LR6, "lr6") C(LR7, "lr7") C(LR8, "lr8") C(LR9, "lr9") C(LR10, "lr10")              \
	C(LR11, "lr11") C(LR12, "lr12") C(LR13, "lr13") C(LR14, "lr14") C(LR15, "lr15")

#define CSV_COLUMNS(C)                                                                      \
	C(TS_NS, "ts_ns") C(TS, "ts") C(CPU, "cpu") C(VM, "vm") C(VCPU, "vcpu")               \
	C(VMID, "vmid") C(VMID_GEN, "vmid_gen") C(SEQ, "seq") C(TYPE, "type")                 \
	C(ESR, "esr") C(ELR, "elr") C(FAR, "far") C(HPFAR, "hpfar") C(COST, "cost")           \
	C(INSN, "insn") C(EXIT_CLASS, "exit_class") C(EXIT_CLASS_NAME, "exit_class_name")     \
	C(OUTCOME, "outcome") C(FLAGS, "flags")                                               \
	C(PC, "pc") C(PENDING_IRQS, "pending_irqs") C(LRS_USED, "lrs_used")                   \
	C(TICKS, "ticks") C(REASON, "reason") C(RUNNABLE, "runnable")                         \
	C(SERIAL, "serial") C(MEM_SIZE, "mem_size") C(NR_VCPUS, "nr_vcpus")                   \
	C(STATE, "state") C(EXIT_STATUS, "exit_status") C(NAME, "name")                       \
	C(IN_USE, "in_use") C(VMID_BITS, "vmid_bits") C(OLD_GEN, "old_gen")                   \
	C(NEW_GEN, "new_gen") C(FLUSH_COST, "flush_cost")                                     \
	C(IPA, "ipa") C(VALUE, "value") C(DEVICE, "device") C(WIDTH, "width")                 \
	C(IS_WRITE, "is_write") C(RESULT, "result")                                           \
	C(FID, "fid") C(FID_NAME, "fid_name") C(CONDUIT, "conduit")                           \
	C(ARGS0, "args0") C(ARGS1, "args1") C(ARGS2, "args2") C(ARGS3, "args3")               \
	C(ARGS4, "args4") C(ARGS5, "args5")                                                   \
	C(RESULT0, "result0") C(RESULT1, "result1") C(RESULT2, "result2") C(RESULT3, "result3") \
	C(VINTID, "vintid") C(SOURCE, "source") C(TARGET_VCPU, "target_vcpu")                 \
	C(SOURCE_VCPU, "source_vcpu") C(PRIORITY, "priority")                                 \
	C(NR_LRS, "nr_lrs") C(POINT, "point") C(USED, "used") C(HCR, "hcr") C(MISR, "misr")   \
	C(EISR, "eisr") C(ELRSR, "elrsr") LR_COLUMNS(C)                                       \
	C(LEVEL, "level") C(LEN, "len") C(TEXT, "text")                                       \
	C(EXTRA, "extra")

#define COL_ENUM(id, name) COL_##id,
enum csv_col { CSV_COLUMNS(COL_ENUM) NR_COLS };
#undef COL_ENUM

#define COL_NAME(id, name) name,
static const char *const col_names[NR_COLS] = { CSV_COLUMNS(COL_NAME) };
#undef COL_NAME

/* ------------------------------------------------------- fields per type */

enum csv_fmt {
	CF_DEC,
	CF_HEX,
	CF_STR, /* NUL-padded char array of len bytes */
};

struct csv_field {
	uint8_t  col;
	uint8_t  fmt;
	uint8_t  len; /* bytes: 1, 2, 4, 8, or the char array's size */
	uint16_t off;
};

#define MSIZE(st, m) sizeof(((struct st *)0)->m)
#define D(st, m, c) { COL_##c, CF_DEC, MSIZE(st, m), offsetof(struct st, m) }
#define H(st, m, c) { COL_##c, CF_HEX, MSIZE(st, m), offsetof(struct st, m) }
#define S(st, m, c) { COL_##c, CF_STR, MSIZE(st, m), offsetof(struct st, m) }
#define HA(st, m, i, c) { COL_##c, CF_HEX, MSIZE(st, m[0]), offsetof(struct st, m) + (i) * MSIZE(st, m[0]) }

static const struct csv_field exit_fields[] = {
	H(trace_exit, esr, ESR),       H(trace_exit, elr, ELR),
	H(trace_exit, far, FAR),       H(trace_exit, hpfar, HPFAR),
	D(trace_exit, cost, COST),     H(trace_exit, insn, INSN),
	D(trace_exit, exit_class, EXIT_CLASS),
	D(trace_exit, outcome, OUTCOME), H(trace_exit, flags, FLAGS),
};

static const struct csv_field entry_fields[] = {
	H(trace_entry, pc, PC),
	D(trace_entry, pending_irqs, PENDING_IRQS),
	D(trace_entry, lrs_used, LRS_USED),
};

static const struct csv_field sched_fields[] = {
	H(trace_sched, pc, PC),         D(trace_sched, ticks, TICKS),
	D(trace_sched, reason, REASON), D(trace_sched, runnable, RUNNABLE),
};

static const struct csv_field vm_fields[] = {
	D(trace_vm, serial, SERIAL),     D(trace_vm, mem_size, MEM_SIZE),
	D(trace_vm, nr_vcpus, NR_VCPUS), D(trace_vm, state, STATE),
	D(trace_vm, exit_status, EXIT_STATUS), S(trace_vm, name, NAME),
};

static const struct csv_field vmid_alloc_fields[] = {
	D(trace_vmid_alloc, serial, SERIAL),
	D(trace_vmid_alloc, in_use, IN_USE),
	D(trace_vmid_alloc, vmid_bits, VMID_BITS),
};

static const struct csv_field vmid_rollover_fields[] = {
	D(trace_vmid_rollover, old_gen, OLD_GEN),
	D(trace_vmid_rollover, new_gen, NEW_GEN),
	D(trace_vmid_rollover, flush_cost, FLUSH_COST),
	D(trace_vmid_rollover, in_use, IN_USE),
	D(trace_vmid_rollover, vmid_bits, VMID_BITS),
};

static const struct csv_field mmio_fields[] = {
	H(trace_mmio, ipa, IPA),       H(trace_mmio, value, VALUE),
	D(trace_mmio, device, DEVICE), D(trace_mmio, width, WIDTH),
	D(trace_mmio, is_write, IS_WRITE), D(trace_mmio, result, RESULT),
};

static const struct csv_field smccc_fields[] = {
	H(trace_smccc, fid, FID), D(trace_smccc, conduit, CONDUIT),
	HA(trace_smccc, args, 0, ARGS0), HA(trace_smccc, args, 1, ARGS1),
	HA(trace_smccc, args, 2, ARGS2), HA(trace_smccc, args, 3, ARGS3),
	HA(trace_smccc, args, 4, ARGS4), HA(trace_smccc, args, 5, ARGS5),
	HA(trace_smccc, result, 0, RESULT0), HA(trace_smccc, result, 1, RESULT1),
	HA(trace_smccc, result, 2, RESULT2), HA(trace_smccc, result, 3, RESULT3),
};

static const struct csv_field irq_inject_fields[] = {
	D(trace_irq_inject, vintid, VINTID),
	D(trace_irq_inject, source, SOURCE),
	D(trace_irq_inject, target_vcpu, TARGET_VCPU),
	D(trace_irq_inject, source_vcpu, SOURCE_VCPU),
	D(trace_irq_inject, priority, PRIORITY),
};

static const struct csv_field vgic_lrs_fields[] = {
	D(trace_vgic_lrs, nr_lrs, NR_LRS), D(trace_vgic_lrs, point, POINT),
	H(trace_vgic_lrs, used, USED),     H(trace_vgic_lrs, hcr, HCR),
	H(trace_vgic_lrs, misr, MISR),     H(trace_vgic_lrs, eisr, EISR),
	H(trace_vgic_lrs, elrsr, ELRSR),
	HA(trace_vgic_lrs, lr, 0, LR0),   HA(trace_vgic_lrs, lr, 1, LR1),
	HA(trace_vgic_lrs, lr, 2, LR2),   HA(trace_vgic_lrs, lr, 3, LR3),
	HA(trace_vgic_lrs, lr, 4, LR4),   HA(trace_vgic_lrs, lr, 5, LR5),
	HA(trace_vgic_lrs, lr, 6, LR6),   HA(trace_vgic_lrs, lr, 7, LR7),
	HA(trace_vgic_lrs, lr, 8, LR8),   HA(trace_vgic_lrs, lr, 9, LR9),
	HA(trace_vgic_lrs, lr, 10, LR10), HA(trace_vgic_lrs, lr, 11, LR11),
	HA(trace_vgic_lrs, lr, 12, LR12), HA(trace_vgic_lrs, lr, 13, LR13),
	HA(trace_vgic_lrs, lr, 14, LR14), HA(trace_vgic_lrs, lr, 15, LR15),
};

static const struct csv_field vgic_maint_fields[] = {
	H(trace_vgic_maint, misr, MISR),
	H(trace_vgic_maint, eisr, EISR),
	H(trace_vgic_maint, hcr, HCR),
};

static const struct csv_field log_fields[] = {
	D(trace_log, level, LEVEL),
	D(trace_log, len, LEN),
	S(trace_log, text, TEXT),
};

struct csv_type {
	const struct csv_field *fields;
	uint8_t nr;
};

#define T(f) { f, sizeof(f) / sizeof(f[0]) }

static const struct csv_type csv_types[TRACE_LOG + 1] = {
	[TRACE_EXIT] = T(exit_fields),
	[TRACE_ENTRY] = T(entry_fields),
	[TRACE_SCHED_IN] = T(sched_fields),
	[TRACE_SCHED_OUT] = T(sched_fields),
	[TRACE_WFI_BLOCK] = T(sched_fields),
	[TRACE_WFI_WAKE] = T(sched_fields),
	[TRACE_VM_CREATE] = T(vm_fields),
	[TRACE_VM_DESTROY] = T(vm_fields),
	[TRACE_VMID_ALLOC] = T(vmid_alloc_fields),
	[TRACE_VMID_ROLLOVER] = T(vmid_rollover_fields),
	[TRACE_MMIO] = T(mmio_fields),
	[TRACE_SMCCC] = T(smccc_fields),
	[TRACE_IRQ_INJECT] = T(irq_inject_fields),
	[TRACE_VGIC_LRS] = T(vgic_lrs_fields),
	[TRACE_VGIC_MAINT] = T(vgic_maint_fields),
	[TRACE_LOG] = T(log_fields),
};

static const struct csv_type *csv_type(uint32_t type)
{
	if (type >= sizeof(csv_types) / sizeof(csv_types[0]) || !csv_types[type].fields)
		return NULL;
	return &csv_types[type];
}

static uint64_t load_uint(const uint8_t *p, unsigned len)
{
	uint64_t v = 0;

	memcpy(&v, p, len); /* little-endian */
	return v;
}

static void store_uint(uint8_t *p, unsigned len, uint64_t v)
{
	memcpy(p, &v, len);
}

/* ------------------------------------------------------------------ writer */

enum cell_kind { CELL_EMPTY, CELL_DEC, CELL_HEX, CELL_STR, CELL_BYTES };

struct csv_row {
	uint8_t     kind[NR_COLS];
	uint64_t    v[NR_COLS];
	const char *s[NR_COLS];
	size_t      len[NR_COLS];
};

static void cell_num(struct csv_row *row, unsigned col, enum cell_kind kind, uint64_t v)
{
	row->kind[col] = (uint8_t)kind;
	row->v[col] = v;
}

static void cell_str(struct csv_row *row, unsigned col, const char *s, size_t len)
{
	row->kind[col] = CELL_STR;
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
	const struct csv_type *t = csv_type(h->type);
	const uint8_t *rec = (const uint8_t *)h;
	const struct csv_field *f;
	const char *name;
	size_t known, i;

	memset(row->kind, 0, sizeof(row->kind));
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
	name = export_type_name(h->type);
	if (name) {
		cell_str(row, COL_TYPE, name, strlen(name));
	} else {
		/* "type_0x0100": kept in the row's value, formatted when written */
		row->kind[COL_TYPE] = CELL_HEX;
		row->v[COL_TYPE] = h->type;
	}

	known = sizeof(*h);
	if (t) {
		for (i = 0; i < t->nr; i++) {
			f = &t->fields[i];
			if (f->fmt == CF_STR)
				cell_str(row, f->col, (const char *)rec + f->off,
					 strnlen((const char *)rec + f->off, f->len));
			else
				cell_num(row, f->col, f->fmt == CF_HEX ? CELL_HEX : CELL_DEC,
					 load_uint(rec + f->off, f->len));
		}
		known = trace_min_size(h->type);
		if (h->type == TRACE_EXIT) {
			name = exit_class_name(((const struct trace_exit *)h)->exit_class);
			if (name)
				cell_str(row, COL_EXIT_CLASS_NAME, name, strlen(name));
		} else if (h->type == TRACE_SMCCC) {
			name = smccc_name(((const struct trace_smccc *)h)->fid);
			if (name)
				cell_str(row, COL_FID_NAME, name, strlen(name));
		}
	}
	if (h->size > known) {
		row->kind[COL_EXTRA] = CELL_BYTES;
		row->s[COL_EXTRA] = (const char *)rec + known;
		row->len[COL_EXTRA] = h->size - known;
	}
}

static void put_row(struct export_out *out, const struct csv_row *row)
{
	char *dst;
	unsigned col;

	for (col = 0; col < NR_COLS; col++) {
		if (col)
			export_out_char(out, ',');
		switch (row->kind[col]) {
		case CELL_DEC:
			export_out_u64(out, row->v[col]);
			break;
		case CELL_HEX:
			if (col == COL_TYPE) {
				dst = export_out_reserve(out, 16);
				if (dst)
					out->len += (size_t)sprintf(dst, "type_0x%04" PRIx64, row->v[col]);
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
	export_out_put(out, "\r\n", 2);
}

int export_csv(struct tf_reader *r, const char *path, const struct export_opts *o,
	       struct export_stats *st, char *err, size_t errlen)
{
	uint64_t freq = tf_reader_header(r)->cntfrq;
	struct export_stats local;
	struct tf_reader_stats rs;
	struct export_out out;
	struct tf_record rec;
	struct csv_row *row;
	unsigned col;
	int ret, n;

	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	row = malloc(sizeof(*row));
	if (!row) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	ret = export_out_open(&out, path, 1u << 20, err, errlen);
	if (ret) {
		free(row);
		return ret;
	}
	for (col = 0; col < NR_COLS; col++) {
		if (col)
			export_out_char(&out, ',');
		export_out_str(&out, col_names[col]);
	}
	export_out_put(&out, "\r\n", 2);

	tf_reader_rewind(r);
	while ((n = tf_reader_next(r, &rec)) > 0) {
		st->records++;
		if (!export_keep(o, rec.hdr))
			continue;
		fill_row(row, rec.hdr, rec.cpu, freq);
		put_row(&out, row);
		st->exported++;
		if (!csv_type(rec.hdr->type))
			st->unknown++;
		if (out.error)
			break;
	}
	free(row);
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
	int     col_of[NR_COLS]; /* file column of each known column, -1 when absent */
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
	char *names[NR_COLS + 64];
	size_t lens[NR_COLS + 64];
	unsigned i, col;
	FILE *f;
	long size;
	int n;

	*cp = NULL;
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

	n = split_row(c, names, lens, NR_COLS + 64);
	if (n <= 0 || n > (int)(NR_COLS + 64)) {
		snprintf(err, errlen, "%s: line 1: no header row", path);
		export_csv_reader_close(c);
		return -EBADMSG;
	}
	c->nr_file_cols = (unsigned)n;
	for (col = 0; col < NR_COLS; col++)
		c->col_of[col] = -1;
	for (i = 0; i < c->nr_file_cols; i++) {
		for (col = 0; col < NR_COLS; col++) {
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
	const struct csv_type *t;
	const struct csv_field *f;
	struct trace_hdr *h = out;
	uint8_t *rec = out;
	char name[32];
	const char *s;
	size_t len, known, extra, i;
	uint64_t v;
	int n, type, ret;

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
	t = csv_type((uint32_t)type);
	known = t ? trace_min_size((uint32_t)type) : sizeof(*h);

	s = cell(c, COL_EXTRA, &len);
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

	for (i = 0; t && i < t->nr; i++) {
		f = &t->fields[i];
		if (f->fmt == CF_STR) {
			s = cell(c, f->col, &len);
			if (len >= f->len)
				return bad(c, line, "text too long in column ", col_names[f->col]);
			if (len)
				memcpy(rec + f->off, s, len);
			continue;
		}
		ret = cell_uint(c, line, f->col, 0,
				f->len == 8 ? UINT64_MAX : (1ull << (8 * f->len)) - 1, &v);
		if (ret)
			return ret;
		store_uint(rec + f->off, f->len, v);
	}
	return 1;
}
