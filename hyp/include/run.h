/*
 * The run loop and exit handling: what the physical CPUs do once they are
 * up. What they ask of the hardware is the arch contract (hyp/include/arch.h).
 */
#ifndef HYP_RUN_H
#define HYP_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "formats/hypcfg.h"
#include "hyp/include/compiler.h"
#include "hyp/include/vm.h"
#include "hyp/include/vmid.h"

/*
 * How __guest_enter() returned: which vector the guest's exception took
 * (hyp/arch/aarch64/entry.S takes these through asm-offsets.h).
 */
#define EXIT_TYPE_SYNC   0
#define EXIT_TYPE_IRQ    1
#define EXIT_TYPE_FIQ    2
#define EXIT_TYPE_SERROR 3
/*
 * Added to the type: an SError the guest's own accesses raised was still
 * pending when it exited, and was taken on the way out (the exit's
 * synchronisation window). It is the guest's: handle_exit() gives it back as
 * a virtual SError, after the exit itself.
 */
#define EXIT_TYPE_SERROR_SYNCED 0x100u
/*
 * Added to a synchronous exit's type: the exit vector's fast path handled
 * the exit (EXIT_FAST_SWITCH below: a yield with another vCPU waiting). It
 * is counted, timed and traced; the run loop only gives the CPU away.
 */
#define EXIT_TYPE_HANDLED       0x200u
#define EXIT_TYPE_MASK          0xffu

/* What the exit fast path (hyp/include/exit_fast.h) did with an exit. */
enum exit_fast {
	EXIT_FAST_NONE,   /* nothing: the full path handles it */
	EXIT_FAST_RESUME, /* handled: re-enter the guest at once */
	EXIT_FAST_SWITCH, /* handled: the vCPU gives its CPU to another (EXIT_TYPE_HANDLED) */
};

extern struct vmid_allocator vmids;
extern struct hypcfg *hypcfg;
extern struct hypstat *hypstat;

/* The exit class (formats/exits.h): ESR_EL2.EC for synchronous exits. */
static inline unsigned exit_class_of(unsigned type, uint64_t esr)
{
	/* EXIT_TYPE_IRQ..SERROR map onto HYP_EXIT_IRQ..SERROR in order. */
	type &= EXIT_TYPE_MASK;
	return type == EXIT_TYPE_SYNC ? (unsigned)(esr >> 26) & 0x3f
				      : type <= EXIT_TYPE_SERROR ? HYP_EXIT_IRQ + type - 1
								 : HYP_EXIT_ILLEGAL;
}

/* exit.c */
/* true: re-enter the guest; false: the vCPU gives up its CPU (blocked, off, yield). */
bool handle_exit(struct vcpu *v, unsigned type);
/* The same without the nested sorting: what L0 does with an exit it keeps
 * (hyp/core/nested.c). */
bool handle_exit_l0(struct vcpu *v, unsigned type);
/* WFI semantics: block until an interrupt or a timer is due (or deadline, a
 * counter value, 0 = none). The PC must already point past the instruction. */
bool vcpu_wait_for_interrupt(struct vcpu *v, uint64_t deadline);

/* run.c */
extern unsigned stage2_ipa_bits;
/* Every VM has ended: print the summary, mark the status block, power off. */
__noreturn void hyp_shutdown(void);
__noreturn void cpu_run_loop(void);
void vcpu_kick(struct vcpu *v);

#endif
