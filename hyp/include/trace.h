/*
 * Trace emission at EL2: every exit and event becomes a record in this
 * physical CPU's ring (formats/ring.h, formats/trace.h), which the host
 * drains live through the shared memory backend.
 *
 * The producer takes no lock and does no atomic read-modify-write: one
 * reservation, the fields written in place, one store-release on commit.
 */
#ifndef HYP_TRACE_H
#define HYP_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "formats/esr.h"
#include "formats/ring.h"
#include "formats/trace.h"
#include "hyp/include/arch.h"
#include "hyp/include/compiler.h"
#include "hyp/include/vm.h"

struct vcpu;
struct vm;

extern bool trace_on;

/* Boot CPU: lays out one ring per CPU over [base, base + size_per_cpu * ncpus). */
int trace_setup(void *base, uint64_t size_per_cpu, unsigned ncpus, unsigned mode);
/* Each CPU: attaches its producer. */
void trace_cpu_init(unsigned cpu);

/* Space for a record of `size` bytes with its header filled for v (NULL: no vCPU),
 * or NULL when tracing is off or the record is dropped. Finish with trace_commit(). */
void *trace_begin(unsigned type, uint32_t size, const struct vcpu *v);
void trace_commit(void);

/*
 * The hot path, inline: a vCPU's records go to its CPU's ring (vCPUs never
 * migrate) with the header's identity precomputed in the vCPU and its VM.
 */
static inline void *trace_vcpu_begin(const struct vcpu *v, unsigned type, uint32_t size,
				     struct ring_slot *s)
{
	struct ring *r = v->trace_ring;
	uint64_t word0, gen, ident;
	struct trace_hdr *h;

	if (!r || !ring_reserve_fixed(r, size, s))
		return NULL;
	/* All read before the first store into the record. */
	word0 = v->trace_word0;
	gen = v->trace_vmid_gen;
	ident = v->trace_ident;
	h = (struct trace_hdr *)s->p;
	/* Whole words: type, size, cpu and VMID; the rest precomputed. */
	h->word0 = word0 | TRACE_WORD0(type, size, 0, 0);
	h->seq = s->seq;
	h->ts = arch_counter();
	h->vmid_gen = gen;
	h->ident = ident;
	return h;
}

static inline void trace_vcpu_commit(const struct ring_slot *s)
{
	ring_commit_fixed(s);
}

/* level: TRACE_EXIT_L1 or TRACE_EXIT_L2 for a VM with el2=on, else 0. */
static inline void trace_exit_level(const struct vcpu *v, uint64_t pc, unsigned cls,
				    uint32_t insn, bool insn_valid, uint64_t cost, unsigned outcome,
				    unsigned level)
{
	struct ring_slot s;
	struct trace_exit *e = trace_vcpu_begin(v, TRACE_EXIT, sizeof(*e), &s);

	if (!e)
		return;
	e->esr = v->fault.esr;
	e->elr = pc;
	e->far = v->fault.far;
	e->hpfar = v->fault.hpfar;
	e->cost = cost;
	e->insn = insn;
	e->exit_class = (uint16_t)cls;
	e->outcome = (uint8_t)outcome;
	/* FAR_EL2 and HPFAR_EL2 mean something for stage-2 aborts only. */
	e->flags = (insn_valid ? TRACE_EXIT_INSN_VALID : 0) |
		   (cls == ESR_EC_DABT_LOW || cls == ESR_EC_IABT_LOW ? TRACE_EXIT_FAR_VALID : 0) |
		   level;
	trace_vcpu_commit(&s);
}

static inline void trace_exit(const struct vcpu *v, uint64_t pc, unsigned cls, uint32_t insn,
			      bool insn_valid, uint64_t cost, unsigned outcome)
{
	trace_exit_level(v, pc, cls, insn, insn_valid, cost, outcome, 0);
}

static inline void trace_entry(const struct vcpu *v)
{
	struct ring_slot s;
	struct trace_entry *e = trace_vcpu_begin(v, TRACE_ENTRY, sizeof(*e), &s);

	if (!e)
		return;
	e->pc = v->regs.pc;
	/* As the flush just before left them (vgic_flush()). */
	e->pending_irqs = v->vgic.pending_flushed;
	e->lrs_used = v->vgic.hw.used_lrs;
	trace_vcpu_commit(&s);
}
/* runnable is counted from the vCPU's run queue at the time of the record. */
void trace_sched(unsigned type, const struct vcpu *v, uint64_t ticks, unsigned reason);
void trace_vm(unsigned type, const struct vm *vm);
void trace_vmid_alloc(const struct vm *vm, uint64_t vmid, unsigned in_use, unsigned bits);
void trace_vmid_rollover(uint64_t old_gen, uint64_t new_gen, uint64_t cost, unsigned in_use,
			 unsigned bits);
void trace_mmio(const struct vcpu *v, uint64_t ipa, uint64_t value, unsigned device,
		unsigned width, bool write, unsigned result);
static inline void trace_smccc(const struct vcpu *v, uint32_t fid, const uint64_t args[6],
			       bool smc)
{
	struct ring_slot s;
	struct trace_smccc *e = trace_vcpu_begin(v, TRACE_SMCCC, sizeof(*e), &s);
	uint64_t a0, a1, a2, a3, a4, a5, r0, r1, r2, r3;

	if (!e)
		return;
	/* Written out: -O2 keeps loops, and with -mstrict-align a memcpy here
	 * would be a call. Everything read before the first store (the record
	 * could alias them, as far as the compiler knows): load/store pairs. */
	a0 = args[0];
	a1 = args[1];
	a2 = args[2];
	a3 = args[3];
	a4 = args[4];
	a5 = args[5];
	r0 = v->regs.x[0];
	r1 = v->regs.x[1];
	r2 = v->regs.x[2];
	r3 = v->regs.x[3];
	e->args[0] = a0;
	e->args[1] = a1;
	e->args[2] = a2;
	e->args[3] = a3;
	e->args[4] = a4;
	e->args[5] = a5;
	e->result[0] = r0;
	e->result[1] = r1;
	e->result[2] = r2;
	e->result[3] = r3;
	e->call = fid | (uint64_t)(smc ? TRACE_SMCCC_SMC : TRACE_SMCCC_HVC) << 32;
	trace_vcpu_commit(&s);
}
void trace_log_line(unsigned level, const char *text, unsigned len);
void trace_gdb_stop(const struct vcpu *v, unsigned reason, int signal, uint64_t addr);
void trace_gdb_resume(const struct vcpu *v, uint64_t held_ticks, uint32_t cont_mask,
		      uint32_t step_mask);

/* SDEI (hyp/core/sdei.c): calls, handler entry and completion, state changes. */
void trace_sdei_call(const struct vcpu *v, uint32_t fn, const uint64_t args[5], int64_t result);
void trace_sdei_dispatch(const struct vcpu *v, uint32_t event, unsigned cause, unsigned prio,
			 uint64_t pc, uint64_t pstate);
void trace_sdei_complete(const struct vcpu *v, uint32_t event, unsigned kind, uint64_t resume_pc,
			 uint64_t ticks);
void trace_sdei_state(const struct vcpu *v, uint32_t event, unsigned op, unsigned old_state,
		      unsigned new_state, uint32_t arg);
struct vits_event;
/* An ITS command (TRACE_ITS_CMD) or translation (TRACE_ITS_LPI), run by vCPU src. */
void trace_its(const struct vcpu *src, unsigned type, const struct vits_event *e);
void trace_irq_inject(const struct vcpu *target, unsigned vintid, unsigned source,
		      unsigned source_vcpu);
/* A level line the hypervisor drives for v (a timer's PPI) went up or down. */
void trace_irq_line(const struct vcpu *v, unsigned vintid, unsigned source, bool level);

#endif
