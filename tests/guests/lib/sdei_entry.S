/*
 * SDEI handler entry (DEN0054 "Event handler entry"): EL1h, DAIF set,
 * x0 = event, x1 = argument, x2/x3 = interrupted PC/PSTATE, x4..x30 and SP
 * those of the interrupted context. The dispatcher keeps x0..x17 for
 * COMPLETE; x18..x30 and SP are the client's to keep, done here.
 */
#define FRAME 256 /* struct sdei_frame: x0..x30, sp */

	.text
	.balign 4
	.global sdei_entry
	.type sdei_entry, %function
sdei_entry:
	sub	sp, sp, #FRAME
	stp	x0, x1, [sp, #0]
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
	str	x30, [sp, #240]
	add	x9, sp, #FRAME
	str	x9, [sp, #248]
	mov	x0, sp
	bl	sdei_handler_c
	mov	x1, x0			/* 0, or the resume address */
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
	ldr	x30, [sp, #240]
	add	sp, sp, #FRAME
	cbnz	x1, 1f
	movz	x0, #0x0025		/* SDEI_EVENT_COMPLETE */
	movk	x0, #0xc400, lsl #16
	hvc	#0
	b	sdei_complete_failed	/* COMPLETE returns only when refused */
1:	movz	x0, #0x0026		/* SDEI_EVENT_COMPLETE_AND_RESUME */
	movk	x0, #0xc400, lsl #16
	hvc	#0
	b	sdei_complete_failed
	.size sdei_entry, . - sdei_entry
