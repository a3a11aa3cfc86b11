/*
 * A guest's own self-hosted debug (Arm ARM D2): its breakpoints,
 * watchpoints, software step and OS lock, switched lazily.
 *
 * A vCPU starts with its debug registers trapped (MDCR_EL2.TDA) and kept in
 * struct vdebug. Its first access to one of them (the trapped MRS/MSR, seen
 * in the trace as that sysreg exit) loads them into the hardware and clears
 * TDA for that vCPU, and the instruction runs again on the real register.
 * From then on they are switched with the vCPU (arch_vcpu_load/put) and its
 * debug exceptions go straight to its EL1 (MDCR_EL2.TDE clear). vCPUs that
 * never touch debug pay nothing. The OS lock registers stay trapped
 * (MDCR_EL2.TDOSA): while the guest holds the OS lock (or the double lock)
 * its registers are virtual again and the hardware has none of them, which
 * is how the lock disables its breakpoints, watchpoints and steps.
 *
 * While a debugger is attached (MDCR_EL2.TDE, hyp/arch/aarch64/debug.c)
 * every access traps and is emulated on struct vdebug; the debugger's
 * slots come first and the guest's enabled address breakpoints and
 * watchpoints take the hardware slots it leaves free. A debug exception
 * that is not the debugger's is re-checked against the guest's values
 * (guest_debug_exception()) and injected into its EL1 when the guest would
 * have taken it; otherwise the instruction is stepped over once with no
 * breakpoint or watchpoint loaded.
 */
#ifndef HYP_GUEST_DEBUG_H
#define HYP_GUEST_DEBUG_H

#include <stdbool.h>
#include <stdint.h>

#include "hyp/include/gdb_state.h"

struct vcpu;

/* MDSCR_EL1 (Arm ARM D19.2.76) */
#define GDBG_MDSCR_SS  (1ull << 0)
#define GDBG_MDSCR_KDE (1ull << 13)
#define GDBG_MDSCR_MDE (1ull << 15)

/* DBGBCR<n>_EL1 / DBGWCR<n>_EL1: E, PMC/PAC (bit 1 EL1, bit 2 EL0), BT, WT/LSC, MASK */
#define GDBG_CR_E        (1ull << 0)
#define GDBG_CR_EL1      (1ull << 1)
#define GDBG_CR_EL0      (1ull << 2)
#define GDBG_BCR_BT(c)   (((c) >> 20) & 0xfu)
/* HMC and SSC: cleared in what a debugged entry loads for the guest, so that
 * with MDCR_EL2.TDE nothing of the guest's can match at EL2. */
#define GDBG_CR_HMC_SSC  ((1ull << 13) | (3ull << 14))
#define GDBG_WCR_LOAD    (1ull << 3)
#define GDBG_WCR_STORE   (1ull << 4)
#define GDBG_WCR_BAS(c)  (((c) >> 5) & 0xffu)
#define GDBG_WCR_WT      (1ull << 20)
#define GDBG_WCR_MASK(c) (((c) >> 24) & 0x1fu)

/* OSDLR_EL1.DLK, DBGPRCR_EL1.CORENPDRQ */
#define GDBG_OSDLR_DLK      1ull
#define GDBG_DBGPRCR_NPDRQ  1ull

/* Whether the guest's registers may live in the hardware now: touched, not locked. */
bool guest_debug_may_load(const struct vcpu *v);

/*
 * A trapped access to a TDA-class debug register (op0 2, CRn != 1). true:
 * the registers were just loaded and the instruction must run again as it
 * is (no emulation, PC unchanged). false: emulate it on struct vdebug, then
 * call guest_debug_access_done().
 */
bool guest_debug_access(struct vcpu *v);
void guest_debug_access_done(struct vcpu *v);

/* OSLAR_EL1, OSDLR_EL1 or DBGPRCR_EL1 changed: the registers follow the lock. */
void guest_debug_lock_changed(struct vcpu *v);

/*
 * The hardware setup for a debugged entry: the debugger's slots (@gdb)
 * first, then the guest's enabled, unlinked address breakpoints and
 * watchpoints in the free slots, each keeping only the ELs at which the
 * guest enables debug exceptions. Returns the MDSCR_EL1 bits the guest
 * contributes (MDE; SS whenever it steps itself and holds no lock).
 */
uint64_t guest_debug_merge(const struct vcpu *v, const struct vm_gdb_hw *gdb, unsigned brps,
			   unsigned wrps, struct vm_gdb_hw *out);

/*
 * A breakpoint, watchpoint or software-step exit the debugger did not
 * cause. Injects it into the guest's EL1 (EC 0x30/0x31, 0x32/0x33,
 * 0x34/0x35 with FAR_EL1) when the guest's own registers and state say it
 * would take it; otherwise arranges a one-instruction step over it with no
 * breakpoint or watchpoint loaded (v->dbg.skip), runs one more instruction
 * of code the guest's step does not cover, or drops a stale step.
 */
void guest_debug_exception(struct vcpu *v);

#endif
