/*
 * Boot: the order in which the machine comes up (hyp/core/boot.c), and the
 * validation of the control block the host wrote (hyp/core/hypcfg.c), which
 * the hypervisor trusts for nothing: every field it uses is checked before
 * anything reads memory through it.
 */
#ifndef HYP_BOOT_H
#define HYP_BOOT_H

#include <stddef.h>

#include "formats/hypcfg.h"
#include "hyp/include/compiler.h"

struct platform;

/*
 * The boot CPU, called by the arch's entry code with this CPU's percpu in
 * place: reads the machine's device tree, checks the configuration (or
 * refuses it in the status block and powers off), sets up memory, tracing,
 * the scheduler and the other CPUs, creates the VMs, and runs.
 */
__noreturn void boot_main(const void *fdt);
/* CPU idx, started by arch_cpu_start() with its MMU on. */
__noreturn void boot_secondary(unsigned idx);

/*
 * The configuration against the machine (RAM, CPUs): 0, or -EINVAL with a
 * sentence saying what is wrong in why (len bytes, NUL-terminated).
 */
int hypcfg_check(const struct hypcfg *c, const struct platform *p, char *why, size_t len);
/* One VM's entry on its own (counts, sizes, its layout in guest RAM): NULL or
 * what is wrong. Also checked again when each instance is created. */
const char *hypcfg_check_vm(const struct hypcfg_vm *v);

/* Writes a refusal into the status block at st: state BADCFG, why, magic last. */
void hypstat_refuse(struct hypstat *st, const char *why);

#endif
