/* One line of text per trace record. See tui/evtext.h. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "formats/esr.h"
#include "formats/esr_fmt.h"
#include "formats/exits.h"
#include "formats/export.h"
#include "formats/ich_lr.h"
#include "formats/mmio_regs.h"
#include "formats/smccc.h"
#include "tracer/stats.h"
#include "tui/evtext.h"

/* A bounded text being built; pos counts what the whole text needs. */
struct text {
	char *buf;
	size_t len;
	size_t pos;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->pos < t->len ? t->buf + t->pos : NULL,
		      t->pos < t->len ? t->len - t->pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->pos += (size_t)n;
}

const char *top_event_type_name(uint32_t type)
{
	const char *name = export_type_name(type);

	if (name)
		return name;
	if (type >= TRACE_SDEI_FIRST && type <= TRACE_SDEI_LAST)
		return "sdei";
	if (type >= TRACE_GDB_FIRST && type <= TRACE_GDB_LAST)
		return "gdb";
	return NULL;
}

static const char *sched_reason(uint32_t r)
{
	static const char *const names[] = {
		[TRACE_SCHED_SLICE] = "slice", [TRACE_SCHED_WFI] = "wfi",
		[TRACE_SCHED_YIELD] = "yield", [TRACE_SCHED_CPU_OFF] = "cpu_off",
		[TRACE_SCHED_VM_END] = "vm_end", [TRACE_SCHED_START] = "start",
		[TRACE_SCHED_IRQ] = "irq",     [TRACE_SCHED_TIMER] = "timer",
		[TRACE_SCHED_DEBUG] = "debug",
	};

	return r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

static const char *irq_source(uint32_t s)
{
	static const char *const names[] = { "sgi", "timer", "device", "host", "other" };

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static const char *log_level(uint32_t l)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };

	return l < sizeof(names) / sizeof(names[0]) ? names[l] : "?";
}

int top_lr_text(char *buf, size_t len, uint64_t lr)
{
	struct ich_lr d;

	ich_lr_decode(lr, &d);
	if (d.state == ICH_LR_STATE_INVALID)
		return snprintf(buf, len, "-");
	if (d.hw)
		return snprintf(buf, len, "%-2s %4u hw=%u pri=%02x", ich_lr_state_str(d.state),
				d.vintid, d.pintid, d.priority);
	return snprintf(buf, len, "%-2s %4u pri=%02x%s", ich_lr_state_str(d.state), d.vintid,
			d.priority, d.eoi ? " eoi" : "");
}

static void put_ticks(struct text *t, const char *what, uint64_t ticks, uint64_t cntfrq)
{
	double s = cntfrq ? (double)ticks / (double)cntfrq : 0;

	if (s < 1e-3)
		put(t, " %s=%.1fus", what, s * 1e6);
	else if (s < 1)
		put(t, " %s=%.2fms", what, s * 1e3);
	else
		put(t, " %s=%.2fs", what, s);
}

static bool far_written(unsigned cls)
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

static void text_exit(struct text *t, const struct trace_exit *e)
{
	char esr[160];

	if (e->exit_class > HYP_EXIT_SYNC_LAST) {
		put(t, "%s", e->exit_class < HYP_EXIT_CLASSES ? exit_class_name(e->exit_class)
							      : "?");
	} else {
		esr_format(esr, sizeof(esr), e->esr);
		put(t, "%s", esr);
	}
	put(t, " pc=0x%" PRIx64 " cost=%" PRIu64, e->elr, e->cost);
	/* FAR_EL2 is only written by aborts, alignment faults and watchpoints */
	if (e->flags & TRACE_EXIT_FAR_VALID && far_written(e->exit_class))
		put(t, " far=0x%" PRIx64, e->far);
	if (e->outcome == TRACE_EXIT_INJECTED)
		put(t, " injected");
	else if (e->outcome == TRACE_EXIT_TO_HOST)
		put(t, " to-host");
}

static void text_mmio(struct text *t, const struct trace_mmio *m)
{
	const char *dev = hs_device_name(m->device);
	uint64_t off = hs_mmio_offset(m->device, m->ipa);
	const char *reg;
	char rb[48];

	reg = mmio_reg_name(m->device, off, rb, sizeof(rb));
	if (dev && m->device != TRACE_DEV_NONE && reg[0] && !strncmp(reg, dev, strlen(dev)))
		put(t, "%s (+0x%03" PRIx64 ")", reg, off); /* "GICD_CTLR", "UARTFR" */
	else if (dev && m->device != TRACE_DEV_NONE)
		put(t, "%s %s (+0x%03" PRIx64 ")", dev, reg[0] ? reg : "?", off);
	else
		put(t, "ipa=0x%" PRIx64 " (no device)", m->ipa);
	put(t, " %s %uB %s 0x%" PRIx64, m->is_write ? "write" : "read", m->width,
	    m->is_write ? "<-" : "=", m->value);
	if (m->result == TRACE_MMIO_ABORT)
		put(t, " abort");
	else if (m->result == TRACE_MMIO_IGNORED)
		put(t, " ignored");
}

static void text_smccc(struct text *t, const struct trace_smccc *c)
{
	int32_t w0 = (int32_t)c->result[0];
	const char *err = NULL;
	char name[96];

	smccc_format(name, sizeof(name), c->fid);
	put(t, "%s %s x1=0x%" PRIx64 " -> 0x%" PRIx64,
	    c->conduit == TRACE_SMCCC_SMC ? "smc" : "hvc", name, c->args[0], c->result[0]);
	if (w0 < 0 && w0 >= -64) {
		err = smccc_owner(c->fid) == SMCCC_OWNER_STD ? psci_ret_name(w0)
							     : smccc_ret_name(w0);
		if (err)
			put(t, " (%s)", err);
	}
}

static void text_lrs(struct text *t, const struct trace_vgic_lrs *l)
{
	unsigned i, n = l->nr_lrs < TRACE_MAX_LRS ? l->nr_lrs : TRACE_MAX_LRS, shown = 0;
	char lr[48];

	put(t, "%s %u LRs hcr=0x%x misr=0x%x:", l->point == TRACE_LRS_FOLD ? "fold" : "flush", n,
	    l->hcr, l->misr);
	for (i = 0; i < n; i++) {
		if (ich_lr_get_state(l->lr[i]) == ICH_LR_STATE_INVALID)
			continue;
		top_lr_text(lr, sizeof(lr), l->lr[i]);
		put(t, "%s LR%u %s", shown++ ? "," : "", i, lr);
	}
	if (!shown)
		put(t, " all empty");
}

static void text_maint(struct text *t, const struct trace_vgic_maint *m)
{
	unsigned i, shown = 0;

	put(t, "misr=");
	for (i = 0; i < ICH_MISR_NR_CAUSES; i++)
		if (m->misr & (1u << i))
			put(t, "%s%s", shown++ ? "|" : "", ich_misr_cause_name(i));
	if (!shown)
		put(t, "0");
	put(t, " eisr=0x%x hcr=0x%x", m->eisr, m->hcr);
}

static void text_payload(struct text *t, const struct trace_hdr *h, uint64_t cntfrq)
{
	switch (h->type) {
	case TRACE_EXIT:
		text_exit(t, (const void *)h);
		break;
	case TRACE_ENTRY: {
		const struct trace_entry *e = (const void *)h;

		put(t, "pc=0x%" PRIx64 " lrs=%u pending=%u", e->pc, e->lrs_used, e->pending_irqs);
		break;
	}
	case TRACE_SCHED_IN:
	case TRACE_SCHED_OUT:
	case TRACE_WFI_BLOCK:
	case TRACE_WFI_WAKE: {
		const struct trace_sched *s = (const void *)h;

		put(t, "%s pc=0x%" PRIx64, sched_reason(s->reason), s->pc);
		if (h->type == TRACE_SCHED_OUT)
			put_ticks(t, "ran", s->ticks, cntfrq);
		else if (h->type == TRACE_WFI_WAKE)
			put_ticks(t, "blocked", s->ticks, cntfrq);
		put(t, " runnable=%u", s->runnable);
		break;
	}
	case TRACE_VM_CREATE:
	case TRACE_VM_DESTROY: {
		const struct trace_vm *v = (const void *)h;

		put(t, "%.*s serial=%" PRIu64 " vcpus=%u mem=%" PRIu64 "M", (int)sizeof(v->name),
		    v->name, v->serial, v->nr_vcpus, v->mem_size >> 20);
		if (h->type == TRACE_VM_DESTROY)
			put(t, " state=%u status=%u", v->state, v->exit_status);
		break;
	}
	case TRACE_VMID_ALLOC: {
		const struct trace_vmid_alloc *a = (const void *)h;

		put(t, "vmid=%u gen=%" PRIu64 " serial=%" PRIu64 " in_use=%u bits=%u", h->vmid,
		    h->vmid_gen, a->serial, a->in_use, a->vmid_bits);
		break;
	}
	case TRACE_VMID_ROLLOVER: {
		const struct trace_vmid_rollover *r = (const void *)h;

		put(t, "gen %" PRIu64 " -> %" PRIu64 " in_use=%u bits=%u flush=%" PRIu64 "cyc",
		    r->old_gen, r->new_gen, r->in_use, r->vmid_bits, r->flush_cost);
		break;
	}
	case TRACE_MMIO:
		text_mmio(t, (const void *)h);
		break;
	case TRACE_SMCCC:
		text_smccc(t, (const void *)h);
		break;
	case TRACE_IRQ_INJECT: {
		const struct trace_irq_inject *q = (const void *)h;

		put(t, "vintid=%u src=%s target=%u", q->vintid, irq_source(q->source),
		    q->target_vcpu);
		if (q->source_vcpu != TRACE_NO_VCPU)
			put(t, " from=%u", q->source_vcpu);
		put(t, " pri=%02x", q->priority);
		break;
	}
	case TRACE_VGIC_LRS:
		text_lrs(t, (const void *)h);
		break;
	case TRACE_VGIC_MAINT:
		text_maint(t, (const void *)h);
		break;
	case TRACE_LOG: {
		const struct trace_log *l = (const void *)h;

		put(t, "%s: %.*s", log_level(l->level), (int)strnlen(l->text, sizeof(l->text)),
		    l->text);
		break;
	}
	default:
		put(t, "%u bytes", h->size);
		break;
	}
}

int top_event_text(char *buf, size_t len, const struct trace_hdr *h, uint32_t size,
		   uint64_t base, uint64_t cntfrq)
{
	struct text t = { .buf = buf, .len = len };
	uint32_t min = trace_min_size(h->type);
	const char *name = top_event_type_name(h->type);
	double s = 0;
	char who[24];

	if (len)
		buf[0] = '\0';
	if (cntfrq && h->ts >= base)
		s = (double)(h->ts - base) / (double)cntfrq;
	else if (cntfrq)
		s = -(double)(base - h->ts) / (double)cntfrq;
	if (h->vm != TRACE_NO_VM && h->vcpu != TRACE_NO_VCPU)
		snprintf(who, sizeof(who), "vm%u/%u", h->vm, h->vcpu);
	else if (h->vm != TRACE_NO_VM)
		snprintf(who, sizeof(who), "vm%u", h->vm);
	else
		snprintf(who, sizeof(who), "-");
	put(&t, "%14.9f cpu%-2u %-8s ", s, h->cpu, who);
	if (name)
		put(&t, "%-13s ", name);
	else
		put(&t, "type_0x%04x   ", h->type);
	if (min && size < min)
		put(&t, "(record cut at %u of %u bytes)", size, h->size);
	else
		text_payload(&t, h, cntfrq);
	return (int)t.pos;
}
