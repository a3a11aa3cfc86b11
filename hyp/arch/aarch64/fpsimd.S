/*
 * FP/SIMD register file save and restore (V0-V31, FPSR, FPCR). Called only
 * with CPTR_EL2.TFP clear; the rest of the hypervisor is built with
 * -mgeneral-regs-only and never touches these registers.
 */
#include "asm-offsets.h"

	.text
	.global fpsimd_save_regs
fpsimd_save_regs:
	stp	q0, q1, [x0, #(FPSIMD_V0 + 0 * 32)]
	stp	q2, q3, [x0, #(FPSIMD_V0 + 1 * 32)]
	stp	q4, q5, [x0, #(FPSIMD_V0 + 2 * 32)]
	stp	q6, q7, [x0, #(FPSIMD_V0 + 3 * 32)]
	stp	q8, q9, [x0, #(FPSIMD_V0 + 4 * 32)]
	stp	q10, q11, [x0, #(FPSIMD_V0 + 5 * 32)]
	stp	q12, q13, [x0, #(FPSIMD_V0 + 6 * 32)]
	stp	q14, q15, [x0, #(FPSIMD_V0 + 7 * 32)]
	stp	q16, q17, [x0, #(FPSIMD_V0 + 8 * 32)]
	stp	q18, q19, [x0, #(FPSIMD_V0 + 9 * 32)]
	stp	q20, q21, [x0, #(FPSIMD_V0 + 10 * 32)]
	stp	q22, q23, [x0, #(FPSIMD_V0 + 11 * 32)]
	stp	q24, q25, [x0, #(FPSIMD_V0 + 12 * 32)]
	stp	q26, q27, [x0, #(FPSIMD_V0 + 13 * 32)]
	stp	q28, q29, [x0, #(FPSIMD_V0 + 14 * 32)]
	stp	q30, q31, [x0, #(FPSIMD_V0 + 15 * 32)]
	mrs	x1, fpsr
	mrs	x2, fpcr
	str	x1, [x0, #FPSIMD_FPSR]
	str	x2, [x0, #FPSIMD_FPCR]
	ret

	.global fpsimd_load_regs
fpsimd_load_regs:
	ldp	q0, q1, [x0, #(FPSIMD_V0 + 0 * 32)]
	ldp	q2, q3, [x0, #(FPSIMD_V0 + 1 * 32)]
	ldp	q4, q5, [x0, #(FPSIMD_V0 + 2 * 32)]
	ldp	q6, q7, [x0, #(FPSIMD_V0 + 3 * 32)]
	ldp	q8, q9, [x0, #(FPSIMD_V0 + 4 * 32)]
	ldp	q10, q11, [x0, #(FPSIMD_V0 + 5 * 32)]
	ldp	q12, q13, [x0, #(FPSIMD_V0 + 6 * 32)]
	ldp	q14, q15, [x0, #(FPSIMD_V0 + 7 * 32)]
	ldp	q16, q17, [x0, #(FPSIMD_V0 + 8 * 32)]
	ldp	q18, q19, [x0, #(FPSIMD_V0 + 9 * 32)]
	ldp	q20, q21, [x0, #(FPSIMD_V0 + 10 * 32)]
	ldp	q22, q23, [x0, #(FPSIMD_V0 + 11 * 32)]
	ldp	q24, q25, [x0, #(FPSIMD_V0 + 12 * 32)]
	ldp	q26, q27, [x0, #(FPSIMD_V0 + 13 * 32)]
	ldp	q28, q29, [x0, #(FPSIMD_V0 + 14 * 32)]
	ldp	q30, q31, [x0, #(FPSIMD_V0 + 15 * 32)]
	ldr	x1, [x0, #FPSIMD_FPSR]
	ldr	x2, [x0, #FPSIMD_FPCR]
	msr	fpsr, x1
	msr	fpcr, x2
	ret
