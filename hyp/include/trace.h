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

#include "formats/ring.h"
#include "formats/trace.h"
#include "hyp/include/compiler.h"

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

void trace_exit(const struct vcpu *v, uint64_t pc, unsigned cls, uint32_t insn, bool insn_valid,
		uint64_t cost, unsigned outcome);
void trace_entry(const struct vcpu *v);
void trace_sched(unsigned type, const struct vcpu *v, uint64_t ticks, unsigned reason,
		 unsigned runnable);
void trace_vm(unsigned type, const struct vm *vm);
void trace_vmid_alloc(const struct vm *vm, uint64_t vmid, unsigned in_use, unsigned bits);
void trace_vmid_rollover(uint64_t old_gen, uint64_t new_gen, uint64_t cost, unsigned in_use,
			 unsigned bits);
void trace_mmio(const struct vcpu *v, uint64_t ipa, uint64_t value, unsigned device,
		unsigned width, bool write, unsigned result);
void trace_smccc(const struct vcpu *v, uint32_t fid, const uint64_t args[6], bool smc);
void trace_log_line(unsigned level, const char *text, unsigned len);

#endif
