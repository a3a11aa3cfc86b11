/*
 * The hypervisor side of the GDB remote stub (hyp/core/gdb_target.c): the
 * target that the protocol engine in gdbstub/ drives through
 * gdbstub/target.h, and the hooks the rest of the hypervisor calls.
 *
 * A VM under a debugger is stopped by holding every one of its vCPUs: a
 * held vCPU is never picked or claimed (sched.c, vm.c), one on a CPU leaves
 * it at its next exit, and the stop is complete - and reported to gdb -
 * once none is on a CPU and none has FP/SIMD registers live in a CPU. A VM
 * no debugger attached never has a held vCPU, and its exits take one extra
 * branch (vcpu->gdb.active).
 *
 * One lock, the stub's, covers the engine and all of this state. Lock
 * order: stub lock, then vm->lock, then a run queue's lock.
 */
#ifndef HYP_GDB_H
#define HYP_GDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hyp/include/gdb_state.h"

struct vm;
struct vcpu;

/* Boot: the stub's UART is there and HYPCFG_F_GDB is set. */
void gdb_init(void);
/* Boot, once the VMs are created: the stub says it is there. */
void gdb_announce(void);
extern bool gdb_enabled;

/* Bytes from the debugger (the UART's receive interrupt). */
void gdb_rx(const uint8_t *buf, size_t len);

/* vm.c: a VM instance was created (before any vCPU runs), or is ending. */
void gdb_vm_created(struct vm *vm);
void gdb_vm_ended(struct vm *vm);

/* run.c, on the vCPU's own CPU: it left the CPU while held. */
void gdb_vcpu_parked(struct vcpu *v);
/* run.c: this CPU idles; FP/SIMD registers of a held vCPU are saved. */
void gdb_cpu_idle(void);

/*
 * run.c, around the handling of an exit of a vCPU whose VM is attached:
 * catchpoints are decided before the handler changes anything, a step or a
 * catchpoint stops the VM after it. Returns whether to re-enter the guest.
 */
void gdb_exit_pre(struct vcpu *v, unsigned cls);
bool gdb_exit_post(struct vcpu *v, unsigned cls, uint64_t pc_before, bool cont);

/*
 * run.c, on the vCPU's own CPU, after sdei_dispatch() entered a handler on
 * a vCPU whose VM is attached: 'catch sdei' stops the VM there, at the
 * handler's first instruction. Returns whether to enter the guest.
 */
bool gdb_sdei_dispatched(struct vcpu *v);

/* exit.c: BRK, breakpoint, watchpoint and software-step exceptions. */
bool gdb_debug_exit(struct vcpu *v);

/*
 * Stage-1 translation in software (Arm ARM D8.2), as gdb's memory accesses
 * and 'monitor translate' need it: never faults, reads the tables through
 * stage 2. Granules 4K, 16K and 64K; TTBR0 or TTBR1 by VA bit 55.
 */
struct s1_walk {
	bool mmu_on;
	unsigned start_level;
	unsigned leaf_level;       /* the level of the block or page, or that faulted */
	bool fault;
	const char *why;           /* fault: what stopped the walk */
	uint64_t table_ipa[4];     /* the table read at each level */
	uint64_t desc[4];          /* the descriptor read at each level */
	uint64_t ipa;              /* the result */
	unsigned granule_bits;
	bool ttbr1;
};
int s1_walk(const struct vm *vm, uint64_t sctlr, uint64_t tcr, uint64_t ttbr0, uint64_t ttbr1,
	    uint64_t va, struct s1_walk *w);

#endif
