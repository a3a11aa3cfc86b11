/*
 * Per physical CPU state. TPIDR_EL2 points at this CPU's struct percpu; its
 * first two fields are used by the vectors (offsets from asm-offsets.h).
 */
#ifndef HYP_PERCPU_H
#define HYP_PERCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "formats/hypcfg.h"
#include "formats/ring.h"
#include "hyp/include/sched.h"

struct gp_regs;
struct vcpu;

struct percpu {
	struct gp_regs *guest_regs; /* the running guest's registers, for the vectors */
	uint64_t host_regs[13];     /* x19..x30 and sp around __guest_enter() */
	unsigned id;
	uint64_t mpidr;
	bool online;
	struct runqueue rq;
	struct vcpu *fp_owner;      /* whose FP/SIMD registers are live in this CPU */
	uint64_t gicr_rd;           /* this CPU's redistributor (RD frame) */
	uint64_t ticks;             /* scheduler ticks taken */
	bool vif_enabled;           /* ICH_HCR_EL2.En: off (and LRs empty) after a fold */
	struct ring trace;          /* this CPU's trace producer */
};

extern struct percpu percpu[HYP_MAX_CPUS];
extern unsigned nr_cpus;

#endif
