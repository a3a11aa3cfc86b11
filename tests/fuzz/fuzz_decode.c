/*
 * The decoders on any values: ESR_EL2 (every class and ISS, formatted and
 * decoded field by field), system register encodings and names both ways,
 * ICH_LR and the maintenance causes, SMCCC function ids, MMIO register names
 * of every device, and whole trace records through the event formatter that
 * `hypscope print` and the live view use. Every text must be terminated and
 * fit its buffer, whatever the value.
 */
#include "formats/esr.h"
#include "formats/esr_fmt.h"
#include "formats/ich_lr.h"
#include "formats/host/mmio_regs.h"
#include "formats/smccc.h"
#include "formats/sysreg_names.h"
#include "formats/trace.h"
#include "tests/fuzz/fuzz.h"
#include "tracer/lib/evfmt.h"

static void check_text(const char *buf, size_t len, int ret)
{
	if (!memchr(buf, '\0', len) || ret < 0)
		abort();
}

static void use(const char *s)
{
	if (s && strlen(s) > 4096)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ev_fmt p;
	static bool ready;
	struct fz f = { data, size };
	char buf[160], small[8], name[64];
	uint64_t esr = fz_u64(&f), lr = fz_u64(&f), rec[TRACE_MAX_RECORD / 8 + 1];
	uint32_t key, fid = fz_u32(&f), dev = fz_u32(&f), rsize;
	struct esr_dabt dabt;
	struct esr_iabt iabt;
	struct esr_sysreg sr;
	struct esr_cp cp;
	struct esr_wfx wfx;
	struct esr_fp_exc fpe;
	struct esr_softstep ss;
	struct esr_watchpt wp;
	struct esr_serror se;
	struct ich_lr l;
	int ret;

	ret = esr_format(buf, sizeof(buf), esr);
	check_text(buf, sizeof(buf), ret);
	ret = esr_format(small, sizeof(small), esr);
	check_text(small, sizeof(small), ret);
	use(esr_class_name(esr_ec(esr)));
	use(esr_class_desc(esr_ec(esr)));
	use(exit_class_name(esr & 0xff));
	use(esr_fsc_name(esr & 0x3f));
	use(esr_fsc_desc(esr & 0x3f));
	use(esr_smtc_name(esr_sme_smtc(esr)));
	use(esr_aet_name((esr >> 10) & 7));
	use(esr_serror_dfsc_name(esr & 0x3f));
	esr_dabt_decode(esr, &dabt);
	esr_iabt_decode(esr, &iabt);
	esr_sysreg_decode(esr, &sr);
	esr_cp_decode(esr, &cp);
	esr_wfx_decode(esr, &wfx);
	esr_fp_exc_decode(esr, &fpe);
	esr_softstep_decode(esr, &ss);
	esr_watchpt_decode(esr, &wp);
	esr_serror_decode(esr, &se);

	key = esr_sysreg_key(esr);
	use(sysreg_name(key));
	ret = sysreg_format(buf, sizeof(buf), key);
	check_text(buf, sizeof(buf), ret);
	ret = sysreg_format(small, sizeof(small), key);
	check_text(small, sizeof(small), ret);
	/* a name back to its key: any text, and the formatted name of any key */
	memset(name, 0, sizeof(name));
	for (unsigned i = 0; i < sizeof(name) - 1 && f.n; i++)
		name[i] = (char)fz_u8(&f);
	sysreg_key_by_name(name, &key);
	/* op0 0 is the instruction space (hints, barriers): no generic name reads back */
	if (sysreg_key_op0(esr_sysreg_key(esr)) &&
	    sysreg_format(buf, sizeof(buf), esr_sysreg_key(esr)) < (int)sizeof(buf) &&
	    (!sysreg_key_by_name(buf, &key) || key != esr_sysreg_key(esr)))
		abort(); /* every name the formatter writes reads back */

	ich_lr_decode(lr, &l);
	ich_lr_decode(ich_lr_encode(&l), &l);
	use(ich_lr_state_str(ich_lr_get_state(lr)));
	use(ich_lr_state_str((enum ich_lr_state)(lr >> 60)));
	use(ich_misr_cause_name((unsigned)lr & 0xff));

	ret = smccc_format(buf, sizeof(buf), fid);
	check_text(buf, sizeof(buf), ret);
	use(smccc_name(fid));

	mmio_reg_name(dev, lr, buf, sizeof(buf));
	check_text(buf, sizeof(buf), 0);
	mmio_reg_name(dev % 8, lr & 0x1ffff, small, sizeof(small));
	check_text(small, sizeof(small), 0);

	/* the rest of the input as one record, its size as it claims or cut */
	if (!ready) {
		ev_fmt_init(&p, 0, 62500000);
		ready = true;
	}
	memset(rec, 0, sizeof(rec));
	rsize = (uint32_t)(f.n < sizeof(rec) ? f.n : sizeof(rec)) & ~7u;
	memcpy(rec, f.p, rsize);
	if (rsize >= sizeof(struct trace_hdr)) {
		ev_fmt_note_vm(&p, (const struct trace_hdr *)rec, rsize);
		ret = ev_format_buf(&p, buf, sizeof(buf), (const struct trace_hdr *)rec, rsize,
				   ((const struct trace_hdr *)rec)->cpu);
		check_text(buf, sizeof(buf), ret);
	}
	return 0;
}
