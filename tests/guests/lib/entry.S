/*
 * Entry points and exception vectors of the test guests.
 *
 * Both the boot vCPU (_start) and the secondaries started by PSCI CPU_ON
 * (secondary_entry) arrive at EL1h with the MMU off. Each picks its stack by
 * MPIDR_EL1.Aff0, so no shared state is touched before the stack exists.
 */

#define SCTLR_EL1_RES1	0x30d00800	/* v8.0 RES1 bits: 29,28,23,22,20,11 */
#define SCTLR_EL1_SA	(1 << 3)	/* SP alignment check at EL1 */
#define SCTLR_EL1_I	(1 << 12)	/* instruction cache on; data stays Device with M=0 */
#define CPACR_FPEN	(3 << 20)
#define STACK_SIZE	0x4000
#define MAX_VCPUS	4

/* struct ex_regs: x0..x30, sp, elr, spsr (exceptions.c has the C view) */
#define FRAME_SIZE	(34 * 8)

	.section .text.boot, "ax"
	.global _start
_start:
	mov	x19, x0			/* DTB address: survives the calls below */
	bl	cpu_setup

	/* Zero .bss: only the boot vCPU does this, before anything uses it. */
	adrp	x0, __bss_start
	add	x0, x0, :lo12:__bss_start
	adrp	x1, __bss_end
	add	x1, x1, :lo12:__bss_end
1:	cmp	x0, x1
	b.hs	2f
	str	xzr, [x0], #8
	b	1b
2:
	bl	stack_setup
	mov	x0, x19
	bl	boot_start		/* never returns */
	b	.

	.global secondary_entry
secondary_entry:
	mov	x19, x0			/* PSCI context id */
	bl	cpu_setup
	bl	stack_setup
	mov	x0, x19
	bl	secondary_start		/* never returns */
	b	.

/*
 * Per-vCPU system state; uses only x0/x1 and no stack. The ISB makes the
 * new SCTLR/CPACR/VBAR values apply to what follows (Arm ARM,
 * "Synchronization requirements for AArch64 System registers").
 */
cpu_setup:
	ldr	x0, =(SCTLR_EL1_RES1 | SCTLR_EL1_SA | SCTLR_EL1_I)
	msr	sctlr_el1, x0
	mov	x0, #CPACR_FPEN
	msr	cpacr_el1, x0
	adrp	x0, exception_vectors
	add	x0, x0, :lo12:exception_vectors
	msr	vbar_el1, x0
	msr	daifset, #0xf		/* everything masked: the guests poll */
	isb
	ret

/* sp = top of stacks[Aff0]. A vCPU beyond the stacks powers itself off. */
stack_setup:
	mrs	x0, mpidr_el1
	and	x0, x0, #0xff
	cmp	x0, #MAX_VCPUS
	b.hs	3f
	add	x0, x0, #1
	adrp	x1, guest_stacks
	add	x1, x1, :lo12:guest_stacks
	mov	x2, #STACK_SIZE
	madd	x1, x0, x2, x1
	mov	sp, x1
	ret
3:	ldr	x0, =0x84000002		/* PSCI CPU_OFF */
	hvc	#0
	b	.

/* ------------------------------------------------------------ vectors */

/*
 * Every vector saves the full register file in a struct ex_regs and calls
 * handle_exception(regs, vector index); the C side may change ELR_EL1 in
 * the frame (to skip an instruction) before it is restored here.
 */
.macro vector idx
	.balign	0x80
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #0]
	mov	x1, #\idx
	b	exception_common
.endm

.macro vector_table name
	.balign	0x800
	.global	\name
\name:
	vector	0	/* current EL, SP_EL0: sync, IRQ, FIQ, SError */
	vector	1
	vector	2
	vector	3
	vector	4	/* current EL, SP_ELx */
	vector	5
	vector	6
	vector	7
	vector	8	/* lower EL, AArch64 */
	vector	9
	vector	10
	vector	11
	vector	12	/* lower EL, AArch32 */
	vector	13
	vector	14
	vector	15
.endm

	.text
	vector_table exception_vectors
	vector_table exception_vectors_alt

exception_common:
	/* x0 and x1 are saved already; x1 holds the vector index. */
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
	add	x2, sp, #FRAME_SIZE
	stp	x30, x2, [sp, #240]
	mrs	x2, elr_el1
	mrs	x3, spsr_el1
	stp	x2, x3, [sp, #256]
	mov	x0, sp
	bl	handle_exception
	ldp	x2, x3, [sp, #256]
	msr	elr_el1, x2
	msr	spsr_el1, x3
	ldp	x0, x1, [sp, #0]
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
	ldr	x30, [sp, #240]
	add	sp, sp, #FRAME_SIZE
	eret

	.bss
	.balign	16
	.global	guest_stacks
guest_stacks:
	.skip	STACK_SIZE * MAX_VCPUS
