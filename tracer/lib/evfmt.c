/* The text of a trace record: see tracer/lib/evfmt.h. */
#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/esr.h"
#include "formats/esr_fmt.h"
#include "formats/hypcfg.h"
#include "formats/ich_lr.h"
#include "formats/host/mmio_regs.h"
#include "formats/smccc.h"
#include "formats/host/trace_types.h"
#include "tracer/lib/evfmt.h"
#include "tracer/lib/stats.h"

#if CS_API_MAJOR >= 6
#define HS_CS_ARCH CS_ARCH_AARCH64
#else
#define HS_CS_ARCH CS_ARCH_ARM64
#endif

/* ------------------------------------------------------------ decoding */

const char *ev_type_name(unsigned type)
{
	const char *name = trace_type_name(type);

	if (name)
		return name;
	if (type >= TRACE_SDEI_FIRST && type <= TRACE_SDEI_LAST)
		return "sdei";
	if (type >= TRACE_GDB_FIRST && type <= TRACE_GDB_LAST)
		return "gdb";
	return "unknown";
}

/* The name of v in e (formats/host/trace_types.c), dflt when it has none. */
static const char *value_name(const struct trace_enum *e, uint64_t v, const char *dflt)
{
	const char *name = trace_enum_name(e, v);

	return name ? name : dflt;
}

static const char *vm_name(const struct ev_fmt *p, unsigned vm)
{
	return vm < HS_MAX_VM_NAMES ? p->vm_names[vm] : "";
}

static void print_pc(struct ev_fmt *p, const struct trace_hdr *h, uint64_t pc, bool lead)
{
	char sym[160];

	fprintf(p->f, "%spc=0x%" PRIx64, lead ? " " : "", pc);
	if (!p->elfs || !p->elfs->nr || h->vm == TRACE_NO_VM)
		return;
	hs_symbolize(p->elfs, h->vm, vm_name(p, h->vm), pc, sym, sizeof(sym));
	if (sym[0])
		fprintf(p->f, " <%s>", sym);
}

static void print_insn(struct ev_fmt *p, uint32_t word, uint64_t pc)
{
	uint8_t bytes[4] = { (uint8_t)word, (uint8_t)(word >> 8), (uint8_t)(word >> 16),
			     (uint8_t)(word >> 24) };
	cs_insn *insn;
	size_t n;

	fprintf(p->f, " insn=0x%08x", word);
	if (!p->cs_open && !p->cs_failed) {
		if (cs_open(HS_CS_ARCH, CS_MODE_LITTLE_ENDIAN, &p->cs) == CS_ERR_OK) {
			p->cs_open = true;
		} else {
			p->cs_failed = true;
			fprintf(stderr, "hypscope print: capstone cannot disassemble AArch64: "
					"instructions are shown as numbers\n");
		}
	}
	if (!p->cs_open)
		return;
	n = cs_disasm(p->cs, bytes, sizeof(bytes), pc, 1, &insn);
	if (n) {
		fprintf(p->f, " \"%s%s%s\"", insn[0].mnemonic, insn[0].op_str[0] ? " " : "",
			insn[0].op_str);
		cs_free(insn, n);
	} else {
		fputs(" \"(undefined)\"", p->f);
	}
}

/* Classes whose exception sets FAR_EL2 (Arm ARM, FAR_EL2); for the others it is stale. */
static bool far_meaningful(unsigned cls)
{
	switch (cls) {
	case ESR_EC_IABT_LOW:
	case ESR_EC_IABT_CUR:
	case ESR_EC_PC_ALIGN:
	case ESR_EC_DABT_LOW:
	case ESR_EC_DABT_CUR:
	case ESR_EC_WATCHPT_LOW:
	case ESR_EC_WATCHPT_CUR:
		return true;
	default:
		return false;
	}
}

static void decode_exit(struct ev_fmt *p, const struct trace_exit *e)
{
	char buf[256];

	if (e->exit_class <= HYP_EXIT_SYNC_LAST) {
		esr_format(buf, sizeof(buf), e->esr);
		fputs(buf, p->f);
	} else {
		fputs(exit_class_name(e->exit_class), p->f);
	}
	print_pc(p, &e->hdr, e->elr, true);
	if (e->flags & TRACE_EXIT_INSN_VALID)
		print_insn(p, e->insn, e->elr);
	if (e->flags & TRACE_EXIT_FAR_VALID && far_meaningful(e->exit_class)) {
		fprintf(p->f, " far=0x%" PRIx64, e->far);
		/* HPFAR_EL2.FIPA holds IPA[51:12] of a stage 2 fault */
		if (e->exit_class == ESR_EC_DABT_LOW || e->exit_class == ESR_EC_IABT_LOW)
			fprintf(p->f, " ipa=0x%" PRIx64, (e->hpfar >> 4) << 12 | (e->far & 0xfff));
	}
	if (!(e->flags & TRACE_EXIT_NO_COST)) /* a KVM host measures none */
		fprintf(p->f, " cost=%" PRIu64, e->cost);
	fprintf(p->f, " %s", value_name(&trace_enum_exit_outcome, e->outcome, "outcome?"));
	/* Nested virtualization: which level exited; nothing for a VM without el2=on */
	if (e->flags & TRACE_EXIT_L2)
		fputs(" level=L2", p->f);
	else if (e->flags & TRACE_EXIT_L1)
		fputs(" level=L1", p->f);
}

static void decode_mmio(struct ev_fmt *p, const struct trace_mmio *m)
{
	const char *dev = hs_device_name(m->device);
	char reg[40];

	if (dev) {
		uint64_t off = hs_mmio_offset(m->device, m->ipa);

		fprintf(p->f, "%s+0x%" PRIx64, dev, off);
		if (*mmio_reg_name(m->device, off, reg, sizeof(reg)))
			fprintf(p->f, " %s", reg);
	} else {
		fprintf(p->f, "dev%u", m->device);
	}
	fprintf(p->f, " %s %uB value=0x%" PRIx64 " ipa=0x%" PRIx64 " %s",
		m->is_write ? "write" : "read", m->width, m->value, m->ipa,
		value_name(&trace_enum_mmio_result, m->result, "result?"));
}

static void decode_smccc(struct ev_fmt *p, const struct trace_smccc *c)
{
	int32_t w0 = (int32_t)c->result[0];
	const char *ret = NULL;
	char buf[96];
	unsigned i;

	smccc_format(buf, sizeof(buf), c->fid);
	fprintf(p->f, "%s %s", buf, c->conduit == TRACE_SMCCC_SMC ? "smc" : "hvc");
	for (i = 0; i < 6; i++)
		if (c->args[i] || i < 3)
			fprintf(p->f, " x%u=0x%" PRIx64, i + 1, c->args[i]);
	fprintf(p->f, " -> x0=0x%" PRIx64, c->result[0]);
	if (w0 < 0)
		ret = smccc_owner(c->fid) == SMCCC_OWNER_STD ? psci_ret_name(w0) :
							       smccc_ret_name(w0);
	if (ret)
		fprintf(p->f, " (%s)", ret);
	for (i = 1; i < 4; i++)
		if (c->result[i])
			fprintf(p->f, " x%u=0x%" PRIx64, i, c->result[i]);
}

static void decode_lrs(struct ev_fmt *p, const struct trace_vgic_lrs *l)
{
	unsigned i, n = l->nr_lrs < TRACE_MAX_LRS ? l->nr_lrs : TRACE_MAX_LRS;
	struct ich_lr lr;

	fprintf(p->f, "%s lrs=%u used=0x%x hcr=0x%x misr=0x%x eisr=0x%x elrsr=0x%x",
		l->point == TRACE_LRS_FOLD ? "fold" : "flush", l->nr_lrs, l->used, l->hcr, l->misr,
		l->eisr, l->elrsr);
	for (i = 0; i < n; i++) {
		if (ich_lr_get_state(l->lr[i]) == ICH_LR_STATE_INVALID)
			continue;
		ich_lr_decode(l->lr[i], &lr);
		fprintf(p->f, " [LR%u %s vintid=%u prio=0x%x%s", i, ich_lr_state_str(lr.state),
			lr.vintid, lr.priority, lr.group1 ? " g1" : " g0");
		if (lr.hw)
			fprintf(p->f, " hw pintid=%u", lr.pintid);
		else if (lr.eoi)
			fputs(" eoi", p->f);
		fputc(']', p->f);
	}
}

static void decode_maint(struct ev_fmt *p, const struct trace_vgic_maint *m)
{
	unsigned i;
	bool first = true;

	fprintf(p->f, "misr=0x%x (", m->misr);
	for (i = 0; i < ICH_MISR_NR_CAUSES; i++) {
		if (m->misr & (1u << i)) {
			fprintf(p->f, "%s%s", first ? "" : " ", ich_misr_cause_name(i));
			first = false;
		}
	}
	fprintf(p->f, ") eisr=0x%x hcr=0x%x", m->eisr, m->hcr);
}

void ev_format_fields(struct ev_fmt *p, FILE *out, const struct trace_type_info *tt,
		      const struct trace_hdr *h)
{
	const uint8_t *rec = (const uint8_t *)h;
	const struct trace_field *f;
	const struct trace_arg *a;
	const char *name;
	bool first = true;
	unsigned i, e;
	uint64_t v;

	p->f = out;
	for (i = 0; tt->print && i < tt->nr_print; i++) {
		a = &tt->print[i];
		if (!trace_arg_shown(a, rec))
			continue;
		v = a->size ? trace_load(rec + a->off, a->size) : 0;
		if (a->show == TSH_PC) {
			print_pc(p, h, v, !first);
			first = false;
			continue;
		}
		fprintf(p->f, "%s%s=", first ? "" : " ", a->key);
		first = false;
		switch (a->show) {
		case TSH_HEX:
			fprintf(p->f, "0x%" PRIx64, v);
			break;
		case TSH_NAME:
			fputs(value_name(a->names, v, a->dflt ? a->dflt : "?"), p->f);
			break;
		case TSH_STR:
			fprintf(p->f, "%.*s", (int)strnlen((const char *)rec + a->off, a->size),
				(const char *)rec + a->off);
			break;
		case TSH_CPU:
			fprintf(p->f, "%u", h->cpu);
			break;
		default: /* TSH_DEC */
			fprintf(p->f, "%" PRIu64, v);
			break;
		}
	}
	for (i = 0; !tt->print && i < tt->nr_fields; i++) {
		f = &tt->field[i];
		for (e = 0; e < f->count; e++) {
			const uint8_t *at = rec + f->off + (size_t)e * f->size;

			v = trace_load(at, f->size);
			if (!first)
				fputc(' ', p->f);
			first = false;
			if (f->count > 1)
				fprintf(p->f, "%s%u=", f->name, e);
			else
				fprintf(p->f, "%s=", f->name);
			switch (f->kind) {
			case TFK_HEX:
				fprintf(p->f, "0x%" PRIx64, v);
				break;
			case TFK_ENUM:
				name = trace_enum_name(f->names, v);
				if (name)
					fputs(name, p->f);
				else
					fprintf(p->f, "%" PRIu64, v);
				break;
			case TFK_STR:
				fprintf(p->f, "\"%.*s\"", (int)strnlen((const char *)at, f->size),
					(const char *)at);
				break;
			case TFK_DEC:
				fprintf(p->f, "%" PRIu64, v);
				break;
			default:
				name = trace_field_text(f, rec);
				fputs(name ? name : "?", p->f);
				break;
			}
		}
	}
}

static void decode(struct ev_fmt *p, const struct trace_hdr *h, uint32_t size)
{
	switch (h->type) {
	case TRACE_EXIT:
		decode_exit(p, (const struct trace_exit *)h);
		break;
	case TRACE_SCHED_IN:
	case TRACE_SCHED_OUT:
	case TRACE_WFI_BLOCK:
	case TRACE_WFI_WAKE: {
		const struct trace_sched *s = (const void *)h;

		fprintf(p->f, "reason=%s", value_name(&trace_enum_sched_reason, s->reason, "?"));
		print_pc(p, h, s->pc, true);
		if (h->type == TRACE_SCHED_OUT)
			fprintf(p->f, " ran=%.3fus", (double)s->ticks * 1e6 / (double)p->cntfrq);
		else if (h->type == TRACE_WFI_WAKE)
			fprintf(p->f, " blocked=%.3fus",
				(double)s->ticks * 1e6 / (double)p->cntfrq);
		fprintf(p->f, " runnable=%u", s->runnable);
		break;
	}
	case TRACE_VM_CREATE:
	case TRACE_VM_DESTROY: {
		const struct trace_vm *v = (const void *)h;

		fprintf(p->f, "name=%.32s serial=%" PRIu64 " vcpus=%u mem=%" PRIu64 "M", v->name,
			v->serial, v->nr_vcpus, v->mem_size >> 20);
		if (h->type == TRACE_VM_DESTROY)
			fprintf(p->f, " state=%s exit_status=%u",
				value_name(&trace_enum_vm_state, v->state, "?"), v->exit_status);
		break;
	}
	case TRACE_VMID_ROLLOVER: {
		const struct trace_vmid_rollover *r = (const void *)h;

		fprintf(p->f, "gen %" PRIu64 " -> %" PRIu64 " flush=%" PRIu64 " cycles in_use=%u "
			      "bits=%u",
			r->old_gen, r->new_gen, r->flush_cost, r->in_use, r->vmid_bits);
		break;
	}
	case TRACE_MMIO:
		decode_mmio(p, (const struct trace_mmio *)h);
		break;
	case TRACE_SMCCC:
		decode_smccc(p, (const struct trace_smccc *)h);
		break;
	case TRACE_IRQ_INJECT: {
		const struct trace_irq_inject *i = (const void *)h;

		fprintf(p->f, "vintid=%u source=%s target=vcpu%u", i->vintid,
			value_name(&trace_enum_irq_source, i->source, "?"), i->target_vcpu);
		if (i->source_vcpu != TRACE_NO_VCPU)
			fprintf(p->f, " from=vcpu%u", i->source_vcpu);
		fprintf(p->f, " prio=0x%x", i->priority);
		break;
	}
	case TRACE_VGIC_LRS:
		decode_lrs(p, (const struct trace_vgic_lrs *)h);
		break;
	case TRACE_VGIC_MAINT:
		decode_maint(p, (const struct trace_vgic_maint *)h);
		break;
	case TRACE_LOG: {
		const struct trace_log *l = (const void *)h;

		fprintf(p->f, "%s: %.*s", value_name(&trace_enum_log_level, l->level, "?"),
			(int)(l->len < TRACE_LOG_LEN ? l->len : TRACE_LOG_LEN - 1), l->text);
		break;
	}
	default:
		if (trace_type_of(h->type))
			ev_format_fields(p, p->f, trace_type_of(h->type), h);
		else
			fprintf(p->f, "type=0x%04x size=%u", h->type, size);
		break;
	}
}

/* --raw: the header, then every 64-bit word of the payload. */
static void print_raw(struct ev_fmt *p, const struct trace_hdr *h, uint32_t size)
{
	const uint64_t *w = (const uint64_t *)h;
	uint32_t i;

	fprintf(p->f, "type=0x%04x size=%u seq=%" PRIu64 " ts=%" PRIu64 " vmid=%u vmid_gen=%" PRIu64,
		h->type, h->size, h->seq, h->ts, h->vmid, h->vmid_gen);
	for (i = sizeof(*h) / 8; i < size / 8; i++)
		fprintf(p->f, " %016" PRIx64, w[i]);
}

void ev_format(struct ev_fmt *p, FILE *out, const struct trace_hdr *h, uint32_t size, unsigned cpu)
{
	uint32_t min = trace_min_size(h->type);
	double t = h->ts >= p->t0 ? (double)(h->ts - p->t0) / (double)p->cntfrq
				  : -(double)(p->t0 - h->ts) / (double)p->cntfrq;
	char who[24];

	if (h->vm == TRACE_NO_VM)
		snprintf(who, sizeof(who), "-");
	else if (h->vcpu == TRACE_NO_VCPU)
		snprintf(who, sizeof(who), "vm%u", h->vm);
	else
		snprintf(who, sizeof(who), "vm%u/%u", h->vm, h->vcpu);
	p->f = out;
	fprintf(p->f, "%14.9f cpu%-2u %-8s %-13s ", t, cpu, who, ev_type_name(h->type));
	if (p->raw)
		print_raw(p, h, size);
	else if (min && size < min)
		/* Never decode past the record: a prefix is only named. */
		fprintf(p->f, "(record cut at %u of %u bytes)", size, h->size);
	else
		decode(p, h, size);
}

int ev_format_buf(struct ev_fmt *p, char *buf, size_t len, const struct trace_hdr *h, uint32_t size,
		  unsigned cpu)
{
	FILE *f;
	long n;

	if (!len)
		return 0;
	buf[0] = '\0';
	f = fmemopen(buf, len, "w");
	if (!f)
		return -1;
	/* No buffering of its own: what does not fit is cut, the string stays terminated. */
	setvbuf(f, NULL, _IONBF, 0);
	ev_format(p, f, h, size, cpu);
	n = ftell(f);
	fclose(f);
	buf[len - 1] = '\0';
	return (int)n;
}

void ev_fmt_init(struct ev_fmt *p, uint64_t t0, uint64_t cntfrq)
{
	memset(p, 0, sizeof(*p));
	p->t0 = t0;
	p->cntfrq = cntfrq ? cntfrq : 62500000;
}

void ev_fmt_note_vm(struct ev_fmt *p, const struct trace_hdr *h, uint32_t size)
{
	if ((h->type == TRACE_VM_CREATE || h->type == TRACE_VM_DESTROY) &&
	    size >= sizeof(struct trace_vm) && h->vm < HS_MAX_VM_NAMES) {
		memcpy(p->vm_names[h->vm], ((const struct trace_vm *)h)->name, 32);
		p->vm_names[h->vm][31] = '\0';
	}
}

void ev_fmt_release(struct ev_fmt *p)
{
	if (p && p->cs_open)
		cs_close(&p->cs);
	if (p)
		p->cs_open = false;
}

