/*
 * Debugger state kept in struct vcpu and struct vm (see hyp/include/gdb.h):
 * what the scheduler and the world switch look at.
 */
#ifndef HYP_GDB_STATE_H
#define HYP_GDB_STATE_H

#include <stdbool.h>
#include <stdint.h>

#define GDB_HW_SLOTS 16 /* at most as many breakpoint and watchpoint registers */

struct vcpu_gdb {
	bool active;   /* its VM is attached: debug exceptions go to EL2 (MDCR_EL2.TDE) */
	bool hold;     /* stopped by the debugger: not picked, not claimed */
	bool step;     /* one instruction, then a step stop (MDSCR_EL1.SS, PSTATE.SS) */
	bool step_irq; /* step with virtual interrupts delivered (monitor step-irq on) */
	bool catch_hit; /* gdb_exit_pre() decided that this exit stops the VM */
};

/*
 * The VM's hardware breakpoints and watchpoints, as the world switch loads
 * them into DBGBVR/DBGBCR and DBGWVR/DBGWCR for each of its vCPUs
 * (control value 0: slot unused).
 */
struct vm_gdb_hw {
	uint64_t bvr[GDB_HW_SLOTS], bcr[GDB_HW_SLOTS];
	uint64_t wvr[GDB_HW_SLOTS], wcr[GDB_HW_SLOTS];
	unsigned nr_bp, nr_wp; /* slots in use: the highest used index + 1 */
};

#endif
