/*
 * ESR_EL2 decoders and formatter, checked against syndromes built by hand
 * from the Arm ARM field layouts (ESR_EL2 and the "ISS encoding for an
 * exception from ..." sections). Each constant spells out how it is made so
 * that a reader can check it against the manual.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "formats/esr.h"
#include "formats/esr_fmt.h"
#include "formats/exits.h"
#include "formats/sysreg_names.h"

/* ESR_EL2 = EC [31:26] | IL [25] | ISS [24:0] */
#define ESR(ec, il, iss) (((uint64_t)(ec) << 26) | ((uint64_t)(il) << 25) | (uint64_t)(iss))

/* Data abort ISS: ISV [24] SAS [23:22] SSE [21] SRT [20:16] SF [15] AR [14] WnR [6] DFSC [5:0] */
#define DABT_ISS(sas, sse, srt, sf, ar, wnr, dfsc)                                            \
	((1u << 24) | ((sas) << 22) | ((sse) << 21) | ((srt) << 16) | ((sf) << 15) |          \
	 ((ar) << 14) | ((wnr) << 6) | (dfsc))

/* EC 0x18 ISS: Op0 [21:20] Op2 [19:17] Op1 [16:14] CRn [13:10] Rt [9:5] CRm [4:1] dir [0] */
#define SYS_ISS(op0, op1, crn, crm, op2, rt, rd)                                              \
	(((op0) << 20) | ((op2) << 17) | ((op1) << 14) | ((crn) << 10) | ((rt) << 5) |        \
	 ((crm) << 1) | (rd))

/* ------------------------------------------------------- raw fields */

static void test_accessors_split_ec_il_iss_and_iss2(void **state)
{
	uint64_t esr = 0x0000002593810047ull; /* ISS2 = 0x25 over a str w1 data abort */

	(void)state;
	assert_int_equal(esr_ec(esr), ESR_EC_DABT_LOW);
	assert_true(esr_il(esr));
	assert_int_equal(esr_iss(esr), 0x1810047);
	assert_int_equal(esr_iss2(esr), 0x25);
	assert_false(esr_il(ESR(ESR_EC_SVC32, 0, 0)));
}

static void test_ec_constants_match_the_arm_arm_values(void **state)
{
	(void)state;
	assert_int_equal(ESR_EC_WFX, 0x01);
	assert_int_equal(ESR_EC_FP_ASIMD, 0x07);
	assert_int_equal(ESR_EC_SVC64, 0x15);
	assert_int_equal(ESR_EC_HVC64, 0x16);
	assert_int_equal(ESR_EC_SMC64, 0x17);
	assert_int_equal(ESR_EC_SYS64, 0x18);
	assert_int_equal(ESR_EC_SVE, 0x19);
	assert_int_equal(ESR_EC_ERET, 0x1a);
	assert_int_equal(ESR_EC_FPAC, 0x1c);
	assert_int_equal(ESR_EC_SME, 0x1d);
	assert_int_equal(ESR_EC_IABT_LOW, 0x20);
	assert_int_equal(ESR_EC_PC_ALIGN, 0x22);
	assert_int_equal(ESR_EC_DABT_LOW, 0x24);
	assert_int_equal(ESR_EC_SP_ALIGN, 0x26);
	assert_int_equal(ESR_EC_MOPS, 0x27);
	assert_int_equal(ESR_EC_FP_EXC32, 0x28);
	assert_int_equal(ESR_EC_FP_EXC64, 0x2c);
	assert_int_equal(ESR_EC_SERROR, 0x2f);
	assert_int_equal(ESR_EC_BREAKPT_LOW, 0x30);
	assert_int_equal(ESR_EC_SOFTSTP_LOW, 0x32);
	assert_int_equal(ESR_EC_WATCHPT_CUR, 0x35);
	assert_int_equal(ESR_EC_BKPT32, 0x38);
	assert_int_equal(ESR_EC_BRK64, 0x3c);
}

/* ------------------------------------------------------- data aborts */

static void test_dabt_str_w1_decodes_size_4_write_srt1(void **state)
{
	/* str w1, [x0] from EL1 to an unmapped IPA: stage 2 translation fault, level 3 */
	uint64_t esr = 0x93810047;
	struct esr_dabt d;

	(void)state;
	assert_int_equal(esr, ESR(ESR_EC_DABT_LOW, 1, DABT_ISS(2, 0, 1, 0, 0, 1, 0x07)));
	esr_dabt_decode(esr, &d);
	assert_true(d.isv);
	assert_int_equal(d.access_size, 4);
	assert_false(d.sse);
	assert_int_equal(d.srt, 1);
	assert_false(d.sf);
	assert_false(d.ar);
	assert_true(d.wnr);
	assert_int_equal(d.dfsc, ESR_FSC_TRANS_L(3));
	assert_false(d.s1ptw);
	assert_false(d.ea);
	assert_false(d.cm);
	assert_false(d.fnv);
	assert_false(d.vncr);
}

static void test_dabt_ldrb_w3_decodes_size_1_read_srt3(void **state)
{
	uint64_t esr = 0x93030007; /* ldrb w3, [x2] */
	struct esr_dabt d;

	(void)state;
	assert_int_equal(esr, ESR(ESR_EC_DABT_LOW, 1, DABT_ISS(0, 0, 3, 0, 0, 0, 0x07)));
	esr_dabt_decode(esr, &d);
	assert_true(d.isv);
	assert_int_equal(d.access_size, 1);
	assert_int_equal(d.srt, 3);
	assert_false(d.wnr);
	assert_false(d.sf);
}

static void test_dabt_ldrsh_x5_decodes_size_2_sign_extended_into_x(void **state)
{
	uint64_t esr = 0x93658007; /* ldrsh x5, [x0] */
	struct esr_dabt d;

	(void)state;
	assert_int_equal(esr, ESR(ESR_EC_DABT_LOW, 1, DABT_ISS(1, 1, 5, 1, 0, 0, 0x07)));
	esr_dabt_decode(esr, &d);
	assert_int_equal(d.access_size, 2);
	assert_true(d.sse);
	assert_int_equal(d.srt, 5);
	assert_true(d.sf);
	assert_false(d.wnr);
}

static void test_dabt_ldr_x0_decodes_size_8(void **state)
{
	uint64_t esr = 0x93c08007; /* ldr x0, [x1] */
	struct esr_dabt d;

	(void)state;
	assert_int_equal(esr, ESR(ESR_EC_DABT_LOW, 1, DABT_ISS(3, 0, 0, 1, 0, 0, 0x07)));
	esr_dabt_decode(esr, &d);
	assert_int_equal(d.access_size, 8);
	assert_int_equal(d.srt, 0);
	assert_true(d.sf);
}

static void test_dabt_ldar_w2_decodes_acquire(void **state)
{
	uint64_t esr = 0x93824007; /* ldar w2, [x0] */
	struct esr_dabt d;

	(void)state;
	assert_int_equal(esr, ESR(ESR_EC_DABT_LOW, 1, DABT_ISS(2, 0, 2, 0, 1, 0, 0x07)));
	esr_dabt_decode(esr, &d);
	assert_true(d.ar);
	assert_int_equal(d.srt, 2);
	assert_int_equal(d.access_size, 4);
}

static void test_dabt_str_wzr_decodes_srt31(void **state)
{
	/* str wzr, [x0] */
	uint64_t esr = ESR(ESR_EC_DABT_LOW, 1, DABT_ISS(2, 0, 31, 0, 0, 1, 0x07));
	struct esr_dabt d;

	(void)state;
	esr_dabt_decode(esr, &d);
	assert_int_equal(d.srt, 31);
	assert_true(d.wnr);
}

static void test_dabt_without_isv_reports_no_access_fields(void **state)
{
	/* ldp x0, x1, [x2] on a read-only page: ISV = 0, permission fault level 3, write=0;
	 * bits [23:14] set here to show they are not read as SAS..AR without ISV */
	uint64_t esr = ESR(ESR_EC_DABT_LOW, 1, 0x00ffc000u | 0x0f);
	struct esr_dabt d;

	(void)state;
	esr_dabt_decode(esr, &d);
	assert_false(d.isv);
	assert_int_equal(d.access_size, 0);
	assert_false(d.sse);
	assert_int_equal(d.srt, 0);
	assert_false(d.sf);
	assert_false(d.ar);
	assert_false(d.wnr);
	assert_int_equal(d.dfsc, ESR_FSC_PERM_L(3));
}

static void test_dabt_s1ptw_marks_stage2_fault_on_stage1_walk(void **state)
{
	uint64_t esr = 0x92000086; /* S1PTW [7], translation fault level 2 */
	struct esr_dabt d;

	(void)state;
	esr_dabt_decode(esr, &d);
	assert_true(d.s1ptw);
	assert_false(d.isv);
	assert_int_equal(d.dfsc, 0x06);
}

static void test_dabt_flag_bits_decode_at_their_positions(void **state)
{
	struct esr_dabt d;

	(void)state;
	esr_dabt_decode(ESR(ESR_EC_DABT_CUR, 1, 1u << 13), &d);
	assert_true(d.vncr);
	assert_false(d.fnv || d.ea || d.cm || d.s1ptw || d.wnr);
	esr_dabt_decode(ESR(ESR_EC_DABT_LOW, 1, 1u << 10), &d);
	assert_true(d.fnv);
	assert_false(d.vncr || d.ea);
	esr_dabt_decode(ESR(ESR_EC_DABT_LOW, 1, (1u << 9) | ESR_FSC_SEA), &d);
	assert_true(d.ea);
	assert_int_equal(d.dfsc, ESR_FSC_SEA);
	esr_dabt_decode(ESR(ESR_EC_DABT_LOW, 1, 1u << 8), &d);
	assert_true(d.cm);
	esr_dabt_decode(ESR(ESR_EC_DABT_LOW, 1, 2u << 11), &d);
	assert_int_equal(d.set, 2);
}

static void test_dabt_iss2_fields_decode_from_bits_32_up(void **state)
{
	struct esr_dabt d;
	uint64_t base = ESR(ESR_EC_DABT_LOW, 1, 0x4f);

	(void)state;
	esr_dabt_decode(base | (0x17ull << 32), &d); /* Xs = x23 */
	assert_int_equal(d.xs, 23);
	assert_false(d.dirty_bit);
	esr_dabt_decode(base | (1ull << 37), &d);
	assert_true(d.dirty_bit);
	esr_dabt_decode(base | (1ull << 38), &d);
	assert_true(d.overlay);
	esr_dabt_decode(base | (1ull << 39), &d);
	assert_true(d.assured_only);
	esr_dabt_decode(base | (1ull << 40), &d);
	assert_true(d.gcs);
	esr_dabt_decode(base | (1ull << 41), &d);
	assert_true(d.tag_access);
	esr_dabt_decode(base | (1ull << 42), &d);
	assert_true(d.tnd);
	esr_dabt_decode(base | (1ull << 43), &d);
	assert_true(d.hdbssf);
	assert_false(d.tnd);
	assert_int_equal(d.xs, 0);
}

/* ------------------------------------------------- instruction aborts */

static void test_iabt_translation_l2_on_stage1_walk(void **state)
{
	uint64_t esr = 0x82000086; /* EC 0x20, IL, S1PTW, IFSC 0x06 */
	struct esr_iabt i;

	(void)state;
	esr_iabt_decode(esr, &i);
	assert_int_equal(i.ifsc, ESR_FSC_TRANS_L(2));
	assert_true(i.s1ptw);
	assert_false(i.ea);
	assert_false(i.fnv);
	esr_iabt_decode(ESR(ESR_EC_IABT_LOW, 1, (1u << 10) | (1u << 9) | ESR_FSC_SEA), &i);
	assert_true(i.fnv);
	assert_true(i.ea);
	assert_false(i.s1ptw);
}

/* ----------------------------------------------------- sysreg traps */

static void test_sysreg_mrs_x1_cntv_ctl_el0_decodes_read_x1(void **state)
{
	/* mrs x1, cntv_ctl_el0: op0 3, op1 3, CRn 14, CRm 3, op2 1 */
	uint64_t esr = 0x6232f827;
	struct esr_sysreg s;

	(void)state;
	assert_int_equal(esr, ESR(ESR_EC_SYS64, 1, SYS_ISS(3, 3, 14, 3, 1, 1, 1)));
	esr_sysreg_decode(esr, &s);
	assert_int_equal(s.op0, 3);
	assert_int_equal(s.op1, 3);
	assert_int_equal(s.crn, 14);
	assert_int_equal(s.crm, 3);
	assert_int_equal(s.op2, 1);
	assert_int_equal(s.rt, 1);
	assert_true(s.is_read);
	assert_int_equal(s.key, SYSREG_KEY(3, 3, 14, 3, 1));
	assert_int_equal(esr_sysreg_key(esr), SYSREG_KEY(3, 3, 14, 3, 1));
}

static void test_sysreg_msr_cntv_cval_el0_x2_decodes_write_x2(void **state)
{
	uint64_t esr = 0x6234f846; /* msr cntv_cval_el0, x2 */
	struct esr_sysreg s;

	(void)state;
	assert_int_equal(esr, ESR(ESR_EC_SYS64, 1, SYS_ISS(3, 3, 14, 3, 2, 2, 0)));
	esr_sysreg_decode(esr, &s);
	assert_int_equal(s.op2, 2);
	assert_int_equal(s.rt, 2);
	assert_false(s.is_read);
	assert_string_equal(sysreg_name(s.key), "CNTV_CVAL_EL0");
}

static void test_sysreg_msr_icc_sgi1r_el1_decodes_write(void **state)
{
	uint64_t esr = 0x623a3016; /* msr icc_sgi1r_el1, x0: 3, 0, 12, 11, 5 */
	struct esr_sysreg s;

	(void)state;
	assert_int_equal(esr, ESR(ESR_EC_SYS64, 1, SYS_ISS(3, 0, 12, 11, 5, 0, 0)));
	esr_sysreg_decode(esr, &s);
	assert_int_equal(s.key, SYSREG_ICC_SGI1R_EL1);
	assert_int_equal(s.rt, 0);
	assert_false(s.is_read);
}

static void test_sysreg_dc_isw_decodes_as_op0_1_instruction(void **state)
{
	uint64_t esr = 0x62141c4c; /* dc isw, x2 trapped by HCR_EL2.TSW: 1, 0, 7, 6, 2 */
	struct esr_sysreg s;

	(void)state;
	assert_int_equal(esr, ESR(ESR_EC_SYS64, 1, SYS_ISS(1, 0, 7, 6, 2, 2, 0)));
	esr_sysreg_decode(esr, &s);
	assert_int_equal(s.op0, 1);
	assert_int_equal(s.key, SYSREG_DC_ISW);
	assert_int_equal(s.rt, 2);
}

static void test_sysreg_key_ignores_rt_and_direction(void **state)
{
	uint64_t read_x1 = ESR(ESR_EC_SYS64, 1, SYS_ISS(3, 0, 0, 7, 0, 1, 1));
	uint64_t write_x30 = ESR(ESR_EC_SYS64, 1, SYS_ISS(3, 0, 0, 7, 0, 30, 0));

	(void)state;
	assert_int_equal(esr_sysreg_key(read_x1), esr_sysreg_key(write_x30));
	assert_int_equal(esr_sysreg_key(read_x1), esr_iss(read_x1) & SYSREG_KEY_MASK);
	assert_int_equal(SYSREG_KEY_MASK, 0x3ffc1e);
}

static void test_sysreg_key_fields_sit_at_their_iss_positions(void **state)
{
	(void)state;
	assert_int_equal(SYSREG_KEY(3, 0, 0, 0, 0), 3u << 20);
	assert_int_equal(SYSREG_KEY(0, 0, 0, 0, 7), 7u << 17);
	assert_int_equal(SYSREG_KEY(0, 7, 0, 0, 0), 7u << 14);
	assert_int_equal(SYSREG_KEY(0, 0, 15, 0, 0), 15u << 10);
	assert_int_equal(SYSREG_KEY(0, 0, 0, 15, 0), 15u << 1);
}

static void assert_key_round_trips(unsigned op0, unsigned op1, unsigned crn, unsigned crm,
				   unsigned op2)
{
	uint32_t k = SYSREG_KEY(op0, op1, crn, crm, op2);
	struct esr_sysreg s;

	assert_int_equal(k & ~SYSREG_KEY_MASK, 0);
	assert_int_equal(sysreg_key_op0(k), op0);
	assert_int_equal(sysreg_key_op1(k), op1);
	assert_int_equal(sysreg_key_crn(k), crn);
	assert_int_equal(sysreg_key_crm(k), crm);
	assert_int_equal(sysreg_key_op2(k), op2);
	esr_sysreg_decode(ESR(ESR_EC_SYS64, 1, k | (17u << 5) | 1), &s);
	assert_int_equal(s.key, k);
	assert_int_equal(s.rt, 17);
}

static void test_sysreg_key_accessors_round_trip_every_encoding(void **state)
{
	unsigned enc;

	(void)state;
	/* all 2^16 combinations of op0 (2 bits), op1, CRn, CRm, op2 */
	for (enc = 0; enc < (1u << 16); enc++)
		assert_key_round_trips(enc >> 14, (enc >> 11) & 7, (enc >> 7) & 15, (enc >> 3) & 15,
				       enc & 7);
}

/* ---------------------------------------------------- AArch32 coproc */

static void test_cp15_mrc_sctlr_decodes_registers(void **state)
{
	/* mrc p15, 0, r1, c1, c0, 0 (SCTLR), CV = 1, COND = AL:
	 * CV [24] COND [23:20] Opc2 [19:17] Opc1 [16:14] CRn [13:10] Rt [9:5] CRm [4:1] dir [0] */
	uint64_t esr = 0x0fe00421;
	struct esr_cp c;

	(void)state;
	assert_int_equal(esr, ESR(ESR_EC_CP15_32, 1, (1u << 24) | (0xeu << 20) | (1u << 10) |
							  (1u << 5) | 1));
	esr_cp_decode(esr, &c);
	assert_true(c.cv);
	assert_int_equal(c.cond, 0xe);
	assert_int_equal(c.op1, 0);
	assert_int_equal(c.crn, 1);
	assert_int_equal(c.crm, 0);
	assert_int_equal(c.op2, 0);
	assert_int_equal(c.rt, 1);
	assert_true(c.is_read);
}

static void test_cp15_mrrc_ttbr0_decodes_two_registers(void **state)
{
	/* mrrc p15, 0, r2, r3, c2 (TTBR0): Opc1 [19:16] Rt2 [14:10] Rt [9:5] CRm [4:1] */
	uint64_t esr = 0x13e00c45;
	struct esr_cp c;

	(void)state;
	assert_int_equal(esr, ESR(ESR_EC_CP15_64, 1, (1u << 24) | (0xeu << 20) | (3u << 10) |
							  (2u << 5) | (2u << 1) | 1));
	esr_cp_decode(esr, &c);
	assert_int_equal(c.op1, 0);
	assert_int_equal(c.rt, 2);
	assert_int_equal(c.rt2, 3);
	assert_int_equal(c.crm, 2);
	assert_true(c.is_read);
}

/* ----------------------------------------------------------- WFx */

static void test_wfx_ti_selects_wfi_wfe_wfit_wfet(void **state)
{
	struct esr_wfx w;

	(void)state;
	esr_wfx_decode(0x06000000, &w); /* wfi */
	assert_int_equal(w.kind, ESR_WFX_WFI);
	assert_false(w.rv);
	esr_wfx_decode(0x06000001, &w); /* wfe */
	assert_int_equal(w.kind, ESR_WFX_WFE);
	esr_wfx_decode(0x06000086, &w); /* wfit x4: Rn [9:5] = 4, RV [2], TI = 0b10 */
	assert_int_equal(w.kind, ESR_WFX_WFIT);
	assert_true(w.rv);
	assert_int_equal(w.rn, 4);
	esr_wfx_decode(0x060000e7, &w); /* wfet x7 */
	assert_int_equal(w.kind, ESR_WFX_WFET);
	assert_int_equal(w.rn, 7);
}

/* ---------------------------------------------- calls and breakpoints */

static void test_imm16_reads_hvc_smc_svc_and_brk_immediates(void **state)
{
	(void)state;
	assert_int_equal(esr_ec(0x5a000000), ESR_EC_HVC64); /* hvc #0 */
	assert_int_equal(esr_imm16(0x5a000000), 0);
	assert_int_equal(esr_imm16(0x5a001234), 0x1234); /* hvc #0x1234 */
	assert_int_equal(esr_ec(0x5e00ffff), ESR_EC_SMC64);
	assert_int_equal(esr_imm16(0x5e00ffff), 0xffff);
	assert_int_equal(esr_ec(0x56000000), ESR_EC_SVC64);
	assert_int_equal(esr_ec(0xf20003e8), ESR_EC_BRK64); /* brk #1000 */
	assert_int_equal(esr_imm16(0xf20003e8), 1000);
}

/* --------------------------------------------------- FP, SME, PAC, BTI */

static void test_sme_smtc_names_each_cause(void **state)
{
	(void)state;
	assert_int_equal(esr_sme_smtc(ESR(ESR_EC_SME, 1, 2)), ESR_SMTC_NOT_STREAMING);
	assert_string_equal(esr_smtc_name(ESR_SMTC_SME_DISABLED), "SME_DISABLED");
	assert_string_equal(esr_smtc_name(ESR_SMTC_STREAMING), "STREAMING");
	assert_string_equal(esr_smtc_name(ESR_SMTC_NOT_STREAMING), "NOT_STREAMING");
	assert_string_equal(esr_smtc_name(ESR_SMTC_ZA_INACTIVE), "ZA_INACTIVE");
	assert_string_equal(esr_smtc_name(ESR_SMTC_ZT0_DISABLED), "ZT0_DISABLED");
	assert_string_equal(esr_smtc_name(5), "SMTC_5");
}

static void test_fp_exc_flags_decode(void **state)
{
	/* TFV [23], IOF [0], DZF [1] */
	uint64_t esr = 0xb2800003;
	struct esr_fp_exc f;

	(void)state;
	assert_int_equal(esr_ec(esr), ESR_EC_FP_EXC64);
	esr_fp_exc_decode(esr, &f);
	assert_true(f.tfv);
	assert_true(f.iof);
	assert_true(f.dzf);
	assert_false(f.off || f.uff || f.ixf || f.idf);
	esr_fp_exc_decode(ESR(ESR_EC_FP_EXC32, 1, (1u << 23) | (1u << 7) | (5u << 8) | (1u << 4)),
			  &f);
	assert_true(f.idf);
	assert_true(f.ixf);
	assert_int_equal(f.vecitr, 5);
}

static void test_eret_and_fpac_key_bits(void **state)
{
	(void)state;
	assert_false(esr_eret_is_authenticated(ESR(ESR_EC_ERET, 1, 0)));       /* eret */
	assert_true(esr_eret_is_authenticated(ESR(ESR_EC_ERET, 1, 2)));        /* eretaa */
	assert_false(esr_eret_uses_key_b(ESR(ESR_EC_ERET, 1, 2)));
	assert_true(esr_eret_uses_key_b(ESR(ESR_EC_ERET, 1, 3)));              /* eretab */
	assert_true(esr_fpac_is_data_key(ESR(ESR_EC_FPAC, 1, 2)));             /* autda */
	assert_false(esr_fpac_uses_key_b(ESR(ESR_EC_FPAC, 1, 2)));
	assert_false(esr_fpac_is_data_key(ESR(ESR_EC_FPAC, 1, 1)));            /* autib */
	assert_true(esr_fpac_uses_key_b(ESR(ESR_EC_FPAC, 1, 1)));
	assert_int_equal(esr_bti_btype(ESR(ESR_EC_BTI, 1, 3)), 3);
}

/* ------------------------------------------------------------- debug */

static void test_softstep_isv_and_ex_decode(void **state)
{
	uint64_t esr = 0xcb000062; /* EC 0x32, ISV, EX [6], IFSC 0x22 */
	struct esr_softstep s;

	(void)state;
	esr_softstep_decode(esr, &s);
	assert_true(s.isv);
	assert_true(s.ex);
	assert_int_equal(s.ifsc, ESR_FSC_DEBUG);
	esr_softstep_decode(ESR(ESR_EC_SOFTSTP_CUR, 1, 0x22), &s);
	assert_false(s.isv);
	assert_false(s.ex);
}

static void test_watchpoint_write_with_number_decodes(void **state)
{
	/* WPT [23:18] = 3, WPTV [17], WnR [6], DFSC 0x22 */
	uint64_t esr = 0xd20e0062;
	struct esr_watchpt w;

	(void)state;
	esr_watchpt_decode(esr, &w);
	assert_true(w.wptv);
	assert_int_equal(w.wpt, 3);
	assert_true(w.wnr);
	assert_false(w.cm);
	assert_false(w.wpf || w.fnp || w.fnv || w.vncr);
	assert_int_equal(w.dfsc, ESR_FSC_DEBUG);
	esr_watchpt_decode(ESR(ESR_EC_WATCHPT_LOW, 1, (1u << 16) | (1u << 15) | (1u << 8) | 0x22),
			   &w);
	assert_true(w.wpf);
	assert_true(w.fnp);
	assert_true(w.cm);
	assert_false(w.wnr);
	assert_int_equal(esr_breakpt_ifsc(0xc2000022), ESR_FSC_DEBUG);
}

/* ------------------------------------------------------------ SError */

static void test_serror_recoverable_async_decodes(void **state)
{
	/* AET [12:10] = UER, DFSC 0x11 asynchronous SError */
	uint64_t esr = 0xbe000c11;
	struct esr_serror s;

	(void)state;
	esr_serror_decode(esr, &s);
	assert_false(s.ids);
	assert_int_equal(s.aet, ESR_AET_UER);
	assert_false(s.ea);
	assert_int_equal(s.dfsc, ESR_SERROR_DFSC_ASYNC);
	assert_string_equal(esr_aet_name(s.aet), "UER");
	assert_string_equal(esr_serror_dfsc_name(s.dfsc), "ASYNC");
	esr_serror_decode(ESR(ESR_EC_SERROR, 1, (1u << 13) | (6u << 10) | (1u << 9)), &s);
	assert_true(s.iesb);
	assert_true(s.ea);
	assert_string_equal(esr_aet_name(s.aet), "CE");
	assert_string_equal(esr_serror_dfsc_name(s.dfsc), "UNCATEGORIZED");
}

static void test_serror_ids_keeps_impdef_syndrome_only(void **state)
{
	struct esr_serror s;

	(void)state;
	esr_serror_decode(ESR(ESR_EC_SERROR, 1, (1u << 24) | 0xc11), &s);
	assert_true(s.ids);
	assert_int_equal(s.impdef, 0xc11);
	assert_int_equal(s.aet, 0);
	assert_int_equal(s.dfsc, 0);
	assert_string_equal(esr_aet_name(4), "AET_4");
	assert_string_equal(esr_serror_dfsc_name(0x07), "RESERVED");
}

/* ------------------------------------------------------------- names */

static void test_class_names_of_common_exits(void **state)
{
	(void)state;
	assert_string_equal(esr_class_name(0x24), "DABT_LOW");
	assert_string_equal(esr_class_name(0x16), "HVC64");
	assert_string_equal(esr_class_name(0x18), "SYS64");
	assert_string_equal(esr_class_name(0x01), "WFX");
	assert_string_equal(esr_class_name(0x00), "UNKNOWN");
	assert_string_equal(esr_class_name(0x2f), "SERROR");
	assert_string_equal(esr_class_name(0x3c), "BRK64");
	assert_string_equal(esr_class_name(0x40), "EC_INVALID");
}

static void test_every_class_has_a_unique_name_and_a_description(void **state)
{
	unsigned a, b;

	(void)state;
	for (a = 0; a < ESR_EC_COUNT; a++) {
		assert_non_null(esr_class_name(a));
		assert_non_null(esr_class_desc(a));
		assert_true(strlen(esr_class_name(a)) > 0);
		for (b = 0; b < a; b++)
			assert_string_not_equal(esr_class_name(a), esr_class_name(b));
	}
}

static void test_unallocated_classes_are_named_by_number(void **state)
{
	static const unsigned unallocated[] = { 0x02, 0x0b, 0x0f, 0x10, 0x23, 0x29, 0x2a,
						0x2b, 0x2e, 0x36, 0x37, 0x39, 0x3b, 0x3e, 0x3f };
	char want[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(unallocated) / sizeof(unallocated[0]); i++) {
		snprintf(want, sizeof(want), "EC_0x%02x", unallocated[i]);
		assert_string_equal(esr_class_name(unallocated[i]), want);
		assert_string_equal(esr_class_desc(unallocated[i]), "unallocated exception class");
	}
	/* allocated ones are not */
	assert_string_not_equal(esr_class_desc(ESR_EC_OTHER), "unallocated exception class");
	assert_string_not_equal(esr_class_desc(ESR_EC_PROFILING), "unallocated exception class");
}

static void test_exit_class_names_cover_sync_and_async_exits(void **state)
{
	(void)state;
	assert_string_equal(exit_class_name(HYP_EXIT_IRQ), "IRQ");
	assert_string_equal(exit_class_name(HYP_EXIT_FIQ), "FIQ");
	assert_string_equal(exit_class_name(HYP_EXIT_SERROR), "SERROR");
	assert_string_equal(exit_class_name(HYP_EXIT_ILLEGAL), "ILLEGAL");
	assert_string_equal(exit_class_name(ESR_EC_DABT_LOW), "DABT_LOW");
	assert_string_equal(exit_class_name(HYP_EXIT_SYNC_LAST), "EC_0x3f");
	assert_string_equal(exit_class_name(HYP_EXIT_CLASSES), "EXIT_INVALID");
	assert_string_equal(exit_class_name(0xffffffffu), "EXIT_INVALID");
}

static void test_fsc_names_of_translation_permission_and_aborts(void **state)
{
	(void)state;
	assert_string_equal(esr_fsc_name(0x04), "TRANS_L0");
	assert_string_equal(esr_fsc_name(0x07), "TRANS_L3");
	assert_string_equal(esr_fsc_name(0x0b), "ACCESS_L3");
	assert_string_equal(esr_fsc_name(0x0d), "PERM_L1");
	assert_string_equal(esr_fsc_name(0x03), "ADDR_SIZE_L3");
	assert_string_equal(esr_fsc_name(0x10), "SEA");
	assert_string_equal(esr_fsc_name(0x11), "TAG_CHECK");
	assert_string_equal(esr_fsc_name(0x15), "SEA_TTW_L1");
	assert_string_equal(esr_fsc_name(0x1f), "ECC_TTW_L3");
	assert_string_equal(esr_fsc_name(0x21), "ALIGNMENT");
	assert_string_equal(esr_fsc_name(0x22), "DEBUG");
	assert_string_equal(esr_fsc_name(0x28), "GPF");
	assert_string_equal(esr_fsc_name(0x2b), "TRANS_L-1");
	assert_string_equal(esr_fsc_name(0x30), "TLB_CONFLICT");
	assert_string_equal(esr_fsc_name(0x31), "HW_UPDATE");
	assert_string_equal(esr_fsc_name(0x35), "EXCL_ATOMIC");
	assert_string_equal(esr_fsc_name(0x3f), "FSC_0x3f");
	assert_string_equal(esr_fsc_name(0x40), "FSC_INVALID");
	assert_string_equal(esr_fsc_desc(0x07), "translation fault, level 3");
}

static void test_fsc_names_are_unique_and_agree_with_predicates(void **state)
{
	unsigned a, b;

	(void)state;
	for (a = 0; a <= ESR_FSC_MASK; a++) {
		const char *name = esr_fsc_name(a);

		assert_non_null(esr_fsc_desc(a));
		for (b = 0; b < a; b++)
			assert_string_not_equal(name, esr_fsc_name(b));
		assert_int_equal(esr_fsc_is_translation(a), strncmp(name, "TRANS_", 6) == 0);
		assert_int_equal(esr_fsc_is_permission(a), strncmp(name, "PERM_", 5) == 0);
		assert_int_equal(esr_fsc_is_access_flag(a), strncmp(name, "ACCESS_", 7) == 0);
	}
}

/* ------------------------------------------------------------ format */

static void assert_formats_as(uint64_t esr, const char *want)
{
	char buf[160];
	int n = esr_format(buf, sizeof(buf), esr);

	assert_string_equal(buf, want);
	assert_int_equal(n, (int)strlen(want));
}

static void test_format_dabt_str_w3_in_trace_style(void **state)
{
	(void)state;
	assert_formats_as(ESR(ESR_EC_DABT_LOW, 1, DABT_ISS(2, 0, 3, 0, 0, 1, 0x07)),
			  "DABT_LOW isv=1 len=4 sse=0 srt=x3 sf=0 wnr=write dfsc=TRANS_L3");
	assert_formats_as(0x93824007, /* ldar w2 */
			  "DABT_LOW isv=1 len=4 sse=0 srt=x2 sf=0 ar=1 wnr=read dfsc=TRANS_L3");
	assert_formats_as(ESR(ESR_EC_DABT_LOW, 1, DABT_ISS(3, 0, 31, 1, 0, 1, 0x07)),
			  "DABT_LOW isv=1 len=8 sse=0 srt=xzr sf=1 wnr=write dfsc=TRANS_L3");
	assert_formats_as(0x92000086, "DABT_LOW isv=0 wnr=read dfsc=TRANS_L2 s1ptw=1");
}

static void test_format_sysreg_traps_name_the_register(void **state)
{
	(void)state;
	assert_formats_as(0x6232f827, "SYS64 CNTV_CTL_EL0 read x1");
	assert_formats_as(0x6234f846, "SYS64 CNTV_CVAL_EL0 write x2");
	/* an IMPLEMENTATION DEFINED register the table does not know */
	assert_formats_as(ESR(ESR_EC_SYS64, 1, SYS_ISS(3, 0, 15, 2, 0, 0, 0)),
			  "SYS64 S3_0_C15_C2_0 write x0");
	assert_formats_as(0x62141c4c, "SYS64 DC ISW x2");
	/* tlbi vmalle1is has no register operand: Rt reads 31 */
	assert_formats_as(ESR(ESR_EC_SYS64, 1, SYS_ISS(1, 0, 8, 3, 0, 31, 0)),
			  "SYS64 TLBI VMALLE1IS");
}

static void test_format_calls_wfx_and_breakpoints(void **state)
{
	(void)state;
	assert_formats_as(0x5a000000, "HVC64 imm=0x0");
	assert_formats_as(0x5e000001, "SMC64 imm=0x1");
	assert_formats_as(0x06000000, "WFX wfi");
	assert_formats_as(0x06000001, "WFX wfe");
	assert_formats_as(0x06000086, "WFX wfit x4");
	assert_formats_as(0xf20003e8, "BRK64 comment=0x3e8");
	/* 16-bit T32 svc #5: IL = 0 */
	assert_formats_as(ESR(ESR_EC_SVC32, 0, 5), "SVC32 imm=0x5 il=16");
}

static void test_format_other_classes(void **state)
{
	(void)state;
	assert_formats_as(0x82000006, "IABT_LOW ifsc=TRANS_L2");
	assert_formats_as(0xbe000c11, "SERROR aet=UER ea=0 dfsc=ASYNC");
	assert_formats_as(0xcb000062, "SOFTSTP_LOW isv=1 ex=1");
	assert_formats_as(0xd20e0062, "WATCHPT_LOW wnr=write wpt=3");
	assert_formats_as(0xc2000022, "BREAKPT_LOW");
	assert_formats_as(0x76000002, "SME smtc=NOT_STREAMING");
	assert_formats_as(0x6a000003, "ERET eretab");
	assert_formats_as(0x72000002, "FPAC key=DA");
	assert_formats_as(0xb2800003, "FP_EXC64 flags=iof,dzf");
	assert_formats_as(0x0fe00421, "CP15_32 mrc p15, 0, r1, c1, c0, 0");
	assert_formats_as(0x13e00c45, "CP15_64 mrrc p15, 0, r2, r3, c2");
	assert_formats_as(ESR(ESR_EC_OTHER, 1, 2), "OTHER ld64b/st64b");
	assert_formats_as(ESR(ESR_EC_FP_ASIMD, 1, 0), "FP_ASIMD");
	assert_formats_as(ESR(0x02, 1, 0x1234), "EC_0x02 iss=0x1234");
}

static void test_format_truncates_like_snprintf(void **state)
{
	char buf[8];
	int n;

	(void)state;
	memset(buf, 'z', sizeof(buf));
	n = esr_format(buf, sizeof(buf), 0x6232f827);
	assert_int_equal(n, (int)strlen("SYS64 CNTV_CTL_EL0 read x1"));
	assert_string_equal(buf, "SYS64 C");
	assert_int_equal(esr_format(NULL, 0, 0x5a000000), (int)strlen("HVC64 imm=0x0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accessors_split_ec_il_iss_and_iss2),
		cmocka_unit_test(test_ec_constants_match_the_arm_arm_values),
		cmocka_unit_test(test_dabt_str_w1_decodes_size_4_write_srt1),
		cmocka_unit_test(test_dabt_ldrb_w3_decodes_size_1_read_srt3),
		cmocka_unit_test(test_dabt_ldrsh_x5_decodes_size_2_sign_extended_into_x),
		cmocka_unit_test(test_dabt_ldr_x0_decodes_size_8),
		cmocka_unit_test(test_dabt_ldar_w2_decodes_acquire),
		cmocka_unit_test(test_dabt_str_wzr_decodes_srt31),
		cmocka_unit_test(test_dabt_without_isv_reports_no_access_fields),
		cmocka_unit_test(test_dabt_s1ptw_marks_stage2_fault_on_stage1_walk),
		cmocka_unit_test(test_dabt_flag_bits_decode_at_their_positions),
		cmocka_unit_test(test_dabt_iss2_fields_decode_from_bits_32_up),
		cmocka_unit_test(test_iabt_translation_l2_on_stage1_walk),
		cmocka_unit_test(test_sysreg_mrs_x1_cntv_ctl_el0_decodes_read_x1),
		cmocka_unit_test(test_sysreg_msr_cntv_cval_el0_x2_decodes_write_x2),
		cmocka_unit_test(test_sysreg_msr_icc_sgi1r_el1_decodes_write),
		cmocka_unit_test(test_sysreg_dc_isw_decodes_as_op0_1_instruction),
		cmocka_unit_test(test_sysreg_key_ignores_rt_and_direction),
		cmocka_unit_test(test_sysreg_key_fields_sit_at_their_iss_positions),
		cmocka_unit_test(test_sysreg_key_accessors_round_trip_every_encoding),
		cmocka_unit_test(test_cp15_mrc_sctlr_decodes_registers),
		cmocka_unit_test(test_cp15_mrrc_ttbr0_decodes_two_registers),
		cmocka_unit_test(test_wfx_ti_selects_wfi_wfe_wfit_wfet),
		cmocka_unit_test(test_imm16_reads_hvc_smc_svc_and_brk_immediates),
		cmocka_unit_test(test_sme_smtc_names_each_cause),
		cmocka_unit_test(test_fp_exc_flags_decode),
		cmocka_unit_test(test_eret_and_fpac_key_bits),
		cmocka_unit_test(test_softstep_isv_and_ex_decode),
		cmocka_unit_test(test_watchpoint_write_with_number_decodes),
		cmocka_unit_test(test_serror_recoverable_async_decodes),
		cmocka_unit_test(test_serror_ids_keeps_impdef_syndrome_only),
		cmocka_unit_test(test_class_names_of_common_exits),
		cmocka_unit_test(test_every_class_has_a_unique_name_and_a_description),
		cmocka_unit_test(test_unallocated_classes_are_named_by_number),
		cmocka_unit_test(test_exit_class_names_cover_sync_and_async_exits),
		cmocka_unit_test(test_fsc_names_of_translation_permission_and_aborts),
		cmocka_unit_test(test_fsc_names_are_unique_and_agree_with_predicates),
		cmocka_unit_test(test_format_dabt_str_w3_in_trace_style),
		cmocka_unit_test(test_format_sysreg_traps_name_the_register),
		cmocka_unit_test(test_format_calls_wfx_and_breakpoints),
		cmocka_unit_test(test_format_other_classes),
		cmocka_unit_test(test_format_truncates_like_snprintf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
