/* The machine as QEMU's device tree describes it. */
#ifndef HYP_PLATFORM_H
#define HYP_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "formats/hypcfg.h"

struct platform {
	uint64_t ram_base, ram_size;
	unsigned nr_cpus;
	uint64_t mpidr[HYP_MAX_CPUS];
	uint64_t gicd, gicr, gicr_size;
	uint64_t uart;
	unsigned uart_intid; /* its interrupt (an SPI), 0 when the DTB does not say */
	uint64_t gdb_uart;   /* the second PL011 (GDB stub), 0 when there is none */
	unsigned gdb_uart_intid;
	bool psci_smc;       /* PSCI conduit: SMC (else HVC) */
	bool have_psci;
};

extern struct platform platform;

/* 0, or -EINVAL with *why saying what was missing. */
int platform_parse(const void *fdt, struct platform *p, const char **why);

#endif
