/*
 * The host's one description of every record type: its name, its size, its
 * fields and how each is shown. formats/trace.h holds the structs the
 * hypervisor writes; this table says what they mean to a reader, and every
 * reader takes it from here:
 *
 *   CTF          the metadata (event, field and enumeration declarations)
 *                and the encoder (formats/host/export_ctf.c)
 *   CSV          the columns, the writer and the reader (formats/host/export_csv.c)
 *   Chrome JSON  the arguments of each event (formats/host/export_chrome.c)
 *   print        the fields of a record without a decoder of its own
 *                (tracer/lib/evfmt.c), and the names of enumerated values
 *   report, top  the record counts by type (tracer/lib/stats.c)
 *
 * Adding a record type: its struct in formats/trace.h and one entry in
 * formats/host/trace_types.c; docs/trace-format.md walks through it.
 *
 * Host only.
 */
#ifndef FORMATS_TRACE_TYPES_H
#define FORMATS_TRACE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/trace.h"

/* The names of an enumerated field's values (CTF enumerations, print, Chrome). */
struct trace_enum {
	const char *name;         /* the CTF enumeration: "sched_reason" */
	const char *const *value; /* value[v]: the name of v, for v < nr */
	uint8_t     nr;
	uint8_t     size;         /* bytes of the fields that hold it (the CTF integer) */
	const char *other;        /* the name of every value from nr up; NULL: none */
};

/* The name of v in e, NULL when it has none. */
const char *trace_enum_name(const struct trace_enum *e, uint64_t v);

enum trace_field_kind {
	TFK_DEC,  /* unsigned integer: a count, shown in decimal */
	TFK_HEX,  /* unsigned integer: a register or an address, shown in hex */
	TFK_ENUM, /* unsigned integer with named values (names) */
	TFK_STR,  /* a NUL-padded char array */
	/* Computed from another field (off and size are that field's): strings. */
	TFK_EXIT_CLASS_NAME, /* exit_class_name() of the exit class */
	TFK_SMCCC_NAME,      /* smccc_name() of the function id */
};

/* One field of a record type, as CTF and CSV carry it. */
struct trace_field {
	const char *name;
	const struct trace_enum *names; /* TFK_ENUM */
	uint8_t     kind;  /* enum trace_field_kind */
	uint8_t     size;  /* bytes of one element; TFK_STR: of the array */
	uint8_t     count; /* elements: 1 for a scalar */
	uint16_t    off;   /* in the record */
};

enum trace_show {
	TSH_DEC,  /* decimal number */
	TSH_HEX,  /* 0x-prefixed hexadecimal */
	TSH_NAME, /* the value's name in names; dflt when it has none */
	TSH_STR,  /* NUL-padded text of size bytes */
	TSH_PC,   /* a guest PC: hexadecimal, symbolized by print when it can */
	/* Not from the record's bytes: supplied by the one who shows it. */
	TSH_CPU,  /* the physical CPU the record came from */
	TSH_END,  /* Chrome: what ended an exit's slice ("entry" or "cost") */
};

/*
 * One value as `print` or the Chrome exporter shows it: key=value. off may
 * point into the header (offsetof(struct trace_x, hdr.vmid)). When when_mask
 * is set, the value is shown only if the byte at when_off has one of its bits.
 */
struct trace_arg {
	const char *key;
	const struct trace_enum *names; /* TSH_NAME */
	const char *dflt;               /* TSH_NAME: text for a value without a name */
	uint16_t    off;
	uint8_t     size;
	uint8_t     show;      /* enum trace_show */
	uint16_t    when_off;
	uint8_t     when_mask;
};

/* trace_type.flags */
#define TRACE_TYPE_NO_CHROME 0x01u /* left out of the Chrome export */

struct trace_type_info {
	uint16_t    type;  /* enum trace_type */
	uint16_t    size;  /* its struct: the smallest record of the type */
	const char *name;  /* "exit", "sched_in"...: CTF event, CSV type column, print */
	uint8_t     flags; /* TRACE_TYPE_* */
	uint8_t     nr_fields, nr_chrome, nr_print;
	const struct trace_field *field;
	/* The Chrome event's arguments; NULL: every field, by its name. */
	const struct trace_arg *chrome;
	/* What print shows of a record without a decoder of its own; NULL: every field. */
	const struct trace_arg *print;
};

/* The types this version decodes, in ascending type order. */
extern const struct trace_type_info trace_types[];
extern const unsigned trace_nr_types;

/* Bound on trace_nr_types, for arrays indexed by trace_type_index(). */
#define TRACE_TYPES_MAX 64u

/* Types below this are looked up directly; see trace_type_of(). */
#define TRACE_TYPE_LIMIT (TRACE_NV_LAST + 1u)

/* trace_type_slot[type]: 1 + the index of type in trace_types, 0 when unknown. */
extern const uint8_t trace_type_slot[TRACE_TYPE_LIMIT];
/* trace_type_min[type]: the size of type's struct, 0 when unknown (trace_min_size()). */
extern const uint16_t trace_type_min[TRACE_TYPE_LIMIT];

/* Index of type in trace_types, -1 for a type this version does not decode. */
static inline int trace_type_index(uint32_t type)
{
	return type < TRACE_TYPE_LIMIT ? (int)trace_type_slot[type] - 1 : -1;
}

/* The description of type, NULL for a type this version does not decode. */
static inline const struct trace_type_info *trace_type_of(uint32_t type)
{
	int i = trace_type_index(type);

	return i >= 0 ? &trace_types[i] : NULL;
}

/* "exit", "sched_in", "vgic_lrs"...; NULL for types this version does not decode. */
static inline const char *trace_type_name(uint32_t type)
{
	const struct trace_type_info *t = trace_type_of(type);

	return t ? t->name : NULL;
}

/*
 * The smallest size a record of a known type may have (its struct in this
 * version), 0 for types this version does not define. Readers use it to
 * refuse a record too short for its type; longer is fine (appended fields).
 */
static inline uint32_t trace_min_size(uint32_t type)
{
	return type < TRACE_TYPE_LIMIT ? trace_type_min[type] : 0;
}

static inline bool trace_field_computed(const struct trace_field *f)
{
	return f->kind >= TFK_EXIT_CLASS_NAME;
}

/* A computed field's text for the record rec, NULL when it has none. */
const char *trace_field_text(const struct trace_field *f, const uint8_t *rec);

/*
 * Every value of computed field f's source that has a name, with it, for a
 * reader that names them ahead (the CTF metadata's enumerations): fn(ctx,
 * first, last, name) for each range of values with one name. The names are
 * trace_field_text()'s.
 */
typedef void (*trace_name_fn)(void *ctx, uint64_t first, uint64_t last, const char *name);
void trace_field_names(const struct trace_field *f, trace_name_fn fn, void *ctx);

/* The unsigned integer of size bytes (1, 2, 4 or 8) at p, little-endian as the records. */
static inline uint64_t trace_load(const void *p, unsigned size)
{
	uint64_t v = 0;

	__builtin_memcpy(&v, p, size > 8 ? 8 : size);
	return v;
}

/* Whether arg a is shown for record rec (its when_mask condition). */
static inline bool trace_arg_shown(const struct trace_arg *a, const uint8_t *rec)
{
	return !a->when_mask || (rec[a->when_off] & a->when_mask);
}

/* The enumerations the fields use, for the CTF metadata: a NULL-terminated list. */
extern const struct trace_enum *const trace_enums[];

/* Enumerations the decoders of print also use. */
extern const struct trace_enum trace_enum_exit_outcome, trace_enum_sched_reason,
	trace_enum_mmio_result, trace_enum_smccc_conduit, trace_enum_irq_source,
	trace_enum_lrs_point, trace_enum_log_level, trace_enum_vm_state;
/* ... and the nested-virtualization summaries of report and top. */
extern const struct trace_enum trace_enum_nv_decision, trace_enum_nv_reason,
	trace_enum_nv_inject_kind, trace_enum_nv_s2_result;

#endif
