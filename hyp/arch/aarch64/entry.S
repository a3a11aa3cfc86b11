/*
 * The world switch: __guest_enter() saves the hypervisor's callee-saved
 * registers, loads the guest's general registers and ERETs; every exception
 * from the guest comes back through the vectors, which save the guest's
 * general registers, take the guest's pending SError if it raised one, and
 * return from __guest_enter() with the exit type (EXIT_* from
 * asm-offsets.h, the EXIT_TYPE_* of hyp/include/run.h). EL1 system
 * registers, FP/SIMD, timers and the rest are switched in C (vcpu.c,
 * fpsimd.S), lazily, when the vCPU changes.
 */
#include "asm-offsets.h"

/*
 * Enter the guest from the struct gp_regs at x0: its PC and PSTATE, x0..x19
 * and x30, and with all=1 x20..x29 too (the fast path leaves those in their
 * registers: the C it ran kept them, callee-saved); then ERET.
 */
.macro guest_load_eret all
	ldp	x2, x3, [x0, #GP_REGS_PC]
	msr	elr_el2, x2
	msr	spsr_el2, x3
	ldp	x2, x3, [x0, #(GP_REGS_X0 + 16)]
	ldp	x4, x5, [x0, #(GP_REGS_X0 + 32)]
	ldp	x6, x7, [x0, #(GP_REGS_X0 + 48)]
	ldp	x8, x9, [x0, #(GP_REGS_X0 + 64)]
	ldp	x10, x11, [x0, #(GP_REGS_X0 + 80)]
	ldp	x12, x13, [x0, #(GP_REGS_X0 + 96)]
	ldp	x14, x15, [x0, #(GP_REGS_X0 + 112)]
	ldp	x16, x17, [x0, #(GP_REGS_X0 + 128)]
	ldp	x18, x19, [x0, #(GP_REGS_X0 + 144)]
.if \all
	ldp	x20, x21, [x0, #(GP_REGS_X0 + 160)]
	ldp	x22, x23, [x0, #(GP_REGS_X0 + 176)]
	ldp	x24, x25, [x0, #(GP_REGS_X0 + 192)]
	ldp	x26, x27, [x0, #(GP_REGS_X0 + 208)]
	ldp	x28, x29, [x0, #(GP_REGS_X0 + 224)]
.endif
	ldr	x30, [x0, #GP_REGS_X30]
	ldp	x0, x1, [x0, #GP_REGS_X0]
	eret
	/* No speculation past the ERET (the guest's registers are live). */
	dsb	nsh
	isb
.endm

	.text

/* uint64_t __guest_enter(struct gp_regs *guest) */
	.global __guest_enter
__guest_enter:
	mrs	x1, tpidr_el2
	str	x0, [x1, #PERCPU_GUEST_REGS]
	add	x2, x1, #PERCPU_HOST_REGS
	stp	x19, x20, [x2, #0]
	stp	x21, x22, [x2, #16]
	stp	x23, x24, [x2, #32]
	stp	x25, x26, [x2, #48]
	stp	x27, x28, [x2, #64]
	stp	x29, x30, [x2, #80]
	mov	x3, sp
	str	x3, [x2, #96]

	guest_load_eret 1

/*
 * Exit from the guest: x0 and x1 were pushed by the vector, x0 now holds the
 * exit type. Saves the guest's x0..x19, x30, PC and PSTATE and opens the
 * SError window. A synchronous exit is offered to the fast path
 * (__exit_fast(), vcpu.c): the C it runs keeps x19..x29 as the AAPCS has it
 * (callee-saved), so those still hold the guest's values, and a handled exit
 * re-enters the guest at once with x0..x19, x30, PC and PSTATE loaded again,
 * or, handled but giving the CPU away (a yield), returns to the run loop with
 * EXIT_HANDLED added to its type. Otherwise the rest of the guest's registers
 * are saved and __guest_enter() returns the exit type to the run loop.
 */
guest_exit:
	mrs	x1, tpidr_el2
	ldr	x1, [x1, #PERCPU_GUEST_REGS]
	stp	x2, x3, [x1, #(GP_REGS_X0 + 16)]
	stp	x4, x5, [x1, #(GP_REGS_X0 + 32)]
	stp	x6, x7, [x1, #(GP_REGS_X0 + 48)]
	stp	x8, x9, [x1, #(GP_REGS_X0 + 64)]
	stp	x10, x11, [x1, #(GP_REGS_X0 + 80)]
	stp	x12, x13, [x1, #(GP_REGS_X0 + 96)]
	stp	x14, x15, [x1, #(GP_REGS_X0 + 112)]
	stp	x16, x17, [x1, #(GP_REGS_X0 + 128)]
	stp	x18, x19, [x1, #(GP_REGS_X0 + 144)]
	str	x30, [x1, #GP_REGS_X30]
	ldp	x2, x3, [sp], #16		// the guest's x0 and x1
	stp	x2, x3, [x1, #GP_REGS_X0]
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x2, x3, [x1, #GP_REGS_PC]

	/* The guest's SError, if its accesses raised one, lands on this exit. */
	mov	x19, x0				// x19 (saved): the exit type from here on
	bl	__serror_window
	cbnz	x0, 2f
.if EXIT_SYNC != 0
	.error "the test below takes EXIT_SYNC for 0"
.endif
	cbnz	x19, guest_exit_full		// synchronous exits only
	mrs	x0, tpidr_el2
	ldr	x0, [x0, #PERCPU_GUEST_REGS]
	bl	__exit_fast
.if EXIT_FAST_NONE != 0 || EXIT_FAST_RESUME != 1 || EXIT_FAST_SWITCH != 2
	.error "the tests below take EXIT_FAST_NONE, _RESUME and _SWITCH for 0, 1 and 2"
.endif
	tbz	w0, #0, 3f			// an enum exit_fast: only w0 is defined

	/* Handled: the guest's x0..x19, x30, PC and PSTATE, then back in. */
guest_exit_fast_return:		/* a label for tests/bench/el2_phases.py */
	mrs	x0, tpidr_el2
	ldr	x0, [x0, #PERCPU_GUEST_REGS]
	guest_load_eret 0

2:	orr	x19, x19, #EXIT_SERROR_SYNCED
	b	guest_exit_full
	/* The yield's way (the most taken here) falls through, without a branch. */
3:	cbz	w0, guest_exit_full		// EXIT_FAST_NONE: the full path
	mov	x19, #(EXIT_SYNC | EXIT_HANDLED)	// handled, the CPU goes to another vCPU
guest_exit_full:
	mrs	x2, tpidr_el2			// x2: this CPU's struct percpu, to the ret
	ldr	x1, [x2, #PERCPU_GUEST_REGS]
	stp	x20, x21, [x1, #(GP_REGS_X0 + 160)]
	stp	x22, x23, [x1, #(GP_REGS_X0 + 176)]
	stp	x24, x25, [x1, #(GP_REGS_X0 + 192)]
	stp	x26, x27, [x1, #(GP_REGS_X0 + 208)]
	stp	x28, x29, [x1, #(GP_REGS_X0 + 224)]
	mov	x0, x19

guest_exit_restore:		/* a label for tests/bench/el2_phases.py */
	ldp	x19, x20, [x2, #(PERCPU_HOST_REGS + 0)]
	ldp	x21, x22, [x2, #(PERCPU_HOST_REGS + 16)]
	ldp	x23, x24, [x2, #(PERCPU_HOST_REGS + 32)]
	ldp	x25, x26, [x2, #(PERCPU_HOST_REGS + 48)]
	ldp	x27, x28, [x2, #(PERCPU_HOST_REGS + 64)]
	ldp	x29, x30, [x2, #(PERCPU_HOST_REGS + 80)]
	ldr	x3, [x2, #(PERCPU_HOST_REGS + 96)]
	mov	sp, x3
	ret

/*
 * uint64_t __serror_window(void): 1 when a pending SError was taken, else 0.
 *
 * With HCR_EL2.AMO set a physical SError is routed to EL2; raised by a
 * guest's access, it may still be pending (masked: PSTATE.A is set at EL2)
 * when the guest exits, and surface later, in whichever vCPU runs then. So,
 * as KVM's exit path does: wait for every access in flight (DSB SY: the
 * SErrors they raise are pending once it completes), then unmask SError for
 * one ISB, the window in which a pending SError must be taken (Arm ARM
 * D1.3.6: it is taken at the latest after the context synchronisation). The
 * vector (serror_taken, below) recognises the window by its ELR and returns
 * to it with x0 = 1. Taking the exception overwrites ESR_EL2, FAR_EL2 and
 * HPFAR_EL2 (those of the exit being handled): they are put back. Clobbers
 * x0..x4.
 */
	.global __serror_window
__serror_window:
	mrs	x2, esr_el2
	mrs	x3, far_el2
	mrs	x4, hpfar_el2
	mov	x0, #0
	dsb	sy
	msr	daifclr, #4
serror_window_start:
	isb
serror_window_end:
	msr	daifset, #4
	msr	esr_el2, x2
	msr	far_el2, x3
	msr	hpfar_el2, x4
	ret

/*
 * Exceptions taken at EL2 itself are the hypervisor's own bugs (it runs
 * with interrupts masked): save everything and panic with the registers.
 * Frame: x0..x30, sp, elr, spsr, esr, far (36 slots); x0/x1 were stored by
 * the vector, x0 now holds the vector's index.
 */
hyp_fault:
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	add	x1, sp, #(36 * 8)
	stp	x30, x1, [sp, #240]
	mrs	x1, elr_el2
	mrs	x2, spsr_el2
	stp	x1, x2, [sp, #256]
	mrs	x1, esr_el2
	mrs	x2, far_el2
	stp	x1, x2, [sp, #272]
	mov	x1, sp
	bl	hyp_fault_handler		// (vector index, frame): does not return
1:	wfe
	b	1b

.macro vector_hyp kind
	.balign 128
	sub	sp, sp, #(36 * 8)
	stp	x0, x1, [sp]
	mov	x0, #\kind
	b	hyp_fault
.endm

/* An SError at EL2: the guest's, taken in __serror_window, or a bug. */
.macro vector_hyp_serror kind
	.balign 128
	sub	sp, sp, #(36 * 8)
	stp	x0, x1, [sp]
	mrs	x1, elr_el2
	adr	x0, serror_window_start
	cmp	x0, x1
	adr	x0, serror_window_end
	ccmp	x0, x1, #4, ne		// Z: ELR is either end of the window
	b.ne	1f
	add	sp, sp, #(36 * 8)	// x0 and x1 are free in the window
	mov	x0, #1
	eret
1:	mov	x0, #\kind
	b	hyp_fault
.endm

.macro vector_guest type
	.balign 128
	stp	x0, x1, [sp, #-16]!
	mov	x0, #\type
	b	guest_exit
.endm

	.section .text.vectors, "ax"
	.balign 2048
	.global hyp_vectors
hyp_vectors:
	/* Current EL with SP_EL0: never used */
	vector_hyp 0
	vector_hyp 1
	vector_hyp 2
	vector_hyp 3
	/* Current EL with SP_ELx: the hypervisor's own faults */
	vector_hyp 4
	vector_hyp 5
	vector_hyp 6
	vector_hyp_serror 7
	/* Lower EL, AArch64: the guest */
	vector_guest EXIT_SYNC
	vector_guest EXIT_IRQ
	vector_guest EXIT_FIQ
	vector_guest EXIT_SERROR
	/* Lower EL, AArch32: guests are AArch64 only (HCR_EL2.RW = 1) */
	vector_hyp 12
	vector_hyp 13
	vector_hyp 14
	vector_hyp 15
