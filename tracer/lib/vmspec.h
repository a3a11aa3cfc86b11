/*
 * The --vm option: IMAGE[:vcpus=N,mem=SIZE,initrd=FILE,instances=N,name=NAME,cmdline=STR]
 *
 * Pure parsing, no file access: whether the files exist and what they hold
 * is the image module's business.
 */
#ifndef TRACER_VMSPEC_H
#define TRACER_VMSPEC_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/hypcfg.h"
#include "tracer/lib/util.h"

#define VMSPEC_MEM_DEFAULT   (64ull << 20)
#define VMSPEC_MEM_ALIGN     (2ull << 20)
#define VMSPEC_MEM_MAX       (4ull << 30)
#define VMSPEC_INSTANCES_MAX 1000000u

struct vmspec {
	char image[PATH_MAX];
	char initrd[PATH_MAX];              /* "" when none */
	char name[HYPCFG_NAME_LEN];
	char cmdline[HYPCFG_CMDLINE_LEN];
	uint64_t mem_size;
	uint32_t nr_vcpus;
	uint32_t instances;
	uint32_t flags;                     /* HYPCFG_VM_F_* (sdei=off) */
};

/*
 * "64M", "1G", "2048K", "4194304": a byte count with an optional K, M or G
 * suffix (binary units, either case). @what names the value in the message.
 */
int hs_parse_size(const char *what, const char *s, uint64_t *out, struct hs_err *err);

/* A decimal number in [min, max]. */
int hs_parse_uint(const char *what, const char *s, unsigned long min, unsigned long max,
	       unsigned long *out, struct hs_err *err);

/*
 * Parses one --vm argument. @index is the VM's position on the command line;
 * the default name is the image's basename without extension followed by it.
 * The options start at the first ':' followed by KEY=, so paths with a ':'
 * elsewhere still work; cmdline= takes the rest of the spec, commas included,
 * so it goes last.
 */
int vmspec_parse(const char *spec, unsigned int index, struct vmspec *vm, struct hs_err *err);

/* Checks what only the whole set can tell: the count, distinct names. */
int vmspec_check_all(const struct vmspec *vms, size_t n, struct hs_err *err);

#endif
