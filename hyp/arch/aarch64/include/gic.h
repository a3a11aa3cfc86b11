/* The physical GICv3 the hypervisor owns (hyp/arch/aarch64/gic.c): its interrupts and operations. */
#ifndef HYP_ARCH_GIC_H
#define HYP_ARCH_GIC_H

#include <stdbool.h>
#include <stdint.h>

#include "hyp/include/percpu.h"

#define GIC_SGI_RESCHED     0
#define GIC_PPI_MAINT       25
#define GIC_PPI_HYP_TIMER   26
#define GIC_PPI_VTIMER      27
#define GIC_PPI_PMU         23
#define GIC_INTID_SPURIOUS  1020

/* The redistributor's SGI and PPI frame, and its active-state registers. */
#define GICR_SGI_FRAME    0x10000
#define GICR_ISACTIVER0   0x0300
#define GICR_ICACTIVER0   0x0380

void gic_dist_init(void);
int gic_cpu_init(struct percpu *pc);
void gic_send_sgi(uint64_t mpidr, unsigned intid);
void gic_spi_enable(unsigned intid, uint64_t mpidr);
uint32_t gic_ack(void);
void gic_eoi(uint32_t intid);
void gic_deactivate(uint32_t intid);

/* A PPI of this CPU made active or inactive: one store, inline, so that a
 * constant intid costs no shift (the timer's load, every switch). */
static inline void gic_set_ppi_active(struct percpu *pc, unsigned intid, bool active)
{
	uint64_t sgi = pc->gicr_rd + GICR_SGI_FRAME;

	/* ISACTIVER0 below ICACTIVER0 (asserted): active moves the address
	 * down, no second constant and select. */
	_Static_assert(GICR_ICACTIVER0 - GICR_ISACTIVER0 == 0x80, "the two registers' distance");
	*(volatile uint32_t *)(uintptr_t)(sgi + GICR_ICACTIVER0 - ((uint64_t)active << 7)) =
		1u << intid;
}

#endif
