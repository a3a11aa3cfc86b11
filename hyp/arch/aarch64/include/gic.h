/* The physical GICv3 the hypervisor owns (hyp/arch/aarch64/gic.c): its interrupts and operations. */
#ifndef HYP_ARCH_GIC_H
#define HYP_ARCH_GIC_H

#include <stdbool.h>
#include <stdint.h>

struct percpu;

#define GIC_SGI_RESCHED     0
#define GIC_PPI_MAINT       25
#define GIC_PPI_HYP_TIMER   26
#define GIC_PPI_VTIMER      27
#define GIC_PPI_PMU         23
#define GIC_INTID_SPURIOUS  1020

void gic_dist_init(void);
int gic_cpu_init(struct percpu *pc);
void gic_send_sgi(uint64_t mpidr, unsigned intid);
void gic_set_ppi_active(struct percpu *pc, unsigned intid, bool active);
void gic_spi_enable(unsigned intid, uint64_t mpidr);
uint32_t gic_ack(void);
void gic_eoi(uint32_t intid);
void gic_deactivate(uint32_t intid);

#endif
