/*
 * Human text for ESR_EL2 values, for the host tools and the GDB stub at EL2
 * (vsnprintf there is the hypervisor's, hyp/lib/include/stdio.h).
 *
 * Every line starts with the short class name so that reports can be
 * grepped by class; the fields after it are those of the class's ISS
 * layout (Arm ARM, ESR_EL2), printed only when they say something.
 */
#include "formats/esr_fmt.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "formats/esr.h"
#include "formats/smccc.h"
#include "formats/sysreg_names.h"

struct text {
	char *buf;
	size_t len;
	size_t pos; /* as if the buffer were unbounded */
};

__attribute__((format(printf, 2, 3))) static void put(struct text *t, const char *fmt, ...)
{
	size_t room = t->pos < t->len ? t->len - t->pos : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? t->buf + t->pos : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->pos += (size_t)n;
}

static void put_flag(struct text *t, bool set, const char *name)
{
	if (set)
		put(t, " %s=1", name);
}

/* General-purpose register as the load/store or MSR/MRS named it; 31 is the zero register. */
static void put_xreg(struct text *t, const char *key, unsigned r)
{
	if (r == 31)
		put(t, "%sxzr", key);
	else
		put(t, "%sx%u", key, r);
}

static void fmt_dabt(struct text *t, uint64_t esr)
{
	struct esr_dabt d;

	esr_dabt_decode(esr, &d);
	if (d.isv) {
		put(t, " isv=1 len=%u sse=%u", d.access_size, d.sse);
		put_xreg(t, " srt=", d.srt);
		put(t, " sf=%u", d.sf);
		put_flag(t, d.ar, "ar");
	} else {
		put(t, " isv=0");
	}
	put(t, " wnr=%s dfsc=%s", d.wnr ? "write" : "read", esr_fsc_name(d.dfsc));
	put_flag(t, d.s1ptw, "s1ptw");
	put_flag(t, d.cm, "cm");
	put_flag(t, d.ea, "ea");
	put_flag(t, d.fnv, "fnv");
	put_flag(t, d.vncr, "vncr");
	if (d.set)
		put(t, " set=%u", d.set);
	if (d.xs)
		put(t, " xs=x%u", d.xs);
	put_flag(t, d.dirty_bit, "dirtybit");
	put_flag(t, d.overlay, "overlay");
	put_flag(t, d.assured_only, "assuredonly");
	put_flag(t, d.gcs, "gcs");
	put_flag(t, d.tag_access, "tagaccess");
	put_flag(t, d.tnd, "tnd");
	put_flag(t, d.hdbssf, "hdbssf");
}

static void fmt_iabt(struct text *t, uint64_t esr)
{
	struct esr_iabt i;

	esr_iabt_decode(esr, &i);
	put(t, " ifsc=%s", esr_fsc_name(i.ifsc));
	put_flag(t, i.s1ptw, "s1ptw");
	put_flag(t, i.ea, "ea");
	put_flag(t, i.fnv, "fnv");
	if (i.set)
		put(t, " set=%u", i.set);
}

static void fmt_sys64(struct text *t, uint64_t esr)
{
	struct esr_sysreg s;
	char name[32];

	esr_sysreg_decode(esr, &s);
	sysreg_format(name, sizeof(name), s.key);
	put(t, " %s", name);
	if (s.op0 == 1) {
		/* SYS/SYSL: most take no register, which the ISS reports as Rt = 31 */
		if (s.is_read)
			put(t, " read");
		if (s.rt != 31 || s.is_read)
			put_xreg(t, " ", s.rt);
		return;
	}
	put(t, " %s", s.is_read ? "read" : "write");
	put_xreg(t, " ", s.rt);
}

static void fmt_cp(struct text *t, uint64_t esr, unsigned coproc, bool is64)
{
	struct esr_cp c;

	esr_cp_decode(esr, &c);
	if (is64)
		put(t, " %s p%u, %u, r%u, r%u, c%u", c.is_read ? "mrrc" : "mcrr", coproc, c.op1,
		    c.rt, c.rt2, c.crm);
	else
		put(t, " %s p%u, %u, r%u, c%u, c%u, %u", c.is_read ? "mrc" : "mcr", coproc, c.op1,
		    c.rt, c.crn, c.crm, c.op2);
	/* 0xe is "always"; other conditions are worth showing */
	if (c.cv && c.cond != 0xe)
		put(t, " cond=0x%x", c.cond);
}

static const char *const wfx_name[] = {
	[ESR_WFX_WFI] = "wfi",
	[ESR_WFX_WFE] = "wfe",
	[ESR_WFX_WFIT] = "wfit",
	[ESR_WFX_WFET] = "wfet",
};

static void fmt_wfx(struct text *t, uint64_t esr)
{
	struct esr_wfx w;

	esr_wfx_decode(esr, &w);
	put(t, " %s", wfx_name[w.kind]);
	if (w.rv)
		put_xreg(t, " ", w.rn);
}

static void fmt_fp_exc(struct text *t, uint64_t esr)
{
	struct esr_fp_exc f;
	const char *sep = " flags=";
	size_t i;

	esr_fp_exc_decode(esr, &f);
	if (!f.tfv) {
		put(t, " tfv=0");
		return;
	}

	const struct {
		bool set;
		const char *name;
	} flag[] = {
		{ f.iof, "iof" }, { f.dzf, "dzf" }, { f.off, "off" },
		{ f.uff, "uff" }, { f.ixf, "ixf" }, { f.idf, "idf" },
	};

	for (i = 0; i < sizeof(flag) / sizeof(flag[0]); i++) {
		if (flag[i].set) {
			put(t, "%s%s", sep, flag[i].name);
			sep = ",";
		}
	}
	if (f.vecitr)
		put(t, " vecitr=%u", f.vecitr);
}

static void fmt_serror(struct text *t, uint64_t esr)
{
	struct esr_serror s;

	esr_serror_decode(esr, &s);
	if (s.ids) {
		put(t, " ids=1 impdef=0x%x", s.impdef);
		return;
	}
	put(t, " aet=%s ea=%u dfsc=%s", esr_aet_name(s.aet), s.ea, esr_serror_dfsc_name(s.dfsc));
	put_flag(t, s.iesb, "iesb");
}

static void fmt_watchpt(struct text *t, uint64_t esr)
{
	struct esr_watchpt w;

	esr_watchpt_decode(esr, &w);
	put(t, " wnr=%s", w.wnr ? "write" : "read");
	if (w.wptv)
		put(t, " wpt=%u", w.wpt);
	put_flag(t, w.cm, "cm");
	put_flag(t, w.wpf, "wpf");
	put_flag(t, w.fnp, "fnp");
	put_flag(t, w.fnv, "fnv");
	put_flag(t, w.vncr, "vncr");
}

static void fmt_softstep(struct text *t, uint64_t esr)
{
	struct esr_softstep s;

	esr_softstep_decode(esr, &s);
	if (s.isv)
		put(t, " isv=1 ex=%u", s.ex);
	else
		put(t, " isv=0");
}

/* EC 0x0a: ISS[24:0] names the instruction (Arm ARM, "ISS encoding for other traps") */
static const char *const other_insn[] = { "st64bv", "st64bv0", "ld64b/st64b", "tsb csync",
					  "psb csync" };

static void fmt_other(struct text *t, uint64_t esr)
{
	uint32_t iss = esr_iss(esr);

	if (iss < sizeof(other_insn) / sizeof(other_insn[0]))
		put(t, " %s", other_insn[iss]);
	else
		put(t, " iss=0x%x", iss);
}

static void fmt_generic(struct text *t, uint64_t esr)
{
	if (esr_iss(esr))
		put(t, " iss=0x%x", esr_iss(esr));
}

static void fmt_none(struct text *t, uint64_t esr)
{
	(void)t;
	(void)esr;
}

static void fmt_imm(struct text *t, uint64_t esr)
{
	put(t, " imm=0x%x", esr_imm16(esr));
}

static void fmt_comment(struct text *t, uint64_t esr)
{
	put(t, " comment=0x%x", esr_imm16(esr));
}

static void fmt_cp15_32(struct text *t, uint64_t esr)
{
	fmt_cp(t, esr, 15, false);
}

static void fmt_cp14_32(struct text *t, uint64_t esr)
{
	fmt_cp(t, esr, 14, false);
}

static void fmt_cp15_64(struct text *t, uint64_t esr)
{
	fmt_cp(t, esr, 15, true);
}

static void fmt_cp14_64(struct text *t, uint64_t esr)
{
	fmt_cp(t, esr, 14, true);
}

static void fmt_sme(struct text *t, uint64_t esr)
{
	put(t, " smtc=%s", esr_smtc_name(esr_sme_smtc(esr)));
}

static void fmt_eret(struct text *t, uint64_t esr)
{
	if (!esr_eret_is_authenticated(esr))
		put(t, " eret");
	else
		put(t, " %s", esr_eret_uses_key_b(esr) ? "eretab" : "eretaa");
}

static void fmt_fpac(struct text *t, uint64_t esr)
{
	put(t, " key=%c%c", esr_fpac_is_data_key(esr) ? 'D' : 'I',
	    esr_fpac_uses_key_b(esr) ? 'B' : 'A');
}

static void fmt_bti(struct text *t, uint64_t esr)
{
	put(t, " btype=%u", esr_bti_btype(esr));
}

/* ISS text by exception class; classes left out print their raw ISS. */
static void (*const fmt_iss[ESR_EC_COUNT])(struct text *t, uint64_t esr) = {
	[ESR_EC_WFX] = fmt_wfx,
	[ESR_EC_CP15_32] = fmt_cp15_32,
	[ESR_EC_CP15_64] = fmt_cp15_64,
	[ESR_EC_CP14_MR] = fmt_cp14_32,
	[ESR_EC_CP14_64] = fmt_cp14_64,
	[ESR_EC_OTHER] = fmt_other,
	[ESR_EC_BTI] = fmt_bti,
	[ESR_EC_SVC32] = fmt_imm,
	[ESR_EC_HVC32] = fmt_imm,
	[ESR_EC_SVC64] = fmt_imm,
	[ESR_EC_HVC64] = fmt_imm,
	[ESR_EC_SMC64] = fmt_imm,
	[ESR_EC_SYS64] = fmt_sys64,
	[ESR_EC_ERET] = fmt_eret,
	[ESR_EC_FPAC] = fmt_fpac,
	[ESR_EC_SME] = fmt_sme,
	[ESR_EC_IABT_LOW] = fmt_iabt,
	[ESR_EC_IABT_CUR] = fmt_iabt,
	[ESR_EC_DABT_LOW] = fmt_dabt,
	[ESR_EC_DABT_CUR] = fmt_dabt,
	[ESR_EC_FP_EXC32] = fmt_fp_exc,
	[ESR_EC_FP_EXC64] = fmt_fp_exc,
	[ESR_EC_SERROR] = fmt_serror,
	/* breakpoint and vector catch ISS only repeat IFSC = debug exception */
	[ESR_EC_BREAKPT_LOW] = fmt_none,
	[ESR_EC_BREAKPT_CUR] = fmt_none,
	[ESR_EC_VECTOR_CATCH32] = fmt_none,
	[ESR_EC_SOFTSTP_LOW] = fmt_softstep,
	[ESR_EC_SOFTSTP_CUR] = fmt_softstep,
	[ESR_EC_WATCHPT_LOW] = fmt_watchpt,
	[ESR_EC_WATCHPT_CUR] = fmt_watchpt,
	[ESR_EC_BKPT32] = fmt_comment,
	[ESR_EC_BRK64] = fmt_comment,
};

int esr_format(char *buf, size_t len, uint64_t esr)
{
	struct text t = { .buf = buf, .len = len };
	unsigned ec = esr_ec(esr);

	if (len)
		buf[0] = '\0';
	put(&t, "%s", esr_class_name(ec));
	(fmt_iss[ec] ? fmt_iss[ec] : fmt_generic)(&t, esr);
	/* IL = 0 only for a 16-bit T32 instruction */
	if (!esr_il(esr))
		put(&t, " il=16");
	return (int)t.pos;
}

int smccc_format(char *buf, size_t len, uint32_t fid)
{
	struct text t = { .buf = buf, .len = len };
	const char *name = smccc_name(fid);

	if (len)
		buf[0] = '\0';
	if (name)
		put(&t, "%s", name);
	else
		put(&t, "%s %s owner=%s fn=0x%x", smccc_is_64(fid) ? "smc64" : "smc32",
		    smccc_is_fast(fid) ? "fast" : "yielding", smccc_owner_name(smccc_owner(fid)),
		    smccc_func_num(fid));
	if (smccc_sve_hint(fid))
		put(&t, " sve-hint");
	return (int)t.pos;
}
