/*
 * Reading the hypervisor's status block (struct hypstat) out of the file that
 * backs the machine's RAM, judging how the run went and summarising it.
 */
#ifndef TRACER_HYPSTAT_H
#define TRACER_HYPSTAT_H

#include <stddef.h>
#include <stdio.h>

#include "formats/hypcfg.h"
#include "tracer/lib/util.h"

/* Where struct hypstat sits in the RAM file: file offset 0 is HYP_RAM_BASE. */
#define HYPSTAT_FILE_OFFSET (HYPSTAT_PA - HYP_RAM_BASE)

/*
 * Copies the status block out of @ram (@len bytes of RAM from HYP_RAM_BASE)
 * and validates magic, version and size.
 */
int hypstat_snapshot(const void *ram, size_t len, struct hypstat *st, struct hs_err *err);

/* Maps @path read-only and hypstat_snapshot()s it. */
int hypstat_read_file(const char *path, struct hypstat *st, struct hs_err *err);

/*
 * How the run went, as a hypscope exit code: HS_EXIT_OK when the hypervisor
 * finished and every VM ran all its instances and ended with power-off or
 * exit status 0; HS_EXIT_GUEST otherwise; HS_EXIT_HYP on panic or refused
 * config. @why gets one line for anything but HS_EXIT_OK.
 */
int hypstat_verdict(const struct hypstat *st, const struct hypcfg *cfg, struct hs_err *why);

/* "off", "exited 3", "running", ... for a VM slot. */
const char *hypstat_vm_state_str(const struct hypstat_vm *vm, char *buf, size_t len);

/* The exit summary: VMIDs, per VM state and instances, per vCPU exit counts. */
void hypstat_print(FILE *f, const struct hypstat *st, const struct hypcfg *cfg);

/* One line per VM with its state only (for a run stopped early). */
void hypstat_print_states(FILE *f, const struct hypstat *st, const struct hypcfg *cfg);

#endif
