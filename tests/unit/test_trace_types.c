/*
 * formats/host/trace_types.c: the one description of every record type. Its
 * entries agree with the structs of formats/trace.h, its sparse lookup finds
 * every type and nothing else, and a type described by its fields alone (as
 * a new one starts) is shown by print, CSV and CTF without code of its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formats/host/trace_types.h"
#include "tracer/lib/evfmt.h"

static void test_types_ascend_and_each_is_found_by_its_number(void **state)
{
	unsigned i;

	(void)state;
	assert_true(trace_nr_types > 0);
	assert_true(trace_nr_types <= TRACE_TYPES_MAX);
	for (i = 0; i < trace_nr_types; i++) {
		const struct trace_type_info *tt = &trace_types[i];

		if (i)
			assert_true(tt->type > trace_types[i - 1].type);
		assert_int_equal(trace_type_index(tt->type), i);
		assert_ptr_equal(trace_type_of(tt->type), tt);
		assert_string_equal(trace_type_name(tt->type), tt->name);
		assert_int_equal(trace_min_size(tt->type), tt->size);
		/* hs_stats_feed_batch() checks a record's size against its type's alone */
		assert_true(tt->size >= sizeof(struct trace_hdr));
	}
}

static void test_unknown_and_reserved_types_are_not_found(void **state)
{
	static const uint32_t none[] = { TRACE_PAD, 0x0003, 0x00ff, TRACE_SDEI_STATE + 1,
					 TRACE_SDEI_LAST, TRACE_GDB_RESUME + 1, TRACE_GDB_LAST,
					 TRACE_TYPE_LIMIT, 0xffff, 0x10000, UINT32_MAX };
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		assert_int_equal(trace_type_index(none[i]), -1);
		assert_null(trace_type_of(none[i]));
		assert_null(trace_type_name(none[i]));
		assert_int_equal(trace_min_size(none[i]), 0);
	}
}

static void test_sizes_are_the_structs(void **state)
{
	(void)state;
	assert_int_equal(trace_min_size(TRACE_EXIT), sizeof(struct trace_exit));
	assert_int_equal(trace_min_size(TRACE_ENTRY), sizeof(struct trace_entry));
	assert_int_equal(trace_min_size(TRACE_WFI_WAKE), sizeof(struct trace_sched));
	assert_int_equal(trace_min_size(TRACE_VM_DESTROY), sizeof(struct trace_vm));
	assert_int_equal(trace_min_size(TRACE_SMCCC), sizeof(struct trace_smccc));
	assert_int_equal(trace_min_size(TRACE_VGIC_LRS), sizeof(struct trace_vgic_lrs));
	assert_int_equal(trace_min_size(TRACE_LOG), sizeof(struct trace_log));
}

static bool enum_declared(const struct trace_enum *e)
{
	unsigned i;

	for (i = 0; trace_enums[i]; i++)
		if (trace_enums[i] == e)
			return true;
	return false;
}

static void check_arg(const struct trace_type_info *tt, const struct trace_arg *a)
{
	assert_non_null(a->key);
	if (a->show == TSH_CPU || a->show == TSH_END)
		return;
	assert_true(a->off >= sizeof(struct trace_hdr) || a->off + a->size <= sizeof(struct trace_hdr));
	assert_true(a->off + a->size <= tt->size);
	assert_true(a->size == 1 || a->size == 2 || a->size == 4 || a->size == 8 ||
		    a->show == TSH_STR);
	if (a->show == TSH_NAME)
		assert_non_null(a->names);
	if (a->when_mask)
		assert_true(a->when_off < tt->size);
}

/* Every field and argument lies inside its struct and says how it is shown. */
static void test_fields_lie_inside_their_record(void **state)
{
	const struct trace_field *f;
	unsigned i, j;

	(void)state;
	for (i = 0; i < trace_nr_types; i++) {
		const struct trace_type_info *tt = &trace_types[i];

		assert_true(tt->size >= sizeof(struct trace_hdr));
		assert_true(tt->size % 8 == 0);
		assert_true(tt->size <= TRACE_MAX_RECORD);
		assert_true(tt->nr_fields > 0);
		for (j = 0; j < tt->nr_fields; j++) {
			f = &tt->field[j];
			assert_true(f->off >= sizeof(struct trace_hdr));
			assert_true(f->count >= 1);
			assert_true(f->off + (size_t)f->size * f->count <= tt->size);
			if (f->kind != TFK_STR)
				assert_true(f->size == 1 || f->size == 2 || f->size == 4 ||
					    f->size == 8);
			if (f->kind == TFK_ENUM) {
				assert_non_null(f->names);
				assert_int_equal(f->names->size, f->size);
				assert_true(enum_declared(f->names));
			}
		}
		assert_true(!tt->chrome == !tt->nr_chrome);
		assert_true(!tt->print == !tt->nr_print);
		for (j = 0; j < tt->nr_chrome; j++)
			check_arg(tt, &tt->chrome[j]);
		for (j = 0; j < tt->nr_print; j++)
			check_arg(tt, &tt->print[j]);
	}
}

/*
 * A computed name follows the field it is computed from (the same bytes),
 * and the computed fields of one name (CTF declares one enumeration for
 * them) agree on its integer.
 */
static void test_computed_names_follow_a_source_of_one_width(void **state)
{
	const struct trace_field *f, *g, *src;
	unsigned i, j, k;
	size_t seen = 0;

	(void)state;
	for (i = 0; i < trace_nr_types; i++) {
		for (j = 0; j < trace_types[i].nr_fields; j++) {
			f = &trace_types[i].field[j];
			if (!trace_field_computed(f))
				continue;
			seen++;
			assert_true(j > 0);
			src = &trace_types[i].field[j - 1];
			assert_false(trace_field_computed(src));
			assert_int_equal(src->off, f->off);
			assert_int_equal(src->size, f->size);
			assert_int_equal(src->count, 1);
			for (k = 0; k < trace_nr_types; k++) {
				for (g = trace_types[k].field; g < trace_types[k].field + trace_types[k].nr_fields; g++) {
					if (g == f || !trace_field_computed(g) || strcmp(g->name, f->name))
						continue;
					assert_int_equal(g->kind, f->kind);
					assert_int_equal(g->size, f->size);
					assert_int_equal((g - 1)->kind, src->kind);
				}
			}
		}
	}
	assert_true(seen >= 3); /* exit, nv_exit, smccc */
}

/* What a reader naming the values ahead gets: every name trace_field_text() gives. */
struct names_seen {
	uint64_t first[512], last[512];
	const char *name[512];
	unsigned n;
};

static void note_name(void *ctx, uint64_t first, uint64_t last, const char *name)
{
	struct names_seen *ns = ctx;

	assert_true(ns->n < 512);
	assert_true(first <= last);
	ns->first[ns->n] = first;
	ns->last[ns->n] = last;
	ns->name[ns->n++] = name;
}

static void test_computed_names_are_listed_ahead(void **state)
{
	const struct trace_type_info *exit_type = trace_type_of(TRACE_EXIT);
	const struct trace_type_info *smccc_type = trace_type_of(TRACE_SMCCC);
	struct names_seen ns = { .n = 0 };
	uint8_t rec[TRACE_MAX_RECORD];
	const struct trace_field *f;
	uint32_t fid;
	unsigned i;

	(void)state;
	f = &exit_type->field[7];
	assert_string_equal(f->name, "exit_class_name");
	trace_field_names(f, note_name, &ns);
	/* each class, then every value from HYP_EXIT_CLASSES up in one range */
	assert_int_equal(ns.n, 0x45);
	for (i = 0; i < ns.n; i++) {
		memset(rec, 0, sizeof(rec));
		memcpy(rec + f->off, &(uint16_t){ (uint16_t)ns.first[i] }, 2);
		assert_string_equal(ns.name[i], trace_field_text(f, rec));
		assert_true(i == ns.n - 1 ? ns.last[i] == 0xffff : ns.first[i] == i && ns.last[i] == i);
	}
	assert_string_equal(ns.name[0x16], "HVC64");

	ns.n = 0;
	f = &smccc_type->field[3];
	assert_string_equal(f->name, "fid_name");
	trace_field_names(f, note_name, &ns);
	assert_true(ns.n > 20);
	for (i = 0; i < ns.n; i++) {
		fid = (uint32_t)ns.first[i];
		assert_int_equal(ns.last[i], fid);
		memset(rec, 0, sizeof(rec));
		memcpy(rec + f->off, &fid, 4);
		assert_non_null(ns.name[i]);
		assert_string_equal(ns.name[i], trace_field_text(f, rec));
	}
}

static void test_enum_names_and_the_open_range(void **state)
{
	(void)state;
	assert_string_equal(trace_enum_name(&trace_enum_sched_reason, TRACE_SCHED_TIMER), "timer");
	assert_string_equal(trace_enum_name(&trace_enum_log_level, TRACE_LOG_DEBUG), "debug");
	assert_null(trace_enum_name(&trace_enum_sched_reason, 99));
	assert_null(trace_enum_name(&trace_enum_log_level, 4));
	/* mmio_device names every number past uart "other" */
	assert_non_null(trace_enums[2]);
	assert_string_equal(trace_enums[2]->name, "mmio_device");
	assert_string_equal(trace_enum_name(trace_enums[2], TRACE_DEV_UART), "uart");
	assert_string_equal(trace_enum_name(trace_enums[2], 77), "other");
}

/* ------------------------------------- a type described by its fields only */

/* What a new record type looks like before anyone writes a decoder for it. */
struct rec_new {
	struct trace_hdr hdr;
	uint64_t addr;
	uint32_t count;
	uint8_t  level;
	uint8_t  reserved[3];
	uint64_t words[2];
	char     tag[8];
};

static const struct trace_field new_fields[] = {
	{ "addr", NULL, TFK_HEX, 8, 1, offsetof(struct rec_new, addr) },
	{ "count", NULL, TFK_DEC, 4, 1, offsetof(struct rec_new, count) },
	{ "level", &trace_enum_log_level, TFK_ENUM, 1, 1, offsetof(struct rec_new, level) },
	{ "words", NULL, TFK_HEX, 8, 2, offsetof(struct rec_new, words) },
	{ "tag", NULL, TFK_STR, 8, 1, offsetof(struct rec_new, tag) },
};

static const struct trace_type_info new_type = {
	.type = TRACE_SDEI_FIRST, .size = sizeof(struct rec_new), .name = "sdei_test",
	.nr_fields = 5, .field = new_fields,
};

static void test_print_shows_every_field_of_a_type_without_a_decoder(void **state)
{
	struct rec_new r;
	struct ev_fmt p;
	char buf[256];
	FILE *f;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.hdr.type = TRACE_SDEI_FIRST;
	r.hdr.size = sizeof(r);
	r.addr = 0x40001000;
	r.count = 7;
	r.level = TRACE_LOG_WARN;
	r.words[1] = 0xabc;
	memcpy(r.tag, "abcdefgh", 8); /* fills the array: no NUL */
	ev_fmt_init(&p, 0, 62500000);
	f = fmemopen(buf, sizeof(buf), "w");
	assert_non_null(f);
	ev_format_fields(&p, f, &new_type, &r.hdr);
	fclose(f);
	assert_string_equal(buf, "addr=0x40001000 count=7 level=warn words0=0x0 words1=0xabc "
				 "tag=\"abcdefgh\"");

	r.level = 9; /* no name: the number */
	f = fmemopen(buf, sizeof(buf), "w");
	assert_non_null(f);
	ev_format_fields(&p, f, &new_type, &r.hdr);
	fclose(f);
	assert_non_null(strstr(buf, " level=9 "));
	ev_fmt_release(&p);
}

/* A print list picks, renames and reorders, and reaches into the header. */
static void test_print_list_of_vmid_alloc(void **state)
{
	struct trace_vmid_alloc a;
	struct ev_fmt p;
	char buf[256];
	FILE *f;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.hdr.type = TRACE_VMID_ALLOC;
	a.hdr.size = sizeof(a);
	a.hdr.vmid = 5;
	a.hdr.vmid_gen = 3;
	a.serial = 12;
	a.in_use = 4;
	a.vmid_bits = 8;
	ev_fmt_init(&p, 0, 62500000);
	f = fmemopen(buf, sizeof(buf), "w");
	assert_non_null(f);
	ev_format_fields(&p, f, trace_type_of(TRACE_VMID_ALLOC), &a.hdr);
	fclose(f);
	assert_string_equal(buf, "vmid=5 gen=3 serial=12 in_use=4 bits=8");
	ev_fmt_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types_ascend_and_each_is_found_by_its_number),
		cmocka_unit_test(test_unknown_and_reserved_types_are_not_found),
		cmocka_unit_test(test_sizes_are_the_structs),
		cmocka_unit_test(test_fields_lie_inside_their_record),
		cmocka_unit_test(test_computed_names_follow_a_source_of_one_width),
		cmocka_unit_test(test_computed_names_are_listed_ahead),
		cmocka_unit_test(test_enum_names_and_the_open_range),
		cmocka_unit_test(test_print_shows_every_field_of_a_type_without_a_decoder),
		cmocka_unit_test(test_print_list_of_vmid_alloc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
