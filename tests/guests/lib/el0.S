/*
 * Running a function at EL0 (libguest.h el0_run()): the caller's callee-saved
 * registers and SP are kept per vCPU, the function is entered by ERET with
 * SPSR_EL1 = EL0t (DAIF masked) and its own stack, and returns into SVC #0;
 * exceptions.c takes that SVC and calls el0_resume() with the function's x0.
 */
#define EL0_STACK_SIZE	0x1000
#define MAX_VCPUS	4
#define SPSR_EL0T_DAIF	0x3c0

	.text
	.global	el0_run
el0_run:
	stp	x29, x30, [sp, #-96]!
	stp	x19, x20, [sp, #16]
	stp	x21, x22, [sp, #32]
	stp	x23, x24, [sp, #48]
	stp	x25, x26, [sp, #64]
	stp	x27, x28, [sp, #80]
	mrs	x9, mpidr_el1
	and	x9, x9, #0xff
	adrp	x10, el0_saved_sp
	add	x10, x10, :lo12:el0_saved_sp
	mov	x11, sp
	str	x11, [x10, x9, lsl #3]
	/* Its stack: the top of el0_stacks[Aff0]. */
	adrp	x10, el0_stacks
	add	x10, x10, :lo12:el0_stacks
	add	x9, x9, #1
	mov	x11, #EL0_STACK_SIZE
	madd	x10, x9, x11, x10
	msr	sp_el0, x10
	msr	elr_el1, x0
	mov	x9, #SPSR_EL0T_DAIF
	msr	spsr_el1, x9
	adr	x30, el0_exit
	/* The ERET is the context synchronization for ELR/SPSR/SP_EL0. */
	eret

el0_exit:
	svc	#0
	b	.

/* From the SVC #0 handler (EL1h): back into el0_run()'s caller with x0. */
	.global	el0_resume
el0_resume:
	mrs	x9, mpidr_el1
	and	x9, x9, #0xff
	adrp	x10, el0_saved_sp
	add	x10, x10, :lo12:el0_saved_sp
	ldr	x11, [x10, x9, lsl #3]
	mov	sp, x11
	ldp	x19, x20, [sp, #16]
	ldp	x21, x22, [sp, #32]
	ldp	x23, x24, [sp, #48]
	ldp	x25, x26, [sp, #64]
	ldp	x27, x28, [sp, #80]
	ldp	x29, x30, [sp], #96
	ret

	.bss
	.balign	16
el0_stacks:
	.skip	EL0_STACK_SIZE * MAX_VCPUS
	.balign	8
el0_saved_sp:
	.skip	8 * MAX_VCPUS
