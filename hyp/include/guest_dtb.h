/* The device tree each guest boots with, built with libfdt. */
#ifndef HYP_GUEST_DTB_H
#define HYP_GUEST_DTB_H

#include <stddef.h>
#include <stdint.h>

struct guest_dtb_params {
	const char *name;
	uint64_t serial;
	uint64_t ram_ipa, ram_size;
	unsigned nr_vcpus;        /* cpu@N with reg = N = MPIDR Aff0 */
	const char *cmdline;      /* /chosen/bootargs, may be empty */
	uint64_t initrd_start, initrd_end; /* 0, 0: none */
	uint64_t gicd, gicr, gicr_stride;
	uint64_t its;             /* GICv3 ITS (its@ under the GIC), 0: none */
	uint64_t uart;
	unsigned uart_spi;
	uint32_t uart_clock_hz;
	int sdei;                 /* /firmware/sdei (SDEI over HVC) */
	int psci_smc;             /* PSCI method "smc" (el2=on: HVC is the guest's own) */
	int pmu;                  /* /pmu (PMUv3, PPI 7 = INTID 23) */
};

#define GUEST_DTB_MAX_SIZE 0x10000u

/* 0, or a negative libfdt error. The blob is packed: fdt_totalsize() says its size. */
int guest_dtb_build(void *buf, size_t size, const struct guest_dtb_params *p);

#endif
