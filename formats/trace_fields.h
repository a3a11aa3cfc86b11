/*
 * The fields of each record type as the exporters show them. One table
 * drives the CTF metadata and encoder and the CSV columns, writer and
 * reader, so the formats name, order and show every field alike.
 *
 * Host only.
 */
#ifndef FORMATS_TRACE_FIELDS_H
#define FORMATS_TRACE_FIELDS_H

#include <stdbool.h>
#include <stdint.h>

#include "formats/trace.h"

enum trace_field_kind {
	TFK_DEC,  /* unsigned integer: a count, shown in decimal */
	TFK_HEX,  /* unsigned integer: a register or an address, shown in hex */
	TFK_ENUM, /* unsigned integer with named values (enum_name, in the CTF metadata) */
	TFK_STR,  /* a NUL-padded char array */
	/* Computed from another field (off and size are that field's): strings. */
	TFK_EXIT_CLASS_NAME, /* exit_class_name() of the exit class */
	TFK_SMCCC_NAME,      /* smccc_name() of the function id */
};

struct trace_field {
	const char *name;
	const char *enum_name; /* TFK_ENUM */
	uint8_t     kind;      /* enum trace_field_kind */
	uint8_t     size;      /* bytes of one element; TFK_STR: of the array */
	uint8_t     count;     /* elements: 1 for a scalar */
	uint16_t    off;       /* in the record */
};

struct trace_fields {
	uint16_t type; /* enum trace_type */
	uint8_t  nr;
	const struct trace_field *field;
};

#define TRACE_FIELDS_SLOTS (TRACE_LOG + 1u)

/* Indexed by record type; nr is 0 for types this version does not decode. */
extern const struct trace_fields trace_fields_all[TRACE_FIELDS_SLOTS];

/* The fields of a record type, NULL for a type this version does not decode. */
static inline const struct trace_fields *trace_fields_of(uint32_t type)
{
	return type < TRACE_FIELDS_SLOTS && trace_fields_all[type].nr ? &trace_fields_all[type]
								       : NULL;
}

static inline bool trace_field_computed(const struct trace_field *f)
{
	return f->kind >= TFK_EXIT_CLASS_NAME;
}

/* A computed field's text for the record rec, NULL when it has none. */
const char *trace_field_text(const struct trace_field *f, const uint8_t *rec);

#endif
