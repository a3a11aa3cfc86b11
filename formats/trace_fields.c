/*
 * The exporters' view of every record type: its fields in order, how each
 * is shown, and the names computed from them (formats/trace_fields.h).
 */
#include <stddef.h>
#include <string.h>

#include "formats/esr.h"
#include "formats/smccc.h"
#include "formats/trace_fields.h"

#define MSIZE(st, m) sizeof(((struct st *)0)->m)
#define F(st, m, k) { #m, NULL, TFK_##k, MSIZE(st, m), 1, offsetof(struct st, m) }
#define FE(st, m, e) { #m, e, TFK_ENUM, MSIZE(st, m), 1, offsetof(struct st, m) }
#define FA(st, m, k, n) { #m, NULL, TFK_##k, MSIZE(st, m[0]), n, offsetof(struct st, m) }
#define FC(name, st, m, k) { name, NULL, TFK_##k, MSIZE(st, m), 1, offsetof(struct st, m) }

static const struct trace_field exit_fields[] = {
	F(trace_exit, esr, HEX),
	F(trace_exit, elr, HEX),
	F(trace_exit, far, HEX),
	F(trace_exit, hpfar, HEX),
	F(trace_exit, cost, DEC),
	F(trace_exit, insn, HEX),
	F(trace_exit, exit_class, DEC),
	FC("exit_class_name", trace_exit, exit_class, EXIT_CLASS_NAME),
	FE(trace_exit, outcome, "exit_outcome"),
	F(trace_exit, flags, HEX),
};

static const struct trace_field entry_fields[] = {
	F(trace_entry, pc, HEX),
	F(trace_entry, pending_irqs, DEC),
	F(trace_entry, lrs_used, DEC),
};

static const struct trace_field sched_fields[] = {
	F(trace_sched, pc, HEX),
	F(trace_sched, ticks, DEC),
	FE(trace_sched, reason, "sched_reason"),
	F(trace_sched, runnable, DEC),
};

static const struct trace_field vm_fields[] = {
	F(trace_vm, serial, DEC),
	F(trace_vm, mem_size, DEC),
	F(trace_vm, nr_vcpus, DEC),
	F(trace_vm, state, DEC),
	F(trace_vm, exit_status, DEC),
	F(trace_vm, name, STR),
};

static const struct trace_field vmid_alloc_fields[] = {
	F(trace_vmid_alloc, serial, DEC),
	F(trace_vmid_alloc, in_use, DEC),
	F(trace_vmid_alloc, vmid_bits, DEC),
};

static const struct trace_field vmid_rollover_fields[] = {
	F(trace_vmid_rollover, old_gen, DEC),
	F(trace_vmid_rollover, new_gen, DEC),
	F(trace_vmid_rollover, flush_cost, DEC),
	F(trace_vmid_rollover, in_use, DEC),
	F(trace_vmid_rollover, vmid_bits, DEC),
};

static const struct trace_field mmio_fields[] = {
	F(trace_mmio, ipa, HEX),
	F(trace_mmio, value, HEX),
	FE(trace_mmio, device, "mmio_device"),
	F(trace_mmio, width, DEC),
	F(trace_mmio, is_write, DEC),
	FE(trace_mmio, result, "mmio_result"),
};

static const struct trace_field smccc_fields[] = {
	FA(trace_smccc, args, HEX, 6),
	FA(trace_smccc, result, HEX, 4),
	F(trace_smccc, fid, HEX),
	FC("fid_name", trace_smccc, fid, SMCCC_NAME),
	FE(trace_smccc, conduit, "smccc_conduit"),
};

static const struct trace_field irq_inject_fields[] = {
	F(trace_irq_inject, vintid, DEC),
	FE(trace_irq_inject, source, "irq_source"),
	F(trace_irq_inject, target_vcpu, DEC),
	F(trace_irq_inject, source_vcpu, DEC),
	F(trace_irq_inject, priority, DEC),
};

static const struct trace_field vgic_lrs_fields[] = {
	FA(trace_vgic_lrs, lr, HEX, TRACE_MAX_LRS),
	F(trace_vgic_lrs, hcr, HEX),
	F(trace_vgic_lrs, misr, HEX),
	F(trace_vgic_lrs, eisr, HEX),
	F(trace_vgic_lrs, elrsr, HEX),
	F(trace_vgic_lrs, nr_lrs, DEC),
	FE(trace_vgic_lrs, point, "lrs_point"),
	F(trace_vgic_lrs, used, HEX),
};

static const struct trace_field vgic_maint_fields[] = {
	F(trace_vgic_maint, misr, HEX),
	F(trace_vgic_maint, eisr, HEX),
	F(trace_vgic_maint, hcr, HEX),
};

static const struct trace_field log_fields[] = {
	FE(trace_log, level, "log_level"),
	F(trace_log, len, DEC),
	F(trace_log, text, STR),
};

#define T(t, f) [t] = { t, sizeof(f) / sizeof(f[0]), f }

/* Indexed by type: the exporters look a record's fields up once per record. */
const struct trace_fields trace_fields_all[TRACE_FIELDS_SLOTS] = {
	T(TRACE_EXIT, exit_fields),
	T(TRACE_ENTRY, entry_fields),
	T(TRACE_SCHED_IN, sched_fields),
	T(TRACE_SCHED_OUT, sched_fields),
	T(TRACE_WFI_BLOCK, sched_fields),
	T(TRACE_WFI_WAKE, sched_fields),
	T(TRACE_VM_CREATE, vm_fields),
	T(TRACE_VM_DESTROY, vm_fields),
	T(TRACE_VMID_ALLOC, vmid_alloc_fields),
	T(TRACE_VMID_ROLLOVER, vmid_rollover_fields),
	T(TRACE_MMIO, mmio_fields),
	T(TRACE_SMCCC, smccc_fields),
	T(TRACE_IRQ_INJECT, irq_inject_fields),
	T(TRACE_VGIC_LRS, vgic_lrs_fields),
	T(TRACE_VGIC_MAINT, vgic_maint_fields),
	T(TRACE_LOG, log_fields),
};

const char *trace_field_text(const struct trace_field *f, const uint8_t *rec)
{
	uint64_t v = 0;

	memcpy(&v, rec + f->off, f->size); /* little-endian, as the records */
	switch (f->kind) {
	case TFK_EXIT_CLASS_NAME:
		return exit_class_name((unsigned)v);
	case TFK_SMCCC_NAME:
		return smccc_name((uint32_t)v);
	default:
		return NULL;
	}
}
