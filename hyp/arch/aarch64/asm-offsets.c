/*
 * Offsets of C structures for the assembly, emitted as "->SYM value" markers
 * that scripts/gen-asm-offsets.sh turns into build/el2/asm-offsets.h.
 */
#include <stddef.h>

#include "hyp/include/percpu.h"
#include "hyp/include/run.h"
#include "hyp/include/vm.h"

#define DEFINE(sym, val) __asm__ volatile("\n.ascii \"->" #sym " %0 " #val "\"" : : "i"(val))

void asm_offsets(void);
void asm_offsets(void)
{
	DEFINE(GP_REGS_X0, offsetof(struct gp_regs, x[0]));
	DEFINE(GP_REGS_X2, offsetof(struct gp_regs, x[2]));
	DEFINE(GP_REGS_X30, offsetof(struct gp_regs, x[30]));
	DEFINE(GP_REGS_PC, offsetof(struct gp_regs, pc));
	DEFINE(GP_REGS_PSTATE, offsetof(struct gp_regs, pstate));
	DEFINE(PERCPU_GUEST_REGS, offsetof(struct percpu, guest_regs));
	DEFINE(PERCPU_HOST_REGS, offsetof(struct percpu, host_regs));
	DEFINE(PERCPU_SIZE, sizeof(struct percpu));
	DEFINE(FPSIMD_V0, offsetof(struct fpsimd_state, v[0]));
	DEFINE(FPSIMD_FPSR, offsetof(struct fpsimd_state, fpsr));
	DEFINE(FPSIMD_FPCR, offsetof(struct fpsimd_state, fpcr));
	DEFINE(EXIT_SYNC, EXIT_TYPE_SYNC);
	DEFINE(EXIT_IRQ, EXIT_TYPE_IRQ);
	DEFINE(EXIT_FIQ, EXIT_TYPE_FIQ);
	DEFINE(EXIT_SERROR, EXIT_TYPE_SERROR);
	DEFINE(EXIT_SERROR_SYNCED, EXIT_TYPE_SERROR_SYNCED);
	DEFINE(EXIT_HANDLED, EXIT_TYPE_HANDLED);
	DEFINE(EXIT_FAST_NONE, EXIT_FAST_NONE);
	DEFINE(EXIT_FAST_RESUME, EXIT_FAST_RESUME);
	DEFINE(EXIT_FAST_SWITCH, EXIT_FAST_SWITCH);
}
