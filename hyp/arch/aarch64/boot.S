/*
 * Entry at EL2. QEMU starts the boot CPU at _start with x0 = the DTB when it
 * passes one; secondary CPUs come through PSCI CPU_ON at secondary_entry with
 * their index as the context id in x0.
 */
#include "asm-offsets.h"

#define HYP_STACK_SIZE 0x4000

	.section .text.boot, "ax"
	.global _start
_start:
	msr	daifset, #0xf
	mov	x19, x0				// DTB from QEMU, if any

	mrs	x1, CurrentEL
	cmp	x1, #(2 << 2)
	b.ne	not_el2

	/* Stack of CPU 0: the top of the first stack. */
	adrp	x1, __stacks_start
	add	x1, x1, :lo12:__stacks_start
	add	x1, x1, #HYP_STACK_SIZE
	mov	sp, x1

	adrp	x1, hyp_vectors
	add	x1, x1, :lo12:hyp_vectors
	msr	vbar_el2, x1
	isb				// VBAR_EL2 in effect before anything can fault

	/* Zero .bss with the MMU still off: device memory, aligned 8-byte stores. */
	adrp	x1, __bss_start
	add	x1, x1, :lo12:__bss_start
	adrp	x2, __bss_end
	add	x2, x2, :lo12:__bss_end
1:	cmp	x1, x2
	b.hs	2f
	str	xzr, [x1], #8
	b	1b
2:
	mov	x0, x19
	bl	hyp_boot_main
	b	park

	.global secondary_entry
secondary_entry:
	msr	daifset, #0xf
	mov	x19, x0				// CPU index
	adrp	x1, __stacks_start
	add	x1, x1, :lo12:__stacks_start
	mov	x2, #HYP_STACK_SIZE
	madd	x1, x0, x2, x1
	add	x1, x1, x2
	mov	sp, x1
	adrp	x1, hyp_vectors
	add	x1, x1, :lo12:hyp_vectors
	msr	vbar_el2, x1
	isb
	mov	x0, x19
	bl	hyp_secondary_main
	b	park

not_el2:
	/* Not started at EL2 (QEMU without virtualization=on): nothing to do. */
park:
	wfe
	b	park
