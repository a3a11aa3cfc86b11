/*
 * What `hypscope report`, `print` and `diff` share: loading a trace file
 * into the aggregation model, guest symbols, names of exit classes, and
 * quoting for JSON and CSV output.
 */
#ifndef TRACER_ANALYSIS_H
#define TRACER_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "formats/hypcfg.h"
#include "formats/host/tracefile.h"
#include "tracer/lib/util.h"
#include "tracer/lib/stats.h"

/* What a trace file said about itself, besides its records. */
struct hs_trace_info {
	const char *path;
	struct tf_file_header hdr;
	struct tf_reader_stats rst;
	uint64_t nr_problems;
	char first_problem[TF_MSG_LEN];
	char damage[2 * TF_MSG_LEN]; /* tf_reader_summary(): "" when the file is intact */
};

/*
 * Read every record of path into s (cntfrq taken from the file) and charge
 * the losses the chunks declare. -errno with one line in err when the file
 * cannot be read; damage inside the file is not an error (info says how much).
 */
int hs_load_trace(const char *path, struct hs_stats *s, struct hs_trace_info *info,
		  struct hs_err *err);

/* Records handed from the reader's merge to the model at a time. */
#define HS_LOAD_BATCH 256u

/*
 * hs_load_trace() on up to threads threads (0: one per online CPU, what
 * hs_load_trace() does; 1: this thread only). The file is read once, each
 * chunk checked when it is loaded (TF_OPEN_CHECK_ON_LOAD); with more than
 * one thread the reader loads and checks chunks ahead of the merge on a
 * thread of its own. s ends the same whatever the number.
 */
int hs_load_trace_threads(const char *path, struct hs_stats *s, unsigned threads,
			  struct hs_trace_info *info, struct hs_err *err);

/* An exit class by number (decimal or 0x hex) or name ("DABT_LOW", "hvc64", "IRQ"). */
bool hs_parse_class(const char *text, unsigned *cls);

/* The text between the quotes of a JSON string. */
void hs_json_str(FILE *f, const char *s);
/* A CSV field, quoted when it must be. */
void hs_csv_str(FILE *f, const char *s);

/* ------------------------------------------------------------ guest symbols */

struct hs_syms;

/* The STT_FUNC symbols of an ELF file. */
int hs_syms_load(struct hs_syms **syms, const char *path, struct hs_err *err);
void hs_syms_destroy(struct hs_syms *syms); /* NULL ok */
/* The function holding addr (the nearest one at or below it): name and offset; NULL when none. */
const char *hs_syms_lookup(const struct hs_syms *syms, uint64_t addr, uint64_t *offset);

/* --elf VM=PATH options: which ELF symbolizes which VM, by slot number or name. */
#define HS_MAX_ELFS 16

struct hs_elfmap {
	struct {
		char vm[HYPCFG_NAME_LEN]; /* as given: a slot number or a name */
		struct hs_syms *syms;
	} ents[HS_MAX_ELFS];
	unsigned nr;
};

/* Parse and load one "VM=PATH". */
int hs_elfmap_add(struct hs_elfmap *m, const char *spec, struct hs_err *err);
void hs_elfmap_release(struct hs_elfmap *m);
/* The symbols for VM slot vm, named name (may be NULL or ""); NULL when none. */
const struct hs_syms *hs_elfmap_find(const struct hs_elfmap *m, unsigned vm, const char *name);
/* "func+0x1c", or "" when no symbol covers pc. */
const char *hs_symbolize(const struct hs_elfmap *m, unsigned vm, const char *name, uint64_t pc,
			 char *buf, size_t len);

#endif
