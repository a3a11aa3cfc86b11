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
static inline void *trace_vcpu_begin(const struct vcpu *v, unsigned type, uint32_t size)
{
	struct trace_hdr *h;

	if (!trace_on)
		return NULL;
	h = ring_reserve(v->trace_ring, size);
	if (unlikely(!h))
		return NULL;
	h->type = (uint16_t)type;
	h->vmid = v->vm->trace_vmid;
	h->ts = arch_counter();
	h->vmid_gen = v->vm->trace_vmid_gen;
	h->vm = v->trace_vm;
	h->vcpu = v->trace_vcpu;
	h->reserved = 0;
	return h;
}

static inline void trace_vcpu_commit(const struct vcpu *v)
{
	ring_commit(v->trace_ring);
}

static inline void trace_exit(const struct vcpu *v, uint64_t pc, unsigned cls, uint32_t insn,
			      bool insn_valid, uint64_t cost, unsigned outcome)
{
	struct trace_exit *e = trace_vcpu_begin(v, TRACE_EXIT, sizeof(*e));

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
	e->flags = insn_valid ? TRACE_EXIT_INSN_VALID | TRACE_EXIT_FAR_VALID : TRACE_EXIT_FAR_VALID;
	trace_vcpu_commit(v);
}

static inline void trace_entry(const struct vcpu *v)
{
	struct trace_entry *e = trace_vcpu_begin(v, TRACE_ENTRY, sizeof(*e));

	if (!e)
		return;
	e->pc = v->regs.pc;
	e->pending_irqs = 0;
	e->lrs_used = 0;
	trace_vcpu_commit(v);
}
void trace_sched(unsigned type, const struct vcpu *v, uint64_t ticks, unsigned reason,
		 unsigned runnable);
void trace_vm(unsigned type, const struct vm *vm);
void trace_vmid_alloc(const struct vm *vm, uint64_t vmid, unsigned in_use, unsigned bits);
void trace_vmid_rollover(uint64_t old_gen, uint64_t new_gen, uint64_t cost, unsigned in_use,
			 unsigned bits);
void trace_mmio(const struct vcpu *v, uint64_t ipa, uint64_t value, unsigned device,
		unsigned width, bool write, unsigned result);
static inline void trace_smccc(const struct vcpu *v, uint32_t fid, const uint64_t args[6],
			       bool smc)
{
	struct trace_smccc *e = trace_vcpu_begin(v, TRACE_SMCCC, sizeof(*e));

	if (!e)
		return;
	/* Word copies: with -mstrict-align a memcpy here would be a call. */
	for (unsigned i = 0; i < 6; i++)
		e->args[i] = args[i];
	for (unsigned i = 0; i < 4; i++)
		e->result[i] = v->regs.x[i];
	e->fid = fid;
	e->conduit = smc ? TRACE_SMCCC_SMC : TRACE_SMCCC_HVC;
	e->reserved[0] = e->reserved[1] = e->reserved[2] = 0;
	trace_vcpu_commit(v);
}
void trace_log_line(unsigned level, const char *text, unsigned len);
void trace_irq_inject(const struct vcpu *target, unsigned vintid, unsigned source,
		      unsigned source_vcpu);

#endif
